"""Benchmark of POST /twilio/sms: the full bot (2 uvicorn workers, SQLite) against the Twilio quickstart
(bench/quickstart_flask.py on gunicorn, 2 sync workers), driven by the same load generator.

Run from the repository root:  .venv/bin/python bench/inbound.py   (needs `wrk`: apt-get install -y wrk)

Every request is a signed NALOXONE text with its own MessageSid, from a spread of --texters numbers.
The per-number flood limits are raised for the run (SMSBOT_RATE_LIMIT_PER_MINUTE/DAY), otherwise a
texter sending several texts in a few seconds would be silenced and the bot would skip the reply.
Phase 1 (max throughput): wrk, closed loop, the same connections for both servers; CPU per request is the
server processes' user+system time (/proc/<pid>/stat, master and workers) over the run / requests.
Phase 2 (fixed rate): an open-loop generator sends --rate req/s to the bot; latency counts from the
scheduled send time, so a stall is not hidden. Every response must be 200 with a TwiML <Message>.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
PUBLIC_URL = "https://smsbot.bench"
WEBHOOK_URL = PUBLIC_URL + "/twilio/sms"
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+15550001111"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# wrk: each thread replays its own slice of the pre-signed requests and checks every answer.
WRK_LUA = r"""
local threads, next_id = {}, 0
function setup(thread)
  thread:set("tid", next_id); next_id = next_id + 1; table.insert(threads, thread)
end
function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  reqs, i, n = {}, 0, 0
  for line in io.lines(path) do
    if i % nthreads == tid then
      local sig, body = line:match("^([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig}, body)
    end
    i = i + 1
  end
  ok, non200, not_twiml, silent, wrapped = 0, 0, 0, 0, 0
end
function request()
  n = n + 1
  if n > #reqs then n = 1; wrapped = wrapped + 1 end
  return reqs[n]
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1
  elseif not body:find("<Response>", 1, true) and not body:find("<Response />", 1, true) then
    not_twiml = not_twiml + 1
  elseif not body:find("<Message>", 1, true) then silent = silent + 1
  else ok = ok + 1 end
end
function done(summary, latency, requests)
  local t = {ok = 0, non200 = 0, not_twiml = 0, silent = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), t.ok, t.non200, t.not_twiml, t.silent, t.wrapped,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU time over the run
    failures: dict[str, int]
    generator_cpu_ms: float | None = None  # wrk's own CPU: it shares the 2 cores with the servers

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def line(self, name: str) -> str:
        bad = ", ".join(f"{k} {v}" for k, v in self.failures.items() if v) or "none"
        return (
            f"{name:<11} {self.rps:8.0f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms  "
            f"CPU {self.cpu_ms / max(self.requests, 1):5.3f} ms/req  ({self.requests} requests; "
            f"failures: {bad})"
            + (
                f"; wrk CPU {self.generator_cpu_ms / 1000 / self.seconds:.0%} of a core"
                if self.generator_cpu_ms
                else ""
            )
        )


def signed_texts(count: int, texters: int, tag: str) -> list[tuple[str, str]]:
    """(X-Twilio-Signature, form body) for `count` NALOXONE texts with distinct MessageSids."""
    validator, out = RequestValidator(AUTH_TOKEN), []
    for i in range(count):
        sid = f"SM{tag}{i:026d}"[:34]
        params = {  # the fields Twilio sends with an inbound SMS
            "ToCountry": "US", "ToState": "VA", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "CHARLOTTESVILLE", "FromZip": "22901", "SmsSid": sid, "FromState": "VA",
            "SmsStatus": "received", "FromCity": "CHARLOTTESVILLE", "Body": "NALOXONE",
            "FromCountry": "US", "To": OUR_NUMBER, "ToZip": "22902", "NumSegments": "1",
            "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": f"+1434555{i % texters:04d}",
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        out.append((validator.compute_signature(WEBHOOK_URL, params), urlencode(params)))
    return out


def write_texts(path: Path, texts: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{sig}\t{body}\n" for sig, body in texts))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_cpu_ticks(root: int) -> int:
    """utime+stime of `root` and all its descendants, in clock ticks."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    family, total, changed = {root}, 0, True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    for pid in family:
        total += ticks.get(pid, 0)
    return total


def wait_ready(port: int, process: subprocess.Popen, path: str = "/") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server on port {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (404/405 is fine for readiness)
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server on port {port} did not start")


def run_wrk(
    port: int, texts: Path, seconds: float, connections: int, threads: int, tree: int, script: Path
) -> Figures:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "10s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}/twilio/sms", "--", str(texts), str(threads)]
    before, wrk_before = tree_cpu_ticks(tree), _children_cpu_ms()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu_ms = (tree_cpu_ticks(tree) - before) * 1000 / CLOCK_TICKS
    wrk_ms = _children_cpu_ms() - wrk_before
    result = next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, duration_us, p50, p99, _ok, non200, not_twiml, silent, wrapped, errors = map(int, result)
    failures = {"non-200": non200, "not TwiML": not_twiml, "no <Message>": silent}
    failures |= {"socket errors": errors, "replayed requests": wrapped}
    return Figures(requests, duration_us / 1e6, p50 / 1000, p99 / 1000, cpu_ms, failures, wrk_ms)


def _children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


async def _fixed_rate(port: int, requests: list[bytes], rate: float) -> tuple[list[float], Counter]:
    """Open loop: request i is due at start + i/rate; latency from when it was due."""
    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    outcomes: Counter = Counter()

    async def one(request: bytes, due: float) -> None:
        reader, writer = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await reader.readexactly(length)
        latencies.append(loop.time() - due)
        status = head.split(b" ", 2)[1]
        outcomes["ok" if status == b"200" and b"<Message>" in body else f"status {status.decode()}"] += 1
        idle.append((reader, writer))

    start = loop.time() + 0.05
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return latencies, outcomes


def run_fixed_rate(port: int, texts: list[tuple[str, str]], rate: float, tree: int) -> Figures:
    requests = [
        (
            f"POST /twilio/sms HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: {sig}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
        for sig, body in texts
    ]
    before, started = tree_cpu_ticks(tree), time.perf_counter()
    latencies, outcomes = asyncio.run(_fixed_rate(port, requests, rate))
    seconds = time.perf_counter() - started
    cpu_ms = (tree_cpu_ticks(tree) - before) * 1000 / CLOCK_TICKS
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    failures = {k: v for k, v in outcomes.items() if k != "ok"}
    return Figures(len(latencies), seconds, pick(0.50), pick(0.99), cpu_ms, failures)


STAND_IN_NALOXONE = (  # about the length of the real reply (2 segments a part)
    "Naloxone (Narcan) reverses an opioid overdose. It is safe, even if the person took no opioids. "
    "Call 911, give one spray in a nostril, then rescue breaths. Reply MORE for the next steps.",
    "If there is no response in 2-3 minutes, give a second dose. Stay with them: naloxone wears off "
    "and the overdose can come back. Reply with your ZIP to find free naloxone near you.",
)


def wording_dir(workdir: Path) -> Path | None:
    """The shipped packs, or a copy with a stand-in NALOXONE entry while the packs are still being written."""
    from smsbot.replies.wording import PACKS_DIR

    if "[naloxone]" in (PACKS_DIR / "en.toml").read_text(encoding="utf-8"):
        return None
    packs = workdir / "packs"
    packs.mkdir()
    stand_in = f"\n[naloxone]\nparts = {json.dumps(STAND_IN_NALOXONE)}\n"  # JSON strings are TOML strings
    for pack in PACKS_DIR.glob("*.toml"):
        (packs / pack.name).write_text(pack.read_text(encoding="utf-8") + stand_in, encoding="utf-8")
    print("note: the shipped wording packs have no [naloxone] entry yet; using a stand-in of the same length")
    return packs


def start_servers(workdir: Path, bot_port: int, flask_port: int) -> tuple[subprocess.Popen, subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir}/smsbot.db",
        "SMSBOT_ENV": "test",
        "SMSBOT_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "SMSBOT_SECRET_KEY": secrets.token_urlsafe(48),
        "SMSBOT_SENDER": "console",
        "SMSBOT_LOG_LEVEL": "WARNING",
        "SMSBOT_RATE_LIMIT_PER_MINUTE": "1000000",
        "SMSBOT_RATE_LIMIT_PER_DAY": "1000000",
        "QUICKSTART_WEBHOOK_URL": WEBHOOK_URL,
    }
    packs = wording_dir(workdir)
    if packs:
        env["SMSBOT_WORDING_DIR"] = str(packs)
    subprocess.run([BIN / "smsbot", "db", "upgrade"], env=env, cwd=workdir, check=True, capture_output=True)
    bot = subprocess.Popen(
        [BIN / "smsbot", "serve", "--workers", "2", "--port", str(bot_port)], env=env, cwd=workdir
    )
    flask = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{flask_port}", "--log-level", "warning"]
        + ["--chdir", str(Path(__file__).parent), "quickstart_flask:app"],
        env=env,
        cwd=workdir,
    )
    wait_ready(bot_port, bot, "/healthz")
    wait_ready(flask_port, flask)
    return bot, flask


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each max-throughput run, s")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (both servers)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (2 cores: keep it lean)")
    parser.add_argument("--texters", type=int, default=2000, help="distinct From numbers")
    parser.add_argument("--rate", type=float, default=200, help="fixed-rate run against the bot, req/s")
    parser.add_argument("--rate-seconds", type=float, default=20, help="length of the fixed-rate run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    capacity = int(args.seconds * 8000)  # more than either server can take: no MessageSid is sent twice
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; wrk -t{args.threads} -c{args.connections}")
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        workdir = Path(tmp)
        lua = workdir / "inbound.lua"
        lua.write_text(WRK_LUA)
        bot_port, flask_port = free_port(), free_port()
        bot, flask = start_servers(workdir, bot_port, flask_port)
        try:
            results = {}
            for name, port, server in (("quickstart", flask_port, flask), ("bot", bot_port, bot)):
                warm = write_texts(
                    workdir / f"{name}-warm.txt", signed_texts(capacity // 4, args.texters, "W" + name[0])
                )
                run_wrk(port, warm, 3, args.connections, args.threads, server.pid, lua)
                texts = write_texts(
                    workdir / f"{name}.txt", signed_texts(capacity, args.texters, "M" + name[0])
                )
                results[name] = run_wrk(
                    port, texts, args.seconds, args.connections, args.threads, server.pid, lua
                )
                print(results[name].line(name), flush=True)
            ratio = results["bot"].rps / results["quickstart"].rps
            print(f"ratio bot/quickstart: {ratio:.2f}x throughput (target >= 1.0x)")
            texts = signed_texts(int(args.rate * args.rate_seconds), args.texters, "R")
            fixed = run_fixed_rate(bot_port, texts, args.rate, bot.pid)
            print(fixed.line(f"bot@{args.rate:.0f}/s") + "  (target p99 <= 50 ms)")
        finally:
            for server in (bot, flask):
                server.terminate()
            for server in (bot, flask):
                server.wait(timeout=15)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    main()

"""Load generators for bench/inbound.py: wrk (closed loop, max throughput) and an open-loop asyncio
sender (fixed rate); both check every answer and take the server processes' CPU time from /proc.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

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
    # Keep-alive connections, oldest first; one idle past 2 s is dropped (uvicorn closes them at 5 s).
    idle: deque[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = deque()
    latencies: list[float] = []
    outcomes: Counter = Counter()

    async def connection() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while idle:
            since, reader, writer = idle.popleft()
            if loop.time() - since < 2:
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", port)

    async def one(request: bytes, due: float) -> None:
        try:
            reader, writer = await connection()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            body = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, StopIteration) as exc:
            outcomes[f"error {type(exc).__name__}"] += 1
            return
        latencies.append(loop.time() - due)
        status = head.split(b" ", 2)[1]
        if status != b"200":
            outcomes[f"status {status.decode()}"] += 1
        else:
            outcomes["ok" if b"<Response>" in body and b"<Message>" in body else "200 without <Message>"] += 1
        idle.append((loop.time(), reader, writer))

    start = loop.time() + 0.05
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    for _, _, writer in idle:
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

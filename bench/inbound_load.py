"""Load for bench/inbound.py: the signed requests, wrk (closed loop), an open-loop sender (fixed rate), and
what the server processes cost (CPU from /proc, peak RSS). The requests, the checks and the generators
are the same as ../shared/perf/inbound's, so the two tools agree.

`python bench/inbound_load.py openloop HOST PORT PATH RATE SECONDS ROWS` runs the fixed-rate sender alone
(one JSON line), as bench/inbound.py does in a process of its own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

PUBLIC_URL = "https://bot.example.org"
SIGNED_URL = PUBLIC_URL + "/twilio/sms"
ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "bench" + "c3" * 14
BOT_NUMBER = "+15005550006"
# Texters: 555-01xx (fictional) numbers in 50 area codes = 5,000 numbers.
_AREAS = (
    "202 205 206 208 212 213 214 215 216 217 218 219 224 225 228 229 231 234 239 240 248 251 252 253 254 256 "
    "260 262 267 269 270 276 281 301 302 303 304 305 307 308 309 310 312 313 314 315 316 317 318 319"
)
AREA_CODES = _AREAS.split()
NUMBERS = [f"+1{area}5550{100 + j}" for area in AREA_CODES for j in range(100)]
KEYWORDS = ("NALOXONE", "SITES", "HEART", "narcan")
_SENTENCES = (
    "hey is there anywhere around here that can help my friend with some stuff tonight we are near the "
    "bus station downtown thanks so much i was told to text this number what time do you guys open "
    "tomorrow morning can someone call me back later please sorry for the late message"
)
WORDS = _SENTENCES.split()
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def sentence(rng) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize() + rng.choice(".?!")


def twilio_form(sid: str, sender: str, body: str) -> dict[str, str]:
    """A real inbound-SMS webhook form: the 19 fields Twilio sends."""
    return {
        "ToCountry": "US", "ToState": "VA", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "CHARLOTTESVILLE", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": body, "FromCountry": "US", "To": BOT_NUMBER, "ToZip": "22902",
        "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
        "ApiVersion": "2010-04-01",
    }  # fmt: skip


def sign(params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted key+value pairs)), as Twilio computes it."""
    data = SIGNED_URL + "".join(key + params[key] for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def write_rows(path: Path, tag: str, count: int, rng, run: str) -> Path:
    """`count` signed requests, one per line: a unique MessageSid each, senders spread over 5,000 numbers,
    bodies at random among the four keywords and a random sentence."""
    with path.open("w") as out:
        for i in range(count):
            sid = f"SM{run}{tag}{i:023x}"
            k = rng.randrange(5)
            form = twilio_form(sid, rng.choice(NUMBERS), KEYWORDS[k] if k < 4 else sentence(rng))
            out.write(sign(form) + "\t" + urlencode(form) + "\n")
    return path


# wrk: a new pre-signed row for every request; a good answer is a 2xx with <Response and at most one
# <Message>. Thread k takes rows k, k+T, ... One JSON line at the end.
WRK_LUA = r"""
local threads, counter = {}, 0
function setup(thread) thread:set("tid", counter); counter = counter + 1; table.insert(threads, thread) end
local sigs, bodies, n, i = {}, {}, 0, 0
local hdr = {["Content-Type"] = "application/x-www-form-urlencoded", ["User-Agent"] = "TwilioProxy/1.1",
             ["Accept"] = "*/*"}
good, replied, non2xx, badxml, wrapped = 0, 0, 0, 0, 0
function init(args)
  local path, nthreads, k = args[1], tonumber(args[2] or "1"), 0
  for line in io.lines(path) do
    if k % nthreads == tid then
      local s, b = line:match("^(%S+)\t(.*)$")
      if s then n = n + 1; sigs[n], bodies[n] = s, b end
    end
    k = k + 1
  end
end
function request()
  i = i + 1
  if i > n then i = 1; wrapped = 1 end
  hdr["X-Twilio-Signature"] = sigs[i]
  return wrk.format("POST", nil, hdr, bodies[i])
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1; return end
  if not body or not body:find("<Response", 1, true) then badxml = badxml + 1; return end
  local _, m = body:gsub("<Message[%s/>]", "")
  if m > 1 then badxml = badxml + 1; return end
  good = good + 1
  if m == 1 then replied = replied + 1 end
end
function done(summary, latency, requests)
  local g, r, x, b, w = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    g, r = g + t:get("good"), r + t:get("replied")
    x, b, w = x + t:get("non2xx"), b + t:get("badxml"), math.max(w, t:get("wrapped"))
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"good":%d,"replied":%d,"non2xx":%d,"badxml":%d,"wrapped":%d,' ..
    '"sockerr":%d,"p50_us":%d,"p99_us":%d}\n', summary.requests, summary.duration, g, r, x, b, w,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(url: str, rows: Path, seconds: float, connections: int, threads: int, lua: Path) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "15s", "-s", str(lua)]
    done = subprocess.run([*cmd, url, "--", str(rows), str(threads)], capture_output=True, text=True)
    found = re.search(r"^JSON (.*)$", done.stdout, re.M)
    if not found:
        raise RuntimeError("wrk gave no result: " + (done.stdout + done.stderr)[-600:])
    result = json.loads(found.group(1))
    result["rps"] = result["good"] / (result["duration_us"] / 1e6)
    return result


def run_fixed_rate(port: int, rows: Path, rate: float, seconds: float) -> dict:
    """The open-loop sender in its own process (stdlib asyncio, as the shared harness has it)."""
    cmd = [
        sys.executable,
        __file__,
        "openloop",
        "127.0.0.1",
        str(port),
        "/twilio/sms",
        str(rate),
        str(seconds),
    ]
    done = subprocess.run([*cmd, str(rows)], capture_output=True, text=True, timeout=seconds + 120)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError("fixed-rate sender failed: " + (done.stdout + done.stderr)[-600:]) from None


# --- processes: CPU and memory from /proc (no psutil needed) ---------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from the state on (the name may hold spaces)


def tree(root: int) -> list[int]:
    """The process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes, with their reaped children's."""
    total = 0
    for pid in pids:
        if fields := _stat(pid):
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def named(prefix: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().startswith(prefix):
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among the processes."""
    best = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return best


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    values = list(map(int, Path("/proc/stat").read_text().splitlines()[0].split()[1:9]))
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


def calibrate() -> float:
    """ms for a fixed Python loop, best of 5: how fast the CPU is right now (it varies on a shared VM)."""
    best = 1e9
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(200_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


# --- the open-loop sender ----------------------------------------------------------------------------------

MESSAGE = re.compile(rb"<Message[\s/>]")
DRAIN = 5.0  # seconds after the last send before what is unanswered counts as a failure


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = None, lines[0].startswith(b"HTTP/1.0")
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        key, value = key.strip().lower(), value.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"connection":
            close = b"close" in value
    if length is None:
        return status, True, await reader.read()
    return status, close, await reader.readexactly(length)


async def open_loop(host: str, port: int, path: str, rate: float, seconds: float, rows: str) -> dict:
    """Send at `rate`/s whatever the server does; latency counts from each request's scheduled time."""
    wanted, requests = int(rate * seconds), []
    with open(rows) as lines:
        for line in lines:
            if len(requests) == wanted:
                break
            signature, body = line.rstrip("\n").split("\t", 1)
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: {signature}\r\n"
                f"User-Agent: TwilioProxy/1.1\r\nAccept: */*\r\nContent-Length: {len(body.encode())}\r\n\r\n"
            )
            requests.append(head.encode() + body.encode())
    idle: list = []
    slots = asyncio.Semaphore(64)
    latencies: list[float] = []
    count = {"good": 0, "replied": 0, "non2xx": 0, "badxml": 0, "errors": 0, "unfinished": 0}

    async def exchange(request: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            reused = bool(idle)
            reader, writer = idle.pop() if reused else await asyncio.open_connection(host, port)
            try:
                writer.write(request)
                status, close, body = await asyncio.wait_for(_read_response(reader), 30)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                writer.close()
                if reused and attempt == 0:
                    continue  # the server had closed this idle keep-alive connection: once more, anew
                raise
            if close:
                writer.close()
            else:
                idle.append((reader, writer))
            return status, body
        raise OSError("unreachable")

    async def fire(request: bytes, scheduled: float) -> None:
        async with slots:
            try:
                status, body = await exchange(request)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                status, body = 0, b""
            latencies.append(time.perf_counter() - scheduled)
            if not status:
                count["errors"] += 1
            elif not 200 <= status < 300:
                count["non2xx"] += 1
            elif b"<Response" not in body or len(MESSAGE.findall(body)) > 1:
                count["badxml"] += 1
            else:
                count["good"] += 1
                count["replied"] += bool(MESSAGE.search(body))

    start = time.perf_counter() + 0.1
    tasks = {}
    for i, request in enumerate(requests):
        scheduled = start + i / rate
        if (delay := scheduled - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        tasks[asyncio.create_task(fire(request, scheduled))] = scheduled
    _, pending = await asyncio.wait(tasks, timeout=DRAIN) if tasks else (None, set())
    now = time.perf_counter()
    for task in pending:
        task.cancel()
        latencies.append(now - tasks[task])
        count["unfinished"] += 1
    await asyncio.gather(*pending, return_exceptions=True)
    for _, writer in idle:
        writer.close()
    latencies.sort()

    def quantile(p: float) -> float | None:
        return (
            round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 2)
            if latencies
            else None
        )

    return {
        "sent": len(requests),
        "wanted": wanted,
        **count,
        "p50_ms": quantile(0.5),
        "p99_ms": quantile(0.99),
    }


if __name__ == "__main__" and sys.argv[1:2] == ["openloop"]:
    host, port, path, rate, seconds, rows = sys.argv[2:8]
    result = asyncio.run(open_loop(host, int(port), path, float(rate), float(seconds), rows))
    print(json.dumps(result))

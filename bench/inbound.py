"""Benchmark of POST /twilio/sms: the full bot (2 uvicorn workers, SQLite) against the Twilio quickstart
(Flask on gunicorn, 2 sync workers) under the same load. Run `.venv/bin/python bench/inbound.py`; see
bench/README.md for what it measures and how.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from inbound_load import WRK_LUA, run_fixed_rate, run_wrk
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
PUBLIC_URL = "https://smsbot.bench"
WEBHOOK_URL = PUBLIC_URL + "/twilio/sms"
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+15550001111"


def signed_texts(count: int, texters: int, tag: str) -> list[tuple[str, str]]:
    """(X-Twilio-Signature, form body) for `count` NALOXONE texts with distinct MessageSids."""
    validator, out = RequestValidator(AUTH_TOKEN), []
    for i in range(count):
        sid = f"SM{tag}{i:0{32 - len(tag)}d}"  # 34 characters, like Twilio's
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


def wait_ready(port: int, process: subprocess.Popen, log: Path, path: str = "/") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            sys.exit(f"{tail}\nserver on port {port} exited with {process.returncode} (log: {log.name})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (404/405 is fine for readiness)
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server on port {port} did not start within 30 s (log: {log.name})")


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
    subprocess.run([BIN / "smsbot", "db", "upgrade"], env=env, cwd=workdir, check=True, capture_output=True)
    # Server output goes to logs in the work directory (shown if a server fails to start).
    bot = subprocess.Popen(
        [BIN / "smsbot", "serve", "--workers", "2", "--port", str(bot_port)],
        env=env,
        cwd=workdir,
        stdout=(workdir / "bot.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    flask = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{flask_port}", "--log-level", "warning"]
        + ["--chdir", str(Path(__file__).parent), "quickstart_flask:app"],
        env=env,
        cwd=workdir,
        stdout=(workdir / "quickstart.log").open("w"),
        stderr=subprocess.STDOUT,
    )
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
    load = os.getloadavg()[0]
    if load > 0.5:  # the figures are only comparable on an otherwise idle machine
        print(f"warning: load average {load:.1f} before the run: other processes compete for the cores")
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        workdir = Path(tmp)
        lua = workdir / "inbound.lua"
        lua.write_text(WRK_LUA)
        bot_port, flask_port = free_port(), free_port()
        bot, flask = start_servers(workdir, bot_port, flask_port)
        try:
            wait_ready(bot_port, bot, workdir / "bot.log", "/healthz")
            wait_ready(flask_port, flask, workdir / "quickstart.log")
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

"""Servers for bench/inbound.py: the bot and the quickstart in process groups of their own, a fresh
PostgreSQL database per bot run, the bot's environment (as ../shared/perf/inbound gives it), and probes.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import inbound_load as load

PROBES = ("NALOXONE", "SITES", "HEART", "narcan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server in a process group of its own, stopped by its own id."""

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: Path, port: int) -> None:
        self.port, self.log = port, cwd / "server.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        time.sleep(1.0)  # every worker has finished importing
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"no 200 from /healthz within 90 s: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-1500:]

    def pids(self) -> list[int]:
        return load.tree(self.proc.pid)

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(wait)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


class Postgres:
    """One fresh database per bot run on the server at --postgres-url (an admin URL)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def reachable(self) -> bool:
        try:
            self._admin("SELECT 1")
            return True
        except Exception:
            return False

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def create(self, name: str) -> str:
        self._admin(f"CREATE DATABASE {name}")
        parts = urlsplit(self.admin_url)
        return urlunsplit(("postgresql+psycopg", parts.netloc, "/" + name, parts.query, ""))

    def drop(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bot_env(database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMSBOT_", "TWILIO_")) and k != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        TWILIO_ACCOUNT_SID=load.ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=load.AUTH_TOKEN,
        TWILIO_FROM_NUMBER=load.BOT_NUMBER,
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # nothing may reach the real Twilio
        SMSBOT_PUBLIC_URL=load.PUBLIC_URL,
        SMSBOT_SECRET_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        SMSBOT_SENDER="console",
        SMSBOT_ENV="development",
        SMSBOT_VALIDATE_SIGNATURES="true",
    )
    return env


def probe(port: int, n: int) -> list[str]:
    """Signed sample texts from numbers of their own: each keyword gets exactly one <Message>; a forged
    signature gets 403."""
    failures = []
    for i, body in enumerate((*PROBES, "forged")):
        form = load.twilio_form(f"SMprobe{n:04d}{i:023x}", f"+1907555{n % 10}{100 + i}", body)
        signature = load.sign(form, "forged" if body == "forged" else load.AUTH_TOKEN)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/twilio/sms",
            data=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            status, text = refused.code, ""
        except OSError as exc:
            failures.append(f"{body}: {exc!r}")
            continue
        if body == "forged":
            if status != 403:
                failures.append(f"forged signature answered {status}")
        elif status != 200 or text.count("<Message") != 1:
            failures.append(f"{body}: HTTP {status}, {text.count('<Message')} <Message>")
    return failures

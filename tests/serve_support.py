"""`smsbot serve` as a real process for a test: a fresh SQLite database, migrated, then served until the
test is done; yields the process and its base URL once /healthz answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import TEST_ENV


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(folder: Path, workers: int, **settings: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """Yields once every web process has built its app (each says "app ready" on stderr), so each
    is listening on its socket by then."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {**TEST_ENV, "DATABASE_URL": f"sqlite:///{folder / 'smsbot.db'}", **settings}
    subprocess.run([sys.executable, "-m", "smsbot", "db", "upgrade"], env=env, cwd=folder, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "smsbot", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert server.stderr is not None
        ready = 0
        while ready < workers:  # a blocking read: no clock, no sleep
            line = server.stderr.readline()
            assert line, "smsbot serve ended before its web processes were ready"
            ready += "app ready" in line
        threading.Thread(target=server.stderr.read, daemon=True).start()  # the pipe never fills
        # httpx retries a refused connection itself (with backoff) while the server starts up.
        with httpx.Client(transport=httpx.HTTPTransport(retries=8)) as starting:
            assert starting.get(f"{base}/healthz", timeout=30).status_code == 200
        yield server, base
    finally:
        server.terminate()
        server.wait(30)

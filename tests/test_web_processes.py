"""`smsbot serve --workers 2`: each web process listens on a socket of its own, so the kernel spreads
connections over both (one shared socket let one process take most of them, and the other then served
its few texts one at a time, each at a whole batch's cost)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.serve_support import serving

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")


def _sockets(port: int, state: str) -> set[str]:
    """Inodes of IPv4 TCP sockets on this local port in this state (0A listening, 01 established)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


def _owners(inodes: set[str], pids: list[int]) -> dict[int, int]:
    """How many of these sockets each process holds."""
    held = {}
    for pid in pids:
        links = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                continue
        held[pid] = sum(f"socket:[{inode}]" in links for inode in inodes)
    return held


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_each_web_process_listens_on_its_own_socket_and_gets_connections(tmp_path: Path):
    clients = []
    with serving(tmp_path, 2) as (server, base):
        port = int(base.rsplit(":", 1)[1])
        listening = _sockets(port, "0A")
        assert len(listening) == 2
        # One listening socket in each of two web processes (the other child is multiprocessing's
        # resource tracker), none left open in the parent.
        owners = _owners(listening, _children(server.pid))
        workers = [pid for pid, count in owners.items() if count]
        assert sorted(owners[pid] for pid in workers) == [1, 1]
        assert _owners(listening, [server.pid]) == {server.pid: 0}
        try:
            # 24 kept-alive connections, as a proxy or a load test holds them: both processes serve some.
            for _ in range(24):
                client = httpx.Client(base_url=base)
                clients.append(client)
                assert client.get("/healthz").status_code == 200
            served = _owners(_sockets(port, "01"), workers)
            assert sum(served.values()) == 24 and min(served.values()) > 0, served
        finally:
            for client in clients:
                client.close()

"""`smsbot serve --workers N`: each web process listens on a socket of its own (SO_REUSEPORT).

With one shared socket, whichever process wakes first accepts most connections: the other then serves
its few texts one at a time, each paying a batch's whole cost (see inbound/batches.py). With a socket
each, the kernel spreads connections over the processes by their addresses.
"""

from __future__ import annotations

import socket

from uvicorn import Config
from uvicorn.supervisors import multiprocess


class OwnSocketProcess(multiprocess.Process):
    """uvicorn's web process, on a socket it binds itself (in the child, after spawn)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover (child)
        shared = (sockets or [])[0]
        own = reuse_port_socket(shared.family, shared.getsockname()[:2])
        shared.close()
        # Listening before the app loads: a connection the kernel hands this process meanwhile waits in
        # its backlog (about a second at start), and every process is in the group once it has begun.
        own.listen(2048)
        super().target([own])


def reuse_port_socket(family: int, address: tuple) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def run(config: Config) -> None:
    """Like `uvicorn.run` with workers: the parent binds the port (and fails at once if it is taken) but
    never listens on it, so no connection waits there; each process listens on its own socket."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    parent = reuse_port_socket(family, (config.host, config.port))
    # uvicorn's supervisor makes its processes from this module-level name (start, restart, TTIN).
    multiprocess.Process = OwnSocketProcess  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[parent]).run()
    except KeyboardInterrupt:
        pass
    finally:
        parent.close()

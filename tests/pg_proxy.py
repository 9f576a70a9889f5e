"""A loopback TCP proxy in front of PostgreSQL that counts round trips and can cut connections.

A round trip is the server answering after the client has spoken: the proxy marks the client's turn
before forwarding its bytes, so the server's answer (which can only follow them) is counted once, however
many packets either side uses. Counting happens before forwarding, so a caller that got its answer sees
the count already updated. No timing is involved.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.engine import make_url

from smsbot.clock import FrozenClock
from smsbot.config import Settings
from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.privacy import PhoneVault


@dataclass
class _Pair:
    client: socket.socket
    server: socket.socket
    client_spoke: bool = False


@dataclass
class RoundTripProxy:
    target: tuple[str, int]
    round_trips: int = 0
    refuse: bool = False  # new connections are closed at once (the database is "down")
    # Cut every connection when the client starts this round trip (counted from 1 after `reset`),
    # before the server sees a byte of it.
    cut_at: int | None = None
    _pairs: list[_Pair] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0

    def cut(self) -> None:
        """Close every connection, both sides (a server restart, as the client sees it)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in (pair.client, pair.server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            pair = _Pair(client, socket.create_connection(self.target))
            with self._lock:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, False), daemon=True).start()

    def _pump(self, pair: _Pair, from_client: bool) -> None:
        source, sink = (pair.client, pair.server) if from_client else (pair.server, pair.client)
        try:
            while data := source.recv(65536):
                with self._lock:
                    cut = False
                    if from_client and not pair.client_spoke:
                        pair.client_spoke = True
                        cut = self.cut_at is not None and self.round_trips + 1 >= self.cut_at
                    elif not from_client and pair.client_spoke:
                        pair.client_spoke = False
                        self.round_trips += 1
                if cut:
                    self.cut()
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


# Fixtures for a test module that imports them: `from tests.pg_proxy import ctx, proxy`.
@pytest.fixture
def proxy(database_url: str) -> Iterator[RoundTripProxy]:
    url = make_url(database_url)
    running = RoundTripProxy((url.host or "127.0.0.1", url.port or 5432))
    yield running
    running.close()


@pytest.fixture
def ctx(settings: Settings, clock: FrozenClock, proxy: RoundTripProxy) -> Iterator[AppContext]:
    """The conftest's context, with the app reaching PostgreSQL through the counting proxy."""
    url = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    context = AppContext(
        settings=settings,
        db=Database(url.render_as_string(hide_password=False)),
        vault=PhoneVault.from_master(settings.master_key),
        clock=clock,
    )
    yield context
    context.db.dispose()

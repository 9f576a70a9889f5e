"""The worker's heartbeat, written at the start of every tick, and the watch the worker runs itself
(an outbox that stopped moving: Twilio down, a sender failing) right after it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from smsbot.context import AppContext
from smsbot.outbound import watch
from smsbot.outbound.dispatch import Dispatcher

log = logging.getLogger(__name__)
# A long tick (a paced backlog takes minutes) beats on its own meanwhile, well inside any threshold.
BEAT_EVERY_SECONDS = 30.0


def worker_id() -> str:
    """This process, as the heartbeat table knows it: host and pid (no personal data)."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}"


def beat(ctx: AppContext, name: str) -> None:
    with ctx.db.transaction() as conn:
        watch.beat(conn, name, ctx.clock.now())


@contextmanager
def beating(ctx: AppContext, name: str) -> Iterator[None]:
    """Beat now, then every BEAT_EVERY_SECONDS until the block ends. A tick that hangs keeps beating;
    the stuck outbox it leaves is what the watch catches then."""
    beat(ctx, name)
    done = threading.Event()

    def keep_beating() -> None:
        while not done.wait(BEAT_EVERY_SECONDS):
            try:
                beat(ctx, name)
            except Exception as exc:  # the database restarting: the next beat will tell
                log.warning("heartbeat not written: %s", type(exc).__name__)

    thread = threading.Thread(target=keep_beating, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def check(ctx: AppContext, dispatcher: Dispatcher) -> list[str]:
    """Raise the alarms the worker can see (a stuck outbox); never fails the tick."""
    try:
        return watch.raise_alarms(ctx, watch.read_health(ctx), dispatcher)
    except Exception as exc:  # the watch must not stop the work it watches
        log.error("watch check failed: %s", type(exc).__name__)
        return []

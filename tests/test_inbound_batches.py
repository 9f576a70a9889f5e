"""SQLite texts that arrive together are handled in one transaction, a savepoint each: a text that fails is
undone alone, and the write lock is waited for without stalling the event loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from smsbot.inbound.batches import SqliteBatches
from smsbot.inbound.service import InboundText, Outcome, handle_text
from smsbot.models import InboundMessage
from smsbot.replies.wording import Wording
from tests.conftest import OUR_NUMBER

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def run(coroutine):
    """asyncio.run in a thread of its own: after the browser tests, pytest-playwright's session-wide sync
    API keeps an event loop running in the main thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _text(body: str, n: int) -> InboundText:
    return InboundText(f"SM{uuid.uuid4().hex}", f"+1555555{n:04d}", OUR_NUMBER, body)


def _stored(ctx) -> set[str]:
    table = InboundMessage.__table__
    with ctx.db.transaction() as conn:
        return set(conn.execute(select(table.c.message_sid)).scalars())


def test_a_text_that_fails_in_a_batch_is_undone_alone(ctx):
    batches = SqliteBatches(ctx, Wording.from_settings(ctx.settings))
    texts = [_text("NALOXONE", 1), _text("HEART", 2), _text("SITES", 3)]

    def fails_on_heart(ctx_, wording, message, conn):
        outcome = handle_text(ctx_, wording, message, conn=conn)
        if message.body == "HEART":  # after its rows were written: they must go
            raise RuntimeError("handler failed")
        return outcome

    async def together():  # queued before the batch starts: one batch of three
        handled = (batches.handle(text, fails_on_heart) for text in texts)
        return await asyncio.gather(*handled, return_exceptions=True)

    first, failed, third = run(together())
    assert isinstance(first, Outcome) and first.reply and isinstance(third, Outcome) and third.reply
    assert isinstance(failed, RuntimeError)
    assert _stored(ctx) == {texts[0].message_sid, texts[2].message_sid}
    # Twilio delivers the failed one again: answered and stored now.
    again = run(batches.handle(texts[1], handle_text))
    assert again.reply and texts[1].message_sid in _stored(ctx)


def test_one_message_sid_twice_in_a_batch_has_one_effect(ctx):
    batches = SqliteBatches(ctx, Wording.from_settings(ctx.settings))
    text = _text("STOP", 4)

    async def together():
        return await asyncio.gather(*(batches.handle(text, handle_text) for _ in range(3)))

    outcomes = run(together())
    assert [o.duplicate for o in outcomes] == [False, True, True]
    assert sum(o.reply is not None for o in outcomes) == 1


def test_the_write_lock_is_waited_for_without_stalling_the_loop(ctx):
    lock = ctx.db.write_lock
    other = os.open(lock.path, os.O_RDWR | os.O_CREAT)  # another process's hold on the lock
    fcntl.flock(other, fcntl.LOCK_EX)

    async def scenario() -> None:
        waiting = asyncio.create_task(lock.acquire())
        for _ in range(5):
            await asyncio.sleep(0)  # the loop runs on while the lock is taken elsewhere
        assert not waiting.done()
        fcntl.flock(other, fcntl.LOCK_UN)
        await waiting
        lock.release()

    try:
        run(scenario())
    finally:
        os.close(other)
    with ctx.db.transaction():  # and it was given back
        pass

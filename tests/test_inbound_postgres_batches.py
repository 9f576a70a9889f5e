"""PostgreSQL texts that arrive together share one transaction and two round trips; a batch that fails is
handled again text by text, so one bad text never costs the others their answer, and nothing is
half-written. Driven through the webhook's own queue (inbound/batches.py) with a counting proxy."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from smsbot.context import AppContext
from smsbot.inbound import service
from smsbot.inbound.batches import PostgresBatches
from smsbot.inbound.postgres_batch import PostgresBatch
from smsbot.inbound.service import InboundText, Outcome, handle_text, texter_key
from smsbot.models import Contact, InboundMessage
from smsbot.replies.wording import Wording
from tests import pg_proxy
from tests.conftest import OUR_NUMBER

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
proxy, ctx = pg_proxy.proxy, pg_proxy.ctx  # fixtures: the app reaches PostgreSQL through the proxy


def run(coroutine):
    """asyncio.run in a thread of its own (pytest-playwright may keep a loop in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _text(body: str, n: int, sid: str | None = None) -> InboundText:
    return InboundText(sid or f"SM{uuid.uuid4().hex}", f"+1555555{n:04d}", OUR_NUMBER, body)


def _together(batches: PostgresBatches, texts: list[InboundText], handler=handle_text) -> list:
    """Every text queued before the batch starts: one batch (the webhook's queue, as under load)."""

    async def scenario():
        return await asyncio.gather(*(batches.handle(t, handler) for t in texts), return_exceptions=True)

    return run(scenario())


def _one_by_one(ctx: AppContext, texts: list[InboundText]) -> list[Outcome]:
    wording = Wording.from_settings(ctx.settings)
    return [handle_text(ctx, wording, t) for t in texts]


def _stored(ctx: AppContext) -> dict[str, str]:
    table = InboundMessage.__table__
    with ctx.db.transaction() as conn:
        return dict(conn.execute(select(table.c.message_sid, table.c.intent)).all())


def _texters(ctx: AppContext) -> int:
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).select_from(Contact.__table__)).scalar_one()


def _warm(ctx: AppContext, batches: PostgresBatches) -> None:
    """Connections open and statements prepared, as in a running web process."""
    _together(batches, [_text("NALOXONE", 9000 + i) for i in range(3)])


def test_twelve_texts_from_twelve_numbers_take_two_round_trips_in_all(ctx, proxy):
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    _warm(ctx, batches)
    bodies = ["NALOXONE", "SITES", "HEART", "narcan", "MENU", "hey can someone help my friend"]
    texts = [_text(bodies[i % len(bodies)], i) for i in range(12)]
    proxy.reset()
    outcomes = _together(batches, texts)
    assert proxy.round_trips == 2
    assert all(isinstance(o, Outcome) and o.reply for o in outcomes)
    stored = _stored(ctx)
    assert {t.message_sid for t in texts} <= stored.keys()
    assert stored[texts[0].message_sid] != "received"  # the intent was written with the batch


def test_a_batch_answers_exactly_as_texts_one_at_a_time(ctx, settings, clock):
    """The same texts, on two fresh sets of numbers: batched and one by one give the same replies."""
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    bodies = ["SITES", "NALOXONE", "STOP", "HELP", "MORE", "hola", "FENTANYL", "START", "MENU", "narcan"]
    batched = _together(batches, [_text(body, 100 + i) for i, body in enumerate(bodies)])
    alone = _one_by_one(ctx, [_text(body, 200 + i) for i, body in enumerate(bodies)])
    assert [(o.reply, o.intent, o.silence) for o in batched] == [
        (o.reply, o.intent, o.silence) for o in alone
    ]


def test_a_numbers_second_text_in_a_batch_sees_the_first(ctx):
    """SITES asks for a ZIP; the ZIP right behind it, in the same queue, is read as that answer."""
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    batched = _together(batches, [_text("SITES", 301), _text("HEART", 302), _text("22902", 301)])
    alone = _one_by_one(ctx, [_text("SITES", 401), _text("22902", 401)])
    assert [batched[0].intent, batched[2].intent] == [alone[0].intent, alone[1].intent]
    assert batched[2].reply == alone[1].reply


def test_one_message_sid_twice_in_a_batch_has_one_effect(ctx):
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    sid = f"SM{uuid.uuid4().hex}"
    outcomes = _together(batches, [_text("STOP", 501, sid), _text("NALOXONE", 502), _text("STOP", 501, sid)])
    assert [outcomes[0].duplicate, outcomes[2].duplicate] == [False, True]
    assert outcomes[0].reply and outcomes[2].reply is None and outcomes[1].reply


def test_a_text_that_fails_costs_the_others_nothing(ctx, monkeypatch):
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    texts = [_text("NALOXONE", 601), _text("HEART", 602), _text("SITES", 603)]
    carry_out = service.dispatch

    def fails_on_heart(turn):  # after its rows were loaded and counted: they must go
        if turn.text == "HEART":
            raise RuntimeError("handler failed")
        carry_out(turn)

    monkeypatch.setattr(service, "dispatch", fails_on_heart)
    first, failed, third = _together(batches, texts)
    assert isinstance(first, Outcome) and first.reply and isinstance(third, Outcome) and third.reply
    assert isinstance(failed, RuntimeError)
    stored = _stored(ctx)
    assert texts[0].message_sid in stored and texts[2].message_sid in stored
    assert texts[1].message_sid not in stored
    # Twilio delivers the failed one again: answered and stored now.
    monkeypatch.setattr(service, "dispatch", carry_out)
    again = _together(batches, [texts[1]])[0]
    assert again.reply and texts[1].message_sid in _stored(ctx)


def test_a_connection_lost_mid_batch_writes_nothing_and_redelivery_is_answered(ctx, proxy):
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    _warm(ctx, batches)
    before = _stored(ctx)
    texts = [_text(body, 700 + i) for i, body in enumerate(["NALOXONE", "HEART", "narcan", "MENU"])]
    proxy.reset()
    proxy.cut_at = 2  # from the batch's second round trip (its writes and COMMIT) on, the server is gone
    failed = _together(batches, texts)
    proxy.cut_at = None
    assert all(isinstance(o, Exception) for o in failed)  # each a 503: Twilio delivers it again
    assert _stored(ctx) == before  # nothing half-written: no MessageSid kept, so none is lost
    again = _together(batches, texts)
    assert all(isinstance(o, Outcome) and o.reply and not o.duplicate for o in again), again
    stored = _stored(ctx)
    assert set(stored) - set(before) == {t.message_sid for t in texts}
    assert all(stored[t.message_sid] != "received" for t in texts)


def test_first_texts_on_a_new_database_go_by_the_indexes(ctx):
    """The batch's statements are planned when the tables are empty; they must still look texters up by
    index (a whole-table scan planned then stays as the table grows)."""
    keys = [(texter_key(ctx, _text("x", 800 + i)), f"SM{uuid.uuid4().hex}") for i in range(4)]
    with ctx.db.inbound() as conn:
        batch = PostgresBatch(conn, ctx.clock.now())
        batch.load(keys)
        scans = conn.execute(
            text(
                "SELECT relname, seq_scan FROM pg_stat_xact_user_tables"
                " WHERE relname IN ('contact', 'inbound_message', 'inbound_counter', 'suppression')"
            )
        ).all()
        conn.connection.driver_connection.execute("COMMIT")
    assert {name: count for name, count in scans if count} == {}
    assert _texters(ctx) == 4


@pytest.mark.parametrize(
    ("bodies", "durable"),
    [
        (["NALOXONE", "HEART", "hey can someone help my friend", "SITES"], False),
        (["NALOXONE", "STOP"], True),  # a compliance word: its opt-out must survive any crash
        (["NALOXONE", "HELP"], True),  # urgent
        (["NALOXONE", "SITES 22902"], True),  # the directory was read: a handler ran a statement
    ],
)
def test_only_a_batch_of_information_texts_commits_without_waiting_for_the_disk(ctx, bodies, durable):
    wording = Wording.from_settings(ctx.settings)
    texts = [_text(body, 900 + i) for i, body in enumerate(bodies)]
    with ctx.db.inbound() as conn:
        batch = PostgresBatch(conn, ctx.clock.now())
        batch.load([(texter_key(ctx, t), t.message_sid) for t in texts])
        outcomes = [handle_text(ctx, wording, t, conn=conn, store=batch.store()) for t in texts]
        assert batch.durable() is durable
        batch.commit()
    assert all(o.reply for o in outcomes)
    assert {t.message_sid for t in texts} <= _stored(ctx).keys()


def test_a_program_can_have_every_batch_wait_for_the_disk(ctx, monkeypatch):
    """SMSBOT_INFO_COMMIT_WAITS=true: information texts wait for the disk too."""
    monkeypatch.setattr(ctx.settings, "info_commit_waits", True)
    waited = []
    commit = PostgresBatch.commit

    def noting(batch):
        waited.append(batch.durable())
        commit(batch)

    monkeypatch.setattr(PostgresBatch, "commit", noting)
    batches = PostgresBatches(ctx, Wording.from_settings(ctx.settings))
    outcomes = _together(batches, [_text("NALOXONE", 1100), _text("HEART", 1101)])
    assert all(o.reply for o in outcomes) and waited == [True]

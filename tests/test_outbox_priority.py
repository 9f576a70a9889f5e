"""The outbox's order and the unpaced sender's groups: a check-in never waits behind a broadcast, and
a group's checks (opted out, answered, forgotten) hold row for row as they do one row at a time.
"""

from __future__ import annotations

from datetime import timedelta

from smsbot.clock import parse_iso
from smsbot.models import Contact, OutboxMessage
from smsbot.outbound import outbox
from smsbot.privacy import last4
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import rows
from tests.test_outbox_support import PROMPT_WORDS, T, join_all, phones, prompts_to

OB = OutboxMessage.__table__
BROADCAST_TEXT = "Drug supply alert for your area: test strips at the usual places."


def _queue_broadcast(ctx, count: int, at) -> None:
    """`count` texts of one broadcast (priority 10) to as many people, queued before the check-in."""
    numbers = [f"+1303555{i:04d}" for i in range(count)]
    contact = Contact.__table__
    with ctx.db.transaction() as conn:
        ids = conn.execute(
            contact.insert().returning(contact.c.id, sort_by_parameter_order=True),
            [
                {
                    "phone_index": ctx.vault.index(number),
                    "phone_ciphertext": ctx.vault.encrypt(number),
                    "language": "en",
                    "created_at": at,
                    "last_seen_at": at,
                }
                for number in numbers
            ],
        ).scalars()
        outbox.enqueue_many(
            conn,
            [
                {
                    "idempotency_key": f"broadcast:1:{contact_id}",
                    "purpose": "broadcast",
                    "contact_id": contact_id,
                    "body": BROADCAST_TEXT,
                    "checkin_id": None,
                    "priority": outbox.BROADCAST,
                }
                for contact_id in ids
            ],
            at,
        )
    assert last4(numbers[0]) == "0000"


def test_a_check_in_goes_out_in_the_first_batch_ahead_of_a_broadcast(
    ctx, client, sms, fake, worker, clock, peer
):
    (number,) = phones(1)
    join_all(sms, worker, clock, peer(), [number])
    _queue_broadcast(ctx, 2_000, parse_iso(T) - timedelta(minutes=5))  # due before the check-in
    clock.set(parse_iso(T))
    worker.tick(send=False)  # the check-in is queued behind 2,000 broadcast texts
    fake.messages.clear()
    report = worker.dispatcher.run(max_batches=1)
    batch = worker.dispatcher.batch
    assert report.sent == batch < 2_001
    (prompt,) = rows(ctx, OutboxMessage, OB.c.purpose == "checkin")
    assert prompt.status == "sent"
    assert prompts_to(fake, number) == 1
    first_group = [m.body for m in fake.messages[: worker.dispatcher.threads]]
    assert any(PROMPT_WORDS in body for body in first_group)
    assert sum(body == BROADCAST_TEXT for body in (m.body for m in fake.messages)) == batch - 1


def test_the_claim_order_is_priority_then_due_time_then_id(ctx, clock):
    now = clock.now()
    contact = Contact.__table__
    queued = [("b-old", -9, outbox.BROADCAST), ("p-late", -1, outbox.PERSONAL)]
    queued += [("p-early", -5, outbox.PERSONAL), ("b-new", -2, outbox.BROADCAST)]
    with ctx.db.transaction() as conn:
        contact_id = conn.execute(
            contact.insert()
            .values(phone_index="x" * 64, language="en", created_at=now, last_seen_at=now)
            .returning(contact.c.id)
        ).scalar()
        for key, minutes, priority in queued:
            outbox.enqueue(
                conn,
                key=key,
                purpose="broadcast" if key[0] == "b" else "checkin",
                body="x",
                now=now + timedelta(minutes=minutes),
                contact_id=contact_id,
                priority=priority,
            )
        claimed = outbox.claim(conn, now, 10, timedelta(minutes=1), outbox.new_token())
        keys = dict(conn.execute(OB.select().with_only_columns(OB.c.id, OB.c.idempotency_key)).all())
    assert [keys[row.id] for row in claimed] == ["p-early", "p-late", "b-old", "b-new"]


def test_a_group_checks_each_row_as_one_row_at_a_time(ctx, client, sms, fake, worker, clock, peer):
    """Answered, opted out and forgotten between the queueing and the send: each row settled on its own."""
    numbers = phones(6)
    join_all(sms, worker, clock, peer(), numbers)
    clock.set(parse_iso(T))
    worker.tick(send=False)  # six check-ins queued
    sms("ok", from_=numbers[1])  # answered before it went: cancelled
    sms("STOP", from_=numbers[2])  # opted out: suppressed (or cancelled by the opt-out itself)
    sms("FORGET", from_=numbers[3])  # forgotten: cancelled
    report = worker.tick()
    sent = [n for n in numbers if prompts_to(fake, n)]
    assert sent == [numbers[0], numbers[4], numbers[5]]
    assert report.dispatch.results["sent"] >= 3  # and the peer's notes
    statuses = [row.status for row in rows(ctx, OutboxMessage, OB.c.purpose == "checkin")]
    assert statuses.count("sent") == 3 and "attempting" not in statuses and "claimed" not in statuses


def test_a_number_nobody_can_read_fails_its_text_alone(ctx, client, sms, fake, worker, clock, peer):
    numbers = phones(4)
    join_all(sms, worker, clock, peer(), numbers)
    clock.set(parse_iso(T))
    worker.tick(send=False)
    contact = Contact.__table__
    with ctx.db.transaction() as conn:  # a ciphertext no key opens (a lost key, a bad restore)
        conn.execute(
            contact.update()
            .where(contact.c.phone_index == ctx.vault.index(numbers[1]))
            .values(phone_ciphertext=b"not a ciphertext")
        )
    report = worker.tick()
    assert [prompts_to(fake, n) for n in numbers] == [1, 0, 1, 1]
    assert report.dispatch.results["failed"] == 1
    prompts = {row.contact_id: row for row in rows(ctx, OutboxMessage, OB.c.purpose == "checkin")}
    assert sorted(row.status for row in prompts.values()) == ["failed", "sent", "sent", "sent"]
    assert [row.error_code for row in prompts.values() if row.status == "failed"] == ["recipient"]

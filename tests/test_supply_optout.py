"""Error 21610 on a drug alert (the carrier says the number unsubscribed), on the send or in a delivery
report: that subscriber's alerts end, the number is opted out as for any 21610 (checkins/optout.py), the
text is never tried again and the broadcast counts it as failed. Subscribers text in through
/twilio/sms, the alert goes out through `tick` to the fake Twilio on loopback, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsbot.models import ConsentRecord, OutboxMessage, SupplySubscriber, Suppression
from smsbot.supply import sending
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import callback, run_tick
from tests.test_supply_support import actor, sending_alert

ANA, BEN, CARLA = "+15555550101", "+15555550102", "+15555550103"
OB, SUB, CONSENT = OutboxMessage.__table__, SupplySubscriber.__table__, ConsentRecord.__table__


@pytest.fixture(autouse=True)
def _unpaced(ctx):
    ctx.settings = ctx.settings.model_copy(update={"send_rate": 0.0})


@pytest.fixture
def subscribed(sms, clock):
    for number in (ANA, BEN, CARLA):
        assert "You will get drug alerts" in sms("ALERTS 22902", from_=number)
    clock.advance(minutes=1)


def _subscribers(ctx) -> int:
    with ctx.db.transaction() as conn:
        return len(conn.execute(select(SUB.c.id)).all())


def _ben_is_opted_out(ctx) -> None:
    index = ctx.vault.index(BEN)
    with ctx.db.transaction() as conn:
        suppressed = conn.execute(
            select(Suppression.__table__).where(Suppression.__table__.c.phone_index == index)
        )
        consent = conn.execute(
            select(CONSENT.c.kind, CONSENT.c.source)
            .where(CONSENT.c.phone_index == index)
            .order_by(CONSENT.c.id)
        ).all()
    assert suppressed.first().source == "carrier_21610"  # as for any 21610: the one opt-out
    assert [tuple(row) for row in consent] == [
        ("alerts_join", "sms"),
        ("opt_out", "carrier_21610"),
        ("alerts_stop", "carrier_21610"),  # alerts end with their own consent record
    ]


def test_21610_on_an_alert_ends_that_subscribers_alerts_and_is_never_retried(
    ctx, sms, clock, worker, fake, subscribed
):
    fake.script("21610", to=BEN)  # only the first try is refused: a retry would get through
    pat = actor(ctx)
    first = sending_alert(ctx, pat, clock.now())
    for _ in range(3):
        run_tick(worker, clock)
        clock.advance(minutes=10)
    assert len(fake.to(ANA)) == 1 and len(fake.to(CARLA)) == 1
    assert fake.to(BEN) == []  # refused once, never tried again
    assert fake.requests == 3
    with ctx.db.transaction() as conn:
        (row,) = conn.execute(
            select(OB).where(OB.c.purpose == "supply_alert", OB.c.error_code == "21610")
        ).all()
        done = sending.progress(conn, pat, clock.now(), first)
    assert row.status == "failed" and row.attempts == 1
    assert (done.status, done.sent, done.failed, done.left, done.unknown) == ("sent", 2, 1, 0, 0)
    assert _subscribers(ctx) == 2
    _ben_is_opted_out(ctx)

    second = sending_alert(ctx, actor(ctx, "Lee Peer"), clock.now())  # the next alert: not to BEN at all
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert len(fake.to(ANA)) == 2 and fake.to(BEN) == []
    with ctx.db.transaction() as conn:
        assert sending.progress(conn, pat, clock.now(), second).failed == 0
    assert sms("ALERTS 22902", from_=BEN) is None  # opted out of everything: carried out, unanswered
    assert _subscribers(ctx) == 2


def test_21610_in_a_delivery_report_for_an_alert_is_the_same(ctx, client, clock, worker, fake, subscribed):
    """Messaging Services report 21610 in the status callback, after the send was accepted."""
    pat = actor(ctx)
    alert_id = sending_alert(ctx, pat, clock.now())
    run_tick(worker, clock)
    (to_ben,) = [m for m in fake.messages if m.to == BEN]
    assert callback(client, to_ben, "undelivered", ErrorCode="21610").status_code == 204
    run_tick(worker, clock)
    with ctx.db.transaction() as conn:
        done = sending.progress(conn, pat, clock.now(), alert_id)
    assert (done.sent, done.failed) == (2, 1)
    assert _subscribers(ctx) == 2
    _ben_is_opted_out(ctx)
    sending_alert(ctx, actor(ctx, "Lee Peer"), clock.now())
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert len(fake.to(BEN)) == 1 and len(fake.to(CARLA)) == 2

"""Sending an alert: texts in, staff services, the worker's ticks, the fake Twilio out. Exactly the
preview arrives, only in the area, nothing after STOP ALERTS or a cancel, progress and expiry, and a
reply to an alert gets its details (never a peer)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsbot.models import AuditLog, OutboxMessage, SupplyAlert, SupplyBroadcast
from smsbot.outbound.pacing import SharedPacer
from smsbot.outbound.senders import TwilioSender
from smsbot.replies.wording import Wording
from smsbot.supply import alerts, review, sending
from smsbot.supply.broadcast import PRIORITY, batch_size
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import run_tick, twilio_settings
from tests.fake_twilio import FakeTwilio
from tests.test_outbound_sending import VirtualWall
from tests.test_supply_support import (
    ALERT_EN,
    ALERT_ES,
    OUTSIDE,
    actor,
    received,
    seed_subscribers,
    sending_alert,
)

OB, ALERT, BC = OutboxMessage.__table__, SupplyAlert.__table__, SupplyBroadcast.__table__
ANA, BEN, CARLA = "+15555550101", "+15555550102", "+15555550103"


@pytest.fixture(autouse=True)
def _unpaced(ctx):
    """SMSBOT_SEND_RATE=0 (the worker fixture sends unpaced): broadcasts expand 500 at a time."""
    ctx.settings = ctx.settings.model_copy(update={"send_rate": 0.0})


def _status(ctx, alert_id: int) -> str:
    with ctx.db.transaction() as conn:
        return conn.execute(select(ALERT.c.status).where(ALERT.c.id == alert_id)).scalar()


def test_from_reports_to_subscribers_exactly_the_preview_only_in_the_area(ctx, sms, clock, worker, fake):
    wording = Wording.from_settings(ctx.settings)
    assert "22902 (Charlottesville, VA)" in sms("ALERTS 22902", from_=ANA)
    assert "Recibirás alertas" in sms("ALERTAS 22911", from_=BEN)  # ~5 miles from 22902
    assert "10001 (New York, NY)" in sms("ALERTS 10001", from_=CARLA)
    for text in ("REPORT", "blue pills sold as oxy 30s", "people hard to wake", "22903", "last night"):
        clock.advance(minutes=1)
        sms(text, from_="+15555550177")
    pat, sam = actor(ctx, "Pat Peer"), actor(ctx, "Sam Admin", "admin")
    now = clock.now()
    with ctx.db.transaction() as conn:
        (queued,) = review.list_reports(conn, pat, now, vault=ctx.vault)
        assert queued.answers["what"] == "blue pills sold as oxy 30s" and queued.area_zip == "22903"
        draft = alerts.draft_alert(conn, pat, now, report_ids=[queued.id])
        assert draft.zips == ["22903"] and draft.first_report_at is not None  # the reports' ZIPs
        alerts.pick_area(conn, pat, now, draft.id, center_zip="22902", radius_miles=10)
        alerts.set_languages(conn, pat, now, draft.id, text_en=ALERT_EN, text_es=ALERT_ES)
        shown = sending.preview(conn, sam, now, draft.id, wording=wording, vault=ctx.vault)
        assert shown.check.ok, shown.check.problems
        assert shown.recipients == "<5"
        sending.send_alert(conn, sam, now, draft.id, wording=wording, vault=ctx.vault, two_person=False)
        assert review.list_reports(conn, pat, now, vault=ctx.vault) == []  # used, out of the queue
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert fake.to(ANA) == [shown.bodies["en"]]
    assert fake.to(BEN) == [shown.bodies["es"]]
    assert fake.to(CARLA) == []
    frame = "Harm Reduction Text Line drug alert: {} Text STOP ALERTS to end alerts."
    assert shown.bodies["en"] == frame.format(ALERT_EN)
    with ctx.db.transaction() as conn:
        done = sending.progress(conn, pat, clock.now(), draft.id)
        rows = conn.execute(select(OB.c.priority).where(OB.c.purpose == "supply_alert")).scalars().all()
        audit = AuditLog.__table__
        actions = [a for a in conn.execute(select(audit.c.action).order_by(audit.c.id)).scalars()]
        actions = [a for a in actions if a.startswith("supply_")]
    assert (done.status, done.broadcast, done.sent, done.left, done.failed) == ("sent", "finished", 2, 0, 0)
    assert rows == [PRIORITY, PRIORITY]
    assert actions == [
        "supply_alert_drafted", "supply_alert_edited", "supply_alert_edited", "supply_alert_approved",
        "supply_alert_sent",
    ]  # fmt: skip


def test_a_reply_to_an_alert_gets_its_details_and_wakes_no_peer(ctx, sms, clock, worker, fake, peer):
    jamie = peer()
    sms("ALERTS 22902", from_=ANA)
    sending_alert(ctx, actor(ctx), clock.now())
    run_tick(worker, clock)
    clock.advance(hours=2)
    for text in ("where?", "thanks", "is this real?", "ok"):
        answer = sms(text, from_=ANA)
        assert answer.startswith("That alert is real: it came from Harm Reduction Text Line on Mar 4")
        assert "for 22902 (Charlottesville, VA)" in answer
        assert "MENU" in answer and "911" in answer
        clock.advance(minutes=1)
    sms("ALERTAS 22903", from_=BEN)
    sending_alert(ctx, actor(ctx, "Lee Peer"), clock.now())
    run_tick(worker, clock)
    clock.advance(hours=1)
    respuesta = sms("¿dónde?", from_=BEN)
    assert respuesta.startswith("Es real: Línea de Reducción de Daños la envió el 4 de marzo para 22903")
    with ctx.db.transaction() as conn:
        to_staff = conn.execute(select(OB).where(OB.c.staff_id.is_not(None))).all()
    assert to_staff == [] and fake.to("+15555550177") == []
    assert jamie.get("/api/alerts").json() == []
    clock.advance(days=4)
    assert sms("where?", from_=ANA).startswith("Text a word")  # days later: the menu again


def test_stop_alerts_after_the_broadcast_started_gets_nothing_more(ctx, sms, clock, worker, fake):
    batch = batch_size(0)
    numbers = seed_subscribers(ctx, batch + 100)
    first_batch, not_yet = numbers[10], numbers[batch + 50]
    sending_alert(ctx, actor(ctx), clock.now())
    worker.tick(send=False)  # the first batch is queued, nothing sent yet
    with ctx.db.transaction() as conn:
        assert conn.execute(select(OB.c.id).where(OB.c.purpose == "supply_alert")).all().__len__() == batch
    assert "no more drug alerts" in sms("STOP ALERTS", from_=first_batch)
    assert "Ya no recibirás alertas" in sms("PARAR ALERTAS", from_=not_yet)
    assert "You will not get any more texts" in sms("STOP", from_=numbers[20])
    for _ in range(4):
        run_tick(worker, clock)
    got = received(fake, numbers)
    assert got[first_batch] == 0 and got[not_yet] == 0 and got[numbers[20]] == 0
    assert sum(got.values()) == len(numbers) - 3 and set(got.values()) == {1}


def test_stopping_and_joining_again_mid_way_is_not_a_second_text(ctx, sms, clock, worker, fake):
    numbers = seed_subscribers(ctx, batch_size(0) + 100)
    sending_alert(ctx, actor(ctx), clock.now())
    run_tick(worker, clock)
    again = numbers[5]
    assert received(fake, [again])[again] == 1
    sms("STOP ALERTS", from_=again)
    clock.advance(minutes=1)
    assert "You will get drug alerts" in sms("ALERTS 22902", from_=again)  # a new subscriber, later id
    for _ in range(3):
        run_tick(worker, clock)
    got = received(fake, numbers)
    assert got[again] == 1 and set(got.values()) == {1} and len(got) == len(numbers)


def test_cancel_mid_way_stops_what_is_queued(ctx, clock, worker, fake):
    numbers = seed_subscribers(ctx, batch_size(0) * 2)
    pat = actor(ctx)
    alert_id = sending_alert(ctx, pat, clock.now())
    run_tick(worker, clock)  # one batch out
    assert sum(received(fake, numbers).values()) == batch_size(0)
    worker.tick(send=False)  # the next batch queued
    with ctx.db.transaction() as conn:
        sending.cancel_alert(conn, pat, clock.now(), alert_id)
        stopped = sending.progress(conn, pat, clock.now(), alert_id)
    assert (stopped.status, stopped.broadcast) == ("cancelled", "cancelled")
    assert stopped.sent == batch_size(0) and stopped.stopped == batch_size(0) and stopped.left == 0
    run_tick(worker, clock)
    assert sum(received(fake, numbers).values()) == batch_size(0)


def test_progress_and_time_left_at_the_configured_rate(ctx, clock, worker):
    seed_subscribers(ctx, 1200)
    pat = actor(ctx)
    alert_id = sending_alert(ctx, pat, clock.now())
    with ctx.db.transaction() as conn:
        before = sending.progress(conn, pat, clock.now(), alert_id, rate=1.0)
    assert (before.sent, before.left, before.eta_seconds) == (0, 1200, 1200.0)
    run_tick(worker, clock)
    with ctx.db.transaction() as conn:
        during = sending.progress(conn, pat, clock.now(), alert_id, rate=3.0)
    assert (during.sent, during.left, during.broadcast) == (500, 700, "expanding")
    assert during.eta_seconds == round(700 / 3.0, 1)


def test_an_alert_past_its_expiry_stops_sending(ctx, clock, worker, fake):
    numbers = seed_subscribers(ctx, 700)
    pat = actor(ctx)
    alert_id = sending_alert(ctx, pat, clock.now())
    run_tick(worker, clock)
    clock.advance(days=3, minutes=1)  # the default expiry: 3 days
    run_tick(worker, clock)
    assert _status(ctx, alert_id) == "expired"
    assert sum(received(fake, numbers).values()) == 500
    with ctx.db.transaction() as conn:
        assert conn.execute(select(BC.c.status)).scalar() == "cancelled"


def test_subscribers_outside_the_area_and_spanish_texts(ctx, clock, worker, fake):
    inside = seed_subscribers(ctx, 6, language="es")
    outside = seed_subscribers(ctx, 4, zips=(OUTSIDE,), start=100)
    sending_alert(ctx, actor(ctx), clock.now(), text_en=ALERT_EN, text_es=None)
    run_tick(worker, clock)
    assert set(received(fake, inside).values()) == {1} and received(fake, outside) == {}
    # Written in English only: Spanish subscribers get it in English, with the Spanish frame.
    frame = "Línea de Reducción de Daños: {} PARAR ALERTAS para no recibirlas."
    assert fake.to(inside[0]) == [frame.format(ALERT_EN)]


def test_a_broadcast_queues_at_most_a_batch_ahead(ctx, clock, worker):
    """Never the whole area in one transaction, and never more than a batch waiting in the outbox."""
    seed_subscribers(ctx, 1600)
    sending_alert(ctx, actor(ctx), clock.now())
    for _ in range(3):
        worker.tick(send=False)
    with ctx.db.transaction() as conn:
        queued = conn.execute(select(OB.c.id).where(OB.c.purpose == "supply_alert")).all()
    assert len(queued) == batch_size(0)
    # About 20 seconds of sending at the configured rate, 20 to 5,000 rows (500 a transaction).
    assert (
        batch_size(1) == 20 and batch_size(100) == 2000 and batch_size(0.5) == 20 and batch_size(1e4) == 5000
    )


def test_paced_the_next_window_is_queued_while_the_last_rows_go_out(ctx, clock, fake):
    """At SMSBOT_SEND_RATE=20 (a window of 400 rows): one tick sends one window at the rate and leaves
    the next one queued, so the next tick starts sending at once instead of after an expansion."""
    wall = VirtualWall()
    numbers = seed_subscribers(ctx, 1000)
    sending_alert(ctx, actor(ctx), clock.now())
    ctx.settings = ctx.settings.model_copy(update={"send_rate": 20.0})
    limited = FakeTwilio(rate=20, burst=2, clock=wall).start()
    try:
        paced = Worker(
            ctx,
            sender=TwilioSender(twilio_settings(ctx, limited)),
            pacer=SharedPacer(ctx.db, 20.0, wall=wall, sleep=wall.sleep),
        )
        paced.dispatcher.threads = 1  # one sender: each send leaves at the virtual time it slept to
        window = batch_size(20.0)
        assert run_tick(paced, clock).dispatch.sent == window
        with ctx.db.transaction() as conn:
            waiting = conn.execute(select(OB.c.id).where(OB.c.status == "queued")).all()
        # Queued during the run, not by the next tick: a window less the rows in hand at the time.
        assert window - paced.dispatcher.batch <= len(waiting) < window
        for _ in range(3):
            run_tick(paced, clock)
        assert received(limited, numbers) == dict.fromkeys(numbers, 1)  # everyone once
        assert limited.rejected_429 == 0
        assert wall.now - 1000.0 >= (len(numbers) - 1) / 20.0 - 1e-9  # never faster than the rate
    finally:
        limited.stop()

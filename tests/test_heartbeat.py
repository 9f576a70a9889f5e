"""The system never fails silently: the worker's heartbeat, /readyz, the dashboard banner, and one text
to the on-call admin per incident (a silent worker, a stuck outbox), on a frozen clock.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from smsbot.app import create_app
from smsbot.models import OutboxMessage
from smsbot.outbound import outbox
from smsbot.outbound.senders import TwilioSender
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import ON_CALL_PHONE, PEER_PHONE, rows, twilio_settings
from tests.dashboard_fixtures import *  # noqa: F403


@pytest.fixture
def web(ctx, fake):
    """A web process that texts its alarms through the fake Twilio (unpaced)."""
    web_ctx = dataclasses.replace(ctx, settings=twilio_settings(ctx, fake))
    with TestClient(create_app(web_ctx, sender=TwilioSender(web_ctx.settings))) as client:
        yield client


def test_readyz_fails_when_the_worker_has_been_silent_past_the_threshold(web, worker, clock):
    worker.tick()
    assert (web.get("/readyz").status_code, web.get("/readyz").text) == (200, "ready")
    clock.advance(minutes=5, seconds=-1)
    assert web.get("/readyz").status_code == 200
    clock.advance(seconds=2)
    answer = web.get("/readyz")
    assert answer.status_code == 503
    assert answer.text.startswith("worker silent (last heartbeat: 2026-03-04 15:00 UTC)")
    worker.tick()  # the worker is back
    assert web.get("/readyz").text == "ready"


def test_a_worker_that_never_started_is_silent_once_the_grace_has_passed(web, clock):
    assert web.get("/readyz").status_code == 200  # just deployed: the worker may be starting
    clock.advance(minutes=6)
    answer = web.get("/readyz")
    assert (answer.status_code, answer.text) == (503, "worker silent (last heartbeat: never)")


def test_a_silent_worker_texts_the_on_call_admin_once_per_incident(web, worker, clock, peer, fake):
    peer("Pat Peer", phone=PEER_PHONE)
    peer("Ona Call", phone=ON_CALL_PHONE, role="admin", on_call=True)
    worker.tick()
    clock.advance(minutes=6)
    for _ in range(3):  # the load balancer asks again and again: one text
        assert web.get("/readyz").status_code == 503
    assert fake.to(PEER_PHONE) == []
    [alarm] = fake.to(ON_CALL_PHONE)
    assert "worker has stopped" in alarm and "6 min" in alarm
    # Another web process notices the same incident: still one text.
    other = create_app(web.app.state.ctx, sender=TwilioSender(web.app.state.ctx.settings))
    with TestClient(other) as second:
        assert second.get("/readyz").status_code == 503
    assert len(fake.to(ON_CALL_PHONE)) == 1
    # The worker comes back, then stops again: a new incident, a new text.
    worker.tick()
    assert web.get("/readyz").status_code == 200
    clock.advance(minutes=10)
    assert web.get("/readyz").status_code == 503
    assert len(fake.to(ON_CALL_PHONE)) == 2
    sent = rows(web.app.state.ctx, OutboxMessage, OutboxMessage.__table__.c.purpose == "watch")
    assert [row.status for row in sent] == ["sent", "sent"]


def test_the_on_call_peer_gets_it_when_no_admin_is_on_call(web, worker, clock, peer, fake):
    peer("Ona Call", phone=ON_CALL_PHONE, on_call=True)
    worker.tick()
    clock.advance(minutes=15)
    web.get("/readyz")
    assert len(fake.to(ON_CALL_PHONE)) == 1


def test_a_stuck_outbox_texts_the_on_call_admin_once_from_the_worker(ctx, worker, clock, peer, fake):
    stuck = peer("Pat Peer", phone=PEER_PHONE)
    peer("Ona Call", phone=ON_CALL_PHONE, role="admin", on_call=True)
    with ctx.db.transaction() as conn:  # a text held by a worker that hung (its lease runs for hours)
        outbox.enqueue(conn, key="stuck", purpose="alert", body="x", now=clock.now(), staff_id=stuck.id)
        outbox.claim(conn, clock.now(), 10, timedelta(hours=3), outbox.new_token())
    assert worker.tick().alarms == []
    clock.advance(minutes=31)
    report = worker.tick()
    assert len(report.alarms) == 1
    [alarm] = fake.to(ON_CALL_PHONE)
    assert "waited 31 min in the outbox" in alarm
    clock.advance(minutes=20)  # still stuck: the same incident, no second text
    assert worker.tick().alarms == []
    assert len(fake.to(ON_CALL_PHONE)) == 1 and fake.to(PEER_PHONE) == []


def test_a_text_held_for_later_is_not_a_stuck_outbox(ctx, worker, clock, peer, fake):
    waiting = peer("Pat Peer", phone=PEER_PHONE)
    peer("Ona Call", phone=ON_CALL_PHONE, role="admin", on_call=True)
    with ctx.db.transaction() as conn:  # queued now, due in the morning (quiet hours)
        outbox.enqueue(conn, key="later", purpose="alert", body="x", now=clock.now(), staff_id=waiting.id)
        conn.execute(update(OutboxMessage.__table__).values(next_attempt_at=clock.now() + timedelta(hours=9)))
    clock.advance(hours=2)
    assert worker.tick().alarms == []
    assert fake.to(ON_CALL_PHONE) == []


def test_the_dashboard_shows_a_banner_while_the_worker_is_silent(ctx, client, staff_browser, clock):
    Worker(ctx).tick(send=False)
    person = staff_browser("peer")
    assert "not going out" not in person.get("/").text
    clock.advance(minutes=6)
    page = person.get("/").text
    assert 'role="alert"' in page and "Check-ins and alerts are not going out" in page
    assert "+1555" not in page.split('role="alert"')[1].split("</p>")[0]


def _gauge(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_show_the_outbox_the_open_alerts_and_the_heartbeat_without_personal_data(
    ctx, web, worker, clock, peer
):
    stuck = peer("Pat Peer", phone=PEER_PHONE)
    worker.tick()
    with ctx.db.transaction() as conn:
        outbox.enqueue(conn, key="a", purpose="alert", body="x", now=clock.now(), staff_id=stuck.id)
        outbox.enqueue(conn, key="b", purpose="alert", body="y", now=clock.now(), staff_id=stuck.id)
    clock.advance(minutes=2)
    metrics = web.get("/metrics").text
    assert _gauge(metrics, "smsbot_database_up") == 1
    assert 'smsbot_outbox_waiting{status="queued"} 2.0' in metrics
    assert _gauge(metrics, "smsbot_outbox_oldest_due_seconds") == 120
    assert _gauge(metrics, "smsbot_worker_heartbeat_age_seconds") == 120
    assert _gauge(metrics, "smsbot_alerts_open") == 0
    assert PEER_PHONE not in metrics and "+1555" not in metrics


def test_metrics_add_up_across_processes_with_a_shared_multiprocess_directory(tmp_path):
    """Two web processes and the worker each count; any process's /metrics shows the sums."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = (
        "from smsbot.observability import INBOUND_TEXTS, OUTBOUND_MESSAGES\n"
        "INBOUND_TEXTS.labels('naloxone').inc(2)\n"
        "OUTBOUND_MESSAGES.labels('checkin', 'sent').inc()\n"
    )
    for _ in range(3):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    scrape = "from smsbot.observability import metrics_response\nprint(metrics_response().body.decode())"
    shown = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    assert 'smsbot_inbound_texts_total{intent="naloxone"} 6.0' in shown
    assert 'smsbot_outbound_messages_total{purpose="checkin",result="sent"} 3.0' in shown

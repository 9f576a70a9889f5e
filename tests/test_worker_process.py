"""The worker as operators run it: `smsbot tick --now` in its own process, killed mid-send and
restarted, four of them at once over 1,000 due check-ins, and a worker that was down for hours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from smsbot.models import Checkin, Contact, DailyCount, Enrollment, InboundMessage, OutboxMessage
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, enroll, rows, run_tick

T = "2026-03-04T23:00:00Z"


def _env(fake) -> dict[str, str]:
    return {
        **os.environ,
        "SMSBOT_SENDER": "twilio",
        "TWILIO_API_BASE_URL": fake.base_url,
        "SMSBOT_SEND_RATE": "0",
        "SMSBOT_LOG_LEVEL": "WARNING",
    }


def smsbot(fake, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smsbot", *args],
        env=_env(fake),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _joined(ctx, sms, fake, worker, clock, peer):
    jamie = peer()
    enroll(jamie)
    run_tick(worker, clock)
    sms("JOIN")
    return jamie


def test_smsbot_tick_now_runs_one_pass_in_its_own_process(ctx, client, sms, fake, worker, clock, peer):
    _joined(ctx, sms, fake, worker, clock, peer)
    early = smsbot(fake, "tick", "--now", "2026-03-04T22:59:00Z")
    assert early.returncode == 0, early.stderr
    assert len(fake.to(PARTICIPANT)) == 1
    result = smsbot(fake, "tick", "--now", T)
    assert result.returncode == 0, result.stderr
    assert "checkins=1" in result.stdout and "'sent': 1" in result.stdout
    assert PARTICIPANT not in result.stdout + result.stderr
    assert "checking in" in fake.to(PARTICIPANT)[-1]
    again = smsbot(fake, "tick", "--now", T)  # the same instant again: nothing doubles
    assert "checkins=0" in again.stdout and len(fake.to(PARTICIPANT)) == 2


def test_tick_refuses_a_bad_now(ctx, fake):
    result = smsbot(fake, "tick", "--now", "yesterday")
    assert result.returncode == 2 and "ISO-8601" in result.stderr


def test_a_worker_killed_between_claim_and_send_never_doubles_a_check_in(
    ctx, client, sms, fake, worker, clock, peer
):
    _joined(ctx, sms, fake, worker, clock, peer)
    clock.set(datetime(2026, 3, 4, 22, 59, tzinfo=UTC))
    sms("CALL")  # queues an alert text to the peer
    fake.script("hang", to=PARTICIPANT)
    fake.script("hang", to=PEER_PHONE)
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbot", "tick", "--now", T],
        env=_env(fake),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert fake.wait_for(3, timeout=60), "both texts should reach the fake before the kill"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    fake.release.set()
    statuses = {row.purpose: row.status for row in rows(ctx, OutboxMessage)}
    assert statuses["checkin"] == "attempting" and statuses["alert"] == "attempting"

    restart = smsbot(fake, "tick", "--now", "2026-03-04T23:02:00Z")  # after the 60 s lease
    assert restart.returncode == 0, restart.stderr
    assert len(fake.to(PARTICIPANT)) == 2  # invitation + the one check-in: not sent twice
    assert len(fake.to(PEER_PHONE)) == 2  # the alert went again: a duplicate alert is safe
    prompt = rows(ctx, OutboxMessage, OutboxMessage.__table__.c.purpose == "checkin")[0]
    assert prompt.status == "unknown" and prompt.error_code == "interrupted"
    # It waits as if it went out: a reminder (a second, distinct text) after the reply window...
    smsbot(fake, "tick", "--now", "2026-03-05T00:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 3 and "Hi again" in fake.to(PARTICIPANT)[-1]
    # ...and with no answer after the second window, the peer hears what is known, not "no answer".
    smsbot(fake, "tick", "--now", "2026-03-05T01:00:00Z")
    assert "could not confirm" in fake.to(PEER_PHONE)[-1]
    assert not any("did not answer" in text for text in fake.to(PEER_PHONE))


def _bulk_due(ctx, count: int, due: datetime) -> None:
    contact, enrollment = Contact.__table__, Enrollment.__table__
    with ctx.db.transaction() as conn:
        contacts = []
        for i in range(count):
            e164 = f"+1202555{i:04d}"
            contacts.append(
                {
                    "phone_index": ctx.vault.index(e164),
                    "phone_ciphertext": ctx.vault.encrypt(e164),
                    "language": "en",
                    "created_at": due,
                    "last_seen_at": due,
                }
            )
        ids = conn.execute(
            contact.insert().returning(contact.c.id, sort_by_parameter_order=True), contacts
        ).scalars()
        conn.execute(
            enrollment.insert(),
            [
                {
                    "contact_id": contact_id,
                    "nickname": f"P{contact_id}",
                    "phone_last4": "0000",
                    "local_time": "18:00",
                    "days": "mon,tue,wed,thu,fri,sat,sun",
                    "timezone": "America/New_York",
                    "reply_window_minutes": 60,
                    "status": "active",
                    "source": "staff",
                    "created_at": due,
                    "joined_at": due,
                    "next_checkin_at": due,
                }
                for contact_id in list(ids)
            ],
        )


def test_four_workers_at_once_send_each_due_check_in_exactly_once(ctx, fake, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the concurrent-workers proof is for PostgreSQL (SKIP LOCKED); SQLite has one writer")
    due = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
    _bulk_due(ctx, 1000, due)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "smsbot", "tick", "--now", T],
            env=_env(fake),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _, err in outputs]
    stats = fake.stats()
    assert stats["messages"] == 1000 and stats["distinct_recipients"] == 1000
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(Checkin.__table__)).scalar() == 1000
        sent = conn.execute(
            select(func.count())
            .select_from(OutboxMessage.__table__)
            .where(OutboxMessage.__table__.c.status == "sent")
        ).scalar()
    assert sent == 1000
    shares = [int(out.split("checkins=")[1].split()[0]) for out, _ in outputs]
    assert sum(shares) == 1000


def test_a_late_worker_skips_stale_check_ins_instead_of_bursting(ctx, client, sms, fake, worker, clock, peer):
    jamie = _joined(ctx, sms, fake, worker, clock, peer)
    # Down from before Wednesday's check-in until Saturday morning: three days missed.
    report = run_tick(worker, clock, "2026-03-07T12:00:00Z")
    assert report.schedule.prompts == 0 and report.schedule.missed_by_system == 3
    assert len(fake.to(PARTICIPANT)) == 1  # no burst of stale check-ins
    assert [c.status for c in rows(ctx, Checkin)] == ["missed_by_system"] * 3
    assert jamie.get("/api/alerts").json() == []  # not escalated: the system missed them
    assert jamie.get("/api/enrollments").json()[0]["next_checkin_at"] == "2026-03-07T23:00:00+00:00"
    # A worker only a little late still sends.
    run_tick(worker, clock, "2026-03-08T00:30:00Z")
    assert len(fake.to(PARTICIPANT)) == 2


def test_retention_counts_then_deletes_old_texts_and_clears_stale_state(
    ctx, client, sms, fake, worker, clock
):
    sms("NALOXONE")
    sms("hello there")
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(InboundMessage.__table__)).scalar() == 2
    run_tick(worker, clock, clock.now() + timedelta(days=7, minutes=1))
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(InboundMessage.__table__)).scalar() == 0
        counts = {row.name: row.count for row in conn.execute(select(DailyCount.__table__))}
        (texter,) = conn.execute(select(Contact.__table__)).all()
    assert counts.get("inbound:naloxone") == 1 and sum(counts.values()) == 2
    assert texter.conversation is None and texter.conversation_expires_at is None
    run_tick(worker, clock, clock.now() + timedelta(days=1))  # counted once, not again
    with ctx.db.transaction() as conn:
        assert sum(row.count for row in conn.execute(select(DailyCount.__table__))) == 2


def test_staff_on_call_from_the_command_line(ctx, fake):
    added = smsbot(
        fake, "staff", "add", "Olu Okafor", "--role", "peer", "--phone", "+15555550188", "--on-call"
    )
    assert added.returncode == 0, added.stderr
    assert any(line.startswith("token: ") for line in added.stdout.splitlines())
    off = smsbot(fake, "staff", "oncall", "Olu Okafor", "--off")
    assert off.returncode == 0 and "off call" in off.stdout
    missing = smsbot(fake, "staff", "oncall", "Nobody")
    assert missing.returncode == 1  # a refusal (no such staff member); bad usage is 2


def test_smsbot_worker_loops_until_sigterm(ctx, client, fake, peer):
    enroll(peer())  # an invitation waits in the outbox
    process = subprocess.Popen(
        # --now: the loop's clock starts at the test's frozen instant, whatever today's date is.
        [sys.executable, "-m", "smsbot", "worker", "--interval", "0.2", "--now", "2026-03-04T15:00:05Z"],
        env=_env(fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.wait_for(1, timeout=60), "the running worker should send the invitation"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "worker running" in out and PARTICIPANT not in out + err
    assert len(fake.to(PARTICIPANT)) == 1

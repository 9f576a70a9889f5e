"""Races closed and a new phone kept (issue 8): ten requests enrolling one number at once make one
enrollment and one invitation (the rest get 409, never 500); a participant's enrollment moves to a
new number (API and page) and the old number gets nothing more.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from smsbot.models import AuditLog, Checkin, Enrollment, OutboxMessage
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, enroll, rows, run_tick
from tests.dashboard_fixtures import *  # noqa: F403

NEW_PHONE = "+15555550142"
SOMEONE_ELSE = "+15555550143"
OB = OutboxMessage.__table__


@pytest.mark.parametrize("number", ["new", "known"])
def test_ten_concurrent_enrollments_of_one_number_make_one(ctx, client, sms, peer, number):
    if number == "known":
        sms("hi", from_=PARTICIPANT)  # the line knows this number already
    peers = [peer(f"Peer {i}", phone=None) for i in range(10)]
    start = threading.Barrier(len(peers))
    results: list[tuple[int, str]] = []

    def enroll_once(who) -> None:
        body = {"phone": PARTICIPANT, "nickname": "J", "time": "18:00"}
        start.wait()
        response = who.post("/api/enrollments", json=body)
        results.append((response.status_code, response.text))

    threads = [threading.Thread(target=enroll_once, args=(who,)) for who in peers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * 9, results
    # A peer learns only that the number can't be enrolled here (not whose it is, nor its id).
    assert all("can't be enrolled here; ask an admin" in text for code, text in results if code == 409)
    assert len(rows(ctx, Enrollment)) == 1
    assert len(rows(ctx, OutboxMessage, OB.c.purpose == "invitation")) == 1


def _active_with_a_waiting_check_in(ctx, sms, fake, worker, clock, peer):
    jamie = peer()
    created = enroll(jamie)
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    assert len(fake.to(PARTICIPANT)) == 2
    return jamie, created


def test_a_new_phone_keeps_the_enrollment_and_the_old_number_gets_nothing_more(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, created = _active_with_a_waiting_check_in(ctx, sms, fake, worker, clock, peer)
    response = jamie.patch(f"/api/enrollments/{created['id']}", json={"phone": NEW_PHONE})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["id"] == created["id"] and moved["status"] == "invited" and moved["phone_last4"] == "0142"
    assert NEW_PHONE not in response.text

    run_tick(worker, clock, "2026-03-04T23:01:00Z")
    (invitation,) = fake.to(NEW_PHONE)
    assert "Reply JOIN" in invitation and "Jamie" in invitation
    for at in ("2026-03-05T00:00:00Z", "2026-03-05T01:00:00Z", "2026-03-05T23:00:00Z"):
        run_tick(worker, clock, at)
    assert len(fake.to(PARTICIPANT)) == 2  # no reminder, no next check-in to the old number
    assert fake.to(PEER_PHONE) == []  # and no "no answer" alert about the closed check-in
    assert rows(ctx, Checkin)[0].status == "closed"
    assert "not signed up" in sms("ok", from_=PARTICIPANT)  # the old phone's reply counts for nothing

    assert "You're in" in sms("JOIN", from_=NEW_PHONE)
    run_tick(worker, clock, "2026-03-06T23:00:00Z")
    assert len(fake.to(NEW_PHONE)) == 2 and len(fake.to(PARTICIPANT)) == 2
    (audit,) = [r for r in rows(ctx, AuditLog) if r.action == "enrollment_changed"]
    assert audit.object_id == created["id"] and "new number" in audit.detail and "0142" not in audit.detail


def test_moving_to_a_number_that_cannot_take_it_is_refused_with_409(
    ctx, client, sms, fake, worker, clock, peer
):
    jamie, created = _active_with_a_waiting_check_in(ctx, sms, fake, worker, clock, peer)
    url = f"/api/enrollments/{created['id']}"
    enroll(jamie, phone=SOMEONE_ELSE, nickname="K")
    taken = jamie.patch(url, json={"phone": SOMEONE_ELSE})
    assert (
        taken.status_code == 409
        and taken.json()["detail"] == "this number can't be enrolled here; ask an admin"
    )
    sms("STOP", from_=NEW_PHONE)
    opted_out = jamie.patch(url, json={"phone": NEW_PHONE})
    assert opted_out.status_code == 409 and "ask an admin" in opted_out.json()["detail"]
    same = jamie.patch(url, json={"phone": PARTICIPANT})
    assert same.status_code == 409 and "already this participant's number" in same.json()["detail"]
    assert jamie.patch(url, json={"phone": "12"}).status_code == 422
    assert jamie.patch(url, json={"phone": NEW_PHONE, "status": "paused"}).status_code == 422
    other = peer("Robin Diaz", phone=None)
    assert other.patch(url, json={"phone": "+15555550144"}).status_code == 404
    # Nothing changed: the enrollment is active on its number, its check-in still waits.
    row = jamie.get(url).json()
    assert (row["status"], row["phone_last4"]) == ("active", "0123")
    assert rows(ctx, Checkin)[0].status == "waiting"


def test_the_participant_page_moves_an_enrollment_to_a_new_phone(ctx, client, staff_browser):
    browser = staff_browser("peer", name="Jamie Rivera", phone=PEER_PHONE)
    made = browser.post(
        "/participants",
        {"phone": PARTICIPANT, "nickname": "Jay", "time": "18:00", "timezone": "America/New_York"},
    )
    url = made.headers["location"].split("?")[0]
    page = browser.get(url).text
    assert "They have a new phone number" in page
    bad = browser.post(f"{url}/phone", {"phone": "12"})
    assert bad.status_code == 422 and "phone" in bad.text
    moved = browser.post(f"{url}/phone", {"phone": NEW_PHONE})
    assert moved.status_code == 303 and moved.headers["location"] == f"{url}?done=moved"
    page = browser.get(moved.headers["location"]).text
    assert "ends in 0142" in page and "invited" in page and NEW_PHONE not in page
    with ctx.db.transaction() as conn:
        keys = conn.execute(select(OB.c.idempotency_key).where(OB.c.purpose == "invitation")).scalars().all()
    assert len(keys) == 2  # the first invitation, then one to the new number


def test_the_upgrade_ends_live_enrollments_that_old_races_doubled(ctx):
    """Data written before the unique index may hold a contact's second live enrollment: 0006 keeps
    the newest, ends the others and closes their waiting check-ins, so the index can be built."""
    from alembic import command

    from smsbot import migrate
    from smsbot.models import Contact

    def to(revision: str, step=command.upgrade) -> None:
        config = migrate.alembic_config(ctx.db.url)
        with ctx.db.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    to("0005_outbox_fencing", command.downgrade)
    try:
        now, contact, enrollment = ctx.clock.now(), Contact.__table__, Enrollment.__table__
        plan = {
            "nickname": "J",
            "phone_last4": "0123",
            "local_time": "18:00",
            "days": "mon",
            "timezone": "UTC",
        }
        with ctx.db.engine.begin() as conn:
            contact_id = conn.execute(
                contact.insert()
                .values(phone_index="i" * 64, created_at=now, last_seen_at=now)
                .returning(contact.c.id)
            ).scalar_one()
            ids = [
                conn.execute(
                    enrollment.insert()
                    .values(
                        contact_id=contact_id,
                        status=status,
                        source="staff",
                        created_at=now,
                        reply_window_minutes=60,
                        **plan,
                    )  # fmt: skip
                    .returning(enrollment.c.id)
                ).scalar_one()
                for status in ("active", "invited", "stopped", "active")
            ]
            waiting = conn.execute(
                Checkin.__table__.insert()
                .values(enrollment_id=ids[0], scheduled_for=now, created_at=now, status="waiting")
                .returning(Checkin.__table__.c.id)
            ).scalar_one()
            conn.execute(contact.update().values(open_checkin_id=waiting))
    finally:
        to("head")
    assert [r.status for r in rows(ctx, Enrollment)] == ["ended", "ended", "stopped", "active"]
    assert [c.status for c in rows(ctx, Checkin)] == ["closed"]
    assert rows(ctx, Contact)[0].open_checkin_id is None

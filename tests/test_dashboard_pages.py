"""The pages as peers use them: alerts, participants and their changes, the admin's reveal of a number;
what they change, what they audit, and what no page ever shows."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from smsbot.checkins import answers
from smsbot.models import (
    Alert,
    Checkin,
    ConsentRecord,
    Enrollment,
    OutboxMessage,
    Suppression,
)
from smsbot.worker.retention import run_retention
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PARTICIPANT, PEER_PHONE, audit_rows, make_alert, make_enrollment

ENROLL = {"phone": PARTICIPANT, "nickname": "J", "time": "18:00", "timezone": "America/New_York"}
FREE_TEXT = "rough night, call me after work"


def _rows(ctx, model, *where):
    table = model.__table__
    with ctx.db.transaction() as conn:
        return conn.execute(select(table).where(*where)).all()


def _text(html: str) -> str:
    return re.sub(r"\s+([:,.])", r"\1", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _phone_forms(e164: str) -> list[str]:
    digits = e164[2:]
    return [
        e164,
        digits,
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
    ]


def test_alerts_open_first_newest_first_say_what_happened_and_ack_in_one_click(ctx, staff_browser):
    peer = staff_browser("peer")
    first = make_enrollment(ctx, peer.staff_id, nickname="Jay")
    second = make_enrollment(ctx, peer.staff_id, phone="+15555550125", nickname="Kim")
    third = make_enrollment(ctx, peer.staff_id, phone="+15555550126", nickname="Lou")
    no_reply = make_alert(ctx, first, "no_reply", minutes_ago=40)
    call = make_alert(ctx, second, "call", minutes_ago=5)
    unreachable = make_alert(ctx, third, "unreachable", minutes_ago=20)
    with ctx.db.transaction() as conn:
        conn.execute(
            update(Alert.__table__)
            .where(Alert.__table__.c.id == unreachable)
            .values(status="acked", acked_at=ctx.clock.now(), acked_by=peer.staff_id)
        )
    page = _text(peer.get("/").text)
    assert "2 open" in page
    assert page.index("Kim: asked for a call") < page.index("Jay: no answer since 18:00")
    assert page.index("Jay: no answer since 18:00") < page.index("Lou: could not reach")
    assert "Acknowledged" in page.split("Lou: could not reach")[1]

    response = peer.post(f"/alerts/{call}/ack")  # one click: a form with one button
    assert response.headers["location"] == "/?done=acked"
    # The page's script asks for the fragment instead, and swaps it in place.
    fragment = peer.post(f"/alerts/{no_reply}/ack", headers={"X-Requested-With": "fetch"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith(
        f'<li class="alert acked kind-no-answer" id="alert-{no_reply}"'
    )
    assert {row.status for row in _rows(ctx, Alert)} == {"acked"}
    assert "0 open" in _text(peer.get("/").text)
    assert [(r.object_type, r.object_id) for r in audit_rows(ctx, "alert_acknowledged")] == [
        ("alert", call),
        ("alert", no_reply),
    ]


def test_enrolling_from_the_page_follows_the_api_rules(ctx, staff_browser):
    peer = staff_browser("peer")
    other = staff_browser("peer", sign_in=False)
    response = peer.post("/participants", {**ENROLL, "days": ["mon", "wed"], "reply_window_minutes": "45"})
    assert response.status_code == 303
    enrollment_id = int(response.headers["location"].split("/")[2].split("?")[0])
    page = peer.get(response.headers["location"]).text
    assert "invited" in page and "ends in 0123" in page and "6:00 PM on Mon, Wed" in page
    [row] = _rows(ctx, Enrollment)
    assert (row.staff_id, row.reply_window_minutes, row.days) == (peer.staff_id, 45, "mon,wed")
    assert [r.purpose for r in _rows(ctx, OutboxMessage)] == ["invitation"]
    assert [r.object_id for r in audit_rows(ctx, "enrollment_created")] == [enrollment_id]

    again = peer.post("/participants", ENROLL)
    assert again.status_code == 409 and "be enrolled here; ask an admin" in again.text
    bad = peer.post("/participants", {**ENROLL, "phone": "+15555550150", "time": "25:00"})
    assert bad.status_code == 422 and "time" in bad.text
    assert 'value="+15555550150"' in bad.text  # what was typed is kept, the number too (issue 12)
    assert peer.post("/participants", {**ENROLL, "phone": "12"}).status_code == 422
    for_other = peer.post(
        "/participants", {**ENROLL, "phone": "+15555550151", "staff_id": str(other.staff_id)}
    )
    assert for_other.status_code == 403
    assert len(_rows(ctx, Enrollment)) == 1


def test_a_participant_page_shows_status_answers_and_takes_changes(ctx, clock, staff_browser):
    peer = staff_browser("peer")
    enrollment_id = make_enrollment(ctx, peer.staff_id, nickname="Jay")
    with ctx.db.transaction() as conn:
        checkin_id = conn.execute(
            Checkin.__table__.insert()
            .values(
                enrollment_id=enrollment_id,
                scheduled_for=clock.now(),
                created_at=clock.now(),
                status="waiting",
            )
            .returning(Checkin.__table__.c.id)
        ).scalar_one()
        answers.answer_checkin(conn, checkin_id, clock.now(), "text", vault=ctx.vault, text=FREE_TEXT)
    listing = _text(peer.get("/participants").text)
    assert "Jay active" in listing and "wrote back" in listing
    assert FREE_TEXT in peer.get(f"/participants/{enrollment_id}").text  # readable while retained

    url = f"/participants/{enrollment_id}"
    assert peer.post(f"{url}/pause").headers["location"] == f"{url}?done=paused"
    assert _rows(ctx, Enrollment)[0].status == "paused" and _rows(ctx, Enrollment)[0].next_checkin_at is None
    peer.post(f"{url}/resume")
    assert _rows(ctx, Enrollment)[0].status == "active"
    assert peer.post(f"{url}/schedule", {"time": "07:30", "days": ["sat"]}).status_code == 303
    row = _rows(ctx, Enrollment)[0]
    assert (row.local_time, row.days) == ("07:30", "sat")
    assert row.next_checkin_at.weekday() == 5  # Saturday 07:30 New York is Saturday in UTC too
    assert peer.post(f"{url}/schedule", {"time": "7pm-ish"}).status_code == 422
    assert peer.post(f"{url}/stop").headers["location"] == "/participants?done=stopped"
    assert "Jay" not in peer.get("/participants").text
    assert [(r.action, r.detail) for r in audit_rows(ctx) if r.object_type == "enrollment"] == [
        ("enrollment_changed", "paused (page)"),
        ("enrollment_changed", "resumed (page)"),
        ("enrollment_changed", "schedule changed (page)"),
        ("enrollment_stopped", "stopped (page)"),
    ]


def test_free_text_answers_disappear_from_the_page_after_retention(ctx, clock, staff_browser):
    peer = staff_browser("peer")
    enrollment_id = make_enrollment(ctx, peer.staff_id)
    with ctx.db.transaction() as conn:
        checkin_id = conn.execute(
            Checkin.__table__.insert()
            .values(
                enrollment_id=enrollment_id,
                scheduled_for=clock.now(),
                created_at=clock.now(),
                status="waiting",
            )
            .returning(Checkin.__table__.c.id)
        ).scalar_one()
        answers.answer_checkin(conn, checkin_id, clock.now(), "text", vault=ctx.vault, text=FREE_TEXT)
    run_retention(ctx, clock.now() + timedelta(days=8))
    page = peer.get(f"/participants/{enrollment_id}").text
    assert FREE_TEXT not in page and "wrote back" in page


def test_an_opt_out_entered_by_staff_stops_everything_and_is_audited(ctx, staff_browser):
    peer = staff_browser("peer")
    enrollment_id = make_enrollment(ctx, peer.staff_id)
    assert (
        peer.post(f"/participants/{enrollment_id}/opt-out").headers["location"]
        == "/participants?done=opted-out"
    )
    [suppression] = _rows(ctx, Suppression)
    assert suppression.source == "staff"
    assert _rows(ctx, Enrollment)[0].status == "stopped"
    consent = [r for r in _rows(ctx, ConsentRecord) if r.kind == "opt_out"]
    assert [r.staff_id for r in consent] == [peer.staff_id]
    assert [(r.actor_id, r.object_id) for r in audit_rows(ctx, "staff_opt_out")] == [
        (peer.staff_id, enrollment_id)
    ]
    assert peer.post("/participants", ENROLL).status_code == 409  # STOP wins until they text START


def test_a_number_is_revealed_from_a_participants_page_as_from_an_alert(ctx, staff_browser):
    """Their own peer or an admin, with a reason (the call-back's), audited, shown as on an alert's card:
    a tel: link, a copy button, hidden again after three minutes. Another peer finds no such page."""
    peer = staff_browser("peer", name="Pat Peer")
    other = staff_browser("peer", name="Olu Other")
    admin = staff_browser("admin")
    enrollment_id = make_enrollment(ctx, peer.staff_id)
    url = f"/participants/{enrollment_id}/reveal"
    assert f'href="{url}"' in peer.get(f"/participants/{enrollment_id}").text
    assert other.get(url).status_code == 404 and other.post(url, {"reason": "safety"}).status_code == 404
    ask = peer.get(url)
    assert (
        ask.status_code == 200 and "Why do you need their number?" in ask.text and PARTICIPANT not in ask.text
    )
    assert 'value="asked_for_call"' in ask.text and 'value="safety"' in ask.text
    for refused in (peer.post(url, {}), peer.post(url, {"reason": "curious"})):
        assert refused.status_code == 422 and 'id="reason-error"' in refused.text
        assert PARTICIPANT not in refused.text
    assert audit_rows(ctx, "phone_revealed") == []
    for who, reason in ((peer, "no_answer"), (admin, "safety")):
        shown = who.post(url, {"reason": reason})
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        assert f'href="tel:{PARTICIPANT}"' in shown.text and 'data-hide-after="180"' in shown.text
        assert 'data-copy="(555) 555-0123"' in shown.text and "Shown for 3 minutes" in shown.text
    assert "tel:" not in peer.get(url).text  # in the answer to that POST only
    rows = audit_rows(ctx, "phone_revealed")
    assert [(r.actor_id, r.object_type, r.object_id, r.detail) for r in rows] == [
        (peer.staff_id, "enrollment", enrollment_id, "page; to call back: checking on them after no answer"),
        (admin.staff_id, "enrollment", enrollment_id, "page; to call back: worried about their safety"),
    ]


def test_pages_and_audit_rows_never_show_a_full_number_or_a_message(ctx, clock, client, staff_browser):
    peer = staff_browser("peer", phone=PEER_PHONE)
    admin = staff_browser("admin", phone="+15555550199")
    enrollment_id = make_enrollment(ctx, peer.staff_id, nickname="Jay")
    make_alert(ctx, enrollment_id, "call")
    with ctx.db.transaction() as conn:
        checkin_id = conn.execute(
            Checkin.__table__.insert()
            .values(
                enrollment_id=enrollment_id,
                scheduled_for=clock.now(),
                created_at=clock.now(),
                status="waiting",
            )
            .returning(Checkin.__table__.c.id)
        ).scalar_one()
        answers.answer_checkin(conn, checkin_id, clock.now(), "text", vault=ctx.vault, text=FREE_TEXT)
    peer.post("/participants", {**ENROLL, "phone": "+15555550140", "nickname": "Kim"})
    admin.post(f"/participants/{enrollment_id}/reveal", {"reason": "asked_for_call"})
    admin.pages.clear()
    for who in (peer, admin):
        for path in (
            "/",
            "/alerts/list",
            "/participants",
            f"/participants/{enrollment_id}",
            "/account",
            f"/participants/{enrollment_id}/reveal",
            "/staff",
            "/audit",
            "/numbers",
            "/directory",
        ):
            who.get(path)
    numbers = [PARTICIPANT, "+15555550140", PEER_PHONE, "+15555550199"]
    for html in peer.pages + admin.pages:
        for number in numbers:
            for form in _phone_forms(number):
                assert form not in html
    for row in audit_rows(ctx):
        values = " ".join(str(v) for v in row if v is not None)
        assert not any(form in values for number in numbers for form in _phone_forms(number))
        assert FREE_TEXT not in values and "rough" not in values
    assert {"sign_in", "enrollment_created", "phone_revealed"} <= {row.action for row in audit_rows(ctx)}


def test_enrollment_changes_through_the_api_are_audited_once(ctx, client, staff_token):
    from smsbot.models import AuditLog

    token = staff_token(role="peer", name="Audit Peer")
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/enrollments", json={"phone": "+15555550177", "nickname": "Q", "time": "18:00"}, headers=headers
    )
    assert created.status_code == 201
    enrollment_id = created.json()["id"]
    assert (
        client.patch(f"/api/enrollments/{enrollment_id}", json={"time": "19:30"}, headers=headers).status_code
        == 200
    )
    assert client.delete(f"/api/enrollments/{enrollment_id}", headers=headers).status_code == 204
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(AuditLog.__table__).order_by(AuditLog.__table__.c.id)).mappings().all()
    actions = [(row["action"], row["object_id"]) for row in rows]
    assert actions == [
        ("enrollment_created", enrollment_id),
        ("enrollment_changed", enrollment_id),
        ("enrollment_stopped", enrollment_id),
    ]
    assert "5555550177" not in repr(rows) and "0177" not in repr([row["detail"] for row in rows])

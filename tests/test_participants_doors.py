"""The same change through the JSON API and through the pages leaves the same rows and one audit entry
each (the door named); a peer walking another peer's ids, or ids past any integer, finds nothing on
every enrollment route and page (404, or 422 for a query number), never a 500, and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from smsbot.models import AuditLog, Checkin, ConsentRecord, Enrollment, OutboxMessage
from smsbot.staff.tokens import issue_token
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PARTICIPANT, make_enrollment

BY_PAGE = "+15555510123"  # ends in 0123 too, so the two enrollments' rows compare equal
PLAN = {"nickname": "J", "time": "18:00", "timezone": "America/New_York"}


def _bearer(ctx, staff_id: int) -> dict[str, str]:
    with ctx.db.transaction() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, staff_id, ctx.clock.now())}"}


def _rows(ctx, model) -> list:
    table = model.__table__
    with ctx.db.transaction() as conn:
        return conn.execute(select(table).order_by(*table.primary_key)).all()


def _enrollment_of(ctx, staff_id: int) -> dict:
    (row,) = [r for r in _rows(ctx, Enrollment) if r.staff_id == staff_id]
    ignore = {"id", "contact_id", "staff_id", "created_at", "joined_at", "ended_at", "invite_expires_at"}
    return {key: value for key, value in row._mapping.items() if key not in ignore}


def _audit_of(ctx, staff_id: int) -> list[tuple[str, str]]:
    return [
        (row.action, re.sub(r" \((api|page|command line)\)$", "", row.detail or ""))
        for row in _rows(ctx, AuditLog)
        if row.actor_id == staff_id and row.object_type == "enrollment"
    ]


def _outbox_of(ctx, phone_last4_contact: int) -> list[tuple[str, str]]:
    return [
        (row.purpose, row.status)
        for row in _rows(ctx, OutboxMessage)
        if row.contact_id == phone_last4_contact
    ]


def test_the_api_and_the_pages_make_the_same_change_the_same_way(ctx, client, sms, staff_browser):
    by_api = staff_browser("peer", name="Jamie Api", sign_in=False)
    by_page = staff_browser("peer", name="Jamie Page")
    headers = _bearer(ctx, by_api.staff_id)

    created = client.post("/api/enrollments", headers=headers, json={"phone": PARTICIPANT, **PLAN})
    assert created.status_code == 201, created.text
    made = by_page.post("/participants", {"phone": "(555) 551-0123", **PLAN, "days_mode": "every"})
    assert made.status_code == 303, made.text
    page_url = made.headers["location"].split("?")[0]
    api_url = f"/api/enrollments/{created.json()['id']}"
    assert "You're in" in sms("JOIN", from_=PARTICIPANT) and "You're in" in sms("JOIN", from_=BY_PAGE)

    assert client.patch(api_url, headers=headers, json={"status": "paused"}).status_code == 200
    assert by_page.post(f"{page_url}/pause").status_code == 303
    assert _enrollment_of(ctx, by_api.staff_id) == _enrollment_of(ctx, by_page.staff_id)

    change = {"time": "07:30", "days": ["sat"], "reply_window_minutes": 45}
    assert client.patch(api_url, headers=headers, json=change).status_code == 200
    form = {"time": "07:30", "days_mode": "some", "days": ["sat"], "reply_window_minutes": "45"}
    assert by_page.post(f"{page_url}/edit", {**form, "nickname": "J"}).status_code == 303
    assert _enrollment_of(ctx, by_api.staff_id) == _enrollment_of(ctx, by_page.staff_id)

    assert client.delete(api_url, headers=headers).status_code == 204
    stopped = by_page.post(f"{page_url}/stop", {"why": "stop"})
    assert stopped.headers["location"] == "/participants?done=stopped"
    api_row, page_row = _enrollment_of(ctx, by_api.staff_id), _enrollment_of(ctx, by_page.staff_id)
    assert api_row == page_row and api_row["status"] == "ended"

    assert (
        _audit_of(ctx, by_api.staff_id)
        == _audit_of(ctx, by_page.staff_id)
        == [
            ("enrollment_created", "enrolled"),
            ("enrollment_changed", "paused"),
            ("enrollment_changed", "schedule changed, reply window changed"),
            ("enrollment_stopped", "stopped"),
        ]
    )
    doors = {row.detail.rsplit(" ", 1)[-1] for row in _rows(ctx, AuditLog) if row.object_type == "enrollment"}
    assert doors == {"(api)", "(page)"}
    contacts = sorted({row.contact_id for row in _rows(ctx, Enrollment)})
    assert _outbox_of(ctx, contacts[0]) == _outbox_of(ctx, contacts[1])
    consent = [(row.kind, row.staff_id is not None) for row in _rows(ctx, ConsentRecord)]
    assert consent.count(("checkins_invited", True)) == 2
    assert _rows(ctx, Checkin) == []


def test_the_same_opt_out_through_the_api_and_the_page(ctx, client, staff_browser):
    by_api = staff_browser("peer", name="Jamie Api", sign_in=False)
    by_page = staff_browser("peer", name="Jamie Page")
    api_id = make_enrollment(ctx, by_api.staff_id, phone=PARTICIPANT)
    page_id = make_enrollment(ctx, by_page.staff_id, phone=BY_PAGE)
    answer = client.post(f"/api/enrollments/{api_id}/opt-out", headers=_bearer(ctx, by_api.staff_id))
    assert answer.status_code == 200 and answer.json()["status"] == "stopped"
    chosen = by_page.post(f"/participants/{page_id}/stop", {"why": "no-texts"})
    assert chosen.headers["location"] == "/participants?done=opted-out"
    assert _enrollment_of(ctx, by_api.staff_id) == _enrollment_of(ctx, by_page.staff_id)
    assert (
        _audit_of(ctx, by_api.staff_id)
        == _audit_of(ctx, by_page.staff_id)
        == [("staff_opt_out", "no more texts")]
    )


API_ROUTES = [
    ("GET", "/api/enrollments/{id}", None),
    ("PATCH", "/api/enrollments/{id}", {"time": "09:00"}),
    ("PATCH", "/api/enrollments/{id}", {"status": "paused"}),
    ("PATCH", "/api/enrollments/{id}", {"phone": "+15555550144"}),
    ("DELETE", "/api/enrollments/{id}", None),
    ("POST", "/api/enrollments/{id}/opt-out", None),
    ("GET", "/api/enrollments/{id}/checkins", None),
]
PAGE_ROUTES = [
    ("GET", "/participants/{id}", None),
    ("GET", "/participants/{id}/edit", None),
    ("GET", "/participants/{id}/stop", None),
    ("POST", "/participants/{id}/edit", {"nickname": "Mine", "time": "09:00"}),
    ("POST", "/participants/{id}/pause", {}),
    ("POST", "/participants/{id}/resume", {}),
    ("POST", "/participants/{id}/schedule", {"time": "09:00"}),
    ("POST", "/participants/{id}/phone", {"phone": "+15555550144"}),
    ("POST", "/participants/{id}/stop", {"why": "no-texts"}),
    ("POST", "/participants/{id}/opt-out", {}),
]


@pytest.mark.parametrize("wrong", ["theirs", 2**31 - 1, 2**31, 2**63, 10**25])
def test_a_peer_walking_other_ids_finds_nothing_anywhere(ctx, client, staff_browser, wrong):
    owner = staff_browser("peer", name="Olu Owner", sign_in=False)
    nosy = staff_browser("peer", name="Nia Nosy")
    theirs = make_enrollment(ctx, owner.staff_id, nickname="Theirs")
    target = theirs if wrong == "theirs" else wrong
    headers = _bearer(ctx, nosy.staff_id)
    before = (_rows(ctx, Enrollment), _rows(ctx, OutboxMessage), _rows(ctx, AuditLog))
    for method, path, body in API_ROUTES:
        answer = client.request(method, path.format(id=target), headers=headers, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        assert "Theirs" not in answer.text and "Olu" not in answer.text
    for method, path, body in PAGE_ROUTES:
        url = path.format(id=target)
        answer = nosy.get(url) if method == "GET" else nosy.post(url, body)
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert "Theirs" not in answer.text
    for answer in (
        nosy.get(f"/participants/{theirs}/reveal"),
        nosy.post(f"/participants/{theirs}/reveal", {"reason": "safety"}),
    ):
        assert answer.status_code == 404 and "Theirs" not in answer.text  # their own peer's or an admin's
    assert client.get(
        "/api/enrollments/1/checkins", headers=headers, params={"limit": 2**63}
    ).status_code in (404, 422)
    listing = nosy.get("/participants?show=all&q=Theirs").text
    assert "Nobody matches" in listing and f"/participants/{theirs}" not in listing
    after = (_rows(ctx, Enrollment), _rows(ctx, OutboxMessage))
    assert after == before[:2]
    assert [row.action for row in _rows(ctx, AuditLog)] == [row.action for row in before[2]]

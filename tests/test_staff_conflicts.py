"""A 409 about a number tells a peer only "this number can't be enrolled here; ask an admin": not that
it is someone's participant, nor its id, nor that it opted out. An admin is told the reason."""

from __future__ import annotations

from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PARTICIPANT, make_enrollment

PEER_SEES = "this number can't be enrolled here; ask an admin"


def _enroll(browser, phone: str):
    body = {"phone": phone, "nickname": "Q", "time": "18:00", "csrf_token": browser.token()}
    return browser.client.post("/participants", data=body)


def test_a_peer_learns_nothing_about_someone_elses_number(ctx, sms, staff_browser):
    owner = staff_browser("peer", name="Olu Owner")
    theirs = make_enrollment(ctx, owner.staff_id, phone=PARTICIPANT)
    sms("STOP", from_=OTHER_PARTICIPANT)
    nosy = staff_browser("peer", name="Nia Nosy")
    answers = [_enroll(nosy, PARTICIPANT), _enroll(nosy, OTHER_PARTICIPANT)]
    assert [a.status_code for a in answers] == [409, 409]
    for answer in answers:
        assert PEER_SEES in answer.text.replace("&#39;", "'")
        for hint in ("live enrollment", "opted out", "STOP", "START", "Olu", f"id {theirs}"):
            assert hint not in answer.text, hint
    # The same over the API, and for moving a participant to such a number.
    mine = make_enrollment(ctx, nosy.staff_id, phone="+15555550160", nickname="Mine")
    with ctx.db.transaction() as conn:
        from smsbot.staff.service import issue_token

        token = issue_token(conn, nosy.staff_id, ctx.clock.now())
    headers = {"Authorization": f"Bearer {token}"}
    for phone in (PARTICIPANT, OTHER_PARTICIPANT):
        created = nosy.client.post(
            "/api/enrollments", headers=headers, json={"phone": phone, "nickname": "Q", "time": "18:00"}
        )
        moved = nosy.client.patch(f"/api/enrollments/{mine}", headers=headers, json={"phone": phone})
        for response in (created, moved):
            assert response.status_code == 409
            assert response.json() == {"detail": PEER_SEES}


def test_an_admin_is_told_why(ctx, sms, staff_browser):
    owner = staff_browser("peer", name="Olu Owner")
    theirs = make_enrollment(ctx, owner.staff_id, phone=PARTICIPANT)
    sms("STOP", from_=OTHER_PARTICIPANT)
    admin = staff_browser("admin")
    taken, opted_out = _enroll(admin, PARTICIPANT), _enroll(admin, OTHER_PARTICIPANT)
    # Whose participant it is, by name: never an id (issue 12: "(id 6)" was developer words).
    assert taken.status_code == 409 and "live enrollment" in taken.text and "Olu Owner" in taken.text
    assert f"id {theirs}" not in taken.text
    assert opted_out.status_code == 409 and "opted out" in opted_out.text

"""Alerts as a shift's to-do list (issue 12), below the browser: acknowledging with an outcome the same
through the API and the page; call back from an alert (the peer's own participant, or an admin; a
reason; audited; never in a URL or a log); kinds, ages and the open count; resolved alerts searchable."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, update

from smsbot.models import Alert, Staff
from smsbot.staff.tokens import issue_token
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PARTICIPANT, audit_rows, make_alert, make_enrollment

alert_t, staff_t = Alert.__table__, Staff.__table__


def _api(ctx, staff_id: int) -> dict[str, str]:
    with ctx.db.transaction() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, staff_id, ctx.clock.now())}"}


def _row(ctx, alert_id: int):
    with ctx.db.transaction() as conn:
        return conn.execute(select(alert_t).where(alert_t.c.id == alert_id)).one()


@pytest.fixture
def shift(ctx, staff_browser):
    pat = staff_browser("peer", name="Pat Peer", phone="+15555550177")
    olu = staff_browser("peer", name="Olu Other", phone="+15555550178")
    mike = make_enrollment(ctx, pat.staff_id, nickname="Big Mike")
    jo = make_enrollment(ctx, pat.staff_id, phone="+15555550125", nickname="Jo")
    theirs = make_enrollment(ctx, olu.staff_id, phone=OTHER_PARTICIPANT, nickname="Theirs")
    return {
        "pat": pat,
        "olu": olu,
        "call": make_alert(ctx, mike, kind="call", minutes_ago=12),
        "no_reply": make_alert(ctx, jo, minutes_ago=3),
        "theirs": make_alert(ctx, theirs, kind="distress"),
    }


def test_an_outcome_and_a_note_the_same_through_the_api_and_the_page(ctx, client, shift):
    pat = shift["pat"]
    said = {"outcome": "left_message", "note": "voicemail, will try at 7"}
    assert (
        client.post(f"/api/alerts/{shift['call']}/ack", json=said, headers=_api(ctx, pat.staff_id)).json()[
            "outcome"
        ]
        == "left_message"
    )
    assert pat.post(f"/alerts/{shift['no_reply']}/ack", said).status_code == 303
    rows = [_row(ctx, shift[k]) for k in ("call", "no_reply")]
    assert {(r.status, r.outcome, r.acked_by) for r in rows} == {("acked", "left_message", pat.staff_id)}
    assert all(r.note_ciphertext and b"voicemail" not in bytes(r.note_ciphertext) for r in rows)  # at rest
    assert [r.detail for r in audit_rows(ctx, "alert_acknowledged")] == [
        "api; left_message",
        "page; left_message",
    ]
    page = pat.get("/").text
    assert (
        "Acknowledged by Pat Peer" in page and "Left a message" in page and "voicemail, will try at 7" in page
    )


@pytest.mark.parametrize(
    ("said", "field", "words"),
    [
        ({"outcome": "other"}, "note", "Say in a few words what happened"),
        ({"outcome": "other", "note": "called 434 555 0199"}, "note", "Leave phone numbers out"),
        ({"outcome": "fine"}, "outcome", "Choose what happened"),
        ({"outcome": "reached", "note": "x" * 301}, "note", "300 characters"),
    ],
)
def test_a_wrong_outcome_is_refused_beside_its_field_at_both_doors(ctx, client, shift, said, field, words):
    pat, alert_id = shift["pat"], shift["call"]
    api = client.post(f"/api/alerts/{alert_id}/ack", json=said, headers=_api(ctx, pat.staff_id))
    assert api.status_code == 422 and words in api.json()["detail"]
    page = pat.post(f"/alerts/{alert_id}/ack", said)
    assert page.status_code == 422
    assert f'id="{field}-{alert_id}-error"' in page.text and words in page.text
    assert 'class="error-summary"' in page.text
    if said.get("note") and field != "note":
        assert said["note"] in page.text  # what was typed is kept
    assert _row(ctx, alert_id).status == "open" and audit_rows(ctx, "alert_acknowledged") == []


def test_a_peer_calls_their_own_participant_back_with_one_tap_and_it_is_audited(ctx, shift, caplog):
    pat = shift["pat"]
    caplog.set_level(logging.DEBUG)
    response = pat.post(f"/alerts/{shift['call']}/call-back", {"reason": "asked_for_call"})
    assert response.status_code == 200
    assert f'href="tel:{PARTICIPANT}"' in response.text and "(555) 555-0123" in response.text
    assert response.headers["cache-control"] == "no-store"
    fragment = pat.post(
        f"/alerts/{shift['no_reply']}/call-back",
        {"reason": "no_answer"},
        headers={"X-Requested-With": "fetch"},
    )
    assert fragment.text.lstrip().startswith(
        f'<li class="alert open kind-no-answer" id="alert-{shift["no_reply"]}"'
    )
    assert 'href="tel:+15555550125"' in fragment.text and 'data-hide-after="180"' in fragment.text
    rows = audit_rows(ctx, "phone_revealed")
    assert [(r.actor_id, r.object_type, r.object_id, r.detail) for r in rows] == [
        (pat.staff_id, "alert", shift["call"], "page; to call back: they asked for a call"),
        (pat.staff_id, "alert", shift["no_reply"], "page; to call back: checking on them after no answer"),
    ]
    assert "5550123" not in caplog.text and "555-0123" not in caplog.text
    assert "tel:" not in pat.get("/").text  # shown in the answer to that POST only


def test_call_back_needs_a_reason_and_is_the_own_peers_or_an_admins(ctx, clock, shift, staff_browser):
    pat, olu = shift["pat"], shift["olu"]
    missing = pat.post(f"/alerts/{shift['no_reply']}/call-back", {})
    assert missing.status_code == 422 and f'id="reason-{shift["no_reply"]}-error"' in missing.text
    assert olu.post(f"/alerts/{shift['call']}/call-back", {"reason": "safety"}).status_code == 404
    for alert_id in (999_999, 2**31, 2**63):
        assert pat.post(f"/alerts/{alert_id}/call-back", {"reason": "safety"}).status_code == 404
    # On call, Olu sees Pat's alert (escalated to them) but the number stays with Pat and the admins.
    with ctx.db.transaction() as conn:
        conn.execute(update(alert_t).where(alert_t.c.id == shift["call"]).values(escalated_to=olu.staff_id))
    refused = olu.post(f"/alerts/{shift['call']}/call-back", {"reason": "safety"})
    assert refused.status_code == 403 and "ask an admin" in refused.text.lower()
    admin = staff_browser("admin", name="Ada Admin")
    assert (
        'href="tel:+15555550124"'
        in admin.post(f"/alerts/{shift['theirs']}/call-back", {"reason": "safety"}).text
    )
    assert [r.actor_id for r in audit_rows(ctx, "phone_revealed")] == [admin.staff_id]


def test_kinds_look_different_ages_come_from_the_clock_and_the_title_counts(ctx, clock, shift):
    page = shift["pat"].get("/").text
    assert "<title>(2) Alerts" in page
    assert 'class="alert open kind-call"' in page and "Asked for a call" in page
    assert 'class="alert open kind-no-answer"' in page
    assert "12 min ago" in page and "3 min ago" in page
    clock.advance(minutes=25)
    assert "37 min ago" in shift["pat"].get("/alerts/list").text
    olu_view = shift["olu"].get("/").text
    assert 'class="alert open kind-distress"' in olu_view and "<title>(1) Alerts" in olu_view


def test_resolved_alerts_are_searchable_by_nickname_and_kind(ctx, client, shift):
    pat = shift["pat"]
    for key in ("call", "no_reply"):
        pat.post(f"/alerts/{shift[key]}/ack", {"outcome": "reached"})
    found = pat.get("/alerts/resolved", params={"q": "mike"}).text
    assert "Big Mike" in found and "Jo:" not in found and "1 found" in found
    by_kind = pat.get("/alerts/resolved", params={"kind": "no-answer"}).text
    assert "Jo" in by_kind and "Big Mike" not in by_kind
    assert "Theirs" not in pat.get("/alerts/resolved").text
    assert pat.get("/alerts/resolved", params={"q": "x" * 41}).status_code in (404, 422)

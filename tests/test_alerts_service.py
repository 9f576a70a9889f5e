"""Peer alerts on one service: acknowledging through the API or the page leaves the same rows and one
audit row naming the door; a peer acts only on their own or on-call-assigned alerts (anything else,
and any id out of range, is not found); lists filter by status, kind and nickname; the on-call pick."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smsbot.actor import Actor, Door
from smsbot.alerts import raising, service
from smsbot.alerts.on_call import can_text, on_call_peer, on_call_staff
from smsbot.errors import Invalid, NotFound
from smsbot.models import Alert, Staff, Suppression
from smsbot.replies.wording import Wording
from smsbot.staff.tokens import issue_token
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, audit_rows, make_alert, make_enrollment

alert_t, staff_t = Alert.__table__, Staff.__table__
OUT_OF_RANGE = (2**31, 2**31 + 7, 2**63, 2**64 + 1)


def _token(ctx, staff_id: int) -> dict[str, str]:
    with ctx.db.transaction() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, staff_id, ctx.clock.now())}"}


def _actor(browser, door: Door = Door.API, role: str = "peer") -> Actor:
    return Actor(staff_id=browser.staff_id, role=role, door=door, name=browser.name)


def _alert_row(ctx, alert_id: int):
    with ctx.db.transaction() as conn:
        return conn.execute(select(alert_t).where(alert_t.c.id == alert_id)).one()


@pytest.fixture
def shift(ctx, staff_browser):
    """Pat (with two participants' alerts), Olu (another peer, with one), Cam on call, and an admin."""
    pat = staff_browser("peer", name="Pat Peer", phone="+15555550177")
    olu = staff_browser("peer", name="Olu Other", phone="+15555550178")
    cam = staff_browser("peer", name="Cam Oncall", phone="+15555550188")
    admin = staff_browser("admin", name="Ada Admin")
    with ctx.db.transaction() as conn:
        conn.execute(update(staff_t).where(staff_t.c.id == cam.staff_id).values(is_on_call=True))
    first = make_enrollment(ctx, pat.staff_id, nickname="Big Mike")
    second = make_enrollment(ctx, pat.staff_id, phone="+15555550125", nickname="Jo")
    theirs = make_enrollment(ctx, olu.staff_id, phone=OTHER_PARTICIPANT, nickname="Theirs")
    return {
        "pat": pat,
        "olu": olu,
        "cam": cam,
        "admin": admin,
        "call": make_alert(ctx, first, kind="call"),
        "no_reply": make_alert(ctx, second),
        "theirs": make_alert(ctx, theirs, kind="call"),
    }


def test_the_same_ack_through_the_api_and_the_page_leaves_the_same_rows_and_one_audit_row_each(
    ctx, client, shift
):
    pat = shift["pat"]
    by_api = client.post(f"/api/alerts/{shift['call']}/ack", headers=_token(ctx, pat.staff_id))
    assert by_api.status_code == 200
    assert by_api.json()["status"] == "acked" and by_api.json()["acked_by"] == "Pat Peer"
    assert pat.post(f"/alerts/{shift['no_reply']}/ack").headers["location"] == "/?done=acked"

    def changed(alert_id: int) -> tuple:
        row = _alert_row(ctx, alert_id)
        return (row.status, row.acked_by, row.acked_at, row.escalate_at)

    assert (
        changed(shift["call"]) == changed(shift["no_reply"]) == ("acked", pat.staff_id, ctx.clock.now(), None)
    )
    rows = audit_rows(ctx, "alert_acknowledged")
    assert [(r.actor_id, r.object_type, r.object_id, r.detail) for r in rows] == [
        (pat.staff_id, "alert", shift["call"], "api"),
        (pat.staff_id, "alert", shift["no_reply"], "page"),
    ]
    # Again, by either door: nothing changes, no second audit row (a double tap on a phone).
    again = client.post(f"/api/alerts/{shift['no_reply']}/ack", headers=_token(ctx, pat.staff_id))
    assert again.status_code == 200 and again.json()["acked_by"] == "Pat Peer"
    assert pat.post(f"/alerts/{shift['call']}/ack").status_code == 303
    assert len(audit_rows(ctx, "alert_acknowledged")) == 2


def test_another_peers_alert_and_ids_out_of_range_are_not_found_at_every_door(ctx, client, shift):
    olu = shift["olu"]
    headers = _token(ctx, olu.staff_id)
    for alert_id in (shift["call"], shift["no_reply"], 999_999):
        assert client.post(f"/api/alerts/{alert_id}/ack", headers=headers).status_code == 404
        response = olu.post(f"/alerts/{alert_id}/ack")
        assert response.status_code == 404 and "no such alert" in response.text
        with ctx.db.transaction() as conn, pytest.raises(NotFound):
            service.acknowledge(conn, _actor(olu), ctx.clock.now(), alert_id)
    for alert_id in OUT_OF_RANGE:
        assert client.post(f"/api/alerts/{alert_id}/ack", headers=headers).status_code == 404
        assert olu.post(f"/alerts/{alert_id}/ack").status_code == 404
    listed = client.get("/api/alerts", params={"status": "all"}, headers=headers).json()
    assert [a["id"] for a in listed] == [shift["theirs"]]
    assert "Big Mike" not in olu.get("/").text
    assert _alert_row(ctx, shift["call"]).status == "open"
    assert audit_rows(ctx, "alert_acknowledged") == []


def test_the_on_call_peer_acknowledges_what_was_escalated_to_them(ctx, client, clock, shift):
    cam = shift["cam"]
    headers = _token(ctx, cam.staff_id)
    assert client.post(f"/api/alerts/{shift['call']}/ack", headers=headers).status_code == 404  # not yet
    with ctx.db.transaction() as conn:
        assert raising.escalate_due(
            conn, Wording.from_settings(ctx.settings), clock.now() + timedelta(hours=1)
        )
    assert _alert_row(ctx, shift["call"]).escalated_to == cam.staff_id
    acked = client.post(f"/api/alerts/{shift['call']}/ack", headers=headers)
    assert acked.status_code == 200 and acked.json()["acked_by"] == "Cam Oncall"
    assert "Big Mike" in cam.get("/").text


def test_concurrent_acknowledgements_write_one_audit_row(ctx, shift):
    actor = _actor(shift["pat"])
    results, barrier = [], threading.Barrier(6)

    def ack() -> None:
        barrier.wait()
        with ctx.db.transaction() as conn:
            results.append(service.acknowledge(conn, actor, ctx.clock.now(), shift["call"]).status)

    threads = [threading.Thread(target=ack) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["acked"] * 6
    assert len(audit_rows(ctx, "alert_acknowledged")) == 1


def test_lists_filter_by_status_kind_and_nickname(ctx, client, shift):
    pat = shift["pat"]
    headers = _token(ctx, pat.staff_id)
    client.post(f"/api/alerts/{shift['no_reply']}/ack", headers=headers)

    def ids(**params) -> list[int]:
        response = client.get("/api/alerts", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()]

    assert ids() == [shift["call"]]
    assert ids(status="acked") == [shift["no_reply"]]
    assert ids(status="all") == [shift["call"], shift["no_reply"]]
    assert ids(status="all", kind="no_reply") == [shift["no_reply"]]
    assert ids(status="all", q="mike") == [shift["call"]]
    assert ids(status="all", q="%") == []  # a wildcard is a character, not a pattern
    assert client.get("/api/alerts", params={"status": "closed"}, headers=headers).status_code == 422
    admin_actor = _actor(shift["admin"], Door.PAGE, "admin")
    with ctx.db.transaction() as conn:
        everyone = service.list_alerts(conn, admin_actor, ctx.clock.now(), status="all")
        assert {a.id for a in everyone} == {shift["call"], shift["no_reply"], shift["theirs"]}
        with pytest.raises(Invalid) as refused:
            service.list_alerts(conn, admin_actor, ctx.clock.now(), status="closed")
    assert refused.value.field == "status"


def test_one_on_call_pick_textable_first_never_the_excluded_or_inactive(ctx, staff_browser):
    without_phone = staff_browser("peer", name="No Phone", sign_in=False).staff_id
    opted_out = staff_browser("peer", name="Opted Out", phone="+15555550191", sign_in=False).staff_id
    textable = staff_browser("peer", name="Textable", phone="+15555550192", sign_in=False).staff_id
    gone = staff_browser("peer", name="Gone", phone="+15555550193", sign_in=False).staff_id
    with ctx.db.transaction() as conn:
        conn.execute(update(staff_t).values(is_on_call=True))
        conn.execute(update(staff_t).where(staff_t.c.id == gone).values(is_active=False))
        index = conn.execute(select(staff_t.c.phone_index).where(staff_t.c.id == opted_out)).scalar_one()
        conn.execute(
            Suppression.__table__.insert().values(
                phone_index=index, opted_out_at=ctx.clock.now(), source="stop"
            )
        )
        assert on_call_staff(conn) == [textable, without_phone, opted_out]
        assert on_call_staff(conn, textable=True) == [textable]
        assert on_call_peer(conn) == textable
        assert on_call_peer(conn, excluding=textable) == without_phone
        assert [can_text(conn, s) for s in (textable, without_phone, opted_out, gone, None)] == [
            True, False, False, False, False
        ]  # fmt: skip
        conn.execute(update(staff_t).values(is_on_call=False))
        assert on_call_peer(conn) is None

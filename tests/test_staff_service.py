"""Staff accounts on one service: the same change through the Staff page and `smsbot staff ...` leaves
the same rows and exactly one audit row; the last active admin cannot be removed through any door (nor
by two admins demoting each other at once); a peer can change nothing; bad input is refused beside its
field, in words; ids out of range are not found."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from smsbot import cli
from smsbot.actor import Actor, Door
from smsbot.errors import Conflict, Forbidden, Invalid, NotFound
from smsbot.models import AuditLog, Staff
from smsbot.staff import service
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows

staff_t, audit_t = Staff.__table__, AuditLog.__table__
# What a change leaves on an account, whoever made it and whenever (ids, names, times set aside).
KEPT = ("role", "is_active", "is_on_call", "must_change_password", "totp_confirmed_at")


def _cli(*args: str):
    return CliRunner().invoke(cli.app, ["staff", *args])


def _account(ctx, staff_id: int) -> dict:
    with ctx.db.transaction() as conn:
        row = conn.execute(select(staff_t).where(staff_t.c.id == staff_id)).one()
    return {name: getattr(row, name) for name in KEPT}


def _audit_of(ctx, staff_id: int) -> list[tuple]:
    """(action, detail without the door) of the rows about this account."""
    return [(r.action, r.detail.split("; ", 1)[-1]) for r in audit_rows(ctx) if r.object_id == staff_id]


def _doors(rows: list) -> list[str]:
    return [r.detail.split(";")[0] for r in rows]


@pytest.fixture
def team(staff_browser):
    admin = staff_browser("admin", name="Ada Admin")
    return {
        "admin": admin,
        "by_page": staff_browser("peer", name="Pat Page", sign_in=False),
        "by_cli": staff_browser("peer", name="Cal Cli", sign_in=False),
    }


@pytest.mark.parametrize(
    ("change", "page", "command"),
    [
        ("make admin", ("role", {"role": "admin", "confirmed": "yes"}), ("role", "admin")),
        ("put on call", ("on-call", {"on_call": "on"}), ("oncall",)),
        ("deactivate", ("deactivate", {}), ("deactivate",)),
    ],
)
def test_the_same_change_through_the_page_and_the_command_line(ctx, team, change, page, command):
    admin, by_page, by_cli = team["admin"], team["by_page"], team["by_cli"]
    action, form = page
    response = admin.post(f"/staff/{by_page.staff_id}/{action}", form)
    assert response.status_code in (200, 303), response.text
    result = _cli(command[0], "Cal Cli", *command[1:])
    assert result.exit_code == 0, result.output
    assert _account(ctx, by_page.staff_id) == _account(ctx, by_cli.staff_id), change
    page_rows, cli_rows = _audit_of(ctx, by_page.staff_id), _audit_of(ctx, by_cli.staff_id)
    assert len(page_rows) == 1 and page_rows == cli_rows, change
    rows = [r for r in audit_rows(ctx) if r.object_type == "staff"]
    assert _doors(rows) == ["page", "command line"]
    assert [r.actor_id for r in rows] == [admin.staff_id, None]


def test_adding_through_the_page_and_the_command_line_is_one_change_each(ctx, team):
    admin = team["admin"]
    page = admin.post(
        "/staff", {"name": "Nia New", "role": "peer", "phone": "(434) 555-0142", "on_call": "on"}
    )
    assert page.status_code == 200 and "shown once" in page.text
    result = _cli("add", "Noor New", "--role", "peer", "--phone", "434-555-0143", "--on-call")
    assert result.exit_code == 0, result.output
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(staff_t).where(staff_t.c.name.in_(("Nia New", "Noor New")))).all()
    assert len(rows) == 2 and {r.phone_last4 for r in rows} == {"0142", "0143"}
    assert _account(ctx, rows[0].id) == _account(ctx, rows[1].id)
    assert (
        _audit_of(ctx, rows[0].id) == _audit_of(ctx, rows[1].id) == [("staff_created", "role peer, on call")]
    )


def test_bad_input_is_refused_beside_its_field_and_what_was_typed_is_kept(ctx, team):
    admin = team["admin"]
    page = admin.post("/staff", {"name": "Nia New", "role": "peer", "phone": "12"})
    assert page.status_code == 422
    assert 'id="phone-error"' in page.text and "area code" in page.text
    assert 'value="Nia New"' in page.text and 'value="12"' in page.text
    taken = admin.post("/staff", {"name": "pat page", "role": "peer"})
    assert (
        taken.status_code == 409 and 'id="name-error"' in taken.text and "already has that name" in taken.text
    )
    assert admin.post("/staff", {"name": "X", "role": "boss"}).status_code == 422
    result = _cli("add", "  ", "--role", "peer")
    assert result.exit_code == 1 and "Type their name" in result.output
    assert _cli("role", "Pat Page", "boss").exit_code == 1
    assert _cli("oncall", "Nobody").exit_code == 1
    assert [r.action for r in audit_rows(ctx) if r.action != "sign_in"] == []


def test_the_last_admin_cannot_be_removed_through_any_door(ctx, team, staff_browser):
    admin = team["admin"]
    assert admin.post(f"/staff/{admin.staff_id}/role", {"role": "peer"}).status_code == 409
    assert "last active admin" in admin.post(f"/staff/{admin.staff_id}/role", {"role": "peer"}).text
    assert admin.post(f"/staff/{admin.staff_id}/deactivate").status_code == 409  # nor themselves
    for command in (("role", "Ada Admin", "peer"), ("deactivate", "Ada Admin")):
        result = _cli(*command)
        assert result.exit_code == 1 and "last active admin" in result.output, command
    assert _account(ctx, admin.staff_id)["role"] == "admin"
    assert _account(ctx, admin.staff_id)["is_active"]
    # With a second admin, one may go; then the other is the last one again.
    second = staff_browser("admin", name="Bo Admin")
    assert _cli("role", "Bo Admin", "peer").exit_code == 0
    assert _cli("role", "Ada Admin", "peer").exit_code == 1
    assert second.get("/staff").status_code == 303  # their session ended with the role change
    assert [r.action for r in audit_rows(ctx) if r.action == "role_changed"] == ["role_changed"]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(ctx, staff_browser):
    one = staff_browser("admin", name="Ada Admin", sign_in=False).staff_id
    two = staff_browser("admin", name="Bo Admin", sign_in=False).staff_id
    outcomes, barrier = [], threading.Barrier(2)

    def demote(actor_id: int, target: int) -> None:
        actor = Actor(staff_id=actor_id, role="admin", door=Door.PAGE)
        barrier.wait()
        try:
            with ctx.db.transaction() as conn:
                service.set_role(conn, actor, ctx.clock.now(), target, "peer")
            outcomes.append("changed")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=demote, args=pair) for pair in ((one, two), (two, one))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["changed", "refused"]
    assert sorted(_account(ctx, s)["role"] for s in (one, two)) == ["admin", "peer"]


def test_a_peer_changes_no_account_and_unknown_ids_are_not_found(ctx, team, staff_browser):
    peer = Actor(staff_id=team["by_page"].staff_id, role="peer", door=Door.API)
    target = team["by_cli"].staff_id
    calls = [
        lambda conn, now: service.set_role(conn, peer, now, target, "admin"),
        lambda conn, now: service.set_on_call(conn, peer, now, target, True),
        lambda conn, now: service.reset_password(conn, peer, now, target),
        lambda conn, now: service.new_api_token(conn, peer, now, target),
        lambda conn, now: service.resolve(conn, peer, "Cal Cli"),
    ]
    for call in calls:
        with ctx.db.transaction() as conn, pytest.raises(Forbidden):
            call(conn, ctx.clock.now())
    admin = Actor(staff_id=team["admin"].staff_id, role="admin", door=Door.PAGE)
    with ctx.db.transaction() as conn, pytest.raises(NotFound):
        service.set_on_call(conn, admin, ctx.clock.now(), 999_999, True)
    browser = team["admin"]
    for staff_id in (999_999, 2**31, 2**63, 2**64):
        for action in (
            "role",
            "deactivate",
            "password",
            "second-factor",
            "on-call",
            "tokens/new",
            "tokens/revoke",
        ):
            response = browser.post(f"/staff/{staff_id}/{action}", {"role": "peer", "on_call": "on"})
            assert response.status_code == 404, (staff_id, action)
    assert _cli("oncall", str(2**63)).exit_code == 1
    assert [r.action for r in audit_rows(ctx) if r.action != "sign_in"] == []


def test_tokens_need_an_active_account_a_sane_lifetime_and_an_admins_second_factor(ctx, team, staff_browser):
    admin = Actor(staff_id=team["admin"].staff_id, role="admin", door=Door.PAGE)
    fresh_admin = staff_browser("admin", name="New Admin", totp_on=False, sign_in=False).staff_id
    gone = team["by_page"].staff_id
    with ctx.db.transaction() as conn:
        conn.execute(update(staff_t).where(staff_t.c.id == gone).values(is_active=False))
    with ctx.db.transaction() as conn:
        with pytest.raises(Conflict, match="second factor"):
            service.new_api_token(conn, admin, ctx.clock.now(), fresh_admin)
        with pytest.raises(Conflict, match="deactivated"):
            service.new_api_token(conn, admin, ctx.clock.now(), gone)
        with pytest.raises(Invalid) as refused:
            service.new_api_token(conn, admin, ctx.clock.now(), team["by_cli"].staff_id, days=367)
        assert refused.value.field == "days"
        assert service.new_api_token(conn, admin, ctx.clock.now(), team["by_cli"].staff_id, days=7)
    page = team["admin"].post(f"/staff/{fresh_admin}/tokens/new")
    assert page.status_code == 409 and "second factor" in page.text
    assert [r.action for r in audit_rows(ctx) if r.object_type == "staff"] == ["token_issued"]


def _card(page: str, staff_id: int) -> str:
    return page.split(f'id="staff-{staff_id}"')[1].split("</li>")[0]


def test_the_staff_page_shows_last_sign_in_and_lockout_and_asks_before_a_role_change(
    ctx, clock, team, anonymous
):
    admin, pat = team["admin"], team["by_page"]
    clock.advance(minutes=12)
    page = admin.get("/staff").text
    assert "Last signed in 12 min ago" in _card(page, admin.staff_id)
    assert "Never signed in" in _card(page, pat.staff_id)
    assert _card(page, pat.staff_id).count('<button type="submit">') == 1  # one primary action
    assert "<summary>More" in _card(page, pat.staff_id)  # the rest behind "More"
    stranger = anonymous()
    for _ in range(5):
        assert stranger.sign_in("Pat Page", "not the password").status_code == 401
    assert "Sign-in locked: too many wrong passwords" in _card(admin.get("/staff").text, pat.staff_id)
    clock.advance(minutes=16)
    assert "Sign-in locked" not in admin.get("/staff").text
    # The question comes only when "yes" would work: the last admin is refused at once.
    refused = admin.post(f"/staff/{admin.staff_id}/role", {"role": "peer"})
    assert (
        refused.status_code == 409 and "last active admin" in refused.text and "Yes, make" not in refused.text
    )
    question = admin.post(f"/staff/{pat.staff_id}/role", {"role": "admin"})
    assert question.status_code == 200 and "Yes, make Pat Page an admin" in question.text
    assert _account(ctx, pat.staff_id)["role"] == "peer" and audit_rows(ctx, "role_changed") == []

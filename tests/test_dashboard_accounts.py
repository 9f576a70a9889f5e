"""Accounts and sessions: signing in, the rate limit, the idle timeout, the second factor, and how
deactivating, revoking, resetting and changing roles take effect at once."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select
from starlette.responses import Response
from starlette.testclient import TestClient
from typer.testing import CliRunner

from smsbot.actor import Actor
from smsbot.auth import security, sessions
from smsbot.models import Alert, Enrollment, OutboxMessage, Staff, StaffSession
from smsbot.staff.service import create_staff, set_on_call
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import (
    PASSWORD,
    PEER_PHONE,
    Browser,
    audit_rows,
    csrf_of,
    make_alert,
    make_enrollment,
)


def _rows(ctx, model, *where):
    with ctx.db.transaction() as conn:
        return conn.execute(select(model.__table__).where(*where)).all()


def test_the_session_cookie_is_httponly_lax_and_secure_in_production(ctx, staff_browser):
    peer = staff_browser("peer")
    cookie = next(c for c in peer.client.cookies.jar if c.name == sessions.COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert not cookie.secure  # the test app is not behind https
    production = ctx.settings.model_copy(update={"env": "production"})
    response = Response()
    sessions.set_cookie(response, production, "token")
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" in header
    # Only a hash of the cookie is stored: the table alone opens nothing.
    stored = _rows(ctx, StaffSession)
    assert [row.token_hash for row in stored] == [security.sha256(cookie.value)]


def test_a_wrong_password_is_refused_and_both_outcomes_are_audited(ctx, staff_browser, anonymous):
    peer = staff_browser("peer", name="Pat Peer", sign_in=False)
    stranger = anonymous()
    response = stranger.sign_in("Pat Peer", "not the password")
    assert response.status_code == 401
    assert "not right" in response.text
    assert stranger.get("/").status_code == 303
    assert stranger.sign_in("pat peer").headers["location"] == "/"  # any letter case; or the staff number
    assert stranger.get("/").status_code == 200
    assert [(r.action, r.actor_id) for r in audit_rows(ctx)] == [
        ("sign_in_failed", peer.staff_id),
        ("sign_in", peer.staff_id),
    ]


def test_sign_in_is_rate_limited_in_the_database_for_every_process(
    ctx, clock, client, staff_browser, anonymous
):
    staff_browser("peer", name="Pat Peer", sign_in=False)
    stranger = anonymous()
    for _ in range(5):
        assert stranger.sign_in("Pat Peer", "guess").status_code == 401
    assert stranger.sign_in("Pat Peer").status_code == 429  # even the right password, for now
    # Another web process (another app on the same database) knows it too.
    from smsbot.app import create_app

    elsewhere = Browser(TestClient(create_app(ctx), follow_redirects=False))
    assert elsewhere.sign_in("Pat Peer").status_code == 429
    clock.advance(minutes=16)
    assert elsewhere.sign_in("Pat Peer").status_code == 303
    assert audit_rows(ctx, "sign_in_blocked")


def test_a_session_ends_after_30_idle_minutes(ctx, clock, staff_browser):
    peer = staff_browser("peer")
    clock.advance(minutes=29)
    assert peer.get("/").status_code == 200
    clock.advance(minutes=29)  # activity moved the deadline
    assert peer.get("/participants").status_code == 200
    clock.advance(minutes=31)
    response = peer.get("/participants")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/participants"
    assert _rows(ctx, StaffSession) == []  # gone from the server, not just from the browser


def test_a_background_refresh_does_not_keep_an_idle_session_alive(clock, staff_browser):
    peer = staff_browser("peer")
    background = {"X-Requested-With": "fetch", "X-Background": "1"}
    for _ in range(2):
        clock.advance(minutes=12)
        assert peer.get("/alerts/list", headers=background).status_code == 200
    clock.advance(minutes=7)  # 31 minutes since the person last did anything
    assert peer.get("/alerts/list", headers=background).status_code == 401
    assert peer.get("/").status_code == 303


def test_signing_out_ends_the_session_on_the_server(ctx, staff_browser):
    peer = staff_browser("peer")
    cookie = peer.client.cookies.get(sessions.COOKIE)
    assert peer.post("/signout").headers["location"] == "/signin"
    copy = Browser(TestClient(peer.client.app, follow_redirects=False))
    copy.client.cookies.set(sessions.COOKIE, cookie)
    assert copy.get("/").status_code == 303  # a stolen copy of the cookie is worth nothing now
    assert audit_rows(ctx, "sign_out")


def test_deactivating_ends_sessions_and_tokens_at_once_and_hands_work_to_the_on_call_peer(
    ctx, client, staff_browser
):
    admin = staff_browser("admin")
    leaving = staff_browser("peer", name="Lee Leaving", phone=PEER_PHONE)
    on_call = staff_browser("peer", name="Cam Oncall", phone="+15555550188")
    with ctx.db.transaction() as conn:
        set_on_call(conn, Actor.command_line(), ctx.clock.now(), on_call.staff_id, True)
    token = create_staff(ctx, "Token Holder", "peer").token  # a second account, to show it is not touched
    api_token = _api_token_of(ctx, leaving.staff_id)
    first = make_enrollment(ctx, leaving.staff_id, nickname="First")
    second = make_enrollment(ctx, leaving.staff_id, phone="+15555550125", nickname="Second")
    alert_id = make_alert(ctx, first, kind="call")
    assert client.get("/api/alerts", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200

    response = admin.post(f"/staff/{leaving.staff_id}/deactivate")
    assert response.status_code == 200
    assert "2 participants and 1 open alert went to the on-call peer" in response.text
    assert leaving.get("/").status_code == 303
    assert client.get("/api/alerts", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert client.get("/api/alerts", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    owners = {row.id: row.staff_id for row in _rows(ctx, Enrollment)}
    assert owners == {first: on_call.staff_id, second: on_call.staff_id}
    alert = _rows(ctx, Alert, Alert.__table__.c.id == alert_id)[0]
    assert (alert.staff_id, alert.status) == (on_call.staff_id, "open")
    texts = {
        (r.staff_id, r.status)
        for r in _rows(ctx, OutboxMessage, OutboxMessage.__table__.c.alert_id == alert_id)
    }
    assert (on_call.staff_id, "queued") in texts  # the on-call peer is texted about it
    assert (leaving.staff_id, "queued") not in texts  # and the departed account is not
    assert "First" in on_call.get("/").text
    [row] = audit_rows(ctx, "staff_deactivated")
    assert (row.actor_id, row.object_id) == (admin.staff_id, leaving.staff_id)


def _api_token_of(ctx, staff_id: int) -> str:
    from smsbot.staff.service import issue_token

    with ctx.db.transaction() as conn:
        return issue_token(conn, staff_id, ctx.clock.now())


def test_the_cli_deactivates_too(ctx, staff_browser):
    from smsbot import cli

    peer = staff_browser("peer", name="Pat Peer")
    result = CliRunner().invoke(cli.app, ["staff", "deactivate", "Pat Peer"])
    assert result.exit_code == 0, result.output
    assert "sessions and API tokens ended" in result.output
    assert peer.get("/").status_code == 303
    assert CliRunner().invoke(cli.app, ["staff", "deactivate", "Nobody"]).exit_code == 1


def test_an_admin_cannot_lock_the_program_out(staff_browser):
    admin = staff_browser("admin")
    assert admin.post(f"/staff/{admin.staff_id}/deactivate").status_code == 409
    assert admin.post(f"/staff/{admin.staff_id}/role", {"role": "peer"}).status_code == 409


def test_revoked_tokens_stop_working_and_a_new_one_is_shown_once(ctx, client, staff_browser):
    admin = staff_browser("admin")
    peer = staff_browser("peer")
    old = _api_token_of(ctx, peer.staff_id)
    assert admin.post(f"/staff/{peer.staff_id}/tokens/revoke").status_code == 303
    assert client.get("/api/enrollments", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    page = admin.post(f"/staff/{peer.staff_id}/tokens/new")
    assert page.headers["cache-control"] == "no-store"
    new = page.text.split('id="api-token">')[1].split("<")[0]
    assert client.get("/api/enrollments", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert new not in admin.get("/staff").text  # shown once
    assert [r.action for r in audit_rows(ctx) if r.object_id == peer.staff_id] == [
        "tokens_revoked",
        "token_issued",
    ]


def test_a_role_change_ends_the_sessions_and_is_audited(ctx, staff_browser):
    admin = staff_browser("admin")
    peer = staff_browser("peer")
    assert peer.get("/").status_code == 200
    question = admin.post(f"/staff/{peer.staff_id}/role", {"role": "admin"})
    assert question.status_code == 200 and "Make Peer 2 an admin?" in question.text  # asked first
    assert peer.get("/").status_code == 200 and audit_rows(ctx, "role_changed") == []
    assert (
        admin.post(f"/staff/{peer.staff_id}/role", {"role": "admin", "confirmed": "yes"}).status_code == 303
    )
    assert peer.get("/").status_code == 303
    [row] = audit_rows(ctx, "role_changed")
    assert (row.actor_id, row.object_id, row.detail) == (admin.staff_id, peer.staff_id, "page; peer -> admin")
    # The new admin must set up a second factor before anything else.
    response = peer.sign_in(peer.name)
    assert response.headers["location"] == "/account/second-factor"
    assert peer.get("/staff").headers["location"] == "/account/second-factor"


def _setup_secret(page: str) -> str:
    return page.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")


def test_admins_must_set_up_a_second_factor_and_change_the_given_password(ctx, clock, client, anonymous):
    created = create_staff(ctx, "Ada Admin", "admin")
    ada = anonymous()
    assert ada.sign_in("Ada Admin", created.password).headers["location"] == "/account/second-factor"
    for path in ("/", "/staff", "/participants", "/account/password"):
        assert ada.get(path).headers["location"] == "/account/second-factor", path
    page = ada.get("/account/second-factor")
    secret = _setup_secret(page.text)
    assert _rows(ctx, Staff)[0].totp_ciphertext is not None
    assert secret.encode() not in _rows(ctx, Staff)[0].totp_ciphertext  # stored encrypted
    token = csrf_of(page.text)
    assert ada.post("/account/second-factor", {"code": "123456"}, csrf=token).status_code == 422
    response = ada.post("/account/second-factor", {"code": pyotp.TOTP(secret).at(clock.now())}, csrf=token)
    assert response.headers["location"] == "/account/password"
    assert ada.get("/").headers["location"] == "/account/password"
    new = {"current": created.password, "new": "a brand new passphrase", "again": "a brand new passphrase"}
    assert ada.post("/account/password", {**new, "again": "something else!!"}).status_code == 422
    assert ada.post("/account/password", {**new, "new": "short", "again": "short"}).status_code == 422
    assert ada.post("/account/password", new).headers["location"] == "/?done=password"
    assert ada.get("/staff").status_code == 200
    actions = [r.action for r in audit_rows(ctx)]
    assert actions == ["second_factor_on", "sign_in", "password_changed"]


def test_a_confirmed_second_factor_is_asked_every_time_and_each_code_works_once(ctx, clock, staff_browser):
    admin = staff_browser("admin", name="Ada Admin")  # signed in with the code of this 30 s step
    again = Browser(TestClient(admin.client.app, follow_redirects=False), totp_secret=admin.totp_secret)
    assert (
        again.post("/signin", {"login": "Ada Admin", "password": PASSWORD}).headers["location"]
        == "/signin/code"
    )
    assert again.get("/").headers["location"] == "/signin/code"
    assert again.get("/account/second-factor").headers["location"] == "/signin/code"  # no re-setup
    used = pyotp.TOTP(admin.totp_secret).at(clock.now())
    assert again.post("/signin/code", {"code": used}).status_code == 401  # replayed
    clock.advance(seconds=30)
    fresh = pyotp.TOTP(admin.totp_secret).at(clock.now())
    assert again.post("/signin/code", {"code": fresh}).headers["location"] == "/"
    assert again.get("/staff").status_code == 200


def test_wrong_codes_are_limited(ctx, staff_browser):
    admin = staff_browser("admin", name="Ada Admin")
    guesser = Browser(TestClient(admin.client.app, follow_redirects=False))
    guesser.post("/signin", {"login": "Ada Admin", "password": PASSWORD})
    for guess in range(5):
        assert guesser.post("/signin/code", {"code": f"{guess:06d}"}).status_code == 401
    assert guesser.post("/signin/code", {"code": "000009"}).status_code == 429
    assert guesser.get("/signin/code").headers["location"].startswith("/signin")  # the session is over


def test_peers_may_turn_on_a_second_factor(ctx, clock, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    page = peer.get("/account/second-factor")
    assert page.status_code == 200 and "must use" not in page.text
    secret = _setup_secret(page.text)
    response = peer.post("/account/second-factor", {"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.headers["location"] == "/?done=second-factor"
    clock.advance(seconds=30)
    later = Browser(TestClient(peer.client.app, follow_redirects=False), totp_secret=secret)
    assert (
        later.post("/signin", {"login": "Pat Peer", "password": PASSWORD}).headers["location"]
        == "/signin/code"
    )
    assert later.sign_in("Pat Peer", code_at=clock.now()).headers["location"] == "/"


def test_a_password_reset_ends_sessions_and_shows_a_one_time_password_once(ctx, staff_browser, anonymous):
    admin = staff_browser("admin")
    peer = staff_browser("peer", name="Pat Peer")
    page = admin.post(f"/staff/{peer.staff_id}/password")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    one_time = page.text.split('id="one-time-password">')[1].split("<")[0]
    assert peer.get("/").status_code == 303
    fresh = anonymous()
    assert fresh.sign_in("Pat Peer", one_time).headers["location"] == "/account/password"
    assert fresh.get("/participants").headers["location"] == "/account/password"


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_the_audit_log_is_append_only(ctx, staff_browser, statement):
    from sqlalchemy import text

    staff_browser("peer")
    assert audit_rows(ctx)
    with pytest.raises(Exception, match="append-only"), ctx.db.transaction() as conn:
        conn.execute(text(statement))
    assert audit_rows(ctx)

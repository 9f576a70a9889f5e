"""API tokens expire, have a name and a last use, can be revoked one by one; an admin's token works
only once the admin has a second factor; passwords must be long and hard to guess on every door;
production answers carry HSTS; `smsbot chat` never writes out what was typed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from smsbot.context import AppContext
from smsbot.staff.service import create_staff
from tests.conftest import TEST_ENV, second_factor_on
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD, audit_rows


def _api(client, token: str):
    return client.get("/api/enrollments", headers={"Authorization": f"Bearer {token}"})


def _cli(ctx, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": ctx.settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "smsbot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_token_expires_and_records_its_last_use(ctx, clock, client):
    created = create_staff(ctx, "Pat Peer", "peer")
    assert _api(client, created.token).status_code == 200
    clock.advance(days=89)
    assert _api(client, created.token).status_code == 200
    clock.advance(days=1, seconds=1)
    expired = _api(client, created.token)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_an_admin_token_needs_a_second_factor_first(ctx, client):
    created = create_staff(ctx, "Ada Admin", "admin")
    refused = _api(client, created.token)
    assert refused.status_code == 401 and "second factor" in refused.json()["detail"]
    second_factor_on(ctx, created.staff_id)
    assert _api(client, created.token).status_code == 200


def test_tokens_from_the_command_line_are_named_listed_and_revoked_one_by_one(ctx, clock, client):
    clock.set(datetime.now(UTC))  # the commands use the wall clock
    created = create_staff(ctx, "Pat Peer", "peer")
    issued = _cli(ctx, "staff", "token", "Pat Peer", "--name", "weekly report", "--days", "7")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.split("token: ")[1].strip()
    assert _api(client, token).status_code == 200
    listing = _cli(ctx, "staff", "tokens", str(created.staff_id))
    assert listing.returncode == 0 and token not in listing.stdout
    [report] = [line for line in listing.stdout.splitlines() if "weekly report" in line]
    assert "live" in report and "used -" not in report  # its use just now is recorded
    assert _cli(ctx, "staff", "token", "Pat Peer", "--days", "4000").returncode == 1
    token_id = report.split("\t")[0]
    assert _cli(ctx, "staff", "revoke-token", token_id).returncode == 0
    assert _api(client, token).status_code == 401
    assert _api(client, created.token).status_code == 200  # the other token is untouched
    assert _cli(ctx, "staff", "revoke-token", str(2**63)).returncode == 1
    assert [r.action for r in audit_rows(ctx)] == ["token_issued", "tokens_revoked"]


def test_the_password_policy_holds_on_the_page_and_the_command_line(ctx, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    weak = ["password1234", "qwertyuiop123", "short1!", "Pat PeerPat Peer"]
    for new in weak:
        page = peer.post("/account/password", {"current": PASSWORD, "new": new, "again": new})
        assert page.status_code == 422, new
        assert "Choose another password" in page.text
    strong = "lantern marmalade orbit 42"
    page = peer.post("/account/password", {"current": PASSWORD, "new": strong, "again": strong})
    assert page.status_code == 303
    for new in weak[:3]:
        refused = _cli(ctx, "staff", "password", "Pat Peer", stdin=new + "\n")
        assert refused.returncode == 1 and "Choose another password" in refused.stderr, new
        assert new not in refused.stdout + refused.stderr
    accepted = _cli(ctx, "staff", "password", "Pat Peer", stdin="violet harbour tractor sundial\n")
    assert accepted.returncode == 0, accepted.stderr
    assert peer.get("/").status_code == 303  # the command line ended their sessions


def test_hsts_in_production_only(ctx, client):
    assert "strict-transport-security" not in client.get("/healthz").headers
    production = AppContext(
        settings=ctx.settings.model_copy(update={"env": "production"}),
        db=ctx.db,
        vault=ctx.vault,
        clock=ctx.clock,
    )
    from smsbot.app import create_app

    with TestClient(create_app(production), base_url="https://testserver") as secure:
        for path in ("/healthz", "/signin", "/api/enrollments"):
            header = secure.get(path).headers.get("strict-transport-security", "")
            assert header.startswith("max-age=") and int(header.split("=")[1].split(";")[0]) >= 31536000


def test_chat_never_writes_the_texters_words(tmp_path: Path):
    words = "my friend zorblatt overdosed on quixotic pills"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "SMSBOT_SECRET_KEY": "chat-test-secret-key-0123456789abcdef",
        "SMSBOT_LOG_LEVEL": "DEBUG",
    }
    result = subprocess.run(
        [sys.executable, "-m", "smsbot", "chat"],
        input=f"{words}\nnaloxone\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "zorblatt" not in result.stdout + result.stderr and "quixotic" not in result.stdout + result.stderr
    assert "you> (text 1)" in result.stdout and "911" in result.stdout  # the emergency was still answered

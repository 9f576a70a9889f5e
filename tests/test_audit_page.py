"""The audit page (issue 12): names instead of numbers, lockouts named, filters by who, what and when."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from smsbot.audit import log as audit
from smsbot.dashboard.audit_view import _entry
from tests.dashboard_fixtures import *  # noqa: F403

PEOPLE = {1: "Ada Admin", 2: "Pat Peer"}
NAMES = {"enrollment": {8: "participant “J”"}, "alert": {3: "an alert about “J”"}}


def _row(action, actor=None, kind=None, object_id=None, detail=None):
    at = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    return SimpleNamespace(
        id=1, at=at, actor_id=actor, action=action, object_type=kind, object_id=object_id, detail=detail
    )


@pytest.mark.parametrize(
    ("row", "who", "what", "about"),
    [
        (
            _row("phone_revealed", 2, "enrollment", 8, "reason: call"),
            "Pat Peer",
            "revealed",
            "participant “J”",
        ),
        (
            _row("enrollment_changed", 2, "enrollment", 99),
            "Pat Peer",
            "changed",
            "an enrollment since removed",
        ),
        (_row("alert_acknowledged", 1, "alert", 3), "Ada Admin", "acknowledged", "an alert about “J”"),
        (_row("role_changed", 1, "staff", 2, "peer -> admin"), "Ada Admin", "changed a role", "Pat Peer"),
        (_row("sign_in_blocked", None, "staff", 2), "someone signing in", "sign-in locked for Pat Peer", ""),
        (_row("sign_in_blocked", None, None, None, "login: mallory"), "someone signing in", "“mallory”", ""),
        (
            _row("sign_in_blocked", 2, "staff", 2, "wrong codes"),
            "Pat Peer",
            "sign-in locked for Pat Peer",
            "",
        ),
        (_row("sign_in_failed", 2, "staff", 2), "Pat Peer", "failed sign-in for Pat Peer", ""),
        (
            _row("password_reset", None, "staff", 2, "command line"),
            "someone at the server",
            "reset",
            "Pat Peer",
        ),
        (_row("keys_rotated", None), "the system", "rotated", ""),
        (_row("staff_created", 7, "staff", 7), "a removed account", "added", "a removed account"),
        (
            _row("supply_alert_approved", 1, "supply_alert", 4),
            "Ada Admin",
            "approved a drug-supply alert",
            "",
        ),
    ],
)
def test_each_row_reads_with_names_never_numbers(row, who: str, what: str, about: str) -> None:
    shown = _entry(row, PEOPLE, NAMES)
    assert shown["actor"] == who
    assert what in shown["what"]
    assert about in shown["object"]
    text = " ".join(str(v) for k, v in shown.items() if k in ("actor", "what", "object"))
    assert not re.search(r"\d", text), text
    assert "nobody known" not in text


def _lock_out(anonymous, login: str) -> None:
    stranger = anonymous()
    for _ in range(6):
        response = stranger.post("/signin", {"login": login, "password": "not the password", "next": "/"})
    assert response.status_code == 429


def test_the_audit_page_names_people_and_filters(ctx, clock, anonymous, staff_browser) -> None:
    admin = staff_browser("admin", name="Ada Admin")
    peer = staff_browser("peer", name="Pat Peer")
    enrollment_id = make_enrollment(ctx, peer.staff_id, nickname="Big Mike")  # noqa: F405
    with ctx.db.transaction() as conn:
        audit.record(
            conn, clock.now(), peer.staff_id, "phone_revealed", "enrollment", enrollment_id, "reason: call"
        )
    _lock_out(anonymous, "Pat Peer")
    _lock_out(anonymous, "mallory")

    page = admin.get("/audit")
    assert page.status_code == 200
    html = page.text
    assert "participant “Big Mike”" in html
    assert "sign-in locked for Pat Peer" in html
    assert "sign-in locked for “mallory”" in html
    assert "nobody known" not in html
    assert not re.search(r"(enrollment|staff|alert|service) \d", html)
    assert 'data-label="Who"' in html  # cards on a phone

    pats = admin.get(f"/audit?who={peer.staff_id}").text
    assert "participant “Big Mike”" in pats and "sign-in locked for Pat Peer" in pats
    assert "mallory" not in pats
    locks = admin.get("/audit?what=sign_in_blocked").text
    assert locks.count("sign-in locked for") == 2 and "Big Mike" not in locks
    nobody = admin.get("/audit?who=nobody&what=sign_in_blocked").text
    assert "mallory" in nobody
    assert "Nothing matches" in admin.get("/audit?from=2026-01-01&to=2026-01-31").text
    assert "Big Mike" in admin.get("/audit?from=2026-03-04&to=2026-03-04").text

    wrong = admin.get("/audit?from=2026-03-05&to=2026-03-01")
    assert (
        wrong.status_code == 422
        and "The last day must be the same as the first day or after it." in wrong.text
    )
    for odd in ("who=99999999999999999999", "what=drop%20table", "before=99999999999999999999", "before=-1"):
        assert admin.get(f"/audit?{odd}").status_code == 200, odd
    assert peer.get("/audit").status_code == 403

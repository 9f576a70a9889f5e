"""Session expiry (issue 12): each page knows how long its session has left, a look does not extend it,
"stay signed in" does, an ended session says so at sign-in, and sign-in (with its code) returns to the
page it was asked from. Time is a FrozenClock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from smsbot.auth.sessions import MAX_AGE, seconds_left
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD, Browser

FETCH = {"X-Requested-With": "fetch"}
BACKGROUND = {**FETCH, "X-Background": "1"}
T0 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seen_ago", "began_ago", "left"),
    [
        (timedelta(0), timedelta(0), 1800),
        (timedelta(minutes=28), timedelta(hours=1), 120),
        (timedelta(minutes=30), timedelta(hours=1), 0),
        (timedelta(minutes=45), timedelta(hours=1), 0),
        (timedelta(0), timedelta(hours=11, minutes=50), 600),  # 12 hours whatever happens
        (timedelta(0), MAX_AGE + timedelta(seconds=1), 0),
    ],
)
def test_seconds_left(seen_ago: timedelta, began_ago: timedelta, left: int) -> None:
    assert seconds_left(T0 - seen_ago, T0 - began_ago, T0) == left


def _expires_in(html: str) -> int:
    return int(re.search(r'data-expires-in="(\d+)"', html).group(1))


def test_a_page_knows_its_time_a_look_does_not_extend_it_and_keep_does(clock, staff_browser) -> None:
    peer = staff_browser("peer", name="Pat Peer")
    page = peer.get("/participants")
    assert _expires_in(page.text) == 1800
    assert 'id="session-warning" hidden' in page.text and "Stay signed in" in page.text
    assert '<script src="/static/session.js" defer></script>' in page.text

    clock.advance(minutes=29)
    assert peer.get("/session", headers=BACKGROUND).json() == {"expires_in": 60}
    clock.advance(seconds=30)
    assert peer.get("/session", headers=BACKGROUND).json() == {"expires_in": 30}  # looking kept nothing
    kept = peer.post("/session/keep", headers=FETCH)
    assert kept.status_code == 200 and kept.json() == {"expires_in": 1800}
    clock.advance(minutes=29)
    assert _expires_in(peer.get("/participants").text) >= 60  # a page view counts as activity

    without_script = peer.post("/session/keep", {"next": "/participants"})
    assert without_script.status_code == 303 and without_script.headers["location"] == "/participants"
    assert peer.post("/session/keep", {"next": "//elsewhere.example"}).headers["location"] == "/"

    clock.advance(minutes=31)
    assert peer.get("/session", headers=BACKGROUND).status_code == 401
    sent = peer.post("/session/keep", {"next": "/participants"})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/signin")
    assert "You were signed out after 30 minutes without activity" in peer.get("/signin").text


def test_a_new_visitor_is_not_told_their_session_ended(anonymous) -> None:
    page = anonymous().get("/signin").text
    assert "signed out after 30 minutes" not in page and 'id="kept-note" hidden' in page
    assert "session-warning" not in page  # nobody is signed in: nothing to warn about


def test_sign_in_returns_to_the_page_through_the_code_step(ctx, clock, staff_browser) -> None:
    admin = staff_browser("admin", name="Ada Admin")  # has an authenticator app
    again = Browser(
        type(admin.client)(admin.client.app, follow_redirects=False), totp_secret=admin.totp_secret
    )
    first = again.post("/signin", {"login": "Ada Admin", "password": PASSWORD, "next": "/numbers?days=90"})
    assert first.headers["location"] == "/signin/code?next=%2Fnumbers%3Fdays%3D90"
    code_page = again.get(first.headers["location"])
    assert 'name="next" value="/numbers?days=90"' in code_page.text
    clock.advance(seconds=30)
    code = pyotp.TOTP(admin.totp_secret).at(clock.now())
    wrong = again.post("/signin/code", {"code": "000000", "next": "/numbers?days=90"})
    assert wrong.status_code == 401 and 'name="next" value="/numbers?days=90"' in wrong.text
    done = again.post("/signin/code", {"code": code, "next": "/numbers?days=90"})
    assert done.headers["location"] == "/numbers?days=90"

    other = Browser(
        type(admin.client)(admin.client.app, follow_redirects=False), totp_secret=admin.totp_secret
    )
    first = other.post("/signin", {"login": "Ada Admin", "password": PASSWORD, "next": "//evil.example/x"})
    assert first.headers["location"] == "/signin/code"

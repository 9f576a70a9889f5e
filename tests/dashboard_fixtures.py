"""Fixtures for the dashboard tests: browsers (a TestClient with its own cookies) signed in as a peer
or an admin, and helpers that set up participants, check-ins and alerts through the real functions.

Import into a test module with `from tests.dashboard_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from smsbot.alerts import raising as alerts
from smsbot.auth import totp
from smsbot.checkins import enrollments
from smsbot.context import AppContext
from smsbot.models import AuditLog, Checkin, Enrollment, Staff
from smsbot.replies.wording import Wording
from smsbot.staff.service import create_staff, set_password

PASSWORD = "correct horse battery staple"
PARTICIPANT = "+15555550123"
OTHER_PARTICIPANT = "+15555550124"
PEER_PHONE = "+15555550177"

__all__ = [
    "Browser",
    "PASSWORD",
    "PARTICIPANT",
    "OTHER_PARTICIPANT",
    "PEER_PHONE",
    "anonymous",
    "audit_rows",
    "staff_browser",
    "csrf_of",
    "make_alert",
    "make_enrollment",
]

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


@dataclass
class Browser:
    """One person's browser: its own cookie jar, and their staff id (None before signing in)."""

    client: TestClient
    staff_id: int | None = None
    name: str = ""
    totp_secret: str | None = None
    pages: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        self.pages.append(response.text)
        return response

    def token(self) -> str:
        """This browser's CSRF token, from the sign-in page (or the alerts page once signed in)."""
        page = self.client.get("/signin")
        if page.status_code != 200:
            page = self.client.get("/")
        return csrf_of(page.text)

    def post(self, path: str, data: dict | None = None, *, csrf: str | None | bool = True, **kwargs):
        """POST a form; csrf=True fetches a real token first, a string sends that, None sends none."""
        data = dict(data or {})
        if csrf is True:
            data["csrf_token"] = self.token()
        elif isinstance(csrf, str):
            data["csrf_token"] = csrf
        response = self.client.post(path, data=data, **kwargs)
        self.pages.append(response.text)
        return response

    def sign_in(self, login: str, password: str = PASSWORD, code_at: datetime | None = None):
        response = self.post("/signin", {"login": login, "password": password, "next": "/"})
        if response.headers.get("location") == "/signin/code":
            code = pyotp.TOTP(self.totp_secret).at(code_at) if self.totp_secret else "000000"
            response = self.post(
                "/signin/code", {"code": code}, csrf=csrf_of(self.client.get("/signin/code").text)
            )
        return response


def _new_client(app) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


@pytest.fixture
def anonymous(client: TestClient) -> Callable[[], Browser]:
    return lambda: Browser(_new_client(client.app))


@pytest.fixture
def staff_browser(ctx: AppContext, client: TestClient) -> Callable[..., Browser]:
    """A signed-in browser for a new staff member (admins with their authenticator app set up)."""
    count = iter(range(1, 1000))

    def make(
        role: str = "peer",
        name: str | None = None,
        phone: str | None = None,
        totp_on: bool | None = None,
        sign_in: bool = True,
    ) -> Browser:
        name = name or f"{role.title()} {next(count)}"
        created = create_staff(ctx, name, role, phone)
        secret = None
        with ctx.db.transaction() as conn:
            set_password(conn, created.staff_id, PASSWORD)
            if totp_on if totp_on is not None else role == "admin":
                secret = pyotp.random_base32()
                conn.execute(
                    update(Staff.__table__)
                    .where(Staff.__table__.c.id == created.staff_id)
                    .values(
                        totp_ciphertext=totp.encrypt_secret(ctx.settings, created.staff_id, secret),
                        totp_confirmed_at=ctx.clock.now(),
                    )
                )
        person = Browser(_new_client(client.app), created.staff_id, name, secret)
        if sign_in:
            response = person.sign_in(name, code_at=ctx.clock.now())
            assert response.status_code == 303 and response.headers["location"] == "/", response.text
        return person

    return make


def make_enrollment(
    ctx: AppContext, staff_id: int, phone: str = PARTICIPANT, nickname: str = "J", active: bool = True
) -> int:
    """An enrollment through the real invite (and JOIN, when active)."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        enrollment_id = enrollments.invite(
            conn,
            vault=ctx.vault,
            wording=Wording.from_settings(ctx.settings),
            now=now,
            staff_id=staff_id,
            e164=phone,
            nickname=nickname,
            plan=enrollments.Plan.of("18:00", None, "America/New_York", 60),
        )
        if active:
            row = conn.execute(
                select(Enrollment.__table__).where(Enrollment.__table__.c.id == enrollment_id)
            ).one()
            enrollments.activate(conn, row, now)
    return enrollment_id


def make_alert(ctx: AppContext, enrollment_id: int, kind: str = "no_reply", minutes_ago: int = 0) -> int:
    """An alert as the worker raises it; a no-reply one hangs off a check-in scheduled at 18:00 local."""
    now = ctx.clock.now() - timedelta(minutes=minutes_ago)
    checkin = Checkin.__table__
    with ctx.db.transaction() as conn:
        checkin_id = None
        if kind in ("no_reply", "unreachable"):
            # 18:00 in New York (23:00 UTC before the DST change), one day earlier per minute ago (unique).
            scheduled = datetime(2026, 3, 3, 23, 0, tzinfo=now.tzinfo) - timedelta(days=minutes_ago)
            checkin_id = conn.execute(
                checkin.insert()
                .values(
                    enrollment_id=enrollment_id, scheduled_for=scheduled, created_at=now, status="no_reply"
                )
                .returning(checkin.c.id)
            ).scalar_one()
        alert_id = alerts.raise_alert(
            conn,
            Wording.from_settings(ctx.settings),
            now,
            kind=kind,
            dedupe_key=f"test:{enrollment_id}:{kind}:{minutes_ago}",
            enrollment_id=enrollment_id,
            checkin_id=checkin_id,
        )
    assert alert_id is not None
    return alert_id


def audit_rows(ctx: AppContext, action: str | None = None) -> list:
    table = AuditLog.__table__
    query = select(table).order_by(table.c.id)
    if action:
        query = query.where(table.c.action == action)
    with ctx.db.transaction() as conn:
        return conn.execute(query).all()

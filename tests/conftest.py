"""Shared fixtures: a migrated database (SQLite always, PostgreSQL when it answers), a frozen clock,
the app, and `sms()` — a correctly signed text into /twilio/sms, the reply text out.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from smsbot import migrate
from smsbot.clock import FrozenClock
from smsbot.config import Settings, reset_settings
from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.privacy import PhoneVault

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PUBLIC_URL = "https://smsbot.test"
AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+15550001111"
TEXTER = "+15555550123"
START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

TEST_ENV = {
    "SMSBOT_ENV": "test",
    "SMSBOT_PUBLIC_URL": PUBLIC_URL,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_FROM_NUMBER": OUR_NUMBER,
    "SMSBOT_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "SMSBOT_SENDER": "console",
    "SMSBOT_PROGRAM_NAME": "Harm Reduction Text Line",
    "SMSBOT_HELP_CONTACT": "call 434-555-0100",
}


def _postgres_base_url() -> str | None:
    url = os.environ.get("SMSBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception:
        return None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()  # closing the last connection folds the WAL back into the file
    return path


@pytest.fixture(scope="session")
def _postgres_schema_url() -> Iterator[str | None]:
    """A private schema for this pytest run, migrated once, dropped at the end."""
    base = _postgres_base_url()
    if base is None:
        yield None
        return
    schema = f"smsbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    database = Database(url)
    migrate.upgrade(database)
    database.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            # The audit log refuses TRUNCATE (a trigger): tests reset it as a superuser with triggers off.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, migrated database: every db test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "smsbot.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_postgres_schema_url")
    if url is None:
        if os.environ.get("SMSBOT_TEST_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL must be reachable (SMSBOT_TEST_REQUIRE_POSTGRES is set)")
        pytest.skip("PostgreSQL is not reachable")
    _truncate_all(url)
    return url


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for name, value in {**TEST_ENV, "DATABASE_URL": database_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(
        Path(database_url.removeprefix("sqlite:///")).parent if "sqlite" in database_url else REPO_ROOT
    )
    current = Settings(_env_file=None)
    reset_settings(current)
    yield current
    reset_settings(None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def ctx(settings: Settings, clock: FrozenClock) -> Iterator[AppContext]:
    context = AppContext(
        settings=settings,
        db=Database(settings.database_url),
        vault=PhoneVault.from_master(settings.master_key),
        clock=clock,
    )
    yield context
    context.db.dispose()


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    from smsbot.app import create_app

    with TestClient(create_app(ctx), base_url="http://testserver") as test_client:
        yield test_client


def sign(url: str, params: dict[str, str] | list[tuple[str, str]]) -> str:
    """The X-Twilio-Signature Twilio would send for this form at this URL."""
    return RequestValidator(AUTH_TOKEN).compute_signature(url, params)


def twiml_messages(xml: str) -> list[str]:
    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return [(element.text or "") for element in root.iter("Message")]


@pytest.fixture
def post_sms(client: TestClient) -> Callable[..., object]:
    """Post a signed inbound text; returns the raw response."""

    def post(body: str, from_: str = TEXTER, sid: str | None = None, **extra: str):
        params = {
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
            "AccountSid": ACCOUNT_SID,
            "From": from_,
            "To": OUR_NUMBER,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        return client.post(
            "/twilio/sms",
            data=params,
            headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", params)},
        )

    return post


@pytest.fixture
def sms(post_sms: Callable[..., object]) -> Callable[..., str | None]:
    """Text the line as a texter would; returns the reply text, or None when the line stays silent."""

    def send(body: str, from_: str = TEXTER, sid: str | None = None) -> str | None:
        response = post_sms(body, from_=from_, sid=sid)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        messages = twiml_messages(response.text)
        assert len(messages) <= 1, "one text in, at most one text back"
        return messages[0] if messages else None

    return send


def second_factor_on(ctx: AppContext, staff_id: int) -> None:
    """Mark an account's authenticator app as set up (an admin's API token works only then)."""
    from sqlalchemy import update

    from smsbot.models import Staff

    with ctx.db.transaction() as conn:
        table = Staff.__table__
        conn.execute(update(table).where(table.c.id == staff_id).values(totp_confirmed_at=ctx.clock.now()))


@pytest.fixture
def staff_token(ctx: AppContext) -> Callable[..., str]:
    """Create a staff account and return its bearer token."""
    from smsbot.staff.service import create_staff

    def make(role: str = "peer", name: str = "Pat Peer", phone: str | None = None) -> str:
        created = create_staff(ctx, name, role, phone)
        if role == "admin":
            second_factor_on(ctx, created.staff_id)
        return created.token

    return make


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total

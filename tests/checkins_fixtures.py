"""Fixtures and helpers for the check-in tests: the fake Twilio, a worker that sends to it, the API.

Import the fixtures into a test module with `from tests.checkins_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from smsbot.clock import FrozenClock, parse_iso
from smsbot.context import AppContext
from smsbot.models import Alert, Checkin, Enrollment, OutboxMessage
from smsbot.outbound.pacing import NoPacing
from smsbot.outbound.senders import TwilioSender
from smsbot.worker.tick import TickReport, Worker
from tests.conftest import ACCOUNT_SID, PUBLIC_URL, sign
from tests.fake_twilio import FakeTwilio, Received

PARTICIPANT = "+15555550123"
PEER_PHONE = "+15555550177"
ON_CALL_PHONE = "+15555550188"
PROGRAM = "Harm Reduction Text Line"

__all__ = [
    "Peer",
    "callback",
    "enroll",
    "fake",
    "peer",
    "rows",
    "run_tick",
    "worker",
    "PARTICIPANT",
    "PEER_PHONE",
    "ON_CALL_PHONE",
]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def twilio_settings(ctx: AppContext, fake_twilio: FakeTwilio):
    return ctx.settings.model_copy(
        update={"sender": "twilio", "twilio_api_base_url": fake_twilio.base_url, "send_rate": 0.0}
    )


@pytest.fixture
def worker(ctx: AppContext, fake: FakeTwilio) -> Worker:
    """The real worker, sending through the twilio client to the fake (no pacing: tests are fast)."""
    return Worker(ctx, sender=TwilioSender(twilio_settings(ctx, fake)), pacer=NoPacing())


def run_tick(worker: Worker, clock: FrozenClock, at: str | datetime | None = None) -> TickReport:
    if at is not None:
        clock.set(parse_iso(at) if isinstance(at, str) else at)
    return worker.tick()


@dataclass
class Peer:
    id: int
    token: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.client.patch(path, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(path, headers=self.headers, **kwargs)


@pytest.fixture
def peer(ctx: AppContext, client: TestClient) -> Callable[..., Peer]:
    """Make a staff account (peer by default) with an alert phone; returns an API handle for it."""
    from smsbot.actor import Actor
    from smsbot.staff.service import create_staff, set_on_call

    def make(
        name: str = "Jamie Rivera", phone: str | None = PEER_PHONE, role: str = "peer", on_call=False
    ) -> Peer:
        created = create_staff(ctx, name, role, phone)
        if role == "admin":
            from tests.conftest import second_factor_on

            second_factor_on(ctx, created.staff_id)
        if on_call:
            with ctx.db.transaction() as conn:
                set_on_call(conn, Actor.command_line(), ctx.clock.now(), created.staff_id, True)
        return Peer(created.staff_id, created.token, client)

    return make


def enroll(who: Peer, phone: str = PARTICIPANT, **fields) -> dict:
    body = {"phone": phone, "nickname": "J", "time": "18:00", "timezone": "America/New_York", **fields}
    response = who.post("/api/enrollments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def rows(ctx: AppContext, model, *where) -> list:
    table = model.__table__
    with ctx.db.transaction() as conn:
        order = table.c.id if "id" in table.c else list(table.primary_key)[0]
        return conn.execute(select(table).where(*where).order_by(order)).all()


MODELS = {"alert": Alert, "checkin": Checkin, "enrollment": Enrollment, "outbox": OutboxMessage}


def callback(client: TestClient, message: Received, status: str, **extra: str):
    """The signed delivery status callback Twilio would post for `message` (ErrorCode=... in `extra`),
    to the StatusCallback URL the message was sent with."""
    url = message.status_callback or PUBLIC_URL + "/twilio/status"
    params = {"MessageSid": message.sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, **extra}
    return client.post(
        url.removeprefix(PUBLIC_URL), data=params, headers={"X-Twilio-Signature": sign(url, params)}
    )

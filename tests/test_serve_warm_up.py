"""A web process's start-up (`smsbot serve` runs `smsbot.app:serve_app`): the warm-up on made-up texts
writes nothing and counts nothing, a database that does not answer yet does not stop the start, and
every request carries an id of its own."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.inbound.warm_up import warm_up
from smsbot.models import Contact, InboundCounter, InboundMessage

TABLES = (Contact.__table__, InboundMessage.__table__, InboundCounter.__table__)


def _rows(ctx: AppContext) -> list[int]:
    with ctx.db.transaction() as conn:
        return [conn.execute(select(func.count()).select_from(table)).scalar_one() for table in TABLES]


def _counted() -> float:
    """Every inbound text, reply and flood this process has counted in /metrics."""
    total = 0.0
    for family in REGISTRY.collect():
        if family.name.startswith(("smsbot_inbound", "smsbot_replies")):
            total += sum(sample.value for sample in family.samples if sample.name.endswith("_total"))
    return total


def test_the_warm_up_writes_nothing_and_counts_nothing_then_texts_are_answered(ctx, sms):
    rows, counted = _rows(ctx), _counted()
    warm_up(ctx)
    assert _rows(ctx) == rows == [0, 0, 0]
    assert _counted() == counted
    reply = sms("NALOXONE")
    assert reply and "naloxone" in reply.lower()
    assert _rows(ctx)[:2] == [1, 1]  # the texter and the text: the warm-up left nothing in the way


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_that_does_not_answer_yet_does_not_stop_the_start(settings, clock):
    nowhere = Database("postgresql+psycopg://smsbot@127.0.0.1:9/nothing_listens_here")
    down = AppContext(settings=settings, db=nowhere, vault=None, clock=clock)  # type: ignore[arg-type]
    try:
        assert warm_up(down) >= 0  # returns (the first text will get its 503 the usual way)
    finally:
        nowhere.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_request_gets_an_id_of_its_own_and_a_plain_caller_id_is_kept(client):
    first, second = (client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert first != second
    assert client.get("/healthz", headers={"X-Request-Id": "lb-77"}).headers["x-request-id"] == "lb-77"

"""Twilio's fallback URL answers a fixed safe reply (911, 988, SAMHSA), with the database up or down;
/twilio/sms with the database down answers 503 with Retry-After, and works again when it returns.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from smsbot.app import create_app
from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.models import InboundMessage
from tests.conftest import ACCOUNT_SID, OUR_NUMBER, PUBLIC_URL, TEXTER, sign, twiml_messages

SAMHSA = "1-800-662-4357"


def _form(body: str, from_: str = TEXTER, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
    }


def _post(client: TestClient, path: str, params: dict[str, str], signature: str | None = None):
    signature = signature if signature is not None else sign(PUBLIC_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def _fallback_reply(client: TestClient, params: dict[str, str]) -> str | None:
    response = _post(client, "/twilio/fallback", params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    messages = twiml_messages(response.text)
    assert len(messages) <= 1
    return messages[0] if messages else None


def _assert_safe(reply: str | None) -> None:
    assert reply is not None
    for needed in ("911", "988", SAMHSA):
        assert needed in reply


@pytest.fixture(params=["sqlite_dir_removed", "postgres_port_closed"])
def down_ctx(request: pytest.FixtureRequest, ctx: AppContext, tmp_path: Path) -> AppContext:
    """The app's context with a database that cannot be reached (nothing global is stopped)."""
    if request.param == "sqlite_dir_removed":
        gone = tmp_path / "gone"
        gone.mkdir()
        url = f"sqlite:///{gone / 'smsbot.db'}"
        gone.rmdir()
    else:
        url = "postgresql+psycopg://smsbot@127.0.0.1:9/smsbot?connect_timeout=2"  # port 9: nothing listens
    down = AppContext(settings=ctx.settings, db=Database(url), vault=ctx.vault, clock=ctx.clock)
    yield down
    down.db.dispose()


def test_the_fallback_answers_the_safe_reply_with_the_database_down(down_ctx, caplog):
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(down_ctx)) as client:
        assert client.get("/readyz").status_code == 503
        reply = _fallback_reply(client, _form("where can I get narcan near 22902"))
        _assert_safe(reply)
        assert "Sorry" in reply
        spanish = _fallback_reply(client, _form("necesito ayuda, donde consigo naloxona"))
        _assert_safe(spanish)
        assert "llama" in spanish
        metrics = client.get("/metrics").text
    assert 'smsbot_fallback_texts_total{result="not_recorded"}' in metrics
    for record in caplog.records:  # neither the number nor the words reach a log line
        assert TEXTER not in record.getMessage() and "narcan" not in record.getMessage()


def test_a_text_with_the_database_down_is_503_with_retry_after_and_normal_when_it_returns(
    ctx, tmp_path, request
):
    if not ctx.db.is_sqlite:
        pytest.skip("the database is brought back by copying a SQLite file")
    gone = tmp_path / "down"
    gone.mkdir()
    path = gone / "smsbot.db"
    gone.rmdir()
    down = AppContext(
        settings=ctx.settings, db=Database(f"sqlite:///{path}"), vault=ctx.vault, clock=ctx.clock
    )
    with TestClient(create_app(down)) as client:
        params = _form("naloxone")
        response = _post(client, "/twilio/sms", params)
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
        assert TEXTER not in response.text and "naloxone" not in response.text.lower()
        # The database comes back: the same text, redelivered by Twilio, is answered normally once.
        gone.mkdir()
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        again = _post(client, "/twilio/sms", params)
        assert again.status_code == 200
        assert "Naloxone" in twiml_messages(again.text)[0]
        assert twiml_messages(_post(client, "/twilio/sms", params).text) == []
    down.db.dispose()


def test_a_text_with_postgres_unreachable_is_503_with_retry_after(ctx):
    url = "postgresql+psycopg://smsbot@127.0.0.1:9/smsbot?connect_timeout=2"
    down = AppContext(settings=ctx.settings, db=Database(url), vault=ctx.vault, clock=ctx.clock)
    with TestClient(create_app(down)) as client:
        response = _post(client, "/twilio/sms", _form("naloxone"))
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
    down.db.dispose()


def test_the_fallback_records_the_message_sid_but_never_the_text(client, ctx):
    params = _form("my friend took something and I am scared", sid="SMfallback0000000000000000000001")
    _assert_safe(_fallback_reply(client, params))
    _assert_safe(_fallback_reply(client, params))  # redelivered: still answered, still one row
    table = InboundMessage.__table__
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(table).where(table.c.message_sid == params["MessageSid"])).all()
    assert [(row.intent, row.contact_id) for row in rows] == [("fallback", None)]
    assert 'smsbot_fallback_texts_total{result="recorded"}' in client.get("/metrics").text


def test_the_fallback_sends_nothing_after_stop_or_to_an_opted_out_number(client, sms):
    assert _fallback_reply(client, _form("STOP")) is None
    assert _fallback_reply(client, _form("baja")) is None
    other = "+15555550188"
    sms("STOP", from_=other)
    assert _fallback_reply(client, _form("hello?", from_=other)) is None
    _assert_safe(_fallback_reply(client, _form("hello?")))


def test_the_fallback_checks_the_signature_like_the_webhook(client, ctx):
    params = _form("naloxone")
    forged = _post(client, "/twilio/fallback", params, signature=sign(PUBLIC_URL + "/twilio/sms", params))
    assert forged.status_code == 403
    assert _post(client, "/twilio/fallback", {**params, "MessageSid": ""}).status_code == 422
    table = InboundMessage.__table__
    with ctx.db.transaction() as conn:
        assert conn.execute(select(table.c.id)).all() == []


def test_production_log_lines_are_json_with_the_request_id_and_no_number_or_text(down_ctx):
    import io
    import json

    from smsbot.observability import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("smsbot")
    logger.addHandler(handler)
    try:
        with TestClient(create_app(down_ctx)) as client:
            response = _post(client, "/twilio/sms", _form("naloxone please, my number is 434-555-0199"))
            assert response.status_code == 503
            chosen = client.get("/healthz", headers={"X-Request-Id": "lb-1234"})
            forged = client.get("/healthz", headers={"X-Request-Id": "+15555550123 <script>"})
    finally:
        logger.removeHandler(handler)
    assert chosen.headers["x-request-id"] == "lb-1234"
    assert forged.headers["x-request-id"] != "+15555550123 <script>"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [line for line in lines if line["message"].startswith("inbound text not handled")]
    assert failed and failed[0]["request_id"] == response.headers["x-request-id"]
    assert failed[0]["level"] == "ERROR"
    for line in stream.getvalue().splitlines():
        assert TEXTER not in line and "naloxone" not in line and "0199" not in line

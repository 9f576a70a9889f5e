"""The webhook's edges: signatures, methods, sizes, content types, redelivery, senders we never answer."""

from __future__ import annotations

import logging
import threading
import uuid
from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.testclient import TestClient

from smsbot.models import Contact, InboundMessage
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, PUBLIC_URL, TEXTER, sign, twiml_messages


def _count(ctx, table) -> int:
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).select_from(table.__table__)).scalar_one()


def _form(body: str = "naloxone", sid: str | None = None, from_: str = TEXTER) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def test_signed_text_gets_twiml_with_one_message(sms, post_sms):
    response = post_sms("hi")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert len(twiml_messages(response.text)) == 1


def test_forged_signature_is_refused_and_nothing_is_stored(client: TestClient, ctx):
    form = _form()
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": "forged="})
    assert response.status_code == 403
    assert "signature" in response.text
    assert _count(ctx, InboundMessage) == 0
    assert _count(ctx, Contact) == 0


def test_missing_signature_is_refused(client: TestClient, ctx):
    assert client.post("/twilio/sms", data=_form()).status_code == 403
    assert _count(ctx, InboundMessage) == 0


def test_signature_for_another_url_is_refused(client: TestClient, ctx):
    form = _form()
    # Signed for the Host the request came to, not for SMSBOT_PUBLIC_URL: must not pass.
    wrong = sign("http://testserver/twilio/sms", form)
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": wrong})
    assert response.status_code == 403
    forwarded = client.post(
        "/twilio/sms",
        data=form,
        headers={"X-Twilio-Signature": wrong, "X-Forwarded-Host": "testserver", "X-Forwarded-Proto": "http"},
    )
    assert forwarded.status_code == 403
    assert _count(ctx, InboundMessage) == 0


def test_tampered_body_is_refused(client: TestClient):
    form = _form("naloxone")
    signature = sign(PUBLIC_URL + "/twilio/sms", form)
    response = client.post(
        "/twilio/sms", data={**form, "Body": "STOP"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_repeated_and_blank_fields_are_signed_as_received(client: TestClient, ctx):
    # Twilio signs every key/value pair, including repeats and blanks: the validator must see them all.
    pairs = [*_form("hi").items(), ("MediaUrl0", ""), ("Extra", "a"), ("Extra", "b")]
    signature = RequestValidatorSignature.compute(pairs)
    response = client.post(
        "/twilio/sms",
        content=urlencode(pairs).encode(),
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert _count(ctx, InboundMessage) == 1


class RequestValidatorSignature:
    @staticmethod
    def compute(pairs: list[tuple[str, str]]) -> str:
        from starlette.datastructures import ImmutableMultiDict
        from twilio.request_validator import RequestValidator

        return RequestValidator(AUTH_TOKEN).compute_signature(
            PUBLIC_URL + "/twilio/sms", ImmutableMultiDict(pairs)
        )


def test_get_is_405(client: TestClient):
    response = client.get("/twilio/sms")
    assert response.status_code == 405


def test_json_is_415(client: TestClient, ctx):
    response = client.post("/twilio/sms", json=_form())
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.text
    assert _count(ctx, InboundMessage) == 0


def test_oversized_body_is_413(client: TestClient, ctx):
    form = _form("x" * (70 * 1024))
    response = client.post(
        "/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
    )
    assert response.status_code == 413
    assert _count(ctx, InboundMessage) == 0


def test_missing_fields_is_422(client: TestClient):
    form = {"Body": "hi"}
    response = client.post(
        "/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
    )
    assert response.status_code == 422
    assert "MessageSid" in response.text


def test_long_body_is_cut_and_still_answered(sms):
    assert sms("narcan " + "blah " * 1000) is not None


def test_same_message_sid_has_one_effect(sms, ctx):
    sid = f"SM{uuid.uuid4().hex}"
    first = sms("STOP", sid=sid)
    assert first is not None  # the one opt-out confirmation
    for _ in range(9):
        assert sms("STOP", sid=sid) is None
    assert _count(ctx, InboundMessage) == 1


def test_ten_concurrent_deliveries_have_one_effect(post_sms, ctx):
    sid = f"SM{uuid.uuid4().hex}"
    replies: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            response = post_sms("hi", sid=sid)
            assert response.status_code == 200
            replies.append(len(twiml_messages(response.text)))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _count(ctx, InboundMessage) == 1
    assert sorted(replies) == [0] * 9 + [1]
    assert _count(ctx, Contact) == 1


def test_short_codes_alphanumeric_and_our_own_number_get_no_reply(sms, ctx):
    assert sms("hi", from_="12345") is None
    assert sms("hi", from_="ACMEBANK") is None
    assert sms("hi", from_=OUR_NUMBER) is None
    assert _count(ctx, Contact) == 0


def test_flooding_number_stops_getting_information_but_stop_is_honoured(sms, clock, settings):
    limit = settings.rate_limit_per_minute
    answered = [sms("naloxone") is not None for _ in range(limit + 2)]
    assert answered[:limit] == [True] * limit
    assert answered[limit:] == [False, False]
    assert sms("zzzz qqqq") is None  # unrecognised is information too
    assert sms("STOP") is not None  # opt-out always goes through and is confirmed
    clock.advance(minutes=2)
    assert sms("naloxone") is None  # opted out now: no replies at all


def test_day_limit(sms, clock, settings):
    limit = settings.rate_limit_per_day
    replies = []
    for _ in range(limit + 1):
        replies.append(sms("narcan"))
        clock.advance(minutes=1)
    assert all(reply is not None for reply in replies[:limit])
    assert replies[limit] is None


def test_no_phone_number_or_text_in_logs(sms, caplog):
    caplog.set_level(logging.DEBUG)
    sms("my friend needs narcan near 22902 call me at 555-0199")
    for record in caplog.records:
        message = record.getMessage()
        assert "5555550123" not in message and "555-0199" not in message and "22902" not in message


def test_phone_number_never_stored_in_plain_text(sms, ctx):
    sms("hi")
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(Contact.__table__)).mappings().all()
    assert rows
    for row in rows:
        for value in row.values():
            assert "5555550123" not in str(value)


def test_database_down_is_503_not_500(client: TestClient, ctx, monkeypatch):
    from smsbot.inbound import webhook

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(webhook, "handle_text", broken)
    form = _form()
    response = client.post(
        "/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
    )
    assert response.status_code == 503


def test_health_and_readiness(client: TestClient):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").text == "ready"


def test_metrics_carry_no_personal_data(sms, client: TestClient):
    sms("narcan 22902")
    body = client.get("/metrics").text
    assert "smsbot_inbound_texts_total" in body
    assert (
        "5555550123" not in body
        and "22902" not in body
        and "narcan" not in body.lower().replace("naloxone", "")
    )


def test_message_sid_longer_than_the_column_is_422_with_a_reason(client: TestClient, ctx):
    form = _form(sid="SM" + "a" * 200)
    response = client.post(
        "/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", form)}
    )
    assert response.status_code == 422
    assert "MessageSid" in response.text
    assert _count(ctx, InboundMessage) == 0


def test_whatsapp_sender_is_answered_as_its_own_texter(sms, ctx):
    whatsapp = "whatsapp:" + TEXTER
    assert sms("naloxone", from_=whatsapp)
    assert sms("STOP", from_=whatsapp)
    assert sms("naloxone", from_=whatsapp) is None
    assert sms("naloxone")  # the same phone on SMS did not opt out
    with ctx.db.transaction() as conn:
        indexes = set(conn.execute(select(Contact.__table__.c.phone_index)).scalars())
    assert indexes == {ctx.vault.index(whatsapp), ctx.vault.index(TEXTER)}


def test_other_channels_are_answered_and_unknown_ones_recorded(sms, ctx):
    assert sms("menu", from_="messenger:1234567890123")
    assert sms("menu", from_="rcs:" + TEXTER)
    assert sms("menu", from_="carrierpigeon:+15555550124") is None
    assert sms("menu", from_="whatsapp:" + OUR_NUMBER) is None  # never ourselves
    assert _count(ctx, InboundMessage) == 4
    assert _count(ctx, Contact) == 2

"""PostgreSQL at full speed, proven: round trips per text counted on the wire, and a connection lost
before, between or during texts never leaves a text half-written or the line down."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from smsbot.context import AppContext
from smsbot.inbound import postgres_batch
from smsbot.models import InboundMessage
from tests import pg_proxy
from tests.conftest import metric_value, twiml_messages
from tests.pg_proxy import RoundTripProxy

NEW_TEXTER = "+15555550177"
# Round trips to a database server: PostgreSQL only (SQLite runs in the process).
pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
proxy, ctx = pg_proxy.proxy, pg_proxy.ctx  # fixtures: the app reaches PostgreSQL through the proxy


def _stored(ctx: AppContext, sid: str) -> int:
    table = InboundMessage.__table__
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).where(table.c.message_sid == sid)).scalar_one()


def _round_trips(proxy: RoundTripProxy, send, *args, **kwargs):
    proxy.reset()
    reply = send(*args, **kwargs)
    return proxy.round_trips, reply


@pytest.mark.parametrize(
    "body",
    [
        "NALOXONE",
        "MORE",
        "SITES",
        "HEART",
        "narcan",
        "MENU",
        "hey can someone help my friend tonight",
        "zzzz qqqq",
    ],
)
def test_an_information_text_takes_two_round_trips(sms, proxy, body):
    sms("NALOXONE")  # the connection is open and its statements prepared
    trips, reply = _round_trips(proxy, sms, body)
    assert reply is not None
    assert trips == 2


def test_a_first_text_from_a_new_number_takes_two_round_trips(sms, proxy):
    sms("NALOXONE")
    trips, reply = _round_trips(proxy, sms, "NALOXONE", from_=NEW_TEXTER)
    assert reply is not None and trips == 2


def test_help_counts_as_urgent_without_another_round_trip(sms, proxy):
    sms("NALOXONE")
    trips, reply = _round_trips(proxy, sms, "HELP")
    assert reply is not None and trips == 2


def test_a_flooding_number_is_told_nothing_in_two_round_trips(sms, proxy, settings):
    for _ in range(settings.rate_limit_per_minute):
        assert sms("naloxone") is not None
    trips, reply = _round_trips(proxy, sms, "naloxone")
    assert reply is None and trips == 2


def test_a_redelivered_text_takes_two_round_trips_and_has_no_effect(sms, proxy, ctx):
    sid = f"SM{uuid.uuid4().hex}"
    assert sms("NALOXONE", sid=sid) is not None
    trips, reply = _round_trips(proxy, sms, "NALOXONE", sid=sid)
    assert reply is None and trips == 2
    assert _stored(ctx, sid) == 1


def test_a_server_restart_between_texts_costs_no_text(sms, proxy):
    assert sms("NALOXONE") is not None
    proxy.cut()  # every open connection is gone, as after a restart
    assert sms("HEART") is not None


def test_a_connection_lost_between_the_round_trips_writes_nothing(post_sms, proxy, ctx):
    sms_sid = f"SM{uuid.uuid4().hex}"
    assert post_sms("NALOXONE").status_code == 200
    proxy.reset()
    proxy.cut_at = 2  # the writes and COMMIT never reach the server
    lost = post_sms("HEART", sid=sms_sid)
    assert lost.status_code == 503 and lost.headers["retry-after"].isdigit()
    proxy.cut_at = None
    assert _stored(ctx, sms_sid) == 0  # the MessageSid row of round trip 1 was rolled back
    again = post_sms("HEART", sid=sms_sid)  # Twilio delivers it again: answered, once
    assert again.status_code == 200 and len(twiml_messages(again.text)) == 1
    assert _stored(ctx, sms_sid) == 1


def test_postgres_down_is_503_then_normal_when_it_returns(post_sms, proxy):
    assert post_sms("NALOXONE").status_code == 200
    proxy.refuse = True
    proxy.cut()
    sid = f"SM{uuid.uuid4().hex}"
    down = post_sms("NALOXONE", sid=sid)
    assert down.status_code == 503 and down.headers["retry-after"].isdigit()
    proxy.refuse = False
    back = post_sms("NALOXONE", sid=sid)
    assert back.status_code == 200 and len(twiml_messages(back.text)) == 1


def _counted(client, name: str, **labels: str) -> float:
    return metric_value(client.get("/metrics").text, name, **labels)


def test_a_batch_handled_again_text_by_text_counts_each_text_once(sms, client, monkeypatch):
    sms("NALOXONE")
    before = _counted(client, "smsbot_inbound_texts_total", intent="heart")
    replies_before = _counted(client, "smsbot_replies_total", result="message", reason="")

    def commit_fails(batch):
        raise RuntimeError("the batch's COMMIT failed")

    # The batch rolls back after its handler ran; the text is then handled again alone, and answered.
    monkeypatch.setattr(postgres_batch.PostgresBatch, "commit", commit_fails)
    assert sms("HEART") is not None
    assert _counted(client, "smsbot_inbound_texts_total", intent="heart") == before + 1
    assert _counted(client, "smsbot_replies_total", result="message", reason="") == replies_before + 1

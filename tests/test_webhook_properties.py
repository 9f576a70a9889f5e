"""Property tests over /twilio/sms: whatever a texter sends (any Unicode, any length, emoji, control
characters, keywords buried in noise), the answer is 200, well-formed TwiML, at most one <Message>
within the segment budget, and never the texter's own words. Bounded and derandomized for CI.
"""

from __future__ import annotations

import itertools
import uuid
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbot.replies.segments import segment_info
from tests.conftest import ACCOUNT_SID, OUR_NUMBER, PUBLIC_URL, sign

# Fixed examples (derandomize), no example database, no deadline: the same run on every machine.
BOUNDED = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MAX_SEGMENTS = 3  # a list of services (English) and Spanish with accents; everything else is less

# Everything that can travel in a UTF-8 form: all planes, control characters included (no lone surrogates).
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
CONTROL = st.sampled_from(["\x00", "\x07", "\x1b", "\r", "\n", "\t", "\u200b", "\u202e", "\ufeff", "\x7f"])
WORDS = st.sampled_from(
    [
        "naloxone", "NALOXONA", "stop", "STOP ALERTS", "help", "ayuda", "join", "ok", "CALL", "more", "sites",
        "22902", "tiras", "español", "english", "menu", "forget", "start", "he is not breathing", "988",
        "quiero dejar", "I can't stop using", "wounds", "report", "alerts 22902",
    ]
)  # fmt: skip
NOISY_TEXT = st.lists(st.one_of(WORDS, EMOJI, CONTROL, st.text(ANY_CHARACTER, max_size=12)), max_size=12).map(
    " ".join
)
ANY_TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=200),
    st.text(ANY_CHARACTER, min_size=1500, max_size=2500),  # past Twilio's 1,600 characters
    st.text(st.one_of(EMOJI, CONTROL), max_size=80),
    NOISY_TEXT,
)


@pytest.fixture
def texter_numbers():
    """A new number per example: one texter's flood limit would otherwise silence the rest."""
    return (f"+1555{n:07d}" for n in itertools.count(2000000))


def _post(client, body: str, from_: str):
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign(PUBLIC_URL + "/twilio/sms", params)
    return client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})


def _check_answer(response, body: str) -> str | None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)  # well-formed, or this raises
    assert root.tag == "Response"
    messages = list(root.iter("Message"))
    assert len(messages) <= 1, "one text in, at most one text back"
    if not messages:
        return None
    reply = messages[0].text or ""
    assert reply.strip(), "a <Message> is never empty"
    assert segment_info(reply).segments <= MAX_SEGMENTS, reply
    words = body.strip()
    if len(words) >= 16:
        assert words not in reply, "nothing from the texter is echoed back"
    return reply


@BOUNDED
@given(body=ANY_TEXT)
def test_any_text_gets_200_and_at_most_one_reply_within_budget(client, texter_numbers, body):
    _check_answer(_post(client, body, next(texter_numbers)), body)


@BOUNDED
@given(bodies=st.lists(NOISY_TEXT, min_size=2, max_size=5))
def test_a_conversation_of_any_texts_stays_within_the_rules(client, texter_numbers, bodies):
    texter = next(texter_numbers)
    for body in bodies:  # state carries over: a ZIP question, a language, a check-in, an opt-out
        _check_answer(_post(client, body, texter), body)


@settings(BOUNDED, max_examples=50)
@given(body=ANY_TEXT)
def test_the_fallback_url_answers_any_text_with_the_safe_reply_or_nothing(client, texter_numbers, body):
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "From": next(texter_numbers),
        "To": OUR_NUMBER,
        "Body": body,
    }
    signature = sign(PUBLIC_URL + "/twilio/fallback", params)
    response = client.post("/twilio/fallback", data=params, headers={"X-Twilio-Signature": signature})
    reply = _check_answer(response, body)
    assert reply is None or ("911" in reply and "988" in reply)

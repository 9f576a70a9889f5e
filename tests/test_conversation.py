"""Conversations through the real webhook: signed texts in, TwiML out, as a texter would see them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smsbot.models import Contact, InboundMessage, Suppression
from smsbot.replies.segments import segment_info

ENGLISH_KEYWORDS = ["naloxone", "teststrips", "heart", "treatment", "menu", "help", "sites"]
SPANISH_KEYWORDS = ["naloxona", "tiras", "corazon", "tratamiento", "ayuda", "sitios"]


@pytest.fixture
def sms(sms, clock):
    """A texter at a human pace (one text every 15 s), well under the per-number flood limit."""

    def send(body: str, **kwargs):
        clock.advance(seconds=15)
        return sms(body, **kwargs)

    return send


def _rows(ctx, table, *where) -> int:
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).select_from(table.__table__).where(*where)).scalar_one()


@pytest.mark.parametrize("keyword", ENGLISH_KEYWORDS)
def test_every_english_keyword_gets_a_short_gsm_answer(sms, keyword):
    reply = sms(keyword)
    assert reply
    info = segment_info(reply)
    assert info.encoding == "GSM-7", reply
    assert info.segments <= 2


@pytest.mark.parametrize("keyword", SPANISH_KEYWORDS)
def test_spanish_keywords_answer_in_spanish_within_three_segments(sms, keyword):
    english = sms("menu", from_="+15555550999")
    reply = sms(keyword)
    assert reply and reply != english
    assert segment_info(reply).segments <= 3


def test_spanish_keyword_sets_the_language_until_english(sms):
    english_menu = sms("menu")
    sms("naloxona")
    spanish_menu = sms("menu")
    assert spanish_menu != english_menu
    sms("english")
    assert sms("menu") == english_menu


def test_espanol_switches_language(sms):
    english_menu = sms("hi")
    switched = sms("ESPAÑOL")
    assert switched and switched != english_menu
    assert sms("menu") != english_menu


def test_help_names_program_contact_stop_rates_and_911(sms):
    reply = sms("HELP")
    for needed in ("Harm Reduction Text Line", "434-555-0100", "STOP", "Msg&data rates may apply", "911"):
        assert needed in reply


def test_stop_opts_out_of_everything_and_start_opts_back_in(sms, ctx):
    assert sms("narcan")
    confirmation = sms("STOP")
    assert confirmation and "START" in confirmation
    assert sms("narcan") is None
    assert sms("HELP") is None
    assert sms("STOP") is None  # one confirmation is enough
    assert _rows(ctx, Suppression) == 1
    assert sms("START")
    assert sms("narcan")
    assert _rows(ctx, Suppression) == 0


@pytest.mark.parametrize("text", ["I can't stop using", "can I stop by the site?", "when does it end"])
def test_everyday_sentences_with_stop_words_do_not_opt_out(sms, ctx, text):
    sms(text)
    assert _rows(ctx, Suppression) == 0
    assert sms("narcan")


def test_overdose_gets_911_before_the_naloxone_steps(sms):
    reply = sms("my friend is not breathing")
    assert "911" in reply
    lowered = reply.lower()
    assert lowered.index("911") < lowered.index("nostril")


def test_distress_gets_988_first(sms):
    reply = sms("i want to kill myself")
    assert "988" in reply
    assert reply.index("988") < (reply.index("911") if "911" in reply else len(reply))


def test_more_walks_through_a_topic_then_says_it_is_done(sms):
    first = sms("naloxone")
    second = sms("MORE")
    third = sms("MORE")
    assert len({first, second, third}) == 3
    assert "ZIP" in third
    done = sms("MORE")
    assert done not in (first, second, third)
    assert sms("MORE") == sms("MORE")  # nothing left to continue: the same short answer


def test_more_forgets_after_thirty_minutes(sms, clock):
    sms("teststrips")
    clock.advance(minutes=31)
    stale = sms("MORE")
    fresh_start = sms("teststrips")
    continued = sms("MORE")
    assert stale != continued
    assert continued != fresh_start


def test_unrecognised_text_gets_the_menu_once_a_day(sms, clock):
    menu = sms("menu")
    assert sms("asdfgh qwerty") == menu
    assert sms("zzzz yyyy") is None
    clock.advance(days=1)
    assert sms("zzzz yyyy") == menu


def test_the_line_never_echoes_the_texter(sms):
    for text in ["purple-elephant-42 narcan", "xq7 purple-elephant-42", "STOPX purple-elephant-42"]:
        reply = sms(text) or ""
        assert "purple-elephant-42" not in reply


def test_keyword_text_bodies_are_not_stored(sms, ctx):
    sms("narcan for my cousin Jamie")
    with ctx.db.transaction() as conn:
        rows = [dict(r) for r in conn.execute(select(InboundMessage.__table__)).mappings()]
        contacts = [dict(r) for r in conn.execute(select(Contact.__table__)).mappings()]
    assert rows and rows[0]["intent"] == "naloxone"
    assert "Jamie" not in repr(rows) + repr(contacts)


def test_forget_deletes_the_texter_and_confirms_once(sms, ctx):
    sms("narcan")
    sms("sites")
    reply = sms("FORGET")
    assert reply
    assert _rows(ctx, Contact) == 0
    assert _rows(ctx, InboundMessage, InboundMessage.__table__.c.contact_id.is_not(None)) == 0
    # A new text starts from nothing: English, no conversation.
    assert sms("MORE") == sms("MORE")


def test_forget_after_stop_keeps_only_the_suppression_entry(sms, ctx):
    sms("narcan")
    sms("STOP")
    assert sms("FORGET") is None  # opted out: carried out, silently
    assert _rows(ctx, Contact) == 0
    assert _rows(ctx, Suppression) == 1
    assert sms("narcan") is None  # still opted out after being forgotten


def test_sites_asks_for_a_zip(sms):
    reply = sms("sites")
    assert "ZIP" in reply

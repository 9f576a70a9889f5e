"""Conversations through the real webhook: signed texts in, TwiML out, as a texter would see them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smsbot.models import Checkin, Contact, InboundMessage, Suppression
from smsbot.replies.segments import segment_info
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PEER_PHONE, enroll, rows, run_tick

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
    help_reply = sms("HELP")  # carriers expect HELP answered always: it says how to come back
    assert help_reply and "START" in help_reply and "911" in help_reply
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


def test_unrecognised_text_gets_the_menu_once_a_day_then_a_short_line_never_silence(sms, clock):
    menu = sms("menu")
    assert sms("asdfgh qwerty") == menu
    short = sms("zzzz yyyy")
    assert short and short != menu
    assert segment_info(short).segments == 1
    assert "MENU" in short and "911" in short
    assert sms("qqq rrr") == short
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


@pytest.fixture
def words(settings):
    """The wording packs as shipped, to compare replies with what each language says."""
    from smsbot.replies.wording import Wording

    return Wording.from_settings(settings)


SPANISH_OPT_OUT_WORDS = [
    "PARAR",
    "PARA",
    "DETENER",
    "NO MÁS",
    "NO MAS",
    "FIN",
    "BASTA",
    "SALIR",
    "CANCELAR",
    "BAJA",
]


@pytest.mark.parametrize("word", SPANISH_OPT_OUT_WORDS)
def test_each_spanish_opt_out_word_opts_out_and_only_help_and_start_answer(sms, ctx, word):
    assert sms("naloxona")
    assert sms(word)  # the one confirmation
    assert _rows(ctx, Suppression) == 1
    for later in ("naloxona", "hola", "menu", "tiras 22902", word):
        assert sms(later) is None
    help_reply = sms("AYUDA")
    assert help_reply and "START" in help_reply and "911" in help_reply
    assert sms("START")
    assert sms("naloxona")


def test_a_chosen_language_sticks_until_english(sms, words):
    sms("ESPAÑOL")
    assert sms("HEART") == words.render("heart", "es")
    assert sms("naloxone") == words.render("naloxone", "es")
    assert sms("MENU") == words.render("menu", "es")
    sms("ENGLISH")
    assert sms("HEART") == words.render("heart", "en")


def test_a_spanish_keyword_switches_an_english_texter(sms, words):
    assert sms("naloxone") == words.render("naloxone", "en")
    assert sms("corazon") == words.render("heart", "es")
    assert sms("teststrips") == words.render("teststrips", "es")


def test_an_english_emergency_from_a_spanish_texter_is_answered_in_english_once(sms, words):
    sms("ESPAÑOL")
    reply = sms("my friend is not breathing")
    assert reply == words.render("emergency", "en")
    assert sms("menu") == words.render("menu", "es")  # the choice stays


@pytest.mark.parametrize(
    ("text", "key", "language"),
    [
        ("WOUNDS", "wounds", "en"),
        ("HERIDAS", "wounds", "es"),
        ("what is tranq", "xylazine", "en"),
        ("que es la xilacina", "xylazine", "es"),
        ("is it safe to mix xanax and dope", "mixing", "en"),
        ("I used again", "relapse", "en"),
        ("volví a usar", "relapse", "es"),
        ("im using alone tonight", "using_alone", "en"),
        ("estoy solo y usé", "using_alone", "es"),
    ],
)
def test_the_new_topics_answer_in_both_languages(sms, words, text, key, language):
    assert sms(text) == words.render(key, language)


def test_wounds_walks_through_its_parts_then_asks_for_a_zip(sms, words):
    assert sms("wounds") == words.render("wounds", "en")
    assert sms("MORE") == words.render("wounds", "en", 1)
    last = sms("MORE")
    assert last == words.render("wounds", "en", 2) and "ZIP" in last


def test_treatment_seeking_words_get_the_treatment_reply(sms, words):
    for text in ("I can't stop using", "how do I quit", "quiero dejar de usar"):
        assert sms(text) in (words.render("treatment", "en"), words.render("treatment", "es"))


def _participant_with_a_check_in_waiting(sms, worker, clock, peer) -> None:
    enroll(peer())
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")  # 18:00 in New York: the check-in goes out


def test_a_check_in_answered_in_passing_also_gets_the_topic(
    ctx, client, sms, fake, worker, clock, peer, words
):
    _participant_with_a_check_in_waiting(sms, worker, clock, peer)
    assert sms("rough night but im ok. out of strips tho") == words.render("teststrips", "en")
    (checkin,) = rows(ctx, Checkin)
    assert checkin.answer_kind == "text"
    run_tick(worker, clock, "2026-03-05T03:00:00Z")
    assert fake.to(PEER_PHONE) == []  # answered: no false "no answer" alert


def test_used_again_while_a_check_in_waits_is_its_answer_and_offers_a_call(
    ctx, client, sms, fake, worker, clock, peer, words
):
    _participant_with_a_check_in_waiting(sms, worker, clock, peer)
    reply = sms("I used again")
    assert reply == words.render("relapse_checkin", "en", peer="Jamie")
    assert rows(ctx, Checkin)[0].answer_kind is not None

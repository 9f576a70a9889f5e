"""Check-in answers as people write them (issue 8): while a check-in waits, a text that also asks
for a topic is the answer and gets the topic's reply; "I used again" is an answer with a kind line
and an offer of a call. No false "no answer" alert, and the peer reads what was written.
"""

from __future__ import annotations

from smsbot.models import Alert, Checkin
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, rows, run_tick
from tests.dashboard_fixtures import *  # noqa: F403

ROUGH_NIGHT = "rough night but im ok. out of strips tho"
ENROLL = {"phone": PARTICIPANT, "nickname": "Jay", "time": "18:00", "timezone": "America/New_York"}


def _enrolled_by_page(staff_browser, sms, worker, clock) -> tuple:
    """A peer enrolls Jay on the Participants page; Jay JOINs; the first check-in goes out."""
    browser = staff_browser("peer", name="Jamie Rivera", phone=PEER_PHONE)
    made = browser.post("/participants", ENROLL)
    assert made.status_code == 303, made.text
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    return browser, made.headers["location"].split("?")[0]


def _page(browser, url: str) -> str:
    """The participant page as the peer sees it now (signing in again: hours passed on the clock)."""
    assert browser.sign_in(browser.name).status_code == 303
    response = browser.get(url)
    assert response.status_code == 200, response.text
    return response.text


def _ladder_runs_out(worker, clock) -> None:
    for at in ("2026-03-05T00:00:00Z", "2026-03-05T01:00:00Z", "2026-03-05T03:00:00Z"):
        run_tick(worker, clock, at)


def test_an_answer_that_also_asks_for_a_topic_is_the_answer(
    ctx, client, sms, fake, worker, clock, staff_browser
):
    browser, url = _enrolled_by_page(staff_browser, sms, worker, clock)
    reply = sms(ROUGH_NIGHT)
    assert "strip" in reply.lower()  # the topic is answered in the same reply
    (checkin,) = rows(ctx, Checkin)
    assert checkin.status == "answered" and checkin.answer_kind == "text"
    assert ROUGH_NIGHT.encode() not in checkin.answer_ciphertext  # stored encrypted
    _ladder_runs_out(worker, clock)
    assert fake.to(PEER_PHONE) == [] and rows(ctx, Alert) == []  # no false "no answer"
    assert len(fake.to(PARTICIPANT)) == 2  # no reminder either

    page = _page(browser, url)
    assert ROUGH_NIGHT in page and "written Wed 4 Mar, 6:00 PM" in page  # as the time box says it


def test_a_free_text_answer_leaves_the_page_at_its_purge_time(
    ctx, client, sms, fake, worker, clock, staff_browser
):
    browser, url = _enrolled_by_page(staff_browser, sms, worker, clock)
    sms("long day, doing alright")
    assert "long day, doing alright" in _page(browser, url)
    clock.set(clock.now().replace(day=12))  # past the 7-day retention, before any clean-up runs
    page = _page(browser, url)
    assert "long day, doing alright" not in page and "wrote back" in page


def test_i_used_again_during_a_check_in_is_an_answer_with_a_kind_line_and_a_call_offer(
    ctx, client, sms, fake, worker, clock, staff_browser
):
    browser, url = _enrolled_by_page(staff_browser, sms, worker, clock)
    reply = sms("I used again last night")
    assert "Reply CALL" in reply and "Jamie" in reply and "not a failure" in reply
    (checkin,) = rows(ctx, Checkin)
    assert checkin.status == "answered"
    _ladder_runs_out(worker, clock)
    assert fake.to(PEER_PHONE) == [] and rows(ctx, Alert) == []
    assert "I used again last night" in _page(browser, url)
    assert "Jamie" in sms("CALL")  # the offer works: the peer hears at once
    run_tick(worker, clock, "2026-03-05T03:01:00Z")
    (peer_text,) = fake.to(PEER_PHONE)
    assert "asked for a call" in peer_text


def test_i_used_again_with_no_check_in_waiting_gets_the_kind_line(
    ctx, client, sms, fake, worker, clock, staff_browser
):
    _enrolled_by_page(staff_browser, sms, worker, clock)
    assert "Thanks" in sms("ok")
    reply = sms("volví a usar")
    assert reply and "Reply CALL" not in reply and "Responde CALL" not in reply
    assert [c.answer_kind for c in rows(ctx, Checkin)] == ["ok"]  # nothing recorded twice
    stranger = sms("I relapsed", from_="+15555550199")
    assert stranger and "not a failure" in stranger and "CALL" not in stranger

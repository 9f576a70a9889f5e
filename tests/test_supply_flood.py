"""A drug-supply report is never lost to the per-number flood limit: texts past it still start a report,
every answer is stored and asked on from, an emergency inside it gets 911 first, and the report reaches
the moderation queue complete (signed texts into /twilio/sms, the queue through the staff API)."""

from __future__ import annotations

import pytest

from smsbot.inbound.flood import URGENT_PER_MINUTE
from tests.checkins_fixtures import peer  # noqa: F401  (fixture)
from tests.conftest import TEXTER

ANSWERS = ("blue pills sold as percs", "two people hard to wake", "by the park in 22902", "last night")


def _flood(sms, settings) -> None:
    """Use up the minute's and the day's information replies, and check they stopped."""
    replies = [sms("naloxone") for _ in range(settings.rate_limit_per_day + 2)]
    assert sum(reply is not None for reply in replies) == settings.rate_limit_per_minute
    assert sms("sites") is None  # information is silenced for the rest of the day


@pytest.fixture
def queue(peer):  # noqa: F811
    """The moderation queue as a peer reads it through the API."""
    pat = peer("Pat Peer", phone=None)
    return lambda: pat.get("/api/supply/reports").json()


def test_a_report_after_a_flood_is_asked_and_stored_whole(ctx, sms, clock, queue):
    _flood(sms, ctx.settings)
    started = sms("REPORT")
    assert started and "1 of 4" in started
    replies = [sms(text) for text in ANSWERS]  # all in the same flooded minute
    assert "2 of 4" in replies[0] and "3 of 4" in replies[1] and "4 of 4" in replies[2]
    assert replies[3].startswith("Thank you.") and "911" in replies[3]
    (report,) = queue()
    assert report["answers"] == dict(zip(("what", "happened", "where", "when"), ANSWERS, strict=True))
    assert report["steps_answered"] == 4 and report["area_zip"] == "22902"
    assert sms("naloxone") is None  # the report over, information is limited again


def test_answers_typed_in_a_burst_mid_report_are_all_kept(ctx, sms, clock, queue):
    """A reporter sending fragments faster than the per-minute limit: every fragment is an answer."""
    assert "1 of 4" in sms("bad batch going around")
    fragments = [f"piece {i} of what it looked like" for i in range(ctx.settings.rate_limit_per_minute + 4)]
    replies = []
    for text in fragments:
        replies.append(sms(text))
        if "Thank you." in (replies[-1] or ""):
            sms("report")  # the next report: the cap is what bounds them (3 a day)
    assert all(replies), "a reporter mid-report never meets silence"
    (*_, last) = reports = queue()
    stored = " / ".join(value for r in reports for value in r["answers"].values())
    assert all(text in stored for text in fragments)
    assert len(reports) <= 3 and last["steps_answered"] >= 1


def test_an_emergency_inside_a_report_after_a_flood_gets_911_first(ctx, sms, clock, queue):
    _flood(sms, ctx.settings)
    sms("REPORTE")
    assert "2 de 4" in sms("polvo blanco")
    emergency = sms("mi amigo no respira")
    assert emergency and "911" in emergency[:80]
    (report,) = queue()
    assert report["answers"] == {"what": "polvo blanco", "happened": "mi amigo no respira"}


def test_the_daily_cap_bounds_what_a_loop_can_store(ctx, sms, clock, queue):
    """Past the flood limit a report still ends at the cap; a loop gets at most the urgent ceiling back."""
    _flood(sms, ctx.settings)
    for _ in range(3):
        sms("report")
        sms("pills")
        for _ in range(3):
            sms("skip")
    limited = sms("report")
    assert limited and "3 reports from this phone today" in limited
    assert len(queue()) == 3
    clock.advance(minutes=1)
    answered = sum(sms("bad batch") is not None for _ in range(URGENT_PER_MINUTE + 5))
    assert answered == URGENT_PER_MINUTE  # a machine repeating REPORT: answered up to the ceiling only
    assert len(queue()) == 3 and TEXTER not in str(queue())

"""Schedules: weekdays, local time in an IANA zone, and the two DST days of America/New_York in 2026."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from smsbot.checkins.schedule import (
    EVERY_DAY,
    ScheduleError,
    describe_days,
    describe_time,
    next_checkin_at,
    parse_days,
    parse_local_time,
)
from smsbot.models import Checkin, OutboxMessage
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, enroll, rows, run_tick

NY = "America/New_York"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def occurrences(at: time, start: str, count: int, days=EVERY_DAY, tz: str = NY) -> list[datetime]:
    found, after = [], utc(start)
    for _ in range(count):
        after = next_checkin_at(at, days, tz, after)
        found.append(after)
    return found


def test_spring_forward_a_time_in_the_missing_hour_goes_once_just_after_the_gap():
    # 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist that day.
    got = occurrences(time(2, 30), "2026-03-06T12:00:00", 4)
    assert got == [
        utc("2026-03-07T07:30:00"),  # 02:30 EST
        utc("2026-03-08T07:30:00"),  # 03:30 EDT: moved past the gap, once
        utc("2026-03-09T06:30:00"),  # 02:30 EDT
        utc("2026-03-10T06:30:00"),
    ]


def test_fall_back_a_repeated_time_goes_once():
    # 2026-11-01: 01:00-02:00 happens twice (EDT, then EST); 01:30 is sent at the first one only.
    got = occurrences(time(1, 30), "2026-10-30T12:00:00", 4)
    assert got == [
        utc("2026-10-31T05:30:00"),  # 01:30 EDT
        utc("2026-11-01T05:30:00"),  # 01:30 EDT, the first 01:30
        utc("2026-11-02T06:30:00"),  # 01:30 EST
        utc("2026-11-03T06:30:00"),
    ]


def test_an_ordinary_evening_time_keeps_its_local_hour_across_both_changes():
    spring = occurrences(time(18, 0), "2026-03-07T12:00:00", 2)
    assert spring == [utc("2026-03-07T23:00:00"), utc("2026-03-08T22:00:00")]
    autumn = occurrences(time(18, 0), "2026-10-31T12:00:00", 2)
    assert autumn == [utc("2026-10-31T22:00:00"), utc("2026-11-01T23:00:00")]


def test_weekdays_and_strictly_after():
    mon_wed_fri = parse_days(["mon", "Wed", "friday"])
    assert mon_wed_fri == frozenset({0, 2, 4})
    # Wednesday 2026-03-04 18:00 EST is 23:00Z; asking at exactly that instant gives Friday's.
    assert next_checkin_at(time(18), mon_wed_fri, NY, utc("2026-03-04T22:59:59")) == utc(
        "2026-03-04T23:00:00"
    )
    assert next_checkin_at(time(18), mon_wed_fri, NY, utc("2026-03-04T23:00:00")) == utc(
        "2026-03-06T23:00:00"
    )
    assert next_checkin_at(time(9), frozenset({6}), "Asia/Tokyo", utc("2026-03-04T00:00:00")) == utc(
        "2026-03-08T00:00:00"
    )


@pytest.mark.parametrize("bad", ["25:00", "6pm", "18:60", "", "1800"])
def test_bad_times_are_refused(bad):
    with pytest.raises(ScheduleError):
        parse_local_time(bad)


def test_bad_days_and_zones_are_refused():
    with pytest.raises(ScheduleError):
        parse_days(["someday"])
    with pytest.raises(ScheduleError):
        next_checkin_at(time(9), EVERY_DAY, "Mars/Olympus", utc("2026-03-04T00:00:00"))


def test_schedule_sentences():
    assert describe_time(time(18), "en") == "6pm"
    assert describe_time(time(9, 30), "en") == "9:30am"
    assert describe_time(time(0, 0), "en") == "12am"
    assert describe_time(time(18), "es") == "18:00"
    assert describe_days(parse_days("mon,wed"), "en") == "Mon, Wed"
    assert describe_days(EVERY_DAY, "es") == "todos los días"


@pytest.mark.parametrize(
    ("local", "day_start", "expected_utc"),
    [
        ("02:30", "2026-03-07T12:00:00Z", "2026-03-08T07:30:00+00:00"),
        ("01:30", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00+00:00"),
    ],
)
def test_the_worker_sends_exactly_one_check_in_on_each_dst_day(
    ctx, client, sms, fake, worker, clock, peer, local, day_start, expected_utc
):
    """Ticking every 10 minutes through the DST day: one prompt, at the one right instant."""
    run_tick(worker, clock, day_start)
    enroll(peer(), time=local)
    run_tick(worker, clock)
    sms("JOIN")
    at = clock.now()
    end = at + timedelta(hours=24)
    while at < end:
        at += timedelta(minutes=10)
        run_tick(worker, clock, at)
        for checkin in rows(ctx, Checkin):  # answer at once, so the ladder stays quiet
            if checkin.status == "waiting":
                sms("OK")
    prompts = [r for r in rows(ctx, OutboxMessage) if r.purpose == "checkin"]
    assert len(prompts) == 1
    assert [c.scheduled_for.isoformat() for c in rows(ctx, Checkin)] == [expected_utc]
    assert len(fake.to(PARTICIPANT)) == 2  # the invitation and the one check-in

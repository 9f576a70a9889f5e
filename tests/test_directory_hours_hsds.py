"""Schedules as HSDS defines them: freq, interval with dtstart, byday with ordinals, bymonthday,
until and valid_from/valid_to, "null", 24-hour days, merged overlaps, holiday closures, and DST."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest

from smsbot.directory.hours import HoursError, from_json, local_time, parse_hours
from smsbot.directory.schedules import schedule_from_hsds
from tests.conftest import SHARED_DATA

NINE_TO_NOON = {"opens_at": "09:00", "closes_at": "12:00"}
# March 2026: Monday 2nd, 9th, 16th, 23rd, 30th; Friday 6th, 13th, 20th, 27th.
MAR = {d: date(2026, 3, d) for d in range(1, 32)}
N = NINE_TO_NOON
MONDAYS = {"byday": "MO", **NINE_TO_NOON}
CLOSED_MAR_2 = {"closed": "true", "start_date": "2026-03-02", "end_date": "2026-03-02"}
SPECIAL_MAR_2 = {"closed": "false", "start_date": "2026-03-02", "opens_at": "10:00", "closes_at": "11:00"}
JAN_5 = "2026-01-05"
NULLS = {"freq": "null", "interval": "null", "until": "null", "valid_from": "NULL"}


def hours_on(rows, day):
    hours = schedule_from_hsds(rows)
    assert hours is not None
    again = from_json(hours.to_json())  # what a search reads back from the database
    assert again == hours
    return again.hours_on(day)


CASES = [
    # weekly, plain
    ([{"byday": "MO,WE", **NINE_TO_NOON}], MAR[2], ((540, 720),)),
    ([{"byday": "MO,WE", **NINE_TO_NOON}], MAR[3], ()),
    ([{"freq": "WEEKLY", "byday": "TU", "opens_at": "9:00:00", "closes_at": "12:00"}], MAR[3], ((540, 720),)),
    # 1.x/2.0 weekday numbers and names
    ([{"weekday": "1", **NINE_TO_NOON}], MAR[2], ((540, 720),)),
    ([{"weekday": "Friday", **NINE_TO_NOON}], MAR[6], ((540, 720),)),
    # every other week from dtstart
    ([{"byday": "MO", "interval": "2", "dtstart": "2026-03-02", **NINE_TO_NOON}], MAR[2], ((540, 720),)),
    ([{"byday": "MO", "interval": "2", "dtstart": "2026-03-02", **NINE_TO_NOON}], MAR[9], ()),
    ([{"byday": "MO", "interval": "2", "dtstart": "2026-03-02", **NINE_TO_NOON}], MAR[16], ((540, 720),)),
    ([{"byday": "MO", "interval": "2", "dtstart": "2026-03-02", **NINE_TO_NOON}], date(2026, 2, 23), ()),
    # monthly: first Monday, last Friday, the 15th, the last day
    ([{"freq": "MONTHLY", "byday": "1MO", **NINE_TO_NOON}], MAR[2], ((540, 720),)),
    ([{"freq": "MONTHLY", "byday": "1MO", **NINE_TO_NOON}], MAR[9], ()),
    ([{"freq": "MONTHLY", "byday": "-1FR", **NINE_TO_NOON}], MAR[27], ((540, 720),)),
    ([{"freq": "MONTHLY", "byday": "-1FR", **NINE_TO_NOON}], MAR[20], ()),
    ([{"freq": "MONTHLY", "byday": "+2WE", **NINE_TO_NOON}], MAR[11], ((540, 720),)),
    ([{"freq": "MONTHLY", "bymonthday": "15", **NINE_TO_NOON}], MAR[15], ((540, 720),)),
    ([{"freq": "MONTHLY", "bymonthday": "-1", **NINE_TO_NOON}], MAR[31], ((540, 720),)),
    ([{"freq": "MONTHLY", "bymonthday": "-1", **NINE_TO_NOON}], MAR[30], ()),
    ([{"freq": "MONTHLY", "interval": "2", "dtstart": JAN_5, "byday": "1MO", **N}], MAR[2], ((540, 720),)),
    ([{"freq": "MONTHLY", "interval": "2", "dtstart": "2026-02-02", "byday": "1MO", **N}], MAR[2], ()),
    # until / valid_to end a row; valid_from starts it; outside them the schedule says nothing
    ([{"byday": "MO", "until": "2026-03-01", **NINE_TO_NOON}], MAR[2], None),
    ([{"byday": "MO", "until": "2026-03-02T23:59:59Z", **NINE_TO_NOON}], MAR[2], ((540, 720),)),
    ([{"byday": "MO", "valid_to": "2026-02-28", **NINE_TO_NOON}], MAR[2], None),
    ([{"byday": "MO", "valid_from": "2026-04-01", **NINE_TO_NOON}], MAR[2], None),
    ([{"byday": "MO", "valid_from": "2026-04-01", **NINE_TO_NOON}], date(2026, 4, 6), ((540, 720),)),
    # "null" is empty, as in the specification's own figure
    ([{**NULLS, **MONDAYS}], MAR[2], ((540, 720),)),
    # 24 hours; a close at or before the opening runs past midnight
    ([{"byday": "MO", "opens_at": "00:00", "closes_at": "23:59"}], MAR[2], ((0, 1440),)),
    ([{"byday": "MO", "opens_at": "00:00", "closes_at": "00:00"}], MAR[2], ((0, 1440),)),
    ([{"byday": "FR", "opens_at": "22:00", "closes_at": "02:00"}], MAR[6], ((1320, 1560),)),
    # offsets are read as wall-clock time (the service's zone knows DST)
    ([{"byday": "MO", "opens_at": "09:00-05:00", "closes_at": "12:00:00+00:00"}], MAR[2], ((540, 720),)),
    # overlapping rows merge: the same hours three times, and 9-12 with 11-14
    ([{"byday": "MO", **NINE_TO_NOON}] * 3, MAR[2], ((540, 720),)),
    ([MONDAYS, {"byday": "MO", "opens_at": "11:00", "closes_at": "14:00"}], MAR[2], ((540, 840),)),
    # DAILY
    ([{"freq": "DAILY", **NINE_TO_NOON}], MAR[1], ((540, 720),)),
    # holiday closures and special hours replace the day
    ([MONDAYS, CLOSED_MAR_2], MAR[2], ()),
    ([MONDAYS, CLOSED_MAR_2], MAR[9], ((540, 720),)),
    ([MONDAYS, SPECIAL_MAR_2], MAR[2], ((600, 660),)),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "day", "expected"), CASES)
def test_hsds_rows(rows, day, expected):
    assert hours_on(rows, day) == expected


def test_every_other_week_without_a_start_is_not_shown_as_weekly():
    hours = schedule_from_hsds([{"byday": "MO", "interval": "2", **NINE_TO_NOON}])
    assert hours.hours_on(MAR[2]) == ()  # not claimed as open
    assert hours.uncertain_on(MAR[2]) == ((540, 720),)  # but said as "every other week"
    assert hours.uncertain_on(MAR[3]) == ()


BAD = [
    ({"freq": "YEARLY", "byday": "MO", **NINE_TO_NOON}, "YEARLY"),
    ({"byday": "XX", **NINE_TO_NOON}, "byday 'XX'"),
    ({"freq": "MONTHLY", "byday": "9MO", **NINE_TO_NOON}, "9th"),
    ({"byday": "MO", "opens_at": "09:00"}, "no closes_at"),
    ({"byday": "MO", "opens_at": "nine", "closes_at": "12:00"}, "not a time"),
    ({"byday": "MO", "interval": "0", **NINE_TO_NOON}, "interval"),
    ({"byday": "MO", "until": "someday", **NINE_TO_NOON}, "until 'someday' is not a date"),
    ({"freq": "MONTHLY", **NINE_TO_NOON}, "needs byday or bymonthday"),
    ({"freq": "MONTHLY", "bymonthday": "32", **NINE_TO_NOON}, "bymonthday"),
    ({"closed": "true", "start_date": "2026-03-05", "end_date": "2026-03-01"}, "before start_date"),
]


@pytest.mark.parametrize(("row", "reason"), BAD)
def test_a_bad_row_names_its_reason(row, reason):
    with pytest.raises(HoursError, match=f"schedule row 2: .*{reason}"):
        schedule_from_hsds([{"byday": "TU", **NINE_TO_NOON}, row])
    warnings: list[str] = []
    kept = schedule_from_hsds([{"byday": "TU", **NINE_TO_NOON}, row], warnings)
    assert kept is not None and kept.hours_on(MAR[3]) == ((540, 720),)  # the good row stays
    assert len(warnings) == 1 and "schedule row 2" in warnings[0] and "left out" in warnings[0]


def test_no_rows_or_only_holidays_means_unknown_hours():
    assert schedule_from_hsds([]) is None
    assert schedule_from_hsds([{"description": "Call for hours"}]) is None
    assert schedule_from_hsds([{"closed": "true", "start_date": "2026-12-25"}]) is None


def test_old_stored_hours_still_read():
    old = '{"mo":["09:00-17:00"],"tu":[],"we":[],"th":[],"fr":["22:00-02:00"],"sa":[],"su":[]}'
    hours = from_json(old)
    assert hours.hours_on(MAR[2]) == ((540, 1020),) and hours.hours_on(MAR[3]) == ()
    assert hours.intervals_on(datetime(2026, 3, 7, 1, 0)) == [(0, 120)]  # Friday night runs over
    assert hours.to_json() == old
    assert parse_hours("Mo-Fr 9-17; We off").describe() == "Mo-Tu 09:00-17:00; Th-Fr 09:00-17:00"


def test_open_now_follows_daylight_saving_in_the_services_zone():
    hours = schedule_from_hsds([{"freq": "DAILY", "opens_at": "09:00", "closes_at": "17:00"}])
    # 13:30 UTC is 8:30 EST on Saturday 7 March, and 9:30 EDT on Monday 9 March (DST began the 8th).
    assert hours.open_at(local_time(datetime(2026, 3, 7, 13, 30, tzinfo=UTC), "America/New_York")) is False
    assert hours.open_at(local_time(datetime(2026, 3, 9, 13, 30, tzinfo=UTC), "America/New_York")) is True


def test_an_expired_schedule_is_unknown_not_closed():
    hours = schedule_from_hsds([{"byday": "MO", "until": "2026-03-01", **NINE_TO_NOON}])
    assert hours.open_at(datetime(2026, 3, 2, 10, 0)) is None
    assert hours.intervals_on(datetime(2026, 3, 2, 10, 0)) is None


def _rows(path):
    if not path.exists():
        pytest.skip(f"{path} is not here")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_specifications_own_example_row():
    """HSDS 3.0 example: TH,FR 10:00-18:00 weekly, valid only on 2005-01-01 (so today: unknown)."""
    rows = _rows(SHARED_DATA / "hsds" / "openreferral-specification-3.0-csv" / "schedules.csv")
    hours = schedule_from_hsds(rows)
    assert hours is not None
    assert hours.hours_on(MAR[5]) is None
    assert hours.hours_on(date(2005, 1, 1)) == ()  # a Saturday: valid, but not a TH/FR


def test_sample_data_regular_and_holiday_schedules():
    folder = SHARED_DATA / "hsds" / "openreferral-sample-data-all_resources"
    regular = _rows(folder / "regular_schedules.csv")
    holidays = _rows(folder / "holiday_schedules.csv")
    service = holidays[0]["service_id"]
    rows = [r for r in regular + holidays if r["service_id"] == service]
    hours = schedule_from_hsds(rows)
    assert hours is not None
    assert hours.hours_on(date(2019, 12, 23)) == ((540, 1020),)  # a Monday
    assert hours.hours_on(date(2019, 12, 25)) == ()  # closed for the holiday (24th-26th)
    assert hours.hours_on(date(2019, 12, 30)) == ((540, 1020),)

"""Numbers (issue 12): local days in the program's time zone, any period, 0 as 0 and only 1-4 hidden,
CSV export with the same rule. The rules are pure functions, tested with tables; then the page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from smsbot.dashboard.numbers import (
    DailySeries,
    Figures,
    Period,
    choose_period,
    daily_csv,
    local_day_counts,
    median_wait,
    rate,
    shown,
)
from smsbot.models import DailyCount
from tests.dashboard_fixtures import *  # noqa: F403

NY = "America/New_York"
TODAY = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0"), (1, "<5"), (2, "<5"), (4, "<5"), (5, "5"), (12, "12"), (1000, "1000")]
)
def test_shown_hides_only_one_to_four(count: int, text: str) -> None:
    assert shown(count) == text


@pytest.mark.parametrize(
    ("params", "first", "last", "errors"),
    [
        ({}, date(2026, 2, 3), TODAY, set()),
        ({"days": "30"}, date(2026, 2, 3), TODAY, set()),
        ({"days": "90"}, date(2025, 12, 5), TODAY, set()),
        ({"days": "7"}, date(2026, 2, 3), TODAY, {"from"}),
        ({"days": "abc"}, date(2026, 2, 3), TODAY, {"from"}),
        ({"from": "2026-01-01", "to": "2026-01-31"}, date(2026, 1, 1), date(2026, 1, 31), set()),
        ({"from": "2026-03-04", "to": "2026-03-04"}, TODAY, TODAY, set()),
        ({"from": "2026-03-01"}, date(2026, 3, 1), TODAY, set()),  # no last day: up to today
        ({"from": "", "to": "2026-03-01"}, date(2026, 2, 3), TODAY, {"from"}),
        ({"from": "March 1", "to": "2026-03-02"}, date(2026, 2, 3), TODAY, {"from"}),
        ({"from": "2026-03-01", "to": "2026-02-30"}, date(2026, 2, 3), TODAY, {"to"}),
        ({"from": "2026-03-02", "to": "2026-03-01"}, date(2026, 2, 3), TODAY, {"to"}),
        ({"from": "2026-03-01", "to": "2026-03-05"}, date(2026, 2, 3), TODAY, {"to"}),  # the future
        ({"from": "2024-01-01", "to": "2026-01-01"}, date(2026, 2, 3), TODAY, {"from"}),  # over a year
        ({"from": "0001-01-01", "to": "2026-01-01"}, date(2026, 2, 3), TODAY, {"from"}),
        ({"from": "2025-03-04", "to": "2026-03-04"}, date(2025, 3, 4), TODAY, set()),  # 366 days
    ],
)
def test_choose_period(params: dict, first: date, last: date, errors: set) -> None:
    period, found, typed = choose_period(params, TODAY, NY)
    assert (period.first, period.last) == (first, last)
    assert set(found) == errors
    for message in found.values():
        assert message[0].isupper() and message.endswith(".")
    assert typed["from"] == params.get("from", "").strip()


def test_a_period_runs_from_local_midnight_to_local_midnight() -> None:
    period = Period(date(2026, 3, 7), date(2026, 3, 8), NY)  # the night clocks go forward
    assert period.start_utc == datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    assert period.end_utc == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert len(period.days) == 2


def _bucket(at: datetime) -> int:
    return int(at.timestamp()) // 900


@pytest.mark.parametrize(
    ("zone", "at", "day"),
    [
        (NY, datetime(2026, 3, 4, 4, 59, tzinfo=UTC), date(2026, 3, 3)),  # 23:59 EST
        (NY, datetime(2026, 3, 4, 5, 0, tzinfo=UTC), date(2026, 3, 4)),
        (NY, datetime(2026, 7, 4, 3, 59, tzinfo=UTC), date(2026, 7, 3)),  # summer: UTC-4
        (NY, datetime(2026, 7, 4, 4, 0, tzinfo=UTC), date(2026, 7, 4)),
        ("America/Los_Angeles", datetime(2026, 3, 4, 7, 30, tzinfo=UTC), date(2026, 3, 3)),
        ("America/St_Johns", datetime(2026, 3, 4, 3, 29, tzinfo=UTC), date(2026, 3, 3)),  # UTC-3:30
        ("America/St_Johns", datetime(2026, 3, 4, 3, 30, tzinfo=UTC), date(2026, 3, 4)),
        ("UTC", datetime(2026, 3, 4, 0, 0, tzinfo=UTC), date(2026, 3, 4)),
    ],
)
def test_local_day_of_a_bucket(zone: str, at: datetime, day: date) -> None:
    assert local_day_counts([(_bucket(at), 3)], zone) == {day: 3}


def test_buckets_add_up_per_day() -> None:
    late = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 23:00 in New York, Mar 3
    early = datetime(2026, 3, 4, 5, 15, tzinfo=UTC)
    assert local_day_counts([(_bucket(late), 2), (_bucket(late) + 1, 1), (_bucket(early), 7)], NY) == {
        date(2026, 3, 3): 3,
        date(2026, 3, 4): 7,
    }


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (0, 0, "not enough yet"),
        (0, 4, "not enough yet"),
        (0, 20, "0%"),  # nobody answered: zero is a number like any other
        (3, 20, "not enough yet"),  # 3 answered: too few
        (17, 20, "not enough yet"),  # 3 did not: too few
        (15, 20, "75%"),
        (20, 20, "100%"),
        (5, 10, "50%"),
    ],
)
def test_rate(part: int, whole: int, text: str) -> None:
    assert rate(part, whole) == text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        ([], "not enough yet"),
        ([1, 2, 3, 4], "not enough yet"),
        ([1, 2, 3, 4, 50], "3 min"),
        ([10, 20, 30, 40, 50, 60], "35 min"),
        ([200, 200, 200, 200, 200], "3.3 h"),
        ([-5, 1, 2, 3, 4], "not enough yet"),  # a negative wait is a clock problem, not a wait
    ],
)
def test_median_wait(minutes: list[int], text: str) -> None:
    assert median_wait(timedelta(minutes=m) for m in minutes) == text


def test_daily_csv_shows_what_the_page_shows() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 3), NY)
    figures = Figures(
        period=period,
        series=[
            DailySeries("Texts in", period.days, [0, 3, 12]),
            DailySeries("Alerts", period.days, [0, 0, 1]),
        ],
    )
    rows = list(csv.reader(io.StringIO(daily_csv(figures))))
    assert rows == [
        ["day", "Texts in", "Alerts"],
        ["2026-03-01", "0", "0"],
        ["2026-03-02", "<5", "0"],
        ["2026-03-03", "12", "<5"],
        ["total", "15", "<5"],
    ]


# --- the page, on SQLite and PostgreSQL ---


def _texts_at(ctx, clock, sms, at: datetime, count: int, start: int) -> None:
    clock.set(at)
    for n in range(count):
        sms("NALOXONE", from_=f"+1555555{start + n:04d}")


def test_numbers_page_counts_local_days_and_exports_them(ctx, clock, sms, staff_browser) -> None:
    # 2 texts at 22:30 on Mar 3 in New York (03:30 UTC Mar 4), 6 at 00:30 on Mar 4 (05:30 UTC).
    _texts_at(ctx, clock, sms, datetime(2026, 3, 4, 3, 30, tzinfo=UTC), 2, 0)
    _texts_at(ctx, clock, sms, datetime(2026, 3, 4, 5, 30, tzinfo=UTC), 6, 100)
    with ctx.db.transaction() as conn:  # an older day, already folded by retention
        conn.execute(insert(DailyCount.__table__).values(day="2026-02-01", name="inbound:naloxone", count=9))
    clock.set(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    admin = staff_browser("admin")

    page = admin.get("/numbers?from=2026-03-02&to=2026-03-04")
    assert page.status_code == 200
    assert "Mar 02, 2026 to Mar 04, 2026" in page.text and "America/New York" in page.text
    assert "<td>Mon Mar 02</td><td>0</td>" in page.text
    assert "<td>Tue Mar 03</td><td>&lt;5</td>" in page.text
    assert "<td>Wed Mar 04</td><td>6</td>" in page.text
    assert 'href="/numbers/daily.csv?from=2026-03-02&amp;to=2026-03-04"' in page.text

    export = admin.get("/numbers/daily.csv?from=2026-03-02&to=2026-03-04")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][:2] == ["day", "Texts in (all keywords)"]
    assert [row[:2] for row in rows[1:]] == [
        ["2026-03-02", "0"],
        ["2026-03-03", "<5"],
        ["2026-03-04", "6"],
        ["total", "8"],
    ]
    assert "+1555" not in export.text

    keywords = admin.get("/numbers/keywords.csv?from=2026-02-01&to=2026-03-04")
    assert list(csv.reader(io.StringIO(keywords.text)))[1] == ["naloxone", "17"]
    assert "Last 30 days" in admin.get("/numbers?days=30").text


def test_numbers_page_says_what_is_wrong_with_a_period(ctx, staff_browser) -> None:
    admin = staff_browser("admin")
    page = admin.get("/numbers?from=2026-03-05&to=2026-03-01")
    assert page.status_code == 422
    assert "The last day must be the same as the first day or after it." in page.text
    assert 'value="2026-03-05"' in page.text  # what was typed stays
    assert 'aria-invalid="true"' in page.text
    bad_csv = admin.get("/numbers/daily.csv?from=nope")
    assert bad_csv.status_code == 422 and "Type the first day as a date" in bad_csv.text
    assert admin.get("/numbers/other.csv").status_code == 404
    assert admin.get("/numbers?days=99999999999999999999999").status_code == 422


def test_numbers_are_for_admins(staff_browser) -> None:
    peer = staff_browser("peer")
    assert peer.get("/numbers").status_code == 403
    assert peer.get("/numbers/daily.csv").status_code == 403


def test_texts_folded_by_retention_keep_their_local_day(ctx, clock, sms, staff_browser) -> None:
    from smsbot.worker.retention import run_retention

    _texts_at(ctx, clock, sms, datetime(2026, 3, 4, 3, 30, tzinfo=UTC), 5, 200)  # 22:30 Mar 3 in New York
    clock.set(datetime(2026, 3, 12, 15, 0, tzinfo=UTC))
    assert run_retention(ctx).inbound_deleted == 5
    admin = staff_browser("admin")
    page = admin.get("/numbers?from=2026-03-03&to=2026-03-04").text
    assert "<td>Tue Mar 03</td><td>5</td>" in page and "<td>Wed Mar 04</td><td>0</td>" in page

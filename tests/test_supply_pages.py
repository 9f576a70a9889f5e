"""The Drug alerts pages through the real app, a signed-in browser and its CSRF token, on SQLite and
PostgreSQL: a report texted in reaches the queue (no number shown), an alert drafted from it, a verbatim
phrase refused by the check and fixed, the preview, send, and a tick that reaches subscribers in the area
only; two-person approval; merge, dismiss, put back; cancelling mid-way; Numbers; one audit row a step."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.checkins_fixtures import fake, run_tick, worker  # noqa: F401  (fixtures)
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows
from tests.test_supply_support import seed_subscribers

REPORTER = "+15555550166"
ANA, BEN, CARLA = "+15555550101", "+15555550102", "+15555550103"
QUOTE = "Blue pills sold as oxy 30s downtown have fentanyl. Go slow, carry naloxone."
FIXED_EN = "Pills sold as oxycodone near downtown have fentanyl. Go slow, carry naloxone, do not use alone."
FIXED_ES = "Pastillas vendidas como oxicodona en el centro tienen fentanilo. Ve despacio, lleva naloxona."
FRAME_EN = "Harm Reduction Text Line drug alert: {} Text STOP ALERTS to end alerts."
BIG = ("2147483648", "9223372036854775808", "99999999999999999999999")


def _report(sms, clock, what: str, where: str = "22903", from_: str = REPORTER) -> None:
    for text in ("REPORT", what, "people hard to wake", where, "last night"):
        sms(text, from_=from_)
        clock.advance(minutes=1)


def _expiry(ctx, days: int = 2) -> str:
    zone = ZoneInfo(ctx.settings.default_timezone)
    return (ctx.clock.now() + timedelta(days=days)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _form(ctx, text_en: str, text_es: str = FIXED_ES, **extra) -> dict:
    return {
        "text_en": text_en,
        "text_es": text_es,
        "languages": ["en", "es"],
        "area_kind": "radius",
        "center_zip": "22902",
        "radius": "10",
        "expires_at": _expiry(ctx),
        **extra,
    }


def _supply_audit(ctx) -> list[tuple[str, str]]:
    return [(row.action, row.detail) for row in audit_rows(ctx) if row.action.startswith("supply_")]


def _draft(person, report_ids: list[int]) -> int:
    response = person.post("/supply/alerts", {"report_ids": [str(i) for i in report_ids]})
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/supply/alerts/(\d+)\?done=drafted", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def _queued_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="report_ids" value="(\d+)"', page)]


def test_from_the_queue_to_a_sent_alert(ctx, sms, clock, staff_browser, worker, fake):  # noqa: F811
    sms("ALERTS 22902", from_=ANA)
    sms("ALERTAS 22911", from_=BEN)  # about 5 miles from 22902
    sms("ALERTS 10001", from_=CARLA)  # New York
    _report(sms, clock, "blue pills sold as oxy 30s")
    pat = staff_browser("peer", name="Pat Peer")

    queue = pat.get("/supply")
    assert queue.status_code == 200
    assert "blue pills sold as oxy 30s" in queue.text and "people hard to wake" in queue.text
    assert REPORTER not in queue.text and REPORTER[-4:] not in queue.text  # never a number
    assert 'href="/supply" aria-current="page">Drug alerts' in queue.text
    (report_id,) = _queued_ids(queue.text)
    alert_id = _draft(pat, [report_id])
    assert _queued_ids(pat.get("/supply").text) == []  # used: out of the queue

    # The live check (the page's script) checks what is typed without saving it.
    typed = {"text_en": QUOTE, "text_es": FIXED_ES, "languages": ["en", "es"]}
    live = pat.post(f"/supply/alerts/{alert_id}/check", typed)
    assert live.status_code == 200 and live.headers["content-type"] == "application/json"
    parts = live.json()["parts"]
    assert any("Repeats a report word for word" in p for p in parts["text_en"]["problems"])
    assert parts["text_es"]["problems"] == [] and "segments" in parts["text_es"]["meta"]
    assert [action for action, _ in _supply_audit(ctx)] == ["supply_alert_drafted"]  # nothing saved

    # A ticked language without its text: refused beside the field, everything typed kept.
    response = pat.post(f"/supply/alerts/{alert_id}", _form(ctx, QUOTE, text_es=""))
    assert response.status_code == 422
    assert 'id="text_es-error"' in response.text and "Write the Spanish text" in response.text
    assert f">{QUOTE}</textarea>" in response.text.replace("&#39;", "'")
    # Saved, but the check refuses the report's own words: nothing can be sent.
    assert pat.post(f"/supply/alerts/{alert_id}", _form(ctx, QUOTE)).status_code == 303
    page = pat.get(f"/supply/alerts/{alert_id}").text
    assert "Repeats a report word for word (&#39;blue pills sold as&#39;)" in page
    assert f"/supply/alerts/{alert_id}/send" not in page
    assert pat.post(f"/supply/alerts/{alert_id}/send").status_code == 422

    assert pat.post(f"/supply/alerts/{alert_id}", _form(ctx, FIXED_EN)).status_code == 303
    page = pat.get(f"/supply/alerts/{alert_id}?done=saved").text
    assert "The check found no problems" in page
    body_en = FRAME_EN.format(FIXED_EN)
    assert f'<p class="sms" lang="en">{body_en}</p>' in page  # exactly what subscribers get
    body_es = html.unescape(re.search(r'<p class="sms" lang="es">(.*?)</p>', page).group(1))
    assert "Send to &lt;5 subscribers" in page and "fewer than 5" in page
    assert "50,000 texts take 14 hours at 1/s, 4.6 hours at 3/s, 8 minutes at 100/s" in page

    response = pat.post(f"/supply/alerts/{alert_id}/send")
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/supply/alerts/{alert_id}?done=sending",
    )
    run_tick(worker, clock)
    run_tick(worker, clock)
    assert fake.to(ANA) == [body_en]
    assert fake.to(BEN) == [body_es] and FIXED_ES in body_es
    assert fake.to(CARLA) == []
    page = pat.get(f"/supply/alerts/{alert_id}").text
    assert "Done: every text has been tried." in page and ">Sent</span>" in page
    progress = pat.get(f"/supply/alerts/{alert_id}/progress")
    assert progress.status_code == 200 and "<dt>Sent</dt><dd>&lt;5</dd>" in progress.text

    assert [action for action, _ in _supply_audit(ctx)] == [
        "supply_alert_drafted",
        "supply_alert_edited",  # the quote
        "supply_alert_edited",  # the fix
        "supply_alert_approved",  # one person, by setting: approved as it is sent
        "supply_alert_sent",
    ]
    assert all(detail.endswith("(page)") for _, detail in _supply_audit(ctx))
    assert _supply_audit(ctx)[1] == ("supply_alert_edited", "text_en, text_es, area, expiry (page)")


def test_two_person_approval_refuses_the_writer(ctx, sms, clock, staff_browser):
    ctx.settings = ctx.settings.model_copy(update={"alerts_two_person": True})
    _report(sms, clock, "white powder sold as heroin")
    pat, ada = staff_browser("peer", name="Pat Peer"), staff_browser("admin", name="Ada Admin")
    alert_id = _draft(pat, _queued_ids(pat.get("/supply").text))
    assert pat.post(f"/supply/alerts/{alert_id}", _form(ctx, FIXED_EN)).status_code == 303

    page = pat.get(f"/supply/alerts/{alert_id}").text
    assert "A second person must approve this alert before it is sent: anyone except Pat Peer" in page
    assert f"/supply/alerts/{alert_id}/approve" not in page and f"/supply/alerts/{alert_id}/send" not in page
    refused = pat.post(f"/supply/alerts/{alert_id}/approve")
    assert refused.status_code == 403 and "A second person must approve" in refused.text
    assert pat.post(f"/supply/alerts/{alert_id}/send").status_code == 409

    assert f"/supply/alerts/{alert_id}/approve" in ada.get(f"/supply/alerts/{alert_id}").text
    assert ada.post(f"/supply/alerts/{alert_id}/approve").status_code == 303
    page = pat.get(f"/supply/alerts/{alert_id}").text
    assert "Approved by Ada Admin" in page and f"/supply/alerts/{alert_id}/send" in page
    assert pat.post(f"/supply/alerts/{alert_id}/send").status_code == 303
    assert [action for action, _ in _supply_audit(ctx)] == [
        "supply_alert_drafted",
        "supply_alert_edited",
        "supply_alert_approved",
        "supply_alert_sent",
    ]


def test_merge_dismiss_put_back_and_unmerge(ctx, sms, clock, staff_browser):
    for i, what in enumerate(("pink powder", "the same pink powder", "a joke")):
        _report(sms, clock, what, from_=f"+1555555020{i}")
    pat = staff_browser("peer", name="Pat Peer")
    first, second, joke = sorted(_queued_ids(pat.get("/supply").text))
    assert _queued_ids(pat.get("/supply").text) == [joke, second, first]  # newest first

    response = pat.post("/supply/reports/merge", {"report_ids": [str(first)]})
    assert response.status_code == 422 and 'id="report_ids-error"' in response.text
    assert f'value="{first}" id="tick-{first}" checked' in response.text  # what was ticked is kept
    assert pat.post("/supply/reports/merge", {"report_ids": [str(second), str(first)]}).status_code == 303
    page = pat.get("/supply").text
    assert _queued_ids(page) == [joke, first] and "1 more report merged into this one" in page
    assert pat.post(f"/supply/reports/{joke}/dismiss").status_code == 303
    assert _queued_ids(pat.get("/supply").text) == [first]
    assert pat.post(f"/supply/reports/{joke}/dismiss").status_code == 409  # not in the queue
    assert pat.post(f"/supply/reports/{joke}/restore").status_code == 303
    assert pat.post(f"/supply/reports/{second}/unmerge").status_code == 303
    assert sorted(_queued_ids(pat.get("/supply").text)) == [first, second, joke]
    none = pat.post("/supply/alerts", {})
    assert none.status_code == 422 and "Tick the reports this alert is about." in none.text
    assert [action for action, _ in _supply_audit(ctx)] == [
        "supply_reports_merged",
        "supply_report_dismissed",
        "supply_report_restored",
        "supply_report_unmerged",
    ]


def test_cancel_while_sending_stops_it(ctx, sms, clock, staff_browser, worker, fake):  # noqa: F811
    numbers = seed_subscribers(ctx, 8, zips=("22902",))
    pat = staff_browser("peer", name="Pat Peer")
    response = pat.post("/supply/alerts", {"without_reports": "yes"})
    alert_id = int(response.headers["location"].split("/")[-1].split("?")[0])
    form = _form(ctx, FIXED_EN, area_kind="zips", zips="22902")
    assert pat.post(f"/supply/alerts/{alert_id}", form).status_code == 303
    assert "Send to 8 subscribers" in pat.get(f"/supply/alerts/{alert_id}").text
    assert pat.post(f"/supply/alerts/{alert_id}/send").status_code == 303

    confirm = pat.get(f"/supply/alerts/{alert_id}/cancel")
    assert "Stop sending alert" in confirm.text and "<dt>Left</dt><dd>8</dd>" in confirm.text
    assert pat.post(f"/supply/alerts/{alert_id}/cancel").status_code == 303
    run_tick(worker, clock)
    assert [fake.to(n) for n in numbers] == [[]] * 8
    assert "Stopped: nothing more goes out." in pat.get(f"/supply/alerts/{alert_id}").text
    assert pat.post(f"/supply/alerts/{alert_id}/cancel").status_code == 409
    assert _supply_audit(ctx)[-1][0] == "supply_alert_cancelled"


def test_numbers_are_aggregates_with_small_counts_hidden(ctx, sms, clock, staff_browser):
    seed_subscribers(ctx, 6, zips=("22902",))
    seed_subscribers(ctx, 2, zips=("22903",), start=100)
    _report(sms, clock, "pink powder")
    page = staff_browser("peer").get("/supply/numbers?days=30").text
    assert "<td>22902</td><td>6</td>" in page and "<td>22903</td><td>&lt;5</td>" in page
    assert "Reports received</dt><dd>&lt;5" in page


@pytest.mark.parametrize("big", BIG)
def test_ids_past_any_integer_are_not_found(ctx, staff_browser, big):
    pat = staff_browser("peer")
    for path in ("/supply/alerts/{}", "/supply/alerts/{}/cancel", "/supply/alerts/{}/progress"):
        assert pat.get(path.format(big)).status_code == 404, path
    for path in ("/supply/reports/{}/dismiss", "/supply/alerts/{}/send", "/supply/alerts/{}"):
        assert pat.post(path.format(big), {}).status_code == 404, path
    assert pat.get("/supply/alerts/2147483647").status_code == 404  # the largest id: none such
    ids = pat.post("/supply/reports/merge", {"report_ids": [big, "1"]})
    assert ids.status_code == 422  # an id no report can have is not ticked: fewer than two

"""Drug alerts in Debian's Chromium (issue 13): a report texted in (REPORT and its answers) and a subscriber
(ALERTS 22902); a peer goes from the moderation queue to a sent alert at 390 px and at 1280 px (a form
mistake shown beside its field with the summary focused, a quote of the report refused by the check and
fixed, the preview, send, a `smsbot tick --now` that sends it); an admin merges two reports, sends from
them, reads Numbers and cancels a draft on its confirm page. axe-core finds nothing on any state;
screenshots in test-artifacts/browser/supply-*.png. The ticks' `--now` is minutes after the server's
clock, which the test holds (`server.clock`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    assert_accessible,
    browser_type_launch_args,
    fits,
    open_page,
    server,
    shot,
    sign_in_admin,
    sign_in_peer,
)

PHONE, DESKTOP = 390, 1280
FIXED_EN = "Pills sold as oxycodone near downtown have fentanyl. Go slow, carry naloxone, do not use alone."
FIXED_ES = "Pastillas vendidas como oxicodona en el centro tienen fentanilo. Ve despacio, lleva naloxona."
FRAME_EN = "Harm Reduction Text Line drug alert: {} Text STOP ALERTS to end alerts."
# Per journey: (width, reviewer, reporter, subscriber, what the report says)
JOURNEYS = {
    PHONE: ("Rae Reviewer", "+15555550311", "+15555550321", "grey rocks sold as pressed pills"),
    DESKTOP: ("Max Reviewer", "+15555550312", "+15555550322", "green pills sold as bars"),
}


def _state(page, width: int, name: str, what: str) -> None:
    """A page state at this width: nothing scrolls sideways, axe finds nothing; a screenshot."""
    fits(page, width)
    assert_accessible(page, what)
    shot(page, name)


def _window(browser, width: int):
    return open_page(browser, width, accept_dialogs=True)  # "Send this alert to ... now?"


def _report(server: Server, reporter: str, what: str, where: str = "22902") -> None:
    for text in ("REPORT", what, "two people were hard to wake", where, "last night"):
        server.text_in(text, sender=reporter)


def _tick_until_sent(server: Server, subscriber: str, body: str) -> None:
    """`smsbot tick --now`: a pass queues the area's subscribers, a pass sends them, and the pass after
    the last send marks the alert sent."""
    line = f"[sms to ***{subscriber[-4:]}] {body}"
    printed = ""
    for minutes in (1, 2, 3):
        now = (server.clock.now() + timedelta(minutes=minutes)).isoformat()
        printed += server.smsbot("tick", "--now", now)
        if line in printed:
            server.smsbot("tick", "--now", (server.clock.now() + timedelta(minutes=4)).isoformat())
            return
    pytest.fail(f"the alert was not sent to the subscriber: {printed[-500:]}")


def _save(page) -> None:
    page.get_by_role("button", name="Save and check").click()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_a_peer_goes_from_the_queue_to_a_sent_alert(browser, server: Server, width: int) -> None:
    name, reporter, subscriber, what = JOURNEYS[width]
    server.text_in("ALERTS 22902", sender=subscriber)
    _report(server, reporter, what)
    server.add_staff(name, "peer")
    context, page = _window(browser, width)
    sign_in_peer(page, server, name)

    page.get_by_role("link", name="Drug alerts").click()
    page.wait_for_url("**/supply")
    card = page.locator("li.supply-report", has_text=what)
    assert card.get_by_text("two people were hard to wake").is_visible()
    assert reporter[-4:] not in page.content()  # a report never carries a number
    _state(page, width, f"supply-01-queue-{width}", "the moderation queue")

    card.get_by_role("checkbox").check()
    page.get_by_role("button", name="Write an alert from the ticked reports").click()
    page.wait_for_url(re.compile(r"/supply/alerts/\d+\?done=drafted"))
    assert page.get_by_role("heading", name="What was reported").is_visible()
    _state(page, width, f"supply-02-draft-{width}", "a new draft")

    quote = f"{what.capitalize()} have fentanyl. Go slow."
    page.get_by_label("English text").fill(quote)
    # Checked as it is typed: the report's own words are refused under the text, nothing saved yet.
    expect(page.locator("#text_en-problems")).to_contain_text("Repeats a report word for word")
    expect(page.locator("#text_en-hint")).to_contain_text("segments")
    _state(page, width, f"supply-02b-live-check-{width}", "the live check while typing")
    page.get_by_label("Every ZIP code within some miles of a ZIP code").check()
    page.get_by_label("ZIP code or point at the centre").fill("22902")
    page.get_by_label("Miles around it (up to 100)").fill("5")
    _save(page)  # Spanish is ticked but has no text
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#text_es"
    assert "Write the Spanish text" in page.locator("#text_es-error").inner_text()
    assert page.get_by_label("English text").input_value() == quote  # kept
    assert page.get_by_label("ZIP code or point at the centre").input_value() == "22902"
    _state(page, width, f"supply-03-form-mistake-{width}", "a form mistake beside its field")

    page.get_by_label("Spanish text").fill(FIXED_ES)
    _save(page)
    page.wait_for_url(re.compile(r"\?done=saved"))
    problems = page.locator("ul.supply-problems").inner_text()
    assert "Repeats a report word for word" in problems
    assert page.get_by_role("button", name=re.compile("^Send to")).count() == 0
    _state(page, width, f"supply-04-check-refuses-a-quote-{width}", "the check refuses a quote")

    page.get_by_label("English text").fill(FIXED_EN)
    _save(page)
    page.wait_for_url(re.compile(r"\?done=saved"))
    assert page.get_by_text("The check found no problems.").is_visible()
    body = FRAME_EN.format(FIXED_EN)
    assert page.locator("p.sms[lang='en']").inner_text() == body  # exactly what subscribers get
    assert "50,000 texts take 14 hours at 1/s, 4.6 hours at 3/s, 8 minutes at 100/s" in page.content()
    _state(page, width, f"supply-05-preview-{width}", "the preview")

    page.get_by_role("button", name=re.compile(r"^Send to (<5|\d+) subscribers$")).click()
    page.wait_for_url(re.compile(r"\?done=sending"))
    assert page.get_by_text("Sending has started.").is_visible()
    _state(page, width, f"supply-06-sending-{width}", "sending")

    _tick_until_sent(server, subscriber, body)
    page.reload()
    assert page.get_by_text("Done: every text has been tried.").is_visible()
    assert page.locator("h1 .status").inner_text() == "Sent"
    _state(page, width, f"supply-07-sent-{width}", "sent")
    context.close()


def test_an_admin_merges_reports_sends_reads_numbers_and_cancels_a_draft(browser, server: Server) -> None:
    server.text_in("ALERTS 22903", sender="+15555550331")
    _report(server, "+15555550341", "tan powder sold as heroin", where="22903")
    _report(server, "+15555550342", "the same tan powder, very strong", where="22903")
    context, page = _window(browser, DESKTOP)
    sign_in_admin(page, server)
    page.get_by_role("link", name="Drug alerts").click()
    page.wait_for_url("**/supply")

    for what in ("tan powder sold as heroin", "the same tan powder"):
        page.locator("li.supply-report", has_text=what).get_by_role("checkbox").check()
    page.get_by_role("button", name="Merge the ticked reports").click()
    page.wait_for_url(re.compile(r"/supply\?done=merged"))
    merged = page.locator("li.supply-report", has_text="tan powder sold as heroin")
    merged.get_by_text("1 more report merged into this one").click()  # open it
    assert merged.get_by_text("the same tan powder, very strong").is_visible()
    _state(page, DESKTOP, "supply-10-admin-merged", "two reports merged")
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "supply-11-admin-merged-phone", "two reports merged, phone")
    page.set_viewport_size({"width": DESKTOP, "height": 900})

    merged.get_by_role("checkbox").check()
    page.get_by_role("button", name="Write an alert from the ticked reports").click()
    page.wait_for_url(re.compile(r"/supply/alerts/\d+\?done=drafted"))
    assert page.get_by_label("ZIP codes, separated by commas").input_value() == "22903"  # the reports'
    page.get_by_label("English text").fill(FIXED_EN)
    page.get_by_label("Spanish text").fill(FIXED_ES)
    _save(page)
    page.wait_for_url(re.compile(r"\?done=saved"))
    page.get_by_role("button", name=re.compile(r"^Send to")).click()
    page.wait_for_url(re.compile(r"\?done=sending"))
    _tick_until_sent(server, "+15555550331", FRAME_EN.format(FIXED_EN))
    page.reload()
    assert page.get_by_text("Done: every text has been tried.").is_visible()
    _state(page, DESKTOP, "supply-12-admin-sent", "sent from merged reports")

    page.goto(server.url + "/supply/numbers")
    assert page.get_by_role("heading", name="Subscribers by ZIP code").is_visible()
    assert "&lt;5" in page.content()  # small counts hidden
    _state(page, DESKTOP, "supply-13-numbers", "numbers")
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "supply-14-numbers-phone", "numbers, phone")
    page.set_viewport_size({"width": DESKTOP, "height": 900})

    page.goto(server.url + "/supply")
    page.get_by_role("button", name="Write an alert without a report").click()
    page.wait_for_url(re.compile(r"/supply/alerts/\d+\?done=drafted"))
    page.get_by_role("link", name="Cancel this alert").click()
    page.wait_for_url(re.compile(r"/cancel$"))
    assert page.get_by_role("heading", name=re.compile(r"^Cancel alert \d+\?$")).is_visible()
    _state(page, DESKTOP, "supply-15-cancel-confirm", "cancel: asked first")
    page.get_by_role("button", name="Yes, cancel it").click()
    page.wait_for_url(re.compile(r"\?done=cancelled"))
    assert page.locator("h1 .status").inner_text() == "Cancelled"
    page.set_viewport_size({"width": PHONE, "height": 844})
    _state(page, PHONE, "supply-16-cancelled-phone", "cancelled, phone")
    context.close()

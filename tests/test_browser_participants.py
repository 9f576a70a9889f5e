"""Participants in a real browser (Debian's Chromium), at phone (390 px) and desktop (1280 px) width:
enroll with a mistake and fix it (the error beside its field, focus moved to it, what was typed kept),
and archive a participant, then find them again with their history. axe-core on every state reached;
screenshots in test-artifacts/browser/participants-*.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from smsbot.models import Enrollment
from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    assert_accessible,
    browser_type_launch_args,
    fits,
    open_page,
    server,
    shot,
    sign_in_form,
    sign_in_peer,
)

WIDTHS = [390, 1280]
PEER = "Pat Peer"
_signed_up: set[str] = set()


def _open(browser, server: Server, width: int):
    """A fresh browser window of this width, signed in as the peer (the first time: a new password)."""
    context, page = open_page(browser, width)
    if PEER not in _signed_up:
        sign_in_peer(page, server, PEER)
        _signed_up.add(PEER)
    else:
        page.goto(server.url + "/signin")
        sign_in_form(page, PEER)
        page.wait_for_url(server.url + "/")
    return context, page


def _in_view(page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("width", WIDTHS)
def test_enroll_with_a_mistake_and_fix_it(browser, server: Server, width: int) -> None:
    context, page = _open(browser, server, width)
    name = f"participants-enroll-{width}"
    page.get_by_role("link", name="Participants", exact=True).click()
    page.get_by_role("link", name="Enroll a participant").click()
    page.wait_for_url("**/participants/new")
    assert_accessible(page, f"enroll form at {width}px")
    shot(page, f"{name}-01-form")

    page.get_by_label("Their mobile number").fill("4345550199x")  # a stray letter
    page.get_by_label("Nickname").fill(f"Robin {width}")
    page.get_by_label("Check-in time").fill("18:30")
    page.get_by_label("Their time zone").select_option(label="Central (Chicago)")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    summary_link = page.locator(".error-summary a[href='#phone']")
    summary_link.wait_for()
    # Focus moved to the summary's first link, which names the problem in words.
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#phone"
    assert "no letters" in summary_link.inner_text()
    # Beside the field too, on screen, with everything typed kept (the number included).
    error, field = _in_view(page, "#phone-error"), _in_view(page, "#phone")
    assert 0 <= field["y"] - error["y"] < 120 and error["x"] + error["width"] <= width
    assert page.get_by_label("Their mobile number").input_value() == "4345550199x"
    assert page.get_by_label("Nickname").input_value() == f"Robin {width}"
    assert page.get_by_label("Check-in time").input_value() == "18:30"
    assert page.get_by_label("Their time zone").input_value() == "America/Chicago"
    assert page.title().startswith("Error:")
    fits(page, width)
    assert_accessible(page, f"enroll form with an error at {width}px")
    shot(page, f"{name}-02-error")

    summary_link.press("Enter")  # the link takes them to the field, ready to type
    assert page.evaluate("document.activeElement.id") == "phone"
    box = _in_view(page, "#phone")
    assert 0 <= box["y"] <= page.viewport_size["height"]

    page.get_by_label("Their mobile number").fill("+44 20 7946 0958")  # a UK number
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.locator(".error-summary a[href='#phone']").wait_for()
    assert "only text numbers in the United States" in page.locator("#phone-error").inner_text()
    assert page.get_by_label("Their mobile number").input_value() == "+44 20 7946 0958"
    shot(page, f"{name}-03-outside-the-country")

    page.get_by_label("Their mobile number").fill(f"(434) 555-0{width % 1000:03d}")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    assert page.locator("h1 .status").inner_text() == "invited"
    facts = " ".join(page.locator("dl.facts").inner_text().split())
    assert "6:30 PM every day" in facts and "Central (Chicago)" in facts
    fits(page, width)
    assert_accessible(page, f"participant just enrolled at {width}px")
    shot(page, f"{name}-04-enrolled")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_archive_a_participant_and_find_them_with_their_history(browser, server: Server, width: int) -> None:
    context, page = _open(browser, server, width)
    name = f"participants-archive-{width}"
    phone, nickname = f"+1434555{1000 + width % 1000:04d}", f"Archie {width}"
    page.goto(server.url + "/participants/new")
    page.get_by_label("Their mobile number").fill(phone)
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_label("Check-in time").fill("09:00")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    participant_url = page.url.split("?")[0]

    server.text_in("JOIN", sender=phone)
    with server.database() as conn:
        due = conn.execute(
            select(Enrollment.__table__.c.next_checkin_at).where(Enrollment.__table__.c.nickname == nickname)
        ).scalar_one()
    server.smsbot("tick", "--now", due.isoformat())  # the check-in goes out
    server.text_in("ok", sender=phone)  # and they answer it
    server.smsbot("tick", "--now", (due + timedelta(minutes=1)).isoformat())
    page.goto(participant_url)
    history = page.locator("table.history")
    assert history.get_by_text("answered").is_visible()
    headings = page.locator("main h2").all_inner_texts()
    assert headings.index("Check-ins") < headings.index("Their plan")  # history first
    assert_accessible(page, f"active participant at {width}px")
    shot(page, f"{name}-01-participant")

    page.get_by_role("link", name="Stop check-ins…").click()
    page.wait_for_url("**/stop")
    assert page.get_by_text("The same as if they texted STOP").is_visible()  # the difference, explained
    assert_accessible(page, f"the stop choice at {width}px")
    shot(page, f"{name}-02-stop-choice")
    page.get_by_label("Stop check-ins").check()
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/participants?done=stopped")
    assert page.locator("table.participants").get_by_text(nickname).count() == 0  # not among the current
    assert_accessible(page, f"participants after stopping at {width}px")
    shot(page, f"{name}-03-stopped")

    page.get_by_label("Nickname").fill(nickname.split()[0].lower())
    page.get_by_label("Show").select_option(label="Stopped (archive)")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"show=stopped"))
    found = page.locator("table.participants").get_by_role("link", name=nickname)
    assert found.is_visible()
    fits(page, width)
    assert_accessible(page, f"the archive, searched, at {width}px")
    shot(page, f"{name}-04-archive")
    found.click()
    page.wait_for_url(participant_url)
    assert page.locator("h1 .status").inner_text() == "stopped"
    assert page.locator("table.history").get_by_text("answered").is_visible()  # the history is kept
    fits(page, width)
    assert_accessible(page, f"an archived participant at {width}px")
    shot(page, f"{name}-05-archived-participant")
    context.close()


def test_table_headers_never_break_inside_a_word(browser, server: Server) -> None:
    context, page = _open(browser, server, 390)
    page.goto(server.url + "/participants?show=all")
    labels = page.locator("table.participants td[data-label]")
    assert labels.count() > 0
    # Each label is one line at most as tall as its cell's first line: no "Answe / r".
    heights = page.evaluate(
        """() => [...document.querySelectorAll('table.participants th')].map(th => {
             const style = getComputedStyle(th); return style.whiteSpace + '|' + style.overflowWrap; })"""
    )
    assert all(h.startswith("nowrap") for h in heights)
    before = page.evaluate(
        """() => getComputedStyle(document.querySelector('table.participants td[data-label]'), '::before')
             .whiteSpace"""
    )
    assert before == "nowrap"
    fits(page, 390)
    context.close()

"""Real-browser journeys for issue 12's reports, audit, wording and sign-in parts, at 390 px (a phone)
and 1280 px: sign-in with a second factor set up from the QR page, edit and publish a reply then roll it
back (the line answers with each at once), Numbers export, audit filters, a session that expires in the
middle of the enroll form. axe-core finds no violation in any state reached; screenshots of each step.
The server runs on a clock the test holds (`server.clock`): codes, "minutes ago" and "today" come from it.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from smsbot.models import Staff, StaffSession
from smsbot.replies.wording import load_packs
from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    assert_accessible,
    browser_type_launch_args,
    choose_password,
    first_sign_in,
    fits,
    open_page,
    server,
    shot,
    sign_in_admin,
    sign_in_form,
    sign_in_peer,
)

WIDTHS = [390, 1280]
SHIPPED = load_packs()["en"].entries["naloxone"].parts[0]


def _page(browser, width: int):
    return open_page(browser, width, accept_dialogs=True)  # "Bring it back?" confirmations


def _reply(server: Server, body: str) -> str:
    """A signed text in from a new number, the line's answer out."""
    return server.text_in(body, sender=f"+1555555{uuid.uuid4().int % 9000 + 1000}")[0]


def _seen(server: Server, name: str, ago: timedelta) -> None:
    """Make every session of `name` look last used `ago` before the server's now (a session row, as
    30 idle minutes leave it)."""
    sessions, staff = StaffSession.__table__, Staff.__table__
    with server.database() as conn:
        staff_id = conn.execute(select(staff.c.id).where(staff.c.name == name)).scalar_one()
        when = server.clock.now() - ago
        conn.execute(update(sessions).where(sessions.c.staff_id == staff_id).values(last_seen_at=when))


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_with_a_second_factor_set_up_from_the_qr_page(browser, server: Server, width: int) -> None:
    name = f"Quinn Admin {width}"
    server.add_staff(name, "admin")
    context, page = _page(browser, width)
    first_sign_in(page, server, name)
    page.wait_for_url("**/account/second-factor")
    qr = page.locator(".qr-box svg[role='img']")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and abs(box["width"] - box["height"]) < 2  # big enough to scan
    assert_accessible(page, "second factor set-up")
    fits(page, width)
    shot(page, f"totp-{width}-01-qr")

    key = page.locator("#totp-secret").inner_text().replace(" ", "")  # the text fallback
    taken = {server.totp(key, steps) for steps in (-1, 0, 1)}  # the codes the server accepts now
    wrong = next(code for code in ("000000", "111111", "222222") if code not in taken)
    page.get_by_label("Code from the app").fill(wrong)
    page.get_by_role("button", name="Turn it on").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "second factor, wrong code")
    shot(page, f"totp-{width}-02-wrong-code")
    page.get_by_label("Code from the app").fill(server.totp(key))
    page.get_by_role("button", name="Turn it on").click()
    choose_password(page, server, name)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")

    sign_in_form(page, name)
    page.wait_for_url("**/signin/code")
    assert_accessible(page, "sign-in code")
    shot(page, f"totp-{width}-03-code")
    # The code of the next 30-second step: the set-up's code is used up, and the next is in the window.
    page.get_by_label("The 6-digit code in your authenticator app").fill(server.totp(key, steps=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(server.url + "/")
    assert_accessible(page, "signed in with a second factor")
    shot(page, f"totp-{width}-04-signed-in")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_edit_and_publish_a_reply_then_roll_it_back(browser, server: Server, width: int) -> None:
    name = f"Wren Admin {width}"
    server.add_staff(name, "admin")
    context, page = _page(browser, width)
    sign_in_admin(page, server, name)
    page.get_by_role("link", name="Wording", exact=True).click()
    page.get_by_label("Find a reply (its name or its words)").fill("narcan")
    page.get_by_role("button", name="Find").click()
    assert_accessible(page, "wording, found")
    page.locator("#reply-naloxone").get_by_role("link", name="Edit").click()
    page.wait_for_url("**/wording/naloxone")
    english = page.get_by_label("English, part 1")
    expect(english).to_have_value(SHIPPED)
    assert_accessible(page, "wording editor")
    fits(page, width)
    shot(page, f"wording-{width}-01-editor")

    english.fill(SHIPPED + " ’")  # a curly quote: not a plain text-message character
    expect(page.locator("#en-0-meta")).to_contain_text("UCS-2")  # counted as typed
    expect(page.locator("#en-0-problems")).to_contain_text("not a plain text-message character")
    assert_accessible(page, "wording editor, live problems")
    shot(page, f"wording-{width}-02-live-check")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_label("English, part 1")).to_have_value(SHIPPED + " ’")  # kept
    assert_accessible(page, "wording editor, refused")
    shot(page, f"wording-{width}-03-refused")

    edited = SHIPPED.replace("Stay with them.", "Stay with them!")
    page.get_by_label("English, part 1").fill(edited)
    expect(page.locator("#en-0-meta")).to_contain_text("GSM-7")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/wording/naloxone?done=published")
    expect(page.get_by_text("Published. The line sends this wording from now on.")).to_be_visible()
    assert _reply(server, "NALOXONE") == edited  # no restart
    expect(page.locator(".version.current ins").first).to_contain_text("them!")
    assert_accessible(page, "wording published, history")
    fits(page, width)
    shot(page, f"wording-{width}-04-published")

    page.get_by_role("button", name="Go back to the wording that shipped").click()
    page.wait_for_url("**/wording/naloxone?done=rolled-back")
    assert _reply(server, "NALOXONE") == SHIPPED
    expect(page.get_by_label("English, part 1")).to_have_value(SHIPPED)
    assert_accessible(page, "wording rolled back")
    shot(page, f"wording-{width}-05-rolled-back")

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("What").select_option("wording_published")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="reply “naloxone”").first).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_numbers_export_downloads_a_csv(browser, server: Server, width: int) -> None:
    name = f"Nia Admin {width}"
    server.add_staff(name, "admin")
    _reply(server, "HEART")
    context, page = _page(browser, width)
    sign_in_admin(page, server, name)
    page.get_by_role("link", name="Numbers", exact=True).click()
    assert_accessible(page, "numbers")
    fits(page, width)
    shot(page, f"numbers-{width}-01-last-30-days")
    tick = page.locator("svg.chart .tick").first
    assert tick.bounding_box()["height"] >= 11  # chart labels readable at this width

    page.get_by_label("First day").fill("2026-03-05")
    page.get_by_label("Last day").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#error-summary a").first).to_be_focused()  # the first error, to fix it
    assert_accessible(page, "numbers, a wrong period")
    shot(page, f"numbers-{width}-02-wrong-period")

    # The server's day, in the program's time zone (the default): not the machine's date.
    today = server.clock.now().astimezone(ZoneInfo("America/New_York")).date()
    first = today - timedelta(days=6)
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Last day").fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#period-said")).to_contain_text(f"{first:%b %d, %Y}")
    assert_accessible(page, "numbers, a week")
    shot(page, f"numbers-{width}-03-a-week")
    with page.expect_download() as download:
        page.get_by_role("link", name="counts by day").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0][0] == "day" and rows[-1][0] == "total" and len(rows) == 7 + 2
    assert {cell for row in rows[1:] for cell in row[1:]} <= {"0", "<5"} | {str(n) for n in range(5, 10**4)}
    assert download.value.suggested_filename.endswith(".csv")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_audit_filters_on_a_phone_and_a_desktop(browser, server: Server, width: int) -> None:
    name = f"Abe Admin {width}"
    server.add_staff(name, "admin")
    with httpx.Client(base_url=server.url, timeout=10) as stranger:  # trips the limit on a login nobody has
        token = re.search(r'name="csrf-token" content="([^"]+)"', stranger.get("/signin").text).group(1)
        for _ in range(6):
            form = {"login": f"mallory{width}", "password": "x", "csrf_token": token}
            answer = stranger.post("/signin", data=form)
        assert answer.status_code == 429
    context, page = _page(browser, width)
    sign_in_admin(page, server, name)
    page.get_by_role("link", name="Audit log").click()
    assert_accessible(page, "audit log")
    fits(page, width)
    shot(page, f"audit-{width}-01-all")

    page.get_by_label("Who").select_option(label=name)
    page.get_by_label("What").select_option(label="Signed in")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_be_visible()
    assert all(name in text and "signed in" in text for text in rows.all_inner_texts())
    assert not re.search(r"(staff|enrollment) \d", page.content())
    assert_accessible(page, "audit log, filtered")
    fits(page, width)
    shot(page, f"audit-{width}-02-who-and-what")

    page.get_by_label("Who").select_option(label="Nobody signed in (sign-in attempts, the system)")
    page.get_by_label("What").select_option(label="Was stopped by the sign-in limit")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(f"sign-in locked for “mallory{width}”")).to_be_visible()
    shot(page, f"audit-{width}-03-lockouts")
    page.get_by_label("From").fill("2026-03-05")
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "audit log, wrong dates")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_session_expiry_mid_form(browser, server: Server, width: int) -> None:
    name = f"Pia Peer {width}"
    server.add_staff(name, "peer")
    context, page = open_page(browser, width, accept_dialogs=True, clock=True)  # timers the test moves
    sign_in_peer(page, server, name)
    page.goto(server.url + "/participants/new")
    page.get_by_label("Their mobile number").fill(f"(555) 555-{width:04d}")
    page.get_by_label("Nickname").fill(f"Kay {width}")
    page.get_by_label("Check-in time").fill("18:30")

    _seen(server, name, timedelta(minutes=28, seconds=30))  # 28.5 idle minutes, as the server sees it
    page.clock.fast_forward("28:30")
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in 2 minutes")
    assert_accessible(page, "session warning")
    fits(page, width)
    shot(page, f"session-{width}-01-warning")
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    _seen(server, name, timedelta(minutes=31))  # then nobody came back for 30 minutes
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/signin"))
    expect(page.get_by_text("You were signed out after 30 minutes without activity")).to_be_visible()
    expect(page.locator("#kept-note")).to_be_visible()
    assert f"555-{width:04d}" not in page.url
    assert_accessible(page, "signed out, form kept")
    shot(page, f"session-{width}-02-sign-in-again")

    sign_in_form(page, name)
    page.wait_for_url("**/participants/new")
    expect(page.locator(".notice.kept")).to_be_focused()
    expect(page.get_by_label("Their mobile number")).to_have_value(f"(555) 555-{width:04d}")
    expect(page.get_by_label("Nickname")).to_have_value(f"Kay {width}")
    expect(page.get_by_label("Check-in time")).to_have_value("18:30")
    assert_accessible(page, "form filled in again")
    shot(page, f"session-{width}-03-form-back")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    assert page.evaluate("window.sessionStorage.length") == 0  # nothing left behind
    shot(page, f"session-{width}-04-enrolled")
    context.close()

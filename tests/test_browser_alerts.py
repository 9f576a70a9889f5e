"""Alerts as a shift's to-do list, in a real browser (Debian's Chromium) at phone (390 px) and desktop
(1280 px) width: a peer calls back a participant who asked for a call (the tel: link appears after the
reason, is copyable, hides itself after three minutes, and the audit log names the reveal); a peer
acknowledges with an outcome, with the open count in the tab title and an opt-in notification of a
new alert; resolved alerts are found again. axe-core on every state; screenshots in
test-artifacts/browser/alerts-*.png. Time in the page moves with Playwright's clock, never by waiting.
"""

from __future__ import annotations

import re

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

WIDTHS = [390, 1280]
# Records what the page would have shown as a browser notification (and grants the permission).
NOTIFICATIONS = """
window.__notified = [];
window.Notification = function (title, options) { window.__notified.push([title, options && options.body]); };
window.Notification.permission = "default";
window.Notification.requestPermission = function () {
  window.Notification.permission = "granted";
  return Promise.resolve("granted");
};
"""


def _window(browser, width: int, *, notifications: bool = False):
    # The page's timers run on Playwright's clock, which the test moves.
    init = NOTIFICATIONS if notifications else None
    return open_page(browser, width, accept_dialogs=True, clock=True, init_script=init)


@pytest.mark.parametrize("width", WIDTHS)
def test_call_back_from_an_alert(browser, server: Server, width: int) -> None:
    peer, nickname, phone = f"Pia Peer {width}", f"Big Mike {width}", f"+1555555{width:04d}"
    server.asks_for_a_call(server.add_staff(peer, "peer", "+15555550171"), phone, nickname)
    context, page = _window(browser, width)
    sign_in_peer(page, server, peer)
    card = page.locator("li.alert.open.kind-call")
    expect(card).to_have_count(1)
    expect(card.locator(".badge")).to_have_text(re.compile("Asked for a call"))
    expect(card.locator(".age")).to_have_text("just now")
    assert page.title().startswith("(1) Alerts")
    assert phone not in page.content() and "ref" in card.inner_text()
    assert_accessible(page, f"alerts with a call request at {width}px")
    fits(page, width)
    shot(page, f"alerts-callback-{width}-01-asked-for-a-call")

    card.get_by_role("button", name=re.compile("Call back")).click()  # one tap: the reason is the button
    link = card.locator("a[href^='tel:']")
    link.wait_for()
    assert link.get_attribute("href") == f"tel:{phone}"
    assert re.sub(r"\D", "", phone)[-4:] in link.inner_text()
    assert phone not in page.url and "tel" not in page.url
    expect(card.get_by_role("button", name="Copy the number")).to_be_visible()
    assert_accessible(page, f"a revealed number at {width}px")
    fits(page, width)
    shot(page, f"alerts-callback-{width}-02-number-shown")

    page.clock.fast_forward("03:05")  # three minutes on: the number hides itself
    expect(page.locator("a[href^='tel:']")).to_have_count(0)
    expect(card.get_by_role("button", name=re.compile("Call back"))).to_be_visible()
    assert_accessible(page, f"the number hidden again at {width}px")
    shot(page, f"alerts-callback-{width}-03-hidden-again")
    context.close()

    admin = f"Ari Admin {width}"
    server.add_staff(admin, "admin")
    context, page = _window(browser, width)
    sign_in_admin(page, server, admin)
    page.get_by_role("link", name="Audit log").click()
    row = page.locator("table.audit tbody tr", has_text="revealed a full phone number").filter(has_text=peer)
    expect(row).to_have_count(1)
    assert f"an alert about “{nickname}”" in row.inner_text() and "they asked for a call" in row.inner_text()
    assert phone[-7:] not in page.content()
    shot(page, f"alerts-callback-{width}-04-audit-log")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_acknowledge_with_an_outcome_and_find_it_again(browser, server: Server, width: int) -> None:
    peer = f"Ola Outcome {width}"
    token = server.add_staff(peer, "peer", "+15555550172")
    server.asks_for_a_call(token, f"+1555556{width:04d}", f"Robin {width}")
    context, page = _window(browser, width, notifications=True)
    sign_in_peer(page, server, peer)
    page.get_by_role("button", name="Notify me of new alerts").click()  # opt in
    expect(page.locator("#notify-state")).to_contain_text("will tell you when a new alert comes")
    assert page.title().startswith("(1) Alerts")

    server.asks_for_a_call(token, f"+1555557{width:04d}", f"Sky {width}")  # a new alert comes in
    page.clock.fast_forward("00:31")  # the background refresh (every 30 s)
    expect(page.locator("li.alert.open")).to_have_count(2)
    assert page.title().startswith("(2) Alerts")
    assert page.evaluate("window.__notified") == [["A new alert needs you", "2 open"]]  # never whose
    assert_accessible(page, f"two open alerts at {width}px")
    fits(page, width)
    shot(page, f"alerts-ack-{width}-01-two-open")

    robin = page.locator("li.alert", has_text=f"Robin {width}")
    if width < 600:  # on the phone: another outcome, with a note
        robin.get_by_text("Other, or add a note").click()
        robin.get_by_label("Note (no phone numbers)").fill("Talked at the drop-in, they are OK")
        assert_accessible(page, "the note open")
        shot(page, f"alerts-ack-{width}-02-note")
        robin.get_by_role("button", name="Acknowledge with this note").click()
        outcome = "Other"
    else:
        robin.get_by_role("button", name="Reached them").click()
        outcome = "Reached them"
    done = page.locator("li.alert.acked", has_text=f"Robin {width}")
    expect(done.locator(".done")).to_contain_text(f"Acknowledged by {peer}")
    expect(done.locator(".done")).to_contain_text(outcome)
    assert page.title().startswith("(1) Alerts")
    assert_accessible(page, f"acknowledged at {width}px")
    fits(page, width)
    shot(page, f"alerts-ack-{width}-03-acknowledged")

    page.get_by_role("link", name="Find a resolved alert").click()
    page.get_by_label("Nickname (or part of it)").fill(f"robin {width}")
    page.get_by_role("button", name="Find").click()
    found = page.locator("li.alert.acked")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(outcome)
    assert_accessible(page, f"resolved alerts found at {width}px")
    fits(page, width)
    shot(page, f"alerts-ack-{width}-04-resolved-found")
    context.close()

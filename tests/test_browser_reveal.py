"""One way to reveal a number, in Debian's Chromium at phone and desktop width: a peer opens their own
participant's page, says why they need the number, and sees it as on an alert's card (a tel: link and a
copy button) until it hides itself again three minutes later; axe-core finds nothing on either state.
Time in the page moves with Playwright's clock, never by waiting."""

from __future__ import annotations

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
    sign_in_peer,
)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_peer_reveals_their_participants_number_from_their_page(browser, server: Server, width) -> None:
    peer, nickname, phone = f"Rae Reveal {width}", f"Dee {width}", f"+1555559{width:04d}"
    participant = server.enroll(server.add_staff(peer, "peer", "+15555550191"), phone, nickname)
    context, page = open_page(browser, width, clock=True)
    sign_in_peer(page, server, peer)
    page.goto(f"{server.url}/participants/{participant}")
    page.get_by_role("link", name="Show the full number…").click()
    assert phone not in page.content()
    page.get_by_role("button", name="Show their number").click()  # no reason yet: asked, not shown
    expect(page.locator("#reason-error")).to_be_visible()
    assert phone not in page.content()
    page.get_by_label("Worried about their safety").check()
    page.get_by_role("button", name="Show their number").click()
    link = page.locator("a[href^='tel:']")
    expect(link).to_have_attribute("href", f"tel:{phone}")
    expect(link).to_contain_text(nickname)
    expect(page.get_by_role("button", name="Copy the number")).to_be_visible()
    assert phone not in page.url
    assert_accessible(page, f"a number revealed from the participant's page at {width}px")
    fits(page, width)
    shot(page, f"reveal-{width}-01-number-shown")

    page.clock.fast_forward("03:05")  # three minutes on: hidden again, as on an alert's card
    expect(page.locator("a[href^='tel:']")).to_have_count(0)
    expect(page.get_by_text("The number is hidden again.")).to_be_visible()
    assert phone not in page.content() and page.locator("[data-copy]").count() == 0
    assert_accessible(page, f"the number hidden again at {width}px")
    shot(page, f"reveal-{width}-02-hidden-again")
    context.close()

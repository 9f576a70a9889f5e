"""Staff accounts in a real browser (Debian's Chromium) at desktop (1280 px) and phone (390 px) width:
each card has one primary action, the rest behind "More"; a role change asks first and says what it
means; last sign-in and a sign-in lockout show on the card. axe-core on every state; screenshots in
test-artifacts/browser/staff-*.png.
"""

from __future__ import annotations

import re

import httpx
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
)

WIDTHS = [1280, 390]


def _lock_out(server: Server, name: str) -> None:
    """Five wrong passwords for `name`, as a guesser would type them."""
    with httpx.Client(base_url=server.url, timeout=10) as guesser:
        token = re.search(r'name="csrf-token" content="([^"]+)"', guesser.get("/signin").text).group(1)
        for _ in range(5):
            answer = guesser.post("/signin", data={"login": name, "password": "guess", "csrf_token": token})
            assert answer.status_code == 401


@pytest.mark.parametrize("width", WIDTHS)
def test_a_role_change_asks_first(browser, server: Server, width: int) -> None:
    admin, peer = f"Abi Admin {width}", f"Rae Role {width}"
    server.add_staff(admin, "admin")
    server.add_staff(peer, "peer")
    _lock_out(server, peer)
    context, page = open_page(browser, width)
    sign_in_admin(page, server, admin)
    page.get_by_role("link", name="Staff").click()
    card = page.locator("li.card", has=page.get_by_role("heading", name=re.compile(f"^{peer}")))
    expect(card).to_contain_text("Never signed in")
    expect(card.locator(".locked")).to_contain_text("Sign-in locked: too many wrong passwords")
    expect(page.locator("li.card", has_text=admin)).to_contain_text("Last signed in just now")
    assert card.get_by_role("button").count() == 1  # one primary action; the rest are behind "More"
    assert_accessible(page, f"staff page at {width}px")
    fits(page, width)
    shot(page, f"staff-{width}-01-cards")

    card.get_by_text("More").click()
    make_admin = card.get_by_role("button", name="Make admin…")
    expect(make_admin).to_be_visible()
    assert_accessible(page, f"a card's More opened at {width}px")
    shot(page, f"staff-{width}-02-more")
    make_admin.click()
    page.wait_for_url("**/staff/*/role")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Make {peer} an admin?")
    expect(page.get_by_text("sets up a second factor")).to_be_visible()
    assert_accessible(page, f"the role question at {width}px")
    fits(page, width)
    shot(page, f"staff-{width}-03-confirm")

    page.get_by_role("button", name=f"Yes, make {peer} an admin").click()
    page.wait_for_url("**/staff?done=role")
    expect(page.locator("p.notice")).to_contain_text("Role changed")
    card = page.locator("li.card", has=page.get_by_role("heading", name=re.compile(f"^{peer}")))
    expect(card.locator(".status-line").first).to_contain_text("Admin")
    assert_accessible(page, f"role changed at {width}px")
    shot(page, f"staff-{width}-04-changed")

    # "No, go back" changes nothing.
    card.get_by_text("More").click()
    card.get_by_role("button", name="Make peer…").click()
    page.get_by_role("link", name="No, go back").click()
    page.wait_for_url(re.compile(r"/staff(#staff-\d+)?$"))
    card = page.locator("li.card", has=page.get_by_role("heading", name=re.compile(f"^{peer}")))
    expect(card.locator(".status-line").first).to_contain_text("Admin")
    context.close()

"""Forms sent in the background (static/app.js, data-inline) keep the button that was clicked: an alert's
acknowledge form has one submit button per outcome, all named "outcome"; whichever a peer taps is the
outcome recorded (read back through the API), in Debian's Chromium at phone and desktop width.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    Server,
    browser_type_launch_args,
    open_page,
    server,
    sign_in_peer,
)


def _outcomes(server: Server, token: str) -> dict[str, str | None]:
    response = httpx.get(
        server.url + "/api/alerts?status=acked", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {alert["nickname"]: alert["outcome"] for alert in response.json()}


CASES = [(390, "No answer", "no_answer"), (1280, "Left a message", "left_message")]


@pytest.mark.parametrize(("width", "button", "outcome"), CASES)
def test_the_clicked_outcome_is_the_one_recorded(browser, server: Server, width, button, outcome) -> None:
    peer, nickname = f"Ines Inline {width}", f"Lee {width}"
    token = server.add_staff(peer, "peer", "+15555550181")
    server.asks_for_a_call(token, f"+1555558{width:04d}", nickname)
    context, page = open_page(browser, width)
    sign_in_peer(page, server, peer)
    card = page.locator("li.alert.open", has_text=nickname)
    buttons = card.locator("form.ack button[name='outcome']")
    assert buttons.count() >= 3  # several submit buttons, one value each: the case app.js must keep
    url = page.url
    card.get_by_role("button", name=button, exact=True).click()
    done = page.locator("li.alert.acked", has_text=nickname)
    expect(done.locator(".done")).to_contain_text(button)  # swapped in place, by the background post
    assert page.url == url  # no page load: the inline path carried it
    assert _outcomes(server, token) == {nickname: outcome}
    context.close()

"""Sign-in limits: one budget per account however it is named, one per address, and concurrent guesses
queue behind the check (30 at once give at most the limit's worth of 401s, the rest 429)."""

from __future__ import annotations

import threading
from collections import Counter

from starlette.testclient import TestClient

from smsbot.auth import signin
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PASSWORD, Browser, audit_rows


def _from(app, address: str) -> Browser:
    return Browser(TestClient(app, follow_redirects=False, client=(address, 50000)))


def test_numeric_aliases_and_the_name_share_one_budget(client, staff_browser):
    peer = staff_browser("peer", name="Pat Peer", sign_in=False)
    number = str(peer.staff_id)
    aliases = [number, "0" + number, "00" + number, f" {number} ", "PAT PEER"]
    for index, alias in enumerate(aliases):  # each from its own address: only the account's budget counts
        response = _from(client.app, f"10.0.0.{index + 1}").sign_in(alias, "wrong guess")
        assert response.status_code == 401, alias
    for index, alias in enumerate(["000" + number, "pat peer", number]):
        late = _from(client.app, f"10.0.1.{index + 1}").sign_in(alias, PASSWORD)
        assert late.status_code == 429, alias  # even the right password, for now
    # An unrelated account is untouched by it.
    staff_browser("peer", name="Other Peer", sign_in=False)
    assert _from(client.app, "10.0.2.1").sign_in("Other Peer", PASSWORD).status_code == 303


def test_a_name_nobody_has_is_limited_like_any_other(client):
    guesser = [_from(client.app, f"10.1.0.{i}") for i in range(1, 8)]
    codes = [guesser[i].sign_in(name, "x").status_code for i, name in enumerate(["7" * 3, "0777", "777"] * 2)]
    assert codes[:5] == [401] * 5 and codes[5] == 429


def test_one_address_has_its_own_budget_across_names(client, staff_browser):
    for i in range(3):
        staff_browser("peer", name=f"Target {i}", sign_in=False)
    browser = _from(client.app, "10.2.0.1")
    codes = [
        browser.sign_in(f"Target {i % 3}" if i % 2 else f"nobody {i}", "x").status_code for i in range(20)
    ]
    assert codes == [401] * 20  # no name reached its own limit of 5
    assert browser.sign_in("Target 0", PASSWORD).status_code == 429
    assert _from(client.app, "10.2.0.2").sign_in("someone new", "x").status_code == 401


def test_a_success_clears_the_accounts_failures(client, staff_browser):
    staff_browser("peer", name="Pat Peer", sign_in=False)
    browser = _from(client.app, "10.3.0.1")
    for _ in range(4):
        assert browser.sign_in("Pat Peer", "wrong").status_code == 401
    assert browser.sign_in("Pat Peer").status_code == 303
    fresh = _from(client.app, "10.3.0.2")
    for _ in range(signin.MAX_FAILURES_PER_NAME):
        assert fresh.sign_in("Pat Peer", "wrong").status_code == 401


def test_thirty_concurrent_wrong_passwords_get_at_most_the_limit_of_401s(ctx, client, staff_browser):
    peer = staff_browser("peer", name="Pat Peer", sign_in=False)
    browsers = [_from(client.app, f"10.4.{i // 200}.{i % 200 + 1}") for i in range(30)]
    tokens = [browser.token() for browser in browsers]  # CSRF tokens fetched before the race
    start = threading.Barrier(30)
    codes: list[int] = []
    lock = threading.Lock()

    def guess(index: int) -> None:
        login = ["Pat Peer", str(peer.staff_id), "0" + str(peer.staff_id)][index % 3]
        start.wait()
        response = browsers[index].post(
            "/signin", {"login": login, "password": f"guess {index}"}, csrf=tokens[index]
        )
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counts = Counter(codes)
    assert sum(counts.values()) == 30
    assert counts[401] <= signin.MAX_FAILURES_PER_NAME, counts
    assert counts[429] == 30 - counts[401], counts
    assert len(audit_rows(ctx, "sign_in_failed")) == counts[401]

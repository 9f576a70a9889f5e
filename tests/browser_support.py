"""What the real-browser tests share: Debian's Chromium (never downloaded), `smsbot serve` as its own
process on a temporary SQLite database with a peer and an admin, sign-in steps, screenshots, and an
axe-core check (axe-playwright-python carries axe itself: nothing is fetched at run time).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import ACCOUNT_SID, OUR_NUMBER, PUBLIC_URL, REPO_ROOT, TEST_ENV, sign

CHROMIUM = shutil.which("chromium")
STARTUP_RETRIES = 8  # refused connections retried with backoff: about a minute in all
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
PARTICIPANT = "+15555550123"
NEW_PASSWORD = "a long passphrase for the test"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NO_CHROMIUM = "Chromium is not installed (apt-get install -y chromium): the real-browser tests are skipped"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded one; without it: skip (or fail, when CI requires it)."""
    if CHROMIUM is None:
        if os.environ.get("SMSBOT_TEST_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium must be installed (SMSBOT_TEST_REQUIRE_CHROMIUM is set)")
        pytest.skip(NO_CHROMIUM)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@dataclass
class Server:
    url: str
    env: dict[str, str]
    folder: Path
    database_url: str
    passwords: dict[str, str]
    totp_secrets: dict[str, str] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.totp_secrets = self.totp_secrets or {}

    def smsbot(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "smsbot", *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def text_in(self, body: str, sender: str = PARTICIPANT) -> None:
        """A signed inbound text, exactly as Twilio would post it."""
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": OUR_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", params)}
        response = httpx.post(self.url + "/twilio/sms", data=params, headers=headers, timeout=10)
        assert response.status_code == 200, response.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh server with "Pat Peer" (peer) and "Ada Admin" (admin); wrap it in a module fixture."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'smsbot.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSBOT_", "TWILIO_", "DATABASE_URL"))}
    env.update(TEST_ENV, DATABASE_URL=database_url, PYTHONPATH=str(REPO_ROOT / "src"))
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", env, folder, database_url, {})
    server.smsbot("db", "upgrade")
    for name, role, phone in (("Pat Peer", "peer", "+15555550177"), ("Ada Admin", "admin", "+15555550199")):
        out = server.smsbot("staff", "add", name, "--role", role, "--phone", phone)
        server.passwords[name] = re.search(r"^password: (\S+)$", out, re.M).group(1)
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbot", "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # httpx retries a refused connection itself (with backoff) while the server starts up.
        with httpx.Client(transport=httpx.HTTPTransport(retries=STARTUP_RETRIES)) as starting:
            try:
                started = starting.get(server.url + "/healthz", timeout=5).status_code == 200
            except httpx.TransportError:
                started = False
        if not started:
            pytest.fail("smsbot serve did not start")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    """Readable at this width: nothing makes the page scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def first_sign_in(page, server: Server, name: str) -> None:
    page.goto(server.url + "/")
    assert page.url.endswith("/signin")
    page.get_by_label("Your name or staff number").fill(name)
    page.get_by_label("Password").fill(server.passwords[name])
    page.get_by_role("button", name="Sign in").click()


def choose_password(page, server: Server, name: str) -> None:
    page.wait_for_url("**/account/password")
    page.get_by_label("Current password").fill(server.passwords[name])
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/?done=password")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory)


def sign_in_admin(page, server: Server, name: str = "Ada Admin") -> None:
    """First sign-in of an admin: password, second factor set up, new password; ends on the home page."""
    first_sign_in(page, server, name)
    page.wait_for_url("**/account/second-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    server.totp_secrets[name] = secret
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn it on").click()
    choose_password(page, server, name)


_AXE = Axe()


def assert_accessible(page, what: str) -> None:
    """axe-core finds no violations on the page as it is now (`what` names the page state)."""
    results = _AXE.run(page)
    violations = results.response["violations"]
    assert not violations, f"{what}: " + "; ".join(
        f"{v['id']} ({len(v['nodes'])}): {v['help']}" for v in violations
    )

"""Real-browser tests: Debian's Chromium, driven by pytest-playwright, against `smsbot serve` running
as its own process on a temporary SQLite database.

A peer signs in (on a 320 px wide screen), enrolls a participant, sees the alert after a missed
check-in (time moved on with `smsbot tick --now`) and acknowledges it; an admin sets up the second
factor and imports a directory file. Each page is saved as a screenshot in test-artifacts/browser/.
Playwright never downloads a browser here: without `chromium` on PATH these tests are skipped
(or fail, when SMSBOT_TEST_REQUIRE_CHROMIUM is set, as CI may do once it has installed it).
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
from datetime import timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import create_engine, select

from smsbot.models import Enrollment
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'smsbot.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSBOT_", "TWILIO_", "DATABASE_URL"))}
    env.update(TEST_ENV, DATABASE_URL=database_url, PYTHONPATH=str(REPO_ROOT / "src"))
    port = _free_port()
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


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _fits(page, width: int) -> None:
    """Readable at this width: nothing makes the page scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _first_sign_in(page, server: Server, name: str) -> None:
    page.goto(server.url + "/")
    assert page.url.endswith("/signin")
    page.get_by_label("Your name or staff number").fill(name)
    page.get_by_label("Password").fill(server.passwords[name])
    page.get_by_role("button", name="Sign in").click()


def _choose_password(page, server: Server, name: str) -> None:
    page.wait_for_url("**/account/password")
    page.get_by_label("Current password").fill(server.passwords[name])
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/?done=password")


def test_a_peer_enrolls_sees_the_missed_check_in_alert_and_acknowledges_it(browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 720})  # a small phone
    page = context.new_page()
    page.set_default_timeout(10_000)
    _first_sign_in(page, server, "Pat Peer")
    _shot(page, "peer-01-choose-password")
    _choose_password(page, server, "Pat Peer")
    assert page.get_by_text("No alerts.").is_visible()
    _fits(page, 320)
    _shot(page, "peer-02-alerts-empty")

    page.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Enroll a participant").click()  # the form has its own page
    page.get_by_label("Their mobile number").fill(PARTICIPANT)
    page.get_by_label("Nickname").fill("J")
    page.get_by_label("Check-in time").fill("18:00")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    assert page.get_by_text("ends in 0123").is_visible()
    assert PARTICIPANT not in page.content()
    _fits(page, 320)
    _shot(page, "peer-03-participant-invited")

    server.text_in("JOIN")  # the participant accepts the invitation
    page.reload()
    assert page.locator("h1 .status").inner_text() == "active"
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        due = conn.execute(select(Enrollment.__table__.c.next_checkin_at)).scalar_one()
    engine.dispose()
    for minutes in (0, 61, 122):  # prompt, reminder, then the alert: nobody answered
        server.smsbot("tick", "--now", (due + timedelta(minutes=minutes)).isoformat())

    page.get_by_role("link", name="Alerts", exact=True).click()
    alert = page.locator("li.alert.open")
    assert alert.count() == 1
    assert "J: no answer since 18:00" in " ".join(alert.locator(".what").inner_text().split())
    _fits(page, 320)
    _shot(page, "peer-04-alert-open")
    alert.get_by_role("button", name="No answer").click()  # one click, with what happened; no reload
    page.locator("li.alert.acked").get_by_text("Acknowledged").wait_for()
    assert page.locator("li.alert.open").count() == 0
    _shot(page, "peer-05-alert-acknowledged")

    page.get_by_role("link", name="Participants").click()
    assert page.locator("table").get_by_text("J", exact=True).is_visible()
    _fits(page, 320)
    _shot(page, "peer-06-participants")
    context.close()


DIRECTORY_CSV = """id,name,categories,address,city,state,zip,hours
b1,Riverside Naloxone Point,naloxone,1 Main St,Charlottesville,VA,22902,Mo-Fr 09:00-17:00
b2,Downtown Drop-In,drop_in;naloxone,2 Water St,Charlottesville,VA,22902,
b3,Nowhere Clinic,,3 Nowhere Rd,Nowhere,VA,,
"""


def test_an_admin_sets_up_the_second_factor_and_imports_a_directory_file(
    browser, server: Server, tmp_path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(server.url + "/signin")
    # Keyboard only: the name field has the focus, Tab goes to the password, Enter signs in.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login'")
    page.keyboard.type("Ada Admin")
    page.keyboard.press("Tab")
    page.keyboard.type(server.passwords["Ada Admin"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/second-factor")
    _shot(page, "admin-01-second-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn it on").click()
    _choose_password(page, server, "Ada Admin")

    page.keyboard.press("Tab")  # the first stop on every page is the skip link
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("link", name="Directory").click()
    upload = tmp_path / "services.csv"
    upload.write_text(DIRECTORY_CSV)
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    summary = page.locator(".summary")
    assert summary.inner_text().startswith("csv: added 2, updated 0, skipped 1")
    assert page.locator("ul.warnings li").count() >= 1
    assert page.get_by_role("link", name="Downtown Drop-In").is_visible()
    _shot(page, "admin-02-directory-imported")

    for label, name in (
        ("Participants", "admin-03-participants"),
        ("Wording", "admin-04-wording"),
        ("Numbers", "admin-05-numbers"),
        ("Staff", "admin-06-staff"),
        ("Audit log", "admin-07-audit"),
        ("Alerts", "admin-08-alerts"),
    ):
        page.get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.is_visible()
        _shot(page, name)
    audit = page.goto(server.url + "/audit")
    assert audit.ok and "imported a directory file" in page.content()
    context.close()

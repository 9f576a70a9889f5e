"""What the real-browser tests share: Debian's Chromium (never downloaded), `smsbot serve` as its own
process on a temporary SQLite database with a peer and an admin, a clock the test holds (the server's,
its commands' and the test's: `Server.clock`), the set-up every journey repeats (a window at a width,
new staff, sign-in), screenshots, and an axe-core check (axe-playwright-python carries axe itself:
nothing is fetched at run time).
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import create_engine, update
from sqlalchemy.engine import Connection

from smsbot.clock import as_utc, parse_iso
from smsbot.models import Staff
from tests.conftest import (
    ACCOUNT_SID,
    OUR_NUMBER,
    PUBLIC_URL,
    REPO_ROOT,
    START,
    TEST_ENV,
    sign,
    twiml_messages,
)

CHROMIUM = shutil.which("chromium")
STARTUP_RETRIES = 8  # refused connections retried with backoff: about a minute in all
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
PARTICIPANT = "+15555550123"
NEW_PASSWORD = "a long passphrase for the test"
TIMEOUT_MS = 15_000  # what a page step may take before the test fails (a slow, busy machine included)
TOTP_STEP = timedelta(seconds=30)
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

# How every `smsbot` process of these tests starts, `serve` and each command alike: its system clock
# reads the test's clock file (the first argument) on every `now()`, so it stands still until the test
# moves it. `tick --now` still runs on its own frozen instant.
ON_THE_TEST_CLOCK = """
import sys
from pathlib import Path

from smsbot.clock import SystemClock, parse_iso

clock_file = Path(sys.argv.pop(1))
SystemClock.now = lambda self: parse_iso(clock_file.read_text())

from smsbot.cli import main

main()
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded one; without it: skip (or fail, when CI requires it)."""
    if CHROMIUM is None:
        if os.environ.get("SMSBOT_TEST_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium must be installed (SMSBOT_TEST_REQUIRE_CHROMIUM is set)")
        pytest.skip(NO_CHROMIUM)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


class SharedClock:
    """The live server's clock, which the test holds: an instant in a file that the test writes and
    every `smsbot` process of the server reads. It moves only when the test moves it, so a TOTP code,
    "28 minutes ago" or today's date never depend on when, or how fast, a test runs."""

    def __init__(self, path: Path, at: datetime) -> None:
        self.path = path
        self.set(at)

    def now(self) -> datetime:
        return parse_iso(self.path.read_text())

    def set(self, at: datetime) -> None:
        fresh = self.path.with_name(self.path.name + ".new")
        fresh.write_text(as_utc(at).isoformat())
        os.replace(fresh, self.path)  # a reader sees the old instant or the new one, never half of one

    def advance(self, **delta: float) -> datetime:
        self.set(self.now() + timedelta(**delta))
        return self.now()


@dataclass
class Server:
    url: str
    env: dict[str, str]
    folder: Path
    database_url: str
    clock: SharedClock
    passwords: dict[str, str] = field(default_factory=dict)
    totp_secrets: dict[str, str] = field(default_factory=dict)

    def smsbot(self, *args: str) -> str:
        """An `smsbot` command on the server's database and clock; its output."""
        result = subprocess.run(
            [sys.executable, "-c", ON_THE_TEST_CLOCK, str(self.clock.path), *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def add_staff(self, name: str, role: str, phone: str | None = None) -> str:
        """A new account (its one-time password in `passwords`); its API token."""
        out = self.smsbot("staff", "add", name, "--role", role, *(["--phone", phone] if phone else []))
        self.passwords[name] = re.search(r"^password: (\S+)$", out, re.M).group(1)
        return re.search(r"^token: (\S+)$", out, re.M).group(1)

    def text_in(self, body: str, sender: str = PARTICIPANT) -> list[str]:
        """A signed inbound text, exactly as Twilio would post it; the line's answer (its texts)."""
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
        return twiml_messages(response.text)

    def enroll(self, token: str, phone: str, nickname: str) -> int:
        """A participant of the token's peer, enrolled through the API (check-ins at 18:00); their id."""
        body = {"phone": phone, "nickname": nickname, "time": "18:00", "timezone": "America/New_York"}
        response = httpx.post(
            self.url + "/api/enrollments", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def asks_for_a_call(self, token: str, phone: str, nickname: str) -> None:
        """A participant of the token's peer: enrolled (API), JOINs, then texts CALL (an alert at once)."""
        self.enroll(token, phone, nickname)
        self.text_in("JOIN", sender=phone)
        self.text_in("CALL", sender=phone)

    @contextmanager
    def database(self) -> Iterator[Connection]:
        """The server's database, one transaction (committed at the end of the block)."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()

    def choose_language(self, name: str, language: str) -> None:
        """A staff member's own language, written where the account page's picker writes it."""
        staff = Staff.__table__
        with self.database() as conn:
            conn.execute(update(staff).where(staff.c.name == name).values(language=language))

    def totp(self, secret: str, steps: int = 0) -> str:
        """The code an authenticator app shows for `secret` at the server's now (`steps` 30-second steps
        later or earlier)."""
        return pyotp.TOTP(secret).at(self.clock.now() + steps * TOTP_STEP)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh server with "Pat Peer" (peer) and "Ada Admin" (admin), on a clock stopped at conftest's
    START until the test moves it; wrap it in a module fixture."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'smsbot.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSBOT_", "TWILIO_", "DATABASE_URL"))}
    env.update(TEST_ENV, DATABASE_URL=database_url, PYTHONPATH=str(REPO_ROOT / "src"))
    port = free_port()
    clock = SharedClock(folder / "clock", START)
    server = Server(f"http://127.0.0.1:{port}", env, folder, database_url, clock)
    server.smsbot("db", "upgrade")
    for name, role, phone in (("Pat Peer", "peer", "+15555550177"), ("Ada Admin", "admin", "+15555550199")):
        server.add_staff(name, role, phone)
    process = subprocess.Popen(
        [sys.executable, "-c", ON_THE_TEST_CLOCK, str(clock.path), "serve", "--port", str(port)],
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory)


def open_page(
    browser,
    width: int,
    height: int | None = None,
    *,
    accept_dialogs: bool = False,
    clock: bool = False,
    init_script: str | None = None,
    **context_options,
):
    """A fresh browser window (its own cookies) of this width, phone- or desktop-tall unless `height`
    says; `accept_dialogs`: confirm() questions answered yes; `clock`: the page's timers run on
    Playwright's clock (moved by the test with `page.clock`); `init_script` runs before each page's own.
    Returns (context, page): close the context at the end."""
    height = height or (844 if width < 600 else 900)
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    if clock:
        page.clock.install()
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits(page, width: int) -> None:
    """Readable at this width: nothing makes the page scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def sign_in_form(page, name: str, password: str = NEW_PASSWORD) -> None:
    """Fill in and send the sign-in page that is open (what comes next is the caller's to wait for)."""
    page.get_by_label("Your name or staff number").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def first_sign_in(page, server: Server, name: str) -> None:
    """The home page sends a stranger to sign in; the one-time password from `smsbot staff add`."""
    page.goto(server.url + "/")
    assert page.url.endswith("/signin")
    sign_in_form(page, name, server.passwords[name])


def choose_password(page, server: Server, name: str) -> None:
    page.wait_for_url("**/account/password")
    page.get_by_label("Current password").fill(server.passwords[name])
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/?done=password")


def sign_in_peer(page, server: Server, name: str) -> None:
    """First sign-in of a peer: the one-time password, then a new one; ends on the home page."""
    first_sign_in(page, server, name)
    choose_password(page, server, name)


def sign_in_admin(page, server: Server, name: str = "Ada Admin") -> None:
    """First sign-in of an admin: password, second factor set up (its code at the server's now), new
    password; ends on the home page."""
    first_sign_in(page, server, name)
    page.wait_for_url("**/account/second-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    server.totp_secrets[name] = secret
    page.get_by_label("Code from the app").fill(server.totp(secret))
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

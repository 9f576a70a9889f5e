"""Real-browser tests: Debian's Chromium, driven by pytest-playwright, against `smsbot serve` running
as its own process on a temporary SQLite database.

A peer signs in (on a 320 px wide screen), enrolls a participant, sees the alert after a missed
check-in (time moved on with `smsbot tick --now`) and acknowledges it; an admin sets up the second
factor and imports a directory file. Each page is saved as a screenshot in test-artifacts/browser/.
Playwright never downloads a browser here: without `chromium` on PATH these tests are skipped
(or fail, when SMSBOT_TEST_REQUIRE_CHROMIUM is set, as CI may do once it has installed it). The server
runs on a clock the test holds (`server.clock`): the second factor's code comes from it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from smsbot.models import Enrollment
from tests.browser_support import (  # noqa: F401  (fixtures: browser_type_launch_args, server)
    PARTICIPANT,
    Server,
    browser_type_launch_args,
    choose_password,
    first_sign_in,
    fits,
    open_page,
    server,
    shot,
)


def test_a_peer_enrolls_sees_the_missed_check_in_alert_and_acknowledges_it(browser, server: Server) -> None:
    context, page = open_page(browser, 320, 720)  # a small phone
    first_sign_in(page, server, "Pat Peer")
    shot(page, "peer-01-choose-password")
    choose_password(page, server, "Pat Peer")
    assert page.get_by_text("No alerts.").is_visible()
    fits(page, 320)
    shot(page, "peer-02-alerts-empty")

    page.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Enroll a participant").click()  # the form has its own page
    page.get_by_label("Their mobile number").fill(PARTICIPANT)
    page.get_by_label("Nickname").fill("J")
    page.get_by_label("Check-in time").fill("18:00")
    page.get_by_role("button", name="Enroll and send the invitation").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=enrolled"))
    assert page.get_by_text("ends in 0123").is_visible()
    assert PARTICIPANT not in page.content()
    fits(page, 320)
    shot(page, "peer-03-participant-invited")

    server.text_in("JOIN")  # the participant accepts the invitation
    page.reload()
    assert page.locator("h1 .status").inner_text() == "active"
    with server.database() as conn:
        due = conn.execute(select(Enrollment.__table__.c.next_checkin_at)).scalar_one()
    for minutes in (0, 61, 122):  # prompt, reminder, then the alert: nobody answered
        server.smsbot("tick", "--now", (due + timedelta(minutes=minutes)).isoformat())

    page.get_by_role("link", name="Alerts", exact=True).click()
    alert = page.locator("li.alert.open")
    assert alert.count() == 1
    assert "J: no answer since 18:00" in " ".join(alert.locator(".what").inner_text().split())
    fits(page, 320)
    shot(page, "peer-04-alert-open")
    alert.get_by_role("button", name="No answer").click()  # one click, with what happened; no reload
    page.locator("li.alert.acked").get_by_text("Acknowledged").wait_for()
    assert page.locator("li.alert.open").count() == 0
    shot(page, "peer-05-alert-acknowledged")

    page.get_by_role("link", name="Participants").click()
    assert page.locator("table").get_by_text("J", exact=True).is_visible()
    fits(page, 320)
    shot(page, "peer-06-participants")
    context.close()


DIRECTORY_CSV = """id,name,categories,address,city,state,zip,hours
b1,Riverside Naloxone Point,naloxone,1 Main St,Charlottesville,VA,22902,Mo-Fr 09:00-17:00
b2,Downtown Drop-In,drop_in;naloxone,2 Water St,Charlottesville,VA,22902,
b3,Nowhere Clinic,,3 Nowhere Rd,Nowhere,VA,,
"""


def test_an_admin_sets_up_the_second_factor_and_imports_a_directory_file(
    browser, server: Server, tmp_path
) -> None:
    context, page = open_page(browser, 1280)
    page.goto(server.url + "/signin")
    # Keyboard only: the name field has the focus, Tab goes to the password, Enter signs in.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login'")
    page.keyboard.type("Ada Admin")
    page.keyboard.press("Tab")
    page.keyboard.type(server.passwords["Ada Admin"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/second-factor")
    shot(page, "admin-01-second-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(server.totp(secret))
    page.get_by_role("button", name="Turn it on").click()
    choose_password(page, server, "Ada Admin")

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
    shot(page, "admin-02-directory-imported")

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
        shot(page, name)
    audit = page.goto(server.url + "/audit")
    assert audit.ok and "imported a directory file" in page.content()
    context.close()

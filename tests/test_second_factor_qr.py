"""Second-factor set-up with a QR code (issue 12): an inline SVG drawn on the server from the otpauth
link, the key as text beside it, nothing fetched from elsewhere, and the link never in a log line."""

from __future__ import annotations

import logging
from html import unescape
from urllib.parse import parse_qs, urlparse

import pyotp

from smsbot.auth import totp
from smsbot.staff.service import create_staff
from tests.dashboard_fixtures import *  # noqa: F403


def _key(page: str) -> str:
    return page.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")


def test_the_qr_code_encodes_the_setup_link_and_the_key_is_the_fallback(
    ctx, clock, anonymous, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    created = create_staff(ctx, "Ada Admin", "admin")
    ada = anonymous()
    assert ada.sign_in("Ada Admin", created.password).headers["location"] == "/account/second-factor"
    page = ada.get("/account/second-factor").text
    key = _key(page)
    uri = totp.setup_uri(key, "Ada Admin", ctx.settings.program_name)
    assert totp.qr_svg(uri, "QR code to scan with your authenticator app") in page
    svg = page.split('<div class="qr-box">')[1].split("</div>")[0]
    assert svg.startswith('<svg role="img"') and "<title>QR code to scan" in svg
    assert "http" not in svg and "style=" not in svg  # drawn here; nothing the page's CSP would refuse
    link = unescape(page.split('<p class="on-this-phone">')[1].split('href="')[1].split('"')[0])
    assert link == uri and parse_qs(urlparse(link).query)["secret"] == [key]
    assert ada.get("/account/second-factor").text.count(key[:4]) >= 1  # the same key until confirmed
    assert _key(ada.get("/account/second-factor").text) == key

    wrong = ada.post("/account/second-factor", {"code": "123456"})
    assert wrong.status_code == 422
    assert 'id="code-error"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert 'href="#code"' in wrong.text  # the summary links to the field
    done = ada.post("/account/second-factor", {"code": pyotp.TOTP(key).at(clock.now())})
    assert done.headers["location"] == "/account/password"
    assert "otpauth" not in caplog.text and key not in caplog.text

"""deploy/: what an operator copies into Twilio's console must be our real wording (Advanced Opt-Out
texts identical to our STOP/START/HELP answers, registration samples), and the Caddy fallback must
be the app's own fallback text.
"""

from __future__ import annotations

from html import escape

import pytest

from smsbot.config import Settings
from smsbot.replies.wording import Wording
from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
# The example program deploy/README.md renders its tables for.
EXAMPLE = {
    "SMSBOT_PROGRAM_NAME": "Rivanna Text Line",
    "SMSBOT_HELP_CONTACT": "call (434) 555-0100",
    "SMSBOT_PROGRAM_NAME_ES": "Línea de Texto Rivanna",
    "SMSBOT_HELP_CONTACT_ES": "llama al (434) 555-0100",
    "SMSBOT_SECRET_KEY": "docs-secret-key-that-is-long-enough-0123456789",
    "DATABASE_URL": "sqlite:///:memory:",
}


@pytest.fixture(scope="module")
def wording() -> Wording:
    return Wording.from_settings(Settings(_env_file=None, **EXAMPLE))


@pytest.mark.parametrize("key", ["opt_out_confirm", "opt_in_confirm", "help"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_advanced_opt_out_table_is_our_wording(wording: Wording, key: str, language: str):
    readme = (DEPLOY / "README.md").read_text()
    assert wording.render(key, language) in readme, f"deploy/README.md: update the {key} ({language}) text"


def test_the_registration_samples_are_our_wording(wording: Wording):
    readme = (DEPLOY / "README.md").read_text()
    assert wording.render("naloxone", "en") in readme
    assert wording.render("checkin_prompt", "en", peer="Sam") in readme


def test_caddy_answers_the_fallback_with_the_apps_own_text(wording: Wording):
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert f"<Message>{escape(wording.render('fallback', 'en'), quote=False)}</Message>" in caddy

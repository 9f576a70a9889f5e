"""A web process's first texts, paid for at start-up: statements compiled, routing's patterns and word
lists built, the signature's HMAC set up, the published wording read, a database connection open.
Nothing is written and nothing is counted: the same work on made-up texts, thrown away."""

from __future__ import annotations

import logging
import time

from smsbot.context import AppContext
from smsbot.inbound.signature import signature_ok
from smsbot.inbound.twiml import twiml_message
from smsbot.inbound.webhook import TwilioForm
from smsbot.replies.wording import LANGUAGES, Wording
from smsbot.routing import RouteContext, route

log = logging.getLogger(__name__)
# Keywords, a ZIP, an emergency, distress and free text in both languages: each path routing takes.
SAMPLES = (
    "MENU",
    "NALOXONE",
    "narcan",
    "SITES 22902",
    "HEART",
    "STOP",
    "my friend wont wake up, lips blue",
    "i cant do this anymore",
    "quiero dejar de usar",
    "hey can someone call me back later tonight",
)


def warm_up(ctx: AppContext) -> float:
    """Do it; returns the seconds it took. A database that does not answer yet is not an error here:
    the first text will say so (503) the same way it would have."""
    started = time.perf_counter()
    for body in SAMPLES:
        for language in LANGUAGES:
            route(body, RouteContext(language=language))
    form = TwilioForm([("MessageSid", "SM" + "0" * 32), ("From", "+15005550001"), ("Body", "MENU")])
    signature_ok(ctx.settings, "/twilio/sms", form, "not-a-signature")
    try:
        ctx.db.warm_up()
        twiml_message(Wording.from_settings(ctx.settings).render("menu", "en"))
    except Exception as exc:  # the type only: never a value
        log.warning("start-up warm-up stopped at the database (%s)", type(exc).__name__)
    return time.perf_counter() - started

"""The staff interface in English or Spanish: gettext catalogs read with Babel, the language each
request is shown in, and the `_`/`ngettext` callables the templates and pages use.
"""
# English text is the message id, so English needs no catalog. Catalogs are the .po files under
# locale/<lang>/LC_MESSAGES/ (one per area of the dashboard, merged): read and compiled in memory at
# start-up, so nothing is built or downloaded beforehand. A missing translation shows the English.

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import cookie_parser

from smsbot.errors import N_  # noqa: F401  (re-exported: mark text where it is defined, translate where shown)

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# code -> the language's own name (what the picker shows, whatever the page's language)
LANGUAGES = {"en": "English", "es": "Español"}
COOKIE = "smsbot_lang"  # the language chosen before signing in (the sign-in pages)

_current: ContextVar[str] = ContextVar("staff_language", default=DEFAULT)


@cache
def translations(language: str) -> NullTranslations:
    """Every catalog of one language, merged (NullTranslations for English or an unknown code)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    if language == DEFAULT or not folder.is_dir():
        return NullTranslations()
    merged: Translations | None = None
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        found = Translations(compiled)
        if merged is None:
            merged = found
        else:
            merged.merge(found)
    return merged or NullTranslations()


@cache
def js_strings(language: str) -> dict[str, str]:
    """What the page scripts say (the `js*.po` catalogs), English -> `language`, for static/i18n.js."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    if language == DEFAULT or not folder.is_dir():
        return {}
    strings: dict[str, str] = {}
    for po in sorted(folder.glob("js*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string and isinstance(message.id, str):
                    strings[message.id] = str(message.string)
    return strings


def pick(*choices: str | None, accept_language: str | None = None) -> str:
    """The first supported language among explicit choices (the staff member's setting, a cookie),
    else the browser's Accept-Language, else English."""
    for choice in choices:
        if choice in LANGUAGES:
            return choice
    if accept_language:
        ranked = []
        for part in accept_language.split(","):
            tag, _, quality = part.strip().partition(";q=")
            try:
                ranked.append((float(quality or 1), tag.strip().lower()[:2]))
            except ValueError:
                continue
        for _, code in sorted(ranked, key=lambda pair: -pair[0]):
            if code in LANGUAGES:
                return code
    return DEFAULT


def use(language: str) -> None:
    """Show the rest of this request (this thread or task) in `language`."""
    _current.set(language if language in LANGUAGES else DEFAULT)


def current() -> str:
    return _current.get()


def locale() -> Locale:
    """The current language as a Babel locale (dates, numbers)."""
    return Locale.parse(current())


def gettext(message: str, **variables: object) -> str:
    """`message` in the current language; `%(name)s` placeholders filled from `variables`."""
    text = translations(current()).ugettext(message) if message else message
    return text % variables if variables else text


def ngettext(singular: str, plural: str, count: int, **variables: object) -> str:
    """Singular or plural by `count`, translated; `%(num)s` is the count."""
    text = translations(current()).ungettext(singular, plural, count)
    return text % {"num": count, **variables}


_ = gettext


class LanguageMiddleware:
    """Set each staff-side request's language before any handler runs (a handler may word an error
    before it renders): the cookie the dashboard keeps in step with the staff member's choice, else
    the browser's. `render` then applies the signed-in staff member's own setting. Texters' webhooks
    are skipped: their language comes from their texts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/twilio/", "/static/", "/metrics")):
            await self.app(scope, receive, send)
            return
        cookie = accept = None
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie = cookie_parser(value.decode("latin-1")).get(COOKIE)
            elif name == b"accept-language":
                accept = value.decode("latin-1")
        token = _current.set(pick(cookie, accept_language=accept))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)

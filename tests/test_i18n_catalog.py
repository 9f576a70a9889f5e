"""The Spanish staff interface is complete: every English text the pages, the page code, the features'
messages and the page scripts can show has a Spanish translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from smsbot.dashboard import i18n

SRC = Path(__file__).resolve().parents[1] / "src" / "smsbot"
TEMPLATES = SRC / "dashboard" / "templates"
STATIC = SRC / "dashboard" / "static"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
JS_CALL = re.compile(r"""\bt\(\s*(["'])((?:\\.|(?!\1).)+)\1""")
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _python_files() -> list[Path]:
    """Modules that mark text: N_ anywhere; `_`/gettext in the staff interface's own code."""
    return [path for path in SRC.rglob("*.py") if re.search(r"\bN_\(|i18n\b", path.read_text())]


def _ids(found) -> set[str]:
    ids: set[str] = set()
    for _line, message, _comments, _context in found:
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                ids.add(text)
    return ids


def extracted() -> dict[str, set[str]]:
    """English ids by where they were found: templates, Python, scripts."""
    templates: set[str] = set()
    for path in sorted(TEMPLATES.glob("*.html")):
        templates |= _ids(
            extract_from_file(babel_extract, str(path), keywords=KEYWORDS, options=JINJA_OPTIONS)
        )
    python: set[str] = set()
    for path in _python_files():
        keywords = KEYWORDS if "dashboard" in path.parts else {"N_": None}
        python |= _ids(extract_from_file("python", str(path), keywords=keywords))
    scripts: set[str] = set()
    for path in sorted(STATIC.glob("*.js")):
        for match in JS_CALL.finditer(path.read_text()):
            scripts.add(match.group(2).encode().decode("unicode_escape"))
    return {"templates": templates, "python": python, "scripts": scripts}


def spanish() -> dict[str, str]:
    strings: dict[str, str] = {}
    for po in sorted((i18n.LOCALE_DIR / "es" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="es"):
                if message.id:
                    ids = message.id if isinstance(message.id, tuple) else (message.id,)
                    texts = message.string if isinstance(message.string, tuple) else (message.string,)
                    for text_id, text in zip(ids, texts, strict=False):
                        strings[text_id] = text
    return strings


def test_templates_and_code_mark_their_text():
    found = extracted()
    # The frame of every page and the features' errors are marked (a guard against extraction
    # silently finding nothing, which would make the next test pass vacuously).
    assert {"Sign out", "Skip to content"} <= found["templates"]
    assert "Drug alerts" in found["python"]


@pytest.mark.parametrize("where", ["templates", "python", "scripts"])
def test_every_marked_text_has_spanish_with_the_same_placeholders(where):
    catalog = spanish()
    missing = sorted(text for text in extracted()[where] if not catalog.get(text))
    assert not missing, f"{len(missing)} texts without Spanish, e.g. {missing[:10]}"
    wrong = [
        text
        for text in extracted()[where]
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(catalog[text]))
    ]
    assert not wrong, f"placeholders differ in Spanish: {wrong[:10]}"


def test_script_strings_reach_the_page_scripts():
    # Every translated script text is in a js*.po catalog, which the page carries for static/i18n.js.
    shipped = i18n.js_strings("es")
    missing = sorted(text for text in extracted()["scripts"] if text not in shipped)
    assert not missing, f"script texts not in a js*.po catalog: {missing[:10]}"


@pytest.mark.parametrize(
    ("chosen", "cookie", "accept", "shown"),
    [
        ("es", None, "en-US,en;q=0.9", "es"),  # the staff member's own choice wins
        (None, "es", "en-US", "es"),  # chosen before signing in
        (None, None, "es-MX,es;q=0.9,en;q=0.5", "es"),  # the browser's
        (None, None, "fr-FR,en;q=0.5", "en"),
        (None, None, "fr-FR", "en"),  # nothing we have: English
        ("xx", "zz", "en;q=oops", "en"),  # unknown codes and a broken header
    ],
)
def test_language_picked(chosen, cookie, accept, shown):
    assert i18n.pick(chosen, cookie, accept_language=accept) == shown

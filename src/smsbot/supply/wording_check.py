"""Checking an alert's wording before anyone can approve it: what subscribers get passes the packs'
checks (segments, encoding, reading grade, reserved words, person-first language; replies/checker.py),
and the alert never repeats a report word for word, names a phone number, uses the street slang
carriers filter (carrier_words.toml), or names a stamp, seller, account or corner (risky_names.py).
Problems block approval; notes are shown beside the text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from smsbot.config import get_settings
from smsbot.errors import N_
from smsbot.replies.checker import DEFAULT_SEGMENTS, check_rendered
from smsbot.replies.said import Said, at
from smsbot.replies.wording import Wording
from smsbot.routing.normalize import fold, tokenize
from smsbot.supply import risky_names
from smsbot.supply.broadcast import body_for

WORDS_FILE = Path(__file__).with_name("carrier_words.toml")
QUOTE_WORDS = 4  # this many words in a row from a report is a quote (it could tell who reported)
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
_TOLL_FREE = re.compile(r"^(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?")  # national lines are fine
_SHORTENED = re.compile(r"\b(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly|is\.gd|rb\.gy|cutt\.ly)/", re.I)


@dataclass
class AlertCheck:
    problems: list[str] = field(default_factory=list)  # any of these blocks approval
    notes: list[str] = field(default_factory=list)  # segments and grade per language
    bodies: dict[str, str] = field(default_factory=dict)  # exactly what subscribers get, per language

    @property
    def ok(self) -> bool:
        return not self.problems


@lru_cache(maxsize=4)
def carrier_words(path: Path = WORDS_FILE) -> dict[tuple[str, ...], str]:
    """Folded word tuples -> what to say instead."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {tokenize(fold(entry["word"])): entry.get("say", "plain words") for entry in data.get("word", [])}


def _slang(text: str) -> list[str]:
    tokens = tokenize(fold(text))
    found = []
    for words, say in carrier_words().items():
        size = len(words)
        if any(tokens[i : i + size] == words for i in range(len(tokens) - size + 1)):
            slang = N_("uses %(words)s, which carriers may filter: say %(say)s")
            found.append(Said(slang, words=repr(" ".join(words)), say=repr(say)))
    return found


def _quotes(text: str, reports: list[str]) -> list[str]:
    tokens = tokenize(fold(text))
    runs = {tuple(tokens[i : i + QUOTE_WORDS]) for i in range(len(tokens) - QUOTE_WORDS + 1)}
    found: list[str] = []
    for report in reports:
        words = tokenize(fold(report))
        for i in range(len(words) - QUOTE_WORDS + 1):
            run = tuple(words[i : i + QUOTE_WORDS])
            if run in runs and " ".join(run) not in " ".join(found):
                found.append(" ".join(run))
    quote = N_("repeats a report word for word (%(quote)s): put it in your own words")
    return [Said(quote, quote=repr(q)) for q in found]


def _numbers(text: str) -> list[str]:
    found = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7 and not _TOLL_FREE.match(m.group(0).strip()):
            found.append(
                Said(
                    N_("has a phone number: alerts name no one's number (national lines like 1-800 are fine)")
                )
            )
    if _SHORTENED.search(text):
        found.append(Said(N_("has a shortened link: carriers block them; give the full address or none")))
    return found


def check_alert(wording: Wording, alert_row, report_texts: list[str]) -> AlertCheck:
    """Check each language the alert has (text_en / text_es) as subscribers would get it."""
    result = AlertCheck()
    texts = {"en": alert_row.text_en, "es": alert_row.text_es}
    if not any((t or "").strip() for t in texts.values()):
        result.problems.append(Said(N_("the alert has no text yet: write it in English, Spanish or both")))
        return result
    for language, text in texts.items():
        if not (text or "").strip():
            continue
        body = body_for(wording, alert_row, language)
        result.bodies[language] = body
        problems, note = check_rendered(language, f"{language} alert", body, DEFAULT_SEGMENTS[language])
        result.problems += problems
        result.notes.append(note)
        result.problems += [at(f"{language} alert", p) for p in _slang(text) + _quotes(text, report_texts)]
        result.problems += [at(f"{language} alert", p) for p in _numbers(text)]
        named = risky_names.problems(text, report_texts, wording, get_settings().alert_names_file)
        result.problems += [at(f"{language} alert", p) for p in named]
    return result

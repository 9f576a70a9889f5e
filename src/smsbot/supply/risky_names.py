"""Names a drug-supply alert must not carry: stamps, brands, sellers' nicknames and accounts, street
corners (the maintained list and patterns in risky_names.toml, plus a program's own file named by
SMSBOT_ALERT_NAMES_FILE), and words that look like proper names in the reports the alert comes from.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from smsbot.errors import N_
from smsbot.replies.said import Said
from smsbot.replies.wording import Wording
from smsbot.routing.normalize import fold, tokenize

log = logging.getLogger(__name__)
NAMES_FILE = Path(__file__).with_name("risky_names.toml")
MIN_NAME_LETTERS = 4  # "Jay", "Dre" are names too, but three letters match too many plain words
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?¡¿\n:;]+")
# What the writer is told for each kind of pattern in risky_names.toml, with what was found.
KINDS = {
    "handle": N_("has an @handle (%(found)s): an alert names no one's account"),
    "app_account": N_("names an account on an app (%(found)s): an alert names no one's account"),
    "brand": N_(
        "names a brand or stamp (%(found)s): say what it looked like (colour, shape) and what it was "
        "sold as, in plain words"
    ),
    "nickname": N_("has what looks like a nickname (%(found)s): an alert names no seller or buyer"),
    "owner": N_("says whose plug, spot or batch it is (%(found)s): an alert names no seller"),
    "corner": N_("names a street corner (%(found)s): give the neighbourhood or the ZIP, never a corner"),
    "phone": N_("has a phone number spelled with letters (%(found)s): alerts name no one's number"),
}
LISTED = N_("names %(name)s, a stamp, brand or nickname: it can point to one seller")
REPORTED = N_(
    "uses %(word)s, which a report wrote as a name: names can point to a seller or to who reported; "
    "describe it instead"
)
BROKEN = N_(
    "the program's list of names (SMSBOT_ALERT_NAMES_FILE) could not be read: fix the file or unset it"
)


@dataclass(frozen=True)
class NameList:
    names: dict[tuple[str, ...], str]  # folded words -> as listed
    allow: frozenset[str]  # folded words that look like names but point to no one
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # (pattern, its kind or a program's own words)
    broken: str | None = None  # the program's own file could not be read: every check says so


def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def name_list(extra: Path | None = None) -> NameList:
    """The shipped list, with a program's own file laid over it (its names, allowed words and patterns
    are added). Read again when the program's file changes: a name added counts at the next check."""
    try:
        changed = extra.stat().st_mtime_ns if extra is not None else None
    except OSError:
        changed = -1
    return _name_list(extra, changed)


@lru_cache(maxsize=8)
def _name_list(extra: Path | None, changed: int | None) -> NameList:
    # A program file that cannot be read blocks every alert with the reason, rather than letting alerts
    # through unchecked against names the program meant to stop.
    sources, broken = [_read(NAMES_FILE)], None
    if extra is not None:
        try:
            sources.append(_read(extra))
            for entry in sources[-1].get("pattern", []):
                re.compile(entry["regex"])
                if entry.get("kind") not in KINDS and not isinstance(entry.get("why"), str):
                    raise ValueError("a pattern needs a known kind or its own why")
        except (OSError, ValueError, KeyError, TypeError, re.error) as exc:
            log.error("SMSBOT_ALERT_NAMES_FILE could not be read: %s", type(exc).__name__)
            sources, broken = sources[:1], str(extra)
    names: dict[tuple[str, ...], str] = {}
    allow: set[str] = set()
    patterns: list[tuple[re.Pattern[str], str]] = []
    for data in sources:
        names |= {tokenize(fold(name)): name for name in data.get("names", []) if tokenize(fold(name))}
        allow |= {fold(word) for word in data.get("allow", [])}
        patterns += [(re.compile(p["regex"]), p.get("kind") or p["why"]) for p in data.get("pattern", [])]
    return NameList(names, frozenset(allow), tuple(patterns), broken)


def pack_words(wording: Wording) -> frozenset[str]:
    """Every word the wording packs use, in either language (folded): the line's own dictionary.
    Read each time (about 1 ms): an admin's published edit of the wording counts at once."""
    words: set[str] = set()
    for pack in wording.packs.values():
        for entry in pack.entries.values():
            for part in entry.parts:
                words.update(tokenize(fold(part)))
    return frozenset(words)


def names_in_reports(report_texts: Iterable[str], dictionary: frozenset[str]) -> set[str]:
    """Words a report wrote capitalised mid-sentence that the packs never use (folded)."""
    # Why this heuristic: reports are short texts typed on phones, where a capital in the middle of a
    # sentence is deliberate, and what people capitalise there is a name: a stamp ("the Tesla ones"), a
    # seller ("got them from Dre"), a place ("behind Kroger"). Repeating one in an alert can point to
    # the seller and, through them, to the few people who could have reported. The first word of a text
    # or sentence is skipped: phones capitalise it whatever it is. The packs are the dictionary because
    # they are the plain words alerts are written in, in both languages, offline; a word they lack that
    # a report capitalised costs the writer a rewording, while a name let through can cost a reporter.
    found: set[str] = set()
    for text in report_texts:
        for sentence in _SENTENCE_END.split(text):
            for i, match in enumerate(_WORD.finditer(sentence)):
                word = match.group(0)
                if i == 0 or not word[0].isupper() or len(word.replace("'", "")) < MIN_NAME_LETTERS:
                    continue
                folded = tokenize(fold(word))
                if len(folded) == 1 and folded[0] not in dictionary:
                    found.add(folded[0])
    return found


def problems(text: str, report_texts: list[str], wording: Wording, extra: Path | None = None) -> list[str]:
    """What in this alert text could name a seller, a stamp, an account or a corner (empty: nothing)."""
    names = name_list(extra)
    found: list[str] = [Said(BROKEN)] if names.broken else []
    tokens = tokenize(fold(text))
    for words, listed in names.names.items():
        size = len(words)
        if any(tokens[i : i + size] == words for i in range(len(tokens) - size + 1)):
            found.append(Said(LISTED, name=repr(listed)))
    told: set[str] = set()
    for pattern, kind in names.patterns:
        for match in pattern.finditer(text):
            last = tokenize(fold(match.group(0)))[-1:]
            if (last and last[0] in names.allow) or kind in told:
                continue
            told.add(kind)  # one problem per kind: the writer rewords, and the check runs again
            shown = repr(match.group(0).strip())
            found.append(Said(KINDS[kind], found=shown) if kind in KINDS else f"{kind} ({shown})")
    dictionary = pack_words(wording) | names.allow
    for word in sorted(names_in_reports(report_texts, dictionary) & set(tokens)):
        found.append(Said(REPORTED, word=repr(word)))
    return found

"""A reply being edited in the dashboard: what each part would cost (encoding, segments, reading grade),
what `smsbot content check` would say about it, in words for the person editing, and a word diff.

Pure: the packs and the draft in, numbers and sentences out. The checker runs on packs holding only
this reply, so its rules are exactly the content check's for it (and it answers in milliseconds).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from string import Formatter

from smsbot.errors import N_
from smsbot.replies import rules
from smsbot.replies.checker import DEFAULT_SEGMENTS, SAMPLE_VALUES, SAMPLE_VALUES_BY_LANGUAGE, check_packs
from smsbot.replies.readability import grade_level
from smsbot.replies.said import Said
from smsbot.replies.segments import segment_info
from smsbot.replies.wording import LANGUAGES, Entry, Pack, fill

LANGUAGE_NAMES = {"en": N_("English"), "es": N_("Spanish")}
_PROBLEM_RE = re.compile(r"^(?P<language>[a-z]{2}) (?P<key>[a-z0-9_]+)(?:\[(?P<index>\d+)\])?: (?P<what>.*)$")
Texts = dict[str, tuple[str, ...]]  # language -> parts


def field_name(language: str, index: int) -> str:
    """The form field (and element id) of one part of one language."""
    return f"{language}-{index}"


@dataclass
class PartReport:
    encoding: str = "?"
    units: int = 0
    segments: int = 0
    budget: int = 2
    grade: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.segments > self.budget


@dataclass
class DraftReport:
    parts: dict[str, PartReport] = field(default_factory=dict)  # by field name
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, sentence), in form order

    @property
    def ok(self) -> bool:
        return not self.problems


def budget(packs: dict[str, Pack], key: str, language: str) -> int:
    if key in rules.ONE_SEGMENT_KEYS:
        return 1
    entry = packs[language].entries[key]
    return entry.segments or DEFAULT_SEGMENTS.get(language, 2)


def _rendered(text: str, language: str) -> str | None:
    """The part as a phone would get it, with the checker's sample values (None: broken braces)."""
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name}
        samples = {**SAMPLE_VALUES, **SAMPLE_VALUES_BY_LANGUAGE.get(language, {})}
        return fill(text, {**{name: "X" * 20 for name in names}, **samples})
    except (ValueError, KeyError, IndexError, AttributeError):
        return None


def numbers(text: str, language: str, budget: int) -> PartReport:
    """Encoding, length, segments (against the budget) and, in English, the reading grade of a part."""
    part = PartReport(budget=budget)
    rendered = _rendered(text, language)
    if rendered is not None:
        info = segment_info(rendered)
        part.encoding, part.units, part.segments = info.encoding, info.units, info.segments
        part.grade = grade_level(rendered) if language == "en" else None
    return part


# The checker's own words, said for the person editing (anything else is shown as the checker says it).
_PLAIN = (
    (
        re.compile(r"non-GSM character '(.+)' \(U\+[0-9A-F]+\) in an English reply"),
        "“{0}” is not a plain text-message character: the whole text would cost about twice as much. "
        "Use a plain one (' instead of ’, \" instead of “ ”)",
    ),
    (
        re.compile(r"(\d+) segments \(([^,]+), (\d+) units\), budget (\d+)"),
        "too long: it would go as {0} text messages ({2} characters, {1}); at most {3} are allowed",
    ),
    (
        re.compile(r"unknown placeholder \{(\w+)\} \(known: (.*)\)"),
        "{{{0}}} is not a word the line can fill in. It can fill in: {1}",
    ),
    (
        re.compile(r"placeholders \[(.*)\] differ from en \[(.*)\]"),
        "the words in braces must be the same as in English (here: {0}; in English: {1})",
    ),
)


# The same, for the checker's Said (translatable): its template -> the plain words' template.
_PLAIN_SAID = {
    N_("non-GSM character %(char)s (U+%(code)s) in an English reply"): N_(
        "“%(char)s” is not a plain text-message character: the whole text would cost about twice as much. "
        "Use a plain one (' instead of ’, \" instead of “ ”)"
    ),
    N_("%(segments)s segments (%(encoding)s, %(units)s units), budget %(budget)s"): N_(
        "too long: it would go as %(segments)s text messages (%(units)s characters, %(encoding)s); "
        "at most %(budget)s are allowed"
    ),
    N_("unknown placeholder %(name)s (known: %(known)s)"): N_(
        "%(name)s is not a word the line can fill in. It can fill in: %(known)s"
    ),
    N_("placeholders %(theirs)s differ from en %(ours)s"): N_(
        "the words in braces must be the same as in English (here: %(theirs)s; in English: %(ours)s)"
    ),
}


def _plain_value(value: object) -> object:
    if isinstance(value, list):
        return ", ".join(value) if value else Said(N_("none"))
    return str(value).replace("'", "") if isinstance(value, str) else value


def _plain(what: str) -> str:
    if isinstance(what, Said) and what.template in _PLAIN_SAID:
        values = {name: _plain_value(value) for name, value in what.values.items()}
        return Said(_PLAIN_SAID[what.template], **values)
    for pattern, said in _PLAIN:
        found = pattern.fullmatch(what.strip())
        if found:
            return said.format(*(g.replace("'", "") or "none" for g in found.groups()))
    return what


def _sentence(language: str, index: int | None, count: int, what: str) -> str:
    if isinstance(what, Said):
        name = LANGUAGE_NAMES.get(language, language)
        place = (
            Said(name)
            if index is None or count <= 1
            else Said(N_("%(language)s, part %(n)s"), language=Said(name), n=index + 1)
        )
        said = _plain(what)
        if isinstance(said, Said) and not said.rstrip().endswith("."):
            return Said(N_("%(where)s: %(what)s."), where=place, what=said.capitalised())
        what = str(said)
    where = LANGUAGE_NAMES.get(language, language)
    if index is not None and count > 1:
        where += f", part {index + 1}"
    what = _plain(what)
    return f"{where}: {what[:1].upper()}{what[1:]}".rstrip(".") + "."


def check(packs: dict[str, Pack], key: str, texts: Texts) -> DraftReport:
    """The draft's numbers per part and the content check's problems with it, each beside its part."""
    only = {
        language: Pack(language, packs[language].version, {key: _entry(packs, key, language, texts)})
        for language in LANGUAGES
    }
    problems, _notes = check_packs(only)
    report = DraftReport()
    for language in LANGUAGES:
        for index, text in enumerate(texts[language]):
            report.parts[field_name(language, index)] = numbers(text, language, budget(packs, key, language))
    for problem in problems:
        found = _PROBLEM_RE.match(problem)
        if found is None or found["key"] != key:
            continue  # about another reply (a required key missing from these one-reply packs)
        language, index = found["language"], int(found["index"]) if found["index"] else None
        count = len(texts.get(language, ()))
        name = field_name(language, index or 0)
        what = problem.what() if isinstance(problem, Said) else found["what"]
        sentence = _sentence(language, index, count, what)
        report.problems.append((name, sentence))
        if name in report.parts:
            report.parts[name].problems.append(sentence)
    order = list(report.parts)
    report.problems.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return report


def _entry(packs: dict[str, Pack], key: str, language: str, texts: Texts) -> Entry:
    shipped = packs[language].entries[key]
    return Entry(key=key, parts=tuple(texts[language]), segments=shipped.segments)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """("same" | "removed" | "added", words) pieces that turn `old` into `new`, word by word."""
    before, after = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(after[j1:j2])))
    return pieces

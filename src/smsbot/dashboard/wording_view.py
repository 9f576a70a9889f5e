"""What the Wording pages show: the replies as the line sends them (the packs with published versions
laid over), one reply's editor with its numbers and its history (who, when, what changed, word by word).
"""

from __future__ import annotations

from collections.abc import Mapping

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.engine import Connection

from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import _, locale
from smsbot.models import Staff
from smsbot.replies import drafts, editing, published
from smsbot.replies.drafts import LANGUAGE_NAMES, PartReport
from smsbot.replies.said import told
from smsbot.replies.wording import LANGUAGES, Entry, Pack

staff_t = Staff.__table__


def with_overrides(packs: dict[str, Pack], overrides: published.Texts) -> dict[str, Pack]:
    """The packs as the line uses them: each published version in place of the pack's wording."""
    result = {}
    for language, pack in packs.items():
        entries = dict(pack.entries)
        for (key, lang), parts in overrides.items():
            if lang == language and key in entries and len(parts) == len(entries[key].parts):
                entries[key] = Entry(key=key, parts=parts, segments=entries[key].segments)
        result[language] = Pack(pack.language, pack.version, entries)
    return result


def meta(part: PartReport) -> str:
    """ "GSM-7 · 312 characters · 2 of 2 segments · grade 6.1" for a part, in the page's language."""
    said = _(
        "%(encoding)s · %(units)s characters · %(segments)s of %(budget)s segments",
        encoding=part.encoding,
        units=part.units,
        segments=part.segments,
        budget=part.budget,
    )
    if part.grade is not None:
        said += " · " + _("reading grade %(grade)s", grade=format_decimal(part.grade, locale=locale()))
    return said + (" · " + _("too long") if part.over else "")


def translated(problems: list[tuple[str, str]]) -> FormErrors:
    """The draft's problems (field, sentence) for the form, in the page's language."""
    return FormErrors((name, told(sentence, _)) for name, sentence in problems)


def rows(packs: dict[str, Pack], problems: list[str], latest: Mapping[str, int], q: str) -> list[dict]:
    """One row per reply (those matching `q` in their name or words): each language's parts."""
    wanted = q.strip().casefold()
    found = []
    for key in dict.fromkeys(key for language in LANGUAGES for key in packs[language].entries):
        texts = {lang: packs[lang].entries[key].parts for lang in LANGUAGES if key in packs[lang].entries}
        words = " ".join(part for parts in texts.values() for part in parts).casefold()
        if wanted and wanted not in key and wanted not in words:
            continue
        languages = {}
        for language in LANGUAGES:
            mine = (f"{language} {key}:", f"{language} {key}[")
            own = [p.split(":", 1)[1].strip() for p in problems if p.startswith(mine)]
            if language not in texts:
                languages[language] = {"parts": [], "problems": own or [_("missing in this language")]}
                continue
            budget = drafts.budget(packs, key, language) if key in packs[language].entries else 2
            parts = [{"text": t, "meta": meta(drafts.numbers(t, language, budget))} for t in texts[language]]
            languages[language] = {"parts": parts, "problems": own}
        found.append({"key": key, "languages": languages, "version": latest.get(key)})
    return found


def editor(conn: Connection, packs: dict[str, Pack], key: str, texts: drafts.Texts | None) -> dict:
    """The editor's context: the draft (what is in use, unless a draft came back), numbers, history."""
    found = editing.history(conn, key)
    latest = found[0] if found else None
    in_use = editing.effective(packs, key, latest)
    draft = texts or in_use
    report = drafts.check(packs, key, draft)
    people = {row.id: row.name for row in conn.execute(select(staff_t.c.id, staff_t.c.name))}
    languages = []
    for language in LANGUAGES:
        count = len(draft[language])
        parts = []
        for index, text in enumerate(draft[language]):
            name = drafts.field_name(language, index)
            label = _(LANGUAGE_NAMES[language])
            if count > 1:
                label = _("%(language)s, part %(n)s", language=label, n=index + 1)
            mine = report.parts[name]
            mine = PartReport(**{**vars(mine), "problems": [told(p, _) for p in mine.problems]})
            parts.append({"field": name, "label": label, "text": text, "report": mine})
            parts[-1]["meta"] = meta(report.parts[name])
        languages.append({"code": language, "name": _(LANGUAGE_NAMES[language]), "parts": parts})
    history = [
        {
            "number": version.number,
            "who": people.get(version.published_by) or _("someone at the server"),
            "at": version.published_at,
            "restores": version.restores,
            "changes": {
                code: {"pieces": pieces, "changed": any(kind != "same" for kind, _ in pieces)}
                for code, pieces in editing.changes(packs, key, found, version.number).items()
            },
            "current": index == 0,
        }
        for index, version in enumerate(found)
    ]
    shipped_in_use = latest is None or all(text is None for text in latest.texts.values())
    return {
        "key": key,
        "languages": languages,
        "language_names": LANGUAGE_NAMES,
        "base_version": latest.number if latest else 0,
        "history": history,
        "shipped_in_use": shipped_in_use,
        "draft_changed": texts is not None and texts != in_use,
    }


def report_json(report: drafts.DraftReport) -> dict:
    return {
        "parts": {
            name: {"meta": meta(part), "over": part.over, "problems": [told(p, _) for p in part.problems]}
            for name, part in report.parts.items()
        },
        "problems": [{"field": name, "message": told(message, _)} for name, message in report.problems],
    }

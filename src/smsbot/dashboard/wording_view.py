"""What the Wording pages show: the replies as the line sends them (the packs with published versions
laid over), one reply's editor with its numbers and its history (who, when, what changed, word by word).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.engine import Connection

from smsbot.models import Staff
from smsbot.replies import drafts, editing, published
from smsbot.replies.drafts import LANGUAGE_NAMES, PartReport
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
    """ "GSM-7 · 312 characters · 2 of 2 segments · grade 6.1" for a part."""
    said = f"{part.encoding} · {part.units} characters · {part.segments} of {part.budget} segments"
    if part.grade is not None:
        said += f" · reading grade {part.grade:g}"
    return said + (" · too long" if part.over else "")


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
                languages[language] = {"parts": [], "problems": own or ["missing in this language"]}
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
            label = LANGUAGE_NAMES[language] + (f", part {index + 1}" if count > 1 else "")
            parts.append({"field": name, "label": label, "text": text, "report": report.parts[name]})
            parts[-1]["meta"] = meta(report.parts[name])
        languages.append({"code": language, "name": LANGUAGE_NAMES[language], "parts": parts})
    history = [
        {
            "number": version.number,
            "who": people.get(version.published_by, "someone at the server"),
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
            name: {"meta": meta(part), "over": part.over, "problems": part.problems}
            for name, part in report.parts.items()
        },
        "problems": [{"field": name, "message": message} for name, message in report.problems],
    }

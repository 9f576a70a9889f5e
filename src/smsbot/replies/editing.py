"""Publishing a reply's wording from the dashboard, and rolling it back: the service every door calls.

`publish` and `roll_back` take (conn, actor, now, ...), enforce every rule (admins only, a reply the
packs have, every part kept, the same checks as `smsbot content check`, nobody else published since
the editor opened), write one version (a row per language) and exactly one audit row, and never
commit. The line picks a new version up without a restart (published.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.errors import N_, Conflict, Forbidden, Invalid, NotFound
from smsbot.models import WordingVersion
from smsbot.replies.drafts import Texts, check, field_name, word_diff
from smsbot.replies.published import parts_of, stored
from smsbot.replies.wording import LANGUAGES, Entry, Pack

versions = WordingVersion.__table__
MAX_PART_CHARS = 1000


class WordingRefused(Invalid):
    """The draft fails the content check: every problem, each with the part it belongs to."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        first_field, first = problems[0]
        if len(problems) > 1:
            message = N_("This wording can't be published yet. %(first)s (and %(more)s more)")
        else:
            message = N_("This wording can't be published yet. %(first)s")
        super().__init__(message, field=first_field, values={"first": first, "more": len(problems) - 1})
        self.problems = problems


@dataclass(frozen=True)
class Version:
    number: int
    texts: dict[str, tuple[str, ...] | None]  # language -> parts; None: as the pack says
    restores: int | None
    published_by: int | None
    published_at: datetime
    first_id: int


def history(conn: Connection, key: str) -> list[Version]:
    """Every published version of a reply, newest first."""
    rows = conn.execute(
        select(versions).where(versions.c.key == key).order_by(versions.c.version.desc(), versions.c.id)
    ).all()
    found: dict[int, Version] = {}
    for row in rows:
        if row.version not in found:
            found[row.version] = Version(
                row.version, {}, row.restores, row.published_by, row.published_at, row.id
            )
        found[row.version].texts[row.language] = parts_of(row.text)
    return list(found.values())


def latest_numbers(conn: Connection) -> dict[str, int]:
    """The newest version number of each reply edited in the dashboard."""
    query = select(versions.c.key, func.max(versions.c.version)).group_by(versions.c.key)
    return {key: int(number) for key, number in conn.execute(query)}


def effective(packs: dict[str, Pack], key: str, version: Version | None) -> Texts:
    """What the line sends for this reply under a version (None: no version, the packs' wording)."""
    shipped = {language: packs[language].entries[key].parts for language in LANGUAGES}
    if version is None:
        return shipped
    return {language: version.texts.get(language) or shipped[language] for language in LANGUAGES}


def _require(actor: Actor, packs: dict[str, Pack], key: str) -> None:
    if not actor.is_admin:
        raise Forbidden(N_("Only an admin can change the wording."))
    if any(key not in packs[language].entries for language in LANGUAGES):
        raise NotFound(N_("There is no reply with this name."))


def _latest(conn: Connection, key: str, base_version: int) -> Version | None:
    found = history(conn, key)
    latest = found[0] if found else None
    if (latest.number if latest else 0) != base_version:
        raise Conflict(
            N_(
                "Someone else published this reply while you were editing it. Your text is kept here: "
                "compare it with theirs below, then publish again."
            )
        )
    return latest


def _unwritable(text: str) -> bool:
    """Control characters (other than new lines and tabs) and lone surrogates: no phone shows them,
    and PostgreSQL refuses a NUL."""
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\r\t" for c in text)


def _clean(packs: dict[str, Pack], key: str, texts: dict[str, list[str]]) -> Texts:
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown:
        raise Invalid(N_("Write the reply in English (en) and Spanish (es) only."), field=field_name("en", 0))
    cleaned: Texts = {}
    for language in LANGUAGES:
        shipped = packs[language].entries[key].parts
        given = list(texts.get(language) or [])
        if len(given) != len(shipped):
            raise Invalid(
                N_("Fill in every part of the reply in both languages."), field=field_name(language, 0)
            )
        for index, text in enumerate(given):
            if len(text) > MAX_PART_CHARS:
                raise Invalid(
                    N_("A part can be at most %(most)s characters."),
                    field=field_name(language, index),
                    values={"most": MAX_PART_CHARS},
                )
            if not isinstance(text, str) or _unwritable(text):
                raise Invalid(
                    N_("A part can hold only letters, numbers, punctuation and line breaks."),
                    field=field_name(language, index),
                )
        cleaned[language] = tuple(text.replace("\r\n", "\n").strip() for text in given)
    return cleaned


def _insert(
    conn: Connection, actor: Actor, now: datetime, key: str, number: int, texts, restores: int | None
) -> int:
    """One row per language; a race with another publisher is a Conflict, not a 500."""
    try:
        with conn.begin_nested():
            ids = [
                conn.execute(
                    versions.insert()
                    .values(
                        key=key,
                        language=language,
                        version=number,
                        text=stored(texts[language]),
                        restores=restores,
                        published_by=actor.staff_id,
                        published_at=now,
                    )
                    .returning(versions.c.id)
                ).scalar_one()
                for language in LANGUAGES
            ]
    except IntegrityError:
        raise Conflict(
            N_("Someone else published this reply a moment ago. Reload it to see theirs.")
        ) from None
    return ids[0]


def publish(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    key: str,
    texts: dict[str, list[str]],
    base_version: int,
    packs: dict[str, Pack],
) -> int:
    """A new version of `key` with these parts (both languages); returns its number."""
    _require(actor, packs, key)
    draft = _clean(packs, key, texts)
    latest = _latest(conn, key, base_version)
    if draft == effective(packs, key, latest):
        raise Invalid(N_("Nothing changed: edit the wording first."), field=field_name(LANGUAGES[0], 0))
    report = check(packs, key, draft)
    if not report.ok:
        raise WordingRefused(report.problems)
    number = (latest.number if latest else 0) + 1
    first_id = _insert(conn, actor, now, key, number, draft, None)
    detail = f"{key} v{number} ({actor.door})"
    audit.record(conn, now, actor.staff_id, "wording_published", "wording_version", first_id, detail)
    return number


def roll_back(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    key: str,
    to_version: int,
    base_version: int,
    packs: dict[str, Pack],
    languages: tuple[str, ...] = LANGUAGES,
) -> int:
    """A new version of `key` that brings back an earlier one (0: the wording the packs shipped); with
    `languages`, only those languages come back and the others stay as they are."""
    _require(actor, packs, key)
    if not languages or set(languages) - set(LANGUAGES):
        raise Invalid(N_("Choose English (en), Spanish (es) or both."), field="languages")
    latest = _latest(conn, key, base_version)
    earlier = {version.number: version for version in history(conn, key)}
    if to_version != 0 and to_version not in earlier:
        raise NotFound(N_("There is no such version of this reply."))
    if latest is None or to_version == latest.number:
        raise Invalid(N_("This version is the one in use already."))
    back = {language: None for language in LANGUAGES} if to_version == 0 else earlier[to_version].texts
    texts = {lang: back.get(lang) if lang in languages else latest.texts.get(lang) for lang in LANGUAGES}
    if effective(packs, key, _as_version(latest, texts)) == effective(packs, key, latest):
        raise Invalid(N_("This wording is the one in use already."))
    number = latest.number + 1
    first_id = _insert(conn, actor, now, key, number, texts, to_version)
    back_to = "the wording that shipped" if to_version == 0 else f"v{to_version}"
    only = "" if set(languages) == set(LANGUAGES) else f" ({', '.join(sorted(languages))} only)"
    detail = f"{key} v{number}: back to {back_to}{only} ({actor.door})"
    audit.record(conn, now, actor.staff_id, "wording_rolled_back", "wording_version", first_id, detail)
    return number


def _as_version(latest: Version, texts: dict[str, tuple[str, ...] | None]) -> Version:
    return Version(latest.number, dict(texts), None, None, latest.published_at, latest.first_id)


def changes(packs: dict[str, Pack], key: str, found: list[Version], number: int) -> dict[str, list]:
    """What version `number` changed, per language, as word-diff pieces against the version before it
    (the packs' wording before the first). `found` is `history(conn, key)`, newest first."""
    position = next(i for i, version in enumerate(found) if version.number == number)
    before = effective(packs, key, found[position + 1] if position + 1 < len(found) else None)
    after = effective(packs, key, found[position])
    return {
        language: word_diff("\n\n".join(before[language]), "\n\n".join(after[language]))
        for language in LANGUAGES
    }


# What the API and the command line need besides publish and roll back: the same rules, other shapes.


def listing(conn: Connection, actor: Actor, packs: dict[str, Pack]) -> list[tuple[str, int | None]]:
    """Every reply the packs have, with the number of its newest published version (None: never)."""
    if not actor.is_admin:
        raise Forbidden(N_("Only an admin can change the wording."))
    latest = latest_numbers(conn)
    keys = dict.fromkeys(key for language in LANGUAGES for key in packs[language].entries)
    return [(key, latest.get(key)) for key in keys if all(key in packs[lang].entries for lang in LANGUAGES)]


def current(conn: Connection, actor: Actor, packs: dict[str, Pack], key: str) -> tuple[list[Version], Texts]:
    """A reply's versions (newest first) and what the line sends for it now."""
    _require(actor, packs, key)
    found = history(conn, key)
    return found, effective(packs, key, found[0] if found else None)


def publish_languages(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    key: str,
    texts: dict[str, list[str]],
    packs: dict[str, Pack],
    base_version: int | None = None,
) -> int:
    """`publish` with some languages given: the others stay as the line sends them now. Without
    `base_version`, the newest version is the base (the caller saw nothing to compare against)."""
    found, in_use = current(conn, actor, packs, key)
    latest = found[0].number if found else 0
    whole = {language: list(texts.get(language) or in_use[language]) for language in LANGUAGES}
    whole |= {language: given for language, given in texts.items() if language not in LANGUAGES}
    base = latest if base_version is None else base_version
    return publish(conn, actor, now, key=key, texts=whole, base_version=base, packs=packs)


def with_published(
    packs: dict[str, Pack], overrides: dict[tuple[str, str], tuple[str, ...]]
) -> dict[str, Pack]:
    """The packs as the line sends them: each published version in place of the pack's wording (one
    whose number of parts no longer matches its pack is ignored by the line, so here too)."""
    laid = {}
    for language, pack in packs.items():
        entries = dict(pack.entries)
        for (key, lang), parts in overrides.items():
            if lang == language and key in entries and len(parts) == len(entries[key].parts):
                entries[key] = Entry(key=key, parts=parts, segments=entries[key].segments)
        laid[language] = Pack(pack.language, pack.version, entries)
    return laid

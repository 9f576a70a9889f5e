"""Publishing a reply's wording from the dashboard, and rolling it back: the service every door calls.

`publish` and `roll_back` take (conn, actor, now, ...), enforce every rule (admins only, a reply the
packs have, every part kept, the same checks as `smsbot content check`, nobody else published since
the editor opened), write one version (a row per language) and exactly one audit row, and never
commit. The line picks a new version up without a restart (published.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from smsbot.actor import Actor
from smsbot.audit import log as audit
from smsbot.errors import Conflict, Forbidden, Invalid, NotFound
from smsbot.models import WordingVersion
from smsbot.replies.drafts import Texts, check, field_name, word_diff
from smsbot.replies.published import parts_of, stored
from smsbot.replies.wording import LANGUAGES, Pack

versions = WordingVersion.__table__
MAX_PART_CHARS = 1000


class WordingRefused(Invalid):
    """The draft fails the content check: every problem, each with the part it belongs to."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        first_field, first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"This wording can't be published yet. {first}{more}", field=first_field)
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
        raise Forbidden("Only an admin can change the wording.")
    if any(key not in packs[language].entries for language in LANGUAGES):
        raise NotFound("There is no reply with this name.")


def _latest(conn: Connection, key: str, base_version: int) -> Version | None:
    found = history(conn, key)
    latest = found[0] if found else None
    if (latest.number if latest else 0) != base_version:
        raise Conflict(
            "Someone else published this reply while you were editing it. Your text is kept here: "
            "compare it with theirs below, then publish again."
        )
    return latest


def _clean(packs: dict[str, Pack], key: str, texts: dict[str, list[str]]) -> Texts:
    cleaned: Texts = {}
    for language in LANGUAGES:
        shipped = packs[language].entries[key].parts
        given = list(texts.get(language) or [])
        if len(given) != len(shipped):
            raise Invalid("Fill in every part of the reply in both languages.", field=field_name(language, 0))
        for index, text in enumerate(given):
            if len(text) > MAX_PART_CHARS:
                raise Invalid(
                    f"A part can be at most {MAX_PART_CHARS} characters.", field=field_name(language, index)
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
        raise Conflict("Someone else published this reply a moment ago. Reload it to see theirs.") from None
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
        raise Invalid("Nothing changed: edit the wording first.", field=field_name(LANGUAGES[0], 0))
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
) -> int:
    """A new version of `key` that brings back an earlier one (0: the wording the packs shipped)."""
    _require(actor, packs, key)
    latest = _latest(conn, key, base_version)
    earlier = {version.number: version for version in history(conn, key)}
    if to_version != 0 and to_version not in earlier:
        raise NotFound("There is no such version of this reply.")
    if latest is None or to_version == latest.number:
        raise Invalid("This version is the one in use already.")
    texts = {language: None for language in LANGUAGES} if to_version == 0 else earlier[to_version].texts
    number = latest.number + 1
    first_id = _insert(conn, actor, now, key, number, texts, to_version)
    back_to = "the wording that shipped" if to_version == 0 else f"v{to_version}"
    detail = f"{key} v{number}: back to {back_to} ({actor.door})"
    audit.record(conn, now, actor.staff_id, "wording_rolled_back", "wording_version", first_id, detail)
    return number


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

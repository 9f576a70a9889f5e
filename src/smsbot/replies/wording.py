"""Loading wording packs and rendering replies.

A pack is one TOML file per language (`packs/en.toml`, `packs/es.toml`), editable by an admin
without code; `SMSBOT_WORDING_DIR` points at an edited copy. Each entry is a table with either
`text = "..."` or `parts = ["...", "..."]` (later parts are what MORE sends), and optionally
`segments = N` (its budget, when it differs from the language default). Wording an admin published
in the dashboard (published.py) is laid over the packs, without a restart.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Formatter

from smsbot.replies.published import Published, for_database

PACKS_DIR = Path(__file__).parent / "packs"
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
# Where a sentence starts: the text's start, after . ! ? and a space, or a new line; then optional
# opening marks (Spanish ¿ ¡, quotes, a bracket).
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?]\s+|\n\s*)[¿¡\"'(]*$")
_FORMATTER = Formatter()


class WordingError(LookupError):
    """A reply key or language the packs do not have."""


@dataclass(frozen=True)
class Entry:
    key: str
    parts: tuple[str, ...]
    segments: int | None = None  # budget override; None = language default


@dataclass(frozen=True)
class Pack:
    language: str
    version: str
    entries: dict[str, Entry] = field(default_factory=dict)


def _load_pack(path: Path) -> Pack:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    meta = data.pop("meta", {})
    entries: dict[str, Entry] = {}
    for key, value in data.items():
        if not isinstance(value, dict):
            raise WordingError(f"{path.name}: entry {key!r} must be a table")
        if "parts" in value:
            parts = tuple(value["parts"])
        elif "text" in value:
            parts = (value["text"],)
        else:
            raise WordingError(f"{path.name}: entry {key!r} needs text or parts")
        entries[key] = Entry(key=key, parts=tuple(p.strip() for p in parts), segments=value.get("segments"))
    return Pack(
        language=meta.get("language", path.stem),
        version=str(meta.get("version", "unversioned")),
        entries=entries,
    )


@lru_cache(maxsize=8)
def load_packs(directory: Path | None = None) -> dict[str, Pack]:
    directory = directory or PACKS_DIR
    return {lang: _load_pack(directory / f"{lang}.toml") for lang in LANGUAGES}


@lru_cache(maxsize=1024)
def _compiled(template: str) -> tuple[tuple[str, str | None, str | None, str, bool], ...]:
    """(literal, field, conversion, spec, opens a sentence) per piece; parsed once per template."""
    pieces = []
    before = ""
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        before += literal
        opens = name is not None and bool(_SENTENCE_START_RE.search(before))
        pieces.append((literal, name, conversion, spec or "", opens))
        before += "x" if name is not None else ""  # a filled value is never empty in practice
    return tuple(pieces)


def fill(template: str, values: dict[str, str]) -> str:
    """`template.format(**values)`, except that a value opening a sentence starts with a capital.

    Settings and handlers fill mid-sentence words ("ask your local program", "a peer"); where the
    pack puts one at a sentence start ("Questions? {help_contact}."), the texter still reads a sentence.
    """
    out: list[str] = []
    for literal, name, conversion, spec, opens in _compiled(template):
        out.append(literal)
        if name is None:
            continue
        value, _ = _FORMATTER.get_field(name, (), values)
        text = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec)
        if opens and text[:1].islower():
            text = text[0].upper() + text[1:]
        out.append(text)
    return "".join(out)


class Wording:
    """Renders replies from the packs, filling program-wide placeholders from settings.

    `defaults` hold values for every language; `by_language` the ones a language overrides (the program
    name and help contact in Spanish, so AYUDA is all Spanish). `published`: the dashboard's versions,
    which win over the packs (a reply keeps its number of parts and its segment budget).
    """

    def __init__(
        self,
        packs: dict[str, Pack],
        defaults: dict[str, str] | None = None,
        by_language: dict[str, dict[str, str]] | None = None,
        published: Published | None = None,
    ) -> None:
        self.packs = packs
        self.defaults = defaults or {}
        self.by_language = by_language or {}
        self.published = published

    @classmethod
    def from_settings(cls, settings, *, published: bool = True) -> Wording:  # settings: config.Settings
        return cls(
            load_packs(settings.wording_dir),
            {"program": settings.program_name, "help_contact": settings.help_contact},
            {
                language: {
                    "program": settings.program_name_for(language),
                    "help_contact": settings.help_contact_for(language),
                }
                for language in LANGUAGES
            },
            for_database(settings.database_url) if published else None,
        )

    def _pack(self, language: str) -> Pack:
        return self.packs.get(language) or self.packs[DEFAULT_LANGUAGE]

    def entry(self, key: str, language: str) -> Entry:
        pack = self._pack(language)
        try:
            entry = pack.entries[key]
        except KeyError:
            raise WordingError(f"no wording {key!r} in {pack.language}") from None
        if self.published is not None:
            parts = self.published.texts().get((key, pack.language))
            if parts is not None and len(parts) == len(entry.parts):
                return Entry(key=key, parts=parts, segments=entry.segments)
        return entry

    def count(self, key: str, language: str) -> int:
        return len(self.entry(key, language).parts)

    def render(self, key: str, language: str, part: int = 0, **values: str) -> str:
        """One part of a reply with its placeholders filled, in the pack's language."""
        text = self.entry(key, language).parts[part]
        own = self.by_language.get(self._pack(language).language, {})
        return fill(text, {**self.defaults, **own, **values})

    def version(self, language: str) -> str:
        tag = self.published.version_tag() if self.published is not None else ""
        return self.packs[language].version + tag

"""Loading wording packs and rendering replies.

A pack is one TOML file per language (`packs/en.toml`, `packs/es.toml`), editable by an admin
without code; `SMSBOT_WORDING_DIR` points at an edited copy. Each entry is a table with either
`text = "..."` or `parts = ["...", "..."]` (later parts are what MORE sends), and optionally
`segments = N` (its budget, when it differs from the language default).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Formatter

PACKS_DIR = Path(__file__).parent / "packs"
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


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


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


class Wording:
    """Renders replies from the packs, filling program-wide placeholders from settings."""

    def __init__(self, packs: dict[str, Pack], defaults: dict[str, str] | None = None) -> None:
        self.packs = packs
        self.defaults = defaults or {}

    @classmethod
    def from_settings(cls, settings) -> Wording:  # settings: smsbot.config.Settings
        return cls(
            load_packs(settings.wording_dir),
            {"program": settings.program_name, "help_contact": settings.help_contact},
        )

    def entry(self, key: str, language: str) -> Entry:
        pack = self.packs.get(language) or self.packs[DEFAULT_LANGUAGE]
        try:
            return pack.entries[key]
        except KeyError:
            raise WordingError(f"no wording {key!r} in {pack.language}") from None

    def count(self, key: str, language: str) -> int:
        return len(self.entry(key, language).parts)

    def render(self, key: str, language: str, part: int = 0, **values: str) -> str:
        """One part of a reply with its placeholders filled."""
        text = self.entry(key, language).parts[part]
        return text.format(**{**self.defaults, **values})

    def version(self, language: str) -> str:
        return self.packs[language].version

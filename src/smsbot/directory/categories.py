"""The directory's categories, the names importers accept for them, and how an imported service is
classified: taxonomy codes, then term names, then (only as a fallback) words; see taxonomy.toml.

`Classifier.load(path)` reads the shipped taxonomy.toml, with an admin's `--mapping FILE.toml` laid
over it; `classify(codes, name, description)` gives {category: reason}, the reason saying what
matched ("AIRS RX-8450.8000", "term: Needle Exchange", "words: syringe + drugs in description").
A mapping file written for the old format (category = [phrases]) still works: its phrases are
matched in term names and, on their own, in names and descriptions.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from smsbot.errors import N_

CATEGORIES = (
    "naloxone",
    "test_strips",
    "syringe_services",
    "overdose_prevention",
    "drop_in",
    "treatment",
    "health_clinic",
)
DEFAULT_MAPPING = Path(__file__).with_name("taxonomy.toml")
# Each category as the staff pages name it (English catalog ids: a page shows them translated).
NAMES = {
    "naloxone": N_("naloxone"),
    "test_strips": N_("test strips"),
    "syringe_services": N_("syringe services"),
    "overdose_prevention": N_("overdose prevention"),
    "drop_in": N_("drop in"),
    "treatment": N_("treatment"),
    "health_clinic": N_("health clinic"),
}

# Other spellings a flat CSV or the API may use for a category (after lower-casing, spaces → _).
ALIASES = {
    "narcan": "naloxone",
    "teststrips": "test_strips",
    "test_strip": "test_strips",
    "fentanyl_test_strips": "test_strips",
    "drug_checking": "test_strips",
    "syringe_service": "syringe_services",
    "syringe_services_program": "syringe_services",
    "ssp": "syringe_services",
    "needle_exchange": "syringe_services",
    "supervised_consumption": "overdose_prevention",
    "overdose_prevention_center": "overdose_prevention",
    "opc": "overdose_prevention",
    "dropin": "drop_in",
    "drop-in": "drop_in",
    "clinic": "health_clinic",
    "health": "health_clinic",
    "detox": "treatment",
    "moud": "treatment",
}
# An AIRS/211 LA code, optionally followed by its term name: "RX-8450.8000-180 Drug Abuse Counseling".
_AIRS = re.compile(
    r"^([A-Z]{1,2}-\d{4}(?:\.\d{4})?(?:-\d{3})?(?:\.\d{2,3})?)(?![\w.-])\s*[-:]?\s*(.*)$", re.IGNORECASE
)
_SECTIONS = ("codes", "terms", "words", "words_alone", "context", "false_friends")


def normalize_category(value: str) -> str | None:
    """The category a written name stands for ("Drug checking" → test_strips), or None."""
    key = re.sub(r"[\s/]+", "_", value.strip().lower())
    if key in CATEGORIES:
        return key
    return ALIASES.get(key) or ALIASES.get(key.replace("_", ""))


def parse_categories(text: str) -> tuple[list[str], list[str]]:
    """Split a `;`-separated list into (known categories, unknown names), each without duplicates."""
    known: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[;,|]", text or ""):
        if not part.strip():
            continue
        category = normalize_category(part)
        if category is None:
            unknown.append(part.strip())
        elif category not in known:
            known.append(category)
    return known, unknown


@lru_cache(maxsize=65536)
def _words(text: str) -> str:
    """Lower case, anything but letters and digits a space, padded: phrases match whole words."""
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def _phrases(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for p in (_words(v) for v in values) if p.strip())


def _first(haystack: str, phrases: Iterable[str]) -> str | None:
    return next((p for p in phrases if p in haystack), None)


@dataclass(frozen=True)
class Classifier:
    """The mapping of taxonomy.toml, compiled: codes by prefix, phrases padded for whole-word search."""

    codes: Mapping[str, tuple[str, ...]]
    terms: Mapping[str, tuple[str, ...]]
    words: Mapping[str, tuple[str, ...]]
    words_alone: Mapping[str, tuple[str, ...]]
    context: tuple[str, ...]
    false_friends: tuple[str, ...]
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, mapping_path: str | Path | None = None) -> Classifier:
        """The shipped mapping, with the tables of `mapping_path` (if any) laid over it."""
        table = _read(DEFAULT_MAPPING)
        if mapping_path:
            _merge(table, _read(Path(mapping_path)), Path(mapping_path).name)
        return cls.from_table(table)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> Classifier:
        per_category = {
            section: {c: _phrases(table.get(section, {}).get(c, [])) for c in CATEGORIES}
            for section in ("terms", "words", "words_alone")
        }
        return cls(
            codes={k.strip().upper(): tuple(v) for k, v in table.get("codes", {}).items()},
            terms=per_category["terms"],
            words=per_category["words"],
            words_alone=per_category["words_alone"],
            context=_phrases(table.get("context", {}).get("phrases", [])),
            false_friends=_phrases(table.get("false_friends", {}).get("phrases", [])),
        )

    def classify(self, codes: Iterable[str], name: str | None, description: str | None) -> dict[str, str]:
        """{category: reason}: codes first, then term names, then words (empty: none fits)."""
        found: dict[str, str] = {}
        name_text = _words(name or "")
        name_vetoed = self._vetoed(name_text)
        for raw in codes:
            for category, reason in self._code_reasons(str(raw or "").strip(), name_vetoed):
                found.setdefault(category, reason)
        if found:
            return {c: found[c] for c in CATEGORIES if c in found}
        return self._from_words(name_text, _words(description or ""))

    def _vetoed(self, text: str) -> bool:
        """Whether a false friend stands in the text (one compiled search, not one per phrase)."""
        pattern = self._cache.get("false friends")
        if pattern is None:
            alternatives = "|".join(re.escape(p) for p in self.false_friends) or r"(?!x)x"
            pattern = self._cache["false friends"] = re.compile(alternatives)
        return pattern.search(text) is not None

    def _code_reasons(self, raw: str, name_vetoed: bool) -> list[tuple[str, str]]:
        """_from_code, remembered: a 211 export repeats a few hundred codes over thousands of services."""
        key = ("code", raw, name_vetoed)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._from_code(raw, name_vetoed)
        return found

    def _from_code(self, raw: str, name_vetoed: bool) -> list[tuple[str, str]]:
        if not raw:
            return []
        term = raw
        match = _AIRS.match(raw)
        if match:  # an AIRS code covers its children: the longest mapped prefix decides
            key, term = match.group(1).upper(), match.group(2)
            categories, label = self._code_categories(key), f"AIRS {key}"
        elif raw.upper().startswith("SAMHSA:"):
            key, term = raw.upper().replace(" ", ""), ""
            categories, label = self.codes.get(key), f"SAMHSA {key.split(':', 1)[1]}"
        else:  # any other code an admin mapped (Open Eligibility ids, a local scheme): exact match
            categories, label = self.codes.get(raw.upper()), f"code {raw}"
        if categories is not None:
            return [(c, label) for c in categories if c in CATEGORIES]
        if not term or name_vetoed:
            return []
        text = _words(term)
        if self._vetoed(text):
            return []
        shown = term.strip()
        return [(c, f"term: {shown}") for c in CATEGORIES if _first(text, self.terms[c])]

    def _code_categories(self, code: str) -> tuple[str, ...] | None:
        """The longest mapped prefix of `code` (a code covers its children), or None if none is mapped."""
        if code in self._cache:
            return self._cache[code]
        result = None
        candidate = code
        while candidate:
            if candidate in self.codes:
                result = self.codes[candidate]
                break
            cut = max(candidate.rfind("."), candidate.rfind("-"))
            if cut <= 2:  # never shorten "RX-8450" to "RX"
                break
            candidate = candidate[:cut]
        self._cache[code] = result
        return result

    def _from_words(self, name: str, description: str) -> dict[str, str]:
        both = name + description
        if self._vetoed(both):
            return {}
        found: dict[str, str] = {}
        for category in CATEGORIES:
            alone = _first(both, self.words_alone[category])
            if alone:
                found[category] = f"words: {alone.strip()} in {'name' if alone in name else 'description'}"
                continue
            word = _first(both, self.words[category])
            if not word:
                continue
            context = next((c for c in self.context if c in both and c not in word and word not in c), None)
            if context:
                where = "name" if word in name and context in name else "description"
                found[category] = f"words: {word.strip()} + {context.strip()} in {where}"
        return found


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read the mapping ({exc})") from None
    return data


def _merge(table: dict[str, Any], override: Mapping[str, Any], name: str) -> None:
    """Lay an admin's mapping over the default one (see taxonomy.toml for what replaces what)."""
    for key, value in override.items():
        if key in CATEGORIES:  # the old format: category = [phrases]
            phrases = _check_list(value, name, key)
            table.setdefault("terms", {})[key] = phrases
            table.setdefault("words_alone", {})[key] = phrases
            table.setdefault("words", {})[key] = []
        elif key == "codes" and isinstance(value, dict):
            for code, categories in value.items():
                categories = [categories] if isinstance(categories, str) else categories
                for category in _check_list(categories, name, code):
                    if category not in CATEGORIES:
                        raise ValueError(f"{name}: {category!r} is not a category ({', '.join(CATEGORIES)})")
                table.setdefault("codes", {})[code] = categories
        elif key in ("terms", "words", "words_alone") and isinstance(value, dict):
            for category, phrases in value.items():
                if category not in CATEGORIES:
                    raise ValueError(f"{name}: {category!r} is not a category ({', '.join(CATEGORIES)})")
                table.setdefault(key, {})[category] = _check_list(phrases, name, category)
        elif key in ("context", "false_friends") and isinstance(value, dict):
            table[key] = {"phrases": _check_list(value.get("phrases", []), name, key)}
        else:
            raise ValueError(
                f"{name}: {key!r} is not a category or one of {', '.join(_SECTIONS)} (see taxonomy.toml)"
            )


def _check_list(value: Any, name: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError(f"{name}: {key!r} must be a list of phrases")
    return value

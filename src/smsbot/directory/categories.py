"""The directory's categories, the names importers accept for them, and the HSDS keyword mapping.

HSDS has no fixed category list, so an HSDS service gets its categories from words, in this order:
  1. the taxonomy terms linked to it through `attributes` (HSDS 3.0; `service_attributes` /
     `services_taxonomy` in 2.0 / 1.x): each term's `name` and `code` are matched;
  2. only when no term matched, the service's own `name` and `description`.
A text matches a category when it contains one of that category's phrases as whole words
(case-insensitive; `-`, `_` and `/` count as spaces). `HSDS_KEYWORDS` below is the default table.
To change it, write a TOML file whose keys are categories and whose values are phrase lists, e.g.

    naloxone = ["naloxone", "narcan", "overdose kit"]
    test_strips = ["fentanyl test strip", "drug checking"]

and pass it as `smsbot directory import PATH --mapping FILE.toml`: each category listed replaces
that category's phrases; categories left out keep the defaults.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

CATEGORIES = (
    "naloxone",
    "test_strips",
    "syringe_services",
    "overdose_prevention",
    "drop_in",
    "treatment",
    "health_clinic",
)

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

HSDS_KEYWORDS: dict[str, list[str]] = {
    "naloxone": ["naloxone", "narcan", "overdose reversal", "overdose kit"],
    "test_strips": ["fentanyl test strip", "fentanyl test strips", "test strips", "drug checking"],
    "syringe_services": [
        "syringe",
        "syringes",
        "syringe services",
        "needle exchange",
        "syringe exchange",
        "harm reduction supplies",
    ],
    "overdose_prevention": [
        "overdose prevention center",
        "overdose prevention centre",
        "supervised consumption",
        "safe consumption",
        "supervised injection",
    ],
    "drop_in": ["drop in", "drop in center", "day center", "respite"],
    "treatment": [
        "substance use treatment",
        "addiction treatment",
        "detox",
        "detoxification",
        "methadone",
        "buprenorphine",
        "suboxone",
        "opioid treatment",
        "medication assisted treatment",
        "recovery services",
        "rehab",
    ],
    "health_clinic": ["health clinic", "community health center", "primary care", "medical clinic", "clinic"],
}


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


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


class KeywordMapping:
    """Matches free text (taxonomy terms, names, descriptions) to categories by whole-word phrases."""

    def __init__(self, table: Mapping[str, Iterable[str]] | None = None) -> None:
        table = table or HSDS_KEYWORDS
        self.phrases = {category: [_words(p) for p in phrases] for category, phrases in table.items()}

    @classmethod
    def from_toml(cls, path: Path | None) -> KeywordMapping:
        """The default table, with the categories a TOML file lists replaced by its phrases."""
        table = dict(HSDS_KEYWORDS)
        if path is not None:
            overrides = tomllib.loads(path.read_text(encoding="utf-8"))
            for category, phrases in overrides.items():
                if category not in CATEGORIES:
                    raise ValueError(f"{path.name}: {category!r} is not a category ({', '.join(CATEGORIES)})")
                if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                    raise ValueError(f"{path.name}: {category!r} must be a list of phrases")
                table[category] = phrases
        return cls(table)

    def match(self, *texts: str) -> list[str]:
        haystack = " ".join(_words(t) for t in texts if t)
        return [c for c, phrases in self.phrases.items() if any(p in haystack for p in phrases)]

"""SAMHSA treatment-locator JSON (`{"rows": [...]}` as findtreatment.gov's API answers; the 2019
export and the current v2 one share that shape) → services.

Categories come from the classifier (categories.py, taxonomy.toml) through codes: the facility type
as `SAMHSA:<typeFacility>` (SA, MH, OTP, BUPREN, HRSA, ...), and `SAMHSA:SA` too when its Type of
Care (`TC`) lists substance use treatment. So a mental-health-only facility gets no category and is
skipped with a warning, while opioid treatment programs, buprenorphine practitioners and health
centres are kept whether or not they carry a Type of Care entry.
  - id: `frid`; without it a hash of name, street and ZIP (never `_irow`, which restarts on
    every page of an export);
  - the opioid treatment and medication entries (`OT`, `PHR`, `OM`) name the medications given
    (methadone, buprenorphine, naltrexone), kept in `notes` ("Medications: methadone, ...");
  - languages from `SL` (Language Services) and the `Spanish` entries.
The locator has no opening hours. The intake line is preferred over the main number. The file
carries no date: pass `--verified YYYY-MM-DD` so texters see how old it is (without it the
services have no checked date and are listed by `smsbot directory stale`). The sample in
../shared/data (May 2019) is stale test data: never ship it as a directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smsbot.directory.languages import language_codes
from smsbot.directory.records import ImportOptions, Parsed, RawService

DEFAULT_SOURCE = "samhsa"
MEDICATIONS = ("methadone", "buprenorphine", "naltrexone")
_MEDICATION_CODES = {"OT", "PHR", "OM"}


class SamhsaError(ValueError):
    """The file is not SAMHSA locator JSON."""


def looks_like_samhsa(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("rows"), list)


def load_rows(path: Path, data: Any = None) -> list[dict]:
    if data is None:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SamhsaError(f"{path.name} is not JSON ({exc})") from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise SamhsaError(f'{path.name} has no "rows" list (expected the SAMHSA locator format)')
    return rows


def _services(row: dict) -> list[dict]:
    return [s for s in row.get("services") or [] if isinstance(s, dict)]


def substance_use(row: dict) -> bool:
    if str(row.get("typeFacility") or "").upper() == "SA":
        return True
    return any(
        s.get("f2") == "TC" and "substance use" in str(s.get("f3", "")).lower() for s in _services(row)
    )


def codes(row: dict) -> list[str]:
    """The facility's codes for the classifier: its type, and SA when it treats substance use."""
    found = []
    kind = str(row.get("typeFacility") or "").strip().upper()
    if kind:
        found.append(f"SAMHSA:{kind}")
    if substance_use(row) and "SAMHSA:SA" not in found:
        found.append("SAMHSA:SA")
    return found


def languages(row: dict) -> list[str]:
    values = ["en"]  # the locator lists US facilities; other languages are named in SL
    for item in _services(row):
        if item.get("f2") in ("SL", "LANG", "OL"):
            values.extend(str(item.get("f3") or "").split(";"))
    return language_codes(v for v in values if "sign" not in v.lower() or "american sign" in v.lower())


def stable_id(row: dict) -> str:
    """`frid`, else a hash of name, street and ZIP: the same facility on any page keeps its id."""
    if str(row.get("frid") or "").strip():
        return str(row["frid"]).strip()
    parts = (row.get("name1"), row.get("name2"), row.get("street1"), str(row.get("zip") or "")[:5])
    key = "|".join(" ".join(str(p or "").lower().split()) for p in parts)
    return "h:" + hashlib.sha1(key.encode()).hexdigest()[:24]


def medications(row: dict) -> list[str]:
    found: list[str] = []
    for item in _services(row):
        if item.get("f2") not in _MEDICATION_CODES:
            continue
        for value in str(item.get("f3") or "").split(";"):
            value = value.strip().lower()
            if value.startswith(("do not", "does not")):
                continue
            found.extend(m for m in MEDICATIONS if m in value and m not in found)
    return [m for m in MEDICATIONS if m in found]


def read(path: Path, options: ImportOptions, data: Any = None) -> Iterator[Parsed]:
    source = options.source or DEFAULT_SOURCE
    for index, row in enumerate(load_rows(path, data)):
        where = f"{path.name} rows[{index}]"
        if not isinstance(row, dict):
            yield Parsed(where, None, ["not an object; row skipped"])
            continue
        name1, name2 = (row.get("name1") or "").strip(), (row.get("name2") or "").strip()
        kind = str(row.get("typeFacility") or "").strip().upper()
        if kind == "MH" and not substance_use(row):
            reason = f"mental health only, no substance use treatment ({name1 or 'facility'}); skipped"
            yield Parsed(where, None, [reason])
            continue
        street = ", ".join(
            p.strip() for p in (row.get("street1") or "", row.get("street2") or "") if p and p.strip()
        )
        meds = medications(row)
        notes = "Medications: " + ", ".join(meds) + "." if meds else None
        yield Parsed(
            where,
            RawService(
                source=source,
                source_id=stable_id(row),
                name=f"{name1} ({name2})" if name1 and name2 else (name1 or name2),
                categories=[],
                organization=name1 or None,
                address=street or None,
                city=row.get("city"),
                state=row.get("state"),
                zip=row.get("zip"),
                latitude=row.get("latitude"),
                longitude=row.get("longitude"),
                phone=row.get("intake1") or row.get("phone"),
                notes=notes,
                last_verified=options.verified,
                taxonomy_codes=codes(row),
                languages=languages(row),
            ),
        )

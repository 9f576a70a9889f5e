"""SAMHSA treatment-locator JSON (`{"rows": [...]}` as findtreatment.gov's API answers) → services.

Every row is a treatment facility: category `treatment`. The `services` list refines it:
  - a facility whose Type of Care (`TC`) offers no substance use treatment (mental health only)
    is skipped with a warning: a texter asking for detox or methadone should not get it;
  - the opioid treatment and medication entries (`OT`, `PHR`, `OM`) name the medications given
    (methadone, buprenorphine, naltrexone), kept in `notes` ("Medications: methadone, ...").
The locator has no opening hours. The intake line is preferred over the main number. The file
carries no date: pass `--verified YYYY-MM-DD` so texters see how old it is. The sample in
../shared/data (May 2019) is stale test data: never ship it as a directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from smsbot.directory.records import ImportOptions, Parsed, RawService

DEFAULT_SOURCE = "samhsa"
MEDICATIONS = ("methadone", "buprenorphine", "naltrexone")
_MEDICATION_CODES = {"OT", "PHR", "OM"}


class SamhsaError(ValueError):
    """The file is not SAMHSA locator JSON."""


def load_rows(path: Path) -> list[dict]:
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


def read(path: Path, options: ImportOptions) -> Iterator[Parsed]:
    source = options.source or DEFAULT_SOURCE
    for number, row in enumerate(load_rows(path), start=1):
        where = f"row {number}"
        if not isinstance(row, dict):
            yield Parsed(where, None, ["not an object; row skipped"])
            continue
        name1, name2 = (row.get("name1") or "").strip(), (row.get("name2") or "").strip()
        if not substance_use(row):
            yield Parsed(
                where,
                None,
                [f"{name1 or 'facility'}: mental health only, no substance use treatment; skipped"],
            )
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
                source_id=str(row.get("frid") or row.get("_irow") or number),
                name=f"{name1} ({name2})" if name1 and name2 else (name1 or name2),
                categories=["treatment"],
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
            ),
        )

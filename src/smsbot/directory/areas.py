"""HSDS service areas → the ZIPs they cover: postal codes as written, else a county or city name
looked up in the offline ZIP list (`zipcodes`), within the service's state when it has one.

An area we cannot resolve keeps its text (shown to staff) and no ZIPs: the service is then found
only through its own ZIP, never guessed.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict

import zipcodes

MAX_AREA_ZIPS = 2000  # a whole state is not "your area": beyond this the area is left unresolved
_ZIP5 = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
_COUNTY = re.compile(r"((?:[A-Za-z.'-]+\s+){0,2}[A-Za-z.'-]+)\s+(?:county|parish|borough|municipio)\b", re.I)
_index: tuple[dict, dict] | None = None
_lock = threading.Lock()


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", text.lower().replace("saint ", "st ")).split())


def _load() -> tuple[dict, dict]:
    """(county, state) → ZIPs and (city, state) → ZIPs, built once per process."""
    global _index
    with _lock:
        if _index is None:
            counties: dict[tuple[str, str], list[str]] = defaultdict(list)
            cities: dict[tuple[str, str], list[str]] = defaultdict(list)
            for row in zipcodes.list_all():
                if row.get("zip_code_type") == "MILITARY":
                    continue
                state = (row.get("state") or "").upper()
                county = re.sub(
                    r"\s+(county|parish|borough|municipio|census area)$",
                    "",
                    row.get("county") or "",
                    flags=re.I,
                )
                if county:
                    counties[(_key(county), state)].append(row["zip_code"])
                if row.get("city"):
                    cities[(_key(row["city"]), state)].append(row["zip_code"])
            _index = (dict(counties), dict(cities))
    return _index


def _lookup(table: dict, name: str, state: str | None) -> list[str]:
    key = _key(name)
    if state:
        return list(table.get((key, state.upper()), []))
    found = [zips for (n, _), zips in table.items() if n == key]
    return list(found[0]) if len(found) == 1 else []  # the same name in two states: do not guess


def area_zips(text: str | None, state: str | None = None) -> list[str]:
    """The ZIPs a written area covers ("33136, 33137", "Miami-Dade County"); [] when unknown."""
    text = (text or "").strip()
    if not text:
        return []
    written = list(dict.fromkeys(_ZIP5.findall(text)))
    if written:
        return written[:MAX_AREA_ZIPS]
    counties, cities = _load()
    state = state if state and len(state) == 2 else None
    found: list[str] = []
    for match in _COUNTY.finditer(text):
        words = match.group(1).split()
        # "residents of Miami-Dade County": the longest run of the last words that is a county.
        for size in (3, 2, 1):
            zips = _lookup(counties, " ".join(words[-size:]), state) if len(words) >= size else []
            if zips:
                found.extend(zips)
                break
    if not found:
        for part in re.split(r"[;,/]|\band\b", text):
            found.extend(_lookup(cities, part, state))
    found = list(dict.fromkeys(found))
    return found if len(found) <= MAX_AREA_ZIPS else []

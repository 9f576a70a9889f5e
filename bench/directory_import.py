"""Benchmark the HSDS importers: a 211-shaped export as a CSV package and as HSDS 3.0 JSON.

Generates N services (default 20,000), each at its own location with a physical address, a voice
line with an extension and a fax, two schedule rows, a language and an AIRS taxonomy code (a
half of them substance use codes, the rest other 211 codes that the classifier rejects), then
imports each form into a fresh SQLite database with the real importer and prints rows per second
(a row = one service at one location, read, classified, checked and written).

    .venv/bin/python bench/directory_import.py [--services N]

Target (issue 10): >= 5,000 rows/s on SQLite for both forms.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from smsbot import migrate
from smsbot.clock import FrozenClock
from smsbot.config import Settings
from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.directory.geo import all_zip_points, zip_point
from smsbot.directory.importer import import_path
from smsbot.directory.records import ImportOptions
from smsbot.privacy import PhoneVault

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

CODES = [
    ("RX-8450.8000", "Substance Use Disorder Treatment Programs"),
    ("RX-1700.1700", "Drug Detoxification"),
    ("BD-1800.2000", "Food Pantries"),
    ("PH-6300.0500", "Caregiver Respite"),
]


def generate(count: int, seed: int = 5) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    places = [p for p in all_zip_points() if p.timezone]
    tables: dict[str, list[dict]] = {
        k: []
        for k in (
            "organizations",
            "services",
            "locations",
            "service_at_location",
            "addresses",
            "phones",
            "schedules",
            "languages",
            "attributes",
            "taxonomy_terms",
        )
    }
    for code, name in CODES:
        tables["taxonomy_terms"].append({"id": code, "code": code, "name": name, "taxonomy": "AIRS"})
    for i in range(count):
        centre = rng.choice(places)
        code = CODES[i % 4][0]  # half substance use treatment (kept), half other 211 codes (skipped)
        tables["organizations"].append({"id": f"o{i}", "name": f"Organization {i}"})
        tables["services"].append(
            {
                "id": f"s{i}",
                "organization_id": f"o{i}",
                "name": f"Service {i}",
                "status": "active",
                "description": "Walk-in services for adults.",
                "assured_date": "2026-01-15",
            }
        )
        tables["locations"].append(
            {
                "id": f"l{i}",
                "organization_id": f"o{i}",
                "location_type": "physical",
                "latitude": f"{centre.latitude + rng.uniform(-0.05, 0.05):.6f}",
                "longitude": f"{centre.longitude + rng.uniform(-0.05, 0.05):.6f}",
            }
        )
        tables["service_at_location"].append({"id": f"x{i}", "service_id": f"s{i}", "location_id": f"l{i}"})
        tables["addresses"].append(
            {
                "id": f"a{i}",
                "location_id": f"l{i}",
                "address_1": f"{rng.randint(1, 9999)} Main St",
                "city": centre.city,
                "state_province": centre.state,
                "postal_code": centre.zip_code,
                "country": "US",
                "address_type": "physical",
            }
        )
        tables["phones"].append(
            {"id": f"pf{i}", "service_id": f"s{i}", "number": "555-010-0199", "type": "fax"}
        )
        tables["phones"].append(
            {
                "id": f"pv{i}",
                "service_id": f"s{i}",
                "number": "555-010-0100",
                "extension": "12",
                "type": "voice",
            }
        )
        for j, days in enumerate(("MO,TU,WE,TH,FR", "SA")):
            tables["schedules"].append(
                {
                    "id": f"h{i}-{j}",
                    "service_id": f"s{i}",
                    "freq": "WEEKLY",
                    "byday": days,
                    "opens_at": "09:00",
                    "closes_at": "17:00",
                }
            )
        tables["languages"].append({"id": f"g{i}", "service_id": f"s{i}", "name": "Spanish", "code": "es"})
        tables["attributes"].append(
            {
                "id": f"t{i}",
                "link_id": f"s{i}",
                "link_entity": "service",
                "taxonomy_term_id": code,
            }
        )
    return tables


def write_package(folder: Path, tables: dict[str, list[dict]]) -> Path:
    (folder / "data").mkdir(parents=True)
    resources = []
    for name, rows in tables.items():
        path = folder / "data" / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            fields = list(dict.fromkeys(k for row in rows for k in row))
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        resources.append({"name": name, "path": f"data/{name}.csv"})
    (folder / "datapackage.json").write_text(json.dumps({"name": "bench-211", "resources": resources}))
    return folder


def write_json(path: Path, tables: dict[str, list[dict]]) -> Path:
    """The same services as an HSDS 3.0 API page: nested service → locations → addresses."""
    by_service = {key: {} for key in ("phones", "schedules", "languages", "attributes")}
    for key in by_service:
        for row in tables[key]:
            by_service[key].setdefault(row.get("service_id") or row.get("link_id"), []).append(row)
    terms = {t["id"]: t for t in tables["taxonomy_terms"]}
    contents = []
    for service, location, address, org in zip(
        tables["services"], tables["locations"], tables["addresses"], tables["organizations"], strict=True
    ):
        sid = service["id"]
        contents.append(
            {
                **service,
                "organization": org,
                "phones": by_service["phones"][sid],
                "schedules": by_service["schedules"][sid],
                "languages": by_service["languages"][sid],
                "attributes": [
                    {**a, "taxonomy_term": terms[a["taxonomy_term_id"]]}
                    for a in by_service["attributes"][sid]
                ],
                "service_at_locations": [{"id": f"x{sid}", "location": {**location, "addresses": [address]}}],
            }
        )
    path.write_text(json.dumps({"total_items": len(contents), "page_number": 1, "contents": contents}))
    return path


def context(url: str) -> AppContext:
    settings = Settings(
        _env_file=None, DATABASE_URL=url, SMSBOT_SECRET_KEY="bench-secret-key-long-enough-0123456789"
    )
    return AppContext(settings, Database(url), PhoneVault.from_master(settings.master_key), FrozenClock(NOW))


def run(name: str, folder: Path, path: Path, expected: int) -> float:
    ctx = context(f"sqlite:///{folder / f'{name}.db'}")
    migrate.upgrade(ctx.db)
    options = ImportOptions(default_timezone="America/New_York", today=NOW.date())
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_path(ctx, path, options)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = summary.added + summary.skipped
    assert rows == expected and summary.added == expected // 2, summary.line()
    ctx.db.dispose()
    # CPU time too: on a machine shared with other work, wall time mostly measures the others.
    print(
        f"{name}: {rows:,} rows ({summary.added:,} imported, {summary.skipped:,} no category) "
        f"in {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s ({rows / cpu:,.0f} rows per CPU second)"
    )
    return rows / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20_000)
    args = parser.parse_args()
    zip_point("22902")  # load the ZIP table once, outside every timing
    tables = generate(args.services)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        package = write_package(folder / "package", tables)
        page = write_json(folder / "page.json", tables)
        run("sqlite hsds csv", folder, package, args.services)
        run("sqlite hsds json", folder, page, args.services)
    return 0


if __name__ == "__main__":
    sys.exit(main())

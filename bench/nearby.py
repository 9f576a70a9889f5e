"""Benchmark the directory: import speed and nearest-3 lookups at 10,000 and 100,000 services.

Generates services around random US ZIP centres (so they cluster where people live, as real
directories do), imports them with the real importer (flat CSV), then times 1,000 lookups for
random ZIPs: ZIP → point, bounding-box query, great-circle distances, open-now ordering.
Runs on SQLite (a temporary file) and on PostgreSQL (a private schema, dropped afterwards).

    .venv/bin/python bench/nearby.py [--services 100000] [--small 10000] [--lookups 1000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test | --no-postgres] [--json PATH]

Memory: the peak resident size of this process (ru_maxrss) after each size's lookups, and the
SQLite database file's size.

Targets (issue 3): import >= 5,000 rows/s; p50 <= 5 ms and p99 <= 20 ms; p50 at 100k <= 2x p50 at 10k.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from smsbot import migrate
from smsbot.clock import FrozenClock
from smsbot.config import Settings
from smsbot.context import AppContext
from smsbot.db import Database
from smsbot.directory.categories import CATEGORIES
from smsbot.directory.conversation import CATEGORIES_FOR_INTENT
from smsbot.directory.flat_csv import COLUMNS
from smsbot.directory.geo import all_zip_points, zip_point
from smsbot.directory.importer import import_path
from smsbot.directory.records import ImportOptions
from smsbot.directory.search import nearest
from smsbot.privacy import PhoneVault

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
SCHEMA = "bench_nearby"
HOURS = [
    "Mo-Fr 09:00-17:00",
    "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
    "24/7",
    "Tu-Th 16:00-20:00; Fr-Sa 20:00-02:00",
    "",
]
MILES_PER_DEGREE = 69.0933


def generate(count: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    places = [p for p in all_zip_points() if p.timezone]
    rows = []
    for i in range(count):
        centre = rng.choice(places)
        rows.append(
            {
                "id": f"b{i}",
                "name": f"Bench Service {i}",
                "categories": ";".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
                "address": f"{rng.randint(1, 9999)} Main St",
                "city": centre.city,
                "state": centre.state,
                "zip": centre.zip_code,
                "latitude": f"{centre.latitude + rng.uniform(-5, 5) / MILES_PER_DEGREE:.6f}",
                "longitude": f"{centre.longitude + rng.uniform(-5, 5) / MILES_PER_DEGREE:.6f}",
                "phone": f"555-01{i % 100:02d}",
                "hours": rng.choice(HOURS),
                "timezone": centre.timezone,
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c for c in COLUMNS if c in rows[0]])
        writer.writeheader()
        writer.writerows(rows)
    return path


def context(url: str) -> AppContext:
    settings = Settings(
        _env_file=None, DATABASE_URL=url, SMSBOT_SECRET_KEY="bench-secret-key-long-enough-0123456789"
    )
    return AppContext(settings, Database(url), PhoneVault.from_master(settings.master_key), FrozenClock(NOW))


def import_rate(ctx: AppContext, path: Path, rows: int) -> float:
    options = ImportOptions(default_timezone="America/New_York", today=NOW.date())
    started = time.perf_counter()
    summary = import_path(ctx, path, options)
    elapsed = time.perf_counter() - started
    assert summary.added == rows and summary.skipped == 0, summary.line()
    return rows / elapsed


def lookups(ctx: AppContext, count: int, seed: int = 11) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, mean places found) over `count` nearest-3 lookups for random ZIPs."""
    rng = random.Random(seed)
    zips = [p.zip_code for p in all_zip_points()]
    asks = list(CATEGORIES_FOR_INTENT.values())
    timings, found = [], 0
    with ctx.db.engine.connect() as conn:
        for _ in range(50):  # warm the statement cache and the connection
            point = zip_point(rng.choice(zips))
            nearest(conn, point.latitude, point.longitude, rng.choice(asks), NOW, 25.0, limit=3)
        for _ in range(count):
            zip_code, categories = rng.choice(zips), rng.choice(asks)
            started = time.perf_counter()
            point = zip_point(zip_code)
            places = nearest(conn, point.latitude, point.longitude, categories, NOW, 25.0, limit=3)
            timings.append((time.perf_counter() - started) * 1000)
            found += len(places)
        conn.rollback()
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[98], found / count


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(name: str, url: str, rows: list[dict[str, str]], small: int, count: int, folder: Path) -> list[dict]:
    ctx = context(url)
    migrate.upgrade(ctx.db)
    first = write_csv(folder / f"{name}-first.csv", rows[:small])
    rest = write_csv(folder / f"{name}-rest.csv", rows[small:])
    rate_small = import_rate(ctx, first, small)
    p50_small, p99_small, found_small = lookups(ctx, count)
    rss_small, db_small = peak_rss_mb(), database_mb(url)
    rate_rest = import_rate(ctx, rest, len(rows) - small)
    p50, p99, found = lookups(ctx, count)
    rss, db_mb = peak_rss_mb(), database_mb(url)
    more = len(rows) - small
    print(f"{name}: import {small:,} rows: {rate_small:,.0f} rows/s; next {more:,}: {rate_rest:,.0f} rows/s")
    for size, (p50_, p99_, found_) in (
        (small, (p50_small, p99_small, found_small)),
        (len(rows), (p50, p99, found)),
    ):
        print(
            f"{name}: {size:,} services: p50 {p50_:.2f} ms, p99 {p99_:.2f} ms ({found_:.2f} found per lookup)"
        )
    print(f"{name}: growth 10x services -> p50 x{p50 / p50_small:.2f}, p99 x{p99 / p99_small:.2f}")
    print(
        f"{name}: peak RSS {rss_small:.0f} MB at {small:,}, {rss:.0f} MB at {len(rows):,}"
        + (f"; database file {db_small:.1f} MB, then {db_mb:.1f} MB" if url.startswith("sqlite") else "")
    )
    ctx.db.dispose()
    return [
        {
            "bench": "nearby",
            "database": name,
            "services": size_,
            "import_rows_per_s": round(rate_, 1),
            "p50_ms": round(p50_, 3),
            "p99_ms": round(p99_, 3),
            "found_per_lookup": round(found_, 2),
            "peak_rss_mb": round(rss_, 1),
            "database_mb": None if db_ is None else round(db_, 1),
        }
        for size_, rate_, p50_, p99_, found_, rss_, db_ in (
            (small, rate_small, p50_small, p99_small, found_small, rss_small, db_small),
            (len(rows), rate_rest, p50, p99, found, rss, db_mb),
        )
    ]


def database_mb(url: str) -> float | None:
    """The SQLite file's size (with its WAL), in MB; None on PostgreSQL."""
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return sum(path.parent.joinpath(path.name + end).stat().st_size for end in ("", "-wal")) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here (a JSON list of rows)")
    args = parser.parse_args()
    results: list[dict] = []

    zip_point("22902")  # load the ZIP table once, outside every timing
    rows = generate(args.services)
    print(f"generated {len(rows):,} services around random US ZIPs; {args.lookups:,} lookups per size")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results += run("sqlite", f"sqlite:///{folder / 'bench.db'}", rows, args.small, args.lookups, folder)
        if not args.no_postgres:
            admin = create_engine(args.postgres)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            try:
                joiner = "&" if "?" in args.postgres else "?"
                url = f"{args.postgres}{joiner}options=-csearch_path%3D{SCHEMA}"
                results += run("postgresql", url, rows, args.small, args.lookups, folder)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                admin.dispose()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the worker's dispatch path: `smsbot tick` sending due check-ins to a local fake Twilio."""
#
#     .venv/bin/python bench/dispatch.py [--databases sqlite,postgres] [--enrollments 100000] [--due 10000]
#                                        [--runs 3] [--rated 3000] [--idle-enrollments 1000000] [--json PATH]
#
# Per database: (1) 100,000 active enrollments, 10,000 of them due at once, one `smsbot tick --now`
# process with no rate limit (msg/s and CPU ms per message, process start-up included; --runs times,
# each on a freshly loaded database, then the median and the spread); (2) the
# same at SMSBOT_SEND_RATE=100 against a fake that enforces 100/s (achieved rate at the fake, 429s);
# (3) one tick with nothing due on 1,000,000 enrollments and 100,000 sent texts (median of
# in-process ticks, in ms).
# Enrollments are loaded in bulk through the project's schema, vault (encrypted numbers) and
# schedule code; the fake runs in its own process so its CPU is not counted.

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smsbot import migrate  # noqa: E402
from smsbot.checkins.enrollments import Plan  # noqa: E402
from smsbot.clock import FrozenClock  # noqa: E402
from smsbot.config import Settings  # noqa: E402
from smsbot.context import AppContext  # noqa: E402
from smsbot.db import Database  # noqa: E402
from smsbot.models import Contact, Enrollment, OutboxMessage  # noqa: E402
from smsbot.outbound.pacing import NoPacing  # noqa: E402
from smsbot.outbound.senders import ConsoleSender  # noqa: E402
from smsbot.privacy import PhoneVault, last4  # noqa: E402
from smsbot.worker.tick import Worker  # noqa: E402

DUE_AT = "2026-03-04T23:00:00Z"  # 18:00 in New York
DUE = datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
ENROLLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ENV = {
    "SMSBOT_ENV": "development",
    "SMSBOT_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "bench-token",
    "TWILIO_FROM_NUMBER": "+15550001111",
    "SMSBOT_PUBLIC_URL": "https://smsbot.bench",
    "SMSBOT_SENDER": "twilio",
    "SMSBOT_PROGRAM_NAME": "Harm Reduction Text Line",
    "SMSBOT_LOG_LEVEL": "WARNING",
}
BATCH = 20_000


def settings_for(url: str, **extra: str) -> Settings:
    return Settings(_env_file=None, **{"DATABASE_URL": url, **ENV, **extra})


def fresh_database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A migrated, empty database; returns its URL and a clean-up function."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:6]}.db"
        url = f"sqlite:///{path}"
        cleanup = lambda: [p.unlink(missing_ok=True) for p in workdir.glob(path.name + "*")]  # noqa: E731
    else:
        base = os.environ.get(
            "SMSBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"

        def cleanup() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    database = Database(url)
    migrate.upgrade(database)
    database.dispose()
    return url, cleanup


def bulk_enroll(ctx: AppContext, count: int, due_count: int, encrypt: bool = True) -> None:
    """`count` active enrollments; `due_count` of them at 18:00 New York (due at DUE_AT), the rest 09:00."""
    contact, enrollment = Contact.__table__, Enrollment.__table__
    vault: PhoneVault = ctx.vault
    plans = {
        "18:00": Plan.of("18:00", None, "America/New_York", 60),
        "09:00": Plan.of("09:00", None, "America/New_York", 60),
    }
    next_at = {t: plan.next_after(datetime(2026, 3, 4, 22, 0, tzinfo=UTC)) for t, plan in plans.items()}
    for start in range(0, count, BATCH):
        stop = min(count, start + BATCH)
        contacts, numbers = [], []
        for i in range(start, stop):
            e164 = f"+1{200 + i // 10_000_000:03d}{i % 10_000_000:07d}"
            numbers.append(e164)
            contacts.append(
                {
                    "phone_index": vault.index(e164) if encrypt else f"{i:064x}",
                    "phone_ciphertext": vault.encrypt(e164) if encrypt else None,
                    "language": "en",
                    "created_at": ENROLLED_AT,
                    "last_seen_at": ENROLLED_AT,
                }
            )
        with ctx.db.transaction() as conn:
            ids = list(
                conn.execute(
                    contact.insert().returning(contact.c.id, sort_by_parameter_order=True), contacts
                ).scalars()
            )
            rows = []
            for offset, (contact_id, e164) in enumerate(zip(ids, numbers, strict=True)):
                at = "18:00" if start + offset < due_count else "09:00"
                plan = plans[at]
                rows.append(
                    {
                        "contact_id": contact_id,
                        "nickname": f"P{start + offset}",
                        "phone_last4": last4(e164),
                        "local_time": plan.local_time,
                        "days": plan.days,
                        "timezone": plan.timezone,
                        "reply_window_minutes": plan.reply_window_minutes,
                        "status": "active",
                        "source": "staff",
                        "created_at": ENROLLED_AT,
                        "joined_at": ENROLLED_AT,
                        "next_checkin_at": next_at[at],
                    }
                )
            conn.execute(enrollment.insert(), rows)


def start_fake(rate: float | None = None) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "tests.fake_twilio"] + (["--rate", str(rate)] if rate else [])
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def fake_stats(base_url: str) -> dict:
    with urllib.request.urlopen(base_url + "/_stats") as response:
        return json.load(response)


def timed_tick(url: str, base_url: str, rate: float, now: str = DUE_AT) -> tuple[float, float, str]:
    """Run `smsbot tick --now` in its own process: (wall seconds, CPU seconds, its output)."""
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": url,
        "TWILIO_API_BASE_URL": base_url,
        "SMSBOT_SEND_RATE": str(rate),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "smsbot", "tick", "--now", now],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"tick failed: {result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout.strip()


def bench_unlimited(kind: str, workdir: Path, enrollments: int, due: int) -> dict:
    url, cleanup = fresh_database(kind, workdir)
    try:
        ctx = AppContext.build(settings_for(url), clock=FrozenClock(DUE))
        loading = time.perf_counter()
        bulk_enroll(ctx, enrollments, due)
        loaded = time.perf_counter() - loading
        ctx.db.dispose()
        fake, base_url = start_fake()
        try:
            idle_wall, idle_cpu, _ = timed_tick(url, base_url, 0, now="2026-03-04T20:00:00Z")
            wall, cpu, output = timed_tick(url, base_url, 0)
            send_seconds = float(output.split(" send=")[1].split()[0])
            stats = fake_stats(base_url)
        finally:
            fake.terminate()
        sent = stats["messages"]
        row = {
            "bench": "dispatch",
            "kind": "capacity",
            "database": kind,
            "enrollments": enrollments,
            "due": due,
            "texts": sent,
            "none_twice": stats["distinct_recipients"] == sent,
            "wall_s": round(wall, 3),
            "msg_per_s": round(sent / wall, 1),
            "cpu_ms_per_msg": round(cpu * 1000 / max(sent, 1), 3),
            "startup_s": round(idle_wall, 3),
            "msg_per_s_without_startup": round(sent / max(wall - idle_wall, 1e-9), 1),
            "send_step_s": send_seconds,
            "send_step_msg_per_s": round(sent / send_seconds, 1),
        }
        print(
            f"[{kind}] no rate limit: {enrollments:,} enrollments (loaded in {loaded:.1f} s), {due:,} due -> "
            f"{sent:,} texts at the fake, none twice: {row['none_twice']}\n"
            f"[{kind}]   tick process: {wall:.2f} s wall, {sent / wall:,.0f} msg/s, "
            f"{cpu * 1000 / max(sent, 1):.2f} CPU ms/msg (process start-up alone: {idle_wall:.2f} s wall, "
            f"{idle_cpu:.2f} s CPU; without it: {sent / max(wall - idle_wall, 1e-9):,.0f} msg/s, "
            f"{(cpu - idle_cpu) * 1000 / max(sent, 1):.2f} CPU ms/msg); its send step alone: "
            f"{send_seconds:.2f} s, {sent / send_seconds:,.0f} msg/s",
            flush=True,
        )
        return row
    finally:
        cleanup()


def spread(kind: str, rows: list[dict]) -> dict:
    """The median and the range of the capacity runs (msg/s, start-up included)."""
    rates = sorted(row["msg_per_s"] for row in rows)
    summary = {
        "bench": "dispatch",
        "kind": "capacity_summary",
        "database": kind,
        "runs": len(rates),
        "median_msg_per_s": round(statistics.median(rates), 1),
        "min_msg_per_s": rates[0],
        "max_msg_per_s": rates[-1],
        "none_twice": all(row["none_twice"] for row in rows),
    }
    print(
        f"[{kind}] capacity over {len(rates)} runs: median {summary['median_msg_per_s']:,.0f} msg/s "
        f"(min {rates[0]:,.0f}, max {rates[-1]:,.0f}), start-up included",
        flush=True,
    )
    return summary


def bench_rated(kind: str, workdir: Path, due: int, rate: float = 100.0) -> dict:
    url, cleanup = fresh_database(kind, workdir)
    try:
        ctx = AppContext.build(settings_for(url), clock=FrozenClock(DUE))
        bulk_enroll(ctx, due, due)
        ctx.db.dispose()
        fake, base_url = start_fake(rate)
        try:
            wall, _cpu, output = timed_tick(url, base_url, rate)
            stats = fake_stats(base_url)
        finally:
            fake.terminate()
        achieved = (stats["messages"] - 1) / stats["span_seconds"] if stats["span_seconds"] else 0.0
        # Slots the tick's pacer let go by unused (a sender woken too late): where rate is lost.
        missed = int(output.split("slots_missed=")[1].split()[0]) if "slots_missed=" in output else 0
        print(
            f"[{kind}] SMSBOT_SEND_RATE={rate:g}: {stats['messages']:,} texts in "
            f"{stats['span_seconds']:.2f} s "
            f"at the fake -> {achieved:.2f} msg/s ({(achieved - rate) / rate * 100:+.2f}% of {rate:g}), "
            f"429s from a fake enforcing {rate:g}/s: {stats['rejected_429']}, slots missed: {missed} "
            f"(tick process {wall:.1f} s)"
            + (f" 429 at {stats['rejected_after_seconds'][:10]} s" if stats["rejected_429"] else ""),
            flush=True,
        )
        return {
            "bench": "dispatch",
            "kind": "paced",
            "database": kind,
            "rate": rate,
            "texts": stats["messages"],
            "achieved_msg_per_s": round(achieved, 2),
            "error_pct": round((achieved - rate) / rate * 100, 2),
            "rejected_429": stats["rejected_429"],
            "slots_missed": missed,
        }
    finally:
        cleanup()


def settled_outbox(ctx: AppContext, count: int) -> None:
    """`count` texts already sent over the past days: what a mature outbox holds."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        contact_id = conn.execute(text("SELECT min(id) FROM contact")).scalar()
        for start in range(0, count, BATCH):
            conn.execute(
                OutboxMessage.__table__.insert(),
                [
                    {
                        "idempotency_key": f"settled:{i}",
                        "purpose": "checkin",
                        "contact_id": contact_id,
                        "body": "Hi, checking in.",
                        "status": "delivered",
                        "attempts": 1,
                        "interrupted": 0,
                        "resend_if_interrupted": False,
                        "created_at": now - timedelta(minutes=1 + i % 8_000),
                        "status_at": now,
                        "sent_at": now,
                        "twilio_sid": f"SM{i:032x}",
                    }
                    for i in range(start, min(count, start + BATCH))
                ],
            )


def bench_idle(kind: str, workdir: Path, enrollments: int, outbox_rows: int, runs: int = 30) -> dict:
    url, cleanup = fresh_database(kind, workdir)
    try:
        ctx = AppContext.build(settings_for(url), clock=FrozenClock(datetime(2026, 3, 4, 20, 0, tzinfo=UTC)))
        loading = time.perf_counter()
        bulk_enroll(ctx, enrollments, 0, encrypt=False)
        settled_outbox(ctx, outbox_rows)
        loaded = time.perf_counter() - loading
        if ctx.db.is_postgres:
            with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        worker = Worker(ctx, sender=ConsoleSender(), pacer=NoPacing())
        worker.tick()  # warm: connections, statement caches
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            report = worker.tick()
            timings.append((time.perf_counter() - started) * 1000)
            assert report.schedule.prompts == 0 and not report.dispatch.results
        ctx.db.dispose()
        p90 = sorted(timings)[int(runs * 0.9) - 1]
        print(
            f"[{kind}] idle tick on {enrollments:,} enrollments and {outbox_rows:,} sent texts "
            f"(loaded in {loaded:.1f} s): median "
            f"{statistics.median(timings):.2f} ms, p90 {p90:.2f} ms, "
            f"max {max(timings):.2f} ms over {runs} ticks (in-process, all steps incl. retention)",
            flush=True,
        )
        return {
            "bench": "dispatch",
            "kind": "idle",
            "database": kind,
            "enrollments": enrollments,
            "outbox_rows": outbox_rows,
            "median_ms": round(statistics.median(timings), 2),
            "p90_ms": round(p90, 2),
        }
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--rated", type=int, default=3_000, help="texts for the SMSBOT_SEND_RATE=100 run")
    parser.add_argument("--idle-enrollments", type=int, default=1_000_000)
    parser.add_argument("--idle-outbox", type=int, default=100_000, help="sent texts in the idle outbox")
    parser.add_argument("--skip", default="", help="comma list of: unlimited,rated,idle")
    parser.add_argument("--runs", type=int, default=3, help="capacity runs per database (median, spread)")
    parser.add_argument("--rate", type=float, default=100.0, help="SMSBOT_SEND_RATE of the paced run")
    parser.add_argument("--json", type=Path, help="also write the figures here (a JSON list of rows)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"bench/dispatch.py on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        for kind in args.databases.split(","):
            if "unlimited" not in skip:
                work = (kind, Path(tmp), args.enrollments, args.due)
                runs = [bench_unlimited(*work) for _ in range(args.runs)]
                results += [*runs, spread(kind, runs)]
            if "rated" not in skip:
                results.append(bench_rated(kind, Path(tmp), args.rated, args.rate))
            if "idle" not in skip:
                results.append(bench_idle(kind, Path(tmp), args.idle_enrollments, args.idle_outbox))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

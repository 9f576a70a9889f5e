"""Benchmark a drug-supply alert to 50,000 subscribers: does it go out at SMSBOT_SEND_RATE, and how late
are the check-ins that fall due while it does?"""
#
#     .venv/bin/python bench/broadcast.py [--databases sqlite,postgres] [--subscribers 50000] [--rate 200]
#                                         [--checkins 60] [--interval 0] [--json PATH]
#
# Per database: a fresh migrated database; 50,000 subscribers and `--checkins` participants loaded in bulk
# (encrypted numbers, the project's schema), the participants' check-ins due at even steps through the
# broadcast's expected span. An alert goes through the staff services (draft, send); then the real
# worker (`Worker.tick`, the shared pacer on the wall clock, the Twilio client) ticks back to back
# (`--interval` seconds apart when it sent something: `smsbot worker` sleeps 2 s) against a fake Twilio
# in its own process that enforces the same rate (429 past it, with a burst of a tenth of a second).
# Figures: the rate reached (all texts, first to last, at the fake and by the recorded send times) and
# its error against the setting; how long each expansion batch took; each check-in's delay from due to
# sent (p50, p95, max); 429s; anyone texted twice. The time lost to the engine itself is measured apart:
# between the last text of one window and the first of the next (the tick's own work: the check-ins'
# steps and the sender's start; the next window is queued while the last rows of this one go out),
# summed over the run, as a share of its span. The rest of any shortfall is the pacer's (a slot more
# than 50 ms late, or one interval, is dropped, never made up; a 429 costs 0.1 s of slots): on a
# machine whose cores are busy with other processes, sends wake late and slots are lost.

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smsbot import migrate  # noqa: E402
from smsbot.actor import Actor, Door  # noqa: E402
from smsbot.checkins.enrollments import Plan  # noqa: E402
from smsbot.config import Settings, reset_settings  # noqa: E402
from smsbot.context import AppContext  # noqa: E402
from smsbot.db import Database  # noqa: E402
from smsbot.models import (  # noqa: E402
    Checkin,
    Contact,
    Enrollment,
    OutboxMessage,
    SupplyBroadcast,
    SupplySubscriber,
    SupplySubscription,
)
from smsbot.outbound.senders import TwilioSender  # noqa: E402
from smsbot.privacy import last4  # noqa: E402
from smsbot.replies.wording import Wording  # noqa: E402
from smsbot.staff.service import create_staff  # noqa: E402
from smsbot.supply import alerts, broadcast, sending  # noqa: E402
from smsbot.worker.tick import Worker  # noqa: E402

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
ZIPS = ("22902", "22903", "22911")
ALERT = "Pills sold as oxycodone near downtown have fentanyl and xylazine. Go slow, do not use alone."
BATCH = 10_000
OB, CHECKIN = OutboxMessage.__table__, Checkin.__table__


def fresh_database(kind: str, workdir: Path):
    """A migrated, empty database: its URL and a clean-up function."""
    if kind == "sqlite":
        path = workdir / f"broadcast-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: [p.unlink(missing_ok=True) for p in workdir.glob(path.name + "*")]
    base = os.environ.get("SMSBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def cleanup() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base}?options=-csearch_path%3D{schema}", cleanup


def load(ctx: AppContext, subscribers: int, checkins: int) -> None:
    """Subscribers (contact, subscriber, ZIP) and participants (their check-ins are timed by `due_during`)."""
    contact, sub, zip_t = Contact.__table__, SupplySubscriber.__table__, SupplySubscription.__table__
    now, vault = ctx.clock.now(), ctx.vault
    for start in range(0, subscribers, BATCH):
        numbers = [f"+1404{i:07d}" for i in range(start, min(subscribers, start + BATCH))]
        with ctx.db.transaction() as conn:
            ids = conn.execute(
                contact.insert().returning(contact.c.id, sort_by_parameter_order=True),
                [
                    {"phone_index": vault.index(n), "phone_ciphertext": vault.encrypt(n), "language": "en",
                     "created_at": now, "last_seen_at": now}
                    for n in numbers
                ],
            ).scalars().all()  # fmt: skip
            subs = (
                conn.execute(
                    sub.insert().returning(sub.c.id, sort_by_parameter_order=True),
                    [{"contact_id": i, "language": "en", "created_at": now} for i in ids],
                )
                .scalars()
                .all()
            )
            conn.execute(zip_t.insert(), [{"subscriber_id": s, "zip_code": ZIPS[s % 3]} for s in subs])
    plan = Plan.of("18:00", None, "America/New_York", 60)
    with ctx.db.transaction() as conn:
        for i in range(checkins):
            number = f"+1678{i:07d}"
            values = {"phone_index": vault.index(number), "phone_ciphertext": vault.encrypt(number)}
            values |= {"language": "en", "created_at": now, "last_seen_at": now}
            contact_id = conn.execute(contact.insert().values(**values).returning(contact.c.id)).scalar_one()
            conn.execute(
                Enrollment.__table__.insert().values(
                    contact_id=contact_id, nickname=f"P{i}", phone_last4=last4(number),
                    local_time=plan.local_time, days=plan.days, timezone=plan.timezone,
                    reply_window_minutes=60, status="active", source="staff", created_at=now, joined_at=now,
                    next_checkin_at=now + timedelta(days=1),
                )
            )  # fmt: skip


def due_during(ctx: AppContext, start: datetime, span: float) -> datetime:
    """Each participant's check-in falls due at an even step from 5% to 90% of the broadcast's span."""
    enrollment = Enrollment.__table__
    with ctx.db.transaction() as conn:
        ids = list(conn.execute(select(enrollment.c.id).order_by(enrollment.c.id)).scalars())
        for i, enrollment_id in enumerate(ids):
            due = start + timedelta(seconds=span * (0.05 + 0.85 * i / max(len(ids), 1)))
            conn.execute(
                enrollment.update().where(enrollment.c.id == enrollment_id).values(next_checkin_at=due)
            )
    return start + timedelta(seconds=span)


def start_fake(rate: float | None) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "tests.fake_twilio"] + (["--rate", str(rate)] if rate else [])
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def fake_stats(base_url: str) -> dict:
    with urllib.request.urlopen(base_url + "/_stats") as response:
        return json.load(response)


def boundary_seconds(conn, windows: list[tuple[datetime, datetime]], interval: float) -> float:
    """Sending time lost where one window ends and the next begins: from the last text of a window to
    the first of the next, less the one interval the pace allows."""
    spans = []
    for start, end in windows:
        first_last = conn.execute(
            select(func.min(OB.c.sent_at), func.max(OB.c.sent_at)).where(
                OB.c.purpose == broadcast.PURPOSE, OB.c.created_at >= start, OB.c.created_at <= end
            )
        ).one()
        if first_last[0] is not None:
            spans.append(first_last)
    return sum(
        max(0.0, (nxt[0] - prev[1]).total_seconds() - interval)
        for prev, nxt in zip(spans, spans[1:], strict=False)
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(
    kind: str, workdir: Path, subscribers: int, rate: float, checkins: int, interval: float, enforce: bool
) -> dict:
    url, cleanup = fresh_database(kind, workdir)
    fake, base_url = start_fake(rate if enforce else None)
    try:
        database = Database(url)
        migrate.upgrade(database)
        database.dispose()
        settings = Settings(
            _env_file=None,
            **{**ENV, "DATABASE_URL": url, "TWILIO_API_BASE_URL": base_url, "SMSBOT_SEND_RATE": str(rate)},
        )
        reset_settings(settings)  # the audit log reads the process-wide settings (its key)
        ctx = AppContext.build(settings)
        span = subscribers / rate
        loading = time.perf_counter()
        load(ctx, subscribers, checkins)
        loaded = time.perf_counter() - loading
        if ctx.db.is_postgres:
            with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        wording = Wording.from_settings(settings)
        admin = Actor(create_staff(ctx, "Bench Admin", "admin").staff_id, "admin", Door.CLI, "Bench Admin")
        with ctx.db.transaction() as conn:
            now = ctx.clock.now()
            draft = alerts.draft_alert(conn, admin, now, report_ids=[], text_en=ALERT, zips=list(ZIPS))
            sending.send_alert(conn, admin, now, draft.id, wording=wording, vault=ctx.vault, two_person=False)

        expansions: list[float] = []
        windows: list[tuple[datetime, datetime]] = []  # when each window's rows were queued (app clock)
        advance = broadcast.advance

        def timed_advance(*args, **kwargs):
            started, at = time.perf_counter(), ctx.clock.now()
            report = advance(*args, **kwargs)
            if report.queued:
                expansions.append(time.perf_counter() - started)
                windows.append((at, ctx.clock.now()))
            return report

        broadcast.advance = timed_advance  # the worker calls it through the module
        worker = Worker(ctx, sender=TwilioSender(settings), wording=wording)
        last_due = due_during(ctx, datetime.now(UTC), span)
        started = time.perf_counter()
        ticks = 0
        while True:
            report = worker.tick(retention=False)
            ticks += 1
            if os.environ.get("BENCH_DEBUG"):
                print(f"  tick {ticks}: {report.dispatch.results} {report.seconds}", flush=True)
            with ctx.db.transaction() as conn:
                done = conn.execute(select(SupplyBroadcast.__table__.c.status)).scalar() == "finished"
                due = Enrollment.__table__.c.next_checkin_at
                waiting = conn.execute(select(func.count()).where(due <= last_due)).scalar()
            if done and waiting == 0:
                break
            time.sleep(interval if report.dispatch.results else 0.2)
        wall = time.perf_counter() - started
        broadcast.advance = advance

        stats = fake_stats(base_url)
        with ctx.db.transaction() as conn:
            boundary = boundary_seconds(conn, windows, 1 / rate)
            sent = conn.execute(
                select(func.min(OB.c.sent_at), func.max(OB.c.sent_at), func.count()).where(
                    OB.c.sent_at.is_not(None)
                )
            ).one()
            delays = [
                (prompt_sent - due).total_seconds()
                for due, prompt_sent in conn.execute(
                    select(CHECKIN.c.scheduled_for, OB.c.sent_at)
                    .select_from(CHECKIN.join(OB, OB.c.checkin_id == CHECKIN.c.id))
                    .where(OB.c.purpose == "checkin")
                ).all()
                if prompt_sent is not None
            ]
            texted = Counter(conn.execute(select(OB.c.contact_id).where(OB.c.status == "sent")).scalars())
            twice = sum(1 for n in texted.values() if n > 1)
        ctx.db.dispose()
        fake_rate = (stats["messages"] - 1) / stats["span_seconds"] if stats["span_seconds"] else 0.0
        db_rate = (sent[2] - 1) / (sent[1] - sent[0]).total_seconds() if sent[2] > 1 else 0.0
        row = {
            "bench": "broadcast",
            "database": kind,
            "subscribers": subscribers,
            "checkins": len(delays),
            "rate": rate,
            "texts": stats["messages"],
            "achieved_msg_per_s": round(fake_rate, 2),
            "error_pct": round((fake_rate - rate) / rate * 100, 2),
            "achieved_by_send_times": round(db_rate, 2),
            "lost_between_windows_s": round(boundary, 2),
            "lost_between_windows_pct": round(boundary / max(stats["span_seconds"], 1e-9) * 100, 2),
            "rejected_429": stats["rejected_429"],
            "fake_enforces_rate": enforce,
            "texted_twice": twice,
            "wall_s": round(wall, 1),
            "ticks": ticks,
            "interval_s": interval,
            "expansion_batches": len(expansions),
            "expansion_ms_median": round(statistics.median(expansions) * 1000, 1) if expansions else None,
            "expansion_ms_max": round(max(expansions) * 1000, 1) if expansions else None,
            "checkin_delay_s_p50": round(percentile(delays, 50), 2) if delays else None,
            "checkin_delay_s_p95": round(percentile(delays, 95), 2) if delays else None,
            "checkin_delay_s_max": round(max(delays), 2) if delays else None,
            "load_s": round(loaded, 1),
        }
        print(
            f"[{kind}] {subscribers:,} subscribers at SMSBOT_SEND_RATE={rate:g}: {stats['messages']:,} texts "
            f"in {stats['span_seconds']:.1f} s at the fake -> {fake_rate:.2f} msg/s "
            f"({row['error_pct']:+.2f}%); "
            f"the alert's texts by their send times {db_rate:.2f} msg/s; 429s: {stats['rejected_429']}; "
            f"texted twice: {twice}\n[{kind}]   time lost between windows (the engine's own work): "
            f"{boundary:.2f} s, {row['lost_between_windows_pct']:.2f}% of the span; "
            f"{ticks} ticks, {len(expansions)} expansions of up to "
            f"{broadcast.batch_size(rate)} rows (median {row['expansion_ms_median']} ms, max "
            f"{row['expansion_ms_max']} ms); {len(delays)} check-ins due during it went out "
            f"{row['checkin_delay_s_p50']} s after due (p50), p95 {row['checkin_delay_s_p95']} s, "
            f"max {row['checkin_delay_s_max']} s (loaded in {loaded:.1f} s)",
            flush=True,
        )
        return row
    finally:
        fake.terminate()
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=200.0, help="SMSBOT_SEND_RATE (messages a second)")
    parser.add_argument("--checkins", type=int, default=60, help="check-ins falling due during the broadcast")
    parser.add_argument(
        "--interval", type=float, default=0.0, help="seconds between ticks that sent something"
    )
    parser.add_argument(
        "--no-enforce",
        action="store_true",
        help="the fake accepts any rate (by default: 429 past the setting)",
    )
    parser.add_argument("--json", type=Path, help="append the figures as JSON lines to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # clean up (databases, the fake) when stopped
    rows = []
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    for kind in args.databases.split(","):
        rows.append(
            run(
                kind.strip(),
                workdir,
                args.subscribers,
                args.rate,
                args.checkins,
                args.interval,
                not args.no_enforce,
            )
        )
    if args.json:
        with args.json.open("a") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

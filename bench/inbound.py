"""POST /twilio/sms, side by side: the whole bot (`smsbot serve --workers N`) against Twilio's Flask
quickstart with RequestValidator (`gunicorn -w N`, bench/quickstart_flask.py), on SQLite and on
PostgreSQL, with 1 and 2 workers, at 16 and 32 connections, in rounds. The same requests, checks and method as
../shared/perf/inbound, so the figures agree with it. See bench/README.md ("Inbound").

    .venv/bin/python bench/inbound.py                       # ~12 minutes; --help for the options
    .venv/bin/python bench/inbound.py --json out.json       # also write the figures as JSON rows
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import inbound_load as load
from inbound_servers import Postgres, Server, bot_env, free_port, probe

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
BIN = Path(sys.executable).parent
TARGETS = {"ratio": 1.0, "p99_ms": 50.0, "rss_mb": 150.0}


def measure(kind: str, database: str, workers: int, rnd: int, ctx: dict) -> dict:
    """One server, one round: fresh server (and database), warm-up, probes, fixed rate, then wrk at each
    connection count, with CPU and memory."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"{kind}-{database}-{workers}w-r{rnd}-", dir=ctx["tmp"]))
    port, server, pg_name = free_port(), None, None
    result: dict = {"kind": kind, "round": rnd}
    try:
        if kind == "bot":
            if database == "sqlite":
                url = f"sqlite:///{run_dir}/smsbot.db"
            else:
                pg_name = f"smsbot_bench_{secrets.token_hex(4)}"
                url = ctx["postgres"].create(pg_name)
            env = {**bot_env(url), **ctx["settings"]}
            migrated = subprocess.run(
                [str(BIN / "smsbot"), "db", "upgrade"], cwd=run_dir, env=env, capture_output=True, text=True
            )
            if migrated.returncode:
                raise RuntimeError("smsbot db upgrade failed: " + migrated.stderr[-800:])
            cmd = [str(BIN / "smsbot"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            cmd += ["--workers", str(workers)]
        else:
            env = dict(
                os.environ, QUICKSTART_AUTH_TOKEN=load.AUTH_TOKEN, QUICKSTART_PUBLIC_URL=load.PUBLIC_URL
            )
            cmd = [
                str(BIN / "gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--chdir",
                str(BENCH),
            ]
            cmd += ["--log-level", "warning", "quickstart_flask:app"]
        server = Server(cmd, env, run_dir, port)
        url = f"http://127.0.0.1:{port}/twilio/sms"
        load.run_wrk(url, ctx["rows"]["warm"], ctx["warmup"], 32, ctx["threads"], ctx["lua"])
        result["probes"] = probe(port, rnd) if kind == "bot" else []
        result["fixed"] = load.run_fixed_rate(port, ctx["rows"]["fixed"], ctx["rate"], ctx["rate_seconds"])
        for connections in ctx["connections"]:
            time.sleep(0.5)
            pids = server.pids()
            pg = load.named("postgres") if database == "postgresql" and kind == "bot" else []
            cpu0, pg0, busy0, t0 = (
                load.cpu_seconds(pids),
                load.cpu_seconds(pg),
                load.busy_seconds(),
                time.time(),
            )
            run = load.run_wrk(
                url, ctx["rows"][connections], ctx["seconds"], connections, ctx["threads"], ctx["lua"]
            )
            pids = server.pids()
            wall, n = time.time() - t0, max(run["requests"], 1)
            cpu, pg_cpu = load.cpu_seconds(pids) - cpu0, load.cpu_seconds(pg) - pg0
            run.update(
                cpu_ms=cpu * 1000 / n, pg_cpu_ms=pg_cpu * 1000 / n, cores=cpu / wall,
                other_cores=max(0.0, (load.busy_seconds() - busy0) / wall - cpu / wall - pg_cpu / wall),
            )  # fmt: skip
            result[connections] = run
        result["rss_mb"] = load.peak_rss_mb(server.pids())
        result["processes"] = len(server.pids())
    except Exception as exc:  # a broken run is reported; the others go on
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if server:
            server.stop()
        if pg_name:
            ctx["postgres"].drop(pg_name)
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def failures(result: dict, connections: int) -> int:
    """Failed requests in the runs behind one figure: its wrk run, the fixed-rate run, the probes."""
    if "error" in result:
        return 1
    run, fixed = result[connections], result["fixed"]
    closed = run["non2xx"] + run["badxml"] + run["sockerr"]
    opened = fixed["non2xx"] + fixed["badxml"] + fixed["errors"] + fixed["unfinished"]
    return closed + opened + (fixed["wanted"] - fixed["sent"]) + len(result.get("probes", []))


def progress(label: str, result: dict, connections: list[int]) -> str:
    if "error" in result:
        return f"{label:<34} FAILED: {result['error'][:300]}"
    fixed = result["fixed"]
    parts = [f"{label:<34}"]
    for c in connections:
        run = result[c]
        pg = f"+{run['pg_cpu_ms']:.2f}PG" if run["pg_cpu_ms"] else ""
        parts.append(
            f"c{c} {run['rps']:6,.0f} req/s (CPU {run['cpu_ms']:.2f}{pg} ms/req, "
            f"other {run['other_cores']:.1f} cores)"
        )
    parts.append(f"200/s p99 {fixed['p99_ms']} ms  RSS {result['rss_mb']:.0f} MB")
    problems = [f"c{c}: {failures(result, c)} failed" for c in connections if failures(result, c)]
    return "  ".join(parts) + (
        "  ISSUES: " + "; ".join(problems + result.get("probes", [])) if problems else ""
    )


def summarize(
    database: str, workers: int, runs: list[tuple[dict, dict]], connections: list[int]
) -> list[dict]:
    rows = []
    for c in connections:
        good = [(bot, qs) for bot, qs in runs if "error" not in bot and "error" not in qs]
        ratios = [bot[c]["rps"] / qs[c]["rps"] for bot, qs in good if qs[c]["rps"]]
        p99s = [bot["fixed"]["p99_ms"] for bot, _ in good if bot["fixed"]["p99_ms"] is not None]

        def median(values: list[float], digits: int = 1) -> float | None:
            return round(statistics.median(values), digits) if values else None

        rows.append(
            {
                "bench": "inbound",
                "database": database,
                "workers": workers,
                "connections": c,
                "rounds": len(good),
                "bot_rps": median([bot[c]["rps"] for bot, _ in good], 0),
                "quickstart_rps": median([qs[c]["rps"] for _, qs in good], 0),
                "ratio": median(ratios, 2),
                "ratio_min": round(min(ratios), 2) if ratios else None,
                "ratio_max": round(max(ratios), 2) if ratios else None,
                "ratios": [round(r, 2) for r in ratios],
                "p99_ms_at_200": median(p99s),
                "p99s_ms_at_200": p99s,
                "quickstart_p99_ms_at_200": median([qs["fixed"]["p99_ms"] for _, qs in good]),
                "failed": sum(failures(bot, c) for bot, _ in runs),
                "rss_mb": round(max((bot["rss_mb"] for bot, _ in good), default=0)),
                "bot_cpu_ms": median([bot[c]["cpu_ms"] for bot, _ in good], 2),
                "pg_cpu_ms": median([bot[c]["pg_cpu_ms"] for bot, _ in good], 2)
                if database != "sqlite"
                else None,
                "quickstart_cpu_ms": median([qs[c]["cpu_ms"] for _, qs in good], 2),
                "replied": median([bot[c]["replied"] / max(bot[c]["good"], 1) for bot, _ in good], 2),
                "other_cores": median([bot[c]["other_cores"] for bot, _ in good], 2),
            }
        )
    return rows


def verdict(row: dict) -> str:
    misses = []
    if row["ratio"] is None or row["ratio"] < TARGETS["ratio"]:
        misses.append(f"ratio {row['ratio']} < {TARGETS['ratio']}")
    if row["p99_ms_at_200"] is None or row["p99_ms_at_200"] > TARGETS["p99_ms"]:
        misses.append(f"p99 {row['p99_ms_at_200']} ms > {TARGETS['p99_ms']:g}")
    if row["failed"]:
        misses.append(f"{row['failed']} failed")
    if row["rss_mb"] > TARGETS["rss_mb"]:
        misses.append(f"RSS {row['rss_mb']} MB > {TARGETS['rss_mb']:g}")
    return "meets the targets" if not misses else "MISSES: " + "; ".join(misses)


def table(rows: list[dict]) -> str:
    head = (
        "| database | workers | conns | bot req/s | quickstart req/s | ratio [min..max] | p99 @200/s ms "
        "| failed | bot CPU ms/text | peak RSS MB |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        cpu = f"{r['bot_cpu_ms']}" + (f" + {r['pg_cpu_ms']} PG" if r["pg_cpu_ms"] is not None else "")
        lines.append(
            f"| {r['database']} | {r['workers']} | {r['connections']} | {r['bot_rps']:,.0f} "
            f"| {r['quickstart_rps']:,.0f} | {r['ratio']:.2f} [{r['ratio_min']:.2f}..{r['ratio_max']:.2f}] "
            f"| {r['p99_ms_at_200']} ({', '.join(str(p) for p in r['p99s_ms_at_200'])}) | {r['failed']} "
            f"| {cpu} | {r['rss_mb']} |"
            if r["ratio"] is not None
            else f"| {r['database']} | {r['workers']} | {r['connections']} | not measured |||||||"
        )
    return "\n".join(lines)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def numbers(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds (bot, then quickstart, each round)")
    parser.add_argument("--seconds", type=float, default=10, help="each closed-loop (wrk) run, s")
    parser.add_argument("--warmup", type=float, default=3, help="wrk warm-up of each fresh server, s")
    parser.add_argument("--rate", type=float, default=200, help="the fixed rate, requests/s")
    parser.add_argument("--rate-seconds", type=float, default=10, help="the fixed-rate run, s")
    parser.add_argument("--workers", type=numbers, default=[1, 2], help="web processes, e.g. 1,2")
    parser.add_argument("--connections", type=numbers, default=[16, 32], help="wrk connections, e.g. 16,32")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin URL: a fresh database is created (and dropped) there for each bot run",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="signed requests per wrk run (no repeats)")
    parser.add_argument("--json", type=Path, help="also write the figures here, one JSON row per figure")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the bot, e.g. SMSBOT_INFO_COMMIT_WAITS=true (repeatable)",
    )
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.setting)
    for tool in ("wrk", str(BIN / "gunicorn"), str(BIN / "smsbot")):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install -y wrk; make bench-install")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    postgres = Postgres(args.postgres_url)
    if "postgresql" in databases and not postgres.reachable():
        print(f"PostgreSQL: nothing answers at {urlsplit(args.postgres_url).netloc}: SQLite only")
        databases.remove("postgresql")
    load_avg = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}; python {sys.version.split()[0]}; "
        f"load average {load_avg[0]:.2f} before; {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    if load_avg[0] > 0.5:
        print("warning: other processes compete for the cores: absolute figures will be low (ratios less so)")
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        tmp_path, rng, run = Path(tmp), random.Random(20261125), secrets.token_hex(4)
        rows = {
            "warm": load.write_rows(tmp_path / "warm.rows", "a", 30_000, rng, run),
            "fixed": load.write_rows(
                tmp_path / "fixed.rows", "b", int(args.rate * args.rate_seconds) + 10, rng, run
            ),
        }
        for i, c in enumerate(args.connections):
            rows[c] = load.write_rows(tmp_path / f"load{c}.rows", f"c{i}", args.rows, rng, run)
        lua = tmp_path / "post.lua"
        lua.write_text(load.WRK_LUA)
        ctx = {
            "tmp": tmp_path, "rows": rows, "lua": lua, "threads": args.threads, "warmup": args.warmup,
            "seconds": args.seconds, "rate": args.rate, "rate_seconds": args.rate_seconds,
            "connections": args.connections, "postgres": postgres, "settings": settings,
        }  # fmt: skip
        print(
            f"per run: warm-up {args.warmup:g} s, {args.rate:g}/s for {args.rate_seconds:g} s (p99), "
            "then wrk "
            f"-t{args.threads} -c{'/'.join(map(str, args.connections))} for {args.seconds:g} s each; "
            f"{args.rounds} rounds, bot then quickstart each round"
            + "".join(f"; bot with {name}={value}" for name, value in settings.items())
        )
        figures = []
        for database in databases:
            for workers in args.workers:
                runs = []
                for rnd in range(1, args.rounds + 1):
                    print(
                        f"[{database} {workers}w r{rnd}] calibration loop {load.calibrate():.1f} ms",
                        flush=True,
                    )
                    bot = measure("bot", database, workers, rnd, ctx)
                    print("  " + progress(f"smsbot, {workers} worker(s)", bot, args.connections), flush=True)
                    qs = measure("quickstart", database, workers, rnd, ctx)
                    print(
                        "  " + progress(f"quickstart, {workers} worker(s)", qs, args.connections), flush=True
                    )
                    runs.append((bot, qs))
                    for result in (bot, qs):
                        if any(result.get(c, {}).get("wrapped") for c in args.connections):
                            print("  WARNING: wrk ran out of rows and repeated MessageSids (raise --rows)")
                figures += summarize(database, workers, runs, args.connections)
    print(
        f"\nInbound, medians of {args.rounds} rounds (ratio: each round's bot/quickstart, then the median):\n"
    )
    print(table(figures))
    print()
    for row in figures:
        print(f"{row['database']} {row['workers']}w c{row['connections']}: {verdict(row)}")
    print(f"took {int(time.time() - started) // 60} min {int(time.time() - started) % 60} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    if not figures or any(r["ratio"] is None for r in figures):
        return 2  # something could not be measured
    return 1 if args.strict and any(verdict(r) != "meets the targets" for r in figures) else 0


if __name__ == "__main__":
    sys.exit(main())

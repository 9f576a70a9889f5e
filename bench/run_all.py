"""`make bench`: every benchmark on SQLite and PostgreSQL, then one table and one chart.

Runs bench/inbound.py, bench/dispatch.py and bench/nearby.py (each prints its own figures as it goes and
writes them with --json), then writes bench/results/latest.json, latest.md (a markdown table with the
date, the machine and the git commit) and latest.png (a matplotlib chart).

    .venv/bin/python bench/run_all.py [--only inbound,dispatch,nearby] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from results_report import write_chart, write_markdown

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"

# What each benchmark is run with: the sizes (--quick: a smoke run of the whole pipeline).
FULL = {
    "inbound": [],
    "dispatch": ["--runs", "3", "--idle-enrollments", "100000"],
    "nearby": [],
}
QUICK = {
    "inbound": ["--seconds", "3", "--rate-seconds", "3"],
    "dispatch": ["--runs", "1", "--enrollments", "2000", "--due", "500", "--rated", "300"]
    + ["--idle-enrollments", "2000"],
    "nearby": ["--services", "2000", "--small", "500", "--lookups", "100"],
}


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        found = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return found.stdout.strip() if found.returncode == 0 else "unknown"

    code = ("src", "bench", ":!bench/results")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", *code))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else ""),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }


def run(name: str, args: list[str], out: Path) -> tuple[list[dict], str | None]:
    """Run one benchmark (its figures stream to this terminal); its JSON rows, or why there are none."""
    print(f"\n=== bench/{name}.py {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *args, "--json", str(out)], cwd=ROOT)
    if done.returncode != 0:
        return [], f"bench/{name}.py exited with {done.returncode}"
    try:
        text = out.read_text()
    except OSError:
        return [], f"bench/{name}.py wrote no --json file"
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:  # one object per line
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = rows if isinstance(rows, list) else [rows]
    for row in rows:
        row.setdefault("bench", name)
    return rows, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="inbound,dispatch,nearby")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the pipeline, not figures")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.{json,md,png} go")
    parser.add_argument(
        "--keep", action="store_true", help="keep the other benchmarks' rows from the last latest.json"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    info = machine()
    print(
        f"make bench: {info['nproc']} CPUs ({info['cpu']}), commit {info['commit']}, "
        f"load {info['load_before']}",
        flush=True,
    )
    rows: list[dict] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        for name in args.only.split(","):
            found, problem = run(name, plan[name], Path(tmp) / f"{name}.json")
            rows += found
            if problem:
                problems.append(problem)
                print(f"make bench: {problem}", flush=True)
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    for row in rows:  # where each figure comes from, kept with it when a later run keeps it
        row.setdefault("measured", f"{info['date']}, commit {info['commit']}")
    ran = set(args.only.split(","))
    if args.keep and (args.out / "latest.json").exists():
        last = json.loads((args.out / "latest.json").read_text())
        kept = [row for row in last["rows"] if row.get("bench") not in ran]
        rows = kept + rows
        if kept:
            info["kept_from"] = "; ".join(
                sorted({f"{row['bench']}: {row.get('measured', last['machine']['date'])}" for row in kept})
            )
    info["quick"] = args.quick
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(
        json.dumps({"machine": info, "problems": problems, "rows": rows}, indent=1) + "\n"
    )
    write_markdown(args.out / "latest.md", info, rows, problems)
    write_chart(args.out / "latest.png", info, rows)
    print(f"\nmake bench: wrote {args.out / 'latest.md'} and {args.out / 'latest.png'}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark rows as a markdown table (with the targets each figure is held to) and a chart."""

from __future__ import annotations

import statistics
from pathlib import Path

# The targets, as (test, words): a figure meets its target when test(figure) is true.
DISPATCH_TARGET = 1_000.0  # msg/s unpaced, process start-up included
PACED_TOLERANCE_PCT = 2.0
INBOUND_RATIO, INBOUND_P99_MS, INBOUND_RSS_MB = 1.0, 50.0, 150.0
NEARBY_P50_MS, NEARBY_P99_MS = 5.0, 20.0


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def _n(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _table(head: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(row) + " |" for row in body] + [""]


def write_markdown(path: Path, info: dict, rows: list[dict], problems: list[str]) -> None:
    def of(bench: str, kind: str | None = None) -> list[dict]:
        return [r for r in rows if r.get("bench") == bench and (kind is None or r.get("kind") == kind)]

    out = [
        "# Benchmarks (`make bench`)",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}",
        f"- Commit: {info['commit']}",
        f"- Load average (1, 5, 15 min) before: {info['load_before']}, after: {info.get('load_after')}",
    ]
    if info.get("kept_from"):
        out.append(f"- Not re-run this time, kept from earlier runs: {info['kept_from']}.")
    if info.get("quick"):
        out.append("- **--quick run: small sizes that check the pipeline; these are not the figures.**")
    out += [f"- Not measured: {p}" for p in problems] + [""]

    inbound = of("inbound")
    if inbound:
        out += ["## Inbound: POST /twilio/sms against the Twilio quickstart (`bench/inbound.py`)", ""]
        out += _table(
            [
                "database",
                "workers",
                "wrk conns",
                "bot req/s",
                "quickstart req/s",
                "ratio (≥ 1.0)",
                "p99 at 200 req/s (≤ 50 ms)",
                "failed",
                "peak RSS MB (≤ 150)",
            ],
            [
                [
                    str(r.get("database")),
                    str(r.get("workers", "—")),
                    str(r.get("connections", "—")),
                    _n(r.get("bot_rps")),
                    _n(r.get("quickstart_rps")),
                    _n(r.get("ratio"), 2) + _mark(_ge(r.get("ratio"), INBOUND_RATIO)),
                    _n(r.get("p99_ms_at_200"), 1) + _mark(_le(r.get("p99_ms_at_200"), INBOUND_P99_MS)),
                    _n(r.get("failed")),
                    _n(r.get("rss_mb")) + _mark(_le(r.get("rss_mb"), INBOUND_RSS_MB)),
                ]
                for r in inbound
            ],
        )

    capacity = of("dispatch", "capacity")
    if capacity:
        out += [
            "## Dispatch: one `smsbot tick` sending due check-ins to a fake Twilio on loopback "
            "(`bench/dispatch.py`)",
            "",
            "Unpaced (SMSBOT_SEND_RATE=0), process start-up included; each run on a freshly loaded database.",
            "",
        ]
        body = []
        for database in dict.fromkeys(r["database"] for r in capacity):
            runs = [r for r in capacity if r["database"] == database]
            rates = sorted(r["msg_per_s"] for r in runs)
            median = statistics.median(rates)
            body.append(
                [
                    database,
                    f"{runs[0]['texts']:,} of {runs[0]['enrollments']:,}",
                    str(len(runs)),
                    _n(median) + _mark(median >= DISPATCH_TARGET),
                    f"{_n(rates[0])} – {_n(rates[-1])}",
                    _n(statistics.median(r["msg_per_s_without_startup"] for r in runs)),
                    _n(statistics.median(r["cpu_ms_per_msg"] for r in runs), 2),
                    _n(statistics.median(r["startup_s"] for r in runs), 2),
                    "yes" if all(r["none_twice"] for r in runs) else "**no**",
                ]
            )
        out += _table(
            [
                "database",
                "texts (of enrollments)",
                "runs",
                "median msg/s (≥ 1,000)",
                "min – max",
                "msg/s without start-up",
                "CPU ms/msg",
                "start-up s",
                "none twice",
            ],
            body,
        )
    paced = of("dispatch", "paced")
    if paced:
        out += ["Paced: the rate the fake Twilio saw, which enforces the same rate (429 past it).", ""]
        out += _table(
            ["database", "SMSBOT_SEND_RATE", "texts", "achieved msg/s", "error (within ±2%)", "429s"],
            [
                [
                    r["database"],
                    _n(r["rate"]),
                    _n(r["texts"]),
                    _n(r["achieved_msg_per_s"], 2),
                    f"{r['error_pct']:+.2f}%" + _mark(abs(r["error_pct"]) <= PACED_TOLERANCE_PCT),
                    _n(r["rejected_429"]),
                ]
                for r in paced
            ],
        )
    idle = of("dispatch", "idle")
    if idle:
        out += ["A tick with nothing due (in process, every step):", ""]
        out += _table(
            ["database", "enrollments", "sent texts in the outbox", "median ms", "p90 ms"],
            [
                [
                    r["database"],
                    _n(r["enrollments"]),
                    _n(r.get("outbox_rows")),
                    _n(r["median_ms"], 2),
                    _n(r["p90_ms"], 2),
                ]
                for r in idle
            ],
        )

    nearby = of("nearby")
    if nearby:
        out += ["## Nearby: the nearest 3 services for a ZIP (`bench/nearby.py`)", ""]
        out += _table(
            [
                "database",
                "services",
                "p50 ms (≤ 5)",
                "p99 ms (≤ 20)",
                "import rows/s",
                "peak RSS MB",
                "database file MB",
            ],
            [
                [
                    r["database"],
                    _n(r["services"]),
                    _n(r["p50_ms"], 2) + _mark(r["p50_ms"] <= NEARBY_P50_MS),
                    _n(r["p99_ms"], 2) + _mark(r["p99_ms"] <= NEARBY_P99_MS),
                    _n(r["import_rows_per_s"]),
                    _n(r["peak_rss_mb"]),
                    _n(r.get("database_mb")),
                ]
                for r in nearby
            ],
        )
    out.append("Re-run: `make bench` (about half an hour; an otherwise idle machine, or the figures say so).")
    path.write_text("\n".join(out) + "\n")


def _ge(value, floor: float) -> bool | None:
    return None if value is None else value >= floor


def _le(value, ceiling: float) -> bool | None:
    return None if value is None else value <= ceiling


def write_chart(path: Path, info: dict, rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    title = f"smsbot benchmarks, {info['date']}, {info['nproc']} CPUs, commit {info['commit']}"
    fig.suptitle(title, fontsize=10)

    ax = axes[0][0]
    inbound = [r for r in rows if r.get("bench") == "inbound" and r.get("ratio") is not None]
    labels = [f"{r['database']}\n{r.get('workers', '?')}w c{r.get('connections', '?')}" for r in inbound]
    ax.bar(labels, [r["ratio"] for r in inbound], color="#4c72b0")
    ax.axhline(INBOUND_RATIO, color="red", linestyle="--", linewidth=1, label="target 1.0×")
    ax.set_title("Inbound: bot ÷ Twilio quickstart throughput")
    ax.legend(loc="lower right") if inbound else _empty(ax)

    ax = axes[0][1]
    capacity = [r for r in rows if r.get("bench") == "dispatch" and r.get("kind") == "capacity"]
    databases = list(dict.fromkeys(r["database"] for r in capacity))
    medians, low, high = [], [], []
    for database in databases:
        rates = sorted(r["msg_per_s"] for r in capacity if r["database"] == database)
        m = statistics.median(rates)
        medians.append(m)
        low.append(m - rates[0])
        high.append(rates[-1] - m)
    ax.bar(databases, medians, yerr=[low, high], capsize=6, color="#55a868")
    ax.axhline(DISPATCH_TARGET, color="red", linestyle="--", linewidth=1, label="target 1,000 msg/s")
    ax.set_title("Dispatch: msg/s unpaced, start-up included (median, min–max)")
    ax.legend(loc="lower right") if capacity else _empty(ax)

    ax = axes[1][0]
    nearby = [r for r in rows if r.get("bench") == "nearby"]
    labels = [f"{r['database']}\n{r['services']:,}" for r in nearby]
    x = range(len(nearby))
    ax.bar([i - 0.2 for i in x], [r["p50_ms"] for r in nearby], width=0.4, label="p50", color="#8172b2")
    ax.bar([i + 0.2 for i in x], [r["p99_ms"] for r in nearby], width=0.4, label="p99", color="#c44e52")
    ax.set_xticks(list(x), labels)
    ax.axhline(NEARBY_P50_MS, color="#8172b2", linestyle=":", linewidth=1)
    ax.axhline(NEARBY_P99_MS, color="#c44e52", linestyle=":", linewidth=1)
    ax.set_title("Nearby: ms per lookup (dotted: targets)")
    ax.legend(loc="upper left") if nearby else _empty(ax)

    ax = axes[1][1]
    paced = [r for r in rows if r.get("bench") == "dispatch" and r.get("kind") == "paced"]
    ax.bar([r["database"] for r in paced], [r["achieved_msg_per_s"] for r in paced], color="#937860")
    for r in paced[:1]:
        rate = f"SMSBOT_SEND_RATE={r['rate']:g}"
        ax.axhline(r["rate"], color="red", linestyle="--", linewidth=1, label=rate)
        ax.axhspan(r["rate"] * 0.98, r["rate"] * 1.02, color="red", alpha=0.1, label="±2%")
        ax.set_ylim(0, r["rate"] * 1.2)
        ax.legend(loc="lower right")
    ax.set_title("Paced dispatch: achieved msg/s")
    if not paced:
        _empty(ax)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _empty(ax) -> None:
    ax.text(0.5, 0.5, "not measured in this run", ha="center", va="center", transform=ax.transAxes)

"""The labelled corpus (tests/corpus/messages.tsv) run through route(): what people really text.

Every emergency and compliance row must be right, and no other row may come out as an opt-out; the
corpus as a whole must be at least 95% right (intent and language). `python -m tests.test_corpus`
prints the share right per class as a markdown table (for the README).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from smsbot.routing import Intent, RouteContext, route

CORPUS = Path(__file__).parent / "corpus" / "messages.tsv"
TARGET_SHARE = 0.95
# Getting these wrong is never acceptable: a missed overdose, or a compliance word not honoured.
CRITICAL = frozenset({Intent.EMERGENCY, Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP})


@dataclass(frozen=True)
class Row:
    line: int
    text: str
    ctx: RouteContext
    intent: Intent
    language: str | None  # "-" in the file: not checked
    check_language: bool

    @property
    def id(self) -> str:
        return f"{self.line}:{self.text[:40]}"


def _context(flags: str) -> RouteContext:
    values: dict[str, object] = {}
    for flag in filter(None, (f.strip() for f in flags.split(","))):
        if flag == "-":
            continue
        if flag == "checkin_open":
            values["checkin_open"] = True
        elif flag.startswith("awaiting="):
            values["awaiting"] = flag.split("=", 1)[1]
        elif flag.startswith("language="):
            values["language"] = flag.split("=", 1)[1]
        else:
            raise ValueError(f"unknown context flag {flag!r}")
    return RouteContext(**values)  # type: ignore[arg-type]


def load(path: Path = CORPUS) -> list[Row]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        text, flags, intent, language = line.split("\t")
        rows.append(
            Row(
                line=number,
                text=text,
                ctx=_context(flags),
                intent=Intent(intent),
                language=None if language in ("-", "none") else language,
                check_language=language != "-",
            )
        )
    return rows


ROWS = load()


def is_right(row: Row) -> bool:
    routed = route(row.text, row.ctx)
    return routed.intent is row.intent and (not row.check_language or routed.language == row.language)


def report(rows: list[Row] = ROWS) -> str:
    """A markdown table: rows and share right per expected intent, then the total."""
    total, right = Counter[Intent](), Counter[Intent]()
    for row in rows:
        total[row.intent] += 1
        right[row.intent] += is_right(row)
    lines = ["| intent | texts | right | share |", "|---|---:|---:|---:|"]
    for intent in sorted(total, key=lambda i: (-total[i], i.value)):
        lines.append(
            f"| {intent.value} | {total[intent]} | {right[intent]} | {right[intent] / total[intent]:.0%} |"
        )
    n, r = sum(total.values()), sum(right.values())
    lines.append(f"| **all** | **{n}** | **{r}** | **{r / n:.1%}** |")
    return "\n".join(lines)


def test_the_corpus_is_big_enough_and_covers_both_languages():
    assert len(ROWS) >= 400
    assert sum(row.language == "es" for row in ROWS) >= 100
    assert {row.intent for row in ROWS} >= set(CRITICAL) | {Intent.DISTRESS, Intent.WOUNDS, Intent.MIXING}


@pytest.mark.parametrize("row", [r for r in ROWS if r.intent in CRITICAL], ids=lambda r: r.id)
def test_every_emergency_and_compliance_text_is_right(row: Row):
    routed = route(row.text, row.ctx)
    assert routed.intent is row.intent, f"{row.text!r} -> {routed}"
    if row.check_language:
        assert routed.language == row.language, f"{row.text!r} -> {routed}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.intent not in CRITICAL], ids=lambda r: r.id)
def test_no_other_text_is_taken_for_an_opt_out(row: Row):
    # A false opt-out silences someone who wanted the line: as serious as a missed STOP.
    assert route(row.text, row.ctx).intent is not Intent.OPT_OUT


def test_the_corpus_is_at_least_95_percent_right():
    wrong = [
        (row.line, row.text, row.intent.value, route(row.text, row.ctx)) for row in ROWS if not is_right(row)
    ]
    share = 1 - len(wrong) / len(ROWS)
    print("\n" + report())
    assert share >= TARGET_SHARE, "\n".join(
        f"{line}: {text!r} want {want}, got {got}" for line, text, want, got in wrong
    )


if __name__ == "__main__":  # python -m tests.test_corpus [--misses]
    import sys

    print(report())
    if "--misses" in sys.argv:
        for row in (row for row in ROWS if not is_right(row)):
            got = route(row.text, row.ctx)
            print(f"line {row.line}: {row.text!r} want {row.intent.value}/{row.language}, got {got}")

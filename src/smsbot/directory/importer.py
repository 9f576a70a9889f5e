"""`smsbot directory import PATH`: detect the format, read, check and upsert in batches, count.

Formats: a folder with datapackage.json (or services.csv) → HSDS; a `.json` file → SAMHSA locator;
a `.csv` file → the flat CSV (flat_csv.py documents its header). The whole import is one
transaction: it lands completely or not at all. Bad rows are skipped with a warning naming their
line and reason; the rest imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smsbot.context import AppContext
from smsbot.directory import flat_csv, hsds, samhsa
from smsbot.directory.records import ImportOptions, Parsed, ServiceRecord, check
from smsbot.directory.store import upsert_records

BATCH_SIZE = 1000
FORMATS = ("hsds", "samhsa", "csv")


class DirectoryImportError(ValueError):
    """The path cannot be imported at all (unknown format, unreadable file)."""


@dataclass
class ImportSummary:
    format: str
    source: str | None = None
    added: int = 0
    updated: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.format}: added {self.added}, updated {self.updated}, skipped {self.skipped}"
            f" ({len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''})"
        )


def detect_format(path: Path) -> str:
    if path.is_dir():
        if hsds.is_package(path):
            return "hsds"
        raise DirectoryImportError(f"{path}: a folder without datapackage.json or services.csv (not HSDS)")
    if not path.is_file():
        raise DirectoryImportError(f"{path} does not exist")
    if path.name == "datapackage.json":
        return "hsds"
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "samhsa"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise DirectoryImportError(f"{path.name}: unknown format (expected an HSDS folder, .csv or SAMHSA .json)")


def _reader(kind: str, path: Path, options: ImportOptions) -> tuple[int | None, Iterator[Parsed]]:
    try:
        if kind == "hsds":
            folder = path.parent if path.is_file() else path
            return hsds.count_rows(folder), hsds.read(folder, options)
        if kind == "samhsa":
            rows = samhsa.load_rows(path)  # fail early on a file that is not SAMHSA JSON
            return len(rows), samhsa.read(path, options)
        return flat_csv.count_rows(path), flat_csv.read(path, options)
    except (hsds.HsdsError, samhsa.SamhsaError, flat_csv.FlatCsvError, OSError, UnicodeDecodeError) as exc:
        raise DirectoryImportError(str(exc)) from None


def import_path(
    ctx: AppContext,
    path: Path,
    options: ImportOptions | None = None,
    *,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one file or package. `on_start(total)` and `on_rows(n)` drive a progress bar."""
    options = options or ImportOptions(
        default_timezone=ctx.settings.default_timezone, today=ctx.clock.now().date()
    )
    kind = detect_format(path)
    total, parsed_rows = _reader(kind, path, options)
    summary = ImportSummary(format=kind)
    if on_start:
        on_start(total)
    now = ctx.clock.now()
    batch: dict[tuple[str, str], tuple[str, ServiceRecord]] = {}
    seen = 0  # rows read since the last progress report
    try:
        with ctx.db.transaction() as conn:
            for parsed in parsed_rows:
                _take(parsed, options, summary, batch)
                seen += 1
                if len(batch) >= BATCH_SIZE:
                    _flush(conn, batch, now, summary)
                    if on_rows:
                        on_rows(seen)
                    seen = 0
            _flush(conn, batch, now, summary)
            if on_rows and seen:
                on_rows(seen)
    except (hsds.HsdsError, flat_csv.FlatCsvError, UnicodeDecodeError) as exc:
        raise DirectoryImportError(str(exc)) from None
    return summary


def _take(parsed: Parsed, options: ImportOptions, summary: ImportSummary, batch: dict) -> None:
    if parsed.raw is None:
        summary.skipped += 1
        summary.warnings.extend(f"{parsed.where}: {p}" for p in parsed.problems)
        return
    checked = check(parsed.raw, options.default_timezone)
    warnings = parsed.problems + checked.warnings
    summary.warnings.extend(f"{parsed.where}: {w}" for w in warnings)
    record = checked.record
    if record is None:
        summary.skipped += 1
        return
    summary.source = record.source
    key = (record.source, record.source_id)
    if key in batch:
        # The same id twice in one file: the later row wins, and the count says one was dropped.
        summary.skipped += 1
        summary.warnings.append(f"{parsed.where}: same id as {batch[key][0]}; the earlier row is replaced")
    batch[key] = (parsed.where, record)


def _flush(conn, batch: dict, now, summary: ImportSummary) -> None:
    if not batch:
        return
    added, updated = upsert_records(conn, [record for _, record in batch.values()], now)
    summary.added += added
    summary.updated += updated
    batch.clear()

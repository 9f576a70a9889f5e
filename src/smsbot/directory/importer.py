"""`smsbot directory import PATH`: detect the format, read, classify, check and upsert in batches.

Formats: a folder (or its `datapackage.json`) → HSDS tables (datapackage.py finds them); a `.json`
file → SAMHSA locator rows or HSDS 3.0 JSON, told apart by their shape; a `.csv` → the flat CSV.
The whole import is one transaction (the caller's: `import_into(conn, ...)`; `import_path` opens
one): it lands completely or not at all. Bad rows are skipped with
a warning naming their file line and reason; the rest imports. `dry_run` reads and classifies
everything and writes nothing.
"""

from __future__ import annotations

import gc
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from smsbot.context import AppContext
from smsbot.directory import datapackage, flat_csv, hsds, hsds_json, samhsa
from smsbot.directory.categories import Classifier
from smsbot.directory.encoding import TextEncodingError, read_text
from smsbot.directory.hsds_hours import hours_from_rows
from smsbot.directory.records import ImportOptions, Parsed, ServiceRecord, check
from smsbot.directory.store import upsert_batch

BATCH_SIZE = 1000
SAMPLES = 5  # per category in the dry-run report


class DirectoryImportError(ValueError):
    """The path cannot be imported at all (unknown format, unreadable file, blank source)."""


def _reason_key(text: str) -> str:
    """ "latitude 100 is out of range (-90 to 90); service 'X' skipped" → "latitude … is out of range"."""
    first = re.sub(r";[^;]*\b(?:skipped|left out|replaced)$", "", text)  # what happened to the row
    first = re.sub(r"\s*\([^)]*\)", "", first)
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "…", first)
    return re.sub(r"-?\d+(?:\.\d+)?", "…", first).strip()


@dataclass
class ImportSummary:
    format: str
    source: str | None = None
    added: int = 0
    updated: int = 0
    skipped: int = 0
    dry_run: bool = False
    encoding: str | None = None  # how a CSV file was read ("Windows-1252": saved by Excel)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # dashboard edits kept over the file
    reasons: Counter = field(default_factory=Counter)  # warning reason → how many
    categories: Counter = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)  # category → "name (reason)"

    def warn(self, where: str, text: str) -> None:
        self.warnings.append(f"{where}: {text}" if where else text)
        self.reasons[_reason_key(text)] += 1

    def sample(self, category: str, text: str) -> None:
        shown = self.samples.setdefault(category, [])
        if len(shown) < SAMPLES:
            shown.append(text)

    def line(self) -> str:
        if self.dry_run:
            counts = f"would add {self.added}, would update {self.updated}, would skip {self.skipped}"
        else:
            counts = f"added {self.added}, updated {self.updated}, skipped {self.skipped}"
        kept = f", kept {len(self.conflicts)} edited field{'s' if len(self.conflicts) != 1 else ''}"
        s = "s" if len(self.warnings) != 1 else ""
        return f"{self.format}: {counts}{kept if self.conflicts else ''} ({len(self.warnings)} warning{s})"

    def groups(self) -> list[str]:
        """Warnings by reason, commonest first: "3,825 no category: see --dry-run"."""
        lines = []
        for reason, count in self.reasons.most_common():
            hint = ": see --dry-run" if reason.startswith("no category") else ""
            lines.append(f"{count:,} {reason}{hint}")
        return lines

    def report(self) -> list[str]:
        """Counts per category, with samples and the reason each was classified (the dry run)."""
        lines = []
        for category, count in self.categories.most_common():
            lines.append(f"{category}: {count:,}")
            lines.extend(f"  - {s}" for s in self.samples.get(category, []))
        return lines


def detect_format(path: Path) -> str:
    return _open(path)[0]


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DirectoryImportError(
            f"{path.name} is not JSON: it stops making sense at line {exc.lineno}, column {exc.colno}"
        ) from None
    except UnicodeDecodeError:
        raise DirectoryImportError(f"{path.name} is not JSON: JSON files are UTF-8 text") from None


def _open(path: Path, data: Any = None) -> tuple[str, Any]:
    """(format, parsed JSON when it is JSON)."""
    if path.is_dir():
        if datapackage.is_package(path):
            return "hsds", None
        raise DirectoryImportError(
            f"{path.name}: a folder without datapackage.json or services.csv (here or in data/): not HSDS"
        )
    if not path.is_file():
        raise DirectoryImportError(f"{path} does not exist")
    if path.name == "datapackage.json":
        return "hsds", None
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = _load_json(path) if data is None else data
        if samhsa.looks_like_samhsa(data):
            return "samhsa", data
        if hsds_json.looks_like_hsds(data):
            return "hsds-json", data
        raise DirectoryImportError(
            f'{path.name}: neither SAMHSA locator JSON (a "rows" list) nor HSDS 3.0 JSON '
            '(a service, an organization, a list of them, or an API page with "contents")'
        )
    if suffix in (".csv", ".txt"):
        return "csv", None
    raise DirectoryImportError(
        f"{path.name}: unknown format (expected an HSDS folder or datapackage.json, .csv, or .json)"
    )


def _reader(
    kind: str, path: Path, data: Any, options: ImportOptions, classifier=None, summary=None
) -> tuple[int | None, Iterator[Parsed]]:
    try:
        if kind == "hsds":
            folder = path.parent if path.is_file() else path
            name, tables = datapackage.load_folder(folder)
            source = options.source or f"hsds:{name}"[:64]
        elif kind == "hsds-json":
            tables = hsds_json.tables_from_document(path.name, data)
            # HSDS 3.0 ids are UUIDs: one source for every JSON page, however the file is named.
            source = options.source or "hsds"
        elif kind == "samhsa":
            rows = samhsa.load_rows(path, data)
            return len(rows), samhsa.read(path, options, data)
        else:
            text, encoding = read_text(path)
            if summary is not None:
                summary.encoding = encoding
            return flat_csv.count_rows(path), flat_csv.read(path, options, text)
    except (
        datapackage.HsdsError,
        samhsa.SamhsaError,
        flat_csv.FlatCsvError,
        TextEncodingError,
        OSError,
        UnicodeDecodeError,
    ) as exc:
        raise DirectoryImportError(str(exc)) from None
    links = tables.get("service_at_location")
    total = len(links.rows) if links and links.rows else len(tables["services"].rows)
    return total, hsds.read_tables(tables, source, options, classifier)


def import_path(
    ctx: AppContext,
    path: Path,
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one file or package in a transaction of its own (tests, benchmarks). Staff-side doors
    go through directory/service.py, which audits the import in the same transaction."""
    options = options or ImportOptions(default_timezone=ctx.settings.default_timezone)
    with ctx.db.transaction() as conn:
        return import_into(
            conn, ctx.clock.now(), path, options, dry_run=dry_run, on_start=on_start, on_rows=on_rows
        )


def import_into(
    conn: Connection,
    now: datetime,
    path: Path,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one file or package in the caller's transaction. `on_start(total)` and `on_rows(n)`
    drive a progress bar."""
    if options.today is None:
        options = ImportOptions(**{**options.__dict__, "today": now.date()})
    if options.source is not None and not options.source.strip():
        raise DirectoryImportError(
            "the source name is blank: name the source, or leave it out for the default"
        )
    try:
        classifier = Classifier.load(options.mapping_path)
    except (ValueError, OSError) as exc:
        raise DirectoryImportError(f"the category mapping cannot be used: {exc}") from None
    # Hundreds of thousands of small dicts: the cyclic GC would walk them all again and again
    # (a third of the import's time); nothing here makes cycles, so it rests until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(conn, now, path, options, classifier, dry_run, on_start, on_rows)
    finally:
        if collecting:
            gc.enable()


def _import(conn, now, path, options, classifier, dry_run, on_start, on_rows) -> ImportSummary:
    kind, data = _open(path)
    summary = ImportSummary(format=kind, dry_run=dry_run)
    total, parsed_rows = _reader(kind, path, data, options, classifier, summary)
    if on_start:
        on_start(total)
    batch: dict[tuple[str, str], tuple[str, ServiceRecord]] = {}
    seen = 0  # rows read since the last progress report
    try:
        for parsed in parsed_rows:
            _take(parsed, options, classifier, summary, batch)
            seen += 1
            if len(batch) >= BATCH_SIZE:
                _flush(conn, batch, now, summary)
                if on_rows:
                    on_rows(seen)
                seen = 0
        _flush(conn, batch, now, summary)
        if on_rows and seen:
            on_rows(seen)
    except (datapackage.HsdsError, flat_csv.FlatCsvError, UnicodeDecodeError) as exc:
        raise DirectoryImportError(str(exc)) from None
    return summary


def _take(parsed: Parsed, options: ImportOptions, classifier, summary: ImportSummary, batch: dict) -> None:
    for problem in parsed.problems:
        summary.warn(parsed.where, problem)
    raw = parsed.raw
    if raw is None:
        summary.skipped += 1
        if parsed.name and any(p.startswith("no category") for p in parsed.problems):
            summary.categories["(no category)"] += 1
            summary.sample("(no category)", parsed.name)
        return
    if raw.schedule_rows and raw.hours is None:
        raw.hours, hour_warnings = hours_from_rows(raw.schedule_rows, raw.schedule_where)
        for warning in hour_warnings:
            summary.warn("", warning)
    checked = check(raw, options.default_timezone, classifier)
    for warning in checked.warnings:
        summary.warn(parsed.where, warning)
    record = checked.record
    if record is None:
        summary.skipped += 1
        if any(w.startswith("no category") for w in checked.warnings):
            summary.categories["(no category)"] += 1
            summary.sample("(no category)", raw.name or raw.source_id)
        return
    summary.source = record.source
    for category in record.categories:
        summary.categories[category] += 1
        summary.sample(category, f"{record.name} ({record.category_reasons.get(category, '')})")
    key = (record.source, record.source_id)
    if key in batch:
        # The same id twice in one file: the later row wins, and the count says one was dropped.
        summary.skipped += 1
        summary.warn(parsed.where, f"same id as {batch[key][0]}; the earlier row is replaced")
    batch[key] = (parsed.where, record)


def _flush(conn, batch: dict, now, summary: ImportSummary) -> None:
    if not batch:
        return
    result = upsert_batch(conn, list(batch.values()), now, write=not summary.dry_run)
    summary.added += result.added
    summary.updated += result.updated
    summary.skipped += len(result.deleted_here)
    summary.conflicts.extend(result.conflicts)
    summary.conflicts.extend(result.deleted_here)
    batch.clear()

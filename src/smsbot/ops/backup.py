"""`smsbot db backup PATH` and `smsbot db restore PATH`: a consistent copy while the app writes.

SQLite uses its online backup API (a snapshot, page by page, that other writers do not disturb);
PostgreSQL uses pg_dump's custom format and pg_restore. Connection details go to the PostgreSQL
tools through PG* environment variables, so a password never appears in argv, `ps` or a log.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore cannot be done (the message names no secret)."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _pg_env(url: str) -> tuple[dict[str, str], str | None]:
    """PG* variables for the tools, and the schema named by a search_path option (tests, shared hosts)."""
    parsed = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", str(parsed.port) if parsed.port else None),
        ("PGUSER", parsed.username),
        ("PGDATABASE", parsed.database),
        ("PGPASSWORD", parsed.password),
    ):
        if value:
            env[name] = value
    schema = None
    options = parsed.query.get("options")
    option_text = unquote(options if isinstance(options, str) else " ".join(options or ()))
    for part in option_text.split():
        if part.startswith("-csearch_path="):
            schema = part.split("=", 1)[1].split(",")[0].strip()
    return env, schema


def _run(argv: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{argv[0]} is not installed (it comes with the PostgreSQL client)") from None
    if done.returncode != 0:
        # pg_dump's own message names hosts and objects, never the password (that came by env).
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[-500:]}")


def backup(url: str, path: Path, force: bool = False) -> None:
    """Write a consistent backup of the database at `url` to `path`."""
    if path.exists() and not force:
        raise BackupError(f"{path} exists; pass --force to overwrite it")
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        target_tmp = path.with_name(path.name + ".partial")
        target_tmp.unlink(missing_ok=True)
        target = sqlite3.connect(target_tmp)
        try:
            source.backup(target)  # consistent even while other processes write (WAL or not)
        finally:
            target.close()
            source.close()
        os.replace(target_tmp, path)  # a half-written backup never sits under the real name
        path.chmod(0o600)
        return
    env, schema = _pg_env(url)
    argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"]
    if schema:
        argv.append(f"--schema={schema}")
    _run(argv, env)
    path.chmod(0o600)


def restore(url: str, path: Path, force: bool = False) -> None:
    """Load a backup into the (new, empty) database at `url`; refuses to overwrite data."""
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if url.startswith("sqlite"):
        target_path = _sqlite_path(url)
        if target_path.exists() and target_path.stat().st_size > 0 and not force:
            raise BackupError(f"{target_path} exists; restore into a new path (or pass --force)")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    env, _schema = _pg_env(url)
    argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        argv.append("--clean")
    argv += [f"--dbname={env.get('PGDATABASE', '')}", str(path)]
    _run(argv, env)

"""`smsbot db backup` / `smsbot db restore` (issue 14): the restore drill on SQLite and PostgreSQL —
write a participant, an enrollment, an outbox row and audit rows, back up through the CLI, restore
into a fresh database, and the data is there and the audit chain verifies. A backup never overwrites
a file unless asked, is consistent while the app writes, and never puts a password in argv.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from smsbot.audit import log as audit
from smsbot.db import Database
from smsbot.models import AuditLog, Contact, Enrollment, OutboxMessage
from smsbot.ops import backup as backup_module
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, enroll
from tests.conftest import TEST_ENV, _postgres_base_url

TABLES = (Contact, Enrollment, OutboxMessage, AuditLog)


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "smsbot", *args], capture_output=True, text=True, env=env, timeout=180
    )


def _counts(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        with database.transaction() as conn:
            return {
                m.__tablename__: conn.execute(select(func.count()).select_from(m.__table__)).scalar_one()
                for m in TABLES
            }
    finally:
        database.dispose()


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind to restore into (a new PostgreSQL database, dropped after)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base = _postgres_base_url()
    assert base is not None
    name = f"smsbot_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    schema = database_url.split("search_path%3D", 1)[1]
    head = base.rsplit("/", 1)[0]
    yield f"{head}/{name}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_restore_drill_brings_back_the_data_and_an_intact_audit_chain(
    ctx, client, peer, sms, tmp_path, fresh_url
):
    jamie = peer()
    enroll(jamie)  # a contact (encrypted number), an enrollment, an invitation in the outbox
    with ctx.db.transaction() as conn:
        for i in range(3):
            audit.record(conn, ctx.clock.now(), jamie.id, "service_changed", "service", i, f"edit {i}")
    url = ctx.settings.database_url
    before = _counts(url)
    assert all(before.values()), before

    path = tmp_path / "smsbot.backup"
    made = _cli(url, "db", "backup", str(path))
    assert made.returncode == 0, made.stderr
    assert path.stat().st_size > 0 and (path.stat().st_mode & 0o077) == 0  # readable by its owner only

    restored = _cli(fresh_url, "db", "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert _counts(fresh_url) == before
    verified = _cli(fresh_url, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{before['audit_log']} rows, chain intact" in verified.stdout

    # The restored database is the program: the participant's number opens with the same key.
    database = Database(fresh_url)
    try:
        with database.transaction() as conn:
            row = conn.execute(select(Contact.__table__)).one()
        assert ctx.vault.decrypt(row.phone_ciphertext, row.phone_index) == PARTICIPANT
        # The audit log's append-only triggers came back with it.
        with pytest.raises(Exception, match="(?i)audit"), database.transaction() as conn:
            conn.execute(text("UPDATE audit_log SET detail = 'rewritten'"))
    finally:
        database.dispose()

    # Restoring over data is refused (the drill's fresh database now holds it).
    again = _cli(fresh_url, "db", "restore", str(path))
    assert again.returncode == 2
    assert _counts(fresh_url) == before


def test_a_backup_never_overwrites_a_file_unless_forced(ctx, tmp_path):
    path = tmp_path / "existing.backup"
    path.write_bytes(b"yesterday's backup")
    refused = _cli(ctx.settings.database_url, "db", "backup", str(path))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert path.read_bytes() == b"yesterday's backup"
    forced = _cli(ctx.settings.database_url, "db", "backup", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert path.read_bytes() != b"yesterday's backup"


def test_sqlite_backup_is_consistent_while_the_app_writes(tmp_path):
    """A writer commits audit rows (a hash chain) throughout the backup; the copy's chain is whole."""
    from smsbot import migrate
    from smsbot.clock import FrozenClock
    from smsbot.config import Settings, reset_settings
    from tests.conftest import START

    url = f"sqlite:///{tmp_path / 'live.db'}"
    reset_settings(Settings(_env_file=None, **{"SMSBOT_SECRET_KEY": TEST_ENV["SMSBOT_SECRET_KEY"]}))
    try:
        database = Database(url)
        migrate.upgrade(database)
        clock, stop = FrozenClock(START), threading.Event()

        def write() -> None:
            i = 0
            while not stop.is_set():
                with database.transaction() as conn:
                    audit.record(conn, clock.now(), None, "service_changed", "service", i, "edit")
                i += 1

        writer = threading.Thread(target=write)
        writer.start()
        try:
            for n in range(3):
                backup_module.backup(url, tmp_path / f"copy{n}.db")
        finally:
            stop.set()
            writer.join()
        database.dispose()
        for n in range(3):
            verified = _cli(f"sqlite:///{tmp_path / f'copy{n}.db'}", "audit", "verify")
            assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        reset_settings(None)


def test_postgres_tools_get_the_password_from_the_environment(monkeypatch, tmp_path):
    seen: list = []

    def fake_run(argv, env, **kwargs):
        seen.append((argv, env))
        Path(next(a for a in argv if a.startswith("--file=")).split("=", 1)[1]).write_bytes(b"dump")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    url = "postgresql+psycopg://smsbot:s3cret-pass@db.internal:6543/smsbot"
    backup_module.backup(url, tmp_path / "x.dump")
    ((argv, env),) = seen
    assert all("s3cret-pass" not in part for part in argv)
    assert env["PGPASSWORD"] == "s3cret-pass" and env["PGHOST"] == "db.internal" and env["PGPORT"] == "6543"
    assert argv[0] == "pg_dump" and "--format=custom" in argv

"""The audit log is tamper-evident: `smsbot audit verify` passes on a clean log and fails on a deleted,
changed or inserted row; TRUNCATE and REPLACE are refused; concurrent writers never fork the chain;
migration 0009 seals the rows that were there before it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from smsbot import migrate
from smsbot.audit import log as audit
from smsbot.db import Database
from smsbot.models import AuditLog
from tests.conftest import START, TEST_ENV
from tests.dashboard_fixtures import *  # noqa: F403

table = AuditLog.__table__


def _verify(ctx) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": ctx.settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "smsbot", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _some_history(ctx, staff_browser) -> None:
    admin = staff_browser("admin")  # signs in: audit rows through the real pages
    peer = staff_browser("peer")
    admin.post(f"/staff/{peer.staff_id}/on-call", {"on": "1"})
    admin.post(f"/staff/{peer.staff_id}/tokens/revoke")
    with ctx.db.transaction() as conn:
        for i in range(5):
            audit.record(conn, ctx.clock.now(), admin.staff_id, "service_changed", "service", i, f"edit {i}")


def _as_superuser(ctx, *statements: str) -> None:
    """Tamper the way only an owner or superuser could: with the append-only triggers out of the way."""
    with ctx.db.transaction() as conn:
        if ctx.db.is_postgres:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for name in ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            conn.execute(text(statement))


def _ids(ctx) -> list[int]:
    with ctx.db.transaction() as conn:
        return list(conn.execute(select(table.c.id).order_by(table.c.seq)).scalars())


def test_a_clean_log_verifies(ctx, staff_browser):
    _some_history(ctx, staff_browser)
    result = _verify(ctx)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact" in result.stdout and f"{len(_ids(ctx))} rows" in result.stdout


def test_an_empty_log_verifies(ctx):
    result = _verify(ctx)
    assert result.returncode == 0 and "0 rows" in result.stdout


@pytest.mark.parametrize("tamper", ["delete", "change", "insert", "insert_sealed_like", "reorder"])
def test_verify_detects_tampering(ctx, staff_browser, tamper):
    _some_history(ctx, staff_browser)
    ids = _ids(ctx)
    middle = ids[len(ids) // 2]
    statements = {
        "delete": [f"DELETE FROM audit_log WHERE id = {middle}"],
        "change": [f"UPDATE audit_log SET detail = 'nothing happened' WHERE id = {middle}"],
        "insert": [
            "INSERT INTO audit_log (at, action, detail) VALUES ('2026-03-04 15:00:00', 'sign_in', 'forged')"
        ],
        # A forger who copies a real row's hash and takes the next position still cannot seal it.
        "insert_sealed_like": [
            "INSERT INTO audit_log (at, action, seq, chain_hash) SELECT at, 'role_changed', seq + 1000, "
            f"chain_hash FROM audit_log WHERE id = {ids[-1]}"
        ],
        "reorder": [
            f"UPDATE audit_log SET seq = -seq WHERE id IN ({ids[1]}, {ids[2]})",
            f"UPDATE audit_log SET seq = -seq + 1 WHERE id = {ids[1]}",
            f"UPDATE audit_log SET seq = -seq - 1 WHERE id = {ids[2]}",
        ],
    }[tamper]
    _as_superuser(ctx, *statements)
    result = _verify(ctx)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "audit log:" in result.stderr


def test_the_database_refuses_truncate_replace_update_and_delete(ctx, staff_browser):
    _some_history(ctx, staff_browser)
    first = _ids(ctx)[0]
    refused = ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
    if ctx.db.is_postgres:
        refused.append("TRUNCATE audit_log")
    else:
        refused += [
            f"REPLACE INTO audit_log (id, at, action) VALUES ({first}, '2026-03-04 15:00:00', 'sign_in')",
            f"INSERT OR REPLACE INTO audit_log (id, at, action) VALUES ({first}, '2026-03-04', 'sign_in')",
            "INSERT INTO audit_log (at, action, seq) VALUES ('2026-03-04', 'sign_in', 1) "
            "ON CONFLICT(seq) DO UPDATE SET action = 'x'",
        ]
    for statement in refused:
        with pytest.raises(Exception, match="append-only"), ctx.db.transaction() as conn:
            conn.execute(text(statement))
    assert _verify(ctx).returncode == 0


def test_concurrent_writers_never_fork_the_chain(ctx):
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            start.wait()
            for n in range(3):
                with ctx.db.transaction() as conn:
                    audit.record(conn, ctx.clock.now(), None, "service_changed", "service", index, f"{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with ctx.db.transaction() as conn:
        seqs = list(conn.execute(select(table.c.seq).order_by(table.c.seq)).scalars())
        report = audit.verify(conn)
    assert seqs == list(range(1, 37))
    assert report.ok, report.problems


def test_migration_0009_seals_the_rows_already_there(tmp_path: Path, settings):
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(database, "0008_real_directories")
    with database.transaction() as conn:
        for i in range(4):
            conn.execute(table.insert().values(at=START, action="sign_in", actor_id=i, detail=None))
        conn.execute(table.insert().values(at=START, action="role_changed", object_type="staff", object_id=2))
    migrate.upgrade(database)
    with database.transaction() as conn:
        report = audit.verify(conn)
        assert report.ok and report.rows == 5, report.problems
        audit.record(conn, START, None, "sign_in")  # the chain goes on from the sealed rows
        assert audit.verify(conn).ok
    database.dispose()

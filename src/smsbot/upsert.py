"""`INSERT ... ON CONFLICT DO NOTHING` for SQLite and PostgreSQL alike (the idempotency primitive)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_ignore(conn: Connection, table: Table, conflict_columns: list[str]):
    """An insert that does nothing when a row with the same `conflict_columns` exists."""
    return insert_ignore_for(conn.dialect.name, table, conflict_columns)


def insert_ignore_for(dialect_name: str, table: Table, conflict_columns: list[str]):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)

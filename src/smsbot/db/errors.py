"""Database errors without values: PostgreSQL quotes values in its own messages, and these never reach
a log line or an exception's text."""

from __future__ import annotations

from typing import Any

# Messages PostgreSQL writes without quoting a value: constraint violations name the constraint only
# (their DETAIL line, which quotes the key, is dropped), and our own triggers' RAISE text.
_SAFE_SQLSTATE_PREFIXES = ("23", "P0001", "40", "55", "57")


def server_message_without_values(context: Any) -> None:
    """PostgreSQL quotes values in its own error text ("Key (phone_index)=(...) already exists",
    'invalid input syntax for type integer: "..."'): keep only what names no value."""
    orig = context.original_exception
    diag = getattr(orig, "diag", None)
    if diag is None:
        return
    code = getattr(orig, "sqlstate", None) or diag.sqlstate or "?"
    primary = diag.message_primary or ""
    if code.startswith(_SAFE_SQLSTATE_PREFIXES) and '"' not in primary.split("constraint")[0]:
        safe = primary
    else:
        where = ".".join(n for n in (diag.table_name, diag.column_name) if n)
        safe = f"{type(orig).__name__} (SQLSTATE {code}{', ' + where if where else ''})"
    orig.args = (safe,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:  # its text was formatted from the original's before this hook ran
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {safe}",)

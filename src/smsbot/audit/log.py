"""The audit log: append-only rows of who did what to which object, and when.

Sign-ins, reveals of a phone number, enrollment changes, opt-outs entered by staff, deletions, role
changes and the other account changes. A row names people and objects by id; `detail` is a short
fixed phrase (a reason code, "peer -> admin", counts), never a phone number or a message text.
The table refuses UPDATE and DELETE (triggers in migration 0004; TRUNCATE and REPLACE in 0009), so
this module only appends, and each row extends a hash chain (chain.py) that `smsbot audit verify`
checks.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from smsbot.audit import chain as audit_chain
from smsbot.config import get_settings
from smsbot.errors import N_
from smsbot.models import AuditLog, Staff

audit_log = AuditLog.__table__
staff = Staff.__table__

ACTIONS = {
    "sign_in": N_("signed in"),
    "sign_in_failed": N_("failed to sign in"),
    "sign_in_blocked": N_("was stopped by the sign-in limit"),
    "sign_out": N_("signed out"),
    "second_factor_failed": N_("typed a wrong sign-in code"),
    "second_factor_on": N_("turned on the second factor"),
    "password_changed": N_("changed their password"),
    "phone_revealed": N_("revealed a full phone number"),
    "enrollment_created": N_("enrolled a participant"),
    "enrollment_changed": N_("changed an enrollment"),
    "enrollment_stopped": N_("stopped an enrollment"),
    "staff_opt_out": N_("entered an opt-out"),
    "alert_acknowledged": N_("acknowledged an alert"),
    "service_created": N_("added a service"),
    "service_changed": N_("changed a service"),
    "service_deleted": N_("deleted a service"),
    "directory_imported": N_("imported a directory file"),
    "directory_demo_removed": N_("removed the demo directory"),
    "staff_created": N_("added a staff account"),
    "staff_deactivated": N_("deactivated a staff account"),
    "role_changed": N_("changed a role"),
    "password_reset": N_("reset a password"),
    "second_factor_reset": N_("reset a second factor"),
    "tokens_revoked": N_("revoked API tokens"),
    "token_issued": N_("issued an API token"),
    "on_call_changed": N_("changed who is on call"),
    "keys_rotated": N_("rotated the master key"),
    # issue 12: wording edited in the dashboard (detail: the reply, its language and version)
    "wording_published": N_("published new wording for a reply"),
    "wording_rolled_back": N_("rolled a reply's wording back"),
    "language_changed": N_("changed their language"),  # the staff interface's (account page)
}
# Belt and braces: anything that looks like a phone number never reaches the table.
_PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def record(
    conn: Connection,
    now: datetime,
    actor_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Append one row in the caller's transaction (it commits with the change it describes)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if detail is not None:
        detail = _PHONE_LIKE.sub("[number removed]", detail)[:120]
    seq, previous = audit_chain.lock_and_head(conn, audit_log)
    row = {
        "seq": seq + 1,
        "at": now,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
    }
    conn.execute(audit_log.insert().values(**row, chain_hash=audit_chain.digest(_key(), previous, row)))


_KEYS: dict[bytes, bytes] = {}


def _key() -> bytes:
    master = get_settings().master_key
    if master not in _KEYS:
        _KEYS[master] = audit_chain.chain_key(master)
    return _KEYS[master]


def verify(conn: Connection) -> audit_chain.Report:
    """Check the whole chain with the current key, and the previous one (rows sealed before a key
    rotation stay sealed by it: the table refuses UPDATE, so they are never re-sealed)."""
    previous = get_settings().previous_master_key
    return audit_chain.verify(
        conn, audit_log, [_key()] + ([audit_chain.chain_key(previous)] if previous else [])
    )


def recent(conn: Connection, limit: int = 200, before_id: int | None = None) -> list[dict]:
    """Newest first, with the actor's name, for the admin's audit page."""
    query = (
        select(audit_log, staff.c.name.label("actor_name"))
        .select_from(audit_log.outerjoin(staff, staff.c.id == audit_log.c.actor_id))
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [
        {
            "id": row.id,
            "at": row.at,
            "actor": row.actor_name or ("nobody known" if row.actor_id is None else f"staff {row.actor_id}"),
            "actor_id": row.actor_id,
            "action": row.action,
            "what": ACTIONS.get(row.action, row.action),
            "object": f"{row.object_type} {row.object_id}" if row.object_type else "",
            "detail": row.detail or "",
        }
        for row in conn.execute(query)
    ]

"""Set-at-once outbox writes for the unpaced sender. On PostgreSQL one statement (one round trip,
one transaction) records the last group's SIDs, checks the next group's recipients and marks the
sendable ones `attempting`; SQLite, in process, runs three short statements on the driver.
"""
# The guarantees are those of outbox.mark_attempting and outbox.mark_sent_many, row for row: every row
# is fenced by its own claim token, and a row recovered as `unknown` under us still takes its SID.
# The recipient rules are recipients.answer()'s, said again in SQL (`ok` below): change both together.
# On PostgreSQL the rows are found by id, never through the status index: its statistics say a
# handful of rows are `attempting` or `claimed`, but every row sent this run left a dead entry under
# those keys (MVCC), so a scan by status reads thousands of them each step (25 ms a step near the end
# of 10,000 texts). `o.status || ''` keeps the planner off that index.

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.outbound.outbox import Claimed

# SQLite: run on the driver (db.Prepared), a group's pairs as one JSON parameter. SQLAlchemy's building
# and compiling of an IN over tuples cost more than SQLite takes to do the work.
_SQLITE_ATTEMPTING = Prepared(
    lambda _: text(
        "UPDATE outbox_message SET status = 'attempting', attempts = attempts + 1, next_attempt_at = NULL,"
        " lease_until = :until, status_at = :now"
        " WHERE status = 'claimed' AND (id, claim_token) IN"
        " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:pairs))"
        " RETURNING id"
    )
)
_SQLITE_SENT = Prepared(
    lambda _: text(
        "UPDATE outbox_message SET status = 'sent', twilio_sid = :sid, sent_at = :now, status_at = :now,"
        " lease_until = NULL WHERE id = :id AND claim_token = :token"
        " AND (status = 'attempting' OR (status = 'unknown' AND twilio_sid IS NULL))"
    )
)
_PG_SENT = """
UPDATE outbox_message AS o
SET status = 'sent', twilio_sid = v.sid, sent_at = %(now)s, status_at = %(now)s, lease_until = NULL
FROM unnest(%(ids)s::integer[], %(tokens)s::varchar[], %(sids)s::varchar[]) AS v(id, token, sid)
WHERE o.id = v.id AND o.claim_token = v.token
  AND (o.status || '' = 'attempting' OR (o.status || '' = 'unknown' AND o.twilio_sid IS NULL))
"""


def mark_attempting(conn: Connection, rows: list[Claimed], now: datetime, lease: timedelta) -> set[int]:
    """SQLite: mark a group about to go out together `attempting`; the ids this worker still held."""
    if not rows:
        return set()
    pairs = json.dumps([[row.id, row.token] for row in rows])
    found = _SQLITE_ATTEMPTING.run(conn, {"pairs": pairs, "until": now + lease, "now": now}).fetchall()
    return {r[0] for r in found}


def write_sids(conn: Connection, sent: list[tuple[int, str, str]], now: datetime) -> None:
    """Record (row id, claim token, SID) for sent rows; the caller sweeps for reports that came first."""
    if not sent:
        return
    if conn.dialect.name != "postgresql":
        for row_id, token, sid in sent:
            _SQLITE_SENT.run(conn, {"id": row_id, "token": token, "sid": sid, "now": now})
        return
    ids, tokens, sids = (list(column) for column in zip(*sent, strict=True))
    conn.connection.driver_connection.cursor().execute(
        _PG_SENT, {"ids": ids, "tokens": tokens, "sids": sids, "now": now}
    )


_PG_STEP = """
WITH sent AS (
  UPDATE outbox_message AS o
  SET status = 'sent', twilio_sid = v.sid, sent_at = %(now)s, status_at = %(now)s, lease_until = NULL
  FROM unnest(%(sent_ids)s::integer[], %(sent_tokens)s::varchar[], %(sids)s::varchar[]) AS v(id, token, sid)
  WHERE o.id = v.id AND o.claim_token = v.token
    AND (o.status || '' = 'attempting' OR (o.status || '' = 'unknown' AND o.twilio_sid IS NULL))
  RETURNING o.id
), r AS (
  SELECT o.id,
         c.phone_index AS c_index, c.phone_ciphertext AS c_cipher, c.opted_out_at AS c_out,
         sc.phone_index AS c_sup, ch.status AS ch_status,
         st.phone_index AS s_index, st.phone_ciphertext AS s_cipher, st.deactivated_at AS s_out,
         ss.phone_index AS s_sup, st.is_active AS s_active,
         CASE
           WHEN o.contact_id IS NOT NULL THEN c.id IS NOT NULL AND c.phone_ciphertext IS NOT NULL
             AND sc.phone_index IS NULL AND c.opted_out_at IS NULL
             AND (o.checkin_id IS NULL OR ch.status IN ('waiting', 'reminded'))
           WHEN o.staff_id IS NOT NULL THEN st.id IS NOT NULL AND st.is_active
             AND st.phone_ciphertext IS NOT NULL AND ss.phone_index IS NULL AND st.deactivated_at IS NULL
           ELSE false
         END AS ok
  FROM outbox_message AS o
  LEFT JOIN contact AS c ON c.id = o.contact_id
  LEFT JOIN suppression AS sc ON sc.phone_index = c.phone_index
  LEFT JOIN checkin AS ch ON ch.id = o.checkin_id
  LEFT JOIN staff AS st ON st.id = o.staff_id
  LEFT JOIN suppression AS ss ON ss.phone_index = st.phone_index
  WHERE o.id = ANY(%(ids)s::integer[])
), marked AS (
  UPDATE outbox_message AS o
  SET status = 'attempting', attempts = o.attempts + 1, next_attempt_at = NULL,
      lease_until = %(until)s, status_at = %(now)s
  FROM unnest(%(ids)s::integer[], %(tokens)s::varchar[]) AS v(id, token), r
  WHERE o.id = v.id AND o.claim_token = v.token AND o.status || '' = 'claimed' AND r.id = o.id AND r.ok
  RETURNING o.id
)
SELECT r.id, r.c_index, r.c_cipher, r.c_out, r.c_sup, r.ch_status,
       r.s_index, r.s_cipher, r.s_out, r.s_sup, r.s_active, r.ok, marked.id IS NOT NULL
FROM r LEFT JOIN marked ON marked.id = r.id
"""


def pg_step(
    conn: Connection, sent: list[tuple[int, str, str]], group: list[Claimed], now: datetime, lease: timedelta
) -> dict[int, tuple[tuple, bool, bool]]:
    """PostgreSQL, autocommit: write `sent`'s SIDs, check `group` and mark the sendable rows `attempting`,
    in one statement. Returns row id -> (recipient columns as in recipients.answer(), ok, marked)."""
    ids, tokens, sids = [list(column) for column in zip(*sent, strict=True)] if sent else [[], [], []]
    cursor = conn.connection.driver_connection.cursor()
    params = {"sent_ids": ids, "sent_tokens": tokens, "sids": sids, "now": now, "until": now + lease}
    params |= {"ids": [row.id for row in group], "tokens": [row.token for row in group]}
    cursor.execute(_PG_STEP, params)
    return {found[0]: (found[1:11], found[11], found[12]) for found in cursor.fetchall()}

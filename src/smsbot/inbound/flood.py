"""Per-number flood limits: what class a text is, its counters, and what a busy number still gets.

Information replies stop past SMSBOT_RATE_LIMIT_PER_MINUTE / _PER_DAY. A text that may be a life at
risk or a check-in answer is always carried out and answered, under a ceiling only a machine loop
reaches. Compliance words are always carried out; their replies are limited so no auto-responder loops.
Rows live in `inbound_counter` until their window ends (worker/retention.py deletes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from smsbot.db import Prepared
from smsbot.routing import Intent

# A person in a crisis types a text every few seconds at most (well under 15 a minute); 30 a minute
# can only be a machine, e.g. an echo bot repeating our "call 911" reply. 100 a day bounds such a loop
# to 100 replies while staying far above any crisis conversation (the info limit is 30 a day).
URGENT_PER_MINUTE = 30
URGENT_PER_DAY = 100
# STOP / START / FORGET: the first of each word in an hour is answered; one that changed the number's
# state (opted out, opted back in) is answered up to 3 times an hour. "25 x START" gets one reply.
COMPLIANCE_REPLIES_PER_HOUR = 1
COMPLIANCE_CHANGES_PER_HOUR = 3

# Using alone is not an emergency yet, but nobody else is there to call 911: never flood-silenced.
URGENT_INTENTS = frozenset({Intent.EMERGENCY, Intent.DISTRESS, Intent.USING_ALONE, Intent.HELP, Intent.CALL})
COMPLIANCE_INTENTS = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.FORGET})
# A drug-supply report (REPORT and each answer while it asks its questions) is carried out and answered
# past the information limit, like a check-in answer: the reporter is mid-exchange, and a lost answer is
# a lost warning. What a loop could store is bounded by the report cap (supply/reports.py, 3 a number a
# day) and what it could get back by the urgent ceiling, as for emergencies (911 first still wins: the
# router takes an emergency inside a report before the report).
REPORT_INTENTS = frozenset({Intent.REPORT, Intent.REPORT_STEP})


class TextClass(StrEnum):
    INFO = "info"  # topics, menus, anything else: limited per minute and per day
    URGENT = "urgent"  # emergency, distress, HELP, CALL, check-in, report answers: answered below a ceiling
    COMPLIANCE = "compliance"  # STOP, START, FORGET: always carried out, replies limited


def classify(intent: Intent, *, checkin_open: bool) -> TextClass:
    if intent in COMPLIANCE_INTENTS:
        return TextClass.COMPLIANCE
    # While a check-in waits, any text is (also) its answer: never flood-silenced.
    if intent in URGENT_INTENTS or intent in REPORT_INTENTS or checkin_open:
        return TextClass.URGENT
    return TextClass.INFO


@dataclass(frozen=True)
class Counts:
    """This text's place in each of its windows (1 = the first text of the window)."""

    minute: int
    day: int
    urgent_minute: int = 0
    urgent_day: int = 0
    word_hour: int = 0  # compliance words: this word's count this hour

    def flooding(self, per_minute: int, per_day: int) -> bool:
        return self.minute > per_minute or self.day > per_day

    def looping(self) -> bool:
        return self.urgent_minute > URGENT_PER_MINUTE or self.urgent_day > URGENT_PER_DAY

    def compliance_reply_allowed(self, *, changed_state: bool) -> bool:
        limit = COMPLIANCE_CHANGES_PER_HOUR if changed_state else COMPLIANCE_REPLIES_PER_HOUR
        return self.word_hour <= limit


@dataclass(frozen=True)
class Windows:
    """The clock-aligned UTC windows a text counts in at one moment: each one's bucket key and end."""

    minute: str
    minute_ends: datetime
    day: str
    day_ends: datetime
    hour: str
    hour_ends: datetime

    def buckets(self, kind: TextClass, intent: Intent) -> list[tuple[str, str, datetime]]:
        """(field of Counts, bucket key, expiry) for each window a text of this class counts in."""
        # Day rows expire at the end of the day: the counts outlive FORGET for the day, then go.
        rows = [("minute", self.minute, self.minute_ends), ("day", self.day, self.day_ends)]
        if kind is TextClass.URGENT:
            rows.append(("urgent_minute", "u" + self.minute, self.minute_ends))
            rows.append(("urgent_day", "u" + self.day, self.day_ends))
        elif kind is TextClass.COMPLIANCE:
            rows.append(("word_hour", self.word(intent), self.hour_ends))
        return rows

    def word(self, intent: Intent) -> str:
        return f"c:{intent.value}:{self.hour}"

    def beyond_minute_and_day(self) -> list[str]:
        """Every other bucket a text at this moment might count in (read up front on PostgreSQL)."""
        return ["u" + self.minute, "u" + self.day, *(self.word(intent) for intent in COMPLIANCE_INTENTS)]


@lru_cache(maxsize=8)
def _windows_of(minute: datetime) -> Windows:
    day = minute.replace(hour=0, minute=0)
    hour = minute.replace(minute=0)
    return Windows(
        minute=f"m:{minute:%Y-%m-%dT%H:%M}",
        minute_ends=minute + timedelta(minutes=1),
        day=f"d:{day:%Y-%m-%d}",
        day_ends=day + timedelta(days=1),
        hour=f"{hour:%Y-%m-%dT%H}",
        hour_ends=hour + timedelta(hours=1),
    )


def windows(now: datetime) -> Windows:
    # Computed once a minute: formatting the keys for every text cost more than counting it.
    return _windows_of(now.astimezone(UTC).replace(second=0, microsecond=0))


_VALUES = "(:phone_index, :b{i}, 1, :e{i})"


def _sqlite_upsert(n: int) -> Prepared:
    values = ", ".join(_VALUES.format(i=i) for i in range(n))
    sql = (
        f"INSERT INTO inbound_counter (phone_index, bucket, count, expires_at) VALUES {values}"
        " ON CONFLICT (phone_index, bucket) DO UPDATE SET count = inbound_counter.count + 1"
        " RETURNING bucket, count"
    )
    return Prepared(lambda _: text(sql))


_SQLITE_UPSERTS = {n: _sqlite_upsert(n) for n in (2, 3, 4)}


def count_sqlite(conn: Connection, phone_index: str, buckets: list[tuple[str, str, datetime]]) -> Counts:
    """Count the text in each of its windows, atomically (INSERT ... ON CONFLICT DO UPDATE ... RETURNING:
    parallel texts from one number never lose a count)."""
    params: dict[str, Any] = {"phone_index": phone_index}
    for i, (_, key, expires_at) in enumerate(buckets):
        params[f"b{i}"], params[f"e{i}"] = key, expires_at
    by_key = dict(_SQLITE_UPSERTS[len(buckets)].run(conn, params).fetchall())
    return Counts(**{field: int(by_key[key]) for field, key, _ in buckets})

"""Outbox row states and the moves allowed between them: what we did (queued, claimed, attempting,
sent, failed, unknown...) and then what Twilio reports (delivered, undelivered...), forward only.
"""
# `claimed` means held by one worker and never tried: safe to put back in the queue. `attempting`
# is written right before the HTTP call; if the worker dies there, nobody knows whether the text
# left, so the row becomes `unknown` (never resent to a participant).

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next_attempt_at
    CLAIMED = "claimed"  # held by one worker under a lease and a claim token; not tried yet
    ATTEMPTING = "attempting"  # marked right before the HTTP call (after pacing and the checks)
    SENT = "sent"  # Twilio accepted it (we hold its SID)
    FAILED = "failed"  # refused or given up (by Twilio, or reported failed later)
    UNKNOWN = "unknown"  # the attempt's outcome is not known (the worker died, or no answer came)
    SUPPRESSED = "suppressed"  # the number opted out before it went
    CANCELLED = "cancelled"  # no longer wanted (answered, paused, forgotten); Twilio's "canceled" too
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    READ = "read"


S = OutboxStatus
# Our own moves (the worker, the features); Twilio's reports go through FORWARD below.
TRANSITIONS: dict[OutboxStatus, frozenset[OutboxStatus]] = {
    S.QUEUED: frozenset({S.CLAIMED, S.CANCELLED}),
    S.CLAIMED: frozenset({S.ATTEMPTING, S.QUEUED, S.SUPPRESSED, S.CANCELLED}),
    S.ATTEMPTING: frozenset({S.SENT, S.FAILED, S.QUEUED, S.UNKNOWN}),
    S.UNKNOWN: frozenset({S.QUEUED, S.SENT}),  # a peer alert resent once; a late SID or callback
    S.SENT: frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED, S.CANCELLED, S.READ}),
    S.DELIVERED: frozenset({S.READ}),
    S.UNDELIVERED: frozenset(),
    S.FAILED: frozenset(),
    S.SUPPRESSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.READ: frozenset(),
}

# Twilio's callback words -> ours. Its queued/accepted/scheduled/sending all mean "Twilio has it".
TWILIO_STATUS: dict[str, OutboxStatus] = {
    "queued": S.SENT,
    "accepted": S.SENT,
    "scheduled": S.SENT,
    "sending": S.SENT,
    "sent": S.SENT,
    "delivered": S.DELIVERED,
    "undelivered": S.UNDELIVERED,
    "failed": S.FAILED,
    "canceled": S.CANCELLED,
    "read": S.READ,
}
# A callback may move a row only to a higher rank (a late "sent" never undoes "delivered").
_RANK = {S.ATTEMPTING: 1, S.UNKNOWN: 1, S.SENT: 2, S.DELIVERED: 3, S.UNDELIVERED: 3, S.FAILED: 3}
_RANK |= {S.CANCELLED: 3, S.READ: 4}

PARTICIPANT_PURPOSES = ("invitation", "checkin", "reminder", "supply_alert")  # a duplicate is never safe
HELD = (S.CLAIMED, S.ATTEMPTING)  # a worker has it right now
UNDELIVERED = (S.UNDELIVERED, S.FAILED)
# Nothing more will happen to these rows by our hand (retention may delete them).
FINAL = (S.SENT, S.DELIVERED, S.UNDELIVERED, S.FAILED, S.UNKNOWN, S.SUPPRESSED, S.CANCELLED, S.READ)
# A prompt in one of these at the end of the reply windows was never confirmed to have gone out.
NOT_CONFIRMED = (S.QUEUED, S.CLAIMED, S.ATTEMPTING, S.UNKNOWN)


def from_twilio(word: str) -> OutboxStatus | None:
    """Twilio's MessageStatus as our status (None for words that say nothing about delivery)."""
    return TWILIO_STATUS.get(word.strip().lower())


def can_move(old: OutboxStatus | str, new: OutboxStatus | str) -> bool:
    return OutboxStatus(new) in TRANSITIONS[OutboxStatus(old)]


def before(status: OutboxStatus) -> tuple[OutboxStatus, ...]:
    """The statuses a Twilio report of `status` may move a row from (forward only)."""
    rank = _RANK[status]
    return tuple(s for s, r in _RANK.items() if r < rank)

"""The states of enrollments and check-ins, spelled once: every check-in module imports them from here.
Enrollment: invited -> active <-> paused -> stopped | ended | expired. Check-in: waiting -> reminded ->
answered | no_reply | unreachable, or closed/superseded when something else settled it.
"""

from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"  # the participant opted out (STOP, carrier, staff-entered opt-out)
    ENDED = "ended"  # the peer removed it
    EXPIRED = "expired"  # nobody JOINed within the invitation's lifetime


class CheckinStatus(StrEnum):
    WAITING = "waiting"  # the prompt is queued or sent; the reply window runs
    REMINDED = "reminded"  # one reminder went out; the second window runs
    ANSWERED = "answered"
    NO_REPLY = "no_reply"  # the peer was alerted; a late answer still counts
    UNREACHABLE = "unreachable"  # the text could not be delivered; the peer was alerted
    MISSED_BY_SYSTEM = "missed_by_system"  # the worker was down past the lateness limit
    SUPERSEDED = "superseded"  # a later check-in was answered
    CLOSED = "closed"  # paused, stopped, moved to a new number or opted out while it waited


# An enrollment that may still send or receive check-ins (at most one per contact: a unique index).
LIVE: tuple[str, ...] = tuple(
    s.value for s in (EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
)
# A check-in whose reply window is running: the ladder moves it, a reply answers it.
WAITING: tuple[str, ...] = (CheckinStatus.WAITING.value, CheckinStatus.REMINDED.value)
# A check-in a reply still counts for (a late answer to an alerted one is still an answer).
OPEN: tuple[str, ...] = (*WAITING, CheckinStatus.NO_REPLY.value)

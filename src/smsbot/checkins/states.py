"""The states of enrollments and check-ins, spelled once, and the moves between them (one Machine each).
Enrollment: invited -> active <-> paused -> stopped | ended | expired (a new phone: invited again).
Check-in: waiting -> reminded -> no_reply, each ending answered, unreachable, superseded or closed.
"""

from __future__ import annotations

from enum import StrEnum

from smsbot.transitions import Machine


class EnrollmentStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"  # the participant opted out (STOP, carrier, staff-entered opt-out)
    ENDED = "ended"  # the peer stopped check-ins
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


E, C = EnrollmentStatus, CheckinStatus
_ENDINGS = {E.STOPPED, E.ENDED}  # an opt-out, or the peer stopping check-ins: from any live state
ENROLLMENT = Machine(
    "enrollment",
    EnrollmentStatus,
    {
        # JOIN; a new phone (invited again); nobody JOINed in time.
        E.INVITED: {E.ACTIVE, E.INVITED, E.EXPIRED, *_ENDINGS},
        E.ACTIVE: {E.PAUSED, E.INVITED, *_ENDINGS},  # PAUSE; a new phone
        E.PAUSED: {E.ACTIVE, E.INVITED, *_ENDINGS},  # RESUME; a new phone
        E.STOPPED: set(),  # the archive: history kept, nothing more sent (a new enrollment starts over)
        E.ENDED: set(),
        E.EXPIRED: set(),
    },
)
_SETTLED_WHILE_WAITING = {C.ANSWERED, C.UNREACHABLE, C.SUPERSEDED, C.CLOSED}
CHECKIN = Machine(
    "check-in",
    CheckinStatus,
    {
        C.WAITING: {C.REMINDED, *_SETTLED_WHILE_WAITING},  # a reminder after the first window
        C.REMINDED: {C.NO_REPLY, *_SETTLED_WHILE_WAITING},  # the peer is alerted after the second
        C.NO_REPLY: {C.ANSWERED},  # a late answer still counts
        C.ANSWERED: set(),
        C.UNREACHABLE: set(),
        C.MISSED_BY_SYSTEM: set(),  # recorded as such when created; never sent
        C.SUPERSEDED: set(),
        C.CLOSED: set(),
    },
)


def values(*states: StrEnum) -> tuple[str, ...]:
    return tuple(s.value for s in states)


def sources(machine: Machine, new: StrEnum) -> tuple[str, ...]:
    """Every state that may become `new`: `UPDATE ... WHERE status IN sources(M, new)` can make no
    illegal move, whatever the rows are (the bulk writes: closing check-ins, ending enrollments)."""
    return tuple(old.value for old in machine.states if machine.allowed(old, new))


def moving(machine: Machine, olds: tuple[str, ...], new: StrEnum) -> tuple[str, ...]:
    """`olds`, once each is checked to be allowed to become `new` (IllegalTransition otherwise)."""
    for old in olds:
        machine.check(old, new)
    return olds


# An enrollment that may still send or receive check-ins (at most one per contact: a unique index).
LIVE: tuple[str, ...] = values(E.INVITED, E.ACTIVE, E.PAUSED)
# Finished: kept with their history (the participants' archive), never texted again.
ARCHIVED: tuple[str, ...] = values(E.STOPPED, E.ENDED, E.EXPIRED)
# A check-in whose reply window is running: the ladder moves it, a reply answers it.
WAITING: tuple[str, ...] = values(C.WAITING, C.REMINDED)
# A check-in a reply still counts for (a late answer to an alerted one is still an answer).
OPEN: tuple[str, ...] = (*WAITING, C.NO_REPLY.value)

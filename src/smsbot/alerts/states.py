"""The states of a peer alert, spelled once: open -> acked, with an outcome. Escalation to the on-call
peer is not a state (an open alert stays open; `escalated_at` says who else was told), and an
acknowledged alert stays acknowledged: the first acknowledgement is the record.
"""

from __future__ import annotations

from enum import StrEnum

from smsbot.errors import N_
from smsbot.transitions import Machine


class AlertStatus(StrEnum):
    OPEN = "open"  # waiting for a peer; escalates to the on-call peer when nobody acknowledges it
    ACKED = "acked"  # a peer (or an admin) acknowledged it: nothing more is sent about it


ALERT = Machine("alert", AlertStatus, {AlertStatus.OPEN: {AlertStatus.ACKED}, AlertStatus.ACKED: set()})


class Outcome(StrEnum):
    """What the peer found when they acknowledged it (the to-do list's "done, and how")."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    OTHER = "other"  # with a note saying what


OUTCOME_WORDS = {
    Outcome.REACHED: N_("Reached them"),
    Outcome.NO_ANSWER: N_("No answer"),
    Outcome.LEFT_MESSAGE: N_("Left a message"),
    Outcome.OTHER: N_("Other"),
}

"""The state machines of drug-supply alerts, as tables of allowed moves: reports, alerts, broadcasts.
Every status change in supply/ goes through `REPORT`, `ALERT` or `BROADCAST`.check (IllegalTransition)."""

from __future__ import annotations

from enum import StrEnum

from smsbot.transitions import Machine


class ReportStatus(StrEnum):
    NEW = "new"  # waiting in the moderation queue
    MERGED = "merged"  # folded into another report about the same batch
    USED = "used"  # an alert was drafted from it
    DISMISSED = "dismissed"  # not acted on (not a supply problem, a duplicate, a joke)


class AlertStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # a second person approved it (when SMSBOT_ALERTS_TWO_PERSON is on)
    SENDING = "sending"  # its broadcast is expanding and going out
    SENT = "sent"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # past its expiry: never sent, stopped mid-way, or lapsed after sending


class BroadcastStatus(StrEnum):
    EXPANDING = "expanding"  # subscribers still being queued, a batch at a time
    EXPANDED = "expanded"  # everyone queued; rows still going out
    FINISHED = "finished"
    CANCELLED = "cancelled"  # stopped: the alert was cancelled or expired


R, A, B = ReportStatus, AlertStatus, BroadcastStatus

REPORT: Machine[ReportStatus] = Machine(
    "report",
    ReportStatus,
    {
        R.NEW: {R.MERGED, R.USED, R.DISMISSED},
        R.MERGED: {R.NEW, R.USED, R.DISMISSED},  # unmerged, or used / dismissed with the one it joined
        R.USED: {R.NEW},  # its alert was cancelled before sending: back in the queue
        R.DISMISSED: {R.NEW},  # dismissed by mistake
    },
)
ALERT: Machine[AlertStatus] = Machine(
    "alert",
    AlertStatus,
    {
        A.DRAFT: {A.APPROVED, A.CANCELLED, A.EXPIRED},
        A.APPROVED: {A.DRAFT, A.SENDING, A.CANCELLED, A.EXPIRED},  # an edit voids the approval
        A.SENDING: {A.SENT, A.CANCELLED, A.EXPIRED},
        A.SENT: {A.EXPIRED},
        A.CANCELLED: set(),
        A.EXPIRED: set(),
    },
)
BROADCAST: Machine[BroadcastStatus] = Machine(
    "broadcast",
    BroadcastStatus,
    {
        B.EXPANDING: {B.EXPANDED, B.CANCELLED},
        B.EXPANDED: {B.FINISHED, B.CANCELLED},
        B.FINISHED: set(),
        B.CANCELLED: set(),
    },
)

# Alerts staff may still change; alerts whose broadcast is live; alerts that went out.
EDITABLE = (A.DRAFT, A.APPROVED)
LIVE_BROADCAST = (B.EXPANDING, B.EXPANDED)
OPEN_REPORT = (R.NEW,)

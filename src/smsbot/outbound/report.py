"""What one dispatch run reports (counts by result, rows recovered, an outage's pause) and the hooks
the worker wires in, so this package never imports the features."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from smsbot.outbound.callbacks import StatusChange
from smsbot.outbound.outbox import Claimed

# Called inside the transaction that records a final failure: (conn, row, reason, now), reason is
# "failed" (gave up) or "opted_out" (21610: the carrier says the number unsubscribed). The worker
# wires the check-in side here (alerts, the one opt-out), so this package never imports features.
FailureHook = Callable[[Connection, Claimed, str, datetime], None]
# Called inside the transaction that moved a row forward on a delivery report kept until its SID
# landed (the same hook /twilio/status calls).
StatusHook = Callable[[Connection, StatusChange, datetime], None]
# Called (no transaction open) when a paced run's claim comes back short: queue the next window of a
# drug-supply broadcast now, while the rows in hand still go out; returns rows queued.
RefillHook = Callable[[], int]


@dataclass
class DispatchReport:
    results: Counter = field(default_factory=Counter)
    recovered: int = 0
    paused_until: datetime | None = None  # Twilio is down: nobody sends before then (outbound/outage.py)
    slots_missed: int = 0  # paced: send slots that went by unused (lost rate; a busy machine)

    @property
    def sent(self) -> int:
        return self.results["sent"]

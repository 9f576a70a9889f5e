"""The supply state machines, pair by pair: every move a table allows, and every other one refused."""

from __future__ import annotations

import pytest

from smsbot.errors import IllegalTransition
from smsbot.supply.states import ALERT, BROADCAST, REPORT

# machine -> the moves it allows, written out by hand (a change to states.py must change this too).
ALLOWED = {
    "report": {
        ("new", "merged"), ("new", "used"), ("new", "dismissed"),
        ("merged", "new"), ("merged", "used"), ("merged", "dismissed"),
        ("used", "new"),
        ("dismissed", "new"),
    },
    "alert": {
        ("draft", "approved"), ("draft", "cancelled"), ("draft", "expired"),
        ("approved", "draft"), ("approved", "sending"), ("approved", "cancelled"), ("approved", "expired"),
        ("sending", "sent"), ("sending", "cancelled"), ("sending", "expired"),
        ("sent", "expired"),
    },
    "broadcast": {
        ("expanding", "expanded"), ("expanding", "cancelled"),
        ("expanded", "finished"), ("expanded", "cancelled"),
    },
}  # fmt: skip
MACHINES = {"report": REPORT, "alert": ALERT, "broadcast": BROADCAST}
PAIRS = [(name, str(old), str(new)) for name, machine in MACHINES.items() for old, new, _ in machine.pairs()]


def test_every_pair_is_listed():
    assert len(PAIRS) == 4 * 4 + 6 * 6 + 4 * 4


@pytest.mark.parametrize(("name", "old", "new"), PAIRS)
def test_move(name: str, old: str, new: str):
    machine = MACHINES[name]
    if (old, new) in ALLOWED[name]:
        assert machine.check(old, new) == new
    else:
        with pytest.raises(IllegalTransition) as refused:
            machine.check(old, new)
        assert refused.value.status == 409
        assert f"is {old} and cannot become {new}" in refused.value.message

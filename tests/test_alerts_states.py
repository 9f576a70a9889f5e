"""The peer alert machine, pair by pair: every move its table allows, and every other one refused."""

from __future__ import annotations

import pytest

from smsbot.alerts.states import ALERT, AlertStatus
from smsbot.errors import IllegalTransition

# Written out by hand: a change to alerts/states.py must change this too.
ALLOWED = {("open", "acked")}
PAIRS = [(str(old), str(new)) for old, new, _ in ALERT.pairs()]


def test_every_pair_is_listed():
    assert len(PAIRS) == len(AlertStatus) ** 2 == 4


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_move(old: str, new: str):
    if (old, new) in ALLOWED:
        assert ALERT.check(old, new) == new
    else:
        with pytest.raises(IllegalTransition) as refused:
            ALERT.check(old, new)
        assert refused.value.status == 409
        assert f"this alert is {old} and cannot become {new}" == refused.value.message

"""One shape for every state machine: a table of allowed moves, checked in one place.

Each feature declares its machine (checkins/states.py, outbound/states.py, supply/states.py...) as a
`Machine`; `machine.check(old, new)` raises IllegalTransition for any move not in the table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from smsbot.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)


class Machine(Generic[S]):
    def __init__(self, name: str, states: type[S], moves: Mapping[S, frozenset[S] | set[S]]) -> None:
        missing = set(states) - set(moves)
        if missing:  # every state must say where it may go, even if nowhere
            raise ValueError(f"{name}: no moves listed for {sorted(missing)}")
        self.name, self.states = name, states
        self.moves: dict[S, frozenset[S]] = {old: frozenset(new) for old, new in moves.items()}

    def allowed(self, old: S | str, new: S | str) -> bool:
        return self.states(new) in self.moves[self.states(old)]

    def check(self, old: S | str, new: S | str) -> S:
        """The new state, if the move is allowed; else IllegalTransition (a 409 at every door)."""
        if not self.allowed(old, new):
            raise IllegalTransition(self.name, str(self.states(old)), str(self.states(new)))
        return self.states(new)

    def pairs(self) -> Iterator[tuple[S, S, bool]]:
        """Every (old, new, allowed) pair: what the table tests walk."""
        for old in self.states:
            for new in self.states:
                yield old, new, new in self.moves[old]

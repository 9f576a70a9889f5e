"""Who is making a staff-side change, and through which door: passed to every service function.

The service decides what the actor may do (scoping, roles); the audit row names the actor and the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Door(StrEnum):
    API = "api"
    PAGE = "page"
    CLI = "command line"
    SMS = "sms"  # the participant's own text (JOIN, PAUSE...)
    WORKER = "worker"


@dataclass(frozen=True)
class Actor:
    """A staff member (or the command line / the system) acting through one door."""

    staff_id: int | None
    role: str  # "admin" | "peer" | "system"
    door: Door
    name: str | None = None

    @property
    def is_admin(self) -> bool:
        # The command line runs on the server: whoever has it can do anything an admin can.
        return self.role in ("admin", "system")

    @classmethod
    def of_staff(cls, staff, door: Door) -> Actor:
        """An Actor for a signed-in staff row (any object with id, role and name)."""
        return cls(staff_id=staff.id, role=staff.role, door=door, name=getattr(staff, "name", None))

    @classmethod
    def command_line(cls) -> Actor:
        return cls(staff_id=None, role="system", door=Door.CLI)

    @classmethod
    def system(cls, door: Door = Door.WORKER) -> Actor:
        return cls(staff_id=None, role="system", door=door)

    def owns(self, staff_id: int | None) -> bool:
        """May this actor act on something that belongs to `staff_id`?"""
        return self.is_admin or (self.staff_id is not None and self.staff_id == staff_id)

"""Domain errors raised by every feature's service functions, and how each door shows them.

A service raises one of these with human words; the API turns it into a status code, a page shows it
beside the field, the CLI prints it and exits non-zero. None of them carries a number or a text.
"""

from __future__ import annotations


class DomainError(Exception):
    """A change that cannot be made as asked. `admin_message` may say more (admins see it)."""

    status = 409

    def __init__(self, message: str, *, field: str | None = None, admin_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the error belongs beside, if any
        self.admin_message = admin_message

    def told_to(self, is_admin: bool) -> str:
        """The reason as the person asking may read it: a peer never learns about others' people."""
        return self.admin_message if is_admin and self.admin_message else self.message


class NotFound(DomainError):
    """No such thing, or not one the actor may see (the same answer, so ids leak nothing)."""

    status = 404


class Forbidden(DomainError):
    """The actor may see it but not do this (e.g. a peer making someone an admin)."""

    status = 403


class Conflict(DomainError):
    """The thing's state does not allow it (the last admin, a live enrollment, a used report)."""

    status = 409


class Invalid(DomainError):
    """The input itself is wrong (a bad time, an unknown zone); `field` names where."""

    status = 422


class IllegalTransition(Conflict):
    """A state machine was asked for a move its table does not allow."""

    def __init__(self, machine: str, old: str, new: str) -> None:
        super().__init__(f"this {machine} is {old} and cannot become {new}")
        self.machine, self.old, self.new = machine, old, new

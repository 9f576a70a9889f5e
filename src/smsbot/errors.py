"""Domain errors raised by every feature's service functions, and how each door shows them.

A service raises one of these with human words; the API turns it into a status code, a page shows it
beside the field, the CLI prints it and exits non-zero. None of them carries a number or a text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def N_(message: str) -> str:
    """Mark English text for the staff interface's catalogs (dashboard/i18n.py translates it where it
    is shown). Features use it for what they tell people; it changes nothing here."""
    return message


def _same(message: str) -> str:
    return message


class DomainError(Exception):
    """A change that cannot be made as asked. `admin_message` may say more (admins see it).

    The messages are English catalog ids with `%(name)s` placeholders filled from `values`, so a page
    can show them translated (`told_to(..., translate=_)`); the API and the CLI read the English."""

    status = 409

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        admin_message: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.values = dict(values or {})
        self.template, self.admin_template = message, admin_message
        self.message = message % self.values if self.values else message
        super().__init__(self.message)
        self.field = field  # the form field the error belongs beside, if any
        self.admin_message = (
            admin_message % self.values if admin_message is not None and self.values else admin_message
        )

    def told_to(self, is_admin: bool, translate: Callable[[str], str] = _same) -> str:
        """The reason as the person asking may read it: a peer never learns about others' people."""
        template = self.admin_template if is_admin and self.admin_template else self.template
        return translate(template) % self.values if self.values else translate(template)


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
        super().__init__(
            N_("this %(machine)s is %(old)s and cannot become %(new)s"),
            values={"machine": machine, "old": old, "new": new},
        )
        self.machine, self.old, self.new = machine, old, new

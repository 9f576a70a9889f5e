"""Forms that help: a form's errors by field, in human words (the page's language), for the summary box
and beside each field.

Pages build a `FormErrors` (from a service's DomainError, or by hand), render the form again with it and
the typed values, and the template shows `_form_errors.html`'s summary and `field_error(errors, name)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from smsbot.dashboard.i18n import _, translations
from smsbot.dashboard.i18n import current as current_language
from smsbot.errors import DomainError

FORM = "form"  # the key for an error that belongs to no one field (shown in the summary, not linked)


class FormErrors(dict[str, str]):
    """field name -> one human message, in the order added (the order of the form, so the first is first).

    A field's name is also the id of its input (or of its fieldset) in the page: the summary links to
    `#<name>`, and `field_error` writes `<name>-error`, the id the input's aria-describedby names.
    """

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        pairs = items.items() if isinstance(items, Mapping) else items
        for name, message in pairs:
            self.add(name, message)

    @classmethod
    def from_domain(cls, err: DomainError, *, is_admin: bool = False, field: str | None = None) -> FormErrors:
        """The service's refusal beside its field (`err.field`, else `field`, else the whole form).

        The words are the ones the actor may read: a peer never sees what only an admin may learn, in
        the page's language.
        """
        several = getattr(err, "fields", None)  # an error about several fields at once (each beside its own)
        if isinstance(several, Mapping) and several:
            lookup = translations(current_language()).ugettext  # English ids, or words already filled in
            return cls({name: lookup(message) for name, message in several.items()})
        return cls({err.field or field or FORM: err.told_to(is_admin, translate=_)})

    def add(self, name: str, message: str) -> FormErrors:
        """Keep the first message for a field: one clear thing to fix at a time."""
        self.setdefault(name or FORM, message)
        return self

    @property
    def first(self) -> str | None:
        """The field to move focus to (None when there are no errors)."""
        return next(iter(self), None)

"""What a check says to staff, kept translatable: a `Said` IS the English text (the CLI, the API and tests
read it as a plain str), and also keeps its catalog id and values so a page can show it in Spanish.
"""

from __future__ import annotations

from collections.abc import Callable

from smsbot.errors import N_

Translate = Callable[[str], str]
AT = N_("%(label)s: %(what)s")  # "en naloxone[0]: empty reply": a problem and where it is


def _same(message: str) -> str:
    return message


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class Said(str):
    """English words with their catalog id (`template`, marked with N_ where written) and `values`;
    a value may be Said itself (translated too). `capital` starts it with a capital letter."""

    template: str
    values: dict[str, object]
    capital: bool

    def __new__(cls, template: str, /, **values: object) -> Said:
        return cls.made(template, values, capital=False)

    @classmethod
    def made(cls, template: str, values: dict[str, object], *, capital: bool) -> Said:
        text = template % values if values else template
        self = super().__new__(cls, _capital(text) if capital else text)
        self.template, self.values, self.capital = template, values, capital
        return self

    def capitalised(self) -> Said:
        return Said.made(self.template, self.values, capital=True)

    def told(self, translate: Translate = _same) -> str:
        """The words in the language `translate` gives (the page's)."""
        values = {name: told(value, translate) for name, value in self.values.items()}
        text = translate(self.template)
        text = text % values if values else text
        return _capital(text) if self.capital else text

    def where(self) -> str | None:
        """The label of a problem made by `at` ("en alert"), else None."""
        return str(self.values["label"]) if self.template == AT else None

    def what(self) -> str:
        """What a problem made by `at` says, without its label (else the whole)."""
        what = self.values.get("what") if self.template == AT else None
        return what if isinstance(what, str) else self


def at(label: str, what: str) -> Said:
    """A problem (or a note) and where it was found: "en naloxone[0]: empty reply"."""
    return Said(AT, label=label, what=what)


def told(text: object, translate: Translate = _same) -> str:
    """`text` in the page's language when it is Said; other text (not in any catalog) as it is."""
    return text.told(translate) if isinstance(text, Said) else str(text)

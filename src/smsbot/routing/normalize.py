"""Text normalisation for routing: casefold, strip accents, tokens, and phrase lookup over tokens.

Everything here is linear in the text length and safe for any input (emoji, RTL, NUL bytes, 1,600 chars).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

MAX_CHARS = 1600  # the webhook already cuts Body here; routing cuts again so it is safe on its own

# Emoji that carry meaning for us become words before symbols are dropped.
_EMOJI_WORDS = {"\N{THUMBS UP SIGN}": " thumbsup ", "\N{OK HAND SIGN}": " thumbsup "}
_EMOJI_RE = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))
# Apostrophes vanish inside words ("don't" -> "dont", "od'd" -> "odd" is handled by emergency.py first).
_APOSTROPHES_RE = re.compile("['\u2018\u2019\u02bc`\u00b4]")
_NON_WORD_RE = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Normalized:
    """One text, prepared once for every matcher."""

    plain: str  # casefolded, accents stripped, punctuation kept (for ZIP and time patterns)
    tokens: tuple[str, ...]  # words and numbers only
    raw: str = ""  # the text as written (cut to MAX_CHARS): case and accents tell "ODd" and "usé"

    @property
    def joined(self) -> str:
        return " ".join(self.tokens)


def fold(text: str) -> str:
    """Casefold and strip accents ("Menú" -> "menu", "ＳＴＯＰ" -> "stop"); keeps punctuation."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def tokenize(folded: str) -> tuple[str, ...]:
    no_apostrophes = _APOSTROPHES_RE.sub("", folded)
    return tuple(_NON_WORD_RE.sub(" ", no_apostrophes).split())


def normalize(text: str) -> Normalized:
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = _EMOJI_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    plain = fold(text)
    return Normalized(plain=plain, tokens=tokenize(plain), raw=text)


# Clause breaks: a negation or a sign in one sentence says nothing about the next one
# ("not overdosing, just asking"; "he is fine. not sure about her").
_CLAUSE_RE = re.compile(r"[.,;:!?¡¿\n]+|\s(?:but|pero|y|and|so)\s")


def clauses(text: Normalized) -> list[tuple[str, ...]]:
    """The text's tokens cut into clauses at punctuation and at "but/and/pero/y"."""
    return [tokens for part in _CLAUSE_RE.split(text.plain) if (tokens := tokenize(part))]


def phrase(words: str) -> tuple[str, ...]:
    """A vocabulary phrase written naturally ("no más mensajes") as the tokens a text would give."""
    return tokenize(fold(words))


class PhraseIndex:
    """Finds token sequences (phrases) inside a token list in one pass, keyed by their first token."""

    def __init__(self, entries: Iterable[tuple[str, object]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], object]]] = {}
        self._whole: dict[tuple[str, ...], object] = {}
        for words, value in entries:
            tokens = phrase(words)
            if not tokens:
                raise ValueError(f"empty phrase {words!r}")
            self._whole.setdefault(tokens, value)
            self._by_first.setdefault(tokens[0], []).append((tokens, value))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))  # longest phrase first at a position

    def __contains__(self, tokens: object) -> bool:
        return tokens in self._whole

    def whole(self, tokens: tuple[str, ...]) -> object | None:
        return self._whole.get(tokens)

    def at(self, tokens: tuple[str, ...], start: int) -> tuple[tuple[str, ...], object] | None:
        for words, value in self._by_first.get(tokens[start], ()):
            if tokens[start : start + len(words)] == words:
                return words, value
        return None

    def find(self, tokens: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...], object]]:
        """Every (position, phrase, value) found, left to right."""
        for start, token in enumerate(tokens):
            if token in self._by_first:
                hit = self.at(tokens, start)
                if hit is not None:
                    yield start, hit[0], hit[1]


@lru_cache(maxsize=64)
def _sizes(fillers: frozenset[tuple[str, ...]]) -> tuple[int, ...]:
    return tuple(sorted({len(filler) for filler in fillers}, reverse=True))


def strip_edges(tokens: tuple[str, ...], fillers: frozenset[tuple[str, ...]]) -> tuple[str, ...]:
    """Drop filler phrases ("please", "por favor", "thanks") from both ends of a token list."""
    sizes = _sizes(fillers)  # a few lengths to try, longest first, instead of every filler
    changed = True
    while changed and tokens:
        changed = False
        for size in sizes:
            if len(tokens) > size and tokens[:size] in fillers:
                tokens, changed = tokens[size:], True
            elif len(tokens) > size and tokens[-size:] in fillers:
                tokens, changed = tokens[:-size], True
    return tokens


def word_set(words: str) -> frozenset[str]:
    """A set of single words written as one space-separated string, normalised like texts."""
    return frozenset(phrase(words))


def fillers(*words: str) -> frozenset[tuple[str, ...]]:
    return frozenset(phrase(w) for w in words)

"""Approximate reading grade (Flesch-Kincaid) of an English reply, syllables counted with pyphen.

Approximate on purpose: hyphenation patterns are not a syllable dictionary, and SMS lists ("1) ... 2) ...")
are counted as short sentences. Good enough to spot a reply that drifts far above a 6th-grade level.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END_RE = re.compile(r"[.!?;:]+(?:\s|$)|\s\d\)\s")
_VOWELS_RE = re.compile(r"[aeiouy]", re.IGNORECASE)


@lru_cache(maxsize=1)
def _hyphenator():  # loaded on first use: the web process rarely grades a text (memory, issue 14)
    import pyphen

    return pyphen.Pyphen(lang="en_US", left=1, right=1)


@lru_cache(maxsize=8192)
def syllables(word: str) -> int:
    """Syllables in one English word: hyphenation pieces that hold a vowel ("pro-gram-s" -> 2)."""
    pieces = _hyphenator().inserted(word.lower()).split("-")
    return max(1, sum(1 for piece in pieces if _VOWELS_RE.search(piece)))


def grade_level(text: str) -> float:
    """Flesch-Kincaid grade: 0.39 * words/sentence + 11.8 * syllables/word - 15.59 (0 for no words)."""
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END_RE.split(text) if _WORD_RE.search(s)]))
    syllable_count = sum(syllables(word) for word in words)
    return max(0.0, round(0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59, 1))

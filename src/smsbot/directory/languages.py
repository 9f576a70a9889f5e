"""Language names and codes as packages write them ("Spanish", "spa", "es-US", "en, es") → ISO 639-1."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# The languages US directories list most; anything else that is already two letters is kept.
_NAMES = {
    "english": "en",
    "eng": "en",
    "spanish": "es",
    "espanol": "es",
    "español": "es",
    "spa": "es",
    "castellano": "es",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "zho": "zh",
    "chi": "zh",
    "vietnamese": "vi",
    "vie": "vi",
    "korean": "ko",
    "kor": "ko",
    "tagalog": "tl",
    "tgl": "tl",
    "filipino": "tl",
    "russian": "ru",
    "rus": "ru",
    "arabic": "ar",
    "ara": "ar",
    "french": "fr",
    "fra": "fr",
    "fre": "fr",
    "haitian creole": "ht",
    "creole": "ht",
    "hat": "ht",
    "portuguese": "pt",
    "por": "pt",
    "polish": "pl",
    "pol": "pl",
    "urdu": "ur",
    "urd": "ur",
    "hindi": "hi",
    "hin": "hi",
    "somali": "so",
    "som": "so",
    "amharic": "am",
    "german": "de",
    "ger": "de",
    "deu": "de",
    "italian": "it",
    "ita": "it",
    "japanese": "ja",
    "jpn": "ja",
    "slovak": "sk",
    "farsi": "fa",
    "persian": "fa",
    "bengali": "bn",
    "nepali": "ne",
    "ukrainian": "uk",
    "hmong": "hmn",
    "american sign language": "asl",
    "asl": "asl",
    "sign language": "asl",
}


_TAGGED = re.compile(r"[a-z]{2,3}[-_][a-z0-9]{2,4}")
_TWO = re.compile(r"[a-z]{2}")
_SPLIT = re.compile(r"[,;/|]|\band\b")


@lru_cache(maxsize=1024)
def language_code(text: str | None) -> str | None:
    """One language name or code → its short code, or None when it is not one we know."""
    key = " ".join((text or "").strip().lower().split())
    if not key:
        return None
    key = re.split(r"[-_]", key)[0] if _TAGGED.fullmatch(key) else key
    if key in _NAMES:
        return _NAMES[key]
    if _TWO.fullmatch(key):
        return key
    return None


def language_codes(values: Iterable[str | None]) -> list[str]:
    """Each value may list several ("en, es", "English; Spanish"): their codes, in order, once each."""
    found: list[str] = []
    for value in values:
        for part in _SPLIT.split(value or "") if value else ():
            code = language_code(part)
            if code and code not in found:
                found.append(code)
    return found

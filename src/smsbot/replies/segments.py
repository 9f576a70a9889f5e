"""SMS encoding and segment counts (GSM 03.38 basic + extension tables, else UCS-2)."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}
_EXTENSION = frozenset(GSM7_EXTENSION)


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def non_gsm_characters(text: str) -> list[str]:
    """Characters that would force the whole text into UCS-2."""
    return sorted({ch for ch in text if ch not in _BASIC and ch not in _EXTENSION})


def segment_info(text: str) -> SegmentInfo:
    if not non_gsm_characters(text):
        septets = sum(2 if ch in _EXTENSION else 1 for ch in text)
        single, multi = 160, 153
        return SegmentInfo("GSM-7", septets, 1 if septets <= single else -(-septets // multi))
    units = len(text.encode("utf-16-le")) // 2
    single, multi = 70, 67
    return SegmentInfo("UCS-2", units, 1 if units <= single else -(-units // multi))

"""Reading a text file as people save it: UTF-8 (with or without Excel's BOM), UTF-16 with a BOM
(Excel's "Unicode Text"), or Windows-1252 (Excel's usual "CSV"), told apart without guessing.

UTF-8 is tried first and strictly: a Windows-1252 file with any accented letter is not valid UTF-8,
so a file that decodes as UTF-8 is UTF-8. Only then Windows-1252; a file that is neither is refused
with what to do about it, never a codec's message.
"""

from __future__ import annotations

import codecs
from pathlib import Path

UTF8, UTF16, WINDOWS_1252 = "UTF-8", "UTF-16", "Windows-1252"


class TextEncodingError(ValueError):
    """The file is not text in an encoding we read (the message says what to do)."""


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, the encoding it was in). A leading byte-order mark is dropped."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), UTF16
        except UnicodeDecodeError:
            pass  # a binary file that happens to start like UTF-16: refused below
    else:
        try:
            return data.decode("utf-8-sig"), UTF8
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            if "\x00" not in text:  # NUL bytes: a spreadsheet or other binary file, not text
                return text, WINDOWS_1252
    raise TextEncodingError(
        f"{name} is not a text file we can read (UTF-8 or Windows-1252). "
        "In Excel, choose File > Save As > “CSV UTF-8 (Comma delimited)” and upload that file."
    )


def read_text(path: Path) -> tuple[str, str]:
    """The whole file as text, and its encoding (see `decode`)."""
    return decode(path.read_bytes(), path.name)

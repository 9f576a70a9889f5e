"""Files as people save them: Excel's Windows-1252 CSV, UTF-8 with a BOM, UTF-16 "Unicode Text",
semicolons for commas; UTF-8 is tried first and strictly, and a file that is neither is refused in
words that say what to do."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from smsbot.directory.encoding import UTF8, UTF16, WINDOWS_1252, TextEncodingError, decode
from smsbot.directory.flat_csv import NO_ID
from smsbot.directory.importer import DirectoryImportError, import_path
from smsbot.directory.records import ImportOptions
from tests.directory_support import service_named

ROWS = "id,name,categories,zip\nc1,Café Esperanza,naloxone,22902\nc2,Niño Clinic,health_clinic,22903\n"


def _options() -> ImportOptions:
    return ImportOptions(default_timezone="America/New_York", today=date(2026, 3, 4))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ROWS.encode("utf-8"), UTF8),
        (codecs.BOM_UTF8 + ROWS.encode("utf-8"), UTF8),
        (ROWS.encode("cp1252"), WINDOWS_1252),
        (ROWS.encode("utf-16"), UTF16),  # with its BOM, as Excel writes it
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252", "utf-16"],
)
def test_each_encoding_is_told_apart(data, encoding):
    text, found = decode(data, "x.csv")
    assert (text, found) == (ROWS, encoding)


def test_utf8_wins_when_both_could_read_it():
    # "Ã©" is what é in UTF-8 looks like read as Windows-1252: valid UTF-8 is always UTF-8.
    assert decode("Café".encode(), "x.csv") == ("Café", UTF8)
    # Smart quotes and the en dash Excel types are Windows-1252 bytes 0x93, 0x94, 0x96.
    assert decode(b"\x93Drop\x94 \x96 open", "x.csv") == ("“Drop” – open", WINDOWS_1252)


def test_a_binary_file_is_refused_with_what_to_do():
    with pytest.raises(TextEncodingError) as refused:
        decode(b"PK\x03\x04\x00\x00\x81\x8d binary", "sheet.csv")
    message = str(refused.value)
    assert "CSV UTF-8" in message and "codec" not in message and "0x" not in message


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_excel_files_import_with_their_accents(ctx, tmp_path, encoding):
    path = tmp_path / "services.csv"
    path.write_bytes(ROWS.encode(encoding))

    summary = import_path(ctx, path, _options())

    assert (summary.added, summary.skipped) == (2, 0)
    assert service_named(ctx, "Café Esperanza").zip == "22902"
    assert service_named(ctx, "Niño Clinic").zip == "22903"


def test_semicolons_for_commas_and_a_file_without_ids(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_bytes("name;categories;zip\nCafé Uno;naloxone;22902\n".encode("cp1252"))

    summary = import_path(ctx, path, _options())

    assert summary.added == 1 and summary.encoding == WINDOWS_1252
    assert summary.warnings[0] == f"line 2: {NO_ID}"


def test_an_unreadable_file_is_refused_without_codec_words(ctx, tmp_path):
    path = tmp_path / "services.csv"
    path.write_bytes(b"id,name,categories\n\x81\x8d\x00\x00")
    with pytest.raises(DirectoryImportError) as refused:
        import_path(ctx, path, _options())
    assert "codec" not in str(refused.value) and "Save As" in str(refused.value)

"""An uploaded directory file (the dashboard's form or `POST /api/services/import`), saved where the
importer can read it: under its own cleaned name (warnings name the admin's file, and a package
without a name gets the same source as on the command line), a .zip (an HSDS package) unpacked safely.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

from smsbot.errors import N_, Invalid

SUFFIXES = (".csv", ".txt", ".json", ".zip")
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 500
SOURCE_LIMIT = 64
FIELD = "file"


def source_name(text: str | None) -> str | None:
    """The source an import is filed under; blank means the format's default name (never "")."""
    name = " ".join((text or "").split())
    if len(name) > SOURCE_LIMIT:
        raise Invalid(
            N_("Keep the source name to %(most)s characters or fewer."),
            field="source",
            values={"most": SOURCE_LIMIT},
        )
    return name or None


def save(stream: BinaryIO, filename: str | None, folder: Path) -> Path:
    """Write the upload into `folder`; the path to import (a file, or an unpacked package's folder)."""
    if not filename:
        raise Invalid(N_("Choose a file to import."), field=FIELD)
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xls", ".ods", ".numbers"):
        raise Invalid(
            N_(
                "That is a spreadsheet: save it as CSV first (in Excel: File > Save As > CSV UTF-8), "
                "then upload the .csv file."
            ),
            field=FIELD,
        )
    if suffix not in SUFFIXES:
        raise Invalid(
            N_("Upload a .csv file, a .json file (SAMHSA or HSDS), or an HSDS package as a .zip."),
            field=FIELD,
        )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).stem).strip("._")[:80] or "upload"
    target = folder / f"{stem}{suffix}"
    with target.open("wb") as out:
        shutil.copyfileobj(stream, out)
    if target.stat().st_size == 0:
        raise Invalid(N_("That file is empty."), field=FIELD)
    return _unzip(target, folder / "unpacked" / stem) if suffix == ".zip" else target


def _unzip(target: Path, unpacked: Path) -> Path:
    try:
        with zipfile.ZipFile(target) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES or len(members) > MAX_MEMBERS:
                raise Invalid(N_("That package is too big once unpacked (at most 200 MB)."), field=FIELD)
            for member in members:
                destination = (unpacked / member.filename).resolve()
                if not destination.is_relative_to(unpacked.resolve()):
                    raise Invalid(N_("That .zip has paths pointing outside itself."), field=FIELD)
            archive.extractall(unpacked)
    except zipfile.BadZipFile:
        raise Invalid(N_("That .zip file cannot be read: is it complete?"), field=FIELD) from None
    found = sorted(unpacked.rglob("datapackage.json")) or sorted(unpacked.rglob("services.csv"))
    if not found:
        raise Invalid(
            N_("That .zip has no datapackage.json or services.csv, so it is not an HSDS package."),
            field=FIELD,
        )
    return found[0].parent

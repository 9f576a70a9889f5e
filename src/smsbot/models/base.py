"""The shared column helper of every table."""

from __future__ import annotations

from sqlalchemy import Column

from smsbot.db import UTCDateTime


def _when(nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)

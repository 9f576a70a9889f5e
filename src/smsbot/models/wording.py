"""Wording published from the dashboard (issue 12): versions of a reply that override the packs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when


class WordingVersion(SQLModel, table=True):
    """One language of one version of a reply. A version is the whole reply in every language, so a roll
    back brings all of it back. The newest version of a key wins over the TOML pack; `text` holds its
    parts as a JSON list, or NULL for "as the pack says" (a roll back to the wording that shipped)."""

    __tablename__ = "wording_version"
    __table_args__ = (UniqueConstraint("key", "language", "version", name="uq_wording_version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(64), nullable=False))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    restores: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # 0: the pack's
    published_by: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    published_at: datetime = Field(sa_column=_when())

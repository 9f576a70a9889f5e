"""Tables of the directory: services and their categories (with the geo index)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from smsbot.models.base import _when

# --- where to go (issue 3: directory) -----------------------------------------------------


class Service(SQLModel, table=True):
    """A place to go: one service at one location, from an import, the API or the demo file."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("source_id", "source", name="uq_service_source"),)

    id: int | None = Field(default=None, primary_key=True)
    # Re-importing updates by (source, source_id) instead of adding a duplicate.
    source: str = Field(sa_column=Column(String(64), nullable=False))
    source_id: str = Field(sa_column=Column(String(200), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    organization: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    address: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    city: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    state: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    zip: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    latitude: float = Field(sa_column=Column(Float, nullable=False))
    longitude: float = Field(sa_column=Column(Float, nullable=False))
    phone: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))  # the service's line
    # Weekly schedule as JSON ({"mo": ["09:00-17:00"], ...}); None = hours unknown.
    hours: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    timezone: str = Field(sa_column=Column(String(64), nullable=False))  # IANA name, for today's hours
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Shown to texters as "checked Mar 2026".
    last_verified: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    is_demo: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Issue 10 (migration 0008): how to reach it and where it is.
    phone_extension: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    # place | zip_centre | virtual | area: only a `place` is ever given with a distance to walk.
    location_kind: str = Field(
        default="place", sa_column=Column(String(16), nullable=False, server_default="place")
    )
    service_area: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    area_zips: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # "33136 33137"
    languages: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))  # "en es"
    category_reasons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    # JSON list of fields an admin edited by hand: a re-import keeps them.
    edited_fields: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())
    # Issue 12 (migration 0016): when an import last wrote it (None: added by hand), for freshness.
    imported_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class ServiceCategory(SQLModel, table=True):
    """A service's categories. Carries the service's coordinates and latitude band (kept in step by
    directory/store.py) so that "this category inside this box" is a few short index range scans."""

    __tablename__ = "service_category"

    service_id: int = Field(
        sa_column=Column(Integer, ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    )
    category: str = Field(sa_column=Column(String(32), primary_key=True))
    # floor(latitude / 0.25): with it the index narrows by latitude and longitude at once.
    lat_band: int = Field(sa_column=Column(Integer, nullable=False))
    latitude: float = Field(sa_column=Column(Float, nullable=False))
    longitude: float = Field(sa_column=Column(Float, nullable=False))


class ServiceRemoved(SQLModel, table=True):
    """An imported service an admin deleted: importing its source again does not bring it back."""

    __tablename__ = "service_removed"

    source: str = Field(sa_column=Column(String(64), primary_key=True))
    source_id: str = Field(sa_column=Column(String(200), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))  # what the import summary names
    removed_at: datetime = Field(sa_column=_when())


Index("ix_service_lat_lon", Service.__table__.c.latitude, Service.__table__.c.longitude)
Index("ix_service_location_kind", Service.__table__.c.location_kind)
Index(
    "ix_service_category_geo",
    ServiceCategory.__table__.c.category,
    ServiceCategory.__table__.c.lat_band,
    ServiceCategory.__table__.c.longitude,
    ServiceCategory.__table__.c.latitude,
    ServiceCategory.__table__.c.service_id,
)

"""Wording published from the dashboard, as every process sees it: the newest version of each reply,
read from `wording_version` and laid over the TOML packs by `Wording`.

No restart: each process asks the database for a marker (the newest row's id and the row count, one
cheap query) at most every CHECK_EVERY seconds, and reloads the versions only when it changed. The
process that publishes is told at once (`changed`). If the database cannot answer, the last wording
read stays in use (the packs' at worst): a reply still goes out.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping

from sqlalchemy import Engine, create_engine, func, make_url, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from smsbot.db import make_engine
from smsbot.models import WordingVersion

log = logging.getLogger(__name__)
versions = WordingVersion.__table__
CHECK_EVERY = 2.0  # seconds between two looks at the marker, per process
Texts = Mapping[tuple[str, str], tuple[str, ...]]  # (key, language) -> the parts of the reply


def parts_of(text: str | None) -> tuple[str, ...] | None:
    """A stored version's parts (None: as the pack says)."""
    return None if text is None else tuple(json.loads(text))


def stored(parts: tuple[str, ...] | list[str] | None) -> str | None:
    return None if parts is None else json.dumps(list(parts), ensure_ascii=False)


def marker(conn: Connection) -> tuple:
    """What moves whenever anything is published: the newest id, the count, the newest time."""
    query = select(func.max(versions.c.id), func.count(), func.max(versions.c.published_at))
    return tuple(conn.execute(query.select_from(versions)).one())


def current_texts(conn: Connection) -> dict[tuple[str, str], tuple[str, ...]]:
    """The newest version of every (key, language) that overrides its pack."""
    newest: dict[tuple[str, str], str | None] = {}
    query = select(versions.c.key, versions.c.language, versions.c.text).order_by(versions.c.version)
    for key, language, text in conn.execute(query):
        newest[(key, language)] = text
    return {where: parts for where, text in newest.items() if (parts := parts_of(text)) is not None}


class Published:
    """One database's published wording, refreshed when its marker moves."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._marker: tuple | None = None
        self._texts: dict[tuple[str, str], tuple[str, ...]] = {}
        self._checked = float("-inf")

    def texts(self) -> Texts:
        if time.monotonic() - self._checked >= CHECK_EVERY:
            self._refresh()
        return self._texts

    def version_tag(self) -> str:
        """Added to the pack's version while anything is overridden: consent records name it."""
        return f"+edit{self._marker[0]}" if self._texts and self._marker and self._marker[0] else ""

    def changed(self) -> None:
        """Read again at the next use (this process just published)."""
        self._marker, self._checked = None, float("-inf")

    def _connect(self) -> Engine:
        if self._engine is None:
            if self.url.startswith("sqlite"):  # nothing held open between looks
                self._engine = create_engine(self.url, poolclass=NullPool, hide_parameters=True)
            else:
                self._engine = make_engine(self.url, pool_size=1)
        return self._engine

    def _exists(self) -> bool:
        """A SQLite file that is not there yet has nothing published (and must not be created here)."""
        if not self.url.startswith("sqlite"):
            return True
        database = make_url(self.url).database
        return bool(database) and database != ":memory:" and os.path.exists(database)

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._checked < CHECK_EVERY:
                return  # another thread just did it
            if not self._exists():
                self._checked = time.monotonic()
                return
            try:
                with self._connect().connect() as conn:
                    seen = marker(conn)
                    if seen != self._marker:
                        self._texts, self._marker = current_texts(conn), seen
            except SQLAlchemyError as exc:  # the type only: never a value
                log.warning("published wording not read (%s): keeping the last read", type(exc).__name__)
            self._checked = time.monotonic()


_SOURCES: dict[str, Published] = {}
_SOURCES_LOCK = threading.Lock()


def for_database(url: str) -> Published:
    """The one `Published` of this process for a database."""
    with _SOURCES_LOCK:
        if url not in _SOURCES:
            _SOURCES[url] = Published(url)
        return _SOURCES[url]

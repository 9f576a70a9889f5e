"""Apply and create migrations (Alembic), configured from code so no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from smsbot.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` inside one transaction (one process at a time on PostgreSQL)."""
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        if database.is_postgres:
            # Several app containers may start at once: let one migrate, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def revision(database: Database, message: str) -> None:
    """Autogenerate a new migration from the models (developers only)."""
    config = alembic_config(database.url)
    command.revision(config, message=message, autogenerate=True)

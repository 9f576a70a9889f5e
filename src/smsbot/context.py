"""What every entry point hands down: settings, database, clock and the phone vault.

The web app, the worker, `smsbot chat` and the tests each build one `AppContext`; nothing else
keeps process-wide state, so any number of processes can share one database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smsbot.clock import Clock, SystemClock
from smsbot.config import Settings, get_settings
from smsbot.db import Database
from smsbot.privacy import PhoneVault


@dataclass
class AppContext:
    settings: Settings
    db: Database
    vault: PhoneVault
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def build(cls, settings: Settings | None = None, clock: Clock | None = None) -> AppContext:
        settings = settings or get_settings()
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            vault=PhoneVault.from_master(settings.master_key, settings.previous_master_key),
            clock=clock or SystemClock(),
        )

"""Settings from the environment (or `.env`), with the names fixed by DESIGN.md.

Everything an operator can set lives here; nothing else reads `os.environ`.
"""

from __future__ import annotations

import secrets
import sys
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_FILE = Path(".smsbot-secret")
MIN_SECRET_LENGTH = 32
# Named in HELP and opt-in texts. A language without its own setting falls back to the English one,
# except for these shipped English defaults, which have Spanish defaults (so AYUDA stays all Spanish).
DEFAULT_PROGRAM_NAME = {"en": "Harm Reduction Text Line", "es": "Línea de Reducción de Daños"}
DEFAULT_HELP_CONTACT = {"en": "ask your local harm reduction program", "es": "pregunta en tu programa local"}


class ConfigError(RuntimeError):
    """The settings cannot run safely (raised at start-up, never mid-request)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", populate_by_name=True
    )

    database_url: str = Field("sqlite:///./smsbot.db", alias="DATABASE_URL")
    twilio_account_sid: str | None = Field(None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(None, alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str | None = Field(None, alias="TWILIO_FROM_NUMBER")
    twilio_messaging_service_sid: str | None = Field(None, alias="TWILIO_MESSAGING_SERVICE_SID")
    twilio_api_base_url: str = Field("https://api.twilio.com", alias="TWILIO_API_BASE_URL")

    public_url: str | None = Field(None, alias="SMSBOT_PUBLIC_URL")
    env: Literal["development", "test", "production"] = Field("development", alias="SMSBOT_ENV")
    validate_signatures: bool = Field(True, alias="SMSBOT_VALIDATE_SIGNATURES")
    secret_key: str | None = Field(None, alias="SMSBOT_SECRET_KEY")
    # Only while `smsbot keys rotate` runs (and until it reports nothing left under the old key).
    previous_secret_key: str | None = Field(None, alias="SMSBOT_PREVIOUS_SECRET_KEY")
    sender: Literal["twilio", "console"] | None = Field(None, alias="SMSBOT_SENDER")
    send_rate: float = Field(1.0, alias="SMSBOT_SEND_RATE", ge=0)
    default_timezone: str = Field("America/New_York", alias="SMSBOT_DEFAULT_TIMEZONE")
    program_name: str = Field(DEFAULT_PROGRAM_NAME["en"], alias="SMSBOT_PROGRAM_NAME")
    help_contact: str = Field(DEFAULT_HELP_CONTACT["en"], alias="SMSBOT_HELP_CONTACT")
    program_name_es: str | None = Field(None, alias="SMSBOT_PROGRAM_NAME_ES")
    help_contact_es: str | None = Field(None, alias="SMSBOT_HELP_CONTACT_ES")
    retention_days: int = Field(7, alias="SMSBOT_RETENTION_DAYS", ge=1)

    # Beyond the contract: tunables with safe defaults.
    wording_dir: Path | None = Field(None, alias="SMSBOT_WORDING_DIR")
    rate_limit_per_minute: int = Field(8, alias="SMSBOT_RATE_LIMIT_PER_MINUTE", ge=1)
    rate_limit_per_day: int = Field(30, alias="SMSBOT_RATE_LIMIT_PER_DAY", ge=1)
    # PostgreSQL: whether a batch of information texts only waits for the disk too (postgres_batch.py).
    info_commit_waits: bool = Field(False, alias="SMSBOT_INFO_COMMIT_WAITS")
    search_radius_miles: float = Field(25.0, alias="SMSBOT_SEARCH_RADIUS_MILES", gt=0)
    reply_window_minutes: int = Field(60, alias="SMSBOT_REPLY_WINDOW_MINUTES", ge=5)
    alert_ack_minutes: int = Field(30, alias="SMSBOT_ALERT_ACK_MINUTES", ge=1)
    # Where participants' numbers may be (ISO 3166 codes, comma-separated: "US" or "US,PR"); a number
    # from anywhere else is refused when a peer enrolls it.
    phone_regions: str = Field(
        "US", alias="SMSBOT_PHONE_REGIONS", pattern=r"^\s*[A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*\s*$"
    )
    # The watch: /readyz, the dashboard banner and an SMS to the on-call admin say when these pass.
    worker_silent_minutes: int = Field(5, alias="SMSBOT_WORKER_SILENT_MINUTES", ge=1)
    outbox_stale_minutes: int = Field(30, alias="SMSBOT_OUTBOX_STALE_MINUTES", ge=1)
    log_level: str = Field("INFO", alias="SMSBOT_LOG_LEVEL")
    # Drug-supply alerts (issue 13): a second staff member must approve an alert before it is sent.
    alerts_two_person: bool = Field(False, alias="SMSBOT_ALERTS_TWO_PERSON")
    # A TOML file of the program's own names an alert must not carry (stamps, sellers' nicknames, places),
    # laid over supply/risky_names.toml (same keys: names, allow, pattern).
    alert_names_file: Path | None = Field(None, alias="SMSBOT_ALERT_NAMES_FILE")

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("SMSBOT_SECRET_KEY", self.secret_key),
                    ("TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                    ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                )
                if not value
            ]
            if missing:
                raise ConfigError(f"production needs {', '.join(missing)}")
            if not (self.public_url or "").startswith("https://"):
                raise ConfigError("production needs SMSBOT_PUBLIC_URL starting with https://")
            if not self.validate_signatures:
                raise ConfigError("SMSBOT_VALIDATE_SIGNATURES may be false only in development")
        if self.secret_key is not None and len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ConfigError(f"SMSBOT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        if self.previous_secret_key is not None:
            if not self.secret_key:
                raise ConfigError("SMSBOT_PREVIOUS_SECRET_KEY needs the new key in SMSBOT_SECRET_KEY")
            if self.previous_secret_key == self.secret_key:
                raise ConfigError("SMSBOT_PREVIOUS_SECRET_KEY is the same as SMSBOT_SECRET_KEY")
        return self

    def program_name_for(self, language: str) -> str:
        """The program's name in a language (SMSBOT_PROGRAM_NAME_ES for Spanish, else the English one)."""
        return self._per_language(
            language, self.program_name, {"es": self.program_name_es}, DEFAULT_PROGRAM_NAME
        )

    def help_contact_for(self, language: str) -> str:
        """How to reach the program in a language (SMSBOT_HELP_CONTACT_ES for Spanish, else English)."""
        return self._per_language(
            language, self.help_contact, {"es": self.help_contact_es}, DEFAULT_HELP_CONTACT
        )

    @staticmethod
    def _per_language(
        language: str, english: str, own: dict[str, str | None], defaults: dict[str, str]
    ) -> str:
        if own.get(language):
            return own[language]  # type: ignore[return-value]
        if english == defaults["en"]:
            return defaults.get(language, english)  # never the English default in another language
        return english  # an operator's own name or contact: better than nothing

    @property
    def phone_region_codes(self) -> tuple[str, ...]:
        return tuple(code.strip().upper() for code in self.phone_regions.split(","))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sender_name(self) -> str:
        if self.sender:
            return self.sender
        return "twilio" if self.twilio_account_sid and self.twilio_auth_token else "console"

    @property
    def previous_master_key(self) -> bytes | None:
        """The master secret being rotated away from (accepted for reading, never for writing)."""
        return self.previous_secret_key.encode() if self.previous_secret_key else None

    @cached_property
    def master_key(self) -> bytes:
        """The master secret; in development it is generated once into a local 0600 file."""
        if self.secret_key:
            return self.secret_key.encode()
        if DEV_SECRET_FILE.exists():
            return DEV_SECRET_FILE.read_text().strip().encode()
        key = secrets.token_urlsafe(48)
        DEV_SECRET_FILE.touch(mode=0o600)
        DEV_SECRET_FILE.chmod(0o600)
        DEV_SECRET_FILE.write_text(key + "\n")
        print(
            f"smsbot: no SMSBOT_SECRET_KEY set; generated a development key into {DEV_SECRET_FILE} "
            "(git-ignored, mode 0600). Keep it: phone numbers stored with it cannot be read without it.",
            file=sys.stderr,
        )
        return key.encode()


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def reset_settings(settings: Settings | None = None) -> None:
    """Replace the cached settings (tests and the CLI's --now use this)."""
    global _settings
    _settings = settings

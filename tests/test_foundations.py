"""Settings, the phone vault, migrations and timestamps: the ground everything else stands on."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlmodel import SQLModel

from smsbot.config import ConfigError, Settings
from smsbot.models import Suppression
from smsbot.privacy import InvalidPhone, PhoneVault, is_long_number, normalize_phone

KEY = "a-master-key-that-is-long-enough-for-tests-0123"


def _settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)


def test_production_refuses_to_start_without_keys_and_https(monkeypatch):
    monkeypatch.delenv("SMSBOT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SMSBOT_SECRET_KEY"):
        _settings(SMSBOT_ENV="production")
    good = {
        "SMSBOT_ENV": "production",
        "SMSBOT_SECRET_KEY": KEY,
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "token",
    }
    with pytest.raises(ConfigError, match="https"):
        _settings(**good, SMSBOT_PUBLIC_URL="http://insecure.example")
    with pytest.raises(ConfigError, match="VALIDATE_SIGNATURES"):
        _settings(**good, SMSBOT_PUBLIC_URL="https://ok.example", SMSBOT_VALIDATE_SIGNATURES="false")
    assert _settings(**good, SMSBOT_PUBLIC_URL="https://ok.example").sender_name == "twilio"


def test_serve_exits_with_a_clear_message_on_bad_production_config(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSBOT_", "TWILIO_"))}
    env["SMSBOT_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-m", "smsbot", "serve"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "production needs" in result.stderr


def test_short_secret_key_is_refused():
    with pytest.raises(ConfigError, match="32"):
        _settings(SMSBOT_SECRET_KEY="short")


def test_empty_values_in_env_file_mean_defaults(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SMSBOT_SECRET_KEY=\nSMSBOT_SENDER=\nSMSBOT_WORDING_DIR=\n")
    settings = Settings()
    assert settings.sender_name == "console"
    assert settings.wording_dir is None


def test_development_key_is_generated_once_into_a_private_file(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMSBOT_SECRET_KEY", raising=False)
    first = _settings().master_key
    assert "generated a development key" in capsys.readouterr().err
    path = tmp_path / ".smsbot-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _settings().master_key == first


def test_vault_encrypts_with_authenticated_binding_to_the_index():
    vault = PhoneVault.from_master(KEY.encode())
    number = normalize_phone("(434) 555-0123")
    assert number == "+14345550123"
    index = vault.index(number)
    blob = vault.encrypt(number)
    assert number.encode() not in blob and b"4345550123" not in blob
    assert vault.decrypt(blob, index) == number
    assert vault.encrypt(number) != blob  # fresh nonce each time
    with pytest.raises(InvalidTag):
        vault.decrypt(blob, vault.index("+14345550124"))  # a ciphertext moved to another row fails
    other = PhoneVault.from_master(b"another-master-key-entirely-0123456789")
    assert other.index(number) != index


def test_invalid_numbers_say_so_without_repeating_the_number():
    with pytest.raises(InvalidPhone) as info:
        normalize_phone("12")
    assert "12" not in str(info.value)
    assert not is_long_number("12345")
    assert not is_long_number("ACME")
    assert is_long_number("+15555550123")


def test_migrations_match_the_models(ctx):
    with ctx.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_timestamps_come_back_as_aware_utc(ctx):
    eastern = timezone(timedelta(hours=-5))
    written = datetime(2026, 3, 8, 1, 30, tzinfo=eastern)
    with ctx.db.transaction() as conn:
        conn.execute(
            Suppression.__table__.insert().values(phone_index="x" * 64, opted_out_at=written, source="sms")
        )
    with ctx.db.transaction() as conn:
        read = conn.execute(select(Suppression.__table__.c.opted_out_at)).scalar_one()
    assert read.tzinfo is not None
    assert read == written
    assert read.astimezone(UTC).hour == 6


def test_db_upgrade_command_is_idempotent(tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SMSBOT_SECRET_KEY": KEY}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "smsbot", "db", "upgrade"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout

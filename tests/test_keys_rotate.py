"""`smsbot keys rotate` (issue 14): numbers, check-in answers and second factors move to a new master
key, in batches, through the CLI; the app keeps working with both keys meanwhile; after rotation a
known texter is the same contact, an opt-out still holds, a participant's check-in still reaches the
same number, and an interrupted rotation run again leaves everything readable under the new key alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from smsbot.alerts import notes
from smsbot.audit import log as audit
from smsbot.auth import totp
from smsbot.checkins import answers
from smsbot.checkins.enrollments import contact_for_phone
from smsbot.config import Settings, reset_settings
from smsbot.context import AppContext
from smsbot.models import Alert, Checkin, Contact, Staff, SupplyReport, Suppression
from smsbot.outbound.pacing import NoPacing
from smsbot.outbound.senders import TwilioSender
from smsbot.privacy import PhoneVault
from smsbot.supply import reports
from smsbot.worker.tick import Worker
from tests.checkins_fixtures import *  # noqa: F403
from tests.checkins_fixtures import PARTICIPANT, PEER_PHONE, Peer, enroll, rows, run_tick, twilio_settings
from tests.conftest import ACCOUNT_SID, OUR_NUMBER, PUBLIC_URL, TEST_ENV, sign, twiml_messages

OLD = TEST_ENV["SMSBOT_SECRET_KEY"]
NEW = "the-new-master-key-after-rotation-0123456789"
KEYWORD_TEXTER = "+15555550142"
OPTED_OUT = "+15555550166"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def _rotate(url: str, *args: str, previous: str | None = OLD) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": url, "SMSBOT_SECRET_KEY": NEW}
    env.pop("SMSBOT_PREVIOUS_SECRET_KEY", None)
    if previous:
        env["SMSBOT_PREVIOUS_SECRET_KEY"] = previous
    return subprocess.run(
        [sys.executable, "-m", "smsbot", "keys", "rotate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _audit_verify(url: str, **keys: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": url}
    env.pop("SMSBOT_PREVIOUS_SECRET_KEY", None)
    env.update(keys)
    return subprocess.run(
        [sys.executable, "-m", "smsbot", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def rotated(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], AppContext]]:
    """Switch this process to the new key (and the previous one), as a restarted app would be."""
    made: list[AppContext] = []

    def switch() -> AppContext:
        monkeypatch.setenv("SMSBOT_SECRET_KEY", NEW)
        monkeypatch.setenv("SMSBOT_PREVIOUS_SECRET_KEY", OLD)
        settings = Settings(_env_file=None)
        reset_settings(settings)
        made.append(AppContext.build(settings, clock=ctx.clock))
        return made[-1]

    yield switch
    for new in made:
        new.db.dispose()


def _text(client: TestClient, body: str, from_: str) -> str | None:
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign(PUBLIC_URL + "/twilio/sms", params)
    response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text
    messages = twiml_messages(response.text)
    return messages[0] if messages else None


def _count(ctx: AppContext, model) -> int:
    with ctx.db.transaction() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def test_after_rotation_texters_participants_and_opt_outs_are_who_they_were(
    ctx, client, sms, peer, fake, worker, clock, rotated
):
    # Under the old key: a participant who joined and answered in words, a texter who chose
    # Spanish, a number that opted out (known only by its keyed hash), a peer with an alert phone.
    jamie: Peer = peer()
    enroll(jamie)
    run_tick(worker, clock)
    assert "You're in" in sms("JOIN")
    run_tick(worker, clock, "2026-03-04T23:00:00Z")
    sms("rough night but im ok")
    sms("ESPAÑOL", from_=KEYWORD_TEXTER)
    sms("STOP", from_=OPTED_OUT)
    with ctx.db.transaction() as conn:
        audit.record(conn, ctx.clock.now(), jamie.id, "service_changed", "service", 1, "before rotation")
    english_reply = sms("naloxone", from_="+15555550143")
    spanish_reply = sms("naloxone", from_=KEYWORD_TEXTER)
    assert english_reply != spanish_reply
    contacts_before = _count(ctx, Contact)

    done = _rotate(ctx.settings.database_url, "--batch-size", "1")
    assert done.returncode == 0, done.stderr
    assert "numbers" in done.stdout and "+1555" not in done.stdout + done.stderr  # counts, never numbers

    # The stored numbers and the answer now open under the new key alone.
    new_only = PhoneVault.from_master(NEW.encode())
    for row in rows(ctx, Contact, Contact.__table__.c.phone_ciphertext.is_not(None)):
        assert new_only.decrypt(row.phone_ciphertext, row.phone_index) in (PARTICIPANT,)
    (staff_row,) = rows(ctx, Staff)
    assert new_only.decrypt(staff_row.phone_ciphertext, staff_row.phone_index) == PEER_PHONE
    (checkin,) = rows(ctx, Checkin)
    assert answers.decrypt_answer(new_only, checkin.id, checkin.answer_ciphertext) == "rough night but im ok"

    from smsbot.app import create_app

    rotated = rotated()
    with TestClient(create_app(rotated), base_url="http://testserver") as app:
        # The texter who chose Spanish is the same contact: still answered in Spanish, no new row.
        assert _text(app, "naloxone", KEYWORD_TEXTER) == spanish_reply
        assert _count(rotated, Contact) == contacts_before
        # The opt-out holds: the number cannot be invited again.
        refused = app.post(
            "/api/enrollments",
            headers=jamie.headers,
            json={"phone": OPTED_OUT, "nickname": "K", "time": "18:00", "timezone": "America/New_York"},
        )
        assert refused.status_code == 409, refused.text
        # The next check-in goes to the same number, through the new key.
        new_worker = Worker(rotated, sender=TwilioSender(twilio_settings(rotated, fake)), pacer=NoPacing())
        before = len(fake.to(PARTICIPANT))
        run_tick(new_worker, clock, "2026-03-05T23:00:00Z")
        assert len(fake.to(PARTICIPANT)) == before + 1
        assert _count(rotated, Contact) == contacts_before

    # Audit rows are append-only: those sealed before the rotation verify with the previous key.
    url = ctx.settings.database_url
    verified = _audit_verify(url, SMSBOT_SECRET_KEY=NEW, SMSBOT_PREVIOUS_SECRET_KEY=OLD)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    without_old = _audit_verify(url, SMSBOT_SECRET_KEY=NEW)
    assert without_old.returncode == 1 and "SMSBOT_PREVIOUS_SECRET_KEY" in without_old.stderr


def _seed(ctx: AppContext, count: int) -> list[str]:
    """Numbers we text first, each with a check-in answer, and an admin's second factor (old key)."""
    from smsbot.staff.service import create_staff

    numbers = [f"+1555555{1000 + i}" for i in range(count)]
    admin = create_staff(ctx, "Ada Admin", "admin", "+15555550199")
    with ctx.db.transaction() as conn:
        conn.execute(
            Staff.__table__.update()
            .where(Staff.__table__.c.id == admin.staff_id)
            .values(
                totp_ciphertext=totp.encrypt_secret(ctx.settings, admin.staff_id, TOTP_SECRET),
                totp_confirmed_at=ctx.clock.now(),
            )
        )
        conn.execute(
            Suppression.__table__.insert().values(
                phone_index=ctx.vault.index(numbers[0]), opted_out_at=ctx.clock.now(), source="sms"
            )
        )
        for number in numbers:
            contact_for_phone(conn, ctx.vault, number, "en", ctx.clock.now())
    return numbers


def _readable(ctx: AppContext, vault: PhoneVault) -> list[str]:
    return sorted(vault.decrypt(r.phone_ciphertext, r.phone_index) for r in rows(ctx, Contact))


def test_an_interrupted_rotation_loses_nothing_and_finishes_when_run_again(ctx, rotated):
    numbers = _seed(ctx, 7)
    rotated = rotated()
    url = ctx.settings.database_url

    stopped = _rotate(url, "--batch-size", "2", "--max-batches", "2")
    assert stopped.returncode == 3, stopped.stderr
    assert "run it again" in stopped.stdout
    # Part-way: everything still opens with the keyring the app runs with (new, then previous)...
    assert _readable(ctx, rotated.vault) == numbers
    new_only = PhoneVault.from_master(NEW.encode())
    opened = 0
    for row in rows(ctx, Contact):
        try:
            new_only.decrypt(row.phone_ciphertext, row.phone_index)
            opened += 1
        except Exception:
            pass
    assert 0 < opened < len(numbers)  # ...and the rotation really is half done

    finished = _rotate(url)
    assert finished.returncode == 0, finished.stderr
    assert _readable(ctx, new_only) == numbers
    # The opt-out moved with its number (found by the new index), and the second factor opens.
    with ctx.db.transaction() as conn:
        assert conn.execute(
            select(Suppression.__table__).where(
                Suppression.__table__.c.phone_index == new_only.index(numbers[0])
            )
        ).first()
    admin = rows(ctx, Staff)[0]
    new_settings = rotated.settings.model_copy(update={"previous_secret_key": None})
    assert totp.decrypt_secret(new_settings, admin.id, admin.totp_ciphertext) == TOTP_SECRET

    again = _rotate(url)
    assert again.returncode == 0 and "0 numbers" in again.stdout  # idempotent


def test_rotation_needs_the_previous_key(ctx):
    refused = _rotate(ctx.settings.database_url, previous=None)
    assert refused.returncode == 2
    assert "SMSBOT_PREVIOUS_SECRET_KEY" in refused.stderr


def test_rotation_moves_every_sealed_free_text_notes_and_reports_too(ctx, sms, clock, rotated):
    # A drug-supply report told by text, and a peer's note on an alert, both sealed under the old key.
    sms("REPORT")
    for answer in ("blue pills sold as oxy", "my friend passed out", "22903", "last night"):
        sms(answer)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        alert_id = conn.execute(
            Alert.__table__.insert().values(
                dedupe_key="rotation-note", kind="no_answer", status="acked", created_at=now, acked_at=now
            )
        ).inserted_primary_key[0]
        conn.execute(
            Alert.__table__.update()
            .where(Alert.__table__.c.id == alert_id)
            .values(note_ciphertext=notes.seal(ctx.vault, alert_id, "left a voicemail at her sister's"))
        )
    (report,) = rows(ctx, SupplyReport)
    assert reports.decrypt_answers(ctx.vault, report.id, report.answers_ciphertext)["happened"]

    done = _rotate(ctx.settings.database_url, "--batch-size", "1")
    assert done.returncode == 0, done.stderr

    new_only = PhoneVault.from_master(NEW.encode())
    (report,) = rows(ctx, SupplyReport)
    told = reports.decrypt_answers(new_only, report.id, report.answers_ciphertext)
    assert told["happened"] == "my friend passed out" and told["what"] == "blue pills sold as oxy"
    (alert,) = [row for row in rows(ctx, Alert) if row.id == alert_id]
    assert notes.opened(new_only, alert.id, alert.note_ciphertext) == "left a voicemail at her sister's"
    # The old key alone opens neither any more.
    old_only = PhoneVault.from_master(OLD.encode())
    assert reports.decrypt_answers(old_only, report.id, report.answers_ciphertext) == {}
    assert notes.opened(old_only, alert.id, alert.note_ciphertext) is None

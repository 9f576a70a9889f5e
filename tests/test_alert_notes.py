"""Alert notes are free text about a person (issue 12): stored encrypted (never the words in the row),
shown to those who may see the alert (API and page), deleted after SMSBOT_RETENTION_DAYS by the worker
with the other free text (the outcome stays); migration 0018 encrypts notes written before it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from smsbot.models import Alert
from smsbot.staff.tokens import issue_token
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PARTICIPANT, make_alert, make_enrollment

alert_t = Alert.__table__
NOTE = "Talked at the drop-in, they are OK"


def _api(ctx, staff_id: int) -> dict[str, str]:
    with ctx.db.transaction() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, staff_id, ctx.clock.now())}"}


def _stored(ctx, alert_id: int) -> bytes | None:
    with ctx.db.transaction() as conn:
        found = conn.execute(select(alert_t.c.note_ciphertext).where(alert_t.c.id == alert_id)).scalar_one()
    return bytes(found) if found is not None else None


def _acked(client, headers) -> dict[int, dict]:
    return {a["id"]: a for a in client.get("/api/alerts?status=acked", headers=headers).json()}


def test_a_note_is_kept_encrypted_shown_to_its_peer_and_deleted_after_retention(
    ctx, client, clock, staff_browser
) -> None:
    pat = staff_browser("peer", name="Pat Peer", phone="+15555550177")
    olu = staff_browser("peer", name="Olu Other", phone="+15555550178")
    mine = make_alert(ctx, make_enrollment(ctx, pat.staff_id, nickname="Robin"), kind="call")
    theirs = make_alert(ctx, make_enrollment(ctx, olu.staff_id, phone=OTHER_PARTICIPANT), kind="call")
    said = {"outcome": "other", "note": NOTE}
    api = _api(ctx, pat.staff_id)
    answered = client.post(f"/api/alerts/{mine}/ack", json=said, headers=api)
    assert answered.status_code == 200 and answered.json()["note"] == NOTE
    assert (
        olu.post(f"/alerts/{theirs}/ack", {"outcome": "other", "note": "Olu's own words"}).status_code == 303
    )

    sealed = _stored(ctx, mine)
    assert sealed and NOTE.encode() not in sealed and b"drop-in" not in sealed  # never the words at rest
    assert _acked(client, api)[mine]["note"] == NOTE
    assert theirs not in _acked(client, api)  # another peer's alert, note and all, is not there
    page = pat.get("/").text
    assert NOTE in page and "Olu's own words" not in page
    assert NOTE in pat.get("/alerts/resolved?q=robin").text

    # The worker (smsbot tick) deletes notes older than SMSBOT_RETENTION_DAYS; the outcome stays.
    from smsbot import cli

    days = ctx.settings.retention_days
    early = (clock.now() + timedelta(days=days) - timedelta(minutes=1)).isoformat()
    late = (clock.now() + timedelta(days=days, minutes=1)).isoformat()
    assert CliRunner().invoke(cli.app, ["tick", "--now", early]).exit_code == 0
    assert _acked(client, api)[mine]["note"] == NOTE
    assert CliRunner().invoke(cli.app, ["tick", "--now", late]).exit_code == 0
    assert _stored(ctx, mine) is None and _stored(ctx, theirs) is None
    left = _acked(client, api)[mine]
    assert left["note"] is None and left["outcome"] == "other" and left["status"] == "acked"
    assert NOTE not in pat.get("/").text


def _to(ctx, revision: str, downgrade: bool = False) -> None:
    from alembic import command

    from smsbot import migrate

    config = migrate.alembic_config(ctx.db.url)
    with ctx.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def test_the_migration_encrypts_notes_written_before_it(ctx, client, staff_browser) -> None:
    pat = staff_browser("peer", name="Pat Peer", phone="+15555550177")
    mine = make_alert(ctx, make_enrollment(ctx, pat.staff_id, nickname="Robin"), kind="call")
    _to(ctx, "0017_staff_language", downgrade=True)
    try:
        with ctx.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE alert SET status = 'acked', outcome = 'other', note = 'written before 0018', "
                f"acked_by = {pat.staff_id}, acked_at = created_at WHERE id = {mine}"
            )
    finally:
        _to(ctx, "head")
    sealed = _stored(ctx, mine)
    assert sealed and b"written before" not in sealed
    assert _acked(client, _api(ctx, pat.staff_id))[mine]["note"] == "written before 0018"
    assert "written before 0018" in pat.get("/").text
    _to(ctx, "0017_staff_language", downgrade=True)  # and back: the words return to the plain column
    try:
        with ctx.db.engine.begin() as conn:
            found = conn.exec_driver_sql(f"SELECT note FROM alert WHERE id = {mine}").scalar_one()
        assert found == "written before 0018"
    finally:
        _to(ctx, "head")


def test_forget_takes_the_notes_about_that_person_too(ctx, client, sms, staff_browser) -> None:
    pat = staff_browser("peer", name="Pat Peer", phone="+15555550177")
    robin = make_alert(ctx, make_enrollment(ctx, pat.staff_id, nickname="Robin"), kind="call")
    sam = make_alert(
        ctx, make_enrollment(ctx, pat.staff_id, phone=OTHER_PARTICIPANT, nickname="Sam"), kind="call"
    )
    api = _api(ctx, pat.staff_id)
    for alert_id, note in ((robin, NOTE), (sam, "Sam is staying at the shelter")):
        said = {"outcome": "other", "note": note}
        assert client.post(f"/api/alerts/{alert_id}/ack", json=said, headers=api).status_code == 200

    assert sms("FORGET", from_=PARTICIPANT)  # Robin asks the line to forget them

    assert _stored(ctx, robin) is None  # the note about Robin is gone with everything else
    acked = _acked(client, api)
    assert acked[robin]["outcome"] == "other" and acked[robin]["note"] is None
    assert acked[sam]["note"] == "Sam is staying at the shelter"  # nobody else's

"""Wording through every door (issue 12): the same publication and roll back through /api/wording, the
Wording page and `smsbot content` leave the same versions and one audit row each, naming the door; the
line sends the result. Refusals are 4xx (API) or exit 1 (command line) with reasons. `smsbot content
check` checks what the line really sends: the packs and every version published in the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from smsbot.models import WordingVersion
from smsbot.replies import published
from smsbot.replies.wording import load_packs
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows

PACKS = load_packs()
SHIPPED = PACKS["en"].entries["naloxone"].parts
EDITED = SHIPPED[0].replace("Stay with them.", "Stay with them!")
ES = PACKS["es"].entries["naloxone"].parts
versions = WordingVersion.__table__


@pytest.fixture(autouse=True)
def _fresh_published(settings) -> Iterator[None]:
    """PostgreSQL tests share one URL: no test sees another's published wording."""
    published.for_database(settings.database_url).changed()
    yield
    published.for_database(settings.database_url).changed()


@pytest.fixture
def doors(staff_token, staff_browser):
    token = staff_token(role="admin", name="Ada Admin")
    return {"api": {"Authorization": f"Bearer {token}"}, "page": staff_browser("admin", name="Abe Admin")}


def _cli(*args: str) -> object:
    from smsbot import cli

    return CliRunner().invoke(cli.app, ["content", *args])


def _file(tmp_path: Path, *parts: str) -> str:
    path = tmp_path / f"naloxone-{len(list(tmp_path.glob('naloxone-*')))}.txt"
    path.write_text("\n---\n".join(parts) + "\n", encoding="utf-8")
    return str(path)


def _publish(door: str, doors: dict, client, tmp_path: Path) -> None:
    if door == "api":
        body = {"texts": {"en": [EDITED, *SHIPPED[1:]]}}
        response = client.post("/api/wording/naloxone", json=body, headers=doors["api"])
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 1 and response.json()["texts"]["en"][0] == EDITED
    elif door == "page":
        form = {f"en-{i}": text for i, text in enumerate([EDITED, *SHIPPED[1:]])}
        form |= {f"es-{i}": text for i, text in enumerate(ES)}
        response = doors["page"].post("/wording/naloxone", {**form, "base_version": "0", "action": "publish"})
        assert response.status_code == 303, response.text
    else:
        result = _cli("publish", "naloxone", "--lang", "en", "--file", _file(tmp_path, EDITED, *SHIPPED[1:]))
        assert result.exit_code == 0, result.output
        assert "v1 published" in result.output


def _roll_back(door: str, doors: dict, client) -> None:
    if door == "api":
        response = client.post("/api/wording/naloxone/rollback", json={"to_version": 0}, headers=doors["api"])
        assert response.status_code == 200, response.text
        assert response.json()["texts"]["en"] == list(SHIPPED)
    elif door == "page":
        response = doors["page"].post("/wording/naloxone/roll-back", {"to_version": "0", "base_version": "1"})
        assert response.status_code == 303, response.text
    else:
        result = _cli("rollback", "naloxone", "--to", "0")
        assert result.exit_code == 0, result.output


def _versions(ctx) -> list[tuple]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(versions).order_by(versions.c.id)).all()
    return [(r.key, r.language, r.version, r.restores, json.loads(r.text) if r.text else None) for r in rows]


@pytest.mark.parametrize("door", ["api", "page", "command line"])
def test_the_same_change_through_each_door(ctx, client, doors, sms, tmp_path, door: str) -> None:
    assert sms("NALOXONE") == SHIPPED[0]
    _publish(door, doors, client, tmp_path)
    assert sms("NALOXONE") == EDITED  # the line sends it, no restart
    _roll_back(door, doors, client)
    assert sms("NALOXONE") == SHIPPED[0]
    assert _versions(ctx) == [
        ("naloxone", "en", 1, None, [EDITED, *SHIPPED[1:]]),
        ("naloxone", "es", 1, None, list(ES)),
        ("naloxone", "en", 2, 0, None),
        ("naloxone", "es", 2, 0, None),
    ]
    rows = [row for row in audit_rows(ctx) if row.action.startswith("wording")]
    assert [(row.action, row.detail) for row in rows] == [
        ("wording_published", f"naloxone v1 ({door})"),
        ("wording_rolled_back", f"naloxone v2: back to the wording that shipped ({door})"),
    ]
    admin = {"api": "Ada Admin", "page": "Abe Admin", "command line": None}[door]
    names = {row.actor_id for row in rows}
    assert (names == {None}) if admin is None else (None not in names)


def test_the_api_lists_shows_and_refuses_in_words(ctx, client, doors, staff_token) -> None:
    api = doors["api"]
    listed = client.get("/api/wording", headers=api).json()
    assert {"key": "naloxone", "version": None} in listed and len(listed) == len(PACKS["en"].entries)
    shown = client.get("/api/wording/naloxone", headers=api).json()
    assert shown["version"] == 0 and shown["history"] == [] and shown["texts"]["es"] == list(ES)

    peer = {"Authorization": f"Bearer {staff_token(role='peer', name='Pat Peer')}"}
    assert client.get("/api/wording", headers=peer).status_code == 403
    assert (
        client.post("/api/wording/naloxone", json={"texts": {"en": [EDITED]}}, headers=peer).status_code
        == 403
    )
    assert client.get("/api/wording/no_such_reply", headers=api).json() == {
        "detail": "There is no reply with this name."
    }

    refusals = [
        ({"texts": {"en": [EDITED + " ’", *SHIPPED[1:]]}}, 422, "can't be published yet"),
        ({"texts": {"en": [EDITED]}}, 422, "Fill in every part"),
        ({"texts": {"fr": ["Bonjour"]}}, 422, "English (en) and Spanish (es) only"),
        ({"texts": {"en": [EDITED + "\x00", *SHIPPED[1:]]}}, 422, "only letters, numbers"),
        ({"texts": {"en": list(SHIPPED)}}, 422, "Nothing changed"),
        ({"texts": {"en": [EDITED, *SHIPPED[1:]]}, "base_version": 3}, 409, "Someone else published"),
    ]
    for body, status, says in refusals:
        response = client.post("/api/wording/naloxone", json=body, headers=api)
        assert response.status_code == status and says in response.json()["detail"], (body, response.text)
    checked = client.post("/api/wording/naloxone", json=refusals[0][0], headers=api).json()
    assert checked["problems"][0]["field"] == "en-0"
    assert "not a plain text-message character" in checked["problems"][0]["message"]
    assert (
        client.post("/api/wording/naloxone/rollback", json={"to_version": 0}, headers=api).status_code == 422
    )
    assert _versions(ctx) == [] and not [r for r in audit_rows(ctx) if r.action.startswith("wording")]

    body = {"texts": {"en": [EDITED, *SHIPPED[1:]]}, "base_version": 0}
    assert client.post("/api/wording/naloxone", json=body, headers=api).status_code == 200
    missing = client.post("/api/wording/naloxone/rollback", json={"to_version": 7}, headers=api)
    assert missing.status_code == 404 and "no such version" in missing.json()["detail"]
    shown = client.get("/api/wording/naloxone", headers=api).json()
    assert [(v["version"], v["published_by"]) for v in shown["history"]] == [(1, "Ada Admin")]
    assert shown["shipped"]["en"][0] == SHIPPED[0] and shown["texts"]["en"][0] == EDITED


def test_the_command_line_shows_history_rolls_back_one_language_and_refuses(ctx, sms, tmp_path) -> None:
    assert "as the packs shipped it" in _cli("history", "naloxone").output
    es_edited = ES[0] + " Llama al 911."
    assert (
        _cli("publish", "naloxone", "--lang", "en", "--file", _file(tmp_path, EDITED, *SHIPPED[1:])).exit_code
        == 0
    )
    es_file = tmp_path / "es.txt"
    es_file.write_text("\n---\n".join([es_edited, *ES[1:]]), encoding="utf-8")
    assert _cli("publish", "naloxone", "--lang", "es", "--file", str(es_file)).exit_code == 0
    assert sms("NALOXONE") == EDITED

    rolled = _cli("rollback", "naloxone", "--lang", "en", "--to", "0")
    assert rolled.exit_code == 0, rolled.output
    assert sms("NALOXONE") == SHIPPED[0]
    assert _versions(ctx)[-2:] == [
        ("naloxone", "en", 3, 0, None),
        ("naloxone", "es", 3, 0, [es_edited, *ES[1:]]),  # Spanish stays as it was
    ]
    history = _cli("history", "naloxone")
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert (
        lines[0].startswith("v3\t")
        and "back to the wording that shipped" in lines[0]
        and "(in use)" in lines[0]
    )
    assert lines[1].startswith("v2\t") and "the command line" in lines[1]
    assert es_edited in history.output
    assert audit_rows(ctx, "wording_rolled_back")[-1].detail == (
        "naloxone v3: back to the wording that shipped (en only) (command line)"
    )

    refusals = [
        (("history", "no_such_reply"), "There is no reply with this name."),
        (("publish", "naloxone", "--lang", "en", "--file", _file(tmp_path, EDITED + " ’", *SHIPPED[1:])),
         "not a plain text-message character"),
        (("publish", "naloxone", "--lang", "fr", "--file", _file(tmp_path, EDITED)), "--lang must be one of"),
        (("publish", "naloxone", "--lang", "en", "--file", str(tmp_path / "nothing.txt")), "no file at"),
        (("publish", "naloxone", "--lang", "en", "--file", _file(tmp_path, EDITED)), "Fill in every part"),
        (("rollback", "naloxone", "--to", "9"), "There is no such version of this reply."),
        (("rollback", "naloxone", "--to", "3"), "the one in use already"),
    ]  # fmt: skip
    before = _versions(ctx)
    for args, says in refusals:
        result = _cli(*args)
        assert result.exit_code == 1 and says in result.output, (args, result.output)
    assert _versions(ctx) == before


def test_content_check_reports_a_published_version_that_breaks_a_rule(ctx, clock, tmp_path) -> None:
    passed = _cli("check")
    assert passed.exit_code == 0 and "published versions: none" in passed.output
    assert (
        _cli("publish", "naloxone", "--lang", "en", "--file", _file(tmp_path, EDITED, *SHIPPED[1:])).exit_code
        == 0
    )
    assert "1 reply edited in the database, checked" in _cli("check").output
    with ctx.db.transaction() as conn:  # published before a rule existed (or written by hand)
        conn.execute(
            insert(versions).values(
                key="naloxone",
                language="es",
                version=2,
                text=json.dumps([ES[0] + " Los adictos también.", *ES[1:]]),
                published_at=clock.now(),
            )
        )
    failed = _cli("check")
    assert failed.exit_code == 1, failed.output
    [line] = [line for line in failed.output.splitlines() if "published v2 of naloxone" in line]
    assert line.strip().startswith("- es naloxone") and "(en, es)" in line
    assert "FAILED: 1 problem" in failed.output
    packs_only = _cli("check", "--packs-only")
    assert packs_only.exit_code == 0 and "published versions" not in packs_only.output


def test_content_check_says_when_a_published_version_no_longer_fits_its_pack(ctx, clock) -> None:
    with ctx.db.transaction() as conn:  # the packs gained a part since (an upgrade): the line ignores it
        conn.execute(
            insert(versions).values(
                key="naloxone", language="en", version=1, text=json.dumps(["only one part"]),
                published_at=clock.now(),
            )
        )  # fmt: skip
    result = _cli("check")
    assert result.exit_code == 0, result.output  # what the line sends (the pack's) is fine
    assert "en naloxone: published v1 is not used" in result.output

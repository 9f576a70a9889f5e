"""Wording in the browser (issue 12): an admin edits a reply, sees its numbers, publishes it (the same
checks as `smsbot content check`, one audit row) and the line sends it without a restart; roll back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select

from smsbot.actor import Actor, Door
from smsbot.errors import Conflict, Forbidden, Invalid, NotFound
from smsbot.models import WordingVersion
from smsbot.replies import drafts, editing, published
from smsbot.replies.wording import Wording, load_packs
from tests.dashboard_fixtures import *  # noqa: F403

PACKS = load_packs()
SHIPPED = PACKS["en"].entries["naloxone"].parts
EDITED = SHIPPED[0].replace("Stay with them.", "Stay with them!")
ES = PACKS["es"].entries["naloxone"].parts
ADMIN = Actor(staff_id=1, role="admin", door=Door.PAGE, name="Ada Admin")


@pytest.fixture(autouse=True)
def _fresh_published(settings) -> Iterator[None]:
    """PostgreSQL tests share one URL: no test sees another's published wording."""
    published.for_database(settings.database_url).changed()
    yield
    published.for_database(settings.database_url).changed()


def _texts(en0: str = EDITED) -> dict[str, list[str]]:
    return {"en": [en0, *SHIPPED[1:]], "es": list(ES)}


def _form(en0: str = EDITED, base: int = 0, action: str = "publish") -> dict[str, str]:
    form = {f"en-{i}": text for i, text in enumerate(_texts(en0)["en"])}
    form |= {f"es-{i}": text for i, text in enumerate(ES)}
    return {**form, "base_version": str(base), "action": action}


@pytest.mark.parametrize(
    ("en0", "field", "says"),
    [
        (EDITED, None, None),
        (SHIPPED[0] + " ’", "en-0", "not a plain text-message character"),
        (
            SHIPPED[0] + " More words to make it long. " * 4,
            "en-0",
            "Too long: it would go as 3 text messages",
        ),
        (SHIPPED[0].replace("Naloxone", "{progam}"), "en-0", "{progam} is not a word the line can fill in"),
        (SHIPPED[0].replace("Stay with them.", "Addicts too."), "en-0", "Stigmatizing term"),
        ("", "en-0", "Empty reply"),
    ],
)
def test_a_draft_is_checked_as_content_check_would(en0: str, field: str | None, says: str | None) -> None:
    report = drafts.check(PACKS, "naloxone", {"en": (en0, *SHIPPED[1:]), "es": ES})
    assert report.ok is (field is None)
    if field:
        assert any(name == field and says in message for name, message in report.problems)
        assert says in " ".join(report.parts[field].problems)
    part = report.parts["en-0"]
    assert part.budget == 2 and part.encoding in ("GSM-7", "UCS-2")
    assert part.grade is not None and report.parts["es-0"].grade is None


@pytest.mark.parametrize(
    ("old", "new", "pieces"),
    [
        ("a b c", "a b c", [("same", "a b c")]),
        (
            "Stay with them.",
            "Stay with them!",
            [("same", "Stay with "), ("removed", "them."), ("added", "them!")],
        ),
        ("one two", "one", [("same", "one"), ("removed", " two")]),
        ("", "new", [("added", "new")]),
    ],
)
def test_word_diff(old: str, new: str, pieces: list) -> None:
    assert drafts.word_diff(old, new) == pieces


def test_the_service_refuses_what_it_must(ctx, clock) -> None:
    now = clock.now()
    peer = Actor(staff_id=2, role="peer", door=Door.PAGE)
    with ctx.db.transaction() as conn:
        with pytest.raises(Forbidden):
            editing.publish(conn, peer, now, key="naloxone", texts=_texts(), base_version=0, packs=PACKS)
        with pytest.raises(NotFound):
            editing.publish(conn, ADMIN, now, key="nope", texts=_texts(), base_version=0, packs=PACKS)
        with pytest.raises(Invalid, match="every part"):
            editing.publish(
                conn,
                ADMIN,
                now,
                key="naloxone",
                texts={"en": [EDITED], "es": ES},
                base_version=0,
                packs=PACKS,
            )
        with pytest.raises(Invalid, match="Nothing changed"):
            editing.publish(
                conn, ADMIN, now, key="naloxone", texts=_texts(SHIPPED[0]), base_version=0, packs=PACKS
            )
        with pytest.raises(editing.WordingRefused) as refused:
            editing.publish(
                conn, ADMIN, now, key="naloxone", texts=_texts(EDITED + " ’"), base_version=0, packs=PACKS
            )
        assert refused.value.field == "en-0"
        assert (
            editing.publish(conn, ADMIN, now, key="naloxone", texts=_texts(), base_version=0, packs=PACKS)
            == 1
        )
        with pytest.raises(Conflict, match="Someone else published"):
            editing.publish(
                conn, ADMIN, now, key="naloxone", texts=_texts(EDITED + " Go."), base_version=0, packs=PACKS
            )
        with pytest.raises(NotFound):
            editing.roll_back(conn, ADMIN, now, key="naloxone", to_version=7, base_version=1, packs=PACKS)
        with pytest.raises(Invalid, match="in use already"):
            editing.roll_back(conn, ADMIN, now, key="naloxone", to_version=1, base_version=1, packs=PACKS)
        assert (
            editing.roll_back(conn, ADMIN, now, key="naloxone", to_version=0, base_version=1, packs=PACKS)
            == 2
        )
        rows = conn.execute(select(WordingVersion.__table__).order_by("id")).all()
    assert [(r.language, r.version, r.restores) for r in rows] == [
        ("en", 1, None),
        ("es", 1, None),
        ("en", 2, 0),
        ("es", 2, 0),
    ]
    assert json.loads(rows[0].text) == [EDITED, *SHIPPED[1:]] and rows[2].text is None
    assert [r.action for r in audit_rows(ctx) if r.action.startswith("wording")] == [  # noqa: F405
        "wording_published",
        "wording_rolled_back",
    ]


def test_publish_through_the_page_then_the_line_sends_it_without_a_restart(ctx, sms, staff_browser) -> None:
    admin = staff_browser("admin", name="Ada Admin")
    assert sms("NALOXONE") == SHIPPED[0]
    editor = admin.get("/wording/naloxone")
    assert editor.status_code == 200
    assert 'id="en-0"' in editor.text and 'id="es-0"' in editor.text and 'lang="es"' in editor.text
    assert "GSM-7 · " in editor.text and "of 2 segments · reading grade" in editor.text

    live = admin.post("/wording/naloxone/check", _form(EDITED + " ’"))
    assert live.status_code == 200
    assert live.json()["parts"]["en-0"]["meta"].startswith("UCS-2")
    assert "not a plain text-message character" in live.json()["problems"][0]["message"]

    checked = admin.post("/wording/naloxone", _form(EDITED + " ’", action="check"))
    assert checked.status_code == 422 and 'id="en-0-error"' in checked.text
    refused = admin.post("/wording/naloxone", _form(EDITED + " ’"))
    assert refused.status_code == 422 and "not a plain text-message character" in refused.text
    assert "’</textarea>" in refused.text  # what was typed stays
    assert sms("NALOXONE") == SHIPPED[0]

    done = admin.post("/wording/naloxone", _form(EDITED))
    assert done.status_code == 303 and done.headers["location"] == "/wording/naloxone?done=published"
    assert sms("NALOXONE") == EDITED  # the same process, no restart
    page = admin.get("/wording/naloxone?done=published").text
    assert "Published." in page and "Version 1" in page and "<ins>" in page and "them!" in page
    stale = admin.post("/wording/naloxone", _form(EDITED + " Go.", base=0))
    assert (
        stale.status_code == 409 and "Someone else published" in stale.text and "Go.</textarea>" in stale.text
    )

    back = admin.post("/wording/naloxone/roll-back", {"to_version": "0", "base_version": "1"})
    assert back.headers["location"] == "/wording/naloxone?done=rolled-back"
    assert sms("NALOXONE") == SHIPPED[0]
    history = admin.get("/wording/naloxone").text
    assert "brought back the wording that shipped" in history and "Bring version 1 back" in history

    audit_page = admin.get("/audit?what=wording_published").text
    assert "reply “naloxone”, version 1" in audit_page and "/wording/naloxone#version-1" in audit_page
    assert len(audit_rows(ctx, "wording_published")) == 1  # noqa: F405
    assert len(audit_rows(ctx, "wording_rolled_back")) == 1  # noqa: F405


def test_another_process_sees_a_new_version_at_its_next_look(ctx, clock, sms, monkeypatch) -> None:
    assert sms("NALOXONE") == SHIPPED[0]
    with ctx.db.transaction() as conn:  # as another web process or the CLI would
        editing.publish(conn, ADMIN, clock.now(), key="naloxone", texts=_texts(), base_version=0, packs=PACKS)
    monkeypatch.setattr(published, "CHECK_EVERY", 0.0)  # its next look is now
    assert sms("NALOXONE") == EDITED
    wording = Wording.from_settings(ctx.settings)
    assert wording.version("en").startswith(PACKS["en"].version + "+edit")
    assert Wording.from_settings(ctx.settings, published=False).render("naloxone", "en") == SHIPPED[0]


def test_a_broken_or_missing_table_leaves_the_packs_wording(tmp_path) -> None:
    missing = published.Published(f"sqlite:///{tmp_path / 'nothing-here.db'}")
    assert dict(missing.texts()) == {} and not (tmp_path / "nothing-here.db").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert dict(published.Published(f"sqlite:///{empty}").texts()) == {}  # no table: the packs


def test_wording_pages_are_for_admins_and_known_replies(ctx, staff_browser) -> None:
    admin, peer = staff_browser("admin"), staff_browser("peer")
    assert peer.get("/wording/naloxone").status_code == 403
    assert peer.post("/wording/naloxone", _form()).status_code == 403
    assert peer.post("/wording/naloxone/roll-back", {"to_version": "0"}).status_code == 403
    assert admin.get("/wording/no_such_reply").status_code == 404
    assert admin.get("/wording/" + "x" * 300).status_code == 404
    assert admin.post(
        "/wording/naloxone/roll-back", {"to_version": "99999999999999", "base_version": "0"}
    ).status_code in (404, 422)
    found = admin.get("/wording?q=narcan")
    assert "reply-naloxone" in found.text and "reply-heart" not in found.text


def test_a_version_in_the_table_reaches_the_pack_only_with_all_its_parts(ctx, clock) -> None:
    with ctx.db.transaction() as conn:
        conn.execute(
            insert(WordingVersion.__table__).values(
                key="naloxone",
                language="en",
                version=1,
                text=json.dumps(["only one part"]),
                published_at=clock.now(),
            )
        )
    source = published.for_database(ctx.settings.database_url)
    source.changed()
    wording = Wording(PACKS, published=source)
    assert wording.render("naloxone", "en") == SHIPPED[0]  # a version that lost parts is not used

"""Nicknames (migration 0015): two live participants of one peer that shared a nickname before it are
told apart ("J", "J (2)"), then the database refuses a second live "j" for that peer (a race lost)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smsbot.models import Enrollment
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import make_enrollment


def _to(ctx, revision: str, downgrade: bool = False) -> None:
    from alembic import command

    from smsbot import migrate

    config = migrate.alembic_config(ctx.db.url)
    with ctx.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def _add(conn, staff_id: int, nickname: str, status: str = "active") -> None:
    conn.execute(
        Enrollment.__table__.insert().values(
            staff_id=staff_id, nickname=nickname, phone_last4="0000", local_time="18:00", days="mon",
            timezone="UTC", reply_window_minutes=60, status=status, source="staff", created_at=_NOW[0],
        )
    )  # fmt: skip


_NOW: list = []


def test_shared_nicknames_are_told_apart_and_then_refused(ctx, staff_browser):
    jamie = staff_browser("peer", name="Jamie Rivera", sign_in=False)
    sam = staff_browser("peer", name="Sam Lee", sign_in=False)
    _NOW[:] = [ctx.clock.now()]
    _to(ctx, "0014_workspace", downgrade=True)
    try:
        with ctx.db.engine.begin() as conn:
            for staff_id, nickname, status in [
                (jamie.staff_id, "J", "active"),
                (jamie.staff_id, "j", "paused"),
                (jamie.staff_id, "J (2)", "invited"),  # the obvious new name is taken: (3)
                (jamie.staff_id, "J", "ended"),  # the archive may share names
                (sam.staff_id, "J", "active"),  # another peer's J
            ]:
                _add(conn, staff_id, nickname, status)
    finally:
        _to(ctx, "head")
    table = Enrollment.__table__
    with ctx.db.transaction() as conn:
        names = conn.execute(select(table.c.nickname).order_by(table.c.id)).scalars().all()
    assert names == ["J", "j (3)", "J (2)", "J", "J"]
    with pytest.raises(IntegrityError), ctx.db.transaction() as conn:
        _add(conn, sam.staff_id, "j")
    make_enrollment(ctx, sam.staff_id, nickname="K")  # the service's own path is untouched


def test_requests_racing_for_one_nickname_make_one_participant(ctx, client, staff_browser):
    """Five enrollments of different numbers, one peer, one nickname, at once: one is made, the others
    are told in words (409, beside the nickname), never a 500."""
    import threading

    from smsbot.staff.tokens import issue_token

    jamie = staff_browser("peer", name="Jamie Rivera", sign_in=False)
    with ctx.db.transaction() as conn:
        headers = {"Authorization": f"Bearer {issue_token(conn, jamie.staff_id, ctx.clock.now())}"}
    start = threading.Barrier(5)
    results: list[tuple[int, str]] = []

    def enroll(n: int) -> None:
        body = {"phone": f"+1555555{n:04d}", "nickname": "Robin", "time": "18:00"}
        start.wait()
        answer = client.post("/api/enrollments", headers=headers, json=body)
        results.append((answer.status_code, answer.json()["detail"] if answer.status_code != 201 else ""))

    threads = [threading.Thread(target=enroll, args=(300 + n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(code for code, _ in results) == [201, 409, 409, 409, 409], results
    assert all("already have a participant called “Robin”" in words for code, words in results if code == 409)
    with ctx.db.transaction() as conn:
        assert conn.execute(select(Enrollment.__table__.c.nickname)).scalars().all() == ["Robin"]


def test_a_lost_race_for_a_nickname_is_told_in_words(ctx, staff_browser, monkeypatch):
    """The database's index settles what the service's check could not see (a request that committed
    in between): the savepoint keeps the transaction usable, the answer is the nickname Conflict."""
    from smsbot.actor import Actor, Door
    from smsbot.checkins import refusals, service
    from smsbot.errors import Conflict

    jamie = staff_browser("peer", name="Jamie Rivera", sign_in=False)
    actor = Actor(jamie.staff_id, "peer", Door.API)
    make_enrollment(ctx, jamie.staff_id, nickname="Robin")
    real, calls = refusals.nickname_taken, []

    def blind_first(*args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else real(*args, **kwargs)  # the check ran before the other commit

    monkeypatch.setattr(refusals, "nickname_taken", blind_first)
    with pytest.raises(Conflict) as lost, ctx.db.transaction() as conn:
        service.enroll(
            conn, actor, ctx.clock.now(), service.Program.of(ctx), phone="+15555550300", nickname="robin",
            time="18:00",
        )  # fmt: skip
    assert lost.value.field == "nickname" and len(calls) == 2


def test_a_handover_keeps_nicknames_apart(ctx, staff_browser):
    """A deactivated peer's participants go to the on-call peer: a "J" they already have becomes "J (2)"."""
    from smsbot.actor import Actor
    from smsbot.replies.wording import Wording
    from smsbot.staff import service as staff_service

    leaving = staff_browser("peer", name="Lee Leaving", sign_in=False)
    on_call = staff_browser("peer", name="Oli On Call", sign_in=False)
    make_enrollment(ctx, on_call.staff_id, nickname="J")
    make_enrollment(ctx, leaving.staff_id, phone="+15555550301", nickname="j")
    make_enrollment(ctx, leaving.staff_id, phone="+15555550302", nickname="K")
    admin = Actor.command_line()
    with ctx.db.transaction() as conn:
        staff_service.set_on_call(conn, admin, ctx.clock.now(), on_call.staff_id, True)
        moved = staff_service.deactivate(
            conn, admin, ctx.clock.now(), leaving.staff_id, wording=Wording.from_settings(ctx.settings)
        )
        table = Enrollment.__table__
        names = conn.execute(select(table.c.staff_id, table.c.nickname).order_by(table.c.id)).all()
    assert moved.participants == 2
    assert [tuple(row) for row in names] == [
        (on_call.staff_id, "J"),
        (on_call.staff_id, "j (2)"),
        (on_call.staff_id, "K"),
    ]

"""smsbot.checkins.service called directly, as every door calls it: scoping (a peer's own only, else
not found), one audit row per change naming the door, the words a peer may read about a number,
nicknames, phone numbers in local formats and only from the program's countries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsbot.actor import Actor, Door
from smsbot.checkins import enrollments, roster, service
from smsbot.checkins.refusals import NUMBER_UNAVAILABLE
from smsbot.checkins.rules import Problems
from smsbot.errors import Conflict, Forbidden, Invalid, NotFound
from smsbot.models import AuditLog, Enrollment, OutboxMessage
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PARTICIPANT, make_enrollment

PLAN = {"nickname": "J", "time": "18:00"}


@pytest.fixture
def people(ctx, staff_browser):
    jamie = staff_browser("peer", name="Jamie Rivera", sign_in=False)
    sam = staff_browser("peer", name="Sam Lee", sign_in=False)
    ada = staff_browser("admin", name="Ada Admin", sign_in=False)
    return {
        "jamie": Actor(jamie.staff_id, "peer", Door.PAGE, "Jamie Rivera"),
        "sam": Actor(sam.staff_id, "peer", Door.API, "Sam Lee"),
        "ada": Actor(ada.staff_id, "admin", Door.PAGE, "Ada Admin"),
    }


def _call(ctx, fn, actor, *args, **kwargs):
    with ctx.db.transaction() as conn:
        return fn(conn, actor, ctx.clock.now(), service.Program.of(ctx), *args, **kwargs)


def _audit(ctx) -> list[tuple[str, int | None, str]]:
    table = AuditLog.__table__
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(table).order_by(table.c.id)).all()
    return [(row.action, row.actor_id, row.detail) for row in rows]


def test_each_change_is_one_audit_row_naming_the_door(ctx, people, sms):
    jamie = people["jamie"]
    made = _call(ctx, service.enroll, jamie, phone="(555) 555-0123", **PLAN, days=["mon", "wed"])
    assert (made["status"], made["phone_last4"], made["days"]) == ("invited", "0123", ["mon", "wed"])
    sms("JOIN", from_=PARTICIPANT)
    eid = made["id"]
    _call(ctx, service.pause, jamie, eid)
    _call(ctx, service.pause, jamie, eid)  # already paused: nothing changes, nothing is written
    _call(ctx, service.resume, jamie, eid)
    _call(ctx, service.change, jamie, eid, time="07:30", nickname="Jay", reply_window_minutes=45)
    _call(ctx, service.change, jamie, eid, time="07:30")  # the same again: no change
    _call(ctx, service.stop, jamie, eid)
    assert _audit(ctx) == [
        ("enrollment_created", jamie.staff_id, "enrolled (page)"),
        ("enrollment_changed", jamie.staff_id, "paused (page)"),
        ("enrollment_changed", jamie.staff_id, "resumed (page)"),
        (
            "enrollment_changed",
            jamie.staff_id,
            "nickname changed, schedule changed, reply window changed (page)",
        ),
        ("enrollment_stopped", jamie.staff_id, "stopped (page)"),
    ]
    with pytest.raises(Conflict, match="have stopped"):
        _call(ctx, service.pause, jamie, eid)
    assert _call(ctx, service.opt_out, jamie, eid)["status"] == "ended"  # the number opts out even so
    assert _audit(ctx)[-1] == ("staff_opt_out", jamie.staff_id, "no more texts (page)")


def test_resume_is_the_very_function_a_resume_text_uses(ctx, people, sms, monkeypatch):
    jamie = people["jamie"]
    eid = make_enrollment(ctx, jamie.staff_id)
    calls = []
    real = enrollments.activate
    monkeypatch.setattr(enrollments, "activate", lambda *a: calls.append("activate") or real(*a))
    _call(ctx, service.pause, jamie, eid)
    _call(ctx, service.resume, jamie, eid)
    assert calls == ["activate"]
    invited = _call(ctx, service.enroll, jamie, phone=OTHER_PARTICIPANT, nickname="K", time="09:00")
    with pytest.raises(Conflict, match="JOIN"):
        _call(ctx, service.resume, jamie, invited["id"])  # consent comes from them, never from staff


@pytest.mark.parametrize("who", ["sam", "nobody"])
def test_someone_elses_participant_is_not_found_by_any_function(ctx, people, who):
    eid = make_enrollment(ctx, people["jamie"].staff_id)
    actor = people["sam"] if who == "sam" else Actor(None, "peer", Door.API)
    for fn, args in (
        (service.change, {"time": "09:00"}),
        (service.pause, {}),
        (service.resume, {}),
        (service.stop, {}),
        (service.opt_out, {}),
        (service.move_phone, {"phone": "+15555550144"}),
    ):
        with pytest.raises(NotFound) as refused:
            _call(ctx, fn, actor, eid, **args)
        assert refused.value.status == 404 and "no such participant" in refused.value.message
    with ctx.db.transaction() as conn:
        for wrong in (eid, 0, -1, 2**31, 2**63, 10**30):
            with pytest.raises(NotFound):
                roster.get(conn, actor, wrong)
        assert roster.participants(conn, actor, show="all") == []
        assert roster.get(conn, people["ada"], eid)["id"] == eid  # an admin sees everyone's


def test_a_peer_hears_only_that_a_number_cannot_be_enrolled_here(ctx, people, sms):
    make_enrollment(ctx, people["jamie"].staff_id)
    sms("STOP", from_=OTHER_PARTICIPANT)
    sam, ada = people["sam"], people["ada"]
    for phone in (PARTICIPANT, OTHER_PARTICIPANT):
        with pytest.raises(Conflict) as refused:
            _call(ctx, service.enroll, sam, phone=phone, **PLAN)
        assert refused.value.told_to(False) == NUMBER_UNAVAILABLE
        assert refused.value.field == "phone"
    with pytest.raises(Conflict) as taken:
        _call(ctx, service.enroll, ada, phone=PARTICIPANT, **PLAN)
    assert "live enrollment" in taken.value.told_to(True) and "Jamie Rivera" in taken.value.told_to(True)
    with pytest.raises(Conflict) as opted:
        _call(ctx, service.enroll, ada, phone=OTHER_PARTICIPANT, **PLAN)
    assert "opted out" in opted.value.told_to(True) and "START" in opted.value.told_to(True)
    assert len(_rows(ctx, Enrollment)) == 1 and len(_rows(ctx, OutboxMessage)) == 1


def _rows(ctx, model):
    with ctx.db.transaction() as conn:
        return conn.execute(select(model.__table__)).all()


def test_two_live_participants_of_one_peer_never_share_a_nickname(ctx, people):
    jamie, sam = people["jamie"], people["sam"]
    first = _call(ctx, service.enroll, jamie, phone=PARTICIPANT, **PLAN)
    with pytest.raises(Conflict) as same:
        _call(ctx, service.enroll, jamie, phone=OTHER_PARTICIPANT, nickname=" j ", time="09:00")
    assert same.value.field == "nickname" and "already have a participant called" in same.value.message
    _call(ctx, service.enroll, sam, phone=OTHER_PARTICIPANT, **PLAN)  # another peer's J is fine
    third = _call(ctx, service.enroll, jamie, phone="+15555550140", nickname="K", time="09:00")
    with pytest.raises(Conflict):
        _call(ctx, service.change, jamie, third["id"], nickname="J")
    with pytest.raises(Conflict, match="That peer already has"):
        _call(ctx, service.change, people["ada"], first["id"], staff_id=sam.staff_id)  # Sam has a J
    _call(ctx, service.stop, jamie, first["id"])
    assert _call(ctx, service.change, jamie, third["id"], nickname="J")["nickname"] == "J"  # free again


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(555) 555-0123", "+15555550123"),
        ("555.555.0123", "+15555550123"),
        ("1 555 555 0123", "+15555550123"),
    ],
)
def test_numbers_in_local_formats(ctx, people, typed, e164):
    made = _call(ctx, service.enroll, people["jamie"], phone=typed, **PLAN)
    assert made["phone_last4"] == e164[-4:]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("4345550199x", "no letters"),
        ("+44 20 7946 0958", "only text numbers in the United States"),
        ("+1 416 555 0199", "only text numbers in the United States"),  # Canada: another country
        ("434-555-019", "not a whole phone number"),
        ("", "Type their mobile number"),
    ],
)
def test_numbers_outside_the_program_or_malformed_are_refused_in_words(ctx, people, typed, words):
    with pytest.raises(Invalid) as refused:
        _call(ctx, service.enroll, people["jamie"], phone=typed, **PLAN)
    assert refused.value.field == "phone" and words in refused.value.message
    assert refused.value.status == 422 and "9946" not in refused.value.message


def test_the_program_chooses_its_countries(ctx, people):
    program = service.Program(ctx.vault, ctx.settings.model_copy(update={"phone_regions": "US, ca"}))
    with ctx.db.transaction() as conn:
        made = service.enroll(
            conn, people["jamie"], ctx.clock.now(), program, phone="+1 416 555 0199", **PLAN
        )
        assert made["phone_last4"] == "0199"
        with pytest.raises(Invalid, match="the United States or Canada"):
            service.enroll(conn, people["jamie"], ctx.clock.now(), program, phone="+442079460958", **PLAN)


def test_every_wrong_field_is_named_at_once_in_plain_words(ctx, people):
    with pytest.raises(Problems) as refused:
        _call(
            ctx,
            service.enroll,
            people["jamie"],
            phone="12",
            nickname="",
            time="25:00",
            days=["someday"],
            timezone="Mars/Olympus",
            reply_window_minutes=5000,
            language="fr",
        )
    assert list(refused.value.fields) == [
        "phone", "nickname", "time", "days", "timezone", "reply_window_minutes", "language",
    ]  # fmt: skip
    for message in refused.value.fields.values():
        assert "Value error" not in message and "String should" not in message and "IANA" not in message


def test_only_an_admin_chooses_another_peer(ctx, people):
    jamie, sam, ada = people["jamie"], people["sam"], people["ada"]
    with pytest.raises(Forbidden):
        _call(ctx, service.enroll, jamie, phone=PARTICIPANT, **PLAN, staff_id=sam.staff_id)
    with pytest.raises(Invalid, match="Choose a peer"):
        _call(ctx, service.enroll, ada, phone=PARTICIPANT, **PLAN, staff_id=2**40)
    made = _call(ctx, service.enroll, ada, phone=PARTICIPANT, **PLAN, staff_id=sam.staff_id)
    assert made["staff_id"] == sam.staff_id
    with pytest.raises(Forbidden):
        _call(ctx, service.change, sam, made["id"], staff_id=jamie.staff_id)
    moved = _call(ctx, service.change, ada, made["id"], staff_id=jamie.staff_id, language="es")
    assert moved["staff_id"] == jamie.staff_id
    assert _audit(ctx)[-1][2] == "peer changed, language changed (page)"
    with pytest.raises(Invalid):
        _call(ctx, service.enroll, Actor.command_line(), phone=OTHER_PARTICIPANT, **PLAN)  # whose?

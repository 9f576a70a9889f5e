"""The staff side's service functions: the moderation queue (merge, dismiss, restore), drafting and
editing, the wording check, two-person approval, illegal moves, and numbers without surveillance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smsbot.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from smsbot.models import AuditLog, SupplyReport
from smsbot.replies.wording import Wording
from smsbot.supply import alerts, numbers, review, sending
from tests.test_supply_support import ALERT_EN, actor, seed_subscribers

REPORTER = "+15555550177"


def _report(sms, clock, what: str, where: str = "22902", from_: str = REPORTER) -> None:
    for text in ("REPORT", what, "people hard to wake", where, "today"):
        sms(text, from_=from_)
        clock.advance(minutes=1)


def _queue(ctx, who) -> list:
    with ctx.db.transaction() as conn:
        return review.list_reports(conn, who, ctx.clock.now(), vault=ctx.vault)


def _audit(ctx) -> list[tuple[str, int | None, str]]:
    table = AuditLog.__table__
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(table).where(table.c.action.like("supply_%")).order_by(table.c.id)).all()
    return [(row.action, row.object_id, row.detail) for row in rows]


@pytest.fixture
def wording(ctx) -> Wording:
    return Wording.from_settings(ctx.settings)


def test_merge_dismiss_restore(ctx, sms, clock):
    for i, what in enumerate(("white powder sold as heroin", "same powder", "a joke", "blue pills")):
        _report(sms, clock, what, from_=f"+1555555020{i}")
    pat = actor(ctx)
    first, second, joke, pills = (r.id for r in _queue(ctx, pat))
    now = clock.now()
    with ctx.db.transaction() as conn:
        review.merge_reports(conn, pat, now, first, [second])
        with pytest.raises(Conflict, match="only reports in the queue"):
            review.merge_reports(conn, pat, now, pills, [second])
        with pytest.raises(Invalid):
            review.merge_reports(conn, pat, now, first, [first])
        review.dismiss_report(conn, pat, now, joke)
        with pytest.raises(Conflict):
            review.dismiss_report(conn, pat, now, joke)
        with pytest.raises(NotFound):
            review.dismiss_report(conn, pat, now, 999)
    queued = _queue(ctx, pat)
    assert [(r.id, r.merged_ids) for r in queued] == [(first, [second]), (pills, [])]
    assert queued[0].answers["what"] == "white powder sold as heroin"
    with ctx.db.transaction() as conn:
        review.restore_report(conn, pat, now, joke)
        review.unmerge_report(conn, pat, now, second)
    assert [r.id for r in _queue(ctx, pat)] == [first, second, joke, pills]
    assert [action for action, _, _ in _audit(ctx)] == [
        "supply_reports_merged", "supply_report_dismissed", "supply_report_restored",
        "supply_report_unmerged",
    ]  # fmt: skip
    assert _audit(ctx)[0] == ("supply_reports_merged", first, "1 merged in (api)")


def test_wording_check_refuses_quotes_slang_numbers_and_long_texts(ctx, sms, clock, wording):
    _report(sms, clock, "blue pills sold as oxy from the guy at the gas station on 5th")
    pat, other = actor(ctx), actor(ctx, "Other Peer")
    (queued,) = _queue(ctx, pat)
    now = clock.now()
    cases = {
        "Blue pills sold as oxy from the guy near 5th have fentanyl.": "word for word",
        "Fetty is in pills sold as oxycodone downtown.": "'fetty', which carriers may filter",
        "Bad pills downtown. Call 434-555-0199 for strips.": "phone number",
        "Pills downtown have fentanyl. " * 12: "segments",
        "Pills downtown have fentanyl. Reply YES for more.": "YES",
        "Addicts downtown are at risk.": "stigmatizing",
    }
    with ctx.db.transaction() as conn:
        draft = alerts.draft_alert(conn, pat, now, report_ids=[queued.id], zips="22902")
        for text, problem in cases.items():
            alerts.edit_alert(conn, pat, now, draft.id, text_en=text)
            check = sending.check_wording(conn, pat, now, draft.id, wording=wording, vault=ctx.vault)
            assert not check.ok and any(problem in p for p in check.problems), (text, check.problems)
            with pytest.raises(Invalid, match="wording check"):
                sending.approve_alert(conn, other, now, draft.id, wording=wording,
                                      vault=ctx.vault, two_person=True)  # fmt: skip
        alerts.edit_alert(
            conn, pat, now, draft.id, text_en="Pills downtown have fentanyl. Call SAMHSA 1-800-662-4357."
        )
        check = sending.check_wording(conn, pat, now, draft.id, wording=wording, vault=ctx.vault)
    assert check.ok, check.problems
    assert "2/2 segments" in check.notes[0] or "1/2 segments" in check.notes[0]
    assert "grade" in check.notes[0]


def test_two_person_approval(ctx, clock, wording):
    pat, sam, lee = actor(ctx, "Pat Peer"), actor(ctx, "Sam Admin", "admin"), actor(ctx, "Lee Peer")
    now = clock.now()
    with ctx.db.transaction() as conn:
        draft = alerts.draft_alert(conn, pat, now, report_ids=[], text_en=ALERT_EN, zips=["22902"])
        with pytest.raises(Conflict, match="second person must approve"):
            sending.send_alert(conn, pat, now, draft.id, wording=wording, vault=ctx.vault, two_person=True)
        with pytest.raises(Forbidden, match="second person"):
            sending.approve_alert(conn, pat, now, draft.id, wording=wording, vault=ctx.vault, two_person=True)
        approved = sending.approve_alert(
            conn, sam, now, draft.id, wording=wording, vault=ctx.vault, two_person=True
        )
        assert (approved.status, approved.approved_by) == ("approved", sam.staff_id)
        # An edit voids the approval, and its editor cannot approve it either.
        edited = alerts.edit_alert(conn, sam, now, draft.id, text_en=ALERT_EN + " Test first.")
        assert (edited.status, edited.approved_by) == ("draft", None)
        with pytest.raises(Forbidden):
            sending.approve_alert(conn, sam, now, draft.id, wording=wording, vault=ctx.vault, two_person=True)
        sending.approve_alert(conn, lee, now, draft.id, wording=wording, vault=ctx.vault,
                              two_person=True)  # fmt: skip
        sent = sending.send_alert(conn, pat, now, draft.id, wording=wording, vault=ctx.vault, two_person=True)
        assert (sent.status, sent.sent_by) == ("sending", pat.staff_id)
        with pytest.raises(Conflict, match="is sending"):
            sending.send_alert(conn, pat, now, draft.id, wording=wording, vault=ctx.vault, two_person=True)
        assert sending.cancel_alert(conn, sam, now, draft.id).status == "cancelled"
        with pytest.raises(IllegalTransition, match="is cancelled and cannot become cancelled"):
            sending.cancel_alert(conn, sam, now, draft.id)
    assert [action for action, _, _ in _audit(ctx)] == [
        "supply_alert_drafted", "supply_alert_approved", "supply_alert_edited", "supply_alert_approved",
        "supply_alert_sent", "supply_alert_cancelled",
    ]  # fmt: skip


def test_drafting_rules(ctx, sms, clock):
    _report(sms, clock, "pills")
    pat = actor(ctx)
    (queued,) = _queue(ctx, pat)
    now = clock.now()
    with ctx.db.transaction() as conn:
        with pytest.raises(Invalid, match="the future"):
            alerts.draft_alert(conn, pat, now, report_ids=[], expires_at=now - timedelta(minutes=1))
        with pytest.raises(Invalid, match="at most 30 days"):
            alerts.draft_alert(conn, pat, now, report_ids=[], expires_at=now + timedelta(days=31))
        with pytest.raises(Invalid, match="not US ZIP codes we know"):
            alerts.draft_alert(conn, pat, now, report_ids=[], zips="22902, 99999")
        with pytest.raises(Invalid, match="radius"):
            alerts.draft_alert(conn, pat, now, report_ids=[], center_zip="22902", radius_miles=500)
        with pytest.raises(NotFound):
            alerts.draft_alert(conn, pat, now, report_ids=[12345])
        draft = alerts.draft_alert(conn, pat, now, report_ids=[queued.id], center_zip="22902", radius_miles=5)
        assert "22902" in draft.zips and len(draft.zips) > 1 and draft.report_ids == [queued.id]
        assert draft.expires_at == now + timedelta(days=3)
        with pytest.raises(Conflict, match="still in the queue"):
            alerts.draft_alert(conn, pat, now, report_ids=[queued.id])
        cancelled = sending.cancel_alert(conn, pat, now, draft.id)
        assert cancelled.status == "cancelled"
        with pytest.raises(Conflict, match="only drafts"):
            alerts.edit_alert(conn, pat, now, draft.id, text_en="x")
    assert [r.id for r in _queue(ctx, pat)] == [queued.id]  # back in the queue


def test_a_texter_is_never_staff(ctx):
    from smsbot.actor import Actor, Door

    nobody = Actor(staff_id=None, role="texter", door=Door.SMS)
    with ctx.db.transaction() as conn, pytest.raises(Forbidden):
        review.list_reports(conn, nobody, ctx.clock.now(), vault=ctx.vault)


def test_numbers_without_surveillance(ctx, sms, clock, wording):
    seed_subscribers(ctx, 12, zips=("22902",))
    seed_subscribers(ctx, 3, zips=("22903",), start=100)
    _report(sms, clock, "pills")
    pat = actor(ctx)
    (queued,) = _queue(ctx, pat)
    clock.advance(hours=5)
    now = clock.now()
    with ctx.db.transaction() as conn:
        draft = alerts.draft_alert(conn, pat, now, report_ids=[queued.id], text_en=ALERT_EN, zips="22902")
        sending.send_alert(conn, pat, now, draft.id, wording=wording, vault=ctx.vault, two_person=False)
        figures = numbers.supply_numbers(conn, pat, now)
    assert figures.subscribers == "15"
    assert figures.subscribers_by_zip == [("22902", "12"), ("22903", "<5")]
    assert figures.reports == "<5" and figures.reports_waiting == "0"
    assert figures.alerts == {"sending": "<5"}
    assert figures.hours_to_alert is not None and 5.0 <= figures.hours_to_alert["median"] <= 5.2
    # Reports deleted by retention still count (daily counts), without their text.
    from smsbot.worker.retention import run_retention

    run_retention(ctx, now + timedelta(days=ctx.settings.retention_days + 1))
    with ctx.db.transaction() as conn:
        assert conn.execute(select(SupplyReport.__table__.c.id)).all() == []
        assert numbers.supply_numbers(conn, pat, now).reports == "<5"

"""The participants pages (issue 12): find people (search, state filter, sort, the archive), change any
detail with errors beside their fields and what was typed kept, and one stop action with two choices."""

from __future__ import annotations

import re

from sqlalchemy import select

from smsbot.models import Contact, Enrollment, Suppression
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PARTICIPANT, make_enrollment


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(ctx, enrollment_id: int):
    table = Enrollment.__table__
    with ctx.db.transaction() as conn:
        return conn.execute(select(table).where(table.c.id == enrollment_id)).one()


def test_search_filter_sort_and_the_archive(ctx, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    ids = {
        name: make_enrollment(ctx, peer.staff_id, phone=f"+155555503{n:02d}", nickname=name, active=n != 2)
        for n, name in enumerate(["Zed", "Amy", "Bo Jackson", "Amos"])
    }
    peer.post(f"/participants/{ids['Zed']}/stop", {"why": "stop"})
    peer.post(f"/participants/{ids['Amos']}/pause")

    current = _text(peer.get("/participants").text)
    assert "Zed" not in current and current.index("Amos") < current.index("Amy") < current.index("Bo Jackson")
    assert "3 participants: current" in current
    found = peer.get("/participants?q=am").text
    assert f'/participants/{ids["Amy"]}"' in found and f'/participants/{ids["Amos"]}"' in found
    assert f'/participants/{ids["Bo Jackson"]}"' not in found
    assert f'/participants/{ids["Bo Jackson"]}"' in peer.get("/participants?q=JACK").text
    paused = peer.get("/participants?show=paused").text
    assert f'/participants/{ids["Amos"]}"' in paused and f'/participants/{ids["Amy"]}"' not in paused
    invited = peer.get("/participants?show=invited").text
    assert f'/participants/{ids["Bo Jackson"]}"' in invited and f'/participants/{ids["Amy"]}"' not in invited
    archive = peer.get("/participants?show=stopped").text
    assert f'/participants/{ids["Zed"]}"' in archive and "Stopped" in archive
    by_status = _text(peer.get("/participants?sort=status").text)
    assert by_status.index("Amy") < by_status.index("Bo Jackson") < by_status.index("Amos")  # active first
    assert peer.get("/participants?show=nonsense&sort=nonsense&q=" + "x" * 500).status_code == 200
    stopped = peer.get(f"/participants/{ids['Zed']}")
    assert stopped.status_code == 200 and "Check-ins were stopped" in stopped.text  # found, not 404
    assert "Change details" not in stopped.text and "They asked for no more texts" in stopped.text


def test_every_detail_is_editable_and_errors_stand_beside_their_fields(ctx, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    admin = staff_browser("admin", name="Ada Admin")
    other = staff_browser("peer", name="Sam Lee", sign_in=False)
    eid = make_enrollment(ctx, peer.staff_id, nickname="Jay")
    url = f"/participants/{eid}/edit"
    form = peer.get(url).text
    assert 'value="Jay"' in form and 'id="days-every" name="days_mode" value="every" checked' in form
    assert ">Eastern (New York)</option>" in form and "America/New_York</option>" not in form
    assert 'id="staff_id"' not in form  # a peer does not move participants to other peers

    typed = {
        "nickname": "Jay",
        "time": "7pm-ish",
        "days_mode": "some",
        "days": [],
        "timezone": "America/Chicago",
    }
    bad = peer.post(url, {**typed, "reply_window_minutes": "2", "language": "es"})
    assert bad.status_code == 422
    html = bad.text
    for field in ("time", "days", "reply_window_minutes"):
        assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    assert (
        html.index('href="#time"') < html.index('href="#days"') < html.index('href="#reply_window_minutes"')
    )
    assert 'aria-invalid="true" aria-describedby="time-error time-hint"' in html
    assert 'value="7pm-ish"' in html and 'value="America/Chicago" selected' in html  # kept as typed
    assert "String should" not in html and "Value error" not in html
    assert _row(ctx, eid).local_time == "18:00"  # nothing changed

    good = {**typed, "time": "07:30", "days": ["sat", "sun"], "reply_window_minutes": "45", "language": "es"}
    assert (
        peer.post(url, {**good, "nickname": "Jay R"}).headers["location"] == f"/participants/{eid}?done=saved"
    )
    row = _row(ctx, eid)
    assert (row.nickname, row.local_time, row.days, row.timezone, row.reply_window_minutes) == (
        "Jay R", "07:30", "sat,sun", "America/Chicago", 45,
    )  # fmt: skip
    with ctx.db.transaction() as conn:
        assert conn.execute(select(Contact.__table__.c.language)).scalar_one() == "es"
    page = _text(peer.get(f"/participants/{eid}").text)
    assert "7:30 AM on Sat, Sun" in page and "Central (Chicago)" in page and "Español" in page
    peer.post(url, {**good, "nickname": "Jay R", "days_mode": "every", "days": ["sat"]})
    assert _row(ctx, eid).days == "mon,tue,wed,thu,fri,sat,sun"
    assert "7:30 AM every day" in _text(peer.get(f"/participants/{eid}").text)

    moved = admin.post(url, {**good, "nickname": "Jay R", "staff_id": str(other.staff_id)})
    assert moved.status_code == 303 and _row(ctx, eid).staff_id == other.staff_id
    assert peer.get(url).status_code == 404  # no longer the peer's participant


def test_the_enroll_page_keeps_everything_typed_and_says_each_problem(ctx, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    page = peer.get("/participants/new").text
    assert 'id="phone"' in page and "Numbers in the United States only" in page
    refused = peer.post(
        "/participants",
        {"phone": "07700 900123", "nickname": "", "time": "18:00", "days_mode": "every", "language": "en"},
    )
    assert refused.status_code == 422
    assert 'href="#phone" autofocus' in refused.text and 'href="#nickname"' in refused.text
    assert 'value="07700 900123"' in refused.text
    assert "<title>Error: Enroll a participant" in refused.text


def test_one_stop_action_explains_its_two_choices(ctx, staff_browser):
    peer = staff_browser("peer", name="Pat Peer")
    first = make_enrollment(ctx, peer.staff_id, nickname="Jay")
    second = make_enrollment(ctx, peer.staff_id, phone=OTHER_PARTICIPANT, nickname="Kim")
    page = peer.get(f"/participants/{first}")
    assert page.text.count('/stop"') == 1 and "They asked for no more texts" not in page.text
    choice = _text(peer.get(f"/participants/{first}/stop").text)
    assert "Stop check-ins" in choice and "No more texts from the line at all" in choice
    assert "The same as if they texted STOP" in choice and "enroll them again later" in choice

    peer.post(f"/participants/{first}/stop", {"why": "stop"})
    assert _row(ctx, first).status == "ended"
    with ctx.db.transaction() as conn:
        assert conn.execute(select(Suppression.__table__)).all() == []  # they may still text the line
    peer.post(f"/participants/{second}/stop", {"why": "no-texts"})
    assert _row(ctx, second).status == "stopped"
    with ctx.db.transaction() as conn:
        assert len(conn.execute(select(Suppression.__table__)).all()) == 1
    again = peer.post(f"/participants/{first}/stop", {"why": "stop"})
    assert again.status_code == 409 and "have stopped" in again.text  # said on the page, not a crash
    assert PARTICIPANT not in again.text

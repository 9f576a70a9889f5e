"""The admins' pages: the directory (import, search, edit, delete), wording, numbers and staff."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

from sqlalchemy import select

from smsbot.models import Checkin, DailyCount, Service
from smsbot.replies.checker import check_packs
from smsbot.replies.wording import PACKS_DIR, load_packs
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import PEER_PHONE, audit_rows, make_enrollment


def _rows(ctx, model, *where):
    table = model.__table__
    with ctx.db.transaction() as conn:
        return conn.execute(select(table).where(*where)).all()


def _text(html: str) -> str:
    return re.sub(r"\s+([:,.])", r"\1", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


DIRECTORY_CSV = """id,name,categories,address,city,state,zip,hours
a1,Riverside Naloxone Point,naloxone,1 Main St,Charlottesville,VA,22902,Mo-Fr 09:00-17:00
a2,Downtown Drop-In,drop_in;naloxone,2 Water St,Charlottesville,VA,22902,
a3,Nowhere Clinic,,3 Nowhere Rd,Nowhere,VA,,
"""


def test_admins_import_search_edit_and_delete_services(ctx, staff_browser):
    admin = staff_browser("admin")
    files = {"file": ("services.csv", DIRECTORY_CSV.encode(), "text/csv")}
    result = admin.post("/directory/import", {}, files=files)
    assert result.status_code == 200
    text = _text(result.text)
    assert "csv: added 2, updated 0, skipped 1 (" in text
    assert (
        "Row warnings" in text and "Nowhere" not in text.split("Row warnings")[0].split("Import finished")[0]
    )
    assert "updated 2" in _text(admin.post("/directory/import", {}, files=files).text)  # never duplicates
    assert len(_rows(ctx, Service)) == 2
    assert [r.detail for r in audit_rows(ctx, "directory_imported")][0].startswith("page: csv: added 2")
    refused = admin.post(
        "/directory/import", {}, files={"file": ("x.exe", b"MZ", "application/octet-stream")}
    )
    assert refused.status_code == 422 and "Upload a .csv file" in refused.text  # on the Directory page

    found = admin.get("/directory?q=drop").text
    assert "Downtown Drop-In" in found and "Riverside" not in found
    service_id = next(r.id for r in _rows(ctx, Service) if r.name == "Downtown Drop-In")
    form = admin.get(f"/directory/{service_id}").text
    assert 'value="Downtown Drop-In"' in form
    fields = {
        "name": "Downtown Drop-In Center",
        "address": "2 Water St",
        "city": "Charlottesville",
        "state": "VA",
        "zip": "22902",
        "hours": "Mo-Su 08:00-20:00",
        "categories": ["drop_in", "naloxone"],
    }
    current = admin.get(f"/directory/{service_id}").text
    lat = re.search(r'name="latitude" value="([^"]*)"', current).group(1)
    lon = re.search(r'name="longitude" value="([^"]*)"', current).group(1)
    saved = admin.post(f"/directory/{service_id}", {**fields, "latitude": lat, "longitude": lon})
    assert saved.headers["location"] == f"/directory/{service_id}?done=saved"
    assert _rows(ctx, Service, Service.__table__.c.id == service_id)[0].name == "Downtown Drop-In Center"
    bad = admin.post(
        f"/directory/{service_id}", {**fields, "latitude": lat, "longitude": lon, "hours": "sometimes"}
    )
    assert bad.status_code == 422
    assert admin.post(f"/directory/{service_id}/delete").headers["location"] == "/directory?done=deleted"
    assert [r.action for r in audit_rows(ctx) if r.object_type == "service"] == [
        "service_changed",
        "service_deleted",
    ]


def test_the_wording_page_shows_every_reply_and_the_same_problems_as_content_check(
    ctx, client, tmp_path, staff_browser
):
    admin = staff_browser("admin")
    page = admin.get("/wording").text
    packs = load_packs(None)
    for key in packs["en"].entries:
        assert f'id="reply-{key}"' in page
    assert "GSM-7" in page and "UCS-2" in page and "of 2 segments" in page and "of 3 segments" in page
    problems, _ = check_packs(packs)
    assert ("OK: no problems." in page) == (not problems)

    broken = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, broken)
    en = (broken / "en.toml").read_text()
    (broken / "en.toml").write_text(
        en.replace('[menu]\ntext = """', '[menu]\ntext = """' + "Long words. " * 30, 1)
    )
    ctx.settings = ctx.settings.model_copy(update={"wording_dir": broken})
    expected, _ = check_packs(load_packs(broken))
    page = admin.get("/wording").text
    assert expected and f"{len(expected)} problem" in page
    assert "segments (GSM-7" in page or "segments" in expected[0]
    for problem in expected:
        assert problem.replace("'", "&#39;").replace('"', "&#34;") in page


def _count_cells(html: str) -> list[str]:
    return re.findall(r"<tr><td>[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d</td><td>([^<]*)</td></tr>", html)


def test_numbers_are_aggregate_and_never_show_a_count_from_1_to_4(ctx, clock, staff_browser):
    admin = staff_browser("admin")
    peer = staff_browser("peer")
    enrollment_id = make_enrollment(ctx, peer.staff_id)
    now = clock.now()
    with ctx.db.transaction() as conn:
        for day in range(3):  # 3 check-ins sent, 2 answered: both under 5
            conn.execute(
                Checkin.__table__.insert().values(
                    enrollment_id=enrollment_id,
                    scheduled_for=now - timedelta(days=day, hours=1),
                    created_at=now,
                    status="answered" if day else "no_reply",
                    answered_at=now - timedelta(days=day) if day else None,
                )
            )
        conn.execute(
            DailyCount.__table__.insert().values(
                day=(now - timedelta(days=2)).date().isoformat(), name="inbound:naloxone", count=12
            )
        )
        conn.execute(
            DailyCount.__table__.insert().values(
                day=(now - timedelta(days=3)).date().isoformat(), name="inbound:heart", count=2
            )
        )
    page = admin.get("/numbers").text
    cells = _count_cells(page)
    assert cells and all(c == "&lt;5" or int(c) >= 5 or c == "0" for c in cells)
    assert "0" in cells and "&lt;5" in cells  # issue 12: zero is shown as zero
    assert "12" in cells  # a real count of 5 or more is shown as it is
    assert "total &lt;5" in page  # 3 check-ins sent
    assert re.search(r"<td>heart</td><td>&lt;5</td>", page) and re.search(
        r"<td>naloxone</td><td>12</td>", page
    )
    titles = re.findall(r"<title>[A-Z][a-z]{2} \d\d: ([^<]*)</title>", page)
    assert titles and all(t == "&lt;5" or int(t) >= 5 for t in titles)
    assert "Answer rate</dt><dd>not enough yet" in page  # 2 of 3 would tell too much
    assert len(_count_cells(admin.get("/numbers?days=90").text)) == 90 * 5
    other = admin.get("/numbers?days=7")  # anything else: the 30-day view, and a word on what to choose
    assert other.status_code == 422 and "Choose the last 30 or 90 days" in other.text
    assert peer.get("/numbers").status_code == 403


def test_staff_page_adds_an_account_and_shows_its_secrets_once(ctx, staff_browser):
    admin = staff_browser("admin")
    page = admin.post("/staff", {"name": "Nia New", "role": "peer", "phone": PEER_PHONE, "on_call": "on"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    password = page.text.split('id="one-time-password">')[1].split("<")[0]
    listing = admin.get("/staff").text
    assert "Nia New" in listing and "on call" in listing and "ends in 0177" in listing
    assert password not in listing and PEER_PHONE not in listing
    assert admin.post("/staff", {"name": "Bad Phone", "phone": "12"}).status_code == 422
    [row] = audit_rows(ctx, "staff_created")
    assert row.detail == "page; role peer, on call"  # the door, then what changed

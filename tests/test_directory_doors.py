"""One directory, three doors: the same change (add, edit, delete, import a file) through the API, the
dashboard and the command line leaves the same rows and exactly one audit row, naming its door.
A peer's attempts to change it are refused (403) and change nothing; ids past any integer column
answer 404 or 422 on every {id} route, never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from smsbot.models import Service, ServiceCategory
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import audit_rows
from tests.directory_support import form_fields

SERVICE = {
    "name": "Rivanna Harm Reduction Hub",
    "categories": ["naloxone", "test_strips"],
    "organization": "Rivanna Health",
    "address": "410 E Market St",
    "city": "Charlottesville",
    "state": "VA",
    "zip": "22902",
    "phone": "(434) 555-0141 ext. 12",
    "hours": "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
    "notes": "Walk in.",
    "languages": "Spanish",
}
CHANGE = {"name": "Rivanna Hub", "hours": "24/7", "zip": "22903", "categories": ["naloxone", "drop_in"]}
CSV = (
    "id,name,categories,address,city,state,zip,latitude,longitude,phone,hours,last_verified\n"
    "r1,Riverside Naloxone Point,naloxone,1 Main St,Charlottesville,VA,22902,38.03,-78.48,"
    "434-555-0100,Mo-Fr 09:00-17:00,2026-01-15\n"
    "r2,Café Drop-In,drop_in;naloxone,2 Water St,Charlottesville,VA,22902,,,,,\n"
    "r3,Nowhere,,3 Nowhere Rd,Nowhere,VA,,,,,,\n"
)
IGNORED = {"id", "source_id", "created_at", "updated_at", "imported_at"}
DOORS = ("api", "page", "command line")


@pytest.fixture
def doors(ctx, client, staff_token, staff_browser):
    """An admin at each door: a token for the API, a signed-in browser, the command line."""
    token = staff_token(role="admin", name="Ada Admin")
    return {
        "api": {"Authorization": f"Bearer {token}"},
        "page": staff_browser("admin", name="Abe Admin"),
        "cli": CliRunner(),
    }


def _cli(runner: CliRunner, *args: str) -> str:
    from smsbot import cli

    result = runner.invoke(cli.app, ["directory", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(ctx) -> list[dict]:
    """Every service as stored, with its categories, without what differs by nature (ids, times)."""
    s, sc = Service.__table__, ServiceCategory.__table__
    with ctx.db.transaction() as conn:
        services = conn.execute(select(s).order_by(s.c.name)).all()
        categories = conn.execute(select(sc).order_by(sc.c.category)).all()
    found = []
    for row in services:
        values = {k: v for k, v in row._mapping.items() if k not in IGNORED}
        values["categories"] = [
            (c.category, c.lat_band, c.latitude) for c in categories if c.service_id == row.id
        ]
        found.append(values)
    return found


def _wipe(ctx) -> None:
    with ctx.db.transaction() as conn:
        conn.execute(delete(ServiceCategory.__table__))
        conn.execute(delete(Service.__table__))


def _create(door: str, doors: dict, client) -> int:
    if door == "api":
        body = {**SERVICE, "languages": ["es"]}
        response = client.post("/api/services", json=body, headers=doors["api"])
        assert response.status_code == 201, response.text
        return response.json()["id"]
    if door == "page":
        response = doors["page"].post("/directory/new", SERVICE)
        assert response.status_code == 303, response.text
        return int(response.headers["location"].split("/")[2].split("?")[0])
    options = [f"--{k}={v}" for k, v in SERVICE.items() if k not in ("name", "categories", "zip")]
    options = [o.replace("--phone=(434) 555-0141 ext. 12", "--phone=434-555-0141 x12") for o in options]
    out = _cli(
        doors["cli"],
        "add",
        SERVICE["name"],
        "-c",
        "naloxone",
        "-c",
        "test_strips",
        "--zip",
        "22902",
        *options,
    )
    return int(out.split("\t")[0])


def _edit(door: str, doors: dict, client, service_id: int) -> None:
    if door == "api":
        response = client.patch(f"/api/services/{service_id}", json=CHANGE, headers=doors["api"])
        assert response.status_code == 200, response.text
    elif door == "page":
        browser = doors["page"]
        fields = form_fields(browser.get(f"/directory/{service_id}").text)  # the whole form, as shown
        response = browser.post(f"/directory/{service_id}", {**fields, **CHANGE})
        assert response.status_code == 303, response.text
    else:
        _cli(
            doors["cli"],
            "edit",
            str(service_id),
            "--name",
            "Rivanna Hub",
            "--hours",
            "24/7",
            "--zip",
            "22903",
            "-c",
            "naloxone",
            "-c",
            "drop_in",
        )


def _delete(door: str, doors: dict, client, service_id: int) -> None:
    if door == "api":
        assert client.delete(f"/api/services/{service_id}", headers=doors["api"]).status_code == 204
    elif door == "page":
        assert doors["page"].post(f"/directory/{service_id}/delete").status_code == 303
    else:
        _cli(doors["cli"], "delete", str(service_id))


def _import(door: str, doors: dict, client, tmp_path) -> None:
    path = tmp_path / "services.csv"
    path.write_bytes(CSV.encode("cp1252"))  # as Excel saves it
    if door == "api":
        files = {"file": ("services.csv", path.read_bytes(), "text/csv")}
        response = client.post("/api/services/import", files=files, headers=doors["api"])
        assert response.status_code == 200, response.text
        assert response.json()["encoding"] == "Windows-1252"
    elif door == "page":
        files = {"file": ("services.csv", path.read_bytes(), "text/csv")}
        response = doors["page"].post("/directory/import", {}, files=files)
        assert response.status_code == 200 and "read as Windows-1252" in response.text
    else:
        assert "csv: added 2, updated 0, skipped 1" in _cli(doors["cli"], "import", str(path))


def _audit(ctx, action: str) -> list[str]:
    return [row.detail for row in audit_rows(ctx, action)]


def test_add_edit_and_delete_leave_the_same_rows_and_one_audit_row_whichever_door(ctx, client, doors):
    snapshots, ids = [], {}
    for door in DOORS:
        _wipe(ctx)
        ids[door] = _create(door, doors, client)
        snapshots.append(_rows(ctx))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    created = snapshots[0][0]
    assert (created["source"], created["phone"], created["phone_extension"]) == (
        "local",
        "434-555-0141",
        "12",
    )
    assert (created["languages"], created["location_kind"]) == ("es", "zip_centre")
    assert [d.split(":")[0] for d in _audit(ctx, "service_created")] == list(DOORS)

    snapshots = []
    for door in DOORS:
        _wipe(ctx)
        service_id = _create(door, doors, client)
        _edit(door, doors, client, service_id)
        snapshots.append(_rows(ctx))
    for other in snapshots[1:]:
        assert {k: v for k, v in other[0].items() if v != snapshots[0][0][k]} == {}
    edited = snapshots[0][0]
    assert (edited["name"], edited["zip"], edited["timezone"]) == ("Rivanna Hub", "22903", "America/New_York")
    assert [c[0] for c in edited["categories"]] == ["drop_in", "naloxone"]
    assert edited["edited_fields"] == '["categories", "hours", "name", "zip"]'
    changed = _audit(ctx, "service_changed")
    assert changed == [f"{door}: categories, hours, name, zip" for door in DOORS]  # one each

    for door in DOORS:
        _wipe(ctx)
        service_id = _create(door, doors, client)
        _delete(door, doors, client, service_id)
        assert _rows(ctx) == []
    assert [d.split(":")[0] for d in _audit(ctx, "service_deleted")] == list(DOORS)


def test_saving_a_form_nobody_changed_writes_nothing(ctx, client, doors):
    service_id = _create("page", doors, client)
    browser = doors["page"]
    before = _rows(ctx)
    fields = form_fields(browser.get(f"/directory/{service_id}").text)
    assert browser.post(f"/directory/{service_id}", fields).status_code == 303
    assert (
        client.patch(f"/api/services/{service_id}", json={"zip": "22902"}, headers=doors["api"]).status_code
        == 200
    )
    assert _rows(ctx) == before and _audit(ctx, "service_changed") == []


def test_importing_a_file_leaves_the_same_rows_and_one_audit_row_whichever_door(ctx, client, doors, tmp_path):
    snapshots = []
    for door in DOORS:
        _wipe(ctx)
        _import(door, doors, client, tmp_path)
        snapshots.append(_rows(ctx))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert [row["name"] for row in snapshots[0]] == ["Café Drop-In", "Riverside Naloxone Point"]
    assert _audit(ctx, "directory_imported") == [
        f"{door}: csv: added 2, updated 0, skipped 1 (2 warnings)" for door in DOORS
    ]


def test_a_dry_run_writes_no_audit_row(ctx, doors, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(CSV)
    assert "would add 2" in _cli(doors["cli"], "import", str(path), "--dry-run")
    assert _rows(ctx) == [] and _audit(ctx, "directory_imported") == []


def test_removing_the_demo_is_one_audited_change_at_every_door(ctx, client, doors):
    for door in DOORS:
        _cli(doors["cli"], "demo")
        demo = len(_rows(ctx))
        if door == "api":
            response = client.post("/api/services/remove-demo", headers=doors["api"])
            assert response.json() == {"removed": demo}
        elif door == "page":
            assert (
                doors["page"].post("/directory/remove-demo").headers["location"]
                == "/directory?done=demo-removed"
            )
        else:
            assert _cli(doors["cli"], "remove-demo").strip() == f"removed {demo} demo services"
        assert _rows(ctx) == []
    assert _audit(ctx, "directory_demo_removed") == [f"{door}: {demo} demo services" for door in DOORS]
    assert _cli(doors["cli"], "remove-demo").strip() == "removed 0 demo services"  # nothing: no row
    assert len(_audit(ctx, "directory_demo_removed")) == 3


def test_a_peer_cannot_change_the_directory_at_any_door(
    ctx, client, doors, staff_token, staff_browser, tmp_path
):
    service_id = _create("api", doors, client)
    api = {"Authorization": f"Bearer {staff_token(role='peer', name='Pat Peer')}"}
    peer = staff_browser("peer", name="Pia Peer")
    before, audited = _rows(ctx), len(audit_rows(ctx))
    files = {"file": ("services.csv", CSV.encode(), "text/csv")}
    assert client.post("/api/services", json=SERVICE, headers=api).status_code == 403
    assert client.patch(f"/api/services/{service_id}", json=CHANGE, headers=api).status_code == 403
    assert client.delete(f"/api/services/{service_id}", headers=api).status_code == 403
    assert client.post("/api/services/import", files=files, headers=api).status_code == 403
    assert client.post("/api/services/remove-demo", headers=api).status_code == 403
    assert peer.post("/directory/new", SERVICE).status_code == 403
    assert peer.post(f"/directory/{service_id}", {**SERVICE, **CHANGE}).status_code == 403
    assert peer.post(f"/directory/{service_id}/delete").status_code == 403
    assert peer.post("/directory/import", {}, files=files).status_code == 403
    assert peer.post("/directory/remove-demo").status_code == 403
    assert _rows(ctx) == before and len(audit_rows(ctx)) == audited
    # ... while reading it is theirs too: the service, the list, what a texter would get.
    assert client.get(f"/api/services/{service_id}", headers=api).status_code == 200
    assert peer.get(f"/directory/{service_id}").status_code == 200
    assert "Rivanna Harm Reduction Hub" in peer.get("/directory?zip=22902&need=naloxone").text


@pytest.mark.parametrize("number", [2**31, 2**31 + 1, 2**63, 2**63 + 1, 10**30, -(2**63) - 1])
def test_ids_past_any_integer_are_not_found_never_500(client, doors, number):
    api, page = doors["api"], doors["page"]
    answers = [
        client.get(f"/api/services/{number}", headers=api).status_code,
        client.patch(f"/api/services/{number}", json={"name": "X"}, headers=api).status_code,
        client.delete(f"/api/services/{number}", headers=api).status_code,
        page.get(f"/directory/{number}").status_code,
        page.post(f"/directory/{number}", SERVICE).status_code,
        page.post(f"/directory/{number}/delete").status_code,
    ]
    assert set(answers) <= {404, 422}, answers
    result = CliRunner().invoke(
        __import__("smsbot.cli", fromlist=["app"]).app, ["directory", "delete", str(number)]
    )
    assert result.exit_code in (1, 2) and "Traceback" not in result.output


def test_a_missing_service_is_a_404_with_words_at_every_door(client, doors):
    api, page = doors["api"], doors["page"]
    missing = client.patch("/api/services/9999", json={"name": "X"}, headers=api)
    assert missing.status_code == 404 and missing.json() == {
        "detail": "There is no such service in the directory."
    }
    assert page.post("/directory/9999/delete").status_code == 404
    from smsbot import cli

    result = CliRunner().invoke(cli.app, ["directory", "delete", "9999"])
    assert result.exit_code == 1 and "There is no such service in the directory." in result.output


def test_the_same_list_under_a_new_source_name_is_flagged(ctx, doors, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(CSV)
    _cli(doors["cli"], "import", str(path))
    from smsbot import cli

    again = CliRunner().invoke(cli.app, ["directory", "import", str(path), "--source", "county list"])
    assert again.exit_code == 0, again.output
    assert "2 of these services have the same name and ZIP as services from the source “csv”" in again.output
    assert len(_rows(ctx)) == 4  # said, not hidden: both lists are kept as imported


def test_a_phone_written_with_its_extension_is_no_change_when_it_says_the_same(ctx, client, doors):
    service_id = _create("api", doors, client)  # 434-555-0141, extension 12
    same = client.patch(
        f"/api/services/{service_id}", json={"phone": "(434) 555-0141 x12"}, headers=doors["api"]
    )
    assert same.status_code == 200 and _audit(ctx, "service_changed") == []
    moved = client.patch(
        f"/api/services/{service_id}", json={"phone": "434-555-0141 ext. 9"}, headers=doors["api"]
    )
    assert (moved.json()["phone"], moved.json()["phone_extension"]) == ("434-555-0141", "9")
    assert _audit(ctx, "service_changed") == ["api: phone_extension"]

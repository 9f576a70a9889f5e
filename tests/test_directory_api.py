"""`/api/services`: any staff may ask what the directory answers; only admins may change it."""

from __future__ import annotations

import pytest

NEW = {
    "name": "Rivanna Harm Reduction Hub",
    "categories": ["naloxone", "drug checking"],
    "address": "410 E Market St",
    "city": "Charlottesville",
    "state": "VA",
    "zip": "22902",
    "latitude": 38.0309,
    "longitude": -78.4778,
    "phone": "(434) 555-0141",
    "hours": "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
    "notes": "Walk in.",
}


@pytest.fixture
def admin(staff_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(role='admin', name='Ada Admin')}"}


@pytest.fixture
def peer(staff_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(role='peer', name='Pat Peer')}"}


def test_admin_creates_a_service_and_any_staff_sees_it_near_a_zip(client, admin, peer):
    created = client.post("/api/services", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["categories"] == ["naloxone", "test_strips"]
    assert body["phone"] == "434-555-0141" and body["hours"] == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    assert body["timezone"] == "America/New_York" and body["source"] == "local" and body["is_demo"] is False

    near = client.get("/api/services", params={"zip": "22902", "category": "naloxone"}, headers=peer)
    assert near.status_code == 200
    answer = near.json()
    assert [s["name"] for s in answer["services"]] == ["Rivanna Harm Reduction Hub"]
    assert answer["services"][0]["miles"] == pytest.approx(0.33, abs=0.01)
    assert answer["services"][0]["open_now"] is True  # Wednesday 10:00 in Charlottesville
    assert answer["reply"].startswith("Naloxone near you:\n1) Rivanna Harm Reduction Hub, 410 E Market St")

    elsewhere = client.get("/api/services", params={"zip": "10001", "category": "naloxone"}, headers=peer)
    assert elsewhere.json()["services"] == [] and "1-800-662-4357" in elsewhere.json()["reply"]
    listed = client.get("/api/services", params={"category": "test_strips"}, headers=peer).json()
    assert [s["id"] for s in listed["services"]] == [body["id"]]


def test_peers_may_not_change_the_directory(client, admin, peer):
    assert client.post("/api/services", json=NEW, headers=peer).status_code == 403
    service_id = client.post("/api/services", json=NEW, headers=admin).json()["id"]
    assert client.patch(f"/api/services/{service_id}", json={"name": "X"}, headers=peer).status_code == 403
    assert client.delete(f"/api/services/{service_id}", headers=peer).status_code == 403
    assert client.get(f"/api/services/{service_id}", headers=peer).json()["name"] == NEW["name"]


def test_signed_out_callers_get_401(client):
    assert client.get("/api/services", params={"zip": "22902"}).status_code == 401
    assert client.post("/api/services", json=NEW).status_code == 401


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"latitude": 100}, "The latitude must be between -90 and 90."),
        ({"longitude": -200}, "The longitude must be between -180 and 180."),
        ({"latitude": "north"}, "The latitude is a number like 38.0293."),
        ({"categories": ["pizza"]}, "“pizza” is not one of the categories: naloxone, test strips,"),
        ({"categories": []}, "Choose at least one category."),
        ({"categories": 5}, "Give a list of names."),
        ({"name": ""}, "Give the service a name."),
        ({"name": "x" * 201}, "Keep the name to 200 characters or fewer (it has 201)."),
        ({"hours": "whenever"}, "We can't read these opening hours. Write days and times like Mo-Fr"),
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list"),
        ({"latitude": None, "longitude": None, "zip": "99999"}, "99999 is not a US ZIP code we know."),
        ({"latitude": None, "longitude": None, "zip": None}, "Give a ZIP code (or latitude and longitude)"),
        ({"longitude": None}, "Give the longitude too"),
        ({"colour": "blue"}, "A service has no field “colour”."),
        ({"phone": "+44 20 7946 0958"}, "Give a US phone number with its area code"),
        ({"phone": "4345550199x"}, "Write the phone number with digits"),
        ({"last_verified": "2026-13-01"}, "Write the date like 2026-03-04."),
        ({"last_verified": "2027-01-01"}, "can't be in the future"),
        ({"location_kind": "moon"}, "Choose where it is"),
    ],
)
def test_bad_input_is_a_clear_422(client, admin, change, reason):
    response = client.post("/api/services", json={**NEW, **change}, headers=admin)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and reason in detail
    for developer_words in ("Value error", "Input should", "String should", "codec", "Extra inputs"):
        assert developer_words not in detail
    assert "44 20" not in detail and "0199" not in detail  # a number typed is never echoed


def test_without_coordinates_a_service_sits_at_its_zip(client, admin):
    body = {k: v for k, v in NEW.items() if k not in ("latitude", "longitude")}
    created = client.post("/api/services", json=body, headers=admin).json()
    assert (created["latitude"], created["longitude"]) == (38.0266, -78.4805)


def test_admin_updates_and_deletes(client, admin, peer):
    service_id = client.post("/api/services", json=NEW, headers=admin).json()["id"]

    patched = client.patch(
        f"/api/services/{service_id}",
        json={"categories": ["syringe services"], "hours": "24/7"},
        headers=admin,
    )
    assert patched.status_code == 200
    assert patched.json()["categories"] == ["syringe_services"] and patched.json()["hours"] == "24/7"
    assert patched.json()["name"] == NEW["name"]  # untouched fields stay
    bad = client.patch(f"/api/services/{service_id}", json={"latitude": 100}, headers=admin)
    assert bad.status_code == 422
    sites = client.get("/api/services", params={"zip": "22902", "category": "sites"}, headers=peer).json()
    assert [s["id"] for s in sites["services"]] == [service_id]

    assert client.delete(f"/api/services/{service_id}", headers=admin).status_code == 204
    assert client.get(f"/api/services/{service_id}", headers=peer).status_code == 404
    assert client.delete(f"/api/services/{service_id}", headers=admin).status_code == 404
    assert client.patch(f"/api/services/{service_id}", json={"name": "X"}, headers=admin).status_code == 404


def test_unknown_zip_or_category_in_a_search_is_422(client, peer):
    assert client.get("/api/services", params={"zip": "99999"}, headers=peer).status_code == 422
    assert (
        client.get("/api/services", params={"zip": "22902", "category": "pizza"}, headers=peer).status_code
        == 422
    )


def test_an_import_through_the_api_answers_with_its_summary_or_a_reason(client, admin):
    rows = "id,name,categories,zip\nc1,Café Uno,naloxone,22902\nc2,No Category,,22902\n"
    files = {"file": ("services.csv", rows.encode("cp1252"), "text/csv")}
    done = client.post("/api/services/import", files=files, data={"source": "county"}, headers=admin)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["source"], body["encoding"], body["added"], body["skipped"]) == (
        "county",
        "Windows-1252",
        1,
        1,
    )
    assert body["summary"].startswith("csv: added 1, updated 0, skipped 1")
    dry = client.post("/api/services/import", files=files, data={"dry_run": "true"}, headers=admin).json()
    assert dry["dry_run"] is True and dry["summary"].startswith("csv: would add 1")

    bad = {"file": ("services.csv", b"title,where\nx,y\n", "text/csv")}
    refused = client.post("/api/services/import", files=bad, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("This file cannot be imported: services.csv: the first line")
    long_source = client.post("/api/services/import", files=files, data={"source": "x" * 65}, headers=admin)
    assert long_source.status_code == 422 and "64 characters" in long_source.json()["detail"]


def test_the_command_line_says_what_is_wrong_in_the_same_words(ctx):
    from typer.testing import CliRunner

    from smsbot import cli

    runner = CliRunner()
    bad = runner.invoke(
        cli.app, ["directory", "add", "X", "-c", "naloxone", "--zip", "99999", "--phone", "555"]
    )
    assert bad.exit_code == 2
    assert "99999 is not a US ZIP code we know." in bad.output and "Give a US phone number" in bad.output
    assert "Traceback" not in bad.output and "7946" not in bad.output  # the number typed is not echoed
    unknown_zip = runner.invoke(cli.app, ["directory", "near", "99999"])
    assert unknown_zip.exit_code == 2 and "Give a 5-digit US ZIP code we know" in unknown_zip.output

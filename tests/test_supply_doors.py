"""Merge and dismiss through every door: reports texted in, then the same steps through the API (peer and
admin tokens) and `smsbot supply ...`, on SQLite and PostgreSQL. Each door makes the change the page
makes, with one audit row naming the door; bad input is refused in words (4xx, exit 1 or 2), never a
500 or a traceback; nothing a reporter wrote is printed on the terminal."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from smsbot import cli
from tests.checkins_fixtures import peer  # noqa: F401  (fixture)
from tests.dashboard_fixtures import audit_rows
from tests.test_supply_pages import _report

REPORTERS = ("+15555550161", "+15555550162", "+15555550163")
WHAT = ("blue pills sold as oxy", "blue 30s sold as percs", "a joke about the bus")


@pytest.fixture
def three(sms, clock, peer):  # noqa: F811
    """Three reports in the queue (two about one batch, one joke); their ids, oldest first."""
    for what, number in zip(WHAT, REPORTERS, strict=True):
        _report(sms, clock, what, from_=number)
    pat = peer("Pat Peer", phone=None)
    return sorted(report["id"] for report in pat.get("/api/supply/reports").json())


def _smsbot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["supply", *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _audit(ctx) -> list[tuple[str, int, str]]:
    return [
        (row.action, row.object_id, row.detail) for row in audit_rows(ctx) if row.action.startswith("supply_")
    ]


def test_the_api_merges_dismisses_restores_and_unmerges(ctx, three, peer):  # noqa: F811
    first, second, joke = three
    pat = peer("Lee Peer", phone=None)
    merged = pat.post(f"/api/supply/reports/{first}/merge", json={"report_ids": [second]})
    assert merged.status_code == 200, merged.text
    assert (merged.json()["status"], merged.json()["merged_ids"]) == ("new", [second])
    assert merged.json()["answers"]["what"] == WHAT[0]
    queue = pat.get("/api/supply/reports").json()
    assert [r["id"] for r in queue] == [joke, first]  # newest first; the merged one left the queue
    assert pat.get(f"/api/supply/reports/{second}").json()["merged_into_id"] == first

    dismissed = pat.post(f"/api/supply/reports/{joke}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert [r["id"] for r in pat.get("/api/supply/reports?status=dismissed").json()] == [joke]
    assert pat.post(f"/api/supply/reports/{joke}/restore").json()["status"] == "new"
    assert pat.post(f"/api/supply/reports/{second}/unmerge").json()["status"] == "new"
    assert sorted(r["id"] for r in pat.get("/api/supply/reports").json()) == [first, second, joke]
    assert _audit(ctx) == [
        ("supply_reports_merged", first, "1 merged in (api)"),
        ("supply_report_dismissed", joke, "0 merged with it (api)"),
        ("supply_report_restored", joke, "back in the queue (api)"),
        ("supply_report_unmerged", second, "back in the queue (api)"),
    ]


def test_dismissing_a_merged_report_takes_its_merged_ones_with_it_for_an_admin_too(ctx, three, peer):  # noqa: F811
    first, second, joke = three
    ada = peer("Ada Admin", phone=None, role="admin")
    assert (
        ada.post(f"/api/supply/reports/{first}/merge", json={"report_ids": [second, joke]}).status_code == 200
    )
    gone = ada.post(f"/api/supply/reports/{first}/dismiss").json()
    assert gone["status"] == "dismissed" and gone["merged_ids"] == [second, joke]
    assert ada.get(f"/api/supply/reports/{second}").json()["status"] == "dismissed"
    assert ada.get("/api/supply/reports").json() == []


@pytest.mark.parametrize(
    "path, body, status, words",
    [
        ("{first}/merge", lambda f, s: {"report_ids": [str(s)]}, 422, "list of report numbers"),
        ("{first}/merge", lambda f, s: {"report_ids": s}, 422, "list of report numbers"),
        ("{first}/merge", lambda f, s: {"report_ids": []}, 422, "pick at least one other report"),
        ("{first}/merge", lambda f, s: {"report_ids": [f]}, 422, "pick at least one other report"),
        ("{first}/merge", lambda f, s: {}, 422, "pick at least one other report"),
        ("{first}/merge", lambda f, s: {"report_ids": [s], "why": "x"}, 422, "unknown field: why"),
        ("{first}/merge", lambda f, s: {"report_ids": [999]}, 404, "no such report"),
        ("{first}/merge", lambda f, s: {"report_ids": [2**63]}, 404, "no such report"),
        ("999/merge", lambda f, s: {"report_ids": [f]}, 404, "no such report"),
        ("{first}/unmerge", None, 409, "not merged"),
        ("{first}/restore", None, 409, "not dismissed"),
        ("999/dismiss", None, 404, "no such report"),
    ],
)
def test_the_api_refuses_in_words(three, peer, path, body, status, words):  # noqa: F811
    first, second, _ = three
    pat = peer("Pat Two", phone=None)
    url = "/api/supply/reports/" + path.replace("{first}", str(first))
    response = pat.post(url, json=body(first, second)) if body else pat.post(url)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert [r["status"] for r in pat.get("/api/supply/reports").json()] == ["new"] * 3  # nothing changed


def test_a_merged_report_cannot_be_merged_or_dismissed_again(three, peer):  # noqa: F811
    first, second, joke = three
    pat = peer("Pat Three", phone=None)
    pat.post(f"/api/supply/reports/{first}/merge", json={"report_ids": [second]})
    again = pat.post(f"/api/supply/reports/{joke}/merge", json={"report_ids": [second]})
    assert again.status_code == 409 and "only reports in the queue can be merged" in again.json()["detail"]
    into = pat.post(f"/api/supply/reports/{second}/merge", json={"report_ids": [joke]})
    assert into.status_code == 409 and "merge into a report still in the queue" in into.json()["detail"]
    assert pat.post(f"/api/supply/reports/{second}/dismiss").status_code == 409


def test_the_command_line_merges_and_dismisses_with_the_door_in_the_audit(ctx, three):
    first, second, joke = three
    code, listed = _smsbot("reports")
    assert code == 0 and [line.split("\t")[0] for line in listed.splitlines()] == [str(i) for i in three]
    assert not any(what in listed for what in WHAT)  # answers stay on the page and the API
    assert "ZIP 22903" in listed and "1/4 answered" not in listed

    code, out = _smsbot("merge", str(first), str(second))
    assert code == 0 and f"merged 1 into {first}" in out and f"merged in: {second}" in out
    code, out = _smsbot("dismiss", str(joke))
    assert code == 0 and f"{joke}\tdismissed" in out
    code, listed = _smsbot("reports", "--status", "all")
    assert {line.split("\t")[1] for line in listed.splitlines()} == {"new", "merged", "dismissed"}
    assert _smsbot("restore", str(joke))[0] == 0
    assert _smsbot("unmerge", str(second))[0] == 0
    assert _audit(ctx) == [
        ("supply_reports_merged", first, "1 merged in (command line)"),
        ("supply_report_dismissed", joke, "0 merged with it (command line)"),
        ("supply_report_restored", joke, "back in the queue (command line)"),
        ("supply_report_unmerged", second, "back in the queue (command line)"),
    ]
    assert all(row.actor_id is None for row in audit_rows(ctx) if row.action.startswith("supply_"))


@pytest.mark.parametrize(
    "args, code, words",
    [
        (("merge", "{first}", "{first}"), 2, "pick at least one other report"),
        (("merge", "{first}", "999"), 1, "no such report"),
        (("merge", "{first}", str(2**63)), 1, "no such report"),
        (("dismiss", "999"), 1, "no such report"),
        (("dismiss", str(10**30)), 1, "no such report"),
        (("unmerge", "{first}"), 1, "not merged"),
        (("restore", "{first}"), 1, "not dismissed"),
        (("reports", "--status", "gone"), 2, "status must be one of"),
        (("dismiss", "twelve"), 2, ""),
    ],
)
def test_the_command_line_refuses_in_words(ctx, three, args, code, words):
    first = three[0]
    got, out = _smsbot(*(a.replace("{first}", str(first)) for a in args))
    assert got == code, out
    assert words in out
    assert len(_smsbot("reports")[1].splitlines()) == 3 and _audit(ctx) == []

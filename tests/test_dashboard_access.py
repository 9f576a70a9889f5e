"""Access control: every route declares a policy, the role x route matrix, another peer's ids
(sequential and random) are not found, and every form needs its CSRF token."""

from __future__ import annotations

import random

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from starlette.testclient import TestClient

from smsbot.auth import access
from smsbot.auth.policy import DECLARED_ROUTES, Policy, _calls, deny_undeclared, route_table
from smsbot.models import Alert, Enrollment, Service
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, PASSWORD, make_alert, make_enrollment
from tests.supply_pages_support import make_supply_draft, make_supply_report

ANON, PEER, ADMIN = 0, 1, 2
# (method, path) -> expected status for (anonymous, peer, admin). POSTs carry a valid CSRF token and
# a form that is empty or minimal; placeholders are the peer's own objects (ids chosen per route).
MATRIX: dict[tuple[str, str], tuple[int, int, int]] = {
    ("GET", "/signin"): (200, 303, 303),
    ("POST", "/signin"): (401, 401, 401),
    ("GET", "/signin/code"): (303, 303, 303),
    ("POST", "/signin/code"): (303, 401, 401),
    ("GET", "/account"): (303, 200, 200),
    ("POST", "/account/language"): (303, 422, 422),  # an empty form: no language chosen
    ("POST", "/language"): (422, 422, 422),  # the sign-in pages' language: none chosen
    ("GET", "/account/password"): (303, 200, 200),
    ("POST", "/account/password"): (303, 422, 422),
    ("GET", "/account/second-factor"): (303, 200, 200),
    ("POST", "/account/second-factor"): (303, 422, 303),
    ("GET", "/"): (303, 200, 200),
    ("GET", "/alerts/list"): (303, 200, 200),
    ("POST", "/alerts/{alert_id:int}/ack"): (303, 303, 303),
    ("POST", "/alerts/{alert_id:int}/call-back"): (303, 422, 422),  # no reason given
    ("GET", "/alerts/resolved"): (303, 200, 200),
    ("GET", "/participants"): (303, 200, 200),
    ("POST", "/participants"): (303, 422, 422),
    ("GET", "/participants/{enrollment_id:int}"): (303, 200, 200),
    ("POST", "/participants/{enrollment_id:int}/pause"): (303, 303, 303),
    ("POST", "/participants/{enrollment_id:int}/resume"): (303, 303, 303),
    ("POST", "/participants/{enrollment_id:int}/schedule"): (303, 303, 303),
    ("POST", "/participants/{enrollment_id:int}/stop"): (303, 303, 303),
    ("POST", "/participants/{enrollment_id:int}/opt-out"): (303, 303, 303),
    ("POST", "/participants/{enrollment_id:int}/phone"): (303, 422, 422),  # an empty form: no number
    ("GET", "/participants/new"): (303, 200, 200),
    ("GET", "/participants/{enrollment_id:int}/edit"): (303, 200, 200),
    ("POST", "/participants/{enrollment_id:int}/edit"): (303, 303, 303),  # an empty form changes nothing
    ("GET", "/participants/{enrollment_id:int}/stop"): (303, 200, 200),
    ("GET", "/participants/{enrollment_id:int}/reveal"): (303, 200, 200),  # their own peer, or an admin
    ("POST", "/participants/{enrollment_id:int}/reveal"): (303, 422, 422),  # no reason given
    ("GET", "/directory"): (303, 200, 200),  # peers read and search the directory
    ("GET", "/directory/{service_id:int}"): (303, 200, 200),
    ("POST", "/directory/{service_id:int}"): (303, 403, 303),  # an empty form changes nothing
    ("POST", "/directory/{service_id:int}/delete"): (303, 403, 303),
    ("POST", "/directory/import"): (303, 403, 422),
    ("GET", "/directory/new"): (303, 403, 200),
    ("POST", "/directory/new"): (303, 403, 422),
    ("GET", "/directory/template.csv"): (303, 200, 200),
    ("GET", "/directory/remove-demo"): (303, 403, 200),
    ("POST", "/directory/remove-demo"): (303, 403, 303),
    ("GET", "/wording"): (303, 403, 200),
    ("GET", "/wording/{key}"): (303, 403, 200),
    ("POST", "/wording/{key}"): (303, 403, 422),  # an empty form: "Check" finds every part empty
    ("POST", "/wording/{key}/check"): (303, 403, 200),
    ("POST", "/wording/{key}/roll-back"): (303, 403, 409),  # no version given: not the one in use
    ("GET", "/numbers"): (303, 403, 200),
    ("GET", "/numbers/{table}.csv"): (303, 403, 200),
    ("GET", "/session"): (303, 200, 200),
    ("POST", "/session/keep"): (303, 303, 303),
    ("GET", "/supply"): (303, 200, 200),  # drug alerts: every peer and admin (issue 13)
    ("POST", "/supply/alerts"): (303, 422, 422),  # no report ticked
    ("POST", "/supply/reports/merge"): (303, 422, 422),  # fewer than two ticked
    ("POST", "/supply/reports/{report_id:int}/unmerge"): (303, 409, 409),  # not merged
    ("POST", "/supply/reports/{report_id:int}/dismiss"): (303, 303, 303),
    ("POST", "/supply/reports/{report_id:int}/restore"): (303, 303, 303),
    ("GET", "/supply/numbers"): (303, 200, 200),
    ("GET", "/supply/alerts/{supply_alert_id:int}"): (303, 200, 200),
    ("POST", "/supply/alerts/{supply_alert_id:int}"): (303, 422, 422),  # no language ticked
    ("POST", "/supply/alerts/{supply_alert_id:int}/approve"): (303, 422, 422),  # no text yet
    ("POST", "/supply/alerts/{supply_alert_id:int}/send"): (303, 422, 422),
    ("POST", "/supply/alerts/{supply_alert_id:int}/check"): (303, 200, 200),  # the live check
    ("GET", "/supply/alerts/{supply_alert_id:int}/progress"): (303, 200, 200),
    ("GET", "/supply/alerts/{supply_alert_id:int}/cancel"): (303, 200, 200),
    ("POST", "/supply/alerts/{supply_alert_id:int}/cancel"): (303, 303, 303),
    ("GET", "/staff"): (303, 403, 200),
    ("POST", "/staff"): (303, 403, 422),
    ("POST", "/staff/{staff_id:int}/password"): (303, 403, 200),
    ("POST", "/staff/{staff_id:int}/second-factor"): (303, 403, 303),
    ("POST", "/staff/{staff_id:int}/on-call"): (303, 403, 303),
    ("POST", "/staff/{staff_id:int}/role"): (303, 403, 422),
    ("POST", "/staff/{staff_id:int}/tokens/revoke"): (303, 403, 303),
    ("POST", "/staff/{staff_id:int}/tokens/new"): (303, 403, 200),
    ("GET", "/audit"): (303, 403, 200),
    ("POST", "/staff/{staff_id:int}/deactivate"): (303, 403, 200),  # after the other staff actions
    ("POST", "/signout"): (303, 303, 303),  # last: it ends the session
}


def _dashboard_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in route_table(app):
        if route.path.startswith(("/api", "/twilio")) or route.path in DECLARED_ROUTES:
            continue
        found.update((method, route.path) for method in route.methods - {"HEAD"})
    return found


def test_every_route_declares_who_may_use_it(client):
    table = route_table(client.app)
    assert [route.path for route in table if route.policy is None] == []
    # What anyone may reach without signing in is exactly this list (Twilio's proven by signature).
    public = {route.path for route in table if route.policy in (Policy.PUBLIC, Policy.TWILIO)}
    assert public == {
        "/twilio/sms",
        "/twilio/status",
        "/twilio/fallback",
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/static",
        "/signin",
        "/language",
    }
    assert {p for p, (policy, _) in DECLARED_ROUTES.items() if policy is Policy.TWILIO} == {
        "/twilio/sms",
        "/twilio/status",
        "/twilio/fallback",
    }


def test_the_matrix_covers_every_dashboard_route(client):
    assert _dashboard_routes(client.app) == set(MATRIX)


def test_every_dashboard_form_checks_the_csrf_token(client):
    for route in iter_route_contexts(client.app.router.routes):
        path = getattr(route, "path", "")
        if "POST" in (getattr(route, "methods", None) or ()) and not path.startswith(("/api", "/twilio")):
            assert access.verified_form in set(_calls(route.dependant)), path


def test_a_route_without_a_policy_answers_403():
    app = FastAPI()
    router = APIRouter()

    @app.get("/forgotten")
    def forgotten() -> str:
        return "secret"

    @router.get("/also-forgotten")
    def also_forgotten() -> str:
        return "secret"

    @app.get("/declared")
    def declared(_=access.Depends(access.public)) -> str:
        return "fine"

    app.include_router(router)
    assert sorted(deny_undeclared(app)) == ["/also-forgotten", "/forgotten"]
    with TestClient(app) as test_client:
        assert test_client.get("/forgotten").status_code == 403
        assert test_client.get("/also-forgotten").status_code == 403
        assert "secret" not in test_client.get("/forgotten").text


@pytest.fixture
def world(ctx, staff_browser):
    """A peer with participants and an alert, another peer with theirs, an admin, a service."""
    peer = staff_browser("peer", name="Pat Peer")
    admin = staff_browser("admin", name="Ada Admin")
    other = staff_browser("peer", name="Olu Other", sign_in=False)
    spare = staff_browser("peer", name="Sam Spare", sign_in=False)
    ids = {
        name: make_enrollment(ctx, peer.staff_id, phone=f"+1555555{index:04d}", nickname=name)
        for index, name in enumerate(("view", "pause", "resume", "schedule", "stop", "opt-out"), start=200)
    }
    alert_id = make_alert(ctx, ids["view"])
    other_enrollment = make_enrollment(ctx, other.staff_id, phone=OTHER_PARTICIPANT, nickname="Theirs")
    other_alert = make_alert(ctx, other_enrollment, kind="call")
    with ctx.db.transaction() as conn:
        conn.execute(
            Service.__table__.insert().values(
                source="test",
                source_id="1",
                name="Clinic",
                latitude=38.03,
                longitude=-78.48,
                timezone="America/New_York",
                created_at=ctx.clock.now(),
                updated_at=ctx.clock.now(),
            )
        )
        service_id = conn.execute(select(Service.__table__.c.id)).scalar_one()
    return {
        "peer": peer,
        "admin": admin,
        "other": other,
        "spare": spare,
        "ids": ids,
        "alert": alert_id,
        "other_enrollment": other_enrollment,
        "other_alert": other_alert,
        "service": service_id,
        "supply_report": make_supply_report(ctx),
        "supply_alert": make_supply_draft(ctx, peer.staff_id),
    }


def _concrete(path: str, world: dict) -> str:
    action = path.rsplit("/", 1)[-1]
    enrollment_id = world["ids"].get(action, world["ids"]["view"])
    return (
        path.replace("{enrollment_id:int}", str(enrollment_id))
        .replace("{alert_id:int}", str(world["alert"]))
        .replace("{service_id:int}", str(world["service"]))
        .replace("{staff_id:int}", str(world["spare"].staff_id))
        .replace("{key}", "naloxone")
        .replace("{table}", "daily")
        .replace("{report_id:int}", str(world["supply_report"]))
        .replace("{supply_alert_id:int}", str(world["supply_alert"]))
    )


@pytest.mark.parametrize("role", [ANON, PEER, ADMIN], ids=["anonymous", "peer", "admin"])
def test_role_by_route_matrix(role, world, anonymous):
    who = [anonymous(), world["peer"], world["admin"]][role]  # each role runs in a fresh world
    failures = []
    for (method, path), expected in MATRIX.items():
        url = _concrete(path, world)
        response = who.get(url) if method == "GET" else who.post(url, {})
        if response.status_code != expected[role]:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected[role]}")
        if role == ANON and expected[ANON] == 303:
            assert response.headers["location"].startswith("/signin"), url
    assert failures == []


def test_the_api_refuses_without_a_token_and_admin_routes_refuse_peers(client, staff_token):
    peer_token = staff_token("peer")
    for route in route_table(client.app):
        if not route.path.startswith("/api"):
            continue
        url = (
            route.path.replace("{enrollment_id}", "1").replace("{alert_id}", "1").replace("{service_id}", "1")
        )
        for method in route.methods:
            assert client.request(method, url, json={}).status_code == 401, (method, url)
            if route.policy is Policy.ADMIN:
                headers = {"Authorization": f"Bearer {peer_token}"}
                assert client.request(method, url, json={}, headers=headers).status_code == 403, (method, url)


def test_another_peers_participants_and_alerts_are_not_found(ctx, world):
    peer, theirs, their_alert = world["peer"], world["other_enrollment"], world["other_alert"]
    assert peer.get(f"/participants/{theirs}").status_code == 404
    for action in ("pause", "resume", "schedule", "stop", "opt-out"):
        assert peer.post(f"/participants/{theirs}/{action}", {"time": "09:00"}).status_code == 404, action
    assert peer.post(f"/alerts/{their_alert}/ack").status_code == 404
    assert peer.post(f"/alerts/{their_alert}/call-back", {"reason": "asked_for_call"}).status_code == 404
    assert "Theirs" not in peer.get("/participants").text
    assert "Theirs" not in peer.get("/").text
    with ctx.db.transaction() as conn:
        row = conn.execute(select(Enrollment.__table__).where(Enrollment.__table__.c.id == theirs)).one()
        alert = conn.execute(select(Alert.__table__).where(Alert.__table__.c.id == their_alert)).one()
    assert (row.status, row.local_time) == ("active", "18:00")
    assert alert.status == "open"


def test_guessed_ids_sequential_and_random_are_not_found(ctx, world):
    peer = world["peer"]
    own = set(world["ids"].values())
    for guess in [i for i in range(1, 30) if i not in own] + random.Random(5).sample(range(30, 10**9), 20):
        assert peer.get(f"/participants/{guess}").status_code == 404, guess
        assert peer.post(f"/participants/{guess}/pause").status_code == 404, guess
        if guess != world["alert"]:
            assert peer.post(f"/alerts/{guess}/ack").status_code == 404, guess
            assert peer.post(f"/alerts/{guess}/call-back", {"reason": "safety"}).status_code == 404, guess
    assert peer.get("/participants/not-a-number").status_code == 404


def test_forms_without_the_right_csrf_token_are_refused(ctx, world, anonymous):
    admin, peer = world["admin"], world["peer"]
    target = world["ids"]["pause"]
    other_browser_token = world["other"].token()
    for token in (None, "", "forged", other_browser_token):
        assert peer.post(f"/participants/{target}/pause", csrf=token).status_code == 403
    with ctx.db.transaction() as conn:
        status = conn.execute(
            select(Enrollment.__table__.c.status).where(Enrollment.__table__.c.id == target)
        )
        assert status.scalar_one() == "active"  # nothing happened
    for route in route_table(admin.client.app):
        if (
            "POST" in route.methods
            and not route.path.startswith(("/api", "/twilio"))
            and route.path != "/signout"
        ):
            url = _concrete(route.path, world)
            assert admin.post(url, {}, csrf=None).status_code == 403, url
    stranger = anonymous()
    assert stranger.post("/signin", {"login": "Pat Peer", "password": PASSWORD}, csrf=None).status_code == 403
    # The token travels in the header too (the page's script sends it that way).
    response = peer.client.post(
        f"/participants/{target}/pause", headers={"X-CSRF-Token": peer.token()}, data={}
    )
    assert response.status_code == 303


def test_a_form_of_the_wrong_type_or_size_is_refused(world):
    peer = world["peer"]
    token = peer.token()
    url = f"/participants/{world['ids']['pause']}/pause"
    assert peer.client.post(url, json={"csrf_token": token}).status_code == 415
    huge = {"content-length": str(50 * 1024 * 1024), "content-type": "application/x-www-form-urlencoded"}
    assert peer.client.post(url, content=b"csrf_token=" + token.encode(), headers=huge).status_code == 413

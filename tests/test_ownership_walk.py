"""Object ownership on every route that takes an id (API and pages, every method): peer A, given the id
of something that is peer B's, gets 404 (or 403 where the route is for admins), never B's data, never
a change to it, never a 500; ids past the integer range are 404/422 for a peer and an admin.

Routes are found by walking the app, so a route added later is walked too; a new kind of id fails
the first test until KINDS says whose objects it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from smsbot.auth.policy import Policy, route_table
from smsbot.models import Alert, AuditLog, Enrollment, Service
from smsbot.staff.tokens import issue_token
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import OTHER_PARTICIPANT, Browser, make_alert, make_enrollment
from tests.supply_pages_support import make_supply_draft, make_supply_report

OWNED, SHARED, STAFF = "a peer's own", "any staff member's", "an account"
# (path prefix, parameter name) -> (the kind of object it names, its policy for another peer). A peer
# acts only on their own participants and alerts; drug-supply reports and alerts belong to the whole
# team (issue 13); services are read by all and changed by admins; accounts are admins' business.
KINDS: list[tuple[str, str, str, str]] = [
    ("/api/supply/alerts", "alert_id", "supply_alert", SHARED),
    ("/supply/alerts", "supply_alert_id", "supply_alert", SHARED),
    ("/supply/reports", "report_id", "report", SHARED),
    ("/api/supply/reports", "report_id", "report", SHARED),
    ("", "enrollment_id", "enrollment", OWNED),
    ("", "alert_id", "alert", OWNED),
    ("", "service_id", "service", SHARED),
    ("", "staff_id", "staff", STAFF),
]
HUGE = (2**31, 2**63)
MARK = "Zebra"  # in B's nickname: never in an answer to A
_PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")


@dataclass(frozen=True)
class IdRoute:
    method: str
    path: str
    policy: Policy | None
    params: tuple[str, ...]


def _id_routes(app) -> list[IdRoute]:
    """Every (method, route) with an id-like path parameter: an int converter or a name ending in _id."""
    found = []
    for route in route_table(app):
        params = tuple(
            name
            for name, convertor in _PARAM.findall(route.path)
            if convertor == "int" or name.endswith("_id")
        )
        if params and not route.path.startswith("/twilio"):
            for method in sorted(route.methods - {"HEAD"}):
                found.append(IdRoute(method, route.path, route.policy, params))
    return found


def _kind(path: str, name: str) -> tuple[str, str] | None:
    for prefix, param, kind, policy in KINDS:
        if param == name and path.startswith(prefix):
            return kind, policy
    return None


@pytest.fixture
def world(ctx, staff_browser):
    """Peer A (a browser and a token), an admin likewise, and one of each kind of object, B's."""
    people = {}
    for role, name in (("peer", "Ann A"), ("admin", "Ada Admin")):
        browser = staff_browser(role, name=name)
        with ctx.db.transaction() as conn:
            token = issue_token(conn, browser.staff_id, ctx.clock.now())
        people[role] = (browser, browser.token(), token)
    b = staff_browser("peer", name="Bo B", sign_in=False)
    make_enrollment(ctx, people["peer"][0].staff_id, nickname="Mine")  # A has people of their own too
    enrollment = make_enrollment(ctx, b.staff_id, phone=OTHER_PARTICIPANT, nickname=f"{MARK} B")
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        conn.execute(
            Service.__table__.insert().values(
                source="test", source_id="1", name="Clinic", latitude=38.03, longitude=-78.48,
                timezone="America/New_York", created_at=now, updated_at=now,
            )
        )  # fmt: skip
        service = conn.execute(select(Service.__table__.c.id)).scalar_one()
    objects = {
        "enrollment": enrollment,
        "alert": make_alert(ctx, enrollment),
        "service": service,
        "staff": b.staff_id,
        "report": make_supply_report(ctx),
        "supply_alert": make_supply_draft(ctx, b.staff_id),
    }
    return {"people": people, "objects": objects}


def _call(who: tuple[Browser, str, str], method: str, url: str):
    browser, csrf, token = who
    if url.startswith("/api"):
        body = {} if method in ("POST", "PATCH", "PUT") else None
        headers = {"Authorization": f"Bearer {token}"}
        return browser.client.request(method, url, headers=headers, json=body)
    if method == "GET":
        return browser.client.get(url)
    return browser.client.request(method, url, data={"csrf_token": csrf})


def _url(route: IdRoute, values: dict[str, object]) -> str:
    return _PARAM.sub(lambda found: str(values.get(found.group(1), "x")), route.path)


def _b_rows(ctx) -> list:
    enrollment, alert = Enrollment.__table__, Alert.__table__
    with ctx.db.transaction() as conn:
        return [
            *conn.execute(select(enrollment).where(enrollment.c.nickname.like(f"{MARK}%"))).all(),
            *conn.execute(select(alert).order_by(alert.c.id)).all(),
        ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the routes, not the data
def test_every_id_in_a_route_names_a_kind_of_object_with_a_policy(client):
    undeclared = [
        (route.path, name)
        for route in _id_routes(client.app)
        for name in route.params
        if _kind(route.path, name) is None
    ]
    assert undeclared == [], "add these to KINDS: whose objects do they name?"


def _refusals_to_a_peer(app, world) -> list[str]:
    """Peer A on B's objects, every id route: what answered other than the policy says."""
    peer, objects = world["people"]["peer"], world["objects"]
    failures = []
    for route in _id_routes(app):
        kinds = [_kind(route.path, name) for name in route.params]
        if None in kinds:
            continue  # the test above names it
        url = _url(route, {name: objects[kind] for name, (kind, _) in zip(route.params, kinds, strict=True)})
        response = _call(peer, route.method, url)
        status, policies = response.status_code, {policy for _, policy in kinds}
        if route.policy is Policy.ADMIN or STAFF in policies:
            expected = {403}
        elif OWNED in policies:
            expected = {404}
        else:  # the team's objects: any answer but a failure or a refusal
            expected = set(range(200, 500)) - {401, 403, 404}
        if status not in expected:
            failures.append(f"{route.method} {route.path}: {status} {response.text[:120]!r}")
        if OWNED in policies and MARK in response.text:
            failures.append(f"{route.method} {route.path}: B's nickname in the answer")
    return failures


def _out_of_range(app, world) -> list[str]:
    failures = []
    for role, who in world["people"].items():
        for route in _id_routes(app):
            for huge in HUGE:
                url = _url(route, dict.fromkeys(route.params, huge))
                status = _call(who, route.method, url).status_code
                if status not in (404, 422):
                    failures.append(f"{role} {route.method} {url}: {status}")
    return failures


def test_every_id_route_keeps_another_peers_objects_and_refuses_ids_out_of_range(ctx, client, world):
    before = _b_rows(ctx)
    assert _refusals_to_a_peer(client.app, world) == []
    assert _b_rows(ctx) == before  # nothing of B's changed, whatever A sent
    audit = AuditLog.__table__
    with ctx.db.transaction() as conn:
        by_a = conn.execute(
            select(audit.c.action, audit.c.object_type).where(
                audit.c.actor_id == world["people"]["peer"][0].staff_id,
                audit.c.object_type.in_(("enrollment", "alert", "staff", "service")),
            )
        ).all()
    assert by_a == []  # a refusal is not a change: no audit row
    assert len(_id_routes(client.app)) >= 40  # the walk saw the app's id routes (about fifty today)
    # ids past PostgreSQL's integer and SQLite's 64 bits, for a peer and an admin, on every id route
    assert _out_of_range(client.app, world) == []

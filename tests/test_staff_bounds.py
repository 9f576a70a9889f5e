"""Ids and counts past the database's integer range answer 404 or 422 on every route, never a 500;
and no failing statement's text carries a bound value."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import text

from smsbot.auth.bounds import _int_query_names
from smsbot.staff.service import issue_token
from tests.dashboard_fixtures import *  # noqa: F403

HUGE = [str(2**31), str(2**63), str(2**64), "-1", "9" * 40]
_PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


def _routes(app):
    for route in iter_route_contexts(app.router.routes):
        methods = (getattr(route, "methods", None) or set()) - {"HEAD"}
        path = getattr(route, "path", "") or ""
        if methods and not path.startswith("/twilio"):
            yield path, sorted(methods), getattr(route.original_route, "dependant", None)


def _call(who, method: str, url: str):
    if url.startswith("/api"):
        headers = {"Authorization": f"Bearer {who['token']}"}
        client = who["browser"].client
        body = {} if method in ("POST", "PATCH", "PUT") else None
        return client.request(method, url, headers=headers, json=body)
    browser = who["browser"]
    return browser.get(url) if method == "GET" else browser.post(url, {})


@pytest.fixture
def people(ctx, staff_browser):
    result = {}
    for role in ("peer", "admin"):
        browser = staff_browser(role)
        with ctx.db.transaction() as conn:
            token = issue_token(conn, browser.staff_id, ctx.clock.now())
        result[role] = {"browser": browser, "token": token}
    return result


def test_every_id_route_refuses_out_of_range_ids(client, people):
    walked, failures = 0, []
    for path, methods, _ in _routes(client.app):
        if not any("id" in name for name, _ in _PARAM.findall(path)):
            continue
        for value in HUGE:
            url = _PARAM.sub(value, path)
            for method in methods:
                for role, who in people.items():
                    response = _call(who, method, url)
                    walked += 1
                    # 403: a peer on an admin-only route is refused before any lookup.
                    allowed = (403, 404, 422) if url.startswith("/api") else (403, 404)
                    if role == "admin" and response.status_code == 403:
                        failures.append(f"{role} {method} {url}: 403")
                    if response.status_code not in allowed:
                        failures.append(f"{role} {method} {url}: {response.status_code}")
    assert walked > 100  # the walk found the routes (api and pages, each method)
    assert failures == []


def test_integer_query_parameters_are_bounded_too(client, people, ctx):
    from tests.dashboard_fixtures import make_enrollment

    enrollment_id = make_enrollment(ctx, people["peer"]["browser"].staff_id)
    walked, failures = 0, []
    for path, methods, dependant in _routes(client.app):
        if "GET" not in methods or dependant is None:
            continue
        names = list(_int_query_names(dependant))
        for name in names:
            for value in HUGE[:3] + ["9" * 40]:
                url = _PARAM.sub(str(enrollment_id), path) + f"?{name}={value}"
                for role, who in people.items():
                    response = _call(who, "GET", url)
                    walked += 1
                    if response.status_code >= 500:
                        failures.append(f"{role} GET {url}: {response.status_code}")
    assert walked >= 8  # limit/offset on the API, before/days/offset on pages
    assert failures == []


def test_a_number_in_a_form_the_database_refuses_is_not_a_500(client, people, ctx):
    admin = people["admin"]["browser"]
    page = admin.post(
        "/participants",
        {"phone": "+15555550150", "nickname": "Z", "time": "18:00", "staff_id": str(2**64)},
    )
    assert page.status_code < 500
    api = admin.client.post(
        "/api/enrollments",
        headers={"Authorization": f"Bearer {people['admin']['token']}"},
        json={"phone": "+15555550151", "nickname": "Y", "time": "18:00", "reply_window_minutes": 2**64},
    )
    assert api.status_code in (404, 409, 422)


def test_a_failing_statement_never_shows_its_values(ctx, caplog):
    secret = "SECRET-INDEX-0123456789"
    caplog.set_level(logging.DEBUG)
    statements = [
        (
            "INSERT INTO sign_in_attempt (key_hash, attempted_at, succeeded) VALUES (:v, NULL, :v)",
            {"v": secret},
        )
    ]
    if ctx.db.is_postgres:  # PostgreSQL quotes the text it could not read in its own message
        statements.append(("SELECT CAST(:v AS INTEGER) + 1", {"v": secret}))
    seen = []
    for sql, params in statements:
        with pytest.raises(Exception) as failure, ctx.db.transaction() as conn:  # noqa: B017
            conn.execute(text(sql), params)
        seen.append(str(failure.value) + repr(failure.value.args))
    with pytest.raises(Exception) as duplicate, ctx.db.transaction() as conn:  # noqa: B017
        conn.execute(text("CREATE TEMPORARY TABLE t_secret (k VARCHAR(64) UNIQUE)"))
        conn.execute(text("INSERT INTO t_secret (k) VALUES (:v)"), {"v": secret})
        conn.execute(text("INSERT INTO t_secret (k) VALUES (:v)"), {"v": secret})
    seen.append(str(duplicate.value) + repr(duplicate.value.args))
    assert "duplicate" in seen[-1].lower() or "unique" in seen[-1].lower()
    for message in seen:
        assert secret not in message
    assert secret not in caplog.text

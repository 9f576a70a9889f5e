"""Schemathesis against the app's own /openapi.json, in-process, with a peer's token and an admin's:
no 5xx, every status documented, every response shaped as the schema says. Every operation the
schema lists is walked, so a route added later is covered without editing this file."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from smsbot.models import Service
from smsbot.staff.service import create_staff
from tests.conftest import second_factor_on
from tests.dashboard_fixtures import make_alert, make_enrollment
from tests.supply_pages_support import make_supply_draft, make_supply_report

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation and role; derandomized, so every run sends the same requests


class Api:
    """The schema to walk, the token to send and the caller's own objects (their ids by kind)."""

    def __init__(self, schema: Any, token: str, objects: dict[str, int]) -> None:
        self.schema, self.token, self.objects = schema, token, objects
        self.answered: dict[str, set[int]] = {}  # operation -> the statuses it gave

    def known_id(self, path: str, name: str) -> int | None:
        """A real object for a path parameter (so the examples reach past "not found"), if we have one."""
        kind = "supply_alert" if path.startswith("/api/supply/alerts") else name.removesuffix("_id")
        return self.objects.get(kind)


def _objects(ctx, staff_id: int) -> dict[str, int]:
    enrollment = make_enrollment(ctx, staff_id)
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        table = Service.__table__
        conn.execute(
            table.insert().values(
                source="test", source_id="1", name="Clinic", zip="22902", latitude=38.03,
                longitude=-78.48, timezone="America/New_York", created_at=now, updated_at=now,
            )
        )  # fmt: skip
        service = conn.execute(select(table.c.id)).scalar_one()
    make_supply_report(ctx)
    return {
        "enrollment": enrollment,
        "alert": make_alert(ctx, enrollment),
        "service": service,
        "report": make_supply_report(ctx, "blue pills sold as oxy"),
        "supply_alert": make_supply_draft(ctx, staff_id),
    }


def _api(ctx, client, role: str) -> Api:
    created = create_staff(ctx, f"{role.title()} Caller", role, None)
    if role == "admin":
        second_factor_on(ctx, created.staff_id)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return Api(schema, created.token, _objects(ctx, created.staff_id))


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """SQLite only: the walk is about the API's shapes and answers; PostgreSQL's id bounds are proven
    by the ownership walk and the feature tests."""
    import shutil

    path = tmp_path / "smsbot.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


def _walk(case: schemathesis.Case, api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    seen = api.answered.setdefault(case.operation.label, set())
    seen.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
    if case.path_parameters:
        # The same request on the caller's own object: past "not found", into the service's rules.
        known = {name: api.known_id(case.path, name) for name in case.path_parameters}
        if all(value is not None for value in known.values()):
            case.path_parameters = known
            seen.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)


_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found, in bounded time
    suppress_health_check=list(HealthCheck),
)


def _failures(api: Api) -> list[str]:
    """Every operation in the schema, valid and invalid inputs: what went wrong, one line each."""
    found = []
    for result in api.schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def walk(case: schemathesis.Case) -> None:
                _walk(case, api)

            try:
                walk()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body): positive covers it
                continue
            except (Exception, BaseExceptionGroup) as exc:  # a check failed, or the call raised: go on
                found.append(f"{operation.label} ({mode.value}): {exc}")
    return found


@pytest.mark.parametrize("role", ["peer", "admin"])
def test_the_api_answers_as_its_schema_says(ctx, client, role: str) -> None:
    api = _api(ctx, client, role)
    failures = _failures(api)
    assert failures == [], "\n\n".join(failures)
    # The token held all the way: every operation was reached, none refused the caller as unknown.
    assert [label for label, statuses in api.answered.items() if not statuses or 401 in statuses] == []

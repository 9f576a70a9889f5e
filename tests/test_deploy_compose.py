"""deploy/docker-compose.yml is a Compose file `docker compose config` accepts: valid against the
Compose Specification's own schema (tests/schemas/), and every service, volume and file it names exists.
"""

from __future__ import annotations

import json
import re

import jsonschema_rs
import pytest
import yaml

from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SCHEMA = REPO_ROOT / "tests" / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())  # merge keys (<<:) resolved


def _errors(validator: jsonschema_rs.Draft7Validator, document: dict) -> list[str]:
    return [f"{'.'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_is_valid_against_the_compose_specification(validator, compose):
    assert _errors(validator, compose) == []


def test_the_schema_refuses_what_compose_refuses(validator, compose):
    # The check above can fail: a misspelt key or a wrong type in a service is caught.
    compose["services"]["web"]["restart_policy"] = "always"
    compose["services"]["worker"]["stop_grace_period"] = ["60s"]
    errors = _errors(validator, compose)
    assert any("restart_policy" in error for error in errors)
    assert any(error.startswith("services.worker.stop_grace_period") for error in errors)


def test_the_stack_is_postgres_a_one_shot_migrate_web_and_worker(compose):
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "--workers" in services["web"]["command"]
    assert services["worker"]["command"] == ["worker"]


def test_everything_the_services_name_exists(compose):
    services, volumes = compose["services"], set(compose.get("volumes") or {})
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on an unknown service {needed}"
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{name} mounts a missing {source}"
            else:
                assert source in volumes, f"{name} mounts an undeclared volume {source}"
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file()
        for env_file in service.get("env_file", []):
            if isinstance(env_file, dict) and env_file.get("required") is False:
                continue  # the operator's own settings file, git-ignored
            path = env_file if isinstance(env_file, str) else env_file["path"]
            assert (DEPLOY / path).is_file(), f"{name} needs a missing {path}"


def test_every_variable_compose_fills_in_has_a_default(compose):
    # `docker compose config` on a fresh checkout (no deploy/.env yet) still gives a whole file.
    text = (DEPLOY / "docker-compose.yml").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    variables = re.findall(r"\$\{([^}]*)\}", body)
    assert variables, "the file fills in its passwords and worker count from variables"
    assert all(":-" in variable for variable in variables), variables

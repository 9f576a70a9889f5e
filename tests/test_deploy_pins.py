"""The image installs exactly what the project pins: every runtime dependency in pyproject.toml is in
deploy/constraints.txt at the same version (a dependency added to one and not the other would make the
image resolve it freely, or fail `pip check`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def test_every_runtime_pin_is_in_the_images_constraints_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    constraints = {}
    for line in (ROOT / "deploy" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            constraints[canonicalize_name(name)] = version
    for raw in project["dependencies"]:
        wanted = Requirement(raw)
        (pin,) = wanted.specifier
        assert pin.operator == "==", f"{wanted.name} is not pinned in pyproject.toml"
        found = constraints.get(canonicalize_name(wanted.name))
        assert found == pin.version, f"{wanted.name}: pyproject {pin.version}, constraints {found}"


def test_the_package_ships_its_templates_static_files_and_catalogs():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "smsbot"
    ]
    package = ROOT / "src" / "smsbot"
    for folder in ("dashboard/templates", "dashboard/static", "dashboard/locale", "replies/packs"):
        assert any(pattern.startswith(folder) for pattern in data), f"{folder} is not package data"
        assert any((package / folder).rglob("*.*")), folder

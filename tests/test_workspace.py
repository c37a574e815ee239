"""The workspace holds together: one version, exact sibling pins, py.typed, imports on its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = sorted(p.parent for p in (ROOT / "packages").glob("*/pyproject.toml"))
NAMES = {d.name for d in PACKAGE_DIRS}


def load(path: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads(path.read_text())


WORKSPACE_VERSION = load(ROOT / "pyproject.toml")["tool"]["events-workspace"]["version"]


def test_all_seven_packages_exist() -> None:
    assert {
        "events-core",
        "events-asgi",
        "events-local",
        "events-sqs",
        "events-pubsub",
        "events-otel",
        "fastapi-events",
    } == NAMES


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_versions_match_and_siblings_are_pinned(package: Path) -> None:
    project = load(package / "pyproject.toml")["project"]
    assert project["version"] == WORKSPACE_VERSION
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    for requirement in requirements:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        if name in NAMES:
            assert requirement == f"{name}=={WORKSPACE_VERSION}", requirement


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_py_typed_readme_and_one_module(package: Path) -> None:
    modules = [m for m in (package / "src").iterdir() if m.is_dir() and m.name.isidentifier()]
    assert len(modules) == 1
    assert (modules[0] / "py.typed").exists()
    assert (package / "README.md").read_text().strip().count("\n") >= 5


def test_core_needs_only_the_standard_library() -> None:
    assert load(ROOT / "packages/events-core/pyproject.toml")["project"]["dependencies"] == []


def test_dependencies_point_towards_core() -> None:
    order = ["events-core", "events-asgi", "events-local", "events-otel", "events-sqs",
             "events-pubsub", "fastapi-events"]  # fmt: skip
    for package in PACKAGE_DIRS:
        deps = load(package / "pyproject.toml")["project"].get("dependencies", [])
        for requirement in deps:
            name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
            if name in NAMES:
                assert order.index(name) < order.index(package.name)


def _imports_of(package: Path) -> set[str]:
    found: set[str] = set()
    for source in (package / "src").rglob("*.py"):
        for match in re.finditer(
            r"^\s*(?:from|import) (events_\w+|fastapi_events)", source.read_text(), re.M
        ):
            found.add(match.group(1))
    return found


@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_a_package_imports_only_what_it_declares(package: Path) -> None:
    project = load(package / "pyproject.toml")["project"]
    declared = {package.name}
    for requirement in [*project.get("dependencies", [])] + [
        r for extra in project.get("optional-dependencies", {}).values() for r in extra
    ]:
        declared.add(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
    for module in _imports_of(package):
        assert module.replace("_", "-") in declared, f"{package.name} imports {module}"


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
@pytest.mark.parametrize("package", PACKAGE_DIRS, ids=lambda p: p.name)
def test_each_package_imports_on_its_own(package: Path) -> None:
    """``uv run --isolated --no-project --with ./packages/X`` (plus the siblings it pins)."""
    project = load(package / "pyproject.toml")["project"]
    needed = [package.name]
    for requirement in project.get("dependencies", []):
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        if name in NAMES:
            needed.append(name)
            for sub in load(ROOT / "packages" / name / "pyproject.toml")["project"]["dependencies"]:
                sub_name = re.split(r"[<>=!~;\[ ]", sub, maxsplit=1)[0]
                if sub_name in NAMES:
                    needed.append(sub_name)
    module = next(
        m.name for m in (package / "src").iterdir() if m.is_dir() and m.name.isidentifier()
    )
    command = ["uv", "run", "--isolated", "--no-project", "--quiet"]
    for name in dict.fromkeys(needed):
        # editable: the working tree itself, never a wheel uv cached from an older tree
        command += ["--with-editable", f"./packages/{name}"]
    command += ["python", "-c", f"import {module}; print({module}.__version__)"]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == WORKSPACE_VERSION

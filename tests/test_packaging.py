"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda() -> tuple[list[str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    return [d for d in deps if isinstance(d, str)], pip


def test_environment_yml_installs_what_pyproject_declares() -> None:
    _, pip = _conda()
    listed = {str(Requirement(line)) for line in pip if not line.startswith("-")}
    declared = {str(Requirement(line)) for line in PYPROJECT["project"]["dependencies"]}
    assert listed == declared, (
        f"only in environment.yml: {sorted(listed - declared)}; only in pyproject.toml: {sorted(declared - listed)}"
    )
    assert "--editable .[dev]" in pip, "environment.yml should install the course itself"


def test_environment_python_satisfies_requires_python() -> None:
    conda, _ = _conda()
    (python,) = [d for d in conda if d.startswith("python")]
    version = python.split("=", 1)[1]
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version + ".0")
    assert re.search(rf"python{re.escape(version)}\b", (ROOT / "Makefile").read_text()), "Makefile should use the same Python"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make run" in readme
    assert re.search(r"^\s*(exec\s+)?make test\b", ci, re.M), ".ci/run must call `make test`"
    assert "COURSE_DATA_DIR" in ci

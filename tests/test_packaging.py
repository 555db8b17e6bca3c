"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from course_lib.photos import sources
from helpers import ROOT, course_wheel

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda() -> tuple[list[str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    return [d for d in deps if isinstance(d, str)], pip


def test_environment_yml_installs_what_pyproject_declares() -> None:
    _, pip = _conda()
    listed = {str(Requirement(line)) for line in pip if not line.startswith("-")}
    cpu = PYPROJECT["project"]["optional-dependencies"]["cpu"]  # the laptop's backend, as make setup installs it
    declared = {str(Requirement(line)) for line in PYPROJECT["project"]["dependencies"] + cpu}
    assert listed == declared, (
        f"only in environment.yml: {sorted(listed - declared)}; only in pyproject.toml: {sorted(declared - listed)}"
    )
    assert "--editable .[cpu,dev]" in pip, "environment.yml should install the course itself, with its CPU backend"


def test_environment_python_satisfies_requires_python() -> None:
    conda, _ = _conda()
    (python,) = [d for d in conda if d.startswith("python")]
    version = python.split("=", 1)[1]
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version + ".0")
    assert re.search(rf"python{re.escape(version)}\b", (ROOT / "Makefile").read_text()), (
        "Makefile should use the same Python"
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make run" in readme
    assert re.search(r"^\s*(exec\s+)?make test\b", ci, re.M), ".ci/run must call `make test`"
    assert "COURSE_DATA_DIR" in ci and "full_data" in ci, ".ci/run also runs the full-photo tests"


def test_the_wheel_ships_the_sample_photos_and_their_license(tmp_path: Path) -> None:
    """A pip install has the photos and their CC BY-SA notice; the Kaggle photos never ship."""
    wheel = course_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        license_text = zf.read("course_lib/resources/oxford_pets_sample/LICENSE.txt").decode()
    sample = "course_lib/resources/oxford_pets_sample/"
    manifest = (sources.SAMPLE_ROOT / sources.SAMPLE_MANIFEST).read_text().splitlines()[1:]
    photos = {sample + line.split("\t")[0] for line in manifest}
    assert len(photos) == 238 and photos <= names, f"missing from the wheel: {sorted(photos - names)[:5]}"
    for notice in ("README.md", "LICENSE.txt", "MANIFEST.tsv"):
        assert sample + notice in names
    assert "Creative Commons Attribution-ShareAlike 4.0" in license_text and "Apache License 2.0" in license_text
    assert "course_lib/resources/imagenet_classes.tsv" in names
    assert {"course_tools/templates/site.html.j2", "course_tools/bench/__main__.py"} <= names
    assert not [n for n in names if re.search(r"(cat|dog)\.\d+\.jpg$", n)], "Kaggle photos must never ship"
    size = sum(p.stat().st_size for p in sources.SAMPLE_ROOT.rglob("*") if p.is_file())
    assert size < 3_000_000, f"the sample is {size / 1e6:.1f} MB; keep it under 3 MB"


def test_readme_credits_the_photos() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "Oxford-IIIT Pet" in readme and "CC BY-SA 4.0" in readme

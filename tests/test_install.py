"""Installing the course where learners are: a TensorFlow that is there is kept (Colab's
CUDA build, a workstation's), and an install without any backend says what to run."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from helpers import ROOT, course_wheel

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
TENSORFLOWS = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly", "tensorflow-intel", "tensorflow-macos"}


def _name(dist: importlib.metadata.Distribution) -> str:
    return re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the course's wheel, built from the checkout."""
    return course_wheel(tmp_path_factory.mktemp("wheels")).parent


def _environment_with(tmp_path: Path, tensorflow: str) -> Path:
    """A fresh environment that holds, as far as pip can tell, what this one holds (every
    distribution's metadata, no code) with ``tensorflow`` as its only TensorFlow, as on
    Colab: the one installed here, renamed."""
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    site = next(env.glob("lib/python*/site-packages"))
    installed = {_name(d): d for d in importlib.metadata.distributions()}
    for name, dist in installed.items():
        path = Path(dist._path)  # the .dist-info folder
        if name not in TENSORFLOWS | {"convnet-course"} and path.suffix == ".dist-info":
            shutil.copytree(path, site / path.name, dirs_exist_ok=True)
    here = next(Path(d._path) for name, d in installed.items() if name in TENSORFLOWS)
    fake = site / here.name.replace(here.name.split("-")[0], tensorflow.replace("-", "_"))
    shutil.copytree(here, fake)
    metadata = re.sub(r"^Name: .*$", f"Name: {tensorflow}", (fake / "METADATA").read_text(), count=1, flags=re.M)
    (fake / "METADATA").write_text(metadata)
    return env


def _would_install(env: Path, wheels: Path, requirement: str, tmp_path: Path) -> tuple[list[str] | None, str]:
    """What ``pip install requirement`` would install into ``env`` (None where pip
    cannot), and what pip said."""
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install", "--dry-run"]
    command += ["--quiet", "--report", str(report), "--no-index", "--find-links", str(wheels), requirement]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        return None, done.stderr
    return [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]], done.stderr


@pytest.mark.parametrize("tensorflow", ["tensorflow", "tensorflow-cpu"])
def test_installing_the_course_keeps_the_tensorflow_that_is_there(wheels, tmp_path, tensorflow) -> None:
    """As a Colab user does it: ``pip install`` of the course where a TensorFlow is
    installed adds no second TensorFlow (offline: pip may take only the course's wheel)."""
    env = _environment_with(tmp_path, tensorflow)
    installs, said = _would_install(env, wheels, "convnet-course", tmp_path)
    assert installs == ["convnet-course"], said[-2000:]


def test_the_backend_is_an_extra_and_a_laptop_gets_it(wheels, tmp_path) -> None:
    declared = [Requirement(line).name for line in PYPROJECT["project"]["dependencies"]]
    assert not TENSORFLOWS & set(declared), "a TensorFlow in the dependencies would be installed over Colab's"
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {Requirement(line).name for line in extras["cpu"]} == {"tensorflow", "tensorflow-cpu"}
    assert [(r.name, r.extras) for r in map(Requirement, extras["gpu"])] == [("tensorflow", {"and-cuda"})]
    for choice, extras in ((None, "cpu,dev"), ("gpu", "gpu,dev"), ("none", "dev")):
        command = ["make", "-n", "setup", "-W", "pyproject.toml", f"VENV={tmp_path / 'venv'}"]
        planned = subprocess.run(command + ([f"BACKEND={choice}"] if choice else []), capture_output=True, text=True)
        assert f"--editable '.[{extras}]'" in planned.stdout, planned.stdout + planned.stderr
    # where TensorFlow is missing, the cpu extra is what pip asks for
    env = _environment_with(tmp_path, "tensorflow")
    shutil.rmtree(next(env.glob("lib/python*/site-packages/tensorflow-*.dist-info")))
    installs, said = _would_install(env, wheels, "convnet-course[cpu]", tmp_path)
    assert installs is None and re.search(r"No matching distribution found for tensorflow(-cpu)?\b", said), said


def test_without_tensorflow_the_first_import_says_what_to_install() -> None:
    code = "import sys\nsys.modules['tensorflow'] = None  # as if not installed\nfrom course_lib import backend\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("course_lib.backend.BackendMissingError: TensorFlow is not installed here")
    assert 'pip install "convnet-course[cpu]"' in last and 'pip install "convnet-course[gpu]"' in last

"""The release notebooks on Colab: the link and the install cell where the instructor set a
source, none where not; the cell is quiet where the course is installed, and installs it
where it is not (offline here: from a wheel of the checkout)."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from answers import strip_markers
from course_tools import cells
from course_tools.colab import MARK, add_setup, colab_link
from helpers import ROOT, course_wheel

CHAPTER = "00-getting-started"
REPOSITORY = "https://github.com/example-school/convnet-course"


def _release() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)


def _setup_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.metadata.get("course") == MARK["course"]]


def test_no_source_set_no_link_and_no_cell() -> None:
    nb = add_setup(_release(), CHAPTER)
    assert nb == _release() and "colab" not in json.dumps(nb).lower()


def test_a_repository_gives_the_link_under_the_title_and_the_cell_before_the_first_code() -> None:
    release = _release()
    nb = add_setup(_release(), CHAPTER, repository=REPOSITORY)
    link = "https://colab.research.google.com/github/example-school/convnet-course/blob/main/notebooks/"
    assert nb.cells[0].source.endswith(f"{link}{CHAPTER}/{CHAPTER}.ipynb)")
    (cell,) = _setup_cells(nb)
    first_code = next(i for i, c in enumerate(release.cells) if c.cell_type == "code")
    assert nb.cells[first_code] is cell and nb.cells[first_code + 1].source == release.cells[first_code].source
    assert f'%pip install --quiet "convnet-course @ git+{REPOSITORY}"' in cell.source
    assert cell.id == "colab-setup" and len(nb.cells) == len(release.cells) + 1
    with pytest.raises(ValueError, match="github.com/<owner>/<name>"):
        colab_link("https://gitlab.com/a/b", CHAPTER)


def test_make_release_adds_them_only_when_configured(tmp_path: Path) -> None:
    from course_tools.config import nbgrader_config
    from course_tools.scratch import ScratchCourse

    plain = ScratchCourse(ROOT, tmp_path / "plain").generate(CHAPTER)
    plain = nbformat.read(plain / f"{CHAPTER}.ipynb", as_version=4)
    assert not _setup_cells(plain)
    configured = ScratchCourse(ROOT, tmp_path / "colab")
    configured.config.ColabSetup.repository = REPOSITORY
    nb = nbformat.read(configured.generate(CHAPTER) / f"{CHAPTER}.ipynb", as_version=4)
    assert len(_setup_cells(nb)) == 1 and "Open In Colab" in nb.cells[0].source
    assert nbgrader_config(ROOT).ColabSetup == {}, "the course as shipped names no repository"


def _answered(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    solution = nbformat.read(ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    answers = {cells.grade_id(c): c.source for c in solution.cells if cells.is_solution(c) and c.cell_type == "code"}
    for cell in nb.cells:
        if cells.is_solution(cell) and cell.cell_type == "code":
            cell.source = strip_markers(answers[cells.grade_id(cell)])
    return nb


def test_where_the_course_is_installed_the_cell_does_nothing_and_says_nothing() -> None:
    nb = add_setup(_release(), CHAPTER, repository=REPOSITORY)
    nb.cells = _setup_cells(nb)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert nb.cells[0].outputs == []


def _python_without_the_course(tmp_path: Path) -> Path:
    """A fresh environment, as Colab's is to the course: every package of this one (Keras,
    TensorFlow, Jupyter...) but not the course itself, and pip."""
    env = tmp_path / "env"
    venv.create(env, with_pip=True)
    here = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_relative_to(sys.prefix)))
    shared = tmp_path / "shared-site-packages"
    shared.mkdir()
    for entry in here.iterdir():
        if not entry.name.lower().startswith(("convnet_course", "__editable__", "pip", "_pip")):
            (shared / entry.name).symlink_to(entry)
    site = next(env.glob("lib/python*/site-packages"))
    (site / "this-environments-packages.pth").write_text(f"{shared}\n")
    return env


@pytest.mark.usefixtures("sample_photos")
def test_a_python_without_the_course_installs_it_and_runs_chapter_0(tmp_path, monkeypatch) -> None:
    """Offline, the install cell takes a wheel built from the checkout (as Colab takes the
    repository), then chapter 0, answered, runs to the end on what the package ships."""
    wheel = course_wheel(tmp_path / "wheels")

    env = _python_without_the_course(tmp_path)
    python = env / "bin" / "python"
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert subprocess.run([python, "-c", "import course_lib"], capture_output=True, cwd=tmp_path).returncode == 1
    assert subprocess.run([python, "-c", "import keras, ipykernel"], capture_output=True, cwd=tmp_path).returncode == 0
    kernels = tmp_path / "jupyter" / "kernels" / "colab-like"
    kernels.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (kernels / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "colab-like", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline: the wheel alone; its dependencies are all there

    nb = _answered(add_setup(_release(), CHAPTER, install=str(wheel)))
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell("import course_lib\nprint(course_lib.__file__)"))
    folder = tmp_path / "work"
    folder.mkdir()
    NotebookClient(nb, timeout=600, kernel_name="colab-like", resources={"metadata": {"path": str(folder)}}).execute()

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]
    assert not errors, errors[0]
    printed = "".join(o.get("text", "") for o in nb.cells[first_code + 1].outputs)
    assert printed.startswith(str(env / "lib")), printed  # the course the cell installed, not the checkout

"""A learner's own notebooks in my-work/: made from the release, never overwritten, updated
beside the learner's work with what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from course_tools import cli, workcopy
from course_tools.release import release
from course_tools.reports import Report
from helpers import ROOT


def _source(task: str, *sections: str) -> nbformat.NotebookNode:
    meta = {"nbgrader": {"grade_id": "answer", "schema_version": 3, "solution": True, "grade": False, "locked": False}}
    cells = [nbformat.v4.new_markdown_cell(f"# {task}")]
    for section in sections:
        cells.append(nbformat.v4.new_markdown_cell(f"## {section}\nRead this."))
    cells.append(nbformat.v4.new_code_cell("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION", metadata=meta))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    for name in ("one", "two"):
        (tmp_path / "solutions" / name).mkdir(parents=True)
        nbformat.write(_source(name, "Start"), tmp_path / "solutions" / name / f"{name}.ipynb")
    release(tmp_path)
    return tmp_path


def _mine(course: Path, name: str) -> Path:
    return course / workcopy.WORK / name / f"{name}.ipynb"


def test_first_use_copies_the_release_and_nothing_rewrites_the_learners_copy(course: Path) -> None:
    assert workcopy.update(course) == [f"new: my-work/{n}/{n}.ipynb" for n in ("one", "two")]
    mine = _mine(course, "one")
    nb = nbformat.read(mine, as_version=4)
    nb.cells[-1].source = "x = 3  # my answer"
    nbformat.write(nb, mine)
    nbformat.write(_source("one", "Start", "A new section"), course / "solutions/one/one.ipynb")

    release(course)  # what make run, bench and hub run first

    assert "my answer" in mine.read_text(), "release writes notebooks/, never my-work/"
    assert workcopy.notebooks(course) == [_mine(course, "one"), _mine(course, "two")], "make grade grades these"


def test_an_update_keeps_the_learners_work_and_brings_the_new_version_beside_it(course: Path) -> None:
    workcopy.update(course)
    mine = _mine(course, "one")
    nb = nbformat.read(mine, as_version=4)
    nb.cells[-1].source = "x = 3  # my answer"
    nbformat.write(nb, mine)
    for name in ("one", "two"):
        nbformat.write(_source(name, "Start", "A new section"), course / "solutions" / name / f"{name}.ipynb")
    (course / "solutions" / "three").mkdir()
    nbformat.write(_source("three"), course / "solutions/three/three.ipynb")
    release(course)  # git pull brings the new release

    lines = workcopy.update(course)

    (beside,) = mine.parent.glob("one.course-*.ipynb")
    assert "my answer" in mine.read_text() and "A new section" in beside.read_text()
    assert (
        "changed in the course: my-work/one/one.ipynb is yours and kept; "
        f"the new version is my-work/one/{beside.name}; sections changed: A new section" in lines
    )
    assert "updated: my-work/two/two.ipynb (you had not changed it); sections changed: A new section" in lines
    assert "A new section" in _mine(course, "two").read_text()
    assert "new: my-work/three/three.ipynb" in lines
    assert workcopy.update(course) == [], "nothing new: nothing done"
    assert "my answer" in mine.read_text()


def test_make_grade_grades_the_learners_copy_by_default(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workcopy.update(course)
    (_mine(course, "two")).unlink()
    graded = []

    def self_grade(notebook: Path, root: Path, assignment: str | None) -> tuple[Report, Path]:
        graded.append(notebook)
        return Report(notebook.parent.name, "me", notebook), notebook.with_suffix(".html")

    monkeypatch.setattr(cli, "self_grade", self_grade)
    assert cli.main(["--course", str(course), "grade"]) == 0
    assert graded == [_mine(course, "one"), course / "notebooks/two/two.ipynb"], "the learner's copy, else the release"


def test_git_never_tracks_the_learners_work() -> None:
    assert f"{workcopy.WORK}/" in (ROOT / ".gitignore").read_text().splitlines()


def test_an_edited_file_can_get_its_new_version_aside_rather_than_beside(tmp_path: Path) -> None:
    """The hub's course folder: a second notebook beside a source would join its assignment."""
    source, target = tmp_path / "repo", tmp_path / "course"
    (source / "solutions" / "one").mkdir(parents=True)
    (source / "solutions" / "one" / "one.py").write_text("first")
    assert workcopy.bring(source, target, [source / "solutions"], "course", aside="updates") == [
        "new: course/solutions/one/one.py"
    ]
    (target / "solutions" / "one" / "one.py").write_text("mine")
    (source / "solutions" / "one" / "one.py").write_text("fixed")

    (line,) = workcopy.bring(source, target, [source / "solutions"], "course", aside="updates")

    (aside,) = (target / "updates").glob("*/solutions/one/one.py")
    assert aside.read_text() == "fixed" and (target / "solutions/one/one.py").read_text() == "mine"
    assert sorted(p.name for p in (target / "solutions" / "one").iterdir()) == ["one.py"]
    assert line == (
        "changed in the course: course/solutions/one/one.py is yours and kept; "
        f"the new version is course/{aside.relative_to(target)}"
    )


def test_an_update_names_what_a_kept_notebook_imports_that_the_course_moved(tmp_path: Path) -> None:
    """A learner's notebook from before a module moved (``from course_lib import data``,
    now course_lib.photos.data) is kept; the update says which imports to take from the new version."""
    source, target = tmp_path / "release", tmp_path / "mine"

    def notebook(code: str) -> nbformat.NotebookNode:
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])

    old = "from course_lib import backend, data, pretrained\nfrom course_lib.backend import keras\npretrained.blocks"
    (source / "one").mkdir(parents=True)
    nbformat.write(notebook(old), source / "one" / "one.ipynb")
    workcopy.bring(source, target, [source / "one"], "my-work")
    nbformat.write(notebook(old + "\nx = 1  # my work"), target / "one" / "one.ipynb")
    new = "from course_lib import backend\nfrom course_lib.photos import data\nfrom course_lib.pretrained import bases"
    nbformat.write(notebook(new), source / "one" / "one.ipynb")

    (line,) = workcopy.bring(source, target, [source / "one"], "my-work")

    assert line.startswith("changed in the course: my-work/one/one.ipynb is yours and kept")
    assert line.endswith(
        "; yours imports what the course has moved or renamed (course_lib.data, course_lib.pretrained): "
        "copy the imports of the new version's first code cell into yours"
    )
    nbformat.write(notebook(new + "\nbases.blocks  # my work"), target / "one" / "one.ipynb")
    nbformat.write(notebook(new + "\nprint(1)"), source / "one" / "one.ipynb")
    (line,) = workcopy.bring(source, target, [source / "one"], "my-work")
    assert "moved or renamed" not in line  # its imports are the course's

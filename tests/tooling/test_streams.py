"""A graded cell's stderr does not decide its grade: it becomes stdout after the notebook
runs, in the course's autograding pipeline; other cells keep theirs."""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import Execute, SaveAutoGrades
from nbgrader.utils import determine_grade

from course_tools.config import nbgrader_config
from course_tools.streams import StderrAsStdout, autograde_preprocessors
from helpers import ROOT


def _cell(grade: bool) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("import warnings; warnings.warn('careful')")
    cell.metadata["nbgrader"] = {
        "grade": grade,
        "solution": False,
        "locked": True,
        "points": 2,
        "grade_id": "test_x" if grade else "other",
        "schema_version": 3,
    }
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n"),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    return cell


def test_a_graded_cell_that_warns_keeps_its_points_and_its_text() -> None:
    nb = nbformat.v4.new_notebook(cells=[_cell(grade=True), _cell(grade=False)])
    assert determine_grade(nb.cells[0]) == (0, 2)  # what nbgrader alone would give
    nb, _ = StderrAsStdout().preprocess(nb, {})
    graded, other = nb.cells
    assert determine_grade(graded) == (2, 2)
    assert [o.name for o in graded.outputs] == ["stdout", "stdout"]
    assert "careful" in graded.outputs[0].text
    assert [o.name for o in other.outputs] == ["stderr", "stdout"]


def test_an_error_still_costs_the_points() -> None:
    cell = _cell(grade=True)
    cell.outputs.append(nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong", traceback=[]))
    nb, _ = StderrAsStdout().preprocess(nbformat.v4.new_notebook(cells=[cell]), {})
    assert determine_grade(nb.cells[0]) == (0, 2)


def test_the_course_configuration_runs_it_after_the_notebook_and_before_the_grades() -> None:
    from course_tools.verdict import VerdictExecute

    steps = nbgrader_config(ROOT).Autograde.autograde_preprocessors
    assert steps == autograde_preprocessors()
    assert Execute not in steps, "nbgrader's own Execute would run the tests in the student's kernel"
    assert steps.index(VerdictExecute) < steps.index(StderrAsStdout) < steps.index(SaveAutoGrades)


def _validate(tmp_path, *sources: str, config=None, check: str = "1 + 1 == 2") -> dict:
    from nbgrader.validator import Validator

    test = nbformat.v4.new_code_cell(f"import warnings\nwarnings.warn('careful')\nassert {check}")
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "test_x",
        "schema_version": 3,
    }
    path = tmp_path / "answer.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[*map(nbformat.v4.new_code_cell, sources), test]), path)
    validator = Validator(config=nbgrader_config(ROOT, tmp_path) if config is None else config)
    validator.ignore_checksums = True
    return validator.validate(str(path))


def test_validate_passes_a_right_answer_that_warns_with_the_course_configuration(tmp_path) -> None:
    from traitlets.config import Config

    assert "failed" in _validate(tmp_path, "import numpy", config=Config())  # nbgrader alone fails it
    assert _validate(tmp_path, "import numpy") == {}


def test_validate_still_fails_a_wrong_answer_that_warns(tmp_path) -> None:
    failed = _validate(tmp_path, "answer = 3", check="answer == 2, 'answer should be 2'")
    assert "answer should be 2" in str(failed["failed"]), failed

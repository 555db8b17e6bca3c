"""Each exercise graded on its own: with every other exercise of the chapter blank or
answered wrongly, a right answer still earns all its points, and a wrong or missing one
costs points in its own exercise only. The lesson's own cells run to the end meanwhile
(the course's stand-ins take over where an answer is missing or fails).

Two autograding runs a chapter, as an instructor grades: the exercises at even places
answered as the solution does and the others left blank; then the odd ones answered and
the even ones answered wrongly (a plausible mistake from the chapter's fairness tests). An
exercise that an answered one builds on (a convolution layer from ``conv2d``) is left blank
or wrong in that run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import test_basics_answers
import test_getting_started_answers
import test_pretrained_answers
import test_visualizing_answers

from answers import SHORTCUT, Exercise, strip_markers
from course_tools import cells, sandbox
from course_tools.config import CONFIG_FILE
from course_tools.course import notebook_name
from course_tools.scratch import ScratchCourse
from helpers import ROOT

CHAPTERS = {
    module.ASSIGNMENT: module.EXERCISES
    for module in (test_getting_started_answers, test_basics_answers, test_pretrained_answers, test_visualizing_answers)
}


def _mistake(exercise: Exercise) -> str | None:
    """A plausible wrong answer (not a shortcut), or None where the chapter lists none."""
    return next((wrong.source for wrong in exercise.wrong if wrong.message != SHORTCUT), None)


def _built_on(assignment: str) -> dict[str, set[str]]:
    """The exercises (grade ids) each exercise's test says it builds on (``builds_on=``)."""
    nb = nbformat.read(ROOT / "solutions" / assignment / notebook_name(ROOT, assignment), as_version=4)
    defining = {
        name: cells.grade_id(c)
        for c in nb.cells
        if cells.is_solution(c)
        for name in re.findall(r"^def (\w+)", c.source, re.M)
    }
    tests = {ex.test: gid for gid, ex in CHAPTERS[assignment].items()}
    found: dict[str, set[str]] = {}
    for cell in nb.cells:
        for names in re.findall(r"builds_on=\(([^)]*)\)", cell.source):
            found.setdefault(tests[cells.grade_id(cell)], set()).update(defining[n] for n in re.findall(r"\w+", names))
    return found


def _submission(assignment: str, answered: set[str], wrong: set[str]) -> nbformat.NotebookNode:
    """The release notebook with the solution's answer to ``answered`` and a mistake in
    ``wrong``; every other exercise blank."""
    name = notebook_name(ROOT, assignment)
    solution = {cells.grade_id(c): c for c in nbformat.read(ROOT / "solutions" / assignment / name, as_version=4).cells}
    nb = nbformat.read(ROOT / "notebooks" / assignment / name, as_version=4)
    for cell in nb.cells:
        gid = cells.grade_id(cell)
        if gid in answered:
            cell.source = strip_markers(solution[gid].source)
        elif gid in wrong:
            cell.source = _mistake(CHAPTERS[assignment][gid])
    return nb


@pytest.mark.parametrize("parity", [0, 1], ids=["others-blank", "others-wrong"])
@pytest.mark.parametrize("assignment", sorted(CHAPTERS))
def test_each_exercise_earns_its_points_alone(assignment: str, parity: int, tmp_path: Path) -> None:
    exercises = CHAPTERS[assignment]
    order = list(exercises)  # in the notebook's order
    answered = {gid for n, gid in enumerate(order) if n % 2 == parity}
    answered -= {earlier for later, pieces in _built_on(assignment).items() if later in answered for earlier in pieces}
    wrong = {gid for gid in order if gid not in answered and parity and _mistake(exercises[gid])}
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    shutil.copyfile(ROOT / CONFIG_FILE, course / CONFIG_FILE)
    submitted = tmp_path / notebook_name(ROOT, assignment)
    nbformat.write(_submission(assignment, answered, wrong), submitted)
    grader = ScratchCourse(course, tmp_path / "work", sandboxed=not sandbox.unavailable())
    report = grader.autograde(assignment, submitted, student="alone")
    results = {c.grade_id: c for c in report.cells}
    problems = []
    for gid in order:
        got = results[exercises[gid].test]
        if gid in answered and not got.passed:
            problems.append(f"{gid}, answered right beside blank or wrong answers, lost points: {got.message}")
        if gid not in answered and got.points:
            problems.append(f"{gid}, {'wrong' if gid in wrong else 'blank'}, earned {got.points:g} points")
    answer_cells = {cells.grade_id(c) for c in nbformat.read(submitted, as_version=4).cells if cells.is_solution(c)}
    for error in report.other_errors:  # "cell 7 (count_trainable): ..."
        found = re.match(r"cell \d+ \(([^)]*)\)", error)
        if not found or found.group(1) not in answer_cells:
            problems.append(f"a lesson cell failed: {error}")
    assert not problems, "\n".join(problems)

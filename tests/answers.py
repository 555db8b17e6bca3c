"""The chapters' fairness tests share this harness: other people's answers to each
exercise, graded by nbgrader with the course's configuration, the way a class's would be.

For every exercise a chapter lists correct answers that differ from the solution (another
algorithm, another API, one that warns or prints to stderr) and plausible wrong ones (and
the shortcut of calling the course's own code). They all go into one copy of the source
notebook: after an exercise's test cell, each answer gets a copy of the answer cell and of
the test cell (under new grade ids), then the solution's code runs again, so the rest of
the notebook sees the solution. One autograding run (fast mode) then grades every answer.
A right answer must earn every point; a wrong one none, with a message naming the mistake.
"""

from __future__ import annotations

import copy
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_tools import cells, sandbox
from course_tools.config import CONFIG_FILE
from course_tools.course import notebook_name
from course_tools.reports import Report
from course_tools.scratch import ScratchCourse
from helpers import ROOT


@dataclass(frozen=True)
class Right:
    """A correct answer; ``prints``: text it writes (to stderr, say) while the test runs,
    which must show in the graded test cell."""

    source: str
    prints: str = ""


@dataclass(frozen=True)
class Wrong:
    """A plausible wrong answer, and a regular expression its failure message must match."""

    source: str
    message: str


@dataclass(frozen=True)
class Exercise:
    """Answers to the exercise whose answer cell has ``grade_id`` the key of the mapping
    that holds this, graded by the test cell ``test``."""

    test: str
    right: list[Right] = field(default_factory=list)
    wrong: list[Wrong] = field(default_factory=list)


SHORTCUT = r"calls the course's own"  # the message of checks.own_work


def strip_markers(source: str) -> str:
    return "\n".join(
        line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def _variant_cells(answer: nbformat.NotebookNode, test: nbformat.NotebookNode, label: str, source: str):
    answer_copy, test_copy = copy.deepcopy(answer), copy.deepcopy(test)
    answer_copy.source = source.strip()
    answer_copy.metadata.nbgrader["grade_id"] = f"{cells.grade_id(answer)}-{label}"
    test_copy.metadata.nbgrader["grade_id"] = f"{cells.grade_id(test)}-{label}"
    for made in (answer_copy, test_copy):
        made["id"] = uuid.uuid4().hex[:12]
        made.outputs, made.execution_count = [], None
    restore = nbformat.v4.new_code_cell(strip_markers(answer.source))  # the solution again
    return [answer_copy, test_copy, restore]


def _with_answers(nb: nbformat.NotebookNode, exercises: dict[str, Exercise]) -> nbformat.NotebookNode:
    by_id = {cells.grade_id(c): i for i, c in enumerate(nb.cells)}
    missing = {gid for gid, ex in exercises.items() for needed in (gid, ex.test) if needed not in by_id}
    assert not missing, f"no cells {sorted(missing)} in the notebook"
    extra: dict[int, list] = {}
    for gid, exercise in exercises.items():
        answer, test = nb.cells[by_id[gid]], nb.cells[by_id[exercise.test]]
        made = extra.setdefault(by_id[exercise.test], [])
        for n, right in enumerate(exercise.right, 1):
            made += _variant_cells(answer, test, f"right{n}", right.source)
        for n, wrong in enumerate(exercise.wrong, 1):
            made += _variant_cells(answer, test, f"wrong{n}", wrong.source)
    out = copy.deepcopy(nb)
    out.cells = [c for i, cell in enumerate(nb.cells) for c in [cell, *extra.get(i, [])]]
    return out


def grade_answers(assignment: str, exercises: dict[str, Exercise], tmp_path: Path) -> Report:
    """Autograde the solution of ``assignment`` with ``exercises``' answers put in."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    shutil.copyfile(ROOT / CONFIG_FILE, course / CONFIG_FILE)
    name = notebook_name(ROOT, assignment)
    source = course / "solutions" / assignment / name
    nbformat.write(_with_answers(nbformat.read(source, as_version=4), exercises), source)
    sandboxed = not sandbox.unavailable()  # as a class is graded, where this machine can
    return ScratchCourse(course, tmp_path / "work", sandboxed=sandboxed).autograde(
        assignment, source, student="answers"
    )


def _outputs_text(report: Report, grade_id: str) -> str:
    nb = nbformat.read(report.notebook, as_version=4)
    (cell,) = [c for c in nb.cells if cells.grade_id(c) == grade_id]
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def assert_fair(assignment: str, exercises: dict[str, Exercise], tmp_path: Path) -> dict[str, tuple[int, int]]:
    """Every right answer earns all its points, every wrong one none and the message it
    names; the solution's own cells still pass. Returns (right, wrong) counts per exercise."""
    report = grade_answers(assignment, exercises, tmp_path)
    results = {c.grade_id: c for c in report.cells}
    problems = []
    for exercise in exercises.values():
        for n, right in enumerate(exercise.right, 1):
            got = results[f"{exercise.test}-right{n}"]
            if not got.passed:
                problems.append(f"{got.grade_id}: a right answer lost points: {got.message or '(no message)'}")
            elif right.prints and right.prints not in _outputs_text(report, got.grade_id):
                problems.append(f"{got.grade_id}: the answer should have printed {right.prints!r} in the test cell")
        for n, wrong in enumerate(exercise.wrong, 1):
            got = results[f"{exercise.test}-wrong{n}"]
            if got.points:
                problems.append(f"{got.grade_id}: a wrong answer earned {got.points:g} points")
            elif not re.search(wrong.message, got.message):
                problems.append(f"{got.grade_id}: failed with {got.message!r}, not with /{wrong.message}/")
    originals = [c for c in report.cells if c.kind == "auto" and "-" not in c.grade_id]
    problems += [f"{c.grade_id}: the solution lost points: {c.message}" for c in originals if not c.passed]
    problems += [
        f"{c.grade_id}: lost points with no message"
        for c in report.cells
        if c.kind == "auto" and not c.passed and not c.message
    ]
    problems += [f"a cell raised: {error}" for error in report.other_errors]
    assert not problems, "\n".join(problems)
    return {gid: (len(ex.right), len(ex.wrong)) for gid, ex in exercises.items()}

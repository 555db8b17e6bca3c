"""Shared by the chapters' wrong-answer tests: put plausible wrong answers into a solved
notebook, autograde it once (fast mode), and check each one earns nothing, for the right
reason, while the untouched exercises still pass."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from helpers import ROOT

from course_lib.tooling import cells
from course_lib.tooling.course import notebook_name
from course_lib.tooling.scratch import ScratchCourse

# grade_id of an answer cell -> (wrong answer, its test cell, a regex the failure message must match)
Wrong = dict[str, tuple[str, str, str]]


def assert_caught(assignment: str, wrong: Wrong, tmp_path: Path, *, dependent: frozenset[str] = frozenset()) -> None:
    """``dependent``: test cells left out of the last check because they call one of the
    wrong answers."""
    source = ROOT / "solutions" / assignment / notebook_name(ROOT, assignment)
    nb = nbformat.read(source, as_version=4)
    replaced = set()
    for cell in nb.cells:
        grade_id = cells.grade_id(cell)
        if grade_id in wrong:
            cell.source = wrong[grade_id][0].strip()
            replaced.add(grade_id)
    assert replaced == set(wrong), f"no answer cells {set(wrong) - replaced} in {source.name}"
    submission = tmp_path / source.name
    nbformat.write(nb, submission)

    report = ScratchCourse(ROOT, tmp_path / "course").autograde(assignment, submission, student="wrong")

    results = {c.grade_id: c for c in report.cells}
    for _, test_id, words in wrong.values():
        assert results[test_id].points == 0, f"{test_id} gave points to a wrong answer"
        assert re.search(words, results[test_id].message), f"{test_id} failed with {results[test_id].message!r}"
    tested = {test_id for _, test_id, _ in wrong.values()}
    untouched = [c.grade_id for c in report.cells if c.kind == "auto" and c.grade_id not in tested | dependent]
    assert all(results[t].passed for t in untouched), f"untouched exercises should still pass: {untouched}"

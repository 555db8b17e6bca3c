"""The grading harness, run over every assignment in solutions/ (a new chapter is covered
with no new test code): the release is in sync and hides the answers, the solution earns
full marks and runs cleanly, the blank release earns nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from course_tools import cells, expectations
from course_tools.course import assignments
from course_tools.release import made_beside_a_release
from course_tools.scratch import ScratchCourse
from helpers import ROOT, hidden_lines

ASSIGNMENTS = assignments(ROOT)


def _source_notebook(assignment: str) -> Path:
    (path,) = sorted((ROOT / "solutions" / assignment).glob("*.ipynb"))
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> ScratchCourse:
    return ScratchCourse(ROOT, tmp_path_factory.mktemp("scratch-course"))


def test_there_are_assignments() -> None:
    assert "00-getting-started" in ASSIGNMENTS


def test_notebooks_are_stored_without_outputs() -> None:
    stored = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))
    dirty = [
        str(path.relative_to(ROOT))
        for path in stored
        if not made_beside_a_release(path)
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"strip the outputs of {sorted(set(dirty))} before committing"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_solutions(course: ScratchCourse, assignment: str) -> None:
    generated = course.generate(assignment)
    committed = ROOT / "notebooks" / assignment
    want = {p.relative_to(generated): p for p in generated.rglob("*") if p.is_file()}
    have = {p.relative_to(committed): p for p in committed.rglob("*") if p.is_file() and not made_beside_a_release(p)}
    assert sorted(have) == sorted(want), (
        f"notebooks/{assignment} lists other files than nbgrader makes: run `make release`"
    )
    for name, path in want.items():
        if path.suffix == ".ipynb":
            same = json.loads(path.read_text()) == json.loads(have[name].read_text())
        else:
            same = path.read_bytes() == have[name].read_bytes()
        assert same, f"notebooks/{assignment}/{name} is out of date with solutions/: run `make release`"


#: What belongs in INSTRUCTORS.md and benchmarks/, never in a student's notebook: machines,
#: dates, the course's own commands and tests, bookkeeping calls.
LAB_NOTES = re.compile(
    r"xeon|epyc|\bamx\b|make bench|bench\.py|when this notebook was written|when the course was written|"
    r"a test of the course|measured with keras|results\.record|\b20\d\d-\d\d-\d\d\b",
    re.IGNORECASE,
)


def _release_notebook(assignment: str) -> nbformat.NotebookNode:
    (path,) = sorted((ROOT / "notebooks" / assignment).glob(f"{assignment}.ipynb"))
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebooks_carry_no_lab_notes(assignment: str) -> None:
    found = [
        (index, match.group())
        for index, cell in enumerate(_release_notebook(assignment).cells)
        for match in LAB_NOTES.finditer(cell.source)
    ]
    assert not found, f"lab notes in notebooks/{assignment} (cell, text): {found}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_chapter_opens_with_what_to_expect_from_the_benchmarks(assignment: str) -> None:
    nb = _release_notebook(assignment)
    box = nb.cells[1]
    assert expectations.filled(box) == "what_to_expect", "the cell after the title is the What-to-expect box"
    assert box.source == expectations.what_to_expect(expectations.load(), assignment)
    assert "**Run time**" in box.source and "not measured yet on a CPU" not in box.source
    for cell in nb.cells:
        if expectations.filled(cell):
            assert "Filled from" not in cell.source and "written here from" not in cell.source, (
                "a benchmark cell left unfilled"
            )


def test_chapter_2_uses_the_image_size_its_validation_photos_chose() -> None:
    sizes = expectations.load()["image_sizes"]["sizes"]
    best = max(sizes, key=lambda row: row["validation_accuracy"]["mean"])["image_size"]
    assert f"IMAGE_SIZE = settings.pick({best}," in _source_notebook("02-pretrained-convnets").read_text(), (
        f"the benchmarks chose {best} pixels on the validation photos: use it, or say why not"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_or_hidden_test(assignment: str) -> None:
    hidden, _ = hidden_lines(nbformat.read(_source_notebook(assignment), as_version=4))
    assert hidden, "the source notebook should hold solutions and hidden tests"
    (release,) = sorted((ROOT / "notebooks" / assignment).glob(f"{assignment}*.ipynb"))
    text = "\n".join(cell.source for cell in nbformat.read(release, as_version=4).cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{release.name} contains {marker!r}"
    leaked = sorted(line for line in hidden if line in text)
    assert not leaked, f"{release.name} gives away: {leaked}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_full_marks_and_runs_cleanly(course: ScratchCourse, assignment: str) -> None:
    """Autograding runs the notebook in fast mode (nbgrader sets NBGRADER_EXECUTION), so
    this also proves the solution notebook executes cleanly in fast mode."""
    report = course.autograde(assignment, _source_notebook(assignment), student="solution")
    assert report.auto_max > 0, "an assignment needs autograded exercises"
    failed = [f"{c.grade_id}: {c.message}" for c in report.cells if c.kind == "auto" and not c.passed]
    assert not failed, f"the solution fails its own tests: {failed}"
    assert report.auto_score == report.auto_max
    assert not report.other_errors, f"cells of the solution raise errors: {report.other_errors}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_earns_nothing(course: ScratchCourse, assignment: str) -> None:
    (release,) = sorted((ROOT / "notebooks" / assignment).glob(f"{assignment}*.ipynb"))
    report = course.autograde(assignment, release, student="blank")
    auto = [c for c in report.cells if c.kind == "auto"]
    assert auto and report.auto_max > 0
    passed = [c.grade_id for c in auto if c.points]
    assert not passed, f"tests pass without an answer: {passed}"
    assert all(c.message for c in auto), "each failing test should say why"
    answer_cells = {
        f"({cells.grade_id(c)})" for c in nbformat.read(release, as_version=4).cells if cells.is_solution(c)
    }
    lesson_errors = [error for error in report.other_errors if not any(gid in error for gid in answer_cells)]
    assert not lesson_errors, f"the lesson's cells should go on past blank exercises (stand_ins.yours): {lesson_errors}"


NUMBERS = {
    word: n for n, word in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_opening_counts_the_exercises_and_questions_there_are(assignment: str) -> None:
    """Where a notebook's first cell says how many exercises or questions it holds, the
    count is the number of its answer cells (code for exercises, Markdown for questions)."""
    nb = nbformat.read(_source_notebook(assignment), as_version=4)
    there = {
        "exercises": sum(1 for c in nb.cells if c.cell_type == "code" and cells.is_solution(c)),
        "questions": sum(1 for c in nb.cells if c.cell_type == "markdown" and cells.is_solution(c)),
    }
    said = re.findall(
        r"\b(\w+) (?:short |written )?(exercises|questions)\b", nb.cells[0].source.replace("\n", " "), re.I
    )
    for word, what in said:
        if word.lower() in NUMBERS:
            assert NUMBERS[word.lower()] == there[what.lower()], (
                f"the opening says {word} {what}; the notebook has {there[what.lower()]}"
            )

"""The grading workflows of INSTRUCTORS.md, end to end, and the bad submissions a class
sends: each is graded (or refused) on its own, and nothing else is lost."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_tools import cells, classroom, cli
from course_tools.release import release
from course_tools.reports import MISSING_TEST
from helpers import ROOT

ASSIGNMENT = "00-getting-started"
NAME = f"{ASSIGNMENT}.ipynb"
SOLUTION = nbformat.read(ROOT / "solutions" / ASSIGNMENT / NAME, as_version=4)
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def _variant(edit=None) -> str:
    """The solution notebook as a student would submit it, changed by ``edit``."""
    nb = nbformat.from_dict(json.loads(json.dumps(SOLUTION)))
    if edit:
        edit(nb)
    return nbformat.writes(nb)


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells if cells.grade_id(c) == grade_id)


def _set(grade_id: str, source: str):
    def edit(nb):
        _cell(nb, grade_id).source = source

    return edit


def _chain(*edits):
    def edit(nb):
        for step in edits:
            step(nb)

    return edit


WRONG_ACCURACY = "def binary_accuracy(labels, probabilities, threshold=0.5):\n    return 0.0"
SUBMISSIONS = {  # file name in the downloaded zip -> content
    f"alice_{NAME}": _variant(),
    "bob_my copy.ipynb": _variant(_set("to_batch", "def to_batch(image):\n    raise ValueError('oops')")),
    f"carol/{NAME}": '{"cells": [ {"cell_type": "code", ',  # cut off: not JSON
    f"dave_{NAME}": _variant(_set("top_k", "def top_k(p, names, k=5):\n    return []\nwhile True:\n    pass")),
    f"erin_{NAME}": _variant(_chain(_set("binary_accuracy", WRONG_ACCURACY), _set("test_binary_accuracy", "pass"))),
    f"frank_{NAME}": _variant(
        _chain(_set("binary_accuracy", WRONG_ACCURACY), lambda nb: nb.cells.remove(_cell(nb, "test_binary_accuracy")))
    ),
    f"gina_{NAME}": _variant(
        _set(
            "to_batch",
            "def to_batch(image):\n    return np.asarray(image, 'float32')[None]\n"
            "print('x' * 100 + '\\n' * 1, end='' )\n"
            "for _ in range(200_000):\n    print('y' * 100)",
        )
    ),
    f"hank_{NAME}": _variant(
        _set("top_k", "import convnet_helpers_that_do_not_exist\ndef top_k(p, names, k=5):\n    return []")
    ),
    "ivan_notes.ipynb": "[1, 2, 3]",
}
DUE = "2099-01-01 00:00:00 UTC"  # every submission above is dated today: on time
LATE = zipfile.ZipInfo(f"lara_{NAME}", date_time=(2099, 1, 3, 12, 0, 0))  # a right answer, two and a half days late


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, classroom.Outcome], list]:
    root = tmp_path_factory.mktemp("class")
    config = (ROOT / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config + "\nc.ExecutePreprocessor.timeout = 15  # for the endless loop\n")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    release(root)
    (root / "students.csv").write_text("id,first_name,last_name\nalice,Alice,A\nbob,Bob,B\n")
    subprocess.run([NBGRADER, "db", "student", "import", "students.csv"], cwd=root, check=True, capture_output=True)
    subprocess.run(
        [NBGRADER, "db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE}"], cwd=root, check=True, capture_output=True
    )
    downloads = root / "downloads.zip"
    with zipfile.ZipFile(downloads, "w") as archive:
        for name, text in SUBMISSIONS.items():
            archive.writestr(name, text)
        archive.writestr(LATE, _variant())
        archive.writestr("../escape.ipynb", "{}")  # a zip must not write outside its folder
    collected = classroom.collect(root, ASSIGNMENT, downloads)
    outcomes = {o.student: o for o in classroom.autograde_all(root, ASSIGNMENT)}
    return root, outcomes, collected


def test_collect_renames_flags_and_stays_inside(graded_class) -> None:
    root, _, collected = graded_class
    notes = {c.student: c.note for c in collected}
    assert sorted(notes) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "lara"]
    assert f"renamed bob_my copy.ipynb to {NAME}" in notes["bob"]
    assert "FLAGGED" in notes["carol"] and "not valid notebook JSON" in notes["carol"]
    assert "FLAGGED" in notes["ivan"]
    assert (root / "submitted" / "bob" / ASSIGNMENT / NAME).is_file()
    assert not (root.parent / "escape.ipynb").exists()
    again = {c.student: c.note for c in classroom.collect(root, ASSIGNMENT, root / "downloads.zip")}
    assert again["alice"] == "unchanged since the last collect"


def test_a_correct_submission_gets_full_marks(graded_class) -> None:
    _, outcomes, _ = graded_class
    report = outcomes["alice"].report
    assert report is not None and report.auto_score == report.auto_max == 5


def test_a_cell_that_raises_costs_only_its_exercises(graded_class) -> None:
    report = graded_class[1]["bob"].report
    scores = {c.grade_id: c.points for c in report.cells if c.kind == "auto"}
    assert scores["test_to_batch"] == 0 and scores["test_binary_accuracy"] == 2
    assert "oops" in next(c.message for c in report.cells if c.grade_id == "test_to_batch")


@pytest.mark.parametrize("student", ["carol", "ivan"])
def test_a_broken_file_is_refused_with_a_reason(graded_class, student: str) -> None:
    outcome = graded_class[1][student]
    assert outcome.report is None and "not graded" in outcome.problem and "notebook" in outcome.problem


def test_an_endless_loop_times_out_and_the_rest_is_graded(graded_class) -> None:
    report = graded_class[1]["dave"].report
    scores = {c.grade_id: c.points for c in report.cells if c.kind == "auto"}
    assert scores == {"test_to_batch": 1, "test_top_k": 0, "test_binary_accuracy": 2}
    assert any("top_k" in error for error in report.other_errors)


def test_an_edited_locked_test_is_restored(graded_class) -> None:
    report = graded_class[1]["erin"].report
    accuracy = next(c for c in report.cells if c.grade_id == "test_binary_accuracy")
    assert accuracy.points == 0 and "AssertionError" in accuracy.message
    assert report.auto_score < report.auto_max


def test_a_deleted_test_cell_is_flagged_never_full_marks(graded_class) -> None:
    report = graded_class[1]["frank"].report
    accuracy = next(c for c in report.cells if c.grade_id == "test_binary_accuracy")
    assert accuracy.points == 0 and accuracy.message == MISSING_TEST
    assert report.auto_score < report.auto_max


def test_huge_output_is_cut_and_graded(graded_class) -> None:
    root, outcomes, _ = graded_class
    assert outcomes["gina"].report.auto_score == 5
    assert (root / "autograded" / "gina" / ASSIGNMENT / NAME).stat().st_size < 5_000_000


def test_a_missing_module_costs_only_its_exercise(graded_class) -> None:
    report = graded_class[1]["hank"].report
    assert any("ModuleNotFoundError" in error for error in report.other_errors)
    assert {c.grade_id: c.points for c in report.cells if c.kind == "auto"}["test_binary_accuracy"] == 2


def test_feedback_and_export_with_nbgrader(graded_class) -> None:
    """The last two steps of INSTRUCTORS.md are nbgrader's own commands."""
    root, _, _ = graded_class
    subprocess.run([NBGRADER, "generate_feedback", ASSIGNMENT], cwd=root, check=True, capture_output=True)
    assert (root / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()
    subprocess.run([NBGRADER, "export", "--to", "grades.csv"], cwd=root, check=True, capture_output=True)
    rows = {row["student_id"]: row for row in csv.DictReader((root / "grades.csv").open())}
    assert float(rows["alice"]["score"]) == 5 and rows["alice"]["first_name"] == "Alice"
    assert float(rows["erin"]["score"]) < 5 and float(rows["frank"]["score"]) < 5
    assert float(rows["bob"]["max_score"]) == 7  # 5 autograded + 2 for the written answer
    assert float(rows["alice"]["late_submission_penalty"]) == 0, "on time: no penalty"
    assert float(rows["lara"]["score"]) == 0 and float(rows["lara"]["late_submission_penalty"]) == 5, rows["lara"]


def test_the_autograde_table_shows_a_late_penalty_and_the_score_that_counts(graded_class) -> None:
    _, outcomes, _ = graded_class
    assert outcomes["lara"].report.auto_score == 5, "the late answer itself is right"
    row = cli.table_row(outcomes["lara"])
    assert "LATE by 2 d" in row and "penalty 5, so 0 in grades.csv" in row, row
    assert "LATE" not in cli.table_row(outcomes["alice"]) and outcomes["alice"].report.late_penalty == 0


def test_autograding_again_keeps_the_gradebook(graded_class) -> None:
    root, _, _ = graded_class
    again = {o.student: o for o in classroom.autograde_all(root, ASSIGNMENT)}
    assert "already autograded" in again["alice"].problem
    assert again["alice"].report.auto_score == 5 and again["erin"].report.auto_score < 5


@pytest.mark.usefixtures("isolated_data")  # as a newcomer grades
def test_self_grading_never_changes_the_notebook(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "mine"  # beside isolated_data's cache
    folder.mkdir()
    notebook = folder / "my work.ipynb"
    notebook.write_text(_variant(_set("binary_accuracy", WRONG_ACCURACY)))
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()

    assert cli.main(["--course", str(ROOT), "grade", str(notebook), "--assignment", ASSIGNMENT]) == 0

    out = capsys.readouterr().out
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before
    assert "test_binary_accuracy" in out and "FAILED" in out and "autograded: 3 / 5 points" in out
    assert "written answers: 2 more points" in out
    assert f"model answers in the cells of the same names in {ROOT / 'solutions' / ASSIGNMENT / NAME}" in out
    assert "photos: the course's sample of Oxford-IIIT Pet photos" in out, "say which photos the tests ran on"
    assert "<html" in (folder / "my work.feedback.html").read_text().lower()
    assert sorted(p.name for p in folder.iterdir()) == ["my work.feedback.html", "my work.ipynb"]


def test_collect_keeps_each_submissions_own_time(tmp_path: Path) -> None:
    """A zip entry dated 2020 is a submission of 2020, not of the day it was collected."""
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    downloads = tmp_path / "downloads.zip"
    with zipfile.ZipFile(downloads, "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"old_{NAME}", date_time=(2020, 3, 4, 5, 6, 7)), _variant())
    (collected,) = classroom.collect(root, ASSIGNMENT, downloads)
    stamp = (collected.target.parent / "timestamp.txt").read_text()
    assert stamp.startswith("2020-03-0"), stamp  # 4 March in local time, 3 or 4 in UTC

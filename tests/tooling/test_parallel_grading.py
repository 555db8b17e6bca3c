"""Autograding a class in parallel workers: the gradebook of one-at-a-time grading, no
grade lost when killed midway, one autograde of a course at a time, a progress bar."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry
from test_classroom import ASSIGNMENT, NAME, WRONG_ACCURACY, _set, _variant

from course_tools import classroom, cli, grading
from helpers import ROOT

CLI = str(Path(sys.executable).parent / "convnet-course")
CLASS = {  # student -> submitted notebook
    "alice": _variant(),
    "bob": _variant(_set("to_batch", "def to_batch(image):\n    raise ValueError('oops')")),
    "carol": _variant(_set("binary_accuracy", WRONG_ACCURACY)),
    "dave": _variant(_set("top_k", "def top_k(p, names, k=5):\n    return []")),
    "erin": '{"cells": [',  # not a notebook: refused, counted as failed
}
GRADABLE = ["alice", "bob", "carol", "dave"]


def _course(root: Path) -> Path:
    """A course folder with the class's submissions in submitted/."""
    root.mkdir(exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    for student, text in CLASS.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NAME).write_text(text)
    return root


def _gradebook(root: Path) -> dict[str, dict]:
    """Each submission's grades, comments and totals in the course's gradebook (no times)."""
    book = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "convnet-course") as gradebook:
        for student in gradebook.students:
            try:
                nb = gradebook.find_submission_notebook(Path(NAME).stem, ASSIGNMENT, student.id)
            except MissingEntry:
                continue
            book[student.id] = {
                "grades": sorted(
                    (g.name, g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade) for g in nb.grades
                ),
                "comments": sorted((c.name, c.auto_comment) for c in nb.comments),
                "notebook": (nb.score, nb.max_score, nb.code_score, nb.needs_manual_grade, nb.failed_tests, nb.flagged),
            }
    return book


def _results(out: str) -> dict[str, str]:
    """The command's line for each student, by student."""
    return {line.split()[0]: line for line in out.splitlines() if line.split()[:1] and line.split()[0] in CLASS}


def _graded(root: Path) -> dict[str, int]:
    """Students with an autograded notebook, and its modification time."""
    notebooks = {s: root / "autograded" / s / ASSIGNMENT / NAME for s in GRADABLE}
    return {s: path.stat().st_mtime_ns for s, path in notebooks.items() if path.exists()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The gradebook after autograding the class one submission at a time."""
    root = _course(tmp_path_factory.mktemp("one-at-a-time"))
    outcomes = classroom.autograde_all(root, ASSIGNMENT, workers=1, progress=False)
    assert [o.student for o in outcomes] == sorted(CLASS)
    return _gradebook(root)


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The class autograded by ``convnet-course autograde --workers 2``."""
    root = _course(tmp_path_factory.mktemp("two-workers"))
    run = subprocess.run(
        [CLI, "--course", str(root), "autograde", ASSIGNMENT, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return root, run


def test_two_workers_give_the_gradebook_of_one_at_a_time(reference, parallel) -> None:
    root, run = parallel
    assert sorted(reference) == GRADABLE
    assert len({str(entry["grades"]) for entry in reference.values()}) == 4, "four verdicts: a real comparison"
    assert _gradebook(root) == reference
    assert list(_results(run.stdout)) == sorted(CLASS), "results by student, whatever order they finished in"
    assert "not graded: it is not valid notebook JSON" in _results(run.stdout)["erin"]
    assert not (root / grading.STAGING).exists()


def test_the_progress_bar_counts_done_left_and_failed(parallel) -> None:
    _, run = parallel
    assert f"autograding {ASSIGNMENT}" in run.stderr and "5/5" in run.stderr
    states = [tuple(map(int, s)) for s in re.findall(r"done=(\d+), left=(\d+), failed=(\d+)", run.stderr)]
    assert states[-1] == (4, 0, 1)
    assert any(left > 0 for _, left, _ in states), "the bar moves while grading, not only at the end"
    assert all(sum(state) == 5 for state in states)
    assert "done=" not in run.stdout and "WARNING" not in run.stderr, "kernels' start-up noise stays out of the bar"


def test_killed_midway_then_run_again_grades_only_what_is_missing(reference, tmp_path: Path, capsys) -> None:
    root = _course(tmp_path / "course")
    with (tmp_path / "killed.log").open("w") as log:
        run = subprocess.Popen(
            [CLI, "--course", str(root), "autograde", ASSIGNMENT, "--workers", "2"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while not _graded(root) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    before = _graded(root)
    missing = sorted(set(GRADABLE) - set(before))
    assert before and missing, f"the kill came before the first result or after the last: {before}"
    assert any((root / grading.STAGING / s / ASSIGNMENT / NAME).exists() for s in missing), "a submission was mid-way"
    # what `nbgrader autograde` leaves when killed: the submission's copy, cleared, never run
    leftover = nbformat.read(root / "submitted" / missing[0] / ASSIGNMENT / NAME, as_version=4)
    for cell in leftover.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    (root / "autograded" / missing[0] / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(leftover, root / "autograded" / missing[0] / ASSIGNMENT / NAME)

    assert cli.main(["--course", str(root), "autograde", ASSIGNMENT, "--workers", "2"]) == 0

    lines = _results(capsys.readouterr().out)
    assert sorted(s for s in GRADABLE if "already autograded" in lines[s]) == sorted(before)
    assert sorted(s for s in GRADABLE if "already autograded" not in lines[s] and "/5" in lines[s]) == missing
    assert {s: t for s, t in _graded(root).items() if s in before} == before, "complete ones were left alone"
    assert _gradebook(root) == reference


def test_a_second_autograde_is_refused_while_one_runs(parallel, capsys) -> None:
    root, _ = parallel
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom course_tools import grading\n"
            "with grading.exclusive(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(300)",
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = _gradebook(root)
        tick = time.perf_counter()
        assert cli.main(["--course", str(root), "autograde", ASSIGNMENT, "--force"]) == 2
        assert time.perf_counter() - tick < 10, "refused at once, not after a wait"
        err = capsys.readouterr().err
        assert "Another autograde is running on this course" in err and f"pid {holder.pid} " in err
        assert "Wait until it has finished, or stop it" in err
        assert _gradebook(root) == before
    finally:
        holder.kill()
        holder.wait()
    again = classroom.autograde_all(root, ASSIGNMENT, progress=False)  # a killed holder frees the lock
    assert all("already autograded" in o.problem for o in again if o.student in GRADABLE)


def test_a_resubmission_newer_than_its_grade_is_graded_again_without_force(parallel) -> None:
    root, _ = parallel
    before = _gradebook(root)
    assert before["carol"]["notebook"][0] < 5, "carol's first submission has a wrong answer"
    (root / "submitted" / "carol" / ASSIGNMENT / NAME).write_text(_variant())  # she fixes it and resubmits
    again = {o.student: o for o in classroom.autograde_all(root, ASSIGNMENT, progress=False)}
    assert "already autograded" not in again["carol"].problem and again["carol"].report.auto_score == 5
    assert all("already autograded" in again[s].problem for s in GRADABLE if s != "carol")
    assert {s: e for s, e in _gradebook(root).items() if s != "carol"} == {
        s: e for s, e in before.items() if s != "carol"
    }

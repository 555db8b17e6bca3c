"""Autograding sections: one submission per chapter, what grading that cannot be fooled costs,
and a class graded by several workers."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .machine import ROOT


def autograding() -> list[dict]:
    """Seconds to autograde the solution of each chapter as a student's submission (the
    assignment is generated first, untimed, as an instructor does once)."""
    from course_tools.course import assignments, notebook_name
    from course_tools.scratch import ScratchCourse

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        course = ScratchCourse(ROOT, Path(tmp))
        for assignment in assignments(ROOT):
            course.generate(assignment)
            notebook = ROOT / "solutions" / assignment / notebook_name(ROOT, assignment)
            start = time.perf_counter()
            report = course.autograde(assignment, notebook, student="bench")
            rows.append(
                {
                    "assignment": assignment,
                    "seconds": round(time.perf_counter() - start, 1),
                    "score": f"{report.auto_score:g}/{report.auto_max:g}",
                }
            )
    return rows


def grading_guard(
    assignments: tuple[str, ...] = ("00-getting-started", "03-visualizing-convnets"), repeats: int = 3
) -> dict:
    """Seconds to autograde each chapter's solution three ways, the median of ``repeats``:
    as nbgrader alone does (tests in the student's kernel, no sandbox), with the tests
    decided outside the kernel (:mod:`course_tools.verdict`), and with that kernel
    sandboxed too (how a class is graded). The cost of what keeps grading from being fooled."""
    import statistics

    from nbgrader.preprocessors import Execute

    from course_tools import sandbox
    from course_tools.course import notebook_name
    from course_tools.scratch import ScratchCourse
    from course_tools.verdict import VerdictExecute

    ways = {"in_kernel": (False, Execute), "outside": (False, VerdictExecute)}
    if not sandbox.unavailable():
        ways["outside_sandboxed"] = (True, VerdictExecute)
    rows = []
    for assignment in assignments:
        notebook = ROOT / "solutions" / assignment / notebook_name(ROOT, assignment)
        row: dict = {"assignment": assignment}
        for way, (sandboxed, step) in ways.items():
            with tempfile.TemporaryDirectory() as tmp:
                course = ScratchCourse(ROOT, Path(tmp), sandboxed=sandboxed)
                steps = course.config.Autograde.autograde_preprocessors
                course.config.Autograde.autograde_preprocessors = [step if s is VerdictExecute else s for s in steps]
                course.generate(assignment)
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    report = course.autograde(assignment, notebook, student="bench")
                    times.append(time.perf_counter() - start)
            row[way] = round(statistics.median(times), 1)
            row[f"{way}_score"] = f"{report.auto_score:g}/{report.auto_max:g}"
        rows.append(row)
    return {"repeats": repeats, "rows": rows, "sandbox": sandbox.describe()}


def class_grading(size: int = 40, worker_counts: tuple[int, ...] = (1, 2), estimate_for: int = 300) -> dict:
    """Submissions per minute of ``convnet-course autograde`` (:func:`classroom.autograde_all`)
    on a class of ``size`` submissions of 00-getting-started (copies of the solution, one in
    four with a wrong answer) with each number of workers, each run in a scratch course
    folder and timed whole (registering the assignment and starting the workers included);
    and, from the best measured rate, an estimate of the time for a class of ``estimate_for``."""
    import copy
    import shutil

    import nbformat

    from course_tools import cells, classroom

    assignment = "00-getting-started"
    name = f"{assignment}.ipynb"
    solution = nbformat.read(ROOT / "solutions" / assignment / name, as_version=4)
    wrong = {
        "binary_accuracy": "def binary_accuracy(labels, probabilities, threshold=0.5):\n    return 0.0",
        "top_k": "def top_k(probabilities, class_names, k=5):\n    return []",
    }
    rows, scores = [], []
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(prefix="convnet-bench-class-") as tmp:
            root = Path(tmp)
            shutil.copy(ROOT / "nbgrader_config.py", root)
            shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
            for n in range(size):
                nb = copy.deepcopy(solution)
                if n % 4 == 3:  # a wrong answer, binary_accuracy and top_k in turn
                    grade_id = list(wrong)[n // 4 % 2]
                    next(c for c in nb.cells if cells.grade_id(c) == grade_id).source = wrong[grade_id]
                folder = root / "submitted" / f"student{n:03d}" / assignment
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / name)
            start = time.perf_counter()
            outcomes = classroom.autograde_all(root, assignment, workers=workers)
            seconds = time.perf_counter() - start
        scores.append({o.student: o.report and o.report.auto_score for o in outcomes})
        graded = [o.report for o in outcomes if o.report]
        rows.append(
            {
                "workers": workers,
                "seconds": round(seconds, 1),
                "per_minute": round(60 * size / seconds, 1),
                "seconds_each": round(sum(o.seconds for o in outcomes) / size, 1),
                "graded": len(graded),
                "full_marks": sum(1 for r in graded if r.auto_score == r.auto_max),
            }
        )
    best = max(rows, key=lambda row: row["per_minute"])
    return {
        "assignment": assignment,
        "submissions": size,
        "rows": rows,
        "speedup": round(rows[-1]["per_minute"] / rows[0]["per_minute"], 2),
        "same_grades": all(s == scores[0] for s in scores),
        "best_workers": best["workers"],
        "estimate_for": estimate_for,
        "estimated_minutes": round(estimate_for / best["per_minute"], 1),
    }

"""Grading your own notebook, hidden tests included, for students and self-learners
(``make grade``): the notebook is only read; nbgrader's feedback page lands beside it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from course_lib.photos import sources

from .course import find_assignment, find_course_root, notebook_name
from .reports import Report
from .scratch import ScratchCourse


def self_grade(notebook: Path, root: Path | None = None, assignment: str | None = None) -> tuple[Report, Path]:
    """Autograde a student's own notebook against the source, hidden tests included, and
    write nbgrader's HTML feedback beside it as ``<name>.feedback.html``.

    The notebook itself is only read. Returns the report and the feedback page.
    """
    notebook = Path(notebook).resolve()
    root = Path(root).resolve() if root else find_course_root(notebook.parent)
    assignment = assignment or find_assignment(root, notebook)
    with tempfile.TemporaryDirectory(prefix="convnet-grade-") as tmp:
        course = ScratchCourse(root, Path(tmp))
        report = course.autograde(assignment, notebook, student="me")
        report.photos = _photos()
        report.model_answers = root / "solutions" / assignment / notebook_name(root, assignment)
        page = notebook.with_name(f"{notebook.stem}.feedback.html")
        shutil.copyfile(course.feedback(assignment, "me"), page)
        report.notebook = page
    return report, page


def _photos() -> str:
    """Which photos the graded notebook ran on (what went wrong, where it could not run)."""
    try:
        return sources.for_grading().describe()
    except sources.DataNotFoundError as exc:
        return f"none: {str(exc).splitlines()[0]}"

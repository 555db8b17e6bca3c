"""What autograding one notebook gave: read back from nbgrader's gradebook and the
autograded notebook, each failing cell with the message that names the mistake, and
printed as a table for the terminal (``make grade``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import cells

MISSING_TEST = "this test cell is missing from the notebook (deleted?): 0 points until an instructor looks"


@dataclass(frozen=True)
class CellResult:
    """One graded cell of a submission."""

    grade_id: str
    kind: str  # "auto": a test cell graded by running it; "manual": a written answer
    points: float | None  # None while a written answer awaits its grade
    max_points: float
    message: str = ""  # the error a failing test cell raised

    @property
    def passed(self) -> bool:
        return self.points is not None and self.points >= self.max_points


@dataclass
class Report:
    """What autograding one notebook gave."""

    assignment: str
    student: str
    notebook: Path  # the autograded copy (with outputs)
    cells: list[CellResult] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)  # errors in cells that carry no grade
    photos: str = ""  # which photos the notebook ran on, when known
    model_answers: Path | None = None  # the source notebook, for a self-learner to compare written answers with
    seconds_late: float = 0.0  # after the due date (with any extension), from the submission's timestamp
    late_penalty: float = 0.0  # what nbgrader's LateSubmissionPlugin takes off (grades.csv's score is net of it)

    @property
    def auto_score(self) -> float:
        return sum(c.points or 0.0 for c in self.cells if c.kind == "auto")

    @property
    def auto_max(self) -> float:
        return sum(c.max_points for c in self.cells if c.kind == "auto")

    @property
    def manual_max(self) -> float:
        return sum(c.max_points for c in self.cells if c.kind == "manual")

    def lateness(self) -> str:
        """ "" when on time; else how late, the penalty, and the score grades.csv will hold."""
        if self.seconds_late <= 0:
            return ""
        hours, seconds = divmod(round(self.seconds_late), 3600)
        late = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h {seconds // 60} min"
        written = sum(c.points or 0.0 for c in self.cells if c.kind == "manual")
        net = max(self.auto_score + written - self.late_penalty, 0.0)
        return f"LATE by {late}: penalty {self.late_penalty:g}, so {net:g} in grades.csv" + (
            " (before the written answers are graded)" if self.manual_max else ""
        )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _message_first(evalue: str) -> str:
    """NumPy's testing errors start with their tolerances and put the test's own message
    second: bring the message to the front."""
    lines = [line.strip() for line in evalue.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith(("Not equal to tolerance", "Arrays are not")):
        lines = [lines[1].rstrip(".") + ".", lines[0], *lines[2:]]
    return "\n".join(lines)


def _error_text(cell: nbformat.NotebookNode) -> str:
    """``ErrorName: message`` of the cell's error; for a bare ``assert``, its line of code."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {_message_first(output.get('evalue', ''))}".strip()
            if not output.get("evalue"):
                lines = _ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
                failing = [line.split("---->", 1)[1] for line in lines if "---->" in line]
                if failing:
                    text += " " + re.sub(r"^\s*\d+\s*", "", failing[-1]).strip()
            text = " ".join(text.split())  # one line: NumPy's messages span several
            return text if len(text) <= 400 else text[:397] + "..."
    return ""


def read_report(gradebook, assignment: str, student: str, notebook_id: str, graded: Path) -> Report:
    """The scores of an autograded submission (from the gradebook) and the messages of
    its failing cells (from the autograded notebook ``graded``)."""
    nb = nbformat.read(graded, as_version=4)
    cells_by_id = {cells.grade_id(c): c for c in nb.cells}
    report = Report(assignment, student, graded)
    with gradebook:
        submission = gradebook.find_submission_notebook(notebook_id, assignment, student)
        for grade in sorted(submission.grades, key=lambda g: _position(nb, g.name)):
            if grade.cell_type == "markdown":
                report.cells.append(CellResult(grade.name, "manual", grade.manual_score, float(grade.max_score)))
                continue
            if grade.name not in cells_by_id:  # a deleted test cell: nbgrader leaves it ungraded
                points, message = 0.0, MISSING_TEST
            else:
                points, message = grade.auto_score or 0.0, _error_text(cells_by_id[grade.name])
            if grade.manual_score is not None:  # an instructor's override wins
                points = grade.manual_score
            report.cells.append(CellResult(grade.name, "auto", points, float(grade.max_score), message))
        report.seconds_late = submission.assignment.total_seconds_late
        report.late_penalty = float(submission.late_submission_penalty or 0.0)
    graded_ids = {c.grade_id for c in report.cells}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cells.grade_id(cell) not in graded_ids and _error_text(cell):
            report.other_errors.append(f"cell {index} ({cells.grade_id(cell) or 'no id'}): {_error_text(cell)}")
    return report


def _position(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for index, cell in enumerate(nb.cells):
        if cells.grade_id(cell) == grade_id:
            return index
    return len(nb.cells)


def format_report(report: Report) -> str:
    """A per-exercise table of a report, for the terminal."""
    rows = [("exercise", "points", "result", "")]
    for cell in report.cells:
        if cell.kind == "manual":
            points = f"{cell.points:g} / {cell.max_points:g}" if cell.points is not None else f"? / {cell.max_points:g}"
            rows.append((cell.grade_id, points, "written", "graded by hand"))
        else:
            verdict = "passed" if cell.passed else "FAILED"
            rows.append((cell.grade_id, f"{cell.points:g} / {cell.max_points:g}", verdict, cell.message))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{a:<{width[0]}}  {b:>{width[1]}}  {c:<{width[2]}}  {d}".rstrip() for a, b, c, d in rows]
    lines.insert(1, "-" * (sum(width) + 4))
    lines.append("")
    lines.append(f"autograded: {report.auto_score:g} / {report.auto_max:g} points")
    if report.manual_max and report.model_answers:
        written = ", ".join(c.grade_id for c in report.cells if c.kind == "manual")
        lines.append(
            f"written answers: {report.manual_max:g} more points, not graded automatically: your teacher "
            f"grades them, or on your own, compare yours ({written}) with the model answers in the cells "
            f"of the same names in {report.model_answers}"
        )
    elif report.manual_max:
        lines.append(f"written answers: {report.manual_max:g} more points, graded by your teacher")
    if report.photos:
        lines.append(f"photos: {report.photos}")
    for error in report.other_errors:
        lines.append(f"note: {error}")
    return "\n".join(lines)

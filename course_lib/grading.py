"""nbgrader plumbing for the course: generating the release and autograding notebooks.

nbgrader does the grading; this module drives its Python API in-process (saving the
start-up of one ``nbgrader`` command per step) inside a *scratch course*: a throw-away
folder with a copy of the course's source notebooks, the course's ``nbgrader_config.py``
and a gradebook of its own. The course's folders and gradebook are never touched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
STUBS = ("YOUR CODE HERE", "YOUR ANSWER HERE")


class GradingError(RuntimeError):
    """nbgrader could not do what was asked; the message carries its log."""


def find_course_root(start: Path | None = None) -> Path:
    """The course folder: the first of ``start`` (default: the working folder) and its
    parents that holds ``nbgrader_config.py`` and ``solutions/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / "solutions").is_dir():
            return folder
    raise GradingError(
        f"No course folder found at or above {here}: expected a folder with {CONFIG_FILE} and "
        "solutions/. Run this command inside your clone of the course."
    )


def assignments(root: Path) -> list[str]:
    """Names of the assignments: the folders of ``solutions/`` that hold a notebook."""
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def course_config(root: Path) -> Config:
    """The course's nbgrader configuration (its ``nbgrader_config.py``)."""
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


@dataclass(frozen=True)
class CellResult:
    """One graded cell of a submission."""

    grade_id: str
    kind: str  # "auto": a test cell graded by running it; "manual": a written answer
    points: float | None  # None while a manual grade is pending
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

    @property
    def auto_score(self) -> float:
        return sum(c.points or 0.0 for c in self.cells if c.kind == "auto")

    @property
    def auto_max(self) -> float:
        return sum(c.max_points for c in self.cells if c.kind == "auto")

    @property
    def manual_max(self) -> float:
        return sum(c.max_points for c in self.cells if c.kind == "manual")


class ScratchCourse:
    """A throw-away nbgrader course built from the course at ``root``, in ``workdir``."""

    def __init__(self, root: Path, workdir: Path, *, timeout: int | None = None) -> None:
        from nbgrader.apps import NbGraderAPI

        _put_interpreter_on_path()
        self.root = Path(root).resolve()
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = course_config(self.root)
        config.CourseDirectory.root = str(self.workdir)
        config.CourseDirectory.db_url = f"sqlite:///{self.workdir / 'gradebook.db'}"
        if timeout is not None:
            config.ExecutePreprocessor.timeout = timeout
        self.config = config
        self.api = NbGraderAPI(config=config)
        self.api.log.setLevel(logging.WARNING)
        self._generated: set[str] = set()

    def generate(self, assignment: str) -> Path:
        """Generate the student version of ``assignment``; returns its folder."""
        if assignment not in self._generated:
            source = self.root / "solutions" / assignment
            if not source.is_dir():
                raise GradingError(f"There is no assignment {assignment!r} in {self.root / 'solutions'}.")
            target = self.workdir / "solutions" / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            _check(self.api.generate_assignment(assignment, force=True, create=True), f"generate {assignment}")
            self._generated.add(assignment)
        return self.workdir / "notebooks" / assignment

    def autograde(self, assignment: str, notebook: Path, student: str = "student") -> Report:
        """Autograde ``notebook`` as ``student``'s submission of ``assignment``.

        The notebook is copied under the name of the assignment's notebook, so a file
        saved under another name is still graded. The original is never modified.
        """
        names = sorted(p.name for p in (self.root / "solutions" / assignment).glob("*.ipynb"))
        if len(names) != 1:
            raise GradingError(f"Assignment {assignment!r} should hold exactly one notebook, found {names}.")
        self.generate(assignment)
        submission = self.workdir / "submitted" / student / assignment
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir(parents=True)
        shutil.copyfile(notebook, submission / names[0])
        _check(self.api.autograde(assignment, student, force=True, create=True), f"autograde {student}/{assignment}")
        graded = self.workdir / "autograded" / student / assignment / names[0]
        return _report(self.api.gradebook, assignment, student, Path(names[0]).stem, graded)


def _put_interpreter_on_path() -> None:
    """nbgrader runs ``alembic`` (installed beside this Python) as a command: make sure it is
    found even when the virtual environment is not activated."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise GradingError(f"nbgrader could not {what}:\n{result.get('error') or ''}\n{result.get('log') or ''}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _error_text(cell: nbformat.NotebookNode) -> str:
    """``ErrorName: message`` of the cell's error; for a bare ``assert``, its line of code."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
            if not output.get("evalue"):
                lines = _ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
                failing = [line.split("---->", 1)[1] for line in lines if "---->" in line]
                if failing:
                    text += " " + re.sub(r"^\s*\d+\s*", "", failing[-1]).strip()
            return text
    return ""


def _report(gradebook, assignment: str, student: str, notebook_id: str, graded: Path) -> Report:
    nb = nbformat.read(graded, as_version=4)
    cells_by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    report = Report(assignment, student, graded)
    with gradebook:
        submission = gradebook.find_submission_notebook(notebook_id, assignment, student)
        for grade in sorted(submission.grades, key=lambda g: _position(nb, g.name)):
            manual = grade.cell_type == "markdown" or grade.auto_score is None
            points = grade.manual_score if manual else grade.auto_score
            message = "" if manual else _error_text(cells_by_id.get(grade.name, {}))
            report.cells.append(
                CellResult(grade.name, "manual" if manual else "auto", points, float(grade.max_score), message)
            )
    graded_ids = {c.grade_id for c in report.cells}
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade_id") not in graded_ids and _error_text(cell):
            report.other_errors.append(f"cell {index} ({meta.get('grade_id', 'no id')}): {_error_text(cell)}")
    return report


def _position(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    return len(nb.cells)


def shows_student_work(path: Path) -> bool:
    """Whether a release notebook holds work nobody can regenerate: outputs, or an
    answer cell whose stub was replaced."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            return True
        if cell.metadata.get("nbgrader", {}).get("solution") and not any(s in cell.source for s in STUBS):
            return True
    return False


def release(root: Path, names: list[str] | None = None) -> list[str]:
    """Regenerate ``notebooks/`` from ``solutions/`` (all assignments, or ``names``).

    A release notebook that a student has worked in is first copied to
    ``<name>.backup-<time>.ipynb`` beside it, never overwritten silently. Returns one
    line per file changed.
    """
    import time

    root = Path(root).resolve()
    lines: list[str] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="convnet-release-") as tmp:
        course = ScratchCourse(root, Path(tmp))
        for assignment in names or assignments(root):
            generated = course.generate(assignment)
            for source in sorted(p for p in generated.rglob("*") if p.is_file()):
                target = root / "notebooks" / assignment / source.relative_to(generated)
                if target.exists() and target.read_bytes() == source.read_bytes():
                    continue
                if target.suffix == ".ipynb" and target.exists() and shows_student_work(target):
                    backup = target.with_name(f"{target.stem}.backup-{stamp}{target.suffix}")
                    shutil.copy2(target, backup)
                    lines.append(f"{target.relative_to(root)} had a student's work: saved it as {backup.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                lines.append(f"wrote {target.relative_to(root)}")
    return lines


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

from . import sources

CONFIG_FILE = "nbgrader_config.py"
STUBS = ("YOUR CODE HERE", "YOUR ANSWER HERE")
MISSING_TEST = "this test cell is missing from the notebook (deleted?): 0 points until an instructor looks"


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

    def __init__(self, root: Path, workdir: Path, *, timeout: int | None = None, db_url: str | None = None) -> None:
        from nbgrader.apps import NbGraderAPI

        _put_interpreter_on_path()
        self.root = Path(root).resolve()
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = course_config(self.root)
        config.CourseDirectory.root = str(self.workdir)
        config.CourseDirectory.db_url = db_url or f"sqlite:///{self.workdir / 'gradebook.db'}"
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
        name = notebook_name(self.root, assignment)
        problem = notebook_problem(Path(notebook))
        if problem:
            raise GradingError(f"{notebook} cannot be graded: {problem}.")
        self.generate(assignment)
        submission = self.workdir / "submitted" / student / assignment
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir(parents=True)
        shutil.copyfile(notebook, submission / name)
        _check(self.api.autograde(assignment, student, force=True, create=True), f"autograde {student}/{assignment}")
        graded = self.workdir / "autograded" / student / assignment / name
        return read_report(self.api.gradebook, assignment, student, Path(name).stem, graded)

    def feedback(self, assignment: str, student: str) -> Path:
        """nbgrader's HTML feedback for an autograded submission; returns its path."""
        _check(self.api.generate_feedback(assignment, student), f"generate feedback for {student}/{assignment}")
        name = Path(notebook_name(self.root, assignment)).with_suffix(".html").name
        return self.workdir / "feedback" / student / assignment / name


def notebook_name(root: Path, assignment: str) -> str:
    """File name of the one notebook of ``assignment``."""
    names = sorted(p.name for p in (root / "solutions" / assignment).glob("*.ipynb"))
    if len(names) != 1:
        raise GradingError(f"Assignment {assignment!r} should hold exactly one notebook, found {names}.")
    return names[0]


def notebook_problem(path: Path) -> str:
    """Why ``path`` is not a notebook nbgrader can grade ("" when it is one)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        return "the file does not exist"
    except UnicodeDecodeError:
        return "it is not a text file, so not a notebook"
    except Exception as exc:  # nbformat raises several kinds for broken JSON
        return f"it is not valid notebook JSON ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return f"it is not a valid notebook ({exc.message[:120]})"
    return ""


def find_assignment(root: Path, notebook: Path) -> str:
    """The assignment a student's notebook belongs to: its folder's name, else its file
    name, else the assignment whose graded cells it holds."""
    known = assignments(root)
    for guess in (notebook.resolve().parent.name, notebook.stem):
        if guess in known:
            return guess
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in _cells(notebook)} - {None}
    matches = [a for a in known if ids and ids <= _grade_ids(root, a)]
    if len(matches) == 1:
        return matches[0]
    raise GradingError(f"Cannot tell which assignment {notebook} is; name it with --assignment (one of {known}).")


def _cells(path: Path) -> list:
    try:
        return nbformat.read(path, as_version=4).cells
    except Exception:
        return []


def _grade_ids(root: Path, assignment: str) -> set[str]:
    source = root / "solutions" / assignment / notebook_name(root, assignment)
    return {c.metadata.get("nbgrader", {}).get("grade_id") for c in _cells(source)} - {None}


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
    cells_by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
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
        report.photos = sources.for_grading().describe()
        page = notebook.with_name(f"{notebook.stem}.feedback.html")
        shutil.copyfile(course.feedback(assignment, "me"), page)
        report.notebook = page
    return report, page


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
    if report.manual_max:
        lines.append(f"written answers: {report.manual_max:g} more points, graded by your teacher")
    if report.photos:
        lines.append(f"photos: {report.photos}")
    for error in report.other_errors:
        lines.append(f"note: {error}")
    return "\n".join(lines)


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


def made_beside_a_release(path: Path) -> bool:
    """Whether a file in ``notebooks/`` is one the course or Jupyter writes next to a
    release notebook (backups, feedback pages, checkpoints), not part of the release."""
    return ".backup-" in path.name or path.name.endswith(".feedback.html") or ".ipynb_checkpoints" in path.parts


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


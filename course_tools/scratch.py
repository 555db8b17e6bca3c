"""nbgrader driven in-process in a *scratch course*: a throw-away folder with a copy of
the course's source notebooks and a gradebook of its own (saving the start-up of one
``nbgrader`` command per step). The course's folders and gradebook are never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

from . import config
from .course import GradingError, notebook_name, notebook_problem
from .reports import Report, read_report


def check(result: dict, what: str) -> None:
    """Raise GradingError with nbgrader's log unless its API call succeeded."""
    if not result.get("success"):
        raise GradingError(f"nbgrader could not {what}:\n{result.get('error') or ''}\n{result.get('log') or ''}")


class ScratchCourse:
    """A throw-away nbgrader course built from the course at ``root``, in ``workdir``.

    Args:
        root: the course (its ``nbgrader_config.py`` and ``solutions/``).
        workdir: where nbgrader works; made if missing.
        timeout: seconds a cell may run (default: the course's configuration).
        db_url: the gradebook (default: ``workdir/gradebook.db``).
        sandboxed: run the notebook's kernel in the sandbox (:mod:`.sandbox`); a learner
            grading their own work has nothing to gain from cheating, so not by default.
    """

    def __init__(
        self,
        root: Path,
        workdir: Path,
        *,
        timeout: int | None = None,
        db_url: str | None = None,
        sandboxed: bool = False,
    ) -> None:
        self.root = Path(root).resolve()
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        db_url = db_url or f"sqlite:///{self.workdir / 'gradebook.db'}"
        self.config = config.nbgrader_config(self.root, self.workdir, db_url=db_url, timeout=timeout)
        self.config.VerdictExecute.sandbox = sandboxed
        self.api = config.api(self.config)
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
            check(self.api.generate_assignment(assignment, force=True, create=True), f"generate {assignment}")
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
        check(self.api.autograde(assignment, student, force=True, create=True), f"autograde {student}/{assignment}")
        graded = self.workdir / "autograded" / student / assignment / name
        return read_report(self.api.gradebook, assignment, student, Path(name).stem, graded)

    def feedback(self, assignment: str, student: str) -> Path:
        """nbgrader's HTML feedback for an autograded submission; returns its path."""
        check(self.api.generate_feedback(assignment, student), f"generate feedback for {student}/{assignment}")
        name = Path(notebook_name(self.root, assignment)).with_suffix(".html").name
        return self.workdir / "feedback" / student / assignment / name

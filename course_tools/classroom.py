"""Running a class without JupyterHub: collect the students' notebooks, autograde them all.

This wraps nbgrader where it saves steps and says which nbgrader step each function
stands for; everything lands where nbgrader expects it (``submitted/``, ``autograded/``,
the course's ``gradebook.db``), so nbgrader's own commands (``generate_feedback``,
``export``, formgrader) carry on from there. See INSTRUCTORS.md.

:func:`collect` does the job of ``nbgrader zip_collect`` and adds what a class of
downloads needs: no configuration (zip_collect needs a ``FileNameCollectorPlugin`` regex
and extracts into ``downloaded/`` first); a notebook saved under another name is renamed;
a broken notebook is collected and flagged; a second collect never replaces a submission
silently (``--update`` keeps the previous one in ``collected-backups/``); an entry of a
zip that points outside the folder (``../``) is refused.

:func:`autograde_all` is ``nbgrader autograde`` for a class: in parallel worker
processes, one autograde of a course at a time, and resumable after a kill (what makes
each submission's autograde all or nothing is in :mod:`.grading`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from . import config, grading, sandbox
from .course import GradingError, notebook_name, notebook_problem
from .grading import Outcome
from .scratch import ScratchCourse

STUDENT_FROM_FILE = r"^([A-Za-z0-9][A-Za-z0-9.-]*)_"  # "jdoe_anything.ipynb" -> "jdoe"
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class Collected:
    """What ``collect`` did with one student's files."""

    student: str
    note: str
    target: Path | None = None  # the notebook in submitted/, None when nothing was copied


def collect(
    root: Path, assignment: str, source: Path, *, update: bool = False, pattern: str = STUDENT_FROM_FILE
) -> list[Collected]:
    """Copy students' notebooks from ``source`` into ``submitted/<student>/<assignment>/``
    (what ``nbgrader zip_collect`` does, without its configuration).

    ``source`` is a folder or a ``.zip`` of downloads holding either one folder per student
    (named by the student id) or files named ``<student>_<anything>.ipynb`` (``pattern``
    captures the id). A notebook saved under another name is renamed to the assignment's;
    a broken notebook is still collected, and flagged. A submission already collected is
    left alone unless ``update``, and then the previous one is kept in
    ``collected-backups/<time>/``.
    """
    root = Path(root).resolve()
    expected = notebook_name(root, assignment)
    with tempfile.TemporaryDirectory(prefix="convnet-collect-") as tmp:
        folder = _unpacked(Path(source), Path(tmp))
        return [
            _collect_one(root, assignment, expected, student, files, update)
            for student, files in sorted(_by_student(folder, pattern).items())
        ]


def _unpacked(source: Path, tmp: Path) -> Path:
    if source.is_dir():
        return source
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                target = (tmp / member.filename).resolve()
                if tmp.resolve() in target.parents and not member.is_dir():  # no "../" escapes
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
                    # the submission's own time, not the collect's (a zip stores local time)
                    stamp = time.mktime((*member.date_time, 0, 0, -1))
                    os.utime(target, (stamp, stamp))
        return tmp
    raise GradingError(f"{source} is neither a folder nor a zip file.")


def _by_student(folder: Path, pattern: str) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__MACOSX")):
            continue
        if entry.is_dir():
            notebooks = [p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
            found.setdefault(entry.name, []).extend(notebooks)
        elif entry.suffix == ".ipynb" and (match := re.match(pattern, entry.name)):
            found.setdefault(match.group(1), []).append(entry)
    return found


def _collect_one(
    root: Path, assignment: str, expected: str, student: str, files: list[Path], update: bool
) -> Collected:
    if not _VALID_ID.match(student):
        return Collected(student, "skipped: not a usable student id (letters, digits, . _ - only)")
    if not files:
        return Collected(student, "skipped: no notebook found")
    chosen = [f for f in files if f.name == expected] or files
    if len(chosen) > 1:
        return Collected(student, f"skipped: several notebooks, none named {expected}: {[f.name for f in files]}")
    (notebook,) = chosen
    target_dir = root / "submitted" / student / assignment
    target = target_dir / expected
    notes = []
    if target.exists():
        if target.read_bytes() == notebook.read_bytes():
            return Collected(student, "unchanged since the last collect", target)
        if not update:
            return Collected(student, "skipped: already collected and different; --update replaces it", target)
        backup = root / "collected-backups" / time.strftime("%Y%m%d-%H%M%S") / student / assignment
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target_dir), backup)
        notes.append(f"replaced the previous submission (kept in {backup.relative_to(root)})")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, target)
    stamp = datetime.fromtimestamp(notebook.stat().st_mtime, UTC)
    (target_dir / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    if notebook.name != expected:
        notes.append(f"renamed {notebook.name} to {expected}")
    if problem := notebook_problem(target):
        notes.append(f"FLAGGED: {problem}; it cannot be graded until the student resubmits")
    return Collected(student, "; ".join(notes) or "collected", target)


def autograde_all(
    root: Path,
    assignment: str,
    students: list[str] | None = None,
    *,
    force: bool = False,
    workers: int | None = None,
    progress: bool = True,
    unsandboxed: bool = False,
) -> list[Outcome]:
    """``nbgrader autograde <assignment>`` for a class: each submission in a worker process
    of its own (``workers`` at once, default one per CPU this process may use) and its own
    sandboxed kernel (:mod:`.sandbox`), so a broken or hostile submission never stops the
    others and each gets its own verdict.

    Where this machine cannot sandbox a kernel, it refuses unless ``unsandboxed``.
    The course is locked meanwhile, until the last worker has ended
    (:func:`grading.exclusive`: a second autograde is refused). The assignment's cells are
    first (re)registered in the course's gradebook from ``solutions/`` (as ``nbgrader
    generate_assignment`` would, but without rewriting ``notebooks/``). A student whose
    complete autograde is newer than their submission is skipped unless ``force``; any
    other (a resubmission, an autograde killed midway) is autograded. A worker that dies
    (a submission that escaped its limits) costs only the submissions it was grading: the
    others are graded again in fresh workers. A tqdm bar on stderr counts the
    submissions done, left and failed (not graded) unless not ``progress``. Returns the
    outcomes by student.
    """
    root = Path(root).resolve()
    workers = usable_cpus() if workers is None else workers
    if workers < 1:
        raise GradingError(f"--workers must be at least 1, not {workers}.")
    if not unsandboxed and (problem := sandbox.unavailable()):
        raise GradingError(
            f"Cannot autograde safely here: {problem}.\nA submission's code would run with your rights and could "
            "read the hidden tests and the gradebook or change its grade. Grade on a Linux machine with "
            "Landlock (Linux 6.7 or newer), or, knowing that, pass --unsandboxed."
        )
    with grading.exclusive(root):
        grading.patient_gradebook()
        settings = config.nbgrader_config(root)
        with tempfile.TemporaryDirectory(prefix="convnet-register-") as tmp:
            ScratchCourse(root, Path(tmp), db_url=settings.CourseDirectory.db_url).generate(assignment)
        gradebook = config.api(settings).gradebook
        name = notebook_name(root, assignment)
        submitted = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}"))
        outcomes: dict[str, Outcome] = {}
        todo = []
        for student in sorted(set(students or submitted)):
            if problem := notebook_problem(root / "submitted" / student / assignment / name):
                outcomes[student] = Outcome(student, None, f"not graded: {problem}")
            elif not force and (report := grading.graded_report(root, assignment, student, gradebook)):
                outcomes[student] = Outcome(
                    student, report, "already autograded, not resubmitted since (--force redoes it)"
                )
            else:
                todo.append(student)
        with tqdm(
            total=len(outcomes) + len(todo),
            desc=f"autograding {assignment}",
            unit="submission",
            file=sys.stderr,
            disable=not progress,
        ) as bar:
            _count(bar, outcomes, len(outcomes))
            try:
                if todo:
                    _grade_in_workers(root, assignment, todo, min(workers, len(todo)), outcomes, bar, not unsandboxed)
            finally:
                shutil.rmtree(root / grading.STAGING, ignore_errors=True)  # what killed workers left
    return [outcomes[student] for student in sorted(outcomes)]


def _grade_in_workers(
    root: Path,
    assignment: str,
    students: list[str],
    workers: int,
    outcomes: dict[str, Outcome],
    bar: tqdm,
    sandboxed: bool,
) -> None:
    """Grade ``students`` in ``workers`` processes. When a worker dies, the pool breaks and
    every submission in flight with it fails: those are graded again, each alone in a
    fresh worker, so only a submission that kills its own worker ends "not graded"."""
    broken = _run_pool(root, assignment, students, workers, outcomes, bar, sandboxed)
    for student in broken:
        if _run_pool(root, assignment, [student], 1, outcomes, bar, sandboxed):
            outcomes[student] = Outcome(
                student,
                None,
                "not graded: its worker process died (killed? out of memory?); run autograde again to grade it",
            )
            _count(bar, outcomes, 1)


def _run_pool(
    root: Path,
    assignment: str,
    students: list[str],
    workers: int,
    outcomes: dict[str, Outcome],
    bar: tqdm,
    sandboxed: bool,
) -> list[str]:
    """Grade ``students`` in one pool; returns those lost when it broke."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no state shared with this one
    broken = []
    with ProcessPoolExecutor(workers, mp_context=context, initializer=grading.worker_started, initargs=(root,)) as pool:
        jobs = {
            pool.submit(grading.grade_submission, root, assignment, student, sandbox_kernel=sandboxed): student
            for student in students
        }
        for job in as_completed(jobs):
            student = jobs[job]
            try:
                outcomes[student] = job.result()
            except BrokenProcessPool:
                broken.append(student)
                continue
            except Exception as exc:  # one submission's trouble never stops the class
                outcomes[student] = Outcome(student, None, f"not graded: {type(exc).__name__}: {exc}")
            _count(bar, outcomes, 1)
    return broken


def usable_cpus() -> int:
    """The CPUs this process may use: those it may run on, fewer under a CPU quota (a
    container's or a Kubernetes pod's limit)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = _cpu_quota()
    return max(1, min(count, math.ceil(quota))) if quota else count


def _cpu_quota() -> float | None:
    """CPUs allowed by the cgroup's CFS quota (v2 ``cpu.max``, else v1), None if unlimited."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 else None


def _count(bar: tqdm, outcomes: dict[str, Outcome], new: int) -> None:
    failed = sum(1 for o in outcomes.values() if o.report is None)
    bar.set_postfix(
        {"done": len(outcomes) - failed, "left": bar.total - len(outcomes), "failed": failed}, refresh=False
    )
    bar.update(new)

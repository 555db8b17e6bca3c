"""Autograding one submission in a worker process, all or nothing; one autograde of a
course at a time.

What nbgrader leaves behind when killed midway: ``nbgrader autograde`` writes the
submission's sanitized copy (outputs cleared, never run) into
``autograded/<student>/<assignment>/`` *before* running it, saves the grades cell by cell
as it goes, and only then overwrites the copy with the executed notebook. Killed in
between, it leaves that unexecuted copy beside grades that are missing (or, after
``--force``, partly the previous run's), and nbgrader, like a check that the folder
exists, then takes the student as graded. Here nbgrader works in a staging folder
(``.autograding/``), moved into ``autograded/`` only once nbgrader has succeeded, so a
notebook in ``autograded/`` means a complete run; :func:`graded_report` also refuses an
unexecuted copy left there by nbgrader's own command.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbgrader.api import MissingEntry
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config, sandbox
from .course import GradingError, notebook_name, notebook_problem
from .reports import Report, read_report

STAGING = ".autograding"  # where nbgrader works before a result moves into autograded/
LOCK_FILE = ".autograde.lock"
WORKERS_LOCK = ".autograde.workers.lock"  # held (shared) by every worker while it lives
WORKER_VARIABLE = "CONVNET_AUTOGRADE_WORKER"  # set in the workers of convnet-course autograde
BUSY_TIMEOUT_MS = 120_000  # sqlite's default, 5 s, fails a write behind any longer one


@dataclass
class Outcome:
    """The result of autograding one student's submission."""

    student: str
    report: Report | None
    problem: str = ""  # why it could not be graded
    seconds: float = 0.0


def _wait_when_busy(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def patient_gradebook() -> None:
    """Make this process's SQLite connections wait for a busy gradebook (up to
    ``BUSY_TIMEOUT_MS``) instead of failing with "database is locked"."""
    if not event.contains(Engine, "connect", _wait_when_busy):
        event.listen(Engine, "connect", _wait_when_busy)


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """Hold the course's autograde lock (``flock`` on ``LOCK_FILE``); raise GradingError
    at once, naming the holder, if another process holds it."""
    path = Path(root) / LOCK_FILE
    with path.open("a+") as handle:
        if holder := _lock_or_holder(handle):
            raise GradingError(
                f"Another autograde is running on this course: {holder} (it holds {path}).\n"
                "Wait until it has finished, or stop it and run this command again: the students "
                "it autograded completely are kept, the others are autograded again."
            ) from None
        _no_workers_left(Path(root))
        handle.truncate(0)
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
        handle.write(
            f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}: {command}\n"
        )
        handle.flush()
        yield


def _lock_or_holder(handle) -> str:
    """Take the course's lock on ``handle`` at once (""), else say who holds it."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return ""
    except BlockingIOError:
        handle.seek(0)
        return handle.read().strip() or "another process"


def _no_workers_left(root: Path, grace: float = 5.0) -> None:
    """Raise GradingError if a worker of an earlier autograde still runs (its grader was
    killed, its workers were not): they hold ``WORKERS_LOCK``. Waits ``grace`` seconds
    for workers that are just ending."""
    deadline = time.monotonic() + grace
    with (root / WORKERS_LOCK).open("a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GradingError(
                        "Another autograde of this course is still running: formgrader's, or workers of an earlier "
                        f"autograde whose main process was stopped (they hold {root / WORKERS_LOCK}). Wait for it "
                        "to finish, or stop it, then run this command again."
                    ) from None
                time.sleep(0.1)
        fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def alongside_class_runs(root: Path) -> Iterator[None]:
    """An autograde started outside ``convnet-course autograde`` (formgrader's buttons,
    ``nbgrader autograde``) is refused while a class autograde holds the course's lock,
    and counts as one of its workers while it runs, so that no class autograde starts."""
    path = Path(root) / LOCK_FILE
    if os.environ.get(WORKER_VARIABLE) or not path.parent.is_dir():
        yield  # a worker of convnet-course autograde, whose run holds the lock
        return
    with path.open("a+") as handle, (Path(root) / WORKERS_LOCK).open("a+") as workers:
        if holder := _lock_or_holder(handle):
            raise GradingError(
                f"convnet-course autograde is running on this course ({holder}): autograde this submission "
                "when it has finished."
            ) from None
        fcntl.flock(workers, fcntl.LOCK_SH)
        fcntl.flock(handle, fcntl.LOCK_UN)
        yield


_worker_lock = None  # this worker's handle on WORKERS_LOCK, open while it lives


def worker_started(root: Path) -> None:
    """Set up a worker process: hold ``WORKERS_LOCK`` (shared) while it lives, and quiet
    its stderr (:func:`quiet_stderr`)."""
    global _worker_lock
    _worker_lock = (Path(root) / WORKERS_LOCK).open("a+")
    fcntl.flock(_worker_lock, fcntl.LOCK_SH)
    os.environ[WORKER_VARIABLE] = "1"
    quiet_stderr()


def _executed(graded: Path) -> bool:
    nb = nbformat.read(graded, as_version=4)
    return any(c.cell_type == "code" and c.get("execution_count") is not None for c in nb.cells)


def graded_report(root: Path, assignment: str, student: str, gradebook) -> Report | None:
    """The report of ``student``'s complete autograde of their latest submission, None when
    there is none: the autograded notebook must exist, be valid, have run and be newer than
    the submission, and the gradebook must hold its grades."""
    name = notebook_name(root, assignment)
    graded = root / "autograded" / student / assignment / name
    if (
        notebook_problem(graded)
        or not _executed(graded)
        or _resubmitted(root / "submitted" / student / assignment, graded)
    ):
        return None
    try:
        return read_report(gradebook, assignment, student, Path(name).stem, graded)
    except MissingEntry:
        return None


def _resubmitted(submitted: Path, graded: Path) -> bool:
    """Whether the submission in ``submitted`` changed after ``graded`` was made: a file of
    it is newer, or its ``timestamp.txt`` differs from the one graded."""
    made = graded.stat().st_mtime
    if any(path.stat().st_mtime > made for path in submitted.rglob("*") if path.is_file()):
        return True
    stamps = [folder / "timestamp.txt" for folder in (submitted, graded.parent)]
    texts = [path.read_text().strip() if path.is_file() else None for path in stamps]
    return texts[0] != texts[1]


def quiet_stderr() -> None:
    """Send this worker's stderr, which its kernels inherit, to the null device: nbgrader's
    errors come back in each :class:`Outcome`, and the warnings every kernel prints as it
    starts would break the progress bar."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stderr.fileno())
    os.close(devnull)


class UnsandboxedKernelManager(AsyncKernelManager):
    """A kernel manager for autograding: besides its kernel, two folders for the grader's
    calls into it (:mod:`.verdict`): ``inbox``, where the grader writes (the kernel only
    reads), and ``outbox`` in the kernel's ``scratch`` folder, where the kernel answers.
    All are removed when the kernel shuts down."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.scratch = Path(tempfile.mkdtemp(prefix="convnet-kernel-"))
        self.inbox = Path(tempfile.mkdtemp(prefix="convnet-inbox-"))
        self.outbox = self.scratch / "outbox"
        self.outbox.mkdir()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self.scratch, ignore_errors=True)
            shutil.rmtree(self.inbox, ignore_errors=True)


class SandboxedKernelManager(UnsandboxedKernelManager):
    """A kernel manager whose kernels run in the sandbox (:mod:`.sandbox`), talking over
    UNIX sockets in their scratch folder where namespaces work, else over TCP ports that
    Landlock lets them bind alone."""

    def __init__(self, **kwargs: object) -> None:
        if problem := sandbox.unavailable():
            raise sandbox.SandboxUnavailableError(
                f"Cannot autograde safely here: {problem}. Grade on a Linux machine with Landlock, or set "
                "c.VerdictExecute.sandbox = False in nbgrader_config.py knowing that a submission's code then "
                "runs with your rights."
            )
        super().__init__(**kwargs)
        sandbox.prepare_scratch(self.scratch)
        self.namespaces = sandbox.namespaces_work()
        if self.namespaces:
            self.transport = "ipc"
            self.ip = str(self.scratch / "runtime" / "kernel")
        self.connection_file = str(self.scratch / "runtime" / "kernel.json")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = super().format_kernel_cmd(extra_arguments)
        if kernel[:1] and Path(kernel[0]).name.startswith("python"):
            kernel[1:1] = ["-I"]  # isolated: no working folder on sys.path, no user site, no PYTHON* variables
        ports = [] if self.transport == "ipc" else self.ports
        folders, env = sandbox.photos()
        read = sandbox.readable_paths([*folders, self.inbox])
        return sandbox.command(kernel, self.scratch, read, tcp_bind=ports, env=env, namespaces=self.namespaces)

    @property
    def ports(self) -> list[int]:
        return [self.shell_port, self.iopub_port, self.stdin_port, self.hb_port, self.control_port]


def grade_submission(root: Path, assignment: str, student: str, *, sandbox_kernel: bool = True) -> Outcome:
    """``nbgrader autograde <assignment> --student <student>`` (its API, in this process;
    the notebook runs in a kernel of its own, sandboxed unless not ``sandbox_kernel``), all
    or nothing: nbgrader works in ``STAGING``, and the result moves into ``autograded/``
    once it has succeeded."""
    tick = time.perf_counter()
    patient_gradebook()
    settings = config.nbgrader_config(root)
    settings.CourseDirectory.autograded_directory = STAGING
    settings.VerdictExecute.sandbox = sandbox_kernel
    api = config.api(settings)
    name = notebook_name(root, assignment)
    staged = root / STAGING / student / assignment
    final = root / "autograded" / student / assignment
    shutil.rmtree(final, ignore_errors=True)  # first: a previous result never sits beside grades being rewritten
    shutil.rmtree(staged, ignore_errors=True)
    result = api.autograde(assignment, student, force=True, create=True)
    seconds = round(time.perf_counter() - tick, 1)
    if not result.get("success"):
        shutil.rmtree(staged, ignore_errors=True)
        last = [line for line in (result.get("error") or "").splitlines() if line.strip()][-1:]
        return Outcome(student, None, f"nbgrader failed: {' '.join(last)}", seconds)
    final.parent.mkdir(parents=True, exist_ok=True)
    staged.rename(final)
    return Outcome(student, read_report(api.gradebook, assignment, student, Path(name).stem, final / name), "", seconds)

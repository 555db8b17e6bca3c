"""Verdicts decided outside the student's kernel.

Anything that runs in the same interpreter as a student's code can be changed by it: an
input transformer that turns every later cell into ``pass``, a patched ``run_cell``,
``sys.settrace(None)``, a patched NumPy, a forged output. So while a notebook is
autograded, :class:`VerdictExecute` sends the student's kernel every cell but the test
cells; each test cell runs here, in the grader, in a namespace of the course's modules.
A name the test uses that is not there is looked up in the kernel: a function becomes a
stand-in that calls it there (:mod:`course_lib.exercises.remote`), any other value is copied here.
Only what the test cell raises here costs points, and a test whose call never comes back
(the kernel died, looped or exited) fails. The cell's source is nbgrader's copy from the
gradebook, never the submission's.

Calling the course's own answer to an exercise earns nothing twice over: the kernel runs
the call under :func:`course_lib.exercises.checks.own_work`, and here the submission's answer cells
are read for any use of those functions (which no switch inside the kernel can hide).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import itertools
import json
import os
import pkgutil
import queue
import re
import shutil
import stat
import symtable
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool

from course_lib.exercises import checks, guard, remote
from course_lib.exercises.remote import MAX_BYTES, Codec, CrossingError

from . import cells

MAX_PRINTED = 1 << 20  # characters of what a test's calls print that are kept
_EXCHANGE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class AnswerError(Exception):
    """An answer raised an exception that is not one of Python's own."""


class Kernel:
    """The grader's line to the student's running kernel: calls its functions, copies its
    values, and runs the grader's functions the kernel calls back."""

    def __init__(self, km: Any, timeout: int | None, inbox: Path, outbox: Path) -> None:
        self.km, self.timeout = km, timeout
        self.client = km.blocking_client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.inbox, self.outbox = inbox, outbox
        self.outbox_fd = os.open(outbox, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        self.private = Path(tempfile.mkdtemp(prefix="convnet-verdict-"))
        self.exchanges = itertools.count(1)
        self.shared: dict[int, Callable] = {}
        self.seen: dict[int, Any] = {}
        self.printed: list[str] = []
        self.deadline = float("inf")  # when the test cell now running must be done (time.monotonic)

    def close(self) -> None:
        self.client.stop_channels()
        os.close(self.outbox_fd)
        shutil.rmtree(self.private, ignore_errors=True)

    def _codec(self) -> Codec:
        return Codec(self._stub, self._share, trusted=False, seen=self.seen)

    def _stub(self, number: int) -> Callable:
        return Answer(self, number)

    def _share(self, function: Callable) -> int:
        number = len(self.shared) + 1
        self.shared[number] = function
        return number

    def call(self, name: str | int, args: tuple, kwargs: dict, *, lookup: bool = False) -> Any:
        """Call the kernel's ``name`` on ``args`` and ``kwargs`` there; returns what it
        returned (arguments it changed in place are changed here too) or raises what it
        raised. With ``lookup``, returns the kernel's value of ``name``, or :class:`Answer`
        where it is a function."""
        if not run_sync(self.km.is_alive)():
            raise AnswerError("your kernel is no longer running (it died or exited), so this test could not run")
        left = min(self.timeout or float("inf"), self.deadline - time.monotonic())
        if left <= 0:
            raise TimeoutError(f"this test ran out of time ({self.timeout} s) waiting for your code")
        exchange = f"x{next(self.exchanges)}"
        self._codec().dump((list(args), kwargs), self._fresh(self.inbox / exchange), "call")
        open_guard = guard.current_guard()
        guard_names = None
        if open_guard:
            exercise, references, builds_on = open_guard
            guard_names = (exercise, [f"{r.__module__}:{r.__qualname__}" for r in references], list(builds_on))
        code = (
            "__import__('course_lib.exercises.remote', fromlist=['serve'])"
            f".serve({name!r}, {str(self.inbox / exchange)!r}, {str(self.outbox / exchange)!r}, "
            f"{guard_names!r}, lookup={lookup!r})"
        )
        try:
            self.client.execute_interactive(
                code,
                store_history=False,
                allow_stdin=True,
                timeout=None if left == float("inf") else left,
                output_hook=self._output,
                stdin_hook=self._callback,
            )
        except TimeoutError:
            run_sync(self.km.interrupt_kernel)()
            raise TimeoutError(f"{name} ran for more than {left:.0f} s") from None
        outcome = self._codec().load(self._fetch(exchange), "reply")
        if "error" in outcome:
            raise _raised(*outcome["error"])
        if outcome.get("callable"):
            return Answer(self, name)
        passed = {**dict(enumerate(args)), **kwargs}
        for key, changed in outcome.get("changed", {}).items():
            if key in passed:
                _write_back(passed[key], changed)
        return outcome["value"]

    def _output(self, msg: dict) -> None:
        if msg["header"]["msg_type"] == "stream" and sum(map(len, self.printed)) < MAX_PRINTED:
            self.printed.append(str(msg["content"].get("text", ""))[:MAX_PRINTED])

    def _callback(self, msg: dict) -> None:
        """The kernel calls one of the grader's functions (a test's ``score_fn``, say)."""
        reply: dict[str, Any]
        exchange = ""
        try:
            request = json.loads(msg["content"]["prompt"])
            exchange = str(request["exchange"])
            if not _EXCHANGE.fullmatch(exchange):
                raise CrossingError("a malformed callback")
            function = self.shared[int(request["callback"])]
            args, kwargs = self._codec().load(self._fetch(exchange), "call")
            reply = {"value": function(*args, **kwargs)}
        except Exception as error:  # the test's function failed: the answer sees it raise
            reply = {"error": f"{type(error).__name__}: {error}"}
        if exchange:
            self._codec().dump(reply, self._fresh(self.inbox / exchange), "reply")
        self.client.input("")

    @staticmethod
    def _fresh(folder: Path) -> Path:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def _fetch(self, exchange: str) -> Path:
        """Copy what the kernel wrote for ``exchange`` into a folder of the grader's own:
        regular files only (no link followed, no FIFO waited on), no more than ``MAX_BYTES``."""
        target = self._fresh(self.private / exchange)
        folder = os.open(exchange, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=self.outbox_fd)
        total = 0
        try:
            for name in os.listdir(folder):
                if not _EXCHANGE.fullmatch(name.replace(".", "_")):
                    continue
                handle = os.open(
                    name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder
                )  # a FIFO never blocks
                with os.fdopen(handle, "rb") as source:
                    if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                        continue
                    total += os.fstat(source.fileno()).st_size
                    if total > MAX_BYTES:
                        raise CrossingError(f"the answer's values take more than {MAX_BYTES >> 20} MiB")
                    with open(target / name, "wb") as copy:
                        shutil.copyfileobj(source, copy)
        finally:
            os.close(folder)
        return target


class Answer:
    """Stands, in a test, for a function in the student's kernel."""

    def __init__(self, kernel: Kernel, name: str | int) -> None:
        self.kernel, self.name = kernel, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.kernel.call(self.name, args, kwargs)

    def __repr__(self) -> str:
        return f"<your {self.name} (runs in your kernel)>"


def _raised(kind: str, message: str, builtin: bool) -> BaseException:
    if kind == "OwnWorkError":
        return checks.OwnWorkError(message)
    found = getattr(builtins, kind, None) if builtin else None
    if isinstance(found, type) and issubclass(found, Exception):
        return found(message)
    return AnswerError(f"{kind}: {message}")


def _write_back(original: Any, changed: Any) -> None:
    """Make ``original`` what the answer made of its copy in the kernel."""
    import keras
    import numpy as np

    if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
        if original.shape == changed.shape:
            original[...] = changed
    elif isinstance(original, keras.layers.Layer) and isinstance(changed, keras.layers.Layer):
        remote.update(original, changed)
    elif isinstance(original, np.random.Generator) and isinstance(changed, np.random.Generator):
        original.bit_generator.state = changed.bit_generator.state
    elif isinstance(original, list) and isinstance(changed, list):
        original[:] = changed
    elif isinstance(original, dict) and isinstance(changed, dict):
        original.clear()
        original.update(changed)


def free_names(source: str) -> list[str]:
    """The global names a test cell reads but does not set."""
    table = symtable.symtable(source, "<test>", "exec")
    assigned = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    names: list[str] = []

    def visit(scope: symtable.SymbolTable, top: bool) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            reads = symbol.is_referenced() and (top or symbol.is_global())
            if reads and name not in assigned and name not in names:
                names.append(name)
        for child in scope.get_children():
            visit(child, False)

    visit(table, True)
    return names


HIDING_NAMES = {"exec", "eval", "compile", "__import__", "globals", "vars", "get_ipython", "breakpoint", "__builtins__"}
HIDING_ATTRIBUTES = set(
    "settrace setprofile gettrace _getframe modules reload import_module __code__ __globals__ __builtins__ "
    "__dict__ __subclasses__ __closure__ __func__ __self__ __getattribute__".split()
)
HIDING_MODULES = set(
    "importlib gc ctypes inspect threading _thread concurrent multiprocessing builtins types marshal pickle "
    "runpy code codeop".split()
)


def hiding(source: str) -> str:
    """What in an answer could hide a call of the course's code from the kernel's guard
    (switching its trace off, importing or running code by a computed name); "" if none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in HIDING_NAMES:
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in HIDING_ATTRIBUTES:
            return f".{node.attr}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for module in [getattr(node, "module", None) or "", *(alias.name for alias in node.names)]:
                if module.split(".")[0] in HIDING_MODULES:
                    return f"import {module}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr"):
            if len(node.args) < 2 or not (
                isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
            ):
                return f"{node.func.id} with a computed name"
    return ""


def mentions(sources: list[str], name: str) -> bool:
    """Whether any of ``sources`` uses ``name`` as an attribute, imports it, or gets it with
    ``getattr(module, "name")`` (a name built from pieces is :func:`hiding`)."""
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == name:
                return True
            if isinstance(node, ast.alias) and name in (node.name, node.name.rsplit(".", 1)[-1]):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == name:
                    return True
    return False


def prelude() -> dict[str, Any]:
    """A test cell's namespace before it runs: NumPy as ``np``, Keras (with ``layers`` and
    ``ops``) and every module of the course, Keras configured as a notebook's first cell
    does."""
    import keras
    import numpy as np

    import course_lib

    namespace: dict[str, Any] = {
        "__name__": "__test__",
        "np": np,
        "keras": keras,
        "layers": keras.layers,
        "ops": keras.ops,
    }
    for module in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        leaf = module.name.rsplit(".", 1)[1]
        if not module.ispkg and leaf not in ("remote", "stand_ins", "guard", "recipes"):
            namespace[leaf] = importlib.import_module(module.name)
    namespace["backend"].configure(announce=False)
    return namespace


class Verdicts:
    """The test cells of one notebook, run here against one student's kernel."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.namespace = prelude()
        self.fetched: set[str] = set()

    def run(self, source: str, answers: Callable[[str], list[str]]) -> list[NotebookNode]:
        """Run a test cell's ``source``; returns its outputs (what it printed, what the
        kernel printed during its calls, and its error if it failed). ``answers`` gives
        the source of an exercise's answer cells (for :func:`_answers_guarded`)."""
        from nbformat.v4 import new_output

        self.kernel.printed = []
        self.kernel.deadline = time.monotonic() + (self.kernel.timeout or float("inf"))
        for name in self.fetched:  # the kernel's values as they are now, not as an earlier test found them
            self.namespace.pop(name, None)
        printed = io.StringIO()
        error = None
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), _answers_guarded(answers):
            try:
                code = compile(source, "<test cell>", "exec")
                for name in free_names(source):
                    if name not in self.namespace and not hasattr(builtins, name):
                        with contextlib.suppress(KeyError, AnswerError):
                            self.namespace[name] = self.kernel.call(name, (), {}, lookup=True)
                            self.fetched.add(name)
                exec(code, self.namespace)  # noqa: S102 (the instructor's test, from the gradebook)
            except Exception as caught:  # a failed test, reported as nbgrader reads it
                error = caught
        outputs = []
        text = "".join(self.kernel.printed) + printed.getvalue()
        if text:
            outputs.append(new_output("stream", name="stdout", text=text))
        if error is not None:
            lines = traceback.format_exception_only(type(error), error)
            outputs.append(new_output("error", ename=type(error).__name__, evalue=str(error), traceback=lines))
        return outputs


@contextlib.contextmanager
def _answers_guarded(answers: Callable[[str], list[str]]):
    """Calls of the course's code that an open ``own_work`` block forbids fail here too
    when the exercise's answer cell names that code."""
    original = checks.own_work

    @contextlib.contextmanager
    def own_work(exercise: str, *references: Any, builds_on: tuple[str, ...] = ()):
        for source in answers(exercise):
            if found := hiding(source):
                raise checks.OwnWorkError(
                    f"{exercise} uses {found}: graded answers may not, since it could hide that the answer calls the "
                    "course's own code from the check (NumPy and Keras are fine)"
                )
        for reference in references:
            for name in (getattr(reference, "__name__", ""), getattr(reference, "__qualname__", "")):
                if name and mentions(answers(exercise), name.rsplit(".", 1)[-1]):
                    raise checks.OwnWorkError(
                        guard.message(exercise, f"{reference.__module__}.{reference.__qualname__}")
                    )
        with original(exercise, *references, builds_on=builds_on):
            yield

    checks.own_work = own_work
    try:
        yield
    finally:
        checks.own_work = original


class VerdictExecute(Execute):
    """nbgrader's step that runs the notebook: every cell but the tests in the student's
    kernel (sandboxed unless ``sandbox`` is False), the tests here (:class:`Verdicts`)."""

    sandbox = Bool(True, help="Run the student's kernel in the sandbox (course_tools.sandbox).").tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from .grading import SandboxedKernelManager, UnsandboxedKernelManager

        self.kernel_manager_class = SandboxedKernelManager if self.sandbox else UnsandboxedKernelManager
        self._verdicts: Verdicts | None = None

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict, *args: Any, **kwargs: Any):
        from .grading import alongside_class_runs

        self._cells = nb.cells
        notebook_folder = Path(resources.get("metadata", {}).get("path") or ".").resolve()
        course = notebook_folder.parents[2] if len(notebook_folder.parents) > 2 else notebook_folder
        with alongside_class_runs(course):  # the notebook is in <course>/autograded/<student>/<assignment>
            try:
                return super().preprocess(nb, resources, *args, **kwargs)
            finally:
                if self._verdicts is not None:
                    self._verdicts.kernel.close()
                    self._verdicts = None

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        if not (cell.cell_type == "code" and cells.is_grade(cell) and not cells.is_solution(cell)):
            return super().preprocess_cell(cell, resources, index)
        if self._verdicts is None:
            self._verdicts = Verdicts(Kernel(self.km, self.timeout, self.km.inbox, self.km.outbox))
        cell.outputs = self._verdicts.run(cell.source, lambda exercise: _answer_cells(self._cells[:index], exercise))
        cell.execution_count = None
        run_sync(self._drain_iopub)()
        return cell, resources

    async def _drain_iopub(self) -> None:
        """Drop what the grader's calls broadcast on nbclient's own channel: unread, it piles
        up past ZeroMQ's queue limit, and nbclient would wait for outputs that were dropped."""
        while True:
            try:
                await self.kc.iopub_channel.get_msg(timeout=0)
            except queue.Empty:
                return


def _answer_cells(before: list[NotebookNode], exercise: str) -> list[str]:
    """The source of the last answer cell before a test that answers ``exercise`` (its
    grade id, or the function it defines)."""
    for cell in reversed(before):
        if cell.cell_type == "code" and cells.is_solution(cell):
            if cells.grade_id(cell) == exercise or re.search(
                rf"^\s*def\s+{re.escape(exercise)}\s*\(", cell.source, re.M
            ):
                return [cell.source]
    return []

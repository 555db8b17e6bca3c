"""Submissions that attack the grader, autograded as an instructor autogrades a class
(``convnet-course autograde --workers 2``): each is confined to its sandbox, and every
other student of the run is graded as if it were not there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from test_classroom import ASSIGNMENT, NAME, _set, _variant

from course_tools import cells, classroom, sandbox
from helpers import ROOT

pytestmark = pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no sandbox here: {sandbox.unavailable()}")

CLI = str(Path(sys.executable).parent / "convnet-course")
RELEASE = (ROOT / "notebooks" / ASSIGNMENT / NAME).read_text()
MARKER = "4242.5"  # how the forker's grandchild can be found in the process list


def _with_cell(notebook: str, source: str) -> str:
    """``notebook`` (JSON) with one more code cell, after its first one."""
    nb = nbformat.reads(notebook, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(textwrap.dedent(source)))
    return nbformat.writes(nb)


def _reader(root: Path) -> str:
    """Tries to read the instructor's files and to write beside them; prints what it got."""
    return f"""
    import json, os
    root = {str(root)!r}
    seen = {{}}
    for path in ["solutions/{ASSIGNMENT}/{NAME}", "gradebook.db", "nbgrader_config.py",
                 "submitted/alice/{ASSIGNMENT}/{NAME}", "submitted", "/root", "/etc/shadow"]:
        path = os.path.join(root, path)
        try:
            got = ",".join(os.listdir(path)) if os.path.isdir(path) else open(path, "rb").read(40).hex()
            seen[path] = "read: " + got
        except OSError as error:
            seen[path] = type(error).__name__
    for path in ["pwned.txt", "autograded/pwned.txt", "/tmp/pwned-by-a-submission.txt"]:
        path = os.path.join(root, path)
        try:
            open(path, "w").write("x")
            seen[path] = "written"
        except OSError as error:
            seen[path] = type(error).__name__
    print("SEEN " + json.dumps(seen))
    """


KILLER = """
import os, signal
for pid in (os.getppid(), *range(2, 3000), -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
"""

FORKER = f"""
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{MARKER}"])
    os._exit(0)
"""

HOG = """
import numpy as np
try:
    hog = np.ones(12 * 2**30, dtype="uint8")  # 12 GiB, more than a kernel may have
    print("HOG got", hog.nbytes)
except MemoryError as error:
    print("HOG refused:", type(error).__name__)
"""

XSS_MARKDOWN = "My answer <img src=x onerror=\"alert('xss-md')\"><script>alert('xss-script')</script>"
XSS_CODE = """
from IPython.display import HTML, Javascript, display
display(HTML("<img src=x onerror=alert('xss-html')>"))
display(Javascript("alert('xss-js')"))
"""
HIDDEN_TEST_LINE = "floats = np.linspace(0.0, 254.5"  # in test_to_batch's hidden part

# Each of these, added to the blank release, would pass every test if the tests ran in the kernel.
VERDICT_ATTACKS = {
    "transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    "patcher": (
        "import types\nip = get_ipython()\n"
        "ip.run_cell = types.MethodType(lambda self, cell, *a, **k: type(self).run_cell(self, 'pass', *a, **k), ip)"
    ),
    "exiter": "import atexit, os, sys\natexit.register(lambda: os._exit(0))\nsys.exit(0)",
    "tracer": "import sys, builtins\nsys.settrace(None)\nbuiltins.AssertionError = type('Quiet', (Exception,), {})",
    "numpy": "import numpy\nnumpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None",
    "timer": (  # a thread that keeps writing a verdict into whatever runs next
        "import threading, time\ndef _noise():\n    while True:\n        print('all tests passed')\n"
        "        time.sleep(0.05)\nthreading.Thread(target=_noise, daemon=True).start()"
    ),
}
# top_k through the course's own decode_predictions, its guard switched off two ways
SHORTCUTS = {
    "shortcut": (
        "import sys\ndef top_k(probabilities, class_names, k=5):\n    sys.settrace(None)\n"
        "    found = bases.decode_predictions(np.asarray(probabilities)[None], top=k)[0]\n"
        "    return [(name, float(p)) for name, p in found]"
    ),
    "hidden": (
        "import threading\ndef top_k(probabilities, class_names, k=5):\n    out = []\n"
        "    find = getattr(pretrained, 'decode_' + 'predictions')\n"
        "    t = threading.Thread(target=lambda: out.extend(find(np.asarray(probabilities)[None], top=k)[0]))\n"
        "    t.start(); t.join()\n    return [(name, float(p)) for name, p in out]"
    ),
}

SHADOW = "open('/tmp/shadowed-by-a-submission.txt', 'w').write('x')\nraise SystemExit('the real kernel never ran')\n"


def _forged_outputs(notebook: str) -> str:
    """``notebook`` with every test cell shown as run without an error."""
    nb = nbformat.reads(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cells.is_grade(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
            cell.execution_count = 7
    return nbformat.writes(nb)


def _with_markdown(notebook: str, source: str) -> str:
    nb = nbformat.reads(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(source))
    return nbformat.writes(nb)


def _active(html: str) -> list[str]:
    """What in ``html`` would run in a browser: a tag with an event handler, a script
    that calls alert."""
    return re.findall(r"<img[^>]*onerror|<script[^>]*>[^<]*alert\(", html)


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("attacked")
    (root / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    (root / "solutions").mkdir()
    subprocess.run(["cp", "-r", str(ROOT / "solutions" / ASSIGNMENT), str(root / "solutions")], check=True)
    submissions = {
        "alice": _variant(),
        "bob": _variant(),
        "reader": _with_cell(_variant(), _reader(root)),
        "killer": _with_cell(RELEASE, KILLER),
        "forker": _with_cell(RELEASE, FORKER),
        "hog": _with_cell(RELEASE, HOG),
        "shadow": _variant(),
        "xena": _with_markdown(_with_cell(RELEASE, XSS_CODE), XSS_MARKDOWN),
        "forger": _forged_outputs(RELEASE),
        **{student: _with_cell(RELEASE, code) for student, code in VERDICT_ATTACKS.items()},
        **{student: _variant(_set("top_k", code)) for student, code in SHORTCUTS.items()},
    }
    for student, text in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NAME).write_text(text)
    (root / "submitted" / "shadow" / ASSIGNMENT / "ipykernel_launcher.py").write_text(SHADOW)
    (root / "submitted" / "shadow" / ASSIGNMENT / "course_lib").mkdir()
    (root / "submitted" / "shadow" / ASSIGNMENT / "course_lib" / "__init__.py").write_text(SHADOW)
    Path("/tmp/shadowed-by-a-submission.txt").unlink(missing_ok=True)
    run = subprocess.run(
        [CLI, "--course", str(root), "autograde", ASSIGNMENT, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return root, run


def _scores(run: subprocess.CompletedProcess) -> dict[str, str]:
    return {line.split()[0]: line.split()[1] for line in run.stdout.splitlines() if line[:1].isalpha() and " " in line}


def _outputs(root: Path, student: str) -> str:
    nb = nbformat.read(root / "autograded" / student / ASSIGNMENT / NAME, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_the_others_are_graded_as_if_no_attacker_were_there(attacked) -> None:
    _, run = attacked
    scores = _scores(run)
    assert scores["alice"] == scores["bob"] == scores["shadow"] == "5/5", run.stdout
    assert "sandboxed: Landlock ABI" in run.stdout, "the run says how kernels were confined"


def test_a_reader_sees_nothing_of_the_instructor_and_writes_nowhere(attacked) -> None:
    root, run = attacked
    line = next(line for line in _outputs(root, "reader").splitlines() if line.startswith("SEEN "))
    seen = json.loads(line.removeprefix("SEEN "))
    assert len(seen) == 10
    assert {path: what for path, what in seen.items() if what not in ("PermissionError", "FileNotFoundError")} == {}
    assert seen[str(root / "solutions" / ASSIGNMENT / NAME)] == "PermissionError"
    assert seen[str(root / "gradebook.db")] == "PermissionError"
    assert not (root / "pwned.txt").exists() and not (root / "autograded" / "pwned.txt").exists()
    assert not Path("/tmp/pwned-by-a-submission.txt").exists()
    assert _scores(run)["reader"] == "5/5", "reading nothing costs nothing: its answers are right"


def test_a_killer_takes_down_only_itself(attacked) -> None:
    _, run = attacked
    scores = _scores(run)
    assert scores["killer"] in ("0/5", "-"), run.stdout
    assert scores["alice"] == "5/5"


def test_nothing_a_submission_starts_outlives_its_grading(attacked) -> None:
    assert _processes_with(MARKER) == []


def test_a_memory_hog_is_refused_its_memory(attacked) -> None:
    root, run = attacked
    assert "HOG refused: MemoryError" in _outputs(root, "hog")
    assert _scores(run)["hog"] == "0/5"


def test_files_submitted_beside_the_notebook_never_reach_the_kernel(attacked) -> None:
    _, run = attacked
    assert _scores(run)["shadow"] == "5/5"
    assert not Path("/tmp/shadowed-by-a-submission.txt").exists()


def test_class_grading_refuses_without_a_sandbox_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "unavailable", lambda: "the sandbox needs Linux (Landlock); this is darwin")
    with pytest.raises(classroom.GradingError, match="(?s)Cannot autograde safely here: .*darwin.*--unsandboxed"):
        classroom.autograde_all(tmp_path, ASSIGNMENT, progress=False)


def test_default_workers_are_the_cpus_this_process_may_use() -> None:
    code = "import os; os.sched_setaffinity(0, {0}); from course_tools import classroom; print(classroom.usable_cpus())"
    one = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert one.stdout.strip() == "1"
    assert classroom.usable_cpus() == min(len(os.sched_getaffinity(0)), classroom.usable_cpus())


def test_feedback_shows_messages_never_hidden_tests_nor_a_submissions_html(attacked) -> None:
    root, _ = attacked
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    subprocess.run(
        [nbgrader, "generate_feedback", ASSIGNMENT, "--student", "xena"], cwd=root, check=True, capture_output=True
    )
    page = (root / "feedback" / "xena" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "NotImplementedError" in page, "the page still says why each test failed"
    assert HIDDEN_TEST_LINE not in page and "BEGIN HIDDEN TESTS" not in page
    assert HIDDEN_TEST_LINE in (ROOT / "solutions" / ASSIGNMENT / NAME).read_text(), "the line looked for is real"
    assert _active(page) == []
    assert "My answer" in page, "the written answer is shown, without its HTML"


def test_formgrader_shows_a_submissions_html_inert(attacked) -> None:
    """As formgrader renders a submission for the instructor: its exporter, configured by the
    course's nbgrader_config.py."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from course_tools import config

    root, _ = attacked
    settings = config.nbgrader_config(root)
    settings.HTMLExporter.template_name = "formgrade"
    settings.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": ASSIGNMENT,
        "notebook_id": ASSIGNMENT,
        "submission_id": "x",
        "index": 0,
        "total": 1,
        "base_url": "",
        "student": "xena",
        "last_name": "",
        "first_name": "",
        "notebook_path": NAME,
    }
    html, _ = HTMLExporter(config=settings).from_filename(
        str(root / "autograded" / "xena" / ASSIGNMENT / NAME), resources=resources
    )
    assert "My answer" in html and "Javascript" in html, "the submission is shown"
    assert _active(html) == []


def test_the_lock_holds_while_a_worker_of_a_killed_autograde_lives(tmp_path: Path) -> None:
    from course_tools import grading

    worker = "import sys, time; from course_tools import grading; grading.worker_started(sys.argv[1]); "
    worker += "print('ready', flush=True); time.sleep(60)"
    # a worker left behind by a killed autograde: it holds the workers' lock while it lives
    holder = subprocess.Popen([sys.executable, "-c", worker, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(
            grading.GradingError, match="workers of an earlier autograde whose main process was stopped"
        ):
            with grading.exclusive(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    with grading.exclusive(tmp_path):  # once it has ended, grading goes on
        pass


@pytest.mark.parametrize("student", [*VERDICT_ATTACKS, "forger"])
def test_nothing_in_the_kernel_can_change_a_verdict(attacked, student: str) -> None:
    """The tests run outside the kernel: each attack earns what the blank release earns."""
    _, run = attacked
    assert _scores(run)[student] == "0/5", run.stdout


@pytest.mark.parametrize("student", SHORTCUTS)
def test_the_courses_own_answer_earns_nothing_even_with_the_guard_off(attacked, student: str) -> None:
    root, run = attacked
    assert _scores(run)[student] == "3/5", "top_k (2 points) lost, the other answers kept"
    graded = nbformat.read(root / "autograded" / student / ASSIGNMENT / NAME, as_version=4)
    (test,) = [c for c in graded.cells if cells.grade_id(c) == "test_top_k"]
    assert any(o.get("ename") == "OwnWorkError" for o in test.outputs), test.outputs


def test_formgraders_autograde_waits_for_a_class_autograde(tmp_path: Path) -> None:
    """nbgrader's own autograde (formgrader's button) is refused while convnet-course
    autograde holds the course, and a class autograde is refused while it runs."""
    from course_tools import grading
    from course_tools.scratch import ScratchCourse

    course = ScratchCourse(ROOT, tmp_path / "course")
    holder = "import sys, time; from course_tools import grading\nwith grading.exclusive(sys.argv[1]):\n"
    holder += "    print('ready', flush=True); time.sleep(60)"
    run = subprocess.Popen([sys.executable, "-c", holder, str(course.workdir)], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "ready"
        with pytest.raises(classroom.GradingError, match="convnet-course autograde is running on this course"):
            course.autograde(ASSIGNMENT, ROOT / "solutions" / ASSIGNMENT / NAME)
    finally:
        run.kill()
        run.wait()
    with grading.alongside_class_runs(course.workdir):  # as formgrader's autograde runs
        with pytest.raises(grading.GradingError, match="Another autograde of this course is still running"):
            with grading.exclusive(course.workdir):
                pass

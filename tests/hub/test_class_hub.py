"""A whole term on the class hub, in a real browser, then the faults a term brings.

The instructor releases chapter 0 from Formgrader; two students log in, fetch it from
JupyterLab's Assignments panel, answer (one well, one badly; the good one submits twice,
a blank first), and submit; the instructor collects, autogrades, generates and releases
feedback in Formgrader and exports the grades; each student fetches their feedback. The
test reads the gradebook and the CSV. The tests after it use the same hub and accounts:
students kept apart, a hub restart, and bad input. Marked ``hub`` (``make test`` runs it;
``pytest -m "not hub"`` leaves it out).
"""

from __future__ import annotations

import csv
import fcntl
import json
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from classhub import INSTRUCTOR, STATE, STUDENTS, RunningHub

from helpers import ROOT

pytestmark = [pytest.mark.hub, pytest.mark.browser]

ASSIGNMENT = "00-getting-started"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
GOOD, BAD = STUDENTS[1], STUDENTS[0]  # bob answers well (after a blank first try), alice badly
SCREENSHOTS = ROOT / "build" / "screenshots" / "hub"


def _solution() -> dict:
    return json.loads((ROOT / "solutions" / ASSIGNMENT / NOTEBOOK).read_text())


def _blank() -> dict:
    return json.loads((ROOT / "notebooks" / ASSIGNMENT / NOTEBOOK).read_text())


def _one_answer() -> dict:
    """The release with only the first exercise (``to_batch``) answered, from the solution."""
    solution = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in _solution()["cells"]}
    blank = _blank()
    for cell in blank["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "to_batch":
            cell["source"] = solution["to_batch"]["source"]
    return blank


def _login(browser, hub: RunningHub, user: str):
    page = browser.new_context().new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**")
    page.wait_for_selector("#jp-main-dock-panel")
    return page


def _formgrader_action(page, assignment: str, column: str) -> str:
    """Press a button of ``assignment``'s row in Formgrader; returns the dialog's text."""
    row = page.locator("#main-table tr", has=page.locator("td.name", has_text=assignment))
    row.locator(f"td.{column} a").click()
    dialog = page.locator(".modal-dialog")
    dialog.locator(".modal-title").wait_for()
    text = dialog.inner_text()
    dialog.locator(".modal-footer button").last.click()
    dialog.wait_for(state="hidden")
    assert "Success" in text, f"Formgrader's {column} failed:\n{text[:2000]}"
    return text


def _assignments_panel(page):
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    panel = page.locator("#released_assignments_list").locator("xpath=ancestor::*[contains(@class,'lm-Widget')][1]")
    page.locator("#released_assignments_list").wait_for()
    return panel


def _save(page, user: str, path: str, notebook: dict) -> None:
    """Save a notebook as the logged-in student, through their server (what JupyterLab's save does)."""
    status = page.evaluate(
        """async ([url, body]) => {
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
            const reply = await fetch(url, {method: 'PUT', body: JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-XSRFToken': decodeURIComponent(xsrf)}});
            return reply.status;
        }""",
        [f"/user/{user}/api/contents/{path}", {"type": "notebook", "format": "json", "content": notebook}],
    )
    assert status in (200, 201), f"saving {path} as {user} gave HTTP {status}"


def _submit(page) -> None:
    page.locator("#fetched_assignments_list button", has_text="Submit").first.click()
    page.locator("#submitted_assignments_list .list_item").first.wait_for()


def _refresh(page) -> None:
    page.locator("#refresh_assignments_list").click()
    page.wait_for_timeout(1500)


def test_a_whole_term_in_the_browser(class_hub: RunningHub, browser) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    teacher = _login(browser, class_hub, INSTRUCTOR)
    teacher.goto(f"{class_hub.url}/user/{INSTRUCTOR}/formgrader")
    _formgrader_action(teacher, ASSIGNMENT, "assign")  # generate the student version
    _formgrader_action(teacher, ASSIGNMENT, "release")  # publish it to the exchange
    teacher.screenshot(path=SCREENSHOTS / "released.png")

    students = {}
    for user in STUDENTS:
        page = _login(browser, class_hub, user)
        _assignments_panel(page)
        page.locator("#released_assignments_list button", has_text="Fetch").first.click()
        page.locator("#fetched_assignments_list .list_item").first.wait_for()
        assert (class_hub.home(user) / ASSIGNMENT / NOTEBOOK).is_file()
        students[user] = page

    target = f"{ASSIGNMENT}/{NOTEBOOK}"
    _save(students[BAD], BAD, target, _one_answer())
    _submit(students[BAD])
    _save(students[GOOD], GOOD, target, _blank())  # a first try, left blank
    _submit(students[GOOD])
    students[GOOD].wait_for_timeout(1100)  # submissions are told apart by their time stamp
    _save(students[GOOD], GOOD, target, _solution())
    _submit(students[GOOD])
    students[GOOD].screenshot(path=SCREENSHOTS / "submitted.png")

    teacher.goto(f"{class_hub.url}/user/{INSTRUCTOR}/formgrader")
    _formgrader_action(teacher, ASSIGNMENT, "collect")
    teacher.goto(f"{class_hub.url}/user/{INSTRUCTOR}/formgrader/manage_submissions/{ASSIGNMENT}")
    for user in STUDENTS:
        row = teacher.locator("tr", has=teacher.locator("td", has_text=user))
        row.locator("td.autograde a").click()
        teacher.locator(".modal-dialog .modal-title").wait_for()
        text = teacher.locator(".modal-dialog").inner_text()
        teacher.locator(".modal-dialog .modal-footer button").last.click()
        teacher.locator(".modal-dialog").wait_for(state="hidden")
        assert "Success" in text, f"autograding {user} failed:\n{text[:2000]}"
    teacher.screenshot(path=SCREENSHOTS / "autograded.png")
    teacher.goto(f"{class_hub.url}/user/{INSTRUCTOR}/formgrader")
    _formgrader_action(teacher, ASSIGNMENT, "generate-feedback")
    _formgrader_action(teacher, ASSIGNMENT, "release-feedback")

    for user, page in students.items():
        _refresh(page)
        page.locator("#submitted_assignments_list button", has_text="Fetch Feedback").first.click()
        page.wait_for_timeout(3000)
        pages = list((class_hub.home(user) / ASSIGNMENT / "feedback").rglob("*.html"))
        assert pages, f"{user} has no feedback page after Fetch Feedback"
        page.screenshot(path=SCREENSHOTS / f"feedback-{user}.png")

    scores = _gradebook_scores(class_hub)
    assert scores[GOOD] == scores["max"] > 0, scores  # autograded part; the later submission counts
    assert 0 < scores[BAD] < scores["max"], scores
    exported = _export(class_hub)
    assert {row["student_id"]: float(row["score"]) for row in exported if row["assignment"] == ASSIGNMENT} == {
        GOOD: scores[GOOD],
        BAD: scores[BAD],
    }


def _as(user: str, command: str, cwd: Path | str = "~") -> subprocess.CompletedProcess:
    """A shell command run as ``user`` in a login shell, with what their hub server's
    terminal has: the servers' Python and their role's Jupyter configuration."""
    role = "instructor" if user == INSTRUCTOR else "student"
    config = f"{STATE}/jupyter/{role}:{STATE}/jupyter/common"
    python = f"{STATE}/env" if role == "instructor" else f"{STATE}/student-env"
    setup = f"cd {cwd} && export PATH={python}/bin:$PATH JUPYTER_CONFIG_PATH={config}"
    return subprocess.run(["su", "-", user, "-c", f"{setup} && {command}"], capture_output=True, text=True)


def _gradebook_scores(hub: RunningHub) -> dict[str, float]:
    """Each student's autograded score, and the most there is ("max"), from the gradebook."""
    code = (
        "import json; from nbgrader.api import Gradebook; "
        f"g = Gradebook('sqlite:///{hub.course}/gradebook.db'); a = g.find_assignment('{ASSIGNMENT}'); "
        f"print(json.dumps({{**{{s.student.id: s.code_score for s in a.submissions}}, 'max': a.max_code_score}}))"
    )
    result = _as(INSTRUCTOR, f'python -c "{code}"', hub.course)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _export(hub: RunningHub) -> list[dict]:
    result = _as(INSTRUCTOR, "nbgrader export --to grades.csv --log-level=WARN", hub.course)
    assert result.returncode == 0, result.stderr
    with open(hub.course / "grades.csv", newline="") as handle:
        return list(csv.DictReader(handle))


# -- students kept apart ---------------------------------------------------------------
INBOUND = STATE / "exchange" / "convnet-course" / "inbound"
FEEDBACK = STATE / "exchange" / "convnet-course" / "feedback"


@pytest.mark.parametrize(
    "command, target",
    [
        ("ls {}", INBOUND),  # whose submissions are there
        ("ls {}", FEEDBACK),  # whose feedback is there
        ("cat {}", Path(f"/home/{GOOD}/{ASSIGNMENT}/{NOTEBOOK}")),  # read the other's work
        ("touch {}", Path(f"/home/{GOOD}/{ASSIGNMENT}/{NOTEBOOK}")),  # overwrite it
        ("ls {}", Path(f"/home/{GOOD}/.local/share/jupyter")),  # the other's submission cache
        ("cat {}", Path(f"/home/{INSTRUCTOR}/convnet-course/solutions/{ASSIGNMENT}/{NOTEBOOK}")),
        ("ls {}", Path(f"/home/{INSTRUCTOR}/convnet-course/submitted")),
        ("cat {} > /dev/null", Path(f"/home/{INSTRUCTOR}/convnet-course/gradebook.db")),
    ],
)
def test_a_student_cannot_reach_others_work(class_hub: RunningHub, command: str, target: Path) -> None:
    assert target.exists(), f"{target} should exist (run with the term test first)"
    result = _as(BAD, command.format(target))
    assert result.returncode != 0, f"{BAD} could run {command.format(target)!r}:\n{result.stdout[:500]}"
    assert "permission denied" in result.stderr.lower(), result.stderr


def test_a_student_submission_is_in_the_exchange_but_not_findable(class_hub: RunningHub) -> None:
    ours = sorted(p.name for p in INBOUND.iterdir())  # as root
    assert any(name.startswith(f"{GOOD}+{ASSIGNMENT}+") for name in ours), ours
    assert all(len(name.rsplit("+", 1)[-1]) >= 12 for name in ours), "nbgrader's random part is missing"
    guess = _as(BAD, f"ls -d {INBOUND}/{GOOD}+*")  # the folder cannot be listed, so no name is found
    assert guess.returncode != 0 and GOOD not in guess.stdout, guess.stdout


def test_a_student_cannot_open_the_formgrader(class_hub: RunningHub, browser) -> None:
    page = _login(browser, class_hub, BAD)
    through_hub = page.goto(f"{class_hub.url}/user/{INSTRUCTOR}/formgrader")
    assert through_hub.status in (403, 404), through_hub.status
    own = page.goto(f"{class_hub.url}/user/{BAD}/formgrader")
    assert own.status == 404, "the students' servers must not run formgrader"
    port = _server_port(INSTRUCTOR)  # straight to the instructor's server, past the proxy
    direct = _as(
        BAD,
        f"curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{port}/user/{INSTRUCTOR}/formgrader/api/assignments",
    )
    assert direct.stdout.strip() in ("302", "403"), direct.stdout


def _server_port(user: str) -> int:
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if environ.stat().st_uid != _uid(user):
                continue
            entries = dict(e.split("=", 1) for e in environ.read_bytes().decode().split("\0") if "=" in e)
        except OSError:
            continue
        if url := entries.get("JUPYTERHUB_SERVICE_URL"):
            return int(url.rsplit(":", 1)[1].split("/")[0])
    raise AssertionError(f"no running server of {user}")


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


# -- faults of a term ------------------------------------------------------------------
def test_a_deleted_fetch_can_be_fetched_again(class_hub: RunningHub) -> None:
    result = _as(BAD, f"rm -rf {ASSIGNMENT} && nbgrader fetch_assignment {ASSIGNMENT} --log-level=WARN")
    assert result.returncode == 0, result.stderr
    assert nbformat.read(class_hub.home(BAD) / ASSIGNMENT / NOTEBOOK, as_version=4).cells


def test_a_non_notebook_submission_is_flagged_and_the_others_keep_their_grade(class_hub: RunningHub) -> None:
    before = _gradebook_scores(class_hub)
    result = _as(
        BAD,
        f"echo 'my answers are in my head' > {ASSIGNMENT}/{NOTEBOOK} && nbgrader submit {ASSIGNMENT} --log-level=WARN",
    )
    assert result.returncode == 0, result.stderr
    course = class_hub.course
    result = _as(
        INSTRUCTOR,
        f"nbgrader collect {ASSIGNMENT} --update --log-level=WARN && convnet-course autograde {ASSIGNMENT} --workers 2",
        course,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(BAD))
    assert "not graded" in line and "not valid notebook JSON" in line, result.stdout
    assert _gradebook_scores(class_hub)[GOOD] == before[GOOD]


def test_an_attack_submitted_through_the_hub_earns_nothing_and_reads_nothing(class_hub: RunningHub) -> None:
    """A student submits the blank release with one added cell that turns every later cell
    (the hidden tests included) into ``pass`` and reads the instructor's course folder; the
    instructor collects and autogrades as INSTRUCTORS.md says."""
    course = class_hub.course
    attack = _blank()
    attack["cells"].insert(
        1,
        nbformat.v4.new_code_cell(
            "import os\nfor path in ['solutions', 'gradebook.db', 'submitted']:\n"
            f"    try:\n        print('READ', path, os.listdir(os.path.join({str(course)!r}, path))[:3])\n"
            "    except (OSError, NotADirectoryError) as error:\n        print('DENIED', path, type(error).__name__)\n"
            "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
        ),
    )
    text = json.dumps(attack).replace("'", "'\\''")
    result = _as(BAD, f"echo '{text}' > {ASSIGNMENT}/{NOTEBOOK} && nbgrader submit {ASSIGNMENT} --log-level=WARN")
    assert result.returncode == 0, result.stderr
    result = _as(
        INSTRUCTOR,
        f"nbgrader collect {ASSIGNMENT} --update --log-level=WARN && convnet-course autograde {ASSIGNMENT} {BAD}",
        course,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith(BAD))
    assert " 0/5 " in f" {line} ", result.stdout
    graded = nbformat.read(course / "autograded" / BAD / ASSIGNMENT / NOTEBOOK, as_version=4)
    printed = "".join(o.get("text", "") for o in graded.cells[1].outputs)
    assert "READ" not in printed and printed.count("DENIED") == 3, printed


def test_a_late_submission_gets_the_penalty(class_hub: RunningHub) -> None:
    course = class_hub.course
    result = _as(
        INSTRUCTOR,
        f"nbgrader db assignment add {ASSIGNMENT} --duedate='2020-01-01 00:00:00 UTC' --log-level=WARN",
        course,
    )
    assert result.returncode == 0, result.stderr
    solution = json.dumps(_solution()).replace("'", "'\\''")
    result = _as(BAD, f"echo '{solution}' > {ASSIGNMENT}/{NOTEBOOK} && nbgrader submit {ASSIGNMENT} --log-level=WARN")
    assert result.returncode == 0, result.stderr
    result = _as(
        INSTRUCTOR,
        f"nbgrader collect {ASSIGNMENT} --update --log-level=WARN && "
        f"convnet-course autograde {ASSIGNMENT} {BAD} --force",
        course,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    code = (
        "from nbgrader.api import Gradebook; "
        f"s = Gradebook('sqlite:///{course}/gradebook.db').find_submission('{ASSIGNMENT}', '{BAD}'); "
        "print(s.late_submission_penalty, s.code_score, s.score)"
    )
    penalty, code_score, score = map(float, _as(INSTRUCTOR, f'python -c "{code}"', course).stdout.split())
    assert code_score == _gradebook_scores(class_hub)["max"], "the late answer itself is right"
    assert penalty == code_score > 0, (penalty, code_score, score)  # "zero": the whole score
    (row,) = [r for r in _export(class_hub) if r["student_id"] == BAD and r["assignment"] == ASSIGNMENT]
    assert float(row["score"]) == 0.0 and float(row["late_submission_penalty"]) == penalty, row


def test_two_instructors_autograding_at_once(class_hub: RunningHub) -> None:
    course = class_hub.course
    command = f"convnet-course autograde {ASSIGNMENT} --force --workers 1"
    first = subprocess.Popen(
        ["su", "-", INSTRUCTOR, "-c", f"cd {course} && export PATH={STATE}/env/bin:$PATH && {command}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_locked(course / ".autograde.lock")
        second = _as(INSTRUCTOR, command, course)
        assert second.returncode == 2, second.stdout + second.stderr
        assert "autograd" in second.stderr.lower() and "running" in second.stderr.lower(), second.stderr
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    scores = _gradebook_scores(class_hub)
    assert scores[GOOD] == scores["max"], scores


def _wait_until_locked(path: Path) -> None:
    for _ in range(300):
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(handle, fcntl.LOCK_UN)
            except BlockingIOError:
                return
        time.sleep(0.1)
    raise AssertionError("the first autograde never took the lock")


def test_one_backup_holds_the_gradebook_and_the_exchange(class_hub: RunningHub, tmp_path: Path) -> None:
    import sys
    import tarfile

    command = [
        sys.executable,
        "-m",
        "course_tools.cli",
        "--course",
        str(class_hub.course),
        "backup",
        "--exchange",
        str(class_hub.state / "exchange"),
        "--out",
        str(tmp_path),
    ]
    subprocess.run(command, capture_output=True, text=True, check=True)
    (archive,) = tmp_path.glob("convnet-course-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "course/gradebook.db" in names and f"course/submitted/{GOOD}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in names
    assert [n for n in names if n.startswith("exchange/convnet-course/inbound/")], "submissions not yet collected"


def test_a_students_python_holds_no_course_version_of_an_exercise(class_hub: RunningHub) -> None:
    code = "import course_lib.exercises.stand_ins as s; print(s.SHIPPED)"
    assert _as(BAD, f'python -c "{code}"').stdout.split() == ["False"], "the students' Python: the kit's wheel"
    assert _as(INSTRUCTOR, f'python -c "{code}"').stdout.split() == ["True"], "grading needs the course's versions"


def test_idle_servers_are_culled(class_hub: RunningHub) -> None:
    culler = subprocess.run(["pgrep", "-f", "jupyterhub_idle_culler --timeout=3600"], capture_output=True)
    assert culler.returncode == 0, "the hub runs jupyterhub-idle-culler as a service"


def test_a_course_update_reaches_the_instructor_and_keeps_their_edits(class_hub: RunningHub, tmp_path: Path) -> None:
    """Mid-term, after git pull: make hub again (--setup-only while the hub runs)."""
    import shutil

    from classhub import hub_command

    name = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    edited = class_hub.course / "solutions" / name
    nb = nbformat.read(edited, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("My own note for this class."))
    nbformat.write(nb, edited)
    newer = tmp_path / "course"  # the repository after git pull: a fixed exercise in both folders
    newer.mkdir()
    for item in (
        "pyproject.toml",
        "README.md",
        "nbgrader_config.py",
        "course_lib",
        "course_tools",
        "solutions",
        "notebooks",
        "hub",
        "benchmarks",
    ):
        copy = shutil.copytree if (ROOT / item).is_dir() else shutil.copyfile
        copy(
            ROOT / item,
            newer / item,
            **({"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / item).is_dir() else {}),
        )
    untouched = "01-convnet-basics/01-convnet-basics.ipynb"
    for changed in (name, untouched):
        nb = nbformat.read(newer / "solutions" / changed, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell("## A fixed exercise"))
        nbformat.write(nb, newer / "solutions" / changed)

    command = hub_command(class_hub.port, "--setup-only")  # on the running hub's own port
    command[command.index("--course") + 1] = str(newer)
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout

    assert "My own note for this class." in edited.read_text(), "the instructor's edit is kept"
    (aside,) = (class_hub.course / "course-updates").glob(f"*/solutions/{name}")
    assert "A fixed exercise" in aside.read_text() and aside.owner() == INSTRUCTOR
    assert [p.name for p in edited.parent.iterdir()] == [edited.name], (
        "nothing nbgrader would take as a second notebook"
    )
    assert (
        f"changed in the course: the course folder/solutions/{name} is yours and kept; the new version is "
        f"the course folder/course-updates/{aside.parts[-4]}/solutions/{name}" in out
    ), out
    assert "A fixed exercise" in (class_hub.course / "solutions" / untouched).read_text()
    assert (
        f"updated: the course folder/solutions/{untouched} (you had not changed it); sections changed: A fixed exercise"
        in out
    )


def test_a_hub_restart_loses_nothing(class_hub: RunningHub, browser) -> None:
    from classhub import start_hub

    before = _gradebook_scores(class_hub)
    feedback = sorted((class_hub.home(GOOD) / ASSIGNMENT / "feedback").rglob("*.html"))
    class_hub.stop()
    class_hub.process = start_hub(class_hub.port)
    page = _login(browser, class_hub, GOOD)  # the same password, the same home
    _assignments_panel(page)
    page.locator("#submitted_assignments_list .list_item").first.wait_for()
    assert sorted((class_hub.home(GOOD) / ASSIGNMENT / "feedback").rglob("*.html")) == feedback
    assert _gradebook_scores(class_hub) == before
    listed = _as(BAD, "nbgrader list")  # the release is still in the exchange
    assert ASSIGNMENT in listed.stdout + listed.stderr

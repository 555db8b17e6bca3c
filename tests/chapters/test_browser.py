"""The course as students see it: JupyterLab in a real browser (Chromium via Playwright).

For every release notebook: run its cells one by one as a student would (an exercise
left blank raises, the next cells still run), check every widget renders, and that
moving each widget's controls redraws its output. Then fill in exercises and press
nbgrader's Validate. Screenshots go to build/screenshots/. Run alone with
``make test-browser``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course_tools import cells
from course_tools.course import assignments, notebook_name
from helpers import ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "build" / "screenshots"
ASSIGNMENTS = assignments(ROOT)


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def link(self, path: str) -> str:
        """The notebook at ``path`` in a workspace of its own (no tabs left by other tests)."""
        workspace = secrets.token_hex(4)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a copy of the release notebooks (its autosave never touches
    the repository), in the course's fast mode, on 127.0.0.1 with a random port and token."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        COURSE_FAST="1",
        JUPYTERLAB_SETTINGS_DIR=str(root / ".lab-settings"),
        JUPYTER_CONFIG_DIR=str(root / ".jupyter"),  # ignore the user's own Jupyter settings
    )
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError as error:
            if server.poll() is not None or time.time() > deadline:
                log_tail = (root / "server.log").read_text()[-3000:]
                raise RuntimeError(f"JupyterLab did not start:\n{log_tail}") from error
            time.sleep(0.5)
    yield Lab(url, token, root)
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def page(browser):
    """A fresh page of the shared browser (conftest.py), 1400x1000, collecting console errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


_KERNEL_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel && kernel.status === 'idle';
}"""

_RUN_CELL = """async (index) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  notebook.activeCellIndex = index;
  if (notebook.activeCell.model.type !== 'code') return false;
  await window.jupyterapp.commands.execute('notebook:run-cell');
  return true;
}"""


def open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.link(path))
    page.wait_for_function(_KERNEL_READY, timeout=120_000)


def run_every_cell(page) -> None:
    """Run the code cells one at a time, like a student pressing Shift+Enter throughout."""
    count = page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets.length")
    for index in range(count):
        page.evaluate(_RUN_CELL, index)
    page.wait_for_function(_KERNEL_READY, timeout=120_000)


def widget_errors(page) -> list[str]:
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    broken = [t for t in texts if "Error displaying widget" in t or "Error rendering widget" in t]
    return broken + [e for e in page.console_errors if "widget" in e.lower()]


# What a widget shows: its pictures and its output areas, not its controls (a slider's own
# number changes whenever it moves, whether or not the widget reacts).
_SNAPSHOT = """(view) => {
  const images = [...view.querySelectorAll('img')].map(i => i.src);
  const texts = [...view.querySelectorAll('.widget-output')].map(e => e.innerText);
  return images.join('|') + '#' + texts.join('|');
}"""


def _wait_for_change(view, before: str, seconds: float = 30) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if view.evaluate(_SNAPSHOT) != before:
            return True
        time.sleep(0.25)
    return False


def exercise_controls(page, view) -> list[str]:
    """Move each slider and dropdown of a widget view; return the controls that did not
    change what the widget shows."""
    dead = []
    for slider in view.locator(".widget-slider:has(.noUi-handle)").all():
        handle = slider.locator(".noUi-handle").first
        label = slider.locator(".widget-label").first.inner_text() or "a slider"
        before = view.evaluate(_SNAPSHOT)
        handle.focus()
        handle.press(
            "End" if handle.get_attribute("aria-valuenow") != handle.get_attribute("aria-valuemax") else "Home"
        )
        if not _wait_for_change(view, before):
            dead.append(f"slider {label!r}")
        page.wait_for_function(_KERNEL_READY, timeout=60_000)
    for dropdown in view.locator(".widget-dropdown:has(select)").all():
        select = dropdown.locator("select").first
        label = dropdown.locator(".widget-label").first.inner_text() or "a dropdown"
        options = select.locator("option").all_inner_texts()
        if len(options) < 2:
            continue
        before = view.evaluate(_SNAPSHOT)
        current = select.evaluate("s => s.selectedIndex")
        select.select_option(index=(current + 1) % len(options))
        if not _wait_for_change(view, before):
            dead.append(f"dropdown {label!r}")
        page.wait_for_function(_KERNEL_READY, timeout=60_000)
    return dead


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_widgets_render_and_respond(page, lab: Lab, assignment: str) -> None:
    name = notebook_name(ROOT, assignment)
    open_notebook(page, lab, f"notebooks/{assignment}/{name}")
    run_every_cell(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{assignment}.png"))

    assert not widget_errors(page), f"widgets failed to display: {widget_errors(page)}"
    views = page.locator(".jp-OutputArea-output:has(.widget-interact), .jp-OutputArea-output:has(.widget-vbox)")
    expected = sum(
        1
        for cell in nbformat.read(ROOT / "notebooks" / assignment / name, as_version=4).cells
        if cell.cell_type == "code" and "_explorer(" in cell.source
    )
    assert views.count() >= expected, f"{expected} widget cells, but only {views.count()} widgets rendered"
    for index in range(views.count()):
        view = views.nth(index)
        view.scroll_into_view_if_needed()
        view.screenshot(path=str(SCREENSHOTS / f"{assignment}-widget-{index + 1}.png"))
        dead = exercise_controls(page, view)
        assert not dead, f"widget {index + 1} of {assignment}: moving these changed nothing: {dead}"


def _solution_sources(assignment: str) -> dict[str, str]:
    source = nbformat.read(ROOT / "solutions" / assignment / notebook_name(ROOT, assignment), as_version=4)
    return {
        cells.grade_id(c): c.source
        for c in source.cells
        if cells.is_solution(c)  # code answers and written ones
    }


_FILL = """([gradeId, text]) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cell = notebook.widgets.find(c => (c.model.getMetadata('nbgrader') || {}).grade_id === gradeId);
  cell.model.sharedModel.setSource(text);
}"""


def validate(page) -> str:
    page.locator("jp-button.validate-button:visible").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    text = dialog.inner_text()
    dialog.locator("button").last.click()
    dialog.wait_for(state="detached")
    return text


def test_validate_in_jupyterlab(page, lab: Lab) -> None:
    assignment = "00-getting-started"
    name = notebook_name(ROOT, assignment)
    folder = lab.root / "validate"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "notebooks" / assignment / name, folder / name)
    open_notebook(page, lab, f"validate/{name}")
    answers = _solution_sources(assignment)

    page.evaluate(_FILL, ["to_batch", answers["to_batch"]])
    one_filled = validate(page)
    assert "NotImplementedError" in one_filled, f"the blank exercises should fail Validate: {one_filled[:500]}"
    assert "batch = to_batch(chelsea)" not in one_filled, "the filled exercise should pass its tests"

    for grade_id, text in answers.items():
        page.evaluate(_FILL, [grade_id, text])
    all_filled = validate(page)
    page.screenshot(path=str(SCREENSHOTS / "validate.png"))
    assert "Success! Your notebook passes all the tests." in all_filled, all_filled[:800]


def test_course_site_renders(page, tmp_path: Path) -> None:
    """The static site `make run` writes, built here from a small executed notebook."""
    from course_tools import site

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · A chapter"), nbformat.v4.new_code_cell("print('hi')")]
    nbformat.write(nb, tmp_path / "09-chapter.ipynb")
    (tmp_path / "09-chapter.html").write_text("<html><body><h1>chapter page</h1></body></html>")
    summary = {
        "fast_mode": False,
        "seconds": 42,
        "notebooks": [
            {
                "assignment": "09-chapter",
                "notebook": "09-chapter.ipynb",
                "html": "09-chapter.html",
                "status": "ok",
                "error": "",
                "seconds": 12,
            }
        ],
        "measurements": {"scratch": {"test_accuracy": 0.75, "seconds": 300}},
    }
    index = site.write_site(summary, tmp_path)
    page.goto(index.as_uri())
    assert page.locator("h1").inner_text() == "Convolutional neural networks with Keras"
    assert page.locator("table tr").count() == 6  # header + the five methods
    assert "75.0%" in page.locator("table").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site.png"), full_page=True)
    page.locator("a:has-text('09 · A chapter')").click()
    assert page.locator("h1").inner_text() == "chapter page"

"""``make run``: execute every solution notebook and write the browsable course.

For each assignment in ``solutions/`` the source notebook is executed (full mode unless
``COURSE_FAST`` is set) in its own folder. What goes to ``build/`` is safe to publish:
the executed lesson as a student may see it (:func:`as_released`: exercises as released,
no solution, no hidden test, no output of a graded cell), as a notebook and an HTML page;
the instructor's executed copy, with every answer and hidden test, only when asked for
(``solutions=True``: ``build/instructor/``). ``build/results.json`` sums up what ran, on
which photos, how long it took, and what the notebooks measured (read from their
kernels: :mod:`.measurements`), and ``build/site/index.html`` links it all: each chapter
with its first figures, the results table, and how to start. The photos are found once, before the first notebook (see
:mod:`course_lib.photos.sources`); where that is the course's sample, every notebook is told to
use it (``COURSE_DATA=sample``) rather than to try a download again, and the site says so.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions
from tqdm.auto import tqdm

from course_lib import settings
from course_lib.photos import sources

from . import cells, expectations, measurements
from .course import assignments
from .site import write_site


def execute(nb: nbformat.NotebookNode, folder: Path, name: str, *, timeout: int | None = None) -> str:
    """Execute ``nb`` in place, in ``folder``; returns the error text ("" when every cell ran)."""
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    with tqdm(total=code_cells, desc=name, unit="cell", leave=True) as bar:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
            on_cell_executed=lambda **_: bar.update(1),
            # No widget state: HTML pages would need a script from the internet to draw the
            # widgets; without it they show the picture each widget keeps (image/png).
            store_widget_state=False,
        )
        try:
            client.execute()
            error = ""
        except CellExecutionError as exc:
            # the exception's first line says what happened (its message may go on with
            # what to do over several lines)
            message = (exc.evalue or "").strip().splitlines()
            error = f"{exc.ename}: {message[0]}" if message else exc.ename or repr(exc)
    return error


def as_released(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed source notebook as a student may see it: nbgrader's own
    clearing of solutions, hidden tests and mark schemes (what ``generate_assignment``
    does), and no output of a solution or test cell (it could show an answer)."""
    released, resources = nbformat.from_dict(json.loads(json.dumps(nb))), {}
    for step in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme()):
        released, resources = step.preprocess(released, resources)
    for cell in released.cells:
        if cell.cell_type == "code" and (cells.is_solution(cell) or cells.is_grade(cell)):
            cell.outputs, cell.execution_count = [], None
    return released


def sample_note() -> str:
    """The banner cell put first in each chapter's page when the run used the sample."""
    return f"> **This run used the course's photo sample**: {sources.sample_warning()}."


def build(root: Path, out: Path | None = None, names: list[str] | None = None, *, solutions: bool = False) -> dict:
    """Execute the solution notebooks of ``root`` and write them as released into ``out``
    (default ``root/build``), and as they are into ``out/instructor`` when ``solutions``."""
    root = Path(root).resolve()
    out = Path(out or root / "build")
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    photos = sources.resolve()
    print(f"Photos: {photos.describe()}", flush=True)
    summary: dict = {
        "fast_mode": settings.fast_mode(),
        "data": photos.as_dict(),
        "started_at": started,
        "notebooks": [],
        "measurements": {},
    }
    exporter = HTMLExporter(template_name="lab")
    choice = os.environ.get("COURSE_DATA")
    if photos.is_sample:
        os.environ["COURSE_DATA"] = "sample"  # the kernels inherit it
    try:
        _run_all(root, out, names or assignments(root), exporter, summary, solutions)
        summary["seconds"] = round(time.time() - started, 1)
    finally:
        if choice is None:
            os.environ.pop("COURSE_DATA", None)
        else:
            os.environ["COURSE_DATA"] = choice
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    write_site(summary, out)
    return summary


def _run_all(root: Path, out: Path, names: list[str], exporter: HTMLExporter, summary: dict, solutions: bool) -> None:
    """Execute each assignment's notebooks into ``out``, appending to ``summary``."""
    bench = expectations.load(root / "benchmarks" / "results.json")
    for assignment in names:
        for source in sorted((root / "solutions" / assignment).glob("*.ipynb")):
            nb = expectations.fill(nbformat.read(source, as_version=4), assignment, bench)
            if (reader := measurements.cell(assignment)) is not None:
                nb.cells.append(reader)
            tick = time.perf_counter()
            error = execute(nb, source.parent, source.stem)
            seconds = round(time.perf_counter() - tick, 1)
            found = measurements.take(nb)
            if not error:
                kept = {"fast_mode": summary["fast_mode"], "data": summary["data"]["kind"]}
                summary["measurements"].update({name: {**values, **kept} for name, values in found.items()})
            if summary["data"]["sample"]:
                nb.cells.insert(0, nbformat.v4.new_markdown_cell(sample_note()))
            executed = out / source.name
            _write(as_released(nb), executed, exporter)
            if solutions:
                _write(nb, out / "instructor" / source.name, exporter)
            summary["notebooks"].append(
                {
                    "assignment": assignment,
                    "notebook": executed.name,
                    "html": executed.with_suffix(".html").name,
                    "status": "error" if error else "ok",
                    "error": error,
                    "seconds": seconds,
                }
            )
            print(f"{assignment}: {'FAILED: ' + error if error else 'ok'} ({seconds} s)", flush=True)


def _write(nb: nbformat.NotebookNode, path: Path, exporter: HTMLExporter) -> None:
    """``nb`` as ``path`` and as an HTML page beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    html, _ = exporter.from_notebook_node(nb)
    path.with_suffix(".html").write_text(html, encoding="utf-8")

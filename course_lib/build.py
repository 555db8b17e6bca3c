"""``make run``: execute every solution notebook and write the browsable course.

For each assignment in ``solutions/`` the source notebook is executed (full mode unless
``COURSE_FAST`` is set) in its own folder; the executed copy and an HTML page go to
``build/``, ``build/results.json`` sums up what ran, on which photos, how long it took,
and what the notebooks measured (see :mod:`course_lib.results`), and
``build/site/index.html`` links it all: each chapter with its first figures, the results
table, and how to start. The photos are found once, before the first notebook (see
:mod:`course_lib.sources`); where that is the course's sample, every notebook is told to
use it (``COURSE_DATA=sample``) rather than to try a download again, and the site says so.
"""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from tqdm.auto import tqdm

from . import grading, results, settings, sources


def execute(path: Path, *, timeout: int | None = None) -> tuple[nbformat.NotebookNode, str]:
    """Execute the notebook at ``path`` in its folder; returns the executed notebook and
    the error text ("" when every cell ran)."""
    nb = nbformat.read(path, as_version=4)
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    with tqdm(total=code_cells, desc=path.stem, unit="cell", leave=True) as bar:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
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
    return nb, error


SAMPLE_NOTE = (
    "> **This run used the course's photo sample** (238 Oxford-IIIT Pet photos, 120 of them for "
    "training), not the book's 2,000 training photos: its accuracies are lower and noisier than "
    "the book's and not comparable with them."
)


def build(root: Path, out: Path | None = None, names: list[str] | None = None) -> dict:
    """Execute the solution notebooks of ``root`` into ``out`` (default ``root/build``)."""
    root = Path(root).resolve()
    out = Path(out or root / "build")
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    photos = sources.resolve()
    print(f"Photos: {photos.describe()}", flush=True)
    summary: dict = {"fast_mode": settings.fast_mode(), "data": photos.as_dict(), "started_at": started, "notebooks": []}
    exporter = HTMLExporter(template_name="lab")
    choice = os.environ.get("COURSE_DATA")
    if photos.is_sample:
        os.environ["COURSE_DATA"] = "sample"  # the kernels inherit it
    try:
        _run_all(root, out, names or grading.assignments(root), exporter, summary)
        summary["seconds"] = round(time.time() - started, 1)
        summary["measurements"] = {k: v for k, v in results.load().items() if v.get("recorded_at", 0) >= started}
    finally:
        if choice is None:
            os.environ.pop("COURSE_DATA", None)
        else:
            os.environ["COURSE_DATA"] = choice
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    write_site(summary, out)
    return summary


def _run_all(root: Path, out: Path, names: list[str], exporter: HTMLExporter, summary: dict) -> None:
    """Execute each assignment's notebooks into ``out``, appending to ``summary``."""
    for assignment in names:
        for source in sorted((root / "solutions" / assignment).glob("*.ipynb")):
            tick = time.perf_counter()
            nb, error = execute(source)
            seconds = round(time.perf_counter() - tick, 1)
            if summary["data"]["sample"]:
                nb.cells.insert(0, nbformat.v4.new_markdown_cell(SAMPLE_NOTE))
            executed = out / source.name
            nbformat.write(nb, executed)
            html, _ = exporter.from_notebook_node(nb)
            executed.with_suffix(".html").write_text(html, encoding="utf-8")
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


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return fallback


def _figures(nb: nbformat.NotebookNode, limit: int) -> list[bytes]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png and len(found) < limit:
                found.append(base64.b64decode(png))
    return found


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Convnets with Keras: the course</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
.chapter {{ border: 1px solid #ddd; border-radius: 8px; padding: 0.5rem 1rem 1rem; margin: 1rem 0; }}
.chapter img {{ height: 9rem; margin: 0.25rem; border: 1px solid #eee; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }}
.error {{ color: #b00; }} .sample {{ background: #fff4d6; border-left: 4px solid #c80; padding: 0.5rem 1rem; }} code {{ background: #f4f4f4; padding: 0 0.2rem; }}
</style></head><body>
<h1>Convolutional neural networks with Keras</h1>
<p>A Jupyter course following the lecture <em>Convolutional Neural Networks (ConvNet)</em> and chapter 5 of
<em>Deep Learning with R</em>. These pages are the chapters as executed by <code>make run</code>
({mode}, {seconds:.0f} s in all), on {photos}.</p>
{sample_banner}
<h2>How to start</h2>
<ol><li><code>make lab</code> opens the course in JupyterLab; start with <code>notebooks/00-getting-started</code>.</li>
<li>Fill in the cells marked <code>YOUR CODE HERE</code>; press <b>Validate</b> to check a notebook.</li>
<li><code>make grade</code> grades your notebooks, hidden tests included.</li></ol>
<h2>Chapters</h2>
{chapters}
<h2>Results</h2>
<p>Test accuracy on cats vs dogs, measured by this run on {photos_short}, next to the book's figures.</p>
<table><tr><th>method</th><th>test accuracy here</th><th>training time</th><th>book</th></tr>
{rows}
</table>
</body></html>
"""


def write_site(summary: dict, out: Path) -> Path:
    """Write ``out/site/``: the chapters' HTML pages and ``index.html``; returns the index."""
    from . import results

    site = out / "site"
    (site / "figures").mkdir(parents=True, exist_ok=True)
    chapters = []
    on_sample = ", on the course's photo sample" if summary.get("data", {}).get("sample") else ""
    for entry in summary["notebooks"]:
        nb = nbformat.read(out / entry["notebook"], as_version=4)
        shutil.copyfile(out / entry["html"], site / entry["html"])
        images = []
        for index, png in enumerate(_figures(nb, limit=4)):
            name = f"figures/{Path(entry['notebook']).stem}-{index}.png"
            (site / name).write_bytes(png)
            images.append(f'<img src="{name}" alt="a figure of this chapter">')
        status = "" if entry["status"] == "ok" else f'<p class="error">failed: {html.escape(entry["error"])}</p>'
        chapters.append(
            f'<div class="chapter"><h3><a href="{entry["html"]}">{html.escape(_title(nb, entry["assignment"]))}</a></h3>'
            f'<p>ran in {entry["seconds"]:.0f} s{on_sample}</p>{status}{"".join(images)}</div>'
        )
    rows = []
    for row in results.comparison(summary.get("measurements", {})):
        accuracy = "not run" if row["test_accuracy"] is None else f"{row['test_accuracy']:.1%}"
        seconds = "" if row["seconds"] is None else f"{row['seconds']:.0f} s"
        rows.append(
            f"<tr><td>{html.escape(row['method'])}</td><td>{accuracy}</td><td>{seconds}</td>"
            f"<td>{row['book_accuracy']:.0%}</td></tr>"
        )
    photos = summary.get("data", {})
    banner = ""
    if photos.get("sample"):
        banner = (
            '<p class="sample"><b>Run on the course\'s photo sample</b> (238 Oxford-IIIT Pet photos, '
            "120 of them for training), not on the book's 2,000 training photos: its accuracies are "
            "lower and noisier than the book's and not comparable with them. For the book's setting, "
            "run <code>make run</code> online (it downloads the photos once) or set "
            "<code>COURSE_DATA_DIR</code> to your copy.</p>"
        )
    index = site / "index.html"
    index.write_text(
        _PAGE.format(
            photos=html.escape(photos.get("description", "unknown photos")),
            photos_short="the course's photo sample" if photos.get("sample") else "the full photo set",
            sample_banner=banner,
            mode="fast mode" if summary.get("fast_mode") else "full mode",
            seconds=summary.get("seconds", 0),
            chapters="\n".join(chapters),
            rows="\n".join(rows),
        ),
        encoding="utf-8",
    )
    return index

"""``make run``: execute every solution notebook and write the browsable results.

For each assignment in ``solutions/`` the source notebook is executed (full mode unless
``COURSE_FAST`` is set) in its own folder; the executed copy and an HTML page go to
``build/``, and ``build/results.json`` sums up what ran, how long it took, and what the
notebooks measured (see :mod:`course_lib.results`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter
from tqdm.auto import tqdm

from . import grading, results, settings


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
        )
        try:
            client.execute()
            error = ""
        except CellExecutionError as exc:
            error = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
    return nb, error


def build(root: Path, out: Path | None = None, names: list[str] | None = None) -> dict:
    """Execute the solution notebooks of ``root`` into ``out`` (default ``root/build``)."""
    root = Path(root).resolve()
    out = Path(out or root / "build")
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    summary: dict = {"fast_mode": settings.fast_mode(), "started_at": started, "notebooks": []}
    exporter = HTMLExporter(template_name="lab")
    for assignment in names or grading.assignments(root):
        for source in sorted((root / "solutions" / assignment).glob("*.ipynb")):
            tick = time.perf_counter()
            nb, error = execute(source)
            seconds = round(time.perf_counter() - tick, 1)
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
    summary["seconds"] = round(time.time() - started, 1)
    summary["measurements"] = {k: v for k, v in results.load().items() if v.get("recorded_at", 0) >= started}
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    return summary

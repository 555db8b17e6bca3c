"""The course's site under ``build/site/``: each executed chapter's page, its first
figures and the results table against the book, from a Jinja2 template (the engine of
nbconvert's own templates) in ``templates/site.html.j2``, autoescaped."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import jinja2
import nbformat

from course_lib import results
from course_lib.photos import sources

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("course_tools", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def write_site(summary: dict, out: Path) -> Path:
    """Write ``out/site/``: the chapters' HTML pages and ``index.html``; returns the index.

    ``summary`` is what :func:`course_tools.build.build` writes to ``results.json``;
    the executed notebooks and their pages are in ``out``.
    """
    site = out / "site"
    (site / "figures").mkdir(parents=True, exist_ok=True)
    chapters = []
    for entry in summary["notebooks"]:
        nb = nbformat.read(out / entry["notebook"], as_version=4)
        shutil.copyfile(out / entry["html"], site / entry["html"])
        figures = []
        for index, png in enumerate(_figures(nb, limit=4)):
            name = f"figures/{Path(entry['notebook']).stem}-{index}.png"
            (site / name).write_bytes(png)
            figures.append(name)
        chapters.append({**entry, "title": _title(nb, entry["assignment"]), "figures": figures})
    page = _TEMPLATES.get_template("site.html.j2").render(
        fast_mode=summary.get("fast_mode", False),
        seconds=summary.get("seconds", 0),
        photos=summary.get("data", {}),
        sample_warning=sources.sample_warning(),
        chapters=chapters,
        rows=results.comparison(summary.get("measurements", {})),
    )
    index = site / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


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

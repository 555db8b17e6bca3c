"""What several test files share: the course folder, the stand-in for downloads (offline),
where Chromium is, small real-looking photos (crops of scikit-image's cat and coffee), and
ways to look at figures and explorers."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import requests  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib.explorer import FigureExplorer  # noqa: E402
from course_lib.photos import data  # noqa: E402
from course_tools import cells  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's: Playwright cannot download its own here


def offline(*args: object, **kwargs: object) -> None:
    """What ``pooch.retrieve`` does in the tests (conftest.py): fail as it would offline."""
    raise requests.exceptions.ConnectionError("the tests never download (as if offline)")


def photo(seed: int, size: tuple[int, int] = (40, 56)) -> Image.Image:
    """A small RGB photo of ``size`` (height, width): a crop of the cat or the coffee cup."""
    source = data.sample_image("chelsea" if seed % 2 else "coffee")
    top, left = 7 * seed % 100, 11 * seed % 150
    crop = source[top : top + 3 * size[0], left : left + 3 * size[1]]
    return Image.fromarray(crop).resize(size[::-1])


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_folder(root: Path, per_class: int = 3) -> Path:
    """A tiny data folder in the course layout, named the Kaggle way."""
    for split in data.SPLITS:
        for label, class_name in enumerate(data.CLASSES):
            folder = root / split / class_name
            folder.mkdir(parents=True)
            for n in range(1, per_class + 1):
                photo(10 * n + label).save(folder / f"{class_name[:-1]}.{n}.jpg", quality=90)
    return root


# --- what students must never be given ---------------------------------------------

_BLOCKS = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.S)


def course_wheel(out: Path) -> Path:
    """The course's wheel, built into ``out/wheel/`` from a copy of its package files in
    ``out/source/`` (building writes build/ and *.egg-info beside the sources)."""
    source = out / "source"
    for name in ("course_lib", "course_tools"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    built = subprocess.run([*command, "-w", str(out / "wheel"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (out / "wheel").glob("convnet_course-*.whl")
    return wheel


def hidden_lines(
    nb: nbformat.NotebookNode, kinds: tuple[str, ...] = ("SOLUTION", "HIDDEN TESTS")
) -> tuple[set[str], set[str]]:
    """Lines of a source notebook's answers (code, and written answers in Markdown) and
    hidden tests (``kinds``) of at least 12 characters that no other part of it shows, and
    every other line."""
    hidden, shown = set(), set()
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cells.is_solution(cell):
            hidden.update(line.strip() for line in cell.source.splitlines() if "SOLUTION" in kinds)
            continue
        for match in _BLOCKS.finditer(cell.source):
            hidden.update(line.strip() for line in match.group(2).splitlines() if match.group(1) in kinds)
        shown.update(line.strip() for line in _BLOCKS.sub("", cell.source).splitlines())
    return {line for line in hidden - shown if len(line) >= 12}, shown


def secret_lines(
    solutions: Path, release: Path | None = None, kinds: tuple[str, ...] = ("SOLUTION", "HIDDEN TESTS")
) -> set[str]:
    """:func:`hidden_lines` of every source notebook under ``solutions``, less those the
    release notebooks under ``release`` hold (a student has them anyway)."""
    given = "".join(p.read_text() for p in release.rglob("*.ipynb")) if release else ""
    found = set().union(*(hidden_lines(nbformat.read(p, as_version=4), kinds)[0] for p in solutions.rglob("*.ipynb")))
    return {line for line in found if json.dumps(line)[1:-1] not in given}


def readable_text(files: Iterable[Path]) -> str:
    """The text of ``files`` as a reader meets it: notebooks' JSON decoded, HTML without its
    tags and escapes, the files of zips and wheels opened."""
    texts = []
    for path in files:
        if path.suffix in (".zip", ".whl"):
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        elif path.suffix == ".ipynb":
            texts.append("\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells))
            texts.append(path.read_text())
        elif path.suffix in (".html", ".htm"):
            texts.append(html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))))
        elif path.suffix in (".py", ".md", ".txt", ".json", ".cfg", ".toml"):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


# --- figures and explorers -----------------------------------------------------------


def figures_closed(fn: Callable[[], object]) -> None:
    """Call fn, check it returns a figure, close it."""
    fig = fn()
    assert isinstance(fig, plt.Figure)
    plt.close(fig)


def control(widget: FigureExplorer, description: str):
    """The control of an explorer with this description."""
    (found,) = [c for c in widget.controls.values() if c.description == description]
    return found


def shown(widget: FigureExplorer) -> bytes:
    """The PNG the explorer displays."""
    return bytes(widget.image.value)


def map_of(explorer: FigureExplorer, axis: int) -> np.ndarray:
    """The array the explorer's figure shows on axes number ``axis``."""
    return np.ma.filled(explorer.figure.axes[axis].images[0].get_array(), np.nan)

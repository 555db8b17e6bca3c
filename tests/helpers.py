"""What several test files share: the course folder, small real-looking photos (crops of
scikit-image's cat and coffee), and ways to look at figures and explorers."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from course_lib import data  # noqa: E402
from course_lib.explorer import FigureExplorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


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

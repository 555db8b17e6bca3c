"""Small real-looking photos for the data tests: crops of scikit-image's cat and coffee."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from course_lib import data


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

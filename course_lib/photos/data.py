"""The cats-vs-dogs photos: the book's split, and fast in-memory loading.

Serves the lecture section "Training a convnet from scratch on a small dataset" (book
chapter 5.2) and feeds 5.3 (using a pretrained convnet) and 5.4 (visualizing what convnets
learn), which also use :func:`sample_image`.

The data is a folder ``<root>/<split>/<class>/*.jpg`` with the splits ``train``,
``validation``, ``test`` and the classes ``cats`` (label 0) and ``dogs`` (label 1).
:func:`source` says which folder and where it came from (a folder you name, a full set in
the cache, a download, or the photo sample the course ships: :mod:`course_lib.photos.sources`).

Odd files in a user's folder are handled like this:

- only files ending in ``.jpg .jpeg .png .bmp .gif`` (any case) are images; anything else
  (``notes.txt``, ``Thumbs.db``), hidden files (``.DS_Store``, macOS's ``._cat.1.jpg``)
  and sub-folders are ignored;
- any format Pillow reads is loaded, whatever the extension says (a PNG named ``.jpg`` too);
- grayscale, palette, CMYK and 16-bit images become 3-channel RGB; transparent images
  are laid on a white background;
- an unreadable file (truncated, random bytes, empty) is skipped with one
  :class:`SkippedImageWarning` naming it;
- a class folder without images, or whose images are all unreadable, is an error.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from course_lib import settings
from course_lib.exercises.recipes import recipe
from course_lib.photos import sources
from course_lib.photos.downloads import BOOK_SPLIT, CLASSES, LAYOUT, DataNotFoundError
from course_lib.photos.sources import SPLITS, DataLayoutError, DataSource, SampleDamagedError

__all__ = [
    "BOOK_SPLIT",
    "CLASSES",
    "SPLITS",
    "CorruptImageError",
    "DataLayoutError",
    "DataNotFoundError",
    "DataSource",
    "SampleDamagedError",
    "SkippedImageWarning",
    "data_dir",
    "list_images",
    "load_arrays",
    "load_image",
    "load_split",
    "sample_image",
    "source",
    "summary",
]

FAST_LIMITS = {"train": 40, "validation": 20, "test": 20}  # per class, in fast mode
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
SAMPLE_IMAGES = ("chelsea", "coffee", "astronaut", "rocket")
_WORKERS = min(8, (os.cpu_count() or 1) + 2)
_PROGRESS_ABOVE = 200  # show a progress bar when decoding more images than this

Size = int | tuple[int, int]


class CorruptImageError(ValueError):
    """An image file that Pillow cannot decode."""


class SkippedImageWarning(UserWarning):
    """An unreadable image was left out of a split."""


# --- where the data is ---------------------------------------------------------------


def source(root: str | os.PathLike[str] | None = None) -> DataSource:
    """Which photos the course uses (``root``, else as :func:`course_lib.photos.sources.resolve`
    finds them); ``source().describe()`` says it in words, e.g. for a results table."""
    return sources.resolve(root)


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The photo folder in use (see :func:`source`), downloading the book's split if that
    is the next step and the network is there.

    Raises:
        DataLayoutError: ``path`` or ``COURSE_DATA_DIR`` names a folder without the layout.
        DataNotFoundError: ``COURSE_DATA=full`` and no full set could be found or fetched.
    """
    return source(path).path


# --- reading images ------------------------------------------------------------------


def load_image(path: str | os.PathLike[str], size: Size | None = None) -> np.ndarray:
    """Read an image file as a uint8 RGB array of shape (height, width, 3).

    ``size`` (an int for a square, or ``(height, width)``) resizes with Pillow's bilinear
    filter; JPEGs are then decoded at a reduced scale where that still covers ``size``.

    Raises:
        CorruptImageError: the file cannot be decoded (its path is in the message).
    """
    try:
        with Image.open(path) as img:
            if size is not None:
                img.draft(None, _wh(size))
            return _to_array(img, size)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = "not an image format Pillow knows" if isinstance(exc, UnidentifiedImageError) else exc
        raise CorruptImageError(f"Cannot read image {path}: {reason}") from None


def _wh(size: Size) -> tuple[int, int]:
    """Pillow's (width, height) from an int or (height, width)."""
    h, w = (size, size) if isinstance(size, int) else size
    return int(w), int(h)


def _to_array(img: Image.Image, size: Size | None) -> np.ndarray:
    """RGB uint8 array of ``img``, transparency on white, resized when ``size`` is given."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    elif img.mode.startswith("I"):  # 16/32-bit grayscale: scale to 8 bits
        img = Image.fromarray(np.asarray(img, dtype=np.float64) / 257).convert("L")
    img = img.convert("RGB")
    if size is not None:
        img = img.resize(_wh(size), Image.Resampling.BILINEAR)
    return np.asarray(img)


def sample_image(name: str = "chelsea", size: Size | None = None) -> np.ndarray:
    """An offline sample photo from scikit-image as uint8 RGB (chapter 5.4).

    ``name`` is one of ``SAMPLE_IMAGES``: "chelsea" (a tabby cat), "coffee", "astronaut",
    "rocket". ``size`` resizes as in :func:`load_image`.
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"Unknown sample image {name!r}; available: {', '.join(SAMPLE_IMAGES)}.")
    import skimage.data

    image = getattr(skimage.data, name)()
    return image if size is None else _to_array(Image.fromarray(image), size)


# --- listing and loading splits ------------------------------------------------------


def list_images(split: str, root: str | os.PathLike[str] | None = None) -> list[tuple[Path, int]]:
    """The ``(path, label)`` pairs of a split, cats then dogs, each in natural order.

    Natural order puts ``cat.2.jpg`` before ``cat.10.jpg``. Files are chosen by extension
    (see the module docstring); they are not opened here.

    Raises:
        ValueError: unknown split.
        DataLayoutError: a class folder holds no image files.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    base = data_dir(root) / split
    pairs = []
    for label, class_name in enumerate(CLASSES):
        folder = base / class_name
        files = sorted(
            (
                p
                for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS
            ),
            key=lambda p: _natural_key(p.name),
        )
        if not files:
            raise DataLayoutError(
                f"{folder} holds no images ({', '.join(IMAGE_EXTENSIONS)}). Expected layout: {LAYOUT}."
            )
        pairs += [(p, label) for p in files]
    return pairs


def _natural_key(name: str) -> list[int | str]:
    """Sort key that orders the numbers inside names by value."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def summary(root: str | os.PathLike[str] | None = None) -> dict[str, dict[str, int]]:
    """Image files per split and class, e.g. ``{"train": {"cats": 1000, "dogs": 1000}, ...}``.

    Counts files as :func:`list_images` picks them, without opening them.
    """
    counts = {}
    for split in SPLITS:
        labels = [label for _, label in list_images(split, root)]
        counts[split] = {c: labels.count(i) for i, c in enumerate(CLASSES)}
    return counts


def load_arrays(
    split: str,
    image_size: Size = 150,
    *,
    root: str | os.PathLike[str] | None = None,
    limit_per_class: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A split as arrays: images uint8 (n, h, w, 3) RGB and labels float32 (n,) (0 = cat).

    Each image is decoded once with Pillow (in threads) and kept in memory: a second call
    with the same folder, split, size and limit returns the same read-only arrays at once
    (see :func:`clear_cache`). ``limit_per_class`` keeps the first N files of each class in
    natural order; in fast mode it defaults to ``FAST_LIMITS[split]``, else all images.
    Unreadable files are skipped with a :class:`SkippedImageWarning` each.
    """
    return _decode(tuple(select_images(split, root, limit_per_class)), _wh(image_size)[::-1])


def effective_limit(split: str, limit_per_class: int | None = None) -> int | None:
    """The per-class limit the loaders apply: ``limit_per_class``, else in fast mode
    ``FAST_LIMITS[split]``, else None (all images)."""
    if limit_per_class is None and settings.fast_mode():
        limit_per_class = FAST_LIMITS.get(split)
    if limit_per_class is not None and limit_per_class < 1:
        raise ValueError(f"limit_per_class must be a positive int, not {limit_per_class}.")
    return limit_per_class


def select_images(
    split: str, root: str | os.PathLike[str] | None = None, limit_per_class: int | None = None
) -> list[tuple[Path, int]]:
    """The ``(path, label)`` pairs the loaders read: :func:`list_images`, keeping the first
    :func:`effective_limit` files of each class."""
    limit = effective_limit(split, limit_per_class)
    pairs = list_images(split, root)
    if limit is None:
        return pairs
    return [pair for label in range(len(CLASSES)) for pair in [p for p in pairs if p[1] == label][:limit]]


@lru_cache(maxsize=8)
def _decode(pairs: tuple[tuple[Path, int], ...], hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``pairs`` at ``(height, width)`` in threads; warn about unreadable files."""
    from tqdm.auto import tqdm

    images = np.empty((len(pairs), *hw, 3), np.uint8)

    def read(i: int) -> str | None:
        try:
            images[i] = load_image(pairs[i][0], hw)
        except CorruptImageError as exc:
            return str(exc)
        return None

    with (
        ThreadPoolExecutor(_WORKERS) as pool,
        tqdm(total=len(pairs), desc="Decoding images", disable=len(pairs) <= _PROGRESS_ABOVE) as bar,
    ):
        problems = []
        for problem in pool.map(read, range(len(pairs))):
            problems.append(problem)
            bar.update()
    for problem in filter(None, problems):
        warnings.warn(f"{problem}; skipped it.", SkippedImageWarning, stacklevel=3)
    keep = np.array([p is None for p in problems])
    labels = np.array([label for _, label in pairs], np.float32)
    for label in range(len(CLASSES)):
        if not keep[labels == label].any():
            folder = next(path.parent for path, lab in pairs if lab == label)
            raise DataLayoutError(f"None of the images in {folder} can be read.")
    if not keep.all():
        images, labels = images[keep], labels[keep]
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def clear_cache() -> None:
    """Forget the decoded images :func:`load_arrays` keeps (its last 8 loads)."""
    _decode.cache_clear()


@recipe  # a test passes what it makes to the kernel as the call that made it
def load_split(
    split: str,
    image_size: Size = 150,
    batch_size: int = 32,
    *,
    root: str | os.PathLike[str] | None = None,
    shuffle: bool | None = None,
    limit_per_class: int | None = None,
    seed: int = 1337,
) -> Iterable:
    """A split as batches ``(images, labels)`` for ``model.fit`` (a ``tf.data.Dataset``,
    made by :func:`course_lib.backend.dataset`).

    Images are float32 ``(batch, h, w, 3)`` RGB in 0..255 (rescale in the model), labels
    float32 ``(batch,)``, 0 = cat, 1 = dog. ``image_size`` is an int (square) or
    ``(height, width)``. ``shuffle`` defaults to True for train only; the order is
    reshuffled each epoch, reproducibly from ``seed``. Decoding, caching, fast-mode limits
    and odd files work as in :func:`load_arrays`.
    """
    from course_lib import backend

    images, labels = load_arrays(split, image_size, root=root, limit_per_class=limit_per_class)
    if shuffle is None:
        shuffle = split == "train"
    return backend.dataset(images, labels, batch_size, shuffle=shuffle, seed=seed)

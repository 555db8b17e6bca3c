"""The cats-vs-dogs photos: download, the book's split, and fast in-memory loading.

Serves the lecture section "Training a convnet from scratch on a small dataset" (book
chapter 5.2) and feeds 5.3 (using a pretrained convnet) and 5.4 (visualizing what convnets
learn), which also use :func:`sample_image`.

The data is a folder ``<root>/<split>/<class>/*.jpg`` with the splits ``train``,
``validation``, ``test`` and the classes ``cats`` (label 0) and ``dogs`` (label 1).
:func:`data_dir` finds it (a parameter, ``COURSE_DATA_DIR``, the cache) or downloads
Microsoft's Kaggle zip once and builds the book's split (1000 / 500 / 500 per class).

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

import io
import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from . import settings

if TYPE_CHECKING:
    import tensorflow as tf

SPLITS = ("train", "validation", "test")
CLASSES = ("cats", "dogs")  # label 0, label 1
BOOK_SPLIT = {"train": 1000, "validation": 500, "test": 500}  # images per class
FAST_LIMITS = {"train": 40, "validation": 20, "test": 20}  # per class, in fast mode
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
SAMPLE_IMAGES = ("chelsea", "coffee", "astronaut", "rocket")

ZIP_URL = (
    "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
    "kagglecatsanddogs_5340.zip"
)
ZIP_NAME = "kagglecatsanddogs_5340.zip"
ZIP_SIZE = 824_887_076  # bytes
ZIP_SHA256 = "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9"
CACHE_NAME = "cats_and_dogs_small"
MARKER = "split.json"  # written last: a split without it is incomplete

LAYOUT = "<folder>/{train,validation,test}/{cats,dogs}/*.jpg"
_ZIP_CLASSES = {"Cat": "cats", "Dog": "dogs"}
_ZIP_MEMBER = re.compile(r"PetImages/(Cat|Dog)/(\d+)\.jpg", re.IGNORECASE)
_WORKERS = min(8, (os.cpu_count() or 1) + 2)
_PROGRESS_ABOVE = 200  # show a progress bar when decoding more images than this

Size = int | tuple[int, int]


class DataNotFoundError(RuntimeError):
    """The photos are neither where they were said to be, nor cached, nor downloadable."""


class DataLayoutError(DataNotFoundError):
    """A folder named by the user does not have the ``<split>/<class>/`` layout."""


class CorruptImageError(ValueError):
    """An image file that Pillow cannot decode."""


class SkippedImageWarning(UserWarning):
    """An unreadable image was left out of a split."""


# --- where the data is ---------------------------------------------------------------


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder, downloading and building the book's split if needed.

    Looked for in this order: ``path``; the environment variable ``COURSE_DATA_DIR``; a
    complete split in ``settings.cache_dir() / "cats_and_dogs_small"``; else the Kaggle zip
    is downloaded (825 MB, once, checksummed) and the split built from it.

    Raises:
        DataLayoutError: ``path`` or ``COURSE_DATA_DIR`` names a folder without the layout.
        DataNotFoundError: nothing cached and the download failed (e.g. offline).
    """
    if path is not None:
        return _checked(Path(path).expanduser(), "The folder passed as `path`")
    if env := os.environ.get("COURSE_DATA_DIR"):
        return _checked(Path(env).expanduser(), "COURSE_DATA_DIR")
    target = settings.cache_dir() / CACHE_NAME
    if not (target / MARKER).is_file():
        if target.exists():  # checked before a long download, not after
            raise DataLayoutError(
                f"{target} exists but has no {MARKER}, so it is not a split this course built. "
                "Remove it, or set COURSE_DATA_DIR to it if it holds the photos."
            )
        build_split(download_zip(), target)
    return target


def _checked(root: Path, named_by: str) -> Path:
    """Return ``root`` if it has every split and class folder, else raise DataLayoutError."""
    if not root.is_dir():
        problem = "does not exist"
    else:
        missing = [f"{s}/{c}/" for s in SPLITS for c in CLASSES if not (root / s / c).is_dir()]
        if not missing:
            return root
        problem = "lacks " + ", ".join(missing)
    hint = ""
    if (root / CACHE_NAME).is_dir():
        hint = f"\nDid you mean {root / CACHE_NAME}?"
    raise DataLayoutError(
        f"{named_by} points to {root}, which {problem}.\n"
        f"Expected layout: {LAYOUT} (cats = label 0, dogs = label 1).{hint}"
    )


def download_zip() -> Path:
    """Download Microsoft's Kaggle cats-vs-dogs zip into the cache (once) and return it.

    ``pooch`` checks the SHA-256, shows a progress bar, and reuses a zip already saved at
    ``settings.cache_dir() / "downloads" / "kagglecatsanddogs_5340.zip"``.
    """
    import pooch
    import requests

    folder = settings.cache_dir() / "downloads"
    try:
        fetched = pooch.retrieve(
            ZIP_URL,
            known_hash=f"sha256:{ZIP_SHA256}",
            fname=ZIP_NAME,
            path=folder,
            progressbar=True,
        )
    except requests.exceptions.RequestException as exc:
        raise DataNotFoundError(
            f"Could not download the cats-vs-dogs photos ({type(exc).__name__}: {exc}).\n"
            "Nothing is cached yet. Three ways out:\n"
            f"  1. connect to the internet and run this again ({ZIP_SIZE / 1e6:.0f} MB, "
            "downloaded once);\n"
            f"  2. download {ZIP_URL}\n"
            f"     by hand and save it as {folder / ZIP_NAME} (it will then be found);\n"
            f"  3. set the environment variable COURSE_DATA_DIR to a folder laid out as\n"
            f"     {LAYOUT}."
        ) from None
    return Path(fetched)


# --- building the book's split from the zip -----------------------------------------


def build_split(
    zip_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    per_class: Mapping[str, int] | None = None,
) -> dict:
    """Build ``out_dir/<split>/<class>/`` from the zip's ``PetImages/{Cat,Dog}/<n>.jpg``.

    Each class's files are read in numeric order, without extracting the whole zip; only
    files that Pillow fully decodes as JPEG are kept, copied byte for byte as
    ``cat.<n>.jpg`` / ``dog.<n>.jpg``: the first ``per_class["train"]`` (default: the
    book's 1000) go to train, the next ones to validation, then test. Reading stops once a
    class is complete. Other members (``Thumbs.db``) are ignored. The split is built in a
    temporary folder next to ``out_dir`` and renamed at the end, with ``split.json``
    (counts and skipped files) inside, so an interrupted build never looks complete. A
    complete ``out_dir`` is left as it is. Returns the contents of ``split.json``.
    """
    out_dir = Path(out_dir)
    marker = out_dir / MARKER
    if marker.is_file():
        return json.loads(marker.read_text())
    if out_dir.exists():
        raise FileExistsError(
            f"{out_dir} exists but has no {MARKER}, so it is not a split this course built. "
            "Remove it, or choose another folder."
        )
    per_class = dict(per_class or BOOK_SPLIT)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        manifest = _fill_split(Path(zip_path), tmp, per_class)
        (tmp / MARKER).write_text(json.dumps(manifest, indent=1))
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    skipped = manifest["skipped"]
    if skipped:
        print(
            f"Skipped {len(skipped)} files that are not readable JPEGs: "
            + ", ".join(f"{s['file']} ({s['reason']})" for s in skipped)
        )
    sizes = ", ".join(f"{split} {n}" for split, n in per_class.items())
    print(f"Built {out_dir}: {sizes} images per class.")
    return manifest


def _fill_split(zip_path: Path, out: Path, per_class: dict[str, int]) -> dict:
    """Write the split into ``out`` and return the manifest (see :func:`build_split`)."""
    from tqdm.auto import tqdm

    wanted = sum(per_class.values())
    skipped: list[dict[str, str]] = []
    for split in per_class:
        for class_name in CLASSES:
            (out / split / class_name).mkdir(parents=True)
    with (
        zipfile.ZipFile(zip_path) as zf,
        tqdm(
            total=2 * wanted, desc="Building the split", disable=2 * wanted <= _PROGRESS_ABOVE
        ) as bar,
    ):
        members: dict[str, list[tuple[int, str]]] = {"Cat": [], "Dog": []}
        for name in zf.namelist():
            if m := _ZIP_MEMBER.fullmatch(name):
                members[m[1].capitalize()].append((int(m[2]), name))
        for zip_class, class_name in _ZIP_CLASSES.items():
            slots = [s for s, n in per_class.items() for _ in range(n)]
            for number, name in sorted(members[zip_class]):
                if not slots:
                    break
                data = zf.read(name)
                if reason := _jpeg_problem(data):
                    skipped.append({"file": name, "reason": reason})
                    continue
                folder = out / slots.pop(0) / class_name
                (folder / f"{class_name[:-1]}.{number}.jpg").write_bytes(data)
                bar.update()
            if slots:
                raise ValueError(
                    f"{zip_path} holds only {wanted - len(slots)} readable JPEGs in "
                    f"PetImages/{zip_class}/, {wanted} needed."
                )
    return {
        "source": zip_path.name,
        "per_class": per_class,
        "counts": {s: {c: n for c in CLASSES} for s, n in per_class.items()},
        "skipped": skipped,
    }


def _jpeg_problem(data: bytes) -> str | None:
    """Why ``data`` is not a fully decodable JPEG, or None if it is one."""
    if not data:
        return "empty"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": harmless
            with Image.open(io.BytesIO(data)) as img:
                if img.format != "JPEG":
                    return f"{img.format} image, not JPEG"
                img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return f"unreadable: {exc}"
    return None


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
        reason = (
            "not an image format Pillow knows" if isinstance(exc, UnidentifiedImageError) else exc
        )
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
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() in IMAGE_EXTENSIONS
            ),
            key=lambda p: _natural_key(p.name),
        )
        if not files:
            raise DataLayoutError(
                f"{folder} holds no images ({', '.join(IMAGE_EXTENSIONS)}). "
                f"Expected layout: {LAYOUT}."
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
def _decode(
    pairs: tuple[tuple[Path, int], ...], hw: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
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
        tqdm(
            total=len(pairs), desc="Decoding images", disable=len(pairs) <= _PROGRESS_ABOVE
        ) as bar,
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


def load_split(
    split: str,
    image_size: Size = 150,
    batch_size: int = 32,
    *,
    root: str | os.PathLike[str] | None = None,
    shuffle: bool | None = None,
    limit_per_class: int | None = None,
    seed: int = 1337,
) -> tf.data.Dataset:
    """A split as a ``tf.data.Dataset`` of ``(images, labels)`` batches.

    Images are float32 ``(batch, h, w, 3)`` RGB in 0..255 (rescale in the model), labels
    float32 ``(batch,)``, 0 = cat, 1 = dog. ``image_size`` is an int (square) or
    ``(height, width)``. ``shuffle`` defaults to True for train only; the order is
    reshuffled each epoch, reproducibly from ``seed``. Decoding, caching, fast-mode limits
    and odd files work as in :func:`load_arrays`.
    """
    from . import backend  # noqa: F401  (imports TensorFlow without its start-up noise)
    import tensorflow as tf

    images, labels = load_arrays(split, image_size, root=root, limit_per_class=limit_per_class)
    images, labels = tf.constant(images), tf.constant(labels)
    if shuffle is None:
        shuffle = split == "train"
    ds = tf.data.Dataset.range(len(labels))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(
        lambda idx: (tf.cast(tf.gather(images, idx), tf.float32), tf.gather(labels, idx)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds.prefetch(tf.data.AUTOTUNE)

"""The two full photo sets the course can download, each split as in the book.

Serves "Training a convnet from scratch on a small dataset" (book chapter 5.2): the book's
``cats_and_dogs_small`` is 1000 / 500 / 500 photos per class for train / validation /
test, taken from a larger set. Two larger sets are known here, each pinned by size and
SHA-256 and downloaded once into ``settings.cache_dir() / "downloads"`` with a progress bar:

- ``kaggle``: Microsoft's ``kagglecatsanddogs_5340.zip`` (the book's photos, 825 MB;
  research and non-commercial use). Its 25,000 photos include over 1,500 that are corrupt
  or not JPEGs: they are skipped and counted. Photos are taken in numeric order.
- ``oxford-pets``: the Oxford-IIIT Pet Dataset's ``images.tar.gz`` (792 MB, CC BY-SA 4.0,
  no login; 7,349 photos of 37 breeds, 2,371 of them cats). File names tell the species
  (a cat breed starts with a capital letter, a dog breed with a small one, as the data
  set documents). A few files are PNGs or have an alpha channel under a ``.jpg`` name:
  they are converted to JPEG and counted. Photos are taken in a fixed shuffled order
  (seed 1337), so that every split holds every breed.

:func:`build_split` writes the split into a temporary folder and renames it at the end,
with ``split.json`` (counts, skipped and converted files) written last, so an interrupted
build never looks complete.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from course_lib import settings

CLASSES = ("cats", "dogs")  # label 0, label 1
BOOK_SPLIT = {"train": 1000, "validation": 500, "test": 500}  # images per class
MARKER = "split.json"  # written last: a split without it is incomplete
LAYOUT = "<folder>/{train,validation,test}/{cats,dogs}/*.jpg"
_PROGRESS_ABOVE = 200  # show a progress bar when writing more images than this


class DataNotFoundError(RuntimeError):
    """The photos are neither where they were said to be, nor cached, nor downloadable."""


@dataclass(frozen=True)
class Archive:
    """A downloadable photo set: where it is, how to check it, where its split goes."""

    name: str  # the value of COURSE_DATA_SOURCE that selects it
    title: str
    url: str
    file_name: str
    size: int  # bytes
    sha256: str
    split_folder: str  # the split's folder in the cache
    terms: str

    def path(self) -> Path:
        """Where the downloaded archive is kept (or may be saved by hand)."""
        return settings.cache_dir() / "downloads" / self.file_name

    def split_path(self) -> Path:
        """Where the book's split built from this archive is kept."""
        return settings.cache_dir() / self.split_folder


KAGGLE = Archive(
    name="kaggle",
    title="Kaggle's Dogs vs. Cats photos (the book's)",
    split_folder="cats_and_dogs_small",
    url="https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip",
    file_name="kagglecatsanddogs_5340.zip",
    size=824_887_076,
    terms="research and non-commercial use",
    sha256="b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9",
)
# Size and checksum as tensorflow-datasets records them for its oxford_iiit_pet builder.
OXFORD_PETS = Archive(
    name="oxford-pets",
    title="the Oxford-IIIT Pet Dataset",
    split_folder="oxford_pets_split",
    url="https://thor.robots.ox.ac.uk/~vgg/data/pets/images.tar.gz",
    file_name="oxford_iiit_pet_images.tar.gz",
    size=791_918_971,
    terms="CC BY-SA 4.0, https://creativecommons.org/licenses/by-sa/4.0/",
    sha256="67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d",
)
ARCHIVES = {archive.name: archive for archive in (KAGGLE, OXFORD_PETS)}


def download(archive: Archive) -> Path:
    """Download ``archive`` into the cache (once), check its SHA-256, and return its path.

    An archive saved by hand at :meth:`Archive.path` is used if its checksum matches; an
    incomplete or altered one is replaced by a fresh download (and said so first).

    Raises:
        DataNotFoundError: the download failed (e.g. offline) or gave another file.
    """
    import pooch
    import requests

    target = archive.path()
    settings.writable_dir(target.parent, "the folder for downloads")
    if target.exists() and target.stat().st_size != archive.size:
        print(
            f"{target} is incomplete or altered ({target.stat().st_size:,} of {archive.size:,} bytes): "
            "downloading it again."
        )
    try:
        fetched = pooch.retrieve(
            archive.url,
            known_hash=f"sha256:{archive.sha256}",
            fname=archive.file_name,
            path=target.parent,
            progressbar=True,
        )
    except requests.exceptions.RequestException as exc:
        raise DataNotFoundError(
            f"Could not download {archive.title} ({type(exc).__name__}: {exc}).\n"
            "Nothing is cached yet. Ways out:\n"
            f"  1. connect to the internet and run this again ({archive.size / 1e6:.0f} MB, "
            "downloaded once);\n"
            f"  2. download {archive.url}\n"
            f"     by hand and save it as {target} (it will then be found);\n"
            f"  3. set the environment variable COURSE_DATA_DIR to a folder laid out as\n"
            f"     {LAYOUT};\n"
            "  4. set COURSE_DATA=sample to run on the photos the course ships."
        ) from None
    except ValueError as exc:  # pooch: the checksum of what arrived differs
        raise DataNotFoundError(
            f"The download of {archive.url} is not the file the course expects ({exc}). "
            "Run this again later; if it keeps failing, the file on the server has changed: "
            "please report it."
        ) from None
    return Path(fetched)


# --- building the book's split -------------------------------------------------------


def build_split(
    archive_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    per_class: Mapping[str, int] | None = None,
) -> dict:
    """Build ``out_dir/<split>/<class>/`` from a downloaded archive (zip or tar).

    The archive's photos of each class are taken in the order described in the module
    docstring: the first ``per_class["train"]`` (default: the book's 1000) go to train,
    the next ones to validation, then test; reading stops once a class is complete. Only
    photos that Pillow fully decodes are kept. A complete ``out_dir`` is left as it is.
    Returns the contents of ``split.json``.

    Raises:
        FileExistsError: ``out_dir`` exists without ``split.json``.
        ValueError: the archive holds too few readable photos of a class.
    """
    archive_path, out_dir = Path(archive_path), Path(out_dir)
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
        reader = _TarReader(archive_path) if ".tar" in archive_path.name else _ZipReader(archive_path)
        manifest = _fill(reader, tmp, per_class)
        (tmp / MARKER).write_text(json.dumps(manifest, indent=1))
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for key, what in (("skipped", "Files that are not readable photos"), ("converted", "Files converted to JPEG")):
        if manifest[key]:
            print(f"{what}: {len(manifest[key])}: " + ", ".join(f"{s['file']} ({s['reason']})" for s in manifest[key]))
    sizes = ", ".join(f"{split} {n}" for split, n in per_class.items())
    print(f"Built {out_dir}: {sizes} images per class.")
    return manifest


def _fill(reader: _ZipReader | _TarReader, out: Path, per_class: dict[str, int]) -> dict:
    """Write the split into ``out`` and return the manifest (see :func:`build_split`)."""
    from tqdm.auto import tqdm

    wanted = sum(per_class.values())
    skipped: list[dict[str, str]] = []
    converted: list[dict[str, str]] = []
    for split in per_class:
        for class_name in CLASSES:
            (out / split / class_name).mkdir(parents=True)
    total = len(CLASSES) * wanted
    with tqdm(total=total, desc="Building the split", disable=total <= _PROGRESS_ABOVE) as bar:
        for class_name in CLASSES:
            slots = [s for s, n in per_class.items() for _ in range(n)]
            photos = reader.photos(class_name, wanted)
            for member, out_name, data in photos:
                data, reason = _as_jpeg(data, convert=reader.convert)
                if data is None:
                    skipped.append({"file": member, "reason": reason})
                    continue
                if reason:
                    converted.append({"file": member, "reason": reason})
                (out / slots.pop(0) / class_name / out_name).write_bytes(data)
                bar.update()
                if not slots:
                    photos.close()
                    break
            if slots:
                raise ValueError(
                    f"{reader.path} holds only {wanted - len(slots)} readable {class_name} photos, {wanted} needed."
                )
    return {
        "source": reader.path.name,
        "per_class": per_class,
        "counts": {s: {c: n for c in CLASSES} for s, n in per_class.items()},
        "skipped": skipped,
        "converted": converted,
    }


def _as_jpeg(data: bytes, *, convert: bool) -> tuple[bytes | None, str]:
    """``(jpeg bytes, note)`` for an archive member: the bytes as they are for a fully
    decodable JPEG (note ""); re-encoded if ``convert`` and it is another image (note
    says what it was); ``(None, why)`` if it cannot be used."""
    if not data:
        return None, "empty"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": harmless
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                if img.format == "JPEG":
                    return data, ""
                if not convert:
                    return None, f"{img.format} image, not JPEG"
                note = f"{img.format} {img.mode}"
                buffer = io.BytesIO()
                img.convert("RGB").save(buffer, "JPEG", quality=95)
                return buffer.getvalue(), note
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        return None, f"unreadable: {exc}"


class _ZipReader:
    """Kaggle's zip: ``PetImages/{Cat,Dog}/<n>.jpg``, read in numeric order as needed."""

    convert = False
    _MEMBER = re.compile(r"PetImages/(Cat|Dog)/(\d+)\.jpg", re.IGNORECASE)

    def __init__(self, path: Path) -> None:
        self.path = path

    def photos(self, class_name: str, wanted: int) -> Iterator[tuple[str, str, bytes]]:
        """``(member, output name, bytes)`` of a class in order, e.g. ``cat.1.jpg``."""
        with zipfile.ZipFile(self.path) as zf:
            numbered = []
            for name in zf.namelist():
                if (m := self._MEMBER.fullmatch(name)) and m[1].lower() == class_name[:-1]:
                    numbered.append((int(m[2]), name))
            for number, name in sorted(numbered):
                yield name, f"{class_name[:-1]}.{number}.jpg", zf.read(name)


class _TarReader:
    """The Oxford-IIIT Pet tarball: ``images/<Breed>_<n>.jpg``, cats capitalised.

    A tar is read as a stream, so the photos a class may need (its first ``wanted`` in the
    shuffled order, plus a margin for unusable files) are copied out in one pass and then
    handed out in order.
    """

    convert = True
    _MEMBER = re.compile(r"(?:.*/)?images/(([A-Za-z][A-Za-z_]*)_(\d+)\.jpg)")
    _MARGIN = 100
    _SEED = 1337

    def __init__(self, path: Path) -> None:
        self.path = path
        self._orders: dict[str, list[tuple[str, str]]] = {}

    def _order(self, class_name: str) -> list[tuple[str, str]]:
        """``(member, file name)`` of a class, in the split's fixed shuffled order."""
        if not self._orders:  # one pass over the tar lists both classes
            found: dict[str, list[tuple[str, str]]] = {c: [] for c in CLASSES}
            with tarfile.open(self.path, "r|*") as tf:
                for member in tf:
                    if member.isfile() and (m := self._MEMBER.fullmatch(member.name)):
                        found["cats" if m[2][0].isupper() else "dogs"].append((member.name, m[1]))
            for species, members in found.items():
                members.sort()
                random.Random(self._SEED).shuffle(members)
                self._orders[species] = members
        return self._orders[class_name]

    def photos(self, class_name: str, wanted: int) -> Iterator[tuple[str, str, bytes]]:
        order = self._order(class_name)
        needed = dict(order[: wanted + self._MARGIN])
        with tempfile.TemporaryDirectory(prefix="convnet-oxford-", dir=self.path.parent) as tmp:
            with tarfile.open(self.path, "r|*") as tf:
                for member in tf:
                    if member.name in needed and (f := tf.extractfile(member)) is not None:
                        (Path(tmp) / needed[member.name]).write_bytes(f.read())
            for member, name in order[: wanted + self._MARGIN]:
                yield member, name, (Path(tmp) / name).read_bytes()

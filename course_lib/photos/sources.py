"""Where the cats-vs-dogs photos come from, in one documented order.

Serves "Training a convnet from scratch on a small dataset" (book chapter 5.2) and every
chapter after it. :func:`resolve` looks, in this order, for

1. a folder the user names: ``root=`` of a loader, else ``COURSE_DATA_DIR``;
2. a full split already in the cache (built from Kaggle's zip or from the Oxford-IIIT Pet
   tarball, see :mod:`course_lib.photos.downloads`);
3. a download (online) of ``COURSE_DATA_SOURCE`` (``kaggle``, the book's photos and the
   default, or ``oxford-pets``), split as in the book;
4. the **sample** the course ships: 238 Oxford-IIIT Pet photos (CC BY-SA 4.0) in
   ``course_lib/resources/oxford_pets_sample``, checked against their manifest.

``COURSE_DATA=sample`` goes straight to 4; ``COURSE_DATA=full`` never uses it (no data is
then an error). The fast mode (tests, Validate, autograding) never touches the network:
with no folder named it uses the sample at once, so a grade never depends on a download.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from course_lib import settings
from course_lib.photos import downloads
from course_lib.photos.downloads import BOOK_SPLIT, CLASSES, LAYOUT, MARKER, DataNotFoundError

SPLITS = tuple(BOOK_SPLIT)
SAMPLE_MANIFEST = "MANIFEST.tsv"
#: The shipped sample (package data, so a pip install has it too).
SAMPLE_ROOT = Path(str(resources.files("course_lib").joinpath("resources", "oxford_pets_sample")))


class DataLayoutError(DataNotFoundError):
    """A folder named by the user does not have the ``<split>/<class>/`` layout."""


class SampleDamagedError(DataNotFoundError):
    """A file of the course's shipped photo sample is missing or altered."""


@dataclass(frozen=True)
class DataSource:
    """A photo folder in the ``<split>/<class>/`` layout and where it came from.

    ``kind`` is "folder" (named by the user), "kaggle" or "oxford-pets" (a full split in
    the cache) or "sample" (the photos the course ships).
    """

    path: Path
    kind: str

    @property
    def is_sample(self) -> bool:
        return self.kind == "sample"

    def describe(self) -> str:
        """One line saying which photos these are, for outputs and reports."""
        if self.kind == "folder":
            return f"your folder {self.path}"
        if self.is_sample:
            sizes = " / ".join(str(n) for n in sample_split().values())
            return (
                f"the course's sample of Oxford-IIIT Pet photos ({sizes} per class for train / validation / test), "
                "not the book's 2,000 training photos: expect lower, noisier accuracies than the book's"
            )
        archive = downloads.ARCHIVES[self.kind]
        return f"{archive.title}, the book's split (1000 / 500 / 500 per class), in {self.path}"

    def as_dict(self) -> dict[str, str | bool]:
        return {"kind": self.kind, "sample": self.is_sample, "path": str(self.path), "description": self.describe()}


def resolve(root: str | os.PathLike[str] | None = None) -> DataSource:
    """The photos the course uses now, found in the order of the module docstring.

    Raises:
        DataLayoutError: a named folder lacks the layout, or a foreign folder sits where
            the cache keeps its split.
        DataNotFoundError: ``COURSE_DATA=full`` and no full set could be found or fetched.
        SampleDamagedError: the shipped sample is missing a file or has an altered one.
    """
    found = _find(root, download=True)
    assert found is not None
    return found


def peek() -> DataSource | None:
    """What :func:`resolve` would return, or None where it would start a download."""
    return _find(None, download=False)


def for_grading() -> DataSource:
    """The photos a notebook uses while nbgrader runs it (fast mode: never a download)."""
    found = _find(None, download=False, fast=True)
    assert found is not None
    return found


def _find(root: str | os.PathLike[str] | None, *, download: bool, fast: bool | None = None) -> DataSource | None:
    fast = settings.fast_mode() if fast is None else fast
    choice = settings.data_choice()
    if root is not None:
        return DataSource(checked(Path(root).expanduser(), "The folder passed as `root`"), "folder")
    if choice == "sample":
        return DataSource(sample_dir(), "sample")
    if env := os.environ.get("COURSE_DATA_DIR"):
        return DataSource(checked(Path(env).expanduser(), "COURSE_DATA_DIR"), "folder")
    if fast and choice == "auto":
        return DataSource(sample_dir(), "sample")
    named = os.environ.get("COURSE_DATA_SOURCE", "").strip().lower()
    if named and named not in downloads.ARCHIVES:
        raise ValueError(f"COURSE_DATA_SOURCE is {named!r}; use one of {', '.join(downloads.ARCHIVES)}.")
    for archive in [downloads.ARCHIVES[named]] if named else downloads.ARCHIVES.values():
        if (archive.split_path() / MARKER).is_file():
            return DataSource(archive.split_path(), archive.name)
    archive = downloads.ARCHIVES[named or "kaggle"]
    if fast:
        raise DataNotFoundError(
            f"COURSE_DATA=full, but no full photo set is in the cache ({archive.split_path()}), "
            "and the fast mode (tests, Validate, autograding) never downloads. Run a chapter in full "
            "mode once to download it, or set COURSE_DATA_DIR to your photo folder."
        )
    if not download:
        return DataSource(sample_dir(), "sample") if archive.name in _failed_downloads and choice == "auto" else None
    target = archive.split_path()
    if target.exists():  # checked before a long download, not after
        raise DataLayoutError(
            f"{target} exists but has no {MARKER}, so it is not a split this course built. "
            "Remove it, or set COURSE_DATA_DIR to it if it holds the photos."
        )
    try:
        if archive.name in _failed_downloads:
            raise DataNotFoundError(_failed_downloads[archive.name])
        downloads.build_split(downloads.download(archive), target)
    except (DataNotFoundError, settings.CacheNotWritableError) as exc:
        _failed_downloads.setdefault(archive.name, str(exc))
        if choice == "full":
            raise
        if archive.name not in _told:
            _told.add(archive.name)
            print(
                f"{str(exc).splitlines()[0]}\nUsing the photos the course ships instead: "
                f"{DataSource(sample_dir(), 'sample').describe()}.\n"
                "(COURSE_DATA=sample uses them without trying to download; COURSE_DATA=full stops instead.)"
            )
        return DataSource(sample_dir(), "sample")
    return DataSource(target, archive.name)


_failed_downloads: dict[str, str] = {}  # archive name -> why, once per process
_told: set[str] = set()


def forget() -> None:
    """Forget failed downloads (so the next :func:`resolve` tries again) and sample checks."""
    _failed_downloads.clear()
    _told.clear()
    _sample_problems.cache_clear()


def checked(root: Path, named_by: str) -> Path:
    """Return ``root`` if it has every split and class folder, else raise DataLayoutError."""
    if not root.is_dir():
        problem = "does not exist"
    else:
        missing = [f"{s}/{c}/" for s in SPLITS for c in CLASSES if not (root / s / c).is_dir()]
        if not missing:
            return root
        problem = "lacks " + ", ".join(missing)
    hint = ""
    if not root.is_absolute() and not root.is_dir():
        hint = (
            f"\nA relative path is read from the folder this runs in, {Path.cwd()} (a notebook's kernel "
            "starts in the notebook's folder): give the full path."
        )
    if (root / downloads.KAGGLE.split_folder).is_dir():
        hint = f"\nDid you mean {root / downloads.KAGGLE.split_folder}?"
    raise DataLayoutError(
        f"{named_by} points to {root}, which {problem}.\n"
        f"Expected layout: {LAYOUT} (cats = label 0, dogs = label 1).{hint}"
    )


# --- the sample the course ships -----------------------------------------------------


def sample_dir() -> Path:
    """The shipped sample's folder, after checking every file against its manifest.

    Raises:
        SampleDamagedError: naming each file that is missing, altered or not listed.
    """
    path = SAMPLE_ROOT
    problems = _sample_problems(path)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise SampleDamagedError(
            f"The course's sample photos in {path} are damaged: {shown}. Restore them: in a clone "
            "of the course, `git checkout -- course_lib/resources/oxford_pets_sample`; "
            "after a pip install, `pip install --force-reinstall convnet-course`."
        )
    return path


@lru_cache(maxsize=4)
def _sample_problems(path: Path) -> list[str]:
    """What differs between the sample folder and its manifest (checked once a process)."""
    manifest = path / SAMPLE_MANIFEST
    if not manifest.is_file():
        return [f"{SAMPLE_MANIFEST} is missing"]
    with open(manifest, newline="") as f:
        expected = {row["path"]: row["sha256"] for row in csv.DictReader(f, delimiter="\t")}
    problems = []
    for relative, digest in expected.items():
        file = path / relative
        if not file.is_file():
            problems.append(f"{relative} is missing")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            problems.append(f"{relative} was altered (its checksum differs)")
    found = {p.relative_to(path).as_posix() for split in SPLITS for p in (path / split).rglob("*") if p.is_file()}
    problems += [f"{extra} is not part of it" for extra in sorted(found - set(expected))]
    return problems


def sample_warning() -> str:
    """The one sentence that marks results of a run on the sample (pages, site, build)."""
    split = sample_split()
    return (
        f"{2 * sum(split.values())} Oxford-IIIT Pet photos, {2 * split['train']} of them for training, "
        "not the book's 2,000 training photos: its accuracies are lower and noisier than the book's "
        "and not comparable with them"
    )


@lru_cache(maxsize=1)
def sample_split() -> dict[str, int]:
    """Photos per class in each split of the shipped sample, from its manifest."""
    with open(SAMPLE_ROOT / SAMPLE_MANIFEST, newline="") as f:
        splits = [row["path"].split("/")[0] for row in csv.DictReader(f, delimiter="\t")]
    return {split: splits.count(split) // len(CLASSES) for split in SPLITS}

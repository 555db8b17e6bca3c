"""Run-time settings shared by every chapter: the fast mode, the data choice, the folders.

The *fast mode* shrinks data and training schedules so a notebook runs in seconds. It is on
when ``COURSE_FAST`` is set to a true value, and whenever nbgrader executes a notebook
(nbgrader sets ``NBGRADER_EXECUTION`` to ``autograde`` or ``validate``).

``COURSE_DATA`` chooses the photos (see :mod:`course_lib.photos.sources`): ``auto`` (the
default), ``sample`` (always the photos the course ships) or ``full`` (never the sample).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

import pooch

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}


def fast_mode() -> bool:
    """Whether notebooks should use the short schedule (tests and grading)."""
    if os.environ.get("COURSE_FAST", "").strip().lower() in _TRUE:
        return True
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def pick(full: T, fast: T) -> T:
    """Return ``fast`` in fast mode, else ``full`` (e.g. ``epochs = pick(30, 1)``)."""
    return fast if fast_mode() else full


DATA_CHOICES = ("auto", "sample", "full")


class CacheNotWritableError(OSError):
    """The course's cache folder cannot be created or written to."""


def data_choice() -> str:
    """``COURSE_DATA``: "auto" (default), "sample" or "full" (see :mod:`course_lib.photos.sources`)."""
    value = os.environ.get("COURSE_DATA", "").strip().lower() or "auto"
    if value not in DATA_CHOICES:
        raise ValueError(f"COURSE_DATA is {value!r}; use one of {', '.join(DATA_CHOICES)} (or leave it unset).")
    return value


def cache_dir() -> Path:
    """Where downloads and derived files live: ``COURSE_CACHE_DIR``, else the OS cache.

    Raises:
        CacheNotWritableError: the folder does not exist and cannot be made.
    """
    path = Path(os.environ.get("COURSE_CACHE_DIR") or pooch.os_cache("convnet-course")).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_writable(path, "The course's cache folder", exc) from None
    return path


def writable_dir(path: Path, what: str) -> Path:
    """Make ``path`` (a folder in the cache) if needed and check that files can be written
    there; ``what`` names it in the error.

    Raises:
        CacheNotWritableError: with what happened and what to do.
    """
    import tempfile

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise _not_writable(path, what.capitalize(), exc) from None
    return path


def _not_writable(path: Path, what: str, exc: OSError) -> CacheNotWritableError:
    reason = exc.strerror or type(exc).__name__
    return CacheNotWritableError(
        f"{what}, {path}, cannot be written to ({reason}). Set the environment variable "
        "COURSE_CACHE_DIR to a folder you can write to (for example in your home folder), "
        "then restart the kernel."
    )


def artifacts_dir(*, sample: bool = False) -> Path:
    """Where notebooks keep what they make for later chapters (trained models, features).

    Fast-mode runs write to a ``fast/`` sub-folder and, with ``sample``, runs on the
    course's photo sample to ``sample/``, so that neither a test or grading run nor a
    sample run ever replaces what a student trained in full on the book's photos.
    """
    path = cache_dir() / "artifacts"
    if fast_mode():
        path = path / "fast"
    elif sample:
        path = path / "sample"
    return writable_dir(path, "the course's folder for trained models and results")


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write that replaces ``path`` only once it is complete: an interrupted
    write (a killed kernel) leaves the previous file, never half of a new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as file:
            yield file
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

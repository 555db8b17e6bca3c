"""Run-time settings shared by every chapter: the fast mode and the course's folders.

The *fast mode* shrinks data and training schedules so a notebook runs in seconds. It is on
when ``COURSE_FAST`` is set to a true value, and whenever nbgrader executes a notebook
(nbgrader sets ``NBGRADER_EXECUTION`` to ``autograde`` or ``validate``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

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


def cache_dir() -> Path:
    """Where downloads and derived files live: ``COURSE_CACHE_DIR``, else the OS cache."""
    path = Path(os.environ.get("COURSE_CACHE_DIR") or pooch.os_cache("convnet-course"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def artifacts_dir() -> Path:
    """Where notebooks keep what they make for later chapters (trained models, features).

    Fast-mode runs write to a separate ``fast/`` sub-folder, so a test or a grading run
    never replaces what a student trained in full.
    """
    path = cache_dir() / "artifacts"
    if fast_mode():
        path = path / "fast"
    path.mkdir(parents=True, exist_ok=True)
    return path


def report() -> dict[str, str]:
    """What this course runs on: versions, Keras backend, CPU cores, fast mode, folders.

    The "getting started" notebook shows it; it is also what to paste into a question.
    """
    import platform

    from .backend import keras

    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "keras backend": keras.backend.backend(),
        "CPU cores": str(os.cpu_count()),
        "fast mode": "on" if fast_mode() else "off",
        "data folder (COURSE_DATA_DIR)": os.environ.get("COURSE_DATA_DIR", "not set: the course downloads its data"),
        "cache folder": str(cache_dir()),
    }

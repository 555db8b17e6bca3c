"""What the course runs on (chapter 0, "Getting started"): versions, the Keras backend, the
CPU, the fast mode, the photos and the folders, to read at the start and to paste into a
question."""

from __future__ import annotations

import os
import platform

from course_lib import backend, settings
from course_lib.backend import keras
from course_lib.photos import sources

NO_PHOTOS_YET = (
    "not downloaded yet: the first chapter that needs them downloads them (or uses the course's sample offline)"
)


def report() -> dict[str, str]:
    """What this course runs on: versions, Keras backend, CPU cores, fast mode, photos, folders."""
    found = sources.peek()
    return {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "keras backend": keras.backend.backend(),
        "CPU cores": str(os.cpu_count()),
        "GPUs": ", ".join(gpu["name"] for gpu in backend.gpus()) or "none",
        "trains in": backend.precision(),
        "fast mode": "on" if settings.fast_mode() else "off",
        "photos": found.describe() if found else NO_PHOTOS_YET,
        "cache folder": str(settings.cache_dir()),
    }

"""Keras and its backend, in one place.

Importing this module imports Keras on the backend ``KERAS_BACKEND`` names (TensorFlow
unless set otherwise), without the start-up lines TensorFlow's C++ core prints
("oneDNN custom operations are on", ...), which mean nothing to a student. Other lines
written to standard error during the import are kept.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
)


@contextmanager
def _without_startup_noise() -> Iterator[None]:
    """Capture what is written to file descriptor 2 and replay all but the known noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                if not any(noise in line for noise in _NOISE)
            ]
            if kept:
                os.write(2, "".join(kept).encode())


with _without_startup_noise():
    import keras

__all__ = ["keras"]

"""Measurements the notebooks record (test accuracy, training time, ...).

Chapter 2 compares its methods with chapter 1's scratch convnet, and ``make run`` puts
every measurement into ``build/results.json``; both read them from here. They are kept
in ``settings.artifacts_dir()``, so fast-mode runs never mix with full ones.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from . import settings


def results_file() -> Path:
    """The JSON file holding every recorded measurement."""
    return settings.artifacts_dir() / "results.json"


def load() -> dict[str, dict[str, Any]]:
    """All recorded measurements, by name (empty when nothing was recorded yet)."""
    path = results_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def record(name: str, **values: Any) -> dict[str, Any]:
    """Record a measurement, e.g. ``record("scratch", test_accuracy=0.71, seconds=930)``.

    A later record under the same name replaces the earlier one. The time of recording
    and whether the fast mode was on are added.
    """
    entry = {**values, "fast_mode": settings.fast_mode(), "recorded_at": time.time()}
    everything = load()
    everything[name] = entry
    path = results_file()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(everything, indent=2, sort_keys=True))
    tmp.replace(path)
    return entry


#: The methods the course measures on cats vs dogs, in the order of the lecture, with
#: the test accuracy the book reports for each (2,000 training images; VGG16 for 5.3).
METHODS = {
    "scratch": ("convnet from scratch", 0.71),
    "scratch_augmented": ("from scratch, with augmentation and dropout", 0.82),
    "feature_extraction": ("pretrained: fast feature extraction", 0.90),
    "feature_extraction_augmented": ("pretrained: feature extraction with augmentation", 0.96),
    "fine_tuning": ("pretrained: fine-tuning", 0.97),
}


def comparison(measured: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per method: its name, the book's test accuracy, and what was measured here
    (``None`` where that method has not been run yet)."""
    measured = load() if measured is None else measured
    rows = []
    for key, (label, book) in METHODS.items():
        entry = measured.get(key, {})
        rows.append(
            {
                "method": label,
                "key": key,
                "book_accuracy": book,
                "test_accuracy": entry.get("test_accuracy"),
                "seconds": entry.get("seconds"),
            }
        )
    return rows

"""Measurements the notebooks record (test accuracy, training time, ...).

Chapter 2 compares its methods with chapter 1's scratch convnet, and ``make run`` puts
every measurement into ``build/results.json``; both read them from here. They are kept
in ``settings.artifacts_dir()``, so fast-mode runs and runs on the course's photo sample
never mix with full ones; each measurement records which photos it was made on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import settings, sources


def results_file() -> Path:
    """The JSON file holding every recorded measurement (for the photos in use)."""
    return settings.artifacts_dir(sample=sources.resolve().is_sample) / "results.json"


def load() -> dict[str, dict[str, Any]]:
    """All recorded measurements, by name (empty when nothing was recorded yet)."""
    path = results_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def record(name: str, **values: Any) -> dict[str, Any]:
    """Record a measurement, e.g. ``record("scratch", test_accuracy=0.71, seconds=930)``.

    A later record under the same name replaces the earlier one. The time of recording,
    whether the fast mode was on and which photos were used (``data``: "sample",
    "kaggle", "oxford-pets" or "folder") are added.
    """
    entry = {**values, "fast_mode": settings.fast_mode(), "data": sources.resolve().kind, "recorded_at": time.time()}
    everything = load()
    everything[name] = entry
    with settings.replacing(results_file()) as file:
        file.write(json.dumps(everything, indent=2, sort_keys=True).encode())
    return entry


@dataclass(frozen=True)
class BookFigure:
    """What the book reports for a method (2,000 training photos; VGG16 for 5.3).

    The first edition's figures for training from scratch and feature extraction are
    *validation* accuracies, read off its curves; only fine-tuning's 97 % is measured on
    the test photos. The third edition (Deep Learning with Python, 2025, Xception-style
    models and VGG16 on the same photos) reports test accuracies for all five.
    """

    first_edition: float
    first_edition_split: str  # "validation" or "test"
    third_edition_test: float

    def __str__(self) -> str:
        return f"{self.first_edition:.0%} {self.first_edition_split} (1st ed.), {self.third_edition_test:.1%} test (3rd ed.)"


#: The methods the course measures on cats vs dogs, in the order of the lecture, with
#: what the book reports for each.
METHODS = {
    "scratch": ("convnet from scratch", BookFigure(0.71, "validation", 0.786)),
    "scratch_augmented": ("from scratch, with augmentation and dropout", BookFigure(0.82, "validation", 0.839)),
    "feature_extraction": ("pretrained: fast feature extraction", BookFigure(0.90, "validation", 0.981)),
    "feature_extraction_augmented": ("pretrained: feature extraction with augmentation", BookFigure(0.96, "validation", 0.984)),
    "fine_tuning": ("pretrained: fine-tuning", BookFigure(0.97, "test", 0.986)),
}


def comparison(measured: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One row per method: its name, the book's figures (``book``: both editions, each
    labelled with the split it was measured on), and the test accuracy measured here
    (``None`` where that method has not been run yet)."""
    measured = load() if measured is None else measured
    rows = []
    for key, (label, book) in METHODS.items():
        entry = measured.get(key, {})
        rows.append(
            {
                "method": label,
                "key": key,
                "book": str(book),
                "book_third_edition_test": book.third_edition_test,
                "test_accuracy": entry.get("test_accuracy"),
                "seconds": entry.get("seconds"),
            }
        )
    return rows


def photos_line() -> str:
    """Which photos the measurements come from, for under a results table; on the course's
    sample it says plainly that they are not comparable with the book's."""
    photos = sources.resolve()
    if photos.is_sample:
        test = 2 * sources.sample_split()["test"]
        return (
            f"Measured on the course's photo sample ({2 * sources.sample_split()['train']} training photos, "
            f"{test} test photos: one photo is {1 / test:.1%}), not on the book's 2,000 training photos: "
            "these accuracies are not comparable with the book's."
        )
    return f"Measured on {photos.describe()}."


def comparison_markdown(measured: dict[str, dict[str, Any]] | None = None) -> str:
    """:func:`comparison` as a Markdown table (chapter 2's closing table); methods not
    measured yet say which notebook to run."""
    lines = ["| method | the book (VGG16 for 5.3) | here (test) | training time here |", "|---|---|---|---|"]
    for row in comparison(measured):
        if row["test_accuracy"] is None:
            chapter = "01-convnet-basics" if row["key"].startswith("scratch") else "this notebook"
            here, seconds = f"not measured: run {chapter} first", ""
        else:
            here, seconds = f"{row['test_accuracy']:.1%}", f"{row['seconds']:.0f} s" if row["seconds"] is not None else ""
        lines.append(f"| {row['method']} | {row['book']} | {here} | {seconds} |")
    return "\n".join(lines) + f"\n\n*{photos_line()}*"


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` calls
    (the first call of a compiled function includes its tracing)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))

"""The course's methods beside the book's figures (lecture: training from scratch, using a
pretrained convnet), and timing.

Chapter 2's closing table and the course's web page (``make run``) compare the test
accuracies measured with what the book reports for each method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib import confidence
from course_lib.photos import sources


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
        first = f"{self.first_edition:.0%} {self.first_edition_split} (1st ed.)"
        return f"{first}, {self.third_edition_test:.1%} test (3rd ed.)"


#: The methods the course measures on cats vs dogs, in the order of the lecture, with
#: what the book reports for each.
METHODS = {
    "scratch": ("convnet from scratch", BookFigure(0.71, "validation", 0.786)),
    "scratch_augmented": ("from scratch, with augmentation and dropout", BookFigure(0.82, "validation", 0.839)),
    "feature_extraction": ("pretrained: fast feature extraction", BookFigure(0.90, "validation", 0.981)),
    "feature_extraction_augmented": (
        "pretrained: feature extraction with augmentation",
        BookFigure(0.96, "validation", 0.984),
    ),
    "fine_tuning": ("pretrained: fine-tuning", BookFigure(0.97, "test", 0.986)),
}


def comparison(measured: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per method: its name, the book's figures (``book``: both editions, each
    labelled with the split it was measured on), and the test accuracy measured here
    (``None`` where that method has not been run)."""
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


def comparison_markdown(measured: dict[str, dict[str, Any]], test_photos: int) -> str:
    """The methods of ``measured`` (test accuracy on ``test_photos`` photos, ``seconds``)
    beside the book's, as a Markdown table with each accuracy's 95 % confidence interval."""
    lines = [
        "| method | the book (VGG16 for 5.3) | here: test accuracy [95 % CI] | training time here |",
        "|---|---|---|---|",
    ]
    for row in comparison(measured):
        if row["test_accuracy"] is None:
            continue
        low, high = confidence.interval(row["test_accuracy"], test_photos)
        here = f"{row['test_accuracy']:.1%} [{low:.1%}, {high:.1%}]"
        seconds = f"{row['seconds']:.0f} s" if row["seconds"] is not None else ""
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

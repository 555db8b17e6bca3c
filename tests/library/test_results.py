"""Tests for course_lib.results: the comparison with the book, and timing."""

from __future__ import annotations

import time

from course_lib import results
from helpers import make_folder


def test_median_seconds_is_the_median_after_the_warm_up():
    durations = iter([0.3, 0.3, 0.02, 0.04, 0.5])  # two slow warm-up calls, then the three timed

    def step() -> None:
        time.sleep(next(durations))

    # the median of 0.02, 0.04 and 0.5; their mean is 0.19, and with the warm-up the median is 0.3
    assert 0.04 <= results.median_seconds(step, repeats=3, warmup=2) < 0.15
    assert next(durations, "all used") == "all used", "five calls: two to warm up, three timed"


def test_comparison_markdown_gives_each_accuracy_its_interval(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(make_folder(tmp_path / "mine", per_class=1)))
    table = results.comparison_markdown(
        {
            "feature_extraction": {"test_accuracy": 0.992, "seconds": 95.4},
            "fine_tuning": {"test_accuracy": 0.994, "seconds": None},
        },
        test_photos=500,
    )
    lines = table.splitlines()
    assert len(lines) == 2 + 2 + 2, "one row per method measured"
    assert lines[-1] == f"*Measured on your folder {tmp_path / 'mine'}.*"
    assert (
        "| pretrained: fast feature extraction | 90% validation (1st ed.), 98.1% test (3rd ed.) | "
        "99.2% [98.0%, 99.7%] | 95 s |"
    ) in lines
    assert "| pretrained: fine-tuning | 97% test (1st ed.), 98.6% test (3rd ed.) |" in table, (
        "only fine-tuning's 97 % is a test accuracy"
    )


def test_comparison_markdown_on_the_sample_says_it_is_not_the_book(sample_photos):
    last = results.comparison_markdown({}, test_photos=60).splitlines()[-1]
    assert last == (
        "*Measured on the course's photo sample (120 training photos, 60 test photos: one photo is 1.7%), "
        "not on the book's 2,000 training photos: these accuracies are not comparable with the book's.*"
    )

"""Confidence intervals of test accuracies (course_lib.confidence)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from course_lib import confidence


@pytest.mark.parametrize(("correct", "n"), [(379, 500), (496, 500), (500, 500), (0, 60), (33, 60), (1, 1)])
def test_the_interval_is_wilsons(correct: int, n: int) -> None:
    expected = stats.binomtest(correct, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = confidence.interval(correct / n, n)
    assert low == pytest.approx(expected.low, abs=1e-9) and high == pytest.approx(expected.high, abs=1e-9)


def test_the_interval_covers_the_true_accuracy_about_95_times_in_100() -> None:
    rng = np.random.default_rng(0)
    n, true = 500, 0.8
    covered = [
        low <= true <= high for low, high in (confidence.interval(k / n, n) for k in rng.binomial(n, true, 4000))
    ]
    assert 0.935 < np.mean(covered) < 0.965


def test_a_few_hundred_photos_give_about_two_to_four_points_either_way() -> None:
    low, high = confidence.interval(0.9, 500)
    assert 0.02 < (high - low) / 2 < 0.03
    assert "95 % CI" in confidence.describe(0.9, 500) and "500 test photos" in confidence.describe(0.9, 500)
    assert confidence.describe(0.9, 1000, of="validation photos").endswith("1000 validation photos)")


def test_differences_inside_the_noise_are_called_so() -> None:
    assert not confidence.clearly_apart(0.992, 0.990, 500)
    assert "within the noise" in confidence.compared(0.992, 0.990, 500)
    assert confidence.clearly_apart(0.76, 0.99, 500)
    assert "more than the noise" in confidence.compared(0.76, 0.99, 500)


@pytest.mark.parametrize(("accuracy", "n"), [(0.5, 0), (1.2, 10), (-0.1, 10)])
def test_impossible_accuracies_are_refused(accuracy: float, n: int) -> None:
    with pytest.raises(ValueError):
        confidence.interval(accuracy, n)

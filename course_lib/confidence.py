"""How sure a test accuracy is (lecture: training from scratch and every comparison after).

A test accuracy is measured on a few hundred photos, so it is an estimate: another draw of
test photos would give a slightly different figure (and another training run, from other
random weights, moves it too: the interval does not cover that). :func:`interval` gives its 95 %
confidence interval (Wilson's score interval, right also near 0 % and 100 %), and
:func:`describe` prints an accuracy with it. :func:`clearly_apart` tells whether two
accuracies differ by more than that noise.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5 % quantile of the normal distribution


def interval(accuracy: float, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval ``(low, high)`` of an accuracy measured on ``n`` photos."""
    if n <= 0:
        raise ValueError(f"an accuracy needs at least one test photo, not {n}")
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"an accuracy lies between 0 and 1, not {accuracy}")
    centre = (accuracy + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(accuracy * (1 - accuracy) / n + Z95**2 / (4 * n * n))
    return max(0.0, min(accuracy, centre - half)), min(
        1.0, max(accuracy, centre + half)
    )  # rounding never leaves it out


def describe(accuracy: float, n: int, *, of: str = "test photos") -> str:
    """e.g. ``"79.6 % (95 % CI 75.8 to 82.9 %, 500 test photos)"``; ``of`` names what was scored."""
    low, high = interval(accuracy, n)
    return f"{100 * accuracy:.1f} % (95 % CI {100 * low:.1f} to {100 * high:.1f} %, {n} {of})"


def clearly_apart(first: float, second: float, n: int) -> bool:
    """Whether two accuracies measured on the same ``n`` photos differ by more than the
    95 % margin of their difference (taken as if independent: a cautious rule, since two
    models scored on the same photos err on many of the same ones)."""
    margin = Z95 * math.sqrt((first * (1 - first) + second * (1 - second)) / n)
    return abs(first - second) > margin


def compared(first: float, second: float, n: int) -> str:
    """One phrase for a difference: its size in points and whether it is more than noise."""
    points = 100 * (second - first)
    if clearly_apart(first, second, n):
        return f"{points:+.1f} points, more than the noise of {n} test photos"
    return f"{points:+.1f} points, within the noise of {n} test photos: these photos cannot tell the two apart"

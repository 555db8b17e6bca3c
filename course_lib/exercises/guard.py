"""The own-work guard's state: which :func:`course_lib.exercises.checks.own_work` blocks are open.

Kept apart from the checks so that the course's stand-ins (:mod:`course_lib.exercises.stand_ins`),
which behave differently while an answer is graded, can ask without importing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Guard = tuple[str, tuple[Any, ...], tuple[str, ...]]  # exercise, forbidden course code, the exercises it builds on

PACKAGES = ("recap.", "pretrained.", "visualizing.", "photos.", "exercises.")  # course_lib's groups of modules
_open: list[Guard] = []  # the own_work blocks now open, innermost last


class OwnWorkError(AssertionError):
    """An answer called the course's code that solves its exercise."""


@contextmanager
def opened(exercise: str, references: tuple[Any, ...], builds_on: tuple[str, ...]) -> Iterator[None]:
    """While the block runs, :func:`current_guard` names this exercise and its references."""
    _open.append((exercise, references, builds_on))
    try:
        yield
    finally:
        _open.pop()


def current_guard() -> tuple[str, list[Any], tuple[str, ...]] | None:
    """The exercise, the course's code that the innermost open ``own_work`` block
    forbids, and the earlier exercises it builds on (where the grader calls an answer in
    the student's kernel, the kernel applies the same guard)."""
    if not _open:
        return None
    exercise, references, builds_on = _open[-1]
    return exercise, list(references), builds_on


def message(exercise: str, name: str) -> str:
    """What a student reads when ``exercise`` called the course's ``name``."""
    short = name.removeprefix("course_lib.")
    for package in PACKAGES:  # as the notebook names it: convolution.feature_map, not recap.convolution...
        short = short.removeprefix(package)
    return (
        f"{exercise} calls the course's own {short}, which solves this exercise: "
        "write it yourself (NumPy and Keras are fine, the course's answer is not)"
    )

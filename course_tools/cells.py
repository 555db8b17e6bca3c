"""What nbgrader's metadata says of a notebook cell: one place, so the rest asks here.

``is_grade`` and ``is_solution`` are nbgrader's own (:mod:`nbgrader.utils`).
"""

from __future__ import annotations

from collections.abc import Iterable

from nbformat import NotebookNode
from nbgrader.utils import is_grade, is_solution

__all__ = ["grade_id", "grade_ids", "is_grade", "is_solution"]


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, None for a cell nbgrader does not know."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def grade_ids(cells: Iterable[NotebookNode]) -> set[str]:
    """The ``grade_id`` of every cell that has one."""
    return {found for cell in cells if (found := grade_id(cell)) is not None}

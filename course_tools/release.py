"""Regenerating the student notebooks (``notebooks/``) from the sources (``solutions/``)
with nbgrader, without ever overwriting a student's work silently."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from . import cells
from .course import assignments
from .scratch import ScratchCourse

STUBS = ("YOUR CODE HERE", "YOUR ANSWER HERE")


def shows_student_work(path: Path) -> bool:
    """Whether a release notebook holds work nobody can regenerate: outputs, or an
    answer cell whose stub was replaced."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            return True
        if cells.is_solution(cell) and not any(s in cell.source for s in STUBS):
            return True
    return False


def made_beside_a_release(path: Path) -> bool:
    """Whether a file in ``notebooks/`` is one the course or Jupyter writes next to a
    release notebook (backups, feedback pages, checkpoints), not part of the release."""
    return ".backup-" in path.name or path.name.endswith(".feedback.html") or ".ipynb_checkpoints" in path.parts


def release(root: Path, names: list[str] | None = None) -> list[str]:
    """Regenerate ``notebooks/`` from ``solutions/`` (all assignments, or ``names``).

    A release notebook that a student has worked in is first copied to
    ``<name>.backup-<time>.ipynb`` beside it, never overwritten silently. Returns one
    line per file changed.
    """
    root = Path(root).resolve()
    lines: list[str] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="convnet-release-") as tmp:
        course = ScratchCourse(root, Path(tmp))
        for assignment in names or assignments(root):
            generated = course.generate(assignment)
            for source in sorted(p for p in generated.rglob("*") if p.is_file()):
                target = root / "notebooks" / assignment / source.relative_to(generated)
                if target.exists() and target.read_bytes() == source.read_bytes():
                    continue
                if target.suffix == ".ipynb" and target.exists() and shows_student_work(target):
                    backup = target.with_name(f"{target.stem}.backup-{stamp}{target.suffix}")
                    shutil.copy2(target, backup)
                    lines.append(f"{target.relative_to(root)} had a student's work: saved it as {backup.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                lines.append(f"wrote {target.relative_to(root)}")
    return lines

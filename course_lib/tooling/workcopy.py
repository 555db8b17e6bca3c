"""A learner's own notebooks (``make lab``, ``make update``, ``make grade``).

A self-learner works in ``my-work/``, a folder git does not track, made from the release
notebooks (``notebooks/``) on first use. No command of the course writes into a notebook
there once it exists: ``release``, ``run``, ``bench`` and ``hub`` write ``notebooks/``
and ``build/`` only. :func:`update` (after ``git pull``) brings what changed in the
release beside the learner's notebooks: a new chapter is copied in; a chapter the learner
never changed is replaced by its new version; one they changed is kept, and the new version
lands beside it as ``<name>.course-<date>.ipynb``, with a line saying which sections
changed. ``my-work/.release/`` keeps the release each notebook was made from, to tell.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat

from .course import assignments
from .release import made_beside_a_release

WORK = "my-work"
GIVEN = ".release"  # inside WORK: the release notebooks as last given to the learner


def folder(root: Path) -> Path:
    """The learner's folder in the course ``root``."""
    return Path(root) / WORK


def update(root: Path) -> list[str]:
    """Make or update the learner's copy of every release notebook of ``root``; never
    overwrite one the learner changed. Returns one line per thing done."""
    root = Path(root).resolve()
    lines: list[str] = []
    stamp = time.strftime("%Y%m%d")
    for assignment in assignments(root):
        released = root / "notebooks" / assignment
        for source in sorted(p for p in released.rglob("*") if p.is_file() and not made_beside_a_release(p)):
            relative = source.relative_to(root / "notebooks")
            mine, given = folder(root) / relative, folder(root) / GIVEN / relative
            if mine.exists() and given.exists() and given.read_bytes() == source.read_bytes():
                continue  # the release has not changed since the learner got it
            if not mine.exists():
                lines.append(f"new: {WORK}/{relative}" if not given.exists() else f"copied again (it was gone): {WORK}/{relative}")
                _copy(source, mine)
            elif given.exists() and mine.read_bytes() == given.read_bytes():
                lines.append(f"updated: {WORK}/{relative} (you had not changed it){_changes(given, source)}")
                _copy(source, mine)
            elif not given.exists() and mine.read_bytes() == source.read_bytes():
                pass  # the same as the release: nothing to tell
            else:
                beside = mine.with_name(f"{mine.stem}.course-{stamp}{mine.suffix}")
                _copy(source, beside)
                changed = _changes(given, source) if given.exists() else ""
                lines.append(f"changed in the course: {WORK}/{relative} is yours and kept; the new version is "
                             f"{WORK}/{beside.relative_to(folder(root))}{changed}")
            _copy(source, given)
    return lines


def notebooks(root: Path) -> list[Path]:
    """The learner's notebook of each assignment (the release's where they have none yet)."""
    root = Path(root).resolve()
    found = []
    for assignment in assignments(root):
        for source in sorted((root / "notebooks" / assignment).glob("*.ipynb")):
            if made_beside_a_release(source):
                continue
            mine = folder(root) / assignment / source.name
            found.append(mine if mine.exists() else source)
    return found


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _changes(old: Path, new: Path) -> str:
    """``": sections changed: ..."`` naming the sections (the headings above them) whose
    cells differ between two versions of a release notebook; "" for other files."""
    if new.suffix != ".ipynb":
        return ""
    before = {_key(cell) for cell in nbformat.read(old, as_version=4).cells}
    sections, heading = [], "the opening"
    for cell in nbformat.read(new, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            heading = cell.source.lstrip().splitlines()[0].lstrip("#").strip()
        if _key(cell) not in before and heading not in sections:
            sections.append(heading)
    return f"; sections changed: {', '.join(sections)}" if sections else "; cells removed only"


def _key(cell: nbformat.NotebookNode) -> tuple[str, str]:
    return cell.cell_type, cell.source

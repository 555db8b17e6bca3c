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

import ast
import importlib.util
import re
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
    for assignment in assignments(root):
        lines += bring(root / "notebooks", folder(root), [root / "notebooks" / assignment], WORK)
    return lines


def bring(source: Path, target: Path, items: list[Path], label: str, aside: str | None = None) -> list[str]:
    """Copy the files of ``items`` (files or folders under ``source``) to the same place
    under ``target``, keeping every edit made there: a new file is copied; a file nobody
    changed since it was brought is replaced; an edited one is kept, and the new version
    lands beside it as ``<name>.course-<date><suffix>``, or under ``target/<aside>/<date>/``
    (where a file beside it would be read as part of the course). ``target/.release``
    keeps what was brought. ``label`` names ``target`` in the lines returned, one per thing done."""
    lines: list[str] = []
    stamp = time.strftime("%Y%m%d")
    files = [p for item in items for p in ([item] if item.is_file() else sorted(item.rglob("*")))]
    for path in (p for p in files if p.is_file() and not made_beside_a_release(p) and "__pycache__" not in p.parts):
        relative = path.relative_to(source)
        mine, given = target / relative, target / GIVEN / relative
        if mine.exists() and given.exists() and given.read_bytes() == path.read_bytes():
            continue  # unchanged since it was brought
        if not mine.exists():
            lines.append(
                f"new: {label}/{relative}" if not given.exists() else f"copied again (it was gone): {label}/{relative}"
            )
            _copy(path, mine)
        elif given.exists() and mine.read_bytes() == given.read_bytes():
            lines.append(f"updated: {label}/{relative} (you had not changed it){_changes(given, path)}")
            _copy(path, mine)
        elif mine.read_bytes() != path.read_bytes():
            beside = (
                target / aside / stamp / relative
                if aside
                else mine.with_name(f"{mine.stem}.course-{stamp}{mine.suffix}")
            )
            _copy(path, beside)
            changed = _changes(given, path) if given.exists() else ""
            lines.append(
                f"changed in the course: {label}/{relative} is yours and kept; the new version is "
                f"{label}/{beside.relative_to(target)}{changed}{_stale_imports(mine)}"
            )
        _copy(path, given)
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
    target.chmod(0o644)


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


def _stale_imports(notebook: Path) -> str:
    """``"; ... imports ..."`` naming what a learner's notebook takes from ``course_lib``
    that the installed course no longer has (a module moved or renamed), so that they know
    to copy the new version's imports; "" when everything it imports is there."""
    if notebook.suffix != ".ipynb":
        return ""
    stale = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        try:
            tree = ast.parse(cell.source) if cell.cell_type == "code" else None
        except SyntaxError:
            continue
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_lib":
                stale += [f"{node.module}.{a.name}" for a in node.names if not _has(node.module, a.name, cell.source)]
    if not stale:
        return ""
    return (
        f"; yours imports what the course has moved or renamed ({', '.join(sorted(set(stale)))}): "
        "copy the imports of the new version's first code cell into yours"
    )


def _has(module: str, name: str, code: str) -> bool:
    """Whether ``from module import name`` works with the installed course, and, where
    ``name`` is a package, whether the names ``code`` takes from it (``name.x``) are there."""
    spec = importlib.util.find_spec(module)
    if spec is None:
        return False
    if spec.submodule_search_locations is None:  # a module: the names it defines at its top
        return name in _top_names(Path(spec.origin))
    found = importlib.util.find_spec(f"{module}.{name}")
    if found is None:
        return name in _top_names(Path(spec.origin))
    if found.submodule_search_locations is None:
        return True
    used = set(re.findall(rf"(?<![\w.]){re.escape(name)}\.(\w+)", code))
    return all(importlib.util.find_spec(f"{module}.{name}.{attribute}") for attribute in used)


def _top_names(source: Path) -> set[str]:
    """The names a module's source defines at its top level (in ``with``, ``if`` and
    ``try`` blocks too)."""
    names = set()
    nodes = list(ast.parse(source.read_text()).body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.With | ast.If | ast.Try):
            nodes += node.body + getattr(node, "orelse", []) + getattr(node, "finalbody", [])
            nodes += [statement for handler in getattr(node, "handlers", []) for statement in handler.body]
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names

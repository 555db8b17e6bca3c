"""The course on disk: its folder, its assignments and their one notebook each."""

from __future__ import annotations

from pathlib import Path

import nbformat

from . import cells
from .config import CONFIG_FILE


class GradingError(RuntimeError):
    """nbgrader could not do what was asked; the message carries its log."""


def find_course_root(start: Path | None = None) -> Path:
    """The course folder: the first of ``start`` (default: the working folder) and its
    parents that holds ``nbgrader_config.py`` and ``solutions/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / "solutions").is_dir():
            return folder
    raise GradingError(
        f"No course folder found at or above {here}: expected a folder with {CONFIG_FILE} and "
        "solutions/. Run this command inside your clone of the course."
    )


def assignments(root: Path) -> list[str]:
    """Names of the assignments: the folders of ``solutions/`` that hold a notebook."""
    source = root / "solutions"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def notebook_name(root: Path, assignment: str) -> str:
    """File name of the one notebook of ``assignment``."""
    names = sorted(p.name for p in (root / "solutions" / assignment).glob("*.ipynb"))
    if len(names) != 1:
        raise GradingError(f"Assignment {assignment!r} should hold exactly one notebook, found {names}.")
    return names[0]


def notebook_problem(path: Path) -> str:
    """Why ``path`` is not a notebook nbgrader can grade ("" when it is one)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        return "the file does not exist"
    except UnicodeDecodeError:
        return "it is not a text file, so not a notebook"
    except Exception as exc:  # nbformat raises several kinds for broken JSON
        return f"it is not valid notebook JSON ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return f"it is not a valid notebook ({exc.message[:120]})"
    return ""


def find_assignment(root: Path, notebook: Path) -> str:
    """The assignment a student's notebook belongs to: its folder's name, else its file
    name, else the assignment whose graded cells it holds."""
    known = assignments(root)
    for guess in (notebook.resolve().parent.name, notebook.stem):
        if guess in known:
            return guess
    ids = cells.grade_ids(_cells(notebook))
    matches = [
        a for a in known if ids and ids <= cells.grade_ids(_cells(root / "solutions" / a / notebook_name(root, a)))
    ]
    if len(matches) == 1:
        return matches[0]
    raise GradingError(f"Cannot tell which assignment {notebook} is; name it with --assignment (one of {known}).")


def _cells(path: Path) -> list:
    try:
        return nbformat.read(path, as_version=4).cells
    except Exception:
        return []

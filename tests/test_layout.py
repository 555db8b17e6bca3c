"""The house rules of the code: what a student's kernel imports stays apart from the
tools that run the course, and only the backend module imports TensorFlow."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import nbformat

from helpers import ROOT

LIBRARY = sorted(p for p in (ROOT / "course_lib").glob("*.py"))
EVERY_MODULE = sorted((ROOT / "course_lib").rglob("*.py"))


def imported(path) -> set[str]:
    """Top-level names of every module ``path`` imports (also inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names |= {base} | {f"{base}.{alias.name}" if node.module else base + alias.name for alias in node.names}
    return names


def notebook_imports() -> set[str]:
    """The course_lib modules the solution notebooks import."""
    found = set()
    for path in ROOT.glob("solutions/*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.ImportFrom) and node.module == "course_lib":
                    found |= {f"course_lib.{alias.name}" for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_lib."):
                    found.add(node.module)
    return found


def test_only_the_backend_imports_tensorflow() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in EVERY_MODULE
        if p.name != "backend.py" and any(n == "tensorflow" or n.startswith("tensorflow.") for n in imported(p))
    ]
    assert not offenders, f"only course_lib/backend.py may import TensorFlow: {offenders}"
    solutions = "\n".join(c.source for p in ROOT.glob("solutions/*/*.ipynb") for c in nbformat.read(p, as_version=4).cells)
    assert not re.search(r"^\s*(import tensorflow|from tensorflow)", solutions, re.M), "a notebook imports TensorFlow"


def test_the_library_never_imports_the_course_tooling() -> None:
    tooling = ("nbgrader", "nbclient", "nbconvert", "course_tools")
    offenders = {
        p.name: sorted(n for n in imported(p) if n.startswith(tooling))
        for p in LIBRARY
    }
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"modules a kernel imports must not import the course's tooling: {offenders}"


def test_what_a_notebook_imports_loads_no_grading_code() -> None:
    """In a fresh interpreter, as in a student's kernel: import what the notebooks import."""
    modules = sorted(notebook_imports())
    assert "course_lib.backend" in modules and "course_lib.heatmaps" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('nbgrader', 'nbclient', 'nbconvert')"
        " or m.startswith('course_tools'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_every_library_module_says_what_it_is_for() -> None:
    undocumented = [p.name for p in LIBRARY if not ast.get_docstring(ast.parse(p.read_text()))]
    assert not undocumented, f"modules without a docstring: {undocumented}"

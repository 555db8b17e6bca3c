"""The house rules of the code: what a student's kernel imports stays apart from the
tools that run the course, and only the backend module imports TensorFlow."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys

import nbformat

from helpers import ROOT

LIBRARY = sorted((ROOT / "course_lib").rglob("*.py"))
TOOLS = sorted((ROOT / "course_tools").rglob("*.py"))


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
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_lib":
                    package = importlib.util.find_spec(node.module).submodule_search_locations is not None
                    found |= {f"{node.module}.{a.name}" for a in node.names} if package else {node.module}
    return found


def test_only_the_backend_imports_tensorflow() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in LIBRARY
        if p.name != "backend.py" and any(n == "tensorflow" or n.startswith("tensorflow.") for n in imported(p))
    ]
    assert not offenders, f"only course_lib/backend.py may import TensorFlow: {offenders}"
    solutions = "\n".join(
        c.source for p in ROOT.glob("solutions/*/*.ipynb") for c in nbformat.read(p, as_version=4).cells
    )
    assert not re.search(r"^\s*(import tensorflow|from tensorflow)", solutions, re.M), "a notebook imports TensorFlow"


def test_the_library_never_imports_the_course_tooling() -> None:
    tooling = ("nbgrader", "nbclient", "nbconvert", "course_tools")
    offenders = {p.name: sorted(n for n in imported(p) if n.startswith(tooling)) for p in LIBRARY}
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"modules a kernel imports must not import the course's tooling: {offenders}"


def test_what_a_notebook_imports_loads_no_grading_code() -> None:
    """In a fresh interpreter, as in a student's kernel: import what the notebooks import."""
    modules = sorted(notebook_imports())
    assert "course_lib.backend" in modules and "course_lib.visualizing.heatmaps" in modules
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


def module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def course_imports(path) -> set[str]:
    """The course's own modules that ``path`` imports (also inside functions), relative
    imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
                if node.level
                else node.module
            )
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        found |= {n for n in names if n in MODULES}
    return found - {module_name(path)}


MODULES = {module_name(p) for p in LIBRARY + TOOLS}
GRAPH = {module_name(p): course_imports(p) for p in LIBRARY + TOOLS}


def test_the_imports_run_one_way() -> None:
    """No circle of imports among the course's modules (a module's package counts as its
    own __init__ only)."""
    cycles, done = [], set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append(path[path.index(name) :] + [name])
            return
        if name in done:
            return
        for dependency in sorted(GRAPH[name]):
            visit(dependency, [*path, name])
        done.add(name)

    for name in sorted(GRAPH):
        visit(name, [])
    assert not cycles, f"imports in a circle: {cycles[:3]}"


def test_settings_import_nothing_of_the_course() -> None:
    assert GRAPH["course_lib.settings"] == set()


def test_the_lecture_parts_sit_in_their_folders() -> None:
    """The tree reads like the lecture: recap, pretrained convnets, visualizing, and what they share."""
    packages = {p.parent.name for p in LIBRARY if p.name == "__init__.py" and p.parent.name != "course_lib"}
    assert {"recap", "pretrained", "visualizing", "photos", "exercises"} <= packages
    assert len([p for p in (ROOT / "course_lib").glob("*.py") if p.name != "__init__.py"]) <= 8

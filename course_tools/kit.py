"""The student kit (``make kit``): what students of a laptop class receive.

``build/kit/`` and ``build/convnet-course-kit.zip`` hold the release notebooks, the
course's nbgrader settings (so that *Validate* treats a warning as the course does), and a
wheel of the course's library with its sample photos and the tools Validate needs, built
from a copy of the packages alone: nothing of ``solutions/`` (answers, hidden tests) goes
in, and the course's own version of each exercise (:mod:`course_lib.exercises.stand_ins`, with which
a stuck self-learner's lesson goes on) is left out of the wheel's copy
(:func:`without_answers`): a lesson cell that needs an exercise then asks for it. A student
installs the wheel (``pip install``) and opens the notebooks.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .course import assignments
from .release import made_beside_a_release

PACKAGE_FILES = ("pyproject.toml", "README.md", "course_lib", "course_tools")  # what the wheel is built from
LEFT_OUT = ("__pycache__", "bench")  # the benchmarks are the course's, not a student's
INSTALL = """# The convnet course: student kit

1. Python 3.11, on Linux or macOS (Windows: WSL). In a fresh environment:

       python3.11 -m venv .venv && . .venv/bin/activate
       pip install "{wheel}[cpu]"

   ({wheel} brings the course's library and its sample photos; pip fetches Keras,
   TensorFlow, JupyterLab and nbgrader from PyPI. With an NVIDIA GPU on Linux, use
   `[gpu]` instead of `[cpu]`; where TensorFlow is installed already, leave the brackets
   out and the course keeps it.)
2. `jupyter lab notebooks/`, and start with `00-getting-started`.
3. *Validate* (the notebook's toolbar) runs the visible tests; your teacher grades the rest.
"""


def build_kit(root: Path, out: Path | None = None) -> Path:
    """Write the kit into ``out`` (default ``root/build/kit``) and zip it beside it;
    returns the zip."""
    root = Path(root).resolve()
    out = Path(out or root / "build" / "kit")
    if out.exists():
        shutil.rmtree(out)
    for assignment in assignments(root):
        for path in sorted((root / "notebooks" / assignment).rglob("*")):
            if path.is_file() and not made_beside_a_release(path):
                target = out / "notebooks" / path.relative_to(root / "notebooks")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    shutil.copyfile(root / "nbgrader_config.py", out / "nbgrader_config.py")
    wheel = wheel_without_answers(root, out)
    (out / "README.md").write_text(INSTALL.format(wheel=wheel.name))
    return Path(shutil.make_archive(str(out.parent / "convnet-course-kit"), "zip", out))


def wheel_without_answers(root: Path, out: Path) -> Path:
    """The course's wheel in ``out``, built from a copy of its package files only, its
    stand-ins without the course's versions (:func:`without_answers`): what students install."""
    with tempfile.TemporaryDirectory(prefix="convnet-kit-") as tmp:
        for name in PACKAGE_FILES:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, Path(tmp) / name, ignore=shutil.ignore_patterns(*LEFT_OUT))
            else:
                shutil.copyfile(source, Path(tmp) / name)
        stand_ins = Path(tmp) / "course_lib" / "exercises" / "stand_ins.py"
        stand_ins.write_text(without_answers(stand_ins.read_text()))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--wheel-dir",
                str(out),
                tmp,
            ],
            check=True,
        )
    (wheel,) = out.glob("*.whl")
    return wheel


def without_answers(source: str) -> str:
    """``stand_ins.py``'s source with the body of each course version (each function
    decorated ``@_stands_in``) replaced by a ``NotImplementedError``, and ``SHIPPED = False``."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            getattr(d, "id", None) == "_stands_in" for d in node.decorator_list
        ):
            message = f"the course's version of {node.name} is not in the student kit: write yours in its exercise"
            node.body = [ast.Raise(ast.Call(ast.Name("NotImplementedError"), [ast.Constant(message)], []))]
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["SHIPPED"]:
            node.value = ast.Constant(False)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"

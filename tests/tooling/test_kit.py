"""The student kit: what a laptop class receives holds no answer and no hidden test, and
runs chapter 0 with nothing of the course but the kit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from answers import strip_markers
from course_tools import cells
from course_tools.kit import build_kit
from helpers import ROOT, readable_text, secret_lines

CHAPTER = "00-getting-started"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kit") / "kit"
    archive = build_kit(ROOT, out)
    assert archive == out.parent / "convnet-course-kit.zip" and archive.is_file()
    return out


def test_the_kit_holds_no_hidden_test_and_no_answer_of_its_own(kit: Path) -> None:
    archive = kit.parent / "convnet-course-kit.zip"
    names = zipfile.ZipFile(archive).namelist()
    assert not [n for n in names if "solutions" in n or n.startswith("tests/")], names
    assert sorted(n for n in names if n.endswith(".ipynb")) == sorted(
        f"notebooks/{p.parent.name}/{p.name}" for p in (ROOT / "notebooks").glob("*/*.ipynb")
    )
    wheel = next(kit.glob("*.whl"))
    stand_ins = zipfile.ZipFile(wheel).read("course_lib/exercises/stand_ins.py").decode()
    assert "SHIPPED = False" in stand_ins

    secrets = secret_lines(ROOT / "solutions", ROOT / "notebooks")  # answers and hidden tests
    assert len(secrets) > len(secret_lines(ROOT / "solutions", ROOT / "notebooks", kinds=("HIDDEN TESTS",))) > 50
    # the lines found in the kit are generic ones the lesson's own library uses too
    # ("layers = keras.layers"), never one that only an answer or a hidden test holds
    library = "\n".join(p.read_text() for p in (ROOT / "course_lib").rglob("*.py") if p.name != "stand_ins.py")
    assert [
        line
        for line in secrets
        if line in (ROOT / "course_lib/exercises/stand_ins.py").read_text() and line not in library
    ]
    assert not [line for line in secrets if line in stand_ins and line not in library], (
        "an answer is in the kit's stand_ins"
    )
    text = readable_text([archive, wheel, *kit.rglob("*.ipynb")])
    found = [line for line in secrets if line in text]
    assert found and not [line for line in found if line not in library], found


@pytest.mark.usefixtures("sample_photos")
def test_chapter_0_runs_from_the_kit_alone(kit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A student who answered every exercise, in an environment where the course is only
    the kit's wheel (unpacked ahead of the checkout on the kernel's path)."""
    site = tmp_path / "site"
    zipfile.ZipFile(next(kit.glob("*.whl"))).extractall(site)
    monkeypatch.setenv("PYTHONPATH", str(site))
    folder = kit / "notebooks" / CHAPTER
    nb = nbformat.read(folder / f"{CHAPTER}.ipynb", as_version=4)
    answers = {
        cells.grade_id(c): c.source
        for c in nbformat.read(ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4).cells
        if cells.is_solution(c) and c.cell_type == "code"
    }
    for cell in nb.cells:
        if cells.is_solution(cell) and cell.cell_type == "code":
            cell.source = strip_markers(answers[cells.grade_id(cell)])
    nb.cells.insert(
        0,
        nbformat.v4.new_code_cell(
            "import course_lib, course_lib.exercises.stand_ins as s\nprint(course_lib.__file__, s.SHIPPED)"
        ),
    )

    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()

    assert nb.cells[0].outputs[0]["text"] == f"{site / 'course_lib' / '__init__.py'} False\n"
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]

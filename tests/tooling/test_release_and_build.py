"""`convnet-course release` and `build` on a small course made in a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from course_tools import build, cli, docs, expectations, measurements
from course_tools.release import release
from helpers import ROOT, make_folder, readable_text, secret_lines


def _notebook(answer: str, test: str) -> nbformat.NotebookNode:
    def meta(grade_id: str, **flags) -> dict:
        return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "task": False, "locked": False, **flags}}

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Demo\nWrite `double`."),
        nbformat.v4.new_code_cell(
            f"def double(x):\n    ### BEGIN SOLUTION\n    {answer}\n    ### END SOLUTION",
            metadata=meta("double", solution=True, grade=False),
        ),
        nbformat.v4.new_code_cell(test, metadata=meta("test_double", solution=False, grade=True, points=1)),
    ]
    return nb


@pytest.fixture
def course(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    (tmp_path / "solutions" / "demo").mkdir(parents=True)
    nbformat.write(_notebook("return 2 * x", "assert double(2) == 4"), tmp_path / "solutions/demo/demo.ipynb")
    return tmp_path


def test_release_generates_and_is_idempotent(course: Path) -> None:
    lines = release(course)
    released = course / "notebooks/demo/demo.ipynb"
    assert lines == ["wrote notebooks/demo/demo.ipynb"]
    text = released.read_text()
    assert "YOUR CODE HERE" in text and "2 * x" not in text
    assert release(course) == []


def test_release_keeps_a_students_work(course: Path) -> None:
    release(course)
    released = course / "notebooks/demo/demo.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells[1].source = "def double(x):\n    return x + x  # my answer"
    nbformat.write(nb, released)
    nbformat.write(_notebook("return x * 2", "assert double(3) == 6"), course / "solutions/demo/demo.ipynb")

    lines = release(course)

    (backup,) = (course / "notebooks/demo").glob("demo.backup-*.ipynb")
    assert "my answer" in backup.read_text(), "the student's answer must survive"
    assert "my answer" not in released.read_text() and "double(3)" in released.read_text()
    assert any("student's work" in line for line in lines)


def test_release_replaces_an_untouched_notebook_without_backup(course: Path) -> None:
    release(course)
    nbformat.write(_notebook("return x * 2", "assert double(3) == 6"), course / "solutions/demo/demo.ipynb")
    release(course)
    assert not list((course / "notebooks/demo").glob("*.backup-*"))


def test_build_writes_pages_and_a_summary(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (course / "solutions" / "broken").mkdir()
    broken = _notebook("return 2 * x", "assert double(2) == 5, 'two times two is four'")
    nbformat.write(broken, course / "solutions/broken/broken.ipynb")
    (course / "solutions" / "lost").mkdir()
    lost = _notebook("return 2 * x", "raise RuntimeError('No photos found.\\nSet COURSE_DATA_DIR to their folder.')")
    nbformat.write(lost, course / "solutions/lost/lost.ipynb")

    summary = build.build(course, course / "out")

    by_name = {n["assignment"]: n for n in summary["notebooks"]}
    assert by_name["demo"]["status"] == "ok" and by_name["broken"]["status"] == "error"
    assert "two times two is four" in by_name["broken"]["error"]
    assert by_name["lost"]["error"] == "RuntimeError: No photos found."  # what happened, in one line
    assert json.loads((course / "out/results.json").read_text())["notebooks"] == summary["notebooks"]
    executed = nbformat.read(course / "out/demo.ipynb", as_version=4)
    assert "YOUR CODE HERE" in executed.cells[-2].source, "the build shows the exercise as released"
    assert "<html" in (course / "out/demo.html").read_text().lower()

    monkeypatch.chdir(course)
    assert cli.main(["build", "demo", "--out", str(course / "out2")]) == 0
    assert cli.main(["build", "broken", "--out", str(course / "out3")]) == 1


def test_the_default_build_is_safe_to_publish_and_the_instructors_copy_is_asked_for(course: Path) -> None:
    nb = _notebook(
        "return 2 * x", "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-21) == -42\n### END HIDDEN TESTS"
    )
    nb.cells.insert(1, nbformat.v4.new_code_cell("print('the lesson', 6 * 7)"))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "print(double(1000), 'a printed answer')",
            metadata={
                "nbgrader": {
                    "grade_id": "printed",
                    "schema_version": 3,
                    "solution": True,
                    "grade": False,
                    "locked": False,
                }
            },
        )
    )
    nbformat.write(nb, course / "solutions/demo/demo.ipynb")
    secrets = secret_lines(course / "solutions")
    assert {"return 2 * x", "assert double(-21) == -42"} <= secrets

    build.build(course, course / "out")
    published = readable_text(p for p in (course / "out").rglob("*") if p.is_file())
    assert "the lesson 42" in published, "the lesson cells are executed"
    assert not [line for line in secrets if line in published]
    assert "2000 a printed answer" not in published and not (course / "out" / "instructor").exists()

    build.build(course, course / "solutions-out", solutions=True)
    instructor = readable_text((course / "solutions-out" / "instructor").glob("*"))
    assert secrets <= {line for line in secrets if line in instructor} and "2000 a printed answer" in instructor


@pytest.mark.usefixtures("sample_photos")
def test_the_courses_default_build_holds_no_answer_and_no_hidden_test(tmp_path: Path) -> None:
    summary = build.build(ROOT, tmp_path, ["00-getting-started"])
    assert [n["status"] for n in summary["notebooks"]] == ["ok"]
    secrets = secret_lines(ROOT / "solutions" / "00-getting-started", ROOT / "notebooks")
    assert len(secrets) >= 5, secrets
    published = readable_text(p for p in tmp_path.rglob("*") if p.is_file())
    assert not [line for line in secrets if line in published]


def test_build_reads_a_relative_photo_folder_from_where_it_was_started(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (course / "solutions" / "photos").mkdir()
    check = (
        "import os, pathlib\nassert pathlib.Path(os.environ['COURSE_DATA_DIR']).is_dir(), os.environ['COURSE_DATA_DIR']"
    )
    nbformat.write(_notebook("return 2 * x", check), course / "solutions/photos/photos.ipynb")
    make_folder(course / "my-photos", per_class=1)
    monkeypatch.chdir(course)
    monkeypatch.setenv("COURSE_DATA_DIR", "my-photos")  # as in COURSE_DATA_DIR=my-photos make run
    assert cli.main(["build", "photos", "--out", str(course / "out")]) == 0
    assert json.loads((course / "out/results.json").read_text())["notebooks"][0]["status"] == "ok"


@pytest.mark.usefixtures("isolated_data")
def test_a_build_on_the_sample_says_so_everywhere(course: Path, capsys) -> None:
    """Offline with no photos named: the build finds the sample once, tells each kernel to
    use it (no second download attempt), and every page and the summary say so."""
    demo = _notebook("return 2 * x", "assert double(2) == 4")
    demo.cells.append(nbformat.v4.new_code_cell("import os\nprint('COURSE_DATA =', os.environ.get('COURSE_DATA'))"))
    nbformat.write(demo, course / "solutions/demo/demo.ipynb")

    summary = build.build(course, course / "out")

    assert summary["data"]["kind"] == "sample" and summary["data"]["sample"] is True
    assert json.loads((course / "out/results.json").read_text())["data"] == summary["data"]
    assert "Photos: the course's sample of Oxford-IIIT Pet photos" in capsys.readouterr().out
    executed = nbformat.read(course / "out/demo.ipynb", as_version=4)
    assert executed.cells[0].source == build.sample_note()
    assert "238 Oxford-IIIT Pet photos, 120 of them for training" in build.sample_note()
    assert executed.cells[-1].outputs[0]["text"] == "COURSE_DATA = sample\n"
    page = (course / "out/demo.html").read_text()
    assert "This run used the course" in page and "not comparable with them" in page
    site = (course / "out/site/index.html").read_text()
    assert "Run on the course's photo sample" in site and "on the course's photo sample" in site
    assert "COURSE_DATA" not in os.environ, "the setting is only for the build's kernels"


def test_commands_outside_a_course_say_where_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["release"]) == 2
    assert "Run this command inside your clone of the course" in capsys.readouterr().err


def _with_box(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.cells.insert(
        1, nbformat.v4.new_markdown_cell("to be filled", metadata={"course": {"benchmarks": "what_to_expect"}})
    )
    return nb


def test_release_writes_what_to_expect_from_the_courses_benchmarks(course: Path) -> None:
    nbformat.write(_with_box(_notebook("return 2 * x", "assert double(2) == 4")), course / "solutions/demo/demo.ipynb")
    bench = course / "benchmarks" / "results.json"
    bench.parent.mkdir()
    bench.write_text(
        json.dumps({"cpu": {"cores": 4}, "course": {"notebooks": [{"assignment": "demo", "seconds": 150}]}})
    )
    release(course)
    box = nbformat.read(course / "notebooks/demo/demo.ipynb", as_version=4).cells[1]
    assert "**Run time**: 2 minutes on a CPU with 4 cores (one full run); with a GPU: not measured yet." in box.source

    bench.write_text(
        json.dumps(
            {
                "cpu": {"cores": 4},
                "course": {"notebooks": [{"assignment": "demo", "seconds": 30}]},
                "gpu": {"notebooks": [{"assignment": "demo", "seconds": 12}]},
            }
        )
    )
    assert release(course) == ["wrote notebooks/demo/demo.ipynb"], "new benchmarks make a new release"
    box = nbformat.read(course / "notebooks/demo/demo.ipynb", as_version=4).cells[1]
    assert "30 seconds on a CPU with 4 cores (one full run); 12 seconds with a GPU." in box.source


def test_benchmark_texts_say_what_was_not_measured() -> None:
    assert "not measured yet on a CPU" in expectations.what_to_expect({}, "01-convnet-basics")
    assert "Test accuracy" not in expectations.what_to_expect({}, "01-convnet-basics")
    assert expectations.small_data({}, "") == expectations.data_shift({}, "") == expectations.NOT_MEASURED
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("", metadata={"course": {"benchmarks": "nothing"}})]
    )
    with pytest.raises(ValueError, match="nothing"):
        expectations.fill(nb, "demo", {})


def test_chapter_2s_box_gives_the_range_over_repeated_runs_else_one_run() -> None:
    one_run = {"course": {"measurements": {key: {"test_accuracy": 0.95} for key in expectations.PRETRAINED}}}
    assert "fast feature extraction 95.0 % (one run)" in expectations.what_to_expect(one_run, "02-pretrained-convnets")
    runs = {
        "rows": [{}, {}, {}],
        "summary": {key: {"min": 0.961, "max": 0.978, "mean": 0.97} for key in expectations.PRETRAINED},
    }
    box = expectations.what_to_expect({**one_run, "pretrained_runs": runs}, "02-pretrained-convnets")
    assert "fine-tuning 96.1 % to 97.8 % over 3 runs" in box
    assert "one run" not in box


def test_build_reads_the_measurements_from_the_kernel_and_shows_no_cell_for_it(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        measurements.SPECS,
        "demo",
        {
            "doubled": {"value": "double(21)", "half": "double(0.25)"},
            "skipped": {"when": "False", "value": "1"},
            "not run": {"value": "a_name_the_notebook_never_made"},
        },
    )
    summary = build.build(course, course / "out")
    (doubled,) = summary["measurements"].values()
    assert summary["measurements"] == {
        "doubled": {"value": 42, "half": 0.5, "fast_mode": summary["fast_mode"], "data": summary["data"]["kind"]}
    }, doubled
    executed = nbformat.read(course / "out/demo.ipynb", as_version=4)
    assert executed.cells[-1].source == "assert double(2) == 4", "the reading cell is gone"
    assert measurements.MARKER not in (course / "out/demo.html").read_text()


def test_the_docs_quote_the_latest_benchmarks() -> None:
    bench = expectations.load()
    for name in docs.DOCS:
        text = (ROOT / name).read_text()
        assert docs.filled(text, bench) == text, (
            f"{name} quotes figures other than benchmarks/results.json's: make release"
        )
    assert "<!-- benchmarks: course_times -->" in (ROOT / "README.md").read_text()


def test_a_docs_region_is_written_from_the_benchmarks() -> None:
    text = "a\n<!-- benchmarks: course_times -->\nold figure\n<!-- /benchmarks -->\nb\n"
    run = {
        "wall_s": 600,
        "peak_memory_gb": 2.0,
        "measurements": {},
        "notebooks": [
            {"assignment": "01-convnet-basics", "seconds": 500},
            {"assignment": "03-visualizing-convnets", "seconds": 60},
        ],
    }
    bench = {"course": run, "date": "2030-01-02 03:04", "cpu": {"cores": 8, "model": "Example CPU"}}
    written = docs.filled(text, bench)
    assert "old figure" not in written and written.startswith("a\n<!-- benchmarks: course_times -->\n")
    assert (
        "**10 min** (chapter 1 8 minutes, chapter 3 60 seconds;" in written
        and "2030-01-02, on 8 cores of an Example CPU" in written
    )
    assert "not measured" in docs.filled(text, {})
    with pytest.raises(ValueError, match="nothing"):
        docs.filled("<!-- benchmarks: nothing -->\n<!-- /benchmarks -->", {})

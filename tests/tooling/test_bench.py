"""``make bench BENCH_ARGS="--only ..."``: one section measured again joins the saved results,
marked with its own date and CPU; the others are kept as they were."""

from __future__ import annotations

import json

import pytest

from course_tools.bench import course_run, report, run

SUBSETS = {
    "image_size": 96,
    "training_photos": 100,
    "epochs": 30,
    "fine_tune_epochs": 10,
    "subsets": 2,
    "rows": [],
    "summary": {"pooled": {m: {"mean": 0.9, "min": 0.88, "max": 0.92} for m in ("a", "b", "c")}},
}
GRADING = [{"assignment": "01-convnet-basics", "seconds": 12.5, "score": "20.0 / 20"}]


def _earlier() -> dict:
    cpu = {"model": "Old CPU", "cores": 4, "peak_gflops": 100.0, "matmul_gflops": 90.0, "assumptions": "-"}
    return {
        "date": "2026-01-01 00:00",
        "python": "3.11.0",
        "keras": "3.0.0",
        "backend": "tensorflow",
        "cpu": cpu,
        "autograding": GRADING,
    }


def test_only_measures_the_named_section_and_keeps_the_rest(tmp_path, monkeypatch) -> None:
    (tmp_path / "results.json").write_text(json.dumps(_earlier()))
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(run, "matmul_gflops", lambda: 50.0)
    ran = []
    for name in run.SECTIONS:
        monkeypatch.setitem(run.SECTIONS, name, (name, lambda name=name: ran.append(name) or {}))
    monkeypatch.setitem(
        run.SECTIONS, "small_data_subsets", ("subsets", lambda: ran.append("small") or {"small_data_subsets": SUBSETS})
    )

    assert run.main(["--only", "small_data_subsets"]) == 0

    assert ran == ["small"]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["date"] == "2026-01-01 00:00" and saved["autograding"] == GRADING
    assert saved["small_data_subsets"] == SUBSETS
    assert saved["apart"]["small_data_subsets"]["cpu"]["model"] != "Old CPU"
    text = (tmp_path / "results.md").read_text()
    assert "Measured 2026-01-01 00:00 on Old CPU" in text and "a section measured apart says so" in text
    subsets = text.split("## Few photos over random subsets")[1]
    assert subsets.splitlines()[2].startswith('Measured apart (`make bench BENCH_ARGS="--only small_data_subsets"`)')
    assert "(fp32 matrix product 50.0 GFLOP/s)" in subsets.splitlines()[2]
    grading = text.split("## Autograding one submission")[1].split("##")[0]
    assert "Measured apart" not in grading and "| 01-convnet-basics | 12.5 | 20.0 / 20 |" in grading


def test_merge_stamps_the_section_and_a_full_run_marks_nothing_apart() -> None:
    fresh = {
        **_earlier(),
        "date": "2026-02-02 00:00",
        "cpu": {**_earlier()["cpu"], "model": "New CPU"},
        "small_data_subsets": SUBSETS,
    }
    merged = run.merge(_earlier(), fresh, ["small_data_subsets"])
    assert merged["apart"]["small_data_subsets"]["date"] == "2026-02-02 00:00"
    assert "Measured apart" in report.markdown(merged)
    assert "Measured apart" not in report.markdown(fresh) and "a section measured apart" not in report.markdown(fresh)


def test_an_unknown_section_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as refused:
        run.main(["--only", "no_such_section"])
    assert refused.value.code == 2
    assert "invalid choice: 'no_such_section'" in capsys.readouterr().err


def test_a_failed_course_run_writes_nothing(tmp_path, monkeypatch) -> None:
    (tmp_path / "results.json").write_text(json.dumps(_earlier()))
    (tmp_path / "build").mkdir()
    notebooks = [{"assignment": "01-convnet-basics", "status": "error", "seconds": 12}]
    (tmp_path / "build" / "results.json").write_text(json.dumps({"notebooks": notebooks, "measurements": {}}))

    class Failed:  # convnet-course build, as it ends when a chapter's photos are missing
        pid = 0

        def __init__(self, *args, **kwargs) -> None:
            pass

        def wait(self) -> int:
            return 1

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(run, "matmul_gflops", lambda: 50.0)
    monkeypatch.setattr(course_run, "ROOT", tmp_path)
    monkeypatch.setattr(course_run, "tree_rss", lambda pid: 0)
    monkeypatch.setattr(course_run.subprocess, "Popen", Failed)
    with pytest.raises(RuntimeError, match="01-convnet-basics"):
        run.main(["--only", "course"])
    assert json.loads((tmp_path / "results.json").read_text()) == _earlier()
    assert not (tmp_path / "results.md").exists()

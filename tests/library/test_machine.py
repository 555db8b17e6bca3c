"""What chapter 0 shows of the machine the course runs on."""

from __future__ import annotations

import pytest

from course_lib import machine


def test_report_names_the_backend_the_mode_and_the_cache(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    report = machine.report()
    assert report["keras backend"] == "tensorflow"
    assert report["fast mode"] == "on" and report["cache folder"] == str(tmp_path)
    monkeypatch.setenv("COURSE_FAST", "0")
    assert machine.report()["fast mode"] == "off"

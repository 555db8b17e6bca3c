"""Fast mode and the course's folders."""

from __future__ import annotations

import pytest

from course_lib import settings


@pytest.mark.parametrize(
    ("env", "fast"),
    [
        ({}, False),
        ({"COURSE_FAST": "1"}, True),
        ({"COURSE_FAST": "yes"}, True),
        ({"COURSE_FAST": "0"}, False),
        ({"NBGRADER_EXECUTION": "autograde"}, True),
        ({"NBGRADER_EXECUTION": "validate", "COURSE_FAST": "0"}, True),
    ],
)
def test_fast_mode(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fast: bool) -> None:
    monkeypatch.delenv("COURSE_FAST", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert settings.fast_mode() is fast
    assert settings.pick("full", "fast") == ("fast" if fast else "full")


def test_fast_runs_never_write_where_full_runs_do(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("COURSE_FAST", "0")
    full = settings.artifacts_dir()
    (full / "model.keras").write_text("full")
    monkeypatch.setenv("COURSE_FAST", "1")
    fast = settings.artifacts_dir()
    assert fast != full and fast.is_relative_to(tmp_path)
    assert not (fast / "model.keras").exists()
    monkeypatch.setenv("COURSE_FAST", "0")
    assert (settings.artifacts_dir() / "model.keras").read_text() == "full"

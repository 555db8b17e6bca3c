"""One archive of a class's records, the gradebook consistent while it is in use."""

from __future__ import annotations

import os
import sqlite3
import sys
import tarfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course_tools import cli


def test_a_backup_holds_the_records_and_the_exchange_and_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")  # nbgrader runs alembic
    course = tmp_path / "course"
    (course / "submitted" / "alice" / "00-getting-started").mkdir(parents=True)
    (course / "submitted" / "alice" / "00-getting-started" / "00-getting-started.ipynb").write_text("{}")
    (course / "grades.csv").write_text("student_id,score\nalice,5\n")
    (course / "solutions").mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.add_student("alice", first_name="Alice")
    exchange = tmp_path / "exchange" / "convnet-course" / "inbound"
    exchange.mkdir(parents=True)
    (exchange / "bob+00-getting-started+2026").mkdir()
    writer = sqlite3.connect(course / "gradebook.db")  # a write transaction holds the gradebook meanwhile
    writer.execute("BEGIN IMMEDIATE")

    assert (
        cli.main(
            [
                "--course",
                str(course),
                "backup",
                "--exchange",
                str(tmp_path / "exchange"),
                "--out",
                str(tmp_path / "saved"),
            ]
        )
        == 0
    )
    writer.rollback()

    (archive,) = (tmp_path / "saved").glob("convnet-course-backup-*.tar.gz")
    assert archive.stat().st_mode & 0o077 == 0, "students' work and grades: the owner's only"
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "restored", filter="data")
    restored = tmp_path / "restored"
    assert (restored / "course/grades.csv").read_text().endswith("alice,5\n")
    assert (restored / "course/submitted/alice/00-getting-started/00-getting-started.ipynb").is_file()
    assert (restored / "exchange/convnet-course/inbound/bob+00-getting-started+2026").is_dir()
    with Gradebook(f"sqlite:///{restored / 'course/gradebook.db'}") as gradebook:
        assert gradebook.find_student("alice").first_name == "Alice"


def test_a_missing_exchange_is_named(tmp_path: Path) -> None:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("")
    with pytest.raises(FileNotFoundError, match="no exchange at"):
        cli.main(
            ["--course", str(tmp_path), "backup", "--exchange", str(tmp_path / "nowhere"), "--out", str(tmp_path / "b")]
        )

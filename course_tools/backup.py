"""One archive of a class's records (``make backup``, ``convnet-course backup``).

What git does not keep and a term cannot lose: the gradebook (copied with SQLite's own
backup, consistent even while formgrader or an autograde writes it), the submissions,
the autograded notebooks, the feedback, ``grades.csv``, the collect's backups, the
instructor's edited sources, and on a hub nbgrader's exchange (what students submitted
and have not been collected yet). ``tar xzf`` restores it.
"""

from __future__ import annotations

import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path

RECORDS = (
    "gradebook.db",
    "submitted",
    "autograded",
    "feedback",
    "collected-backups",
    "grades.csv",
    "nbgrader_config.py",
    "solutions",
    "notebooks",
)


def backup(root: Path, out: Path, exchange: Path | None = None) -> tuple[Path, list[str]]:
    """Write ``out/convnet-course-backup-<time>.tar.gz`` of the course ``root``'s records
    (under ``course/``) and of ``exchange`` (under ``exchange/``); returns the archive and
    what it holds."""
    root, out = Path(root).resolve(), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"convnet-course-backup-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    held = []
    with tempfile.TemporaryDirectory(prefix="convnet-backup-") as tmp, tarfile.open(archive, "w:gz") as tar:
        for name in RECORDS:
            path = root / name
            if not path.exists():
                continue
            if name == "gradebook.db":
                path = _consistent_copy(path, Path(tmp) / name)
            tar.add(path, arcname=f"course/{name}")
            held.append(f"course/{name}")
        if exchange is not None:
            if not Path(exchange).is_dir():
                raise FileNotFoundError(
                    f"no exchange at {exchange}: name nbgrader's exchange folder (the hub's <state>/exchange)"
                )
            tar.add(exchange, arcname="exchange")
            held.append("exchange")
    archive.chmod(0o600)  # students' work and grades
    return archive, held


def _consistent_copy(database: Path, copy: Path) -> Path:
    """A copy of an SQLite database as of one moment, even while another process writes it."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy

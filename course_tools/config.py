"""The one nbgrader configuration: the course's ``nbgrader_config.py``, pointed at a
course folder and a gradebook. Every step that drives nbgrader builds it here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def nbgrader_config(
    root: Path, course_dir: Path | None = None, *, db_url: str | None = None, timeout: int | None = None
) -> Config:
    """The course's ``nbgrader_config.py`` (in ``root``), for nbgrader to work in
    ``course_dir`` (default ``root``) with the gradebook ``db_url`` (default: the one the
    file names, else ``course_dir/gradebook.db``) and, if given, a per-cell ``timeout``.

    Also puts this Python's ``bin`` folder on ``PATH``: nbgrader runs ``alembic``
    (installed beside it) as a command, also when the environment is not activated.
    """
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    course_dir = Path(course_dir or root).resolve()
    config.CourseDirectory.root = str(course_dir)
    if db_url is None:
        db_url = config.CourseDirectory.get("db_url") or f"sqlite:///{course_dir / 'gradebook.db'}"
    config.CourseDirectory.db_url = db_url
    if timeout is not None:
        config.ExecutePreprocessor.timeout = timeout
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    return config


def api(config: Config):
    """nbgrader's Python API for ``config``, quiet but for warnings."""
    import logging

    from nbgrader.apps import NbGraderAPI

    nbgrader = NbGraderAPI(config=config)
    nbgrader.log.setLevel(logging.WARNING)
    return nbgrader

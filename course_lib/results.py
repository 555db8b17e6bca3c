"""Measurements the notebooks record (test accuracy, training time, ...).

Chapter 2 compares its methods with chapter 1's scratch convnet, and ``make run`` puts
every measurement into ``build/results.json``; both read them from here. They are kept
in ``settings.artifacts_dir()``, so fast-mode runs never mix with full ones.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from . import settings


def results_file() -> Path:
    """The JSON file holding every recorded measurement."""
    return settings.artifacts_dir() / "results.json"


def load() -> dict[str, dict[str, Any]]:
    """All recorded measurements, by name (empty when nothing was recorded yet)."""
    path = results_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def record(name: str, **values: Any) -> dict[str, Any]:
    """Record a measurement, e.g. ``record("scratch", test_accuracy=0.71, seconds=930)``.

    A later record under the same name replaces the earlier one. The time of recording
    and whether the fast mode was on are added.
    """
    entry = {**values, "fast_mode": settings.fast_mode(), "recorded_at": time.time()}
    everything = load()
    everything[name] = entry
    path = results_file()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(everything, indent=2, sort_keys=True))
    tmp.replace(path)
    return entry

"""Shared test set-up: the course folder, a private cache, and the real data if named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep tests (and the notebooks they execute) out of the user's real cache."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ["COURSE_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real photos named by COURSE_DATA_DIR (CI sets it); skip where absent."""
    value = os.environ.get("COURSE_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.skip("set COURSE_DATA_DIR to the cats-vs-dogs photos to run this test")
    return Path(value)

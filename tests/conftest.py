"""Shared test set-up: a private cache, no downloads, the photos a test runs on, a browser,
and the models several test files use.

No test downloads anything: ``pooch.retrieve`` (what every download goes through) fails
as it would offline, for the whole session. The photos:

- ``isolated_data``: no photo setting at all, full mode, a fresh cache: a newcomer's first run;
- ``sample_photos``: the photos the course ships, in fast mode, with a fresh cache: what
  tests, Validate and autograding run on;
- ``full_photos``: the book's full photo set. Tests that take it are marked ``full_data``
  and skip unless ``COURSE_DATA_DIR`` names that set (``.ci/run`` runs them on ``../shared/data``).

``browser`` is Chromium driven by Playwright, for the JupyterLab and class hub tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pooch
import pytest

from course_lib.photos import data, sources
from helpers import CHROMIUM, offline

FULL_PHOTOS = os.environ.get("COURSE_DATA_DIR")
DATA_VARIABLES = ("COURSE_DATA_DIR", "COURSE_DATA", "COURSE_DATA_SOURCE", "COURSE_FAST", "NBGRADER_EXECUTION")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep tests (and the notebooks they execute) out of the user's real cache, and offline."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ["COURSE_CACHE_DIR"] = str(cache)
    real = pooch.retrieve
    pooch.retrieve = offline
    yield cache
    pooch.retrieve = real


@pytest.fixture
def isolated_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A fresh cache, full mode, no data setting, no download, nothing remembered: what a
    newcomer's first run meets. Yields the cache folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(cache))
    for name in DATA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    sources.forget()
    data.clear_cache()
    yield cache
    sources.forget()
    data.clear_cache()


@pytest.fixture
def sample_photos(isolated_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The photos the course ships, in fast mode, with a fresh private cache (``isolated_data``'s)
    and no other photo setting: what tests, Validate and autograding run on. Returns the
    sample's folder."""
    monkeypatch.setenv("COURSE_DATA", "sample")
    monkeypatch.setenv("COURSE_FAST", "1")
    return sources.SAMPLE_ROOT


@pytest.fixture
def full_photos(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The book's full photo set named by COURSE_DATA_DIR (as in CI); skip where absent."""
    if not FULL_PHOTOS or not Path(FULL_PHOTOS).is_dir():
        pytest.skip("needs the book's full photo set: set COURSE_DATA_DIR (CI uses ../shared/data/cats_and_dogs_small)")
    monkeypatch.setenv("COURSE_DATA_DIR", FULL_PHOTOS)
    return Path(FULL_PHOTOS)


@pytest.fixture(scope="module")
def browser():
    """Chromium driven by Playwright, one per test module; skips where Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def imagenet_model():
    """EfficientNet-Lite0 giving logits, for any image size."""
    from course_lib.pretrained import bases

    return bases.efficientnet_lite0(image_size=None, classifier_activation=None)


@pytest.fixture(scope="session")
def tiny_classifier():
    """conv (linear, 3 channels) -> global average pooling -> dense (4 classes)."""
    from course_lib.backend import keras

    inputs = keras.Input((6, 8, 3))
    features = keras.layers.Conv2D(3, 3, padding="same", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    logits = keras.layers.Dense(4, activation="softmax", name="dense")(pooled)
    return keras.Model(inputs, logits)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that takes ``full_photos`` as ``full_data``."""
    for item in items:
        if "full_photos" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.full_data)

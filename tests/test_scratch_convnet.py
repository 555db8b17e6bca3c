"""Chapter 1's trained convnet, as chapter 3 gets it (models.load_or_train_scratch_convnet):
trained on the shipped sample in fast mode, as on a newcomer's machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib import models


def test_trains_a_short_schedule_when_missing_then_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    path = models.scratch_convnet_path()
    assert path == tmp_path / "artifacts" / "fast" / "convnet_from_scratch.keras" and not path.exists()

    trained = models.load_or_train_scratch_convnet(image_size=64)
    assert "No trained convnet" in capsys.readouterr().out
    assert path.exists()
    assert trained.input_shape == (None, 64, 64, 3)
    assert [layer.name for layer in trained.layers if layer.name.startswith("conv")] == ["conv1", "conv2", "conv3", "conv4"]

    loaded = models.load_or_train_scratch_convnet()
    assert "No trained convnet" not in capsys.readouterr().out
    batch = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), trained.predict(batch, verbose=0), atol=1e-6)

"""Chapter 1's widgets, driven without a browser: build each, move a control, check the
figure (its artists) and the picture sent to the browser changed."""

from __future__ import annotations

import base64

import matplotlib
import numpy as np
import pytest

from course_lib import widgets

matplotlib.use("Agg")


def _map_of(explorer: widgets.FigureExplorer, axis: int) -> np.ndarray:
    return np.ma.filled(explorer.figure.axes[axis].images[0].get_array(), np.nan)


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 48, 3)).astype("uint8"), np.full((40, 48, 3), 220, np.uint8)


def test_convolution_explorer_follows_stride_padding_window_and_kernel() -> None:
    explorer = widgets.convolution_explorer()
    c = explorer.controls
    assert _map_of(explorer, 2).shape == (5, 5) and c["step"].max == 24
    png = explorer.image.value
    c["padding"].value = 1
    assert _map_of(explorer, 0).shape == (9, 9)  # the padded input
    assert _map_of(explorer, 2).shape == (7, 7) and c["step"].max == 48
    assert explorer.image.value != png
    c["stride"].value = 2
    assert _map_of(explorer, 2).shape == (4, 4) and c["step"].max == 15
    c["step"].value = 5
    assert np.isfinite(_map_of(explorer, 2)).sum() == 6  # filled up to the window's cell
    c["kernel"].value = "blur 5x5"
    assert _map_of(explorer, 1).shape == (5, 5) and c["step"].max == 8
    c["image"].value = "cat 24x36"
    assert _map_of(explorer, 0).shape == (26, 38)


def test_convolution_explorer_clamps_the_window_when_the_map_shrinks() -> None:
    explorer = widgets.convolution_explorer()
    explorer.controls["step"].value = 24
    explorer.controls["stride"].value = 3
    assert explorer.controls["step"].value == explorer.controls["step"].max == 3


def test_pooling_explorer_switches_mode_size_and_map() -> None:
    explorer = widgets.pooling_explorer()
    c = explorer.controls
    np.testing.assert_allclose(_map_of(explorer, 1), [[2, 2], [3, 2]])
    c["mode"].value = "average"
    np.testing.assert_allclose(_map_of(explorer, 1), [[1.5, 1], [1.5, 2]])
    c["stride"].value = 1
    assert _map_of(explorer, 1).shape == (4, 4)
    c["size"].value = 3
    assert _map_of(explorer, 1).shape == (3, 3)
    c["name"].value = "cat, vertical edges 46x70"
    assert _map_of(explorer, 0).shape == (46, 70) and _map_of(explorer, 1).shape == (44, 68)


def test_augmentation_explorer_redraws_for_each_kind_and_draw(photos) -> None:
    explorer = widgets.augmentation_explorer(*photos)
    c = explorer.controls
    before = _map_of(explorer, 1).copy()
    c["kind"].value = "rotating"
    rotated = _map_of(explorer, 1).copy()
    assert not np.array_equal(before, rotated)
    c["seed"].value = 4
    assert not np.array_equal(rotated, _map_of(explorer, 1))
    c["kind"].value = "synthetic (mix-up)"
    assert "cat" in explorer.figure.axes[1].get_title() and "dog" in explorer.figure.axes[1].get_title()
    png = explorer.image.value
    c["strength"].value = 1.0
    assert explorer.image.value != png


def test_dropout_explorer_rate_draw_and_inference() -> None:
    explorer = widgets.dropout_explorer()
    c = explorer.controls
    title = explorer.figure.axes[1].get_title()
    assert "rate 0.5" in title
    c["rate"].value = 0.8
    assert "rate 0.8" in explorer.figure.axes[1].get_title()
    c["seed"].value = 7
    c["training"].value = False
    assert "inference" in explorer.figure.axes[1].get_title()
    before, after = explorer.figure.axes[2].containers
    np.testing.assert_allclose([b.get_height() for b in before], [b.get_height() for b in after])


def test_saved_notebooks_keep_the_last_picture() -> None:
    explorer = widgets.pooling_explorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert bytes(explorer.image.value).startswith(b"\x89PNG")

"""Dropout pictures from real Keras masks (course_lib.recap.dropout)."""

from __future__ import annotations

import matplotlib
import numpy as np

from course_lib.recap import dropout

matplotlib.use("Agg")


def test_keras_dropout_is_inverted_dropout() -> None:
    out = dropout.keras_dropout(np.ones(50_000), 0.3, seed=1)
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(dropout.keras_dropout(np.ones(10), 0.3, training=False), np.ones(10))


def test_masks_keep_the_output_layer_and_a_unit_per_layer() -> None:
    for seed in range(10):
        kept = dropout.masks((4, 6, 6, 2), 0.9, seed)
        assert [m.shape for m in kept] == [(4,), (6,), (6,), (2,)]
        assert kept[-1].all() and all(m.any() for m in kept)
    assert not all(m.all() for m in dropout.masks((4, 6, 6, 2), 0.5, 0))


def test_show_dropout_crosses_the_dropped_units() -> None:
    kept = dropout.masks(dropout.LAYER_SIZES, 0.5, 3)
    fig = dropout.show_dropout(0.5, 3)
    dropped = sum(int((~m).sum()) for m in kept)
    units = sum(dropout.LAYER_SIZES)
    assert dropped and f"{dropped} units dropped" in fig.axes[1].get_title()
    assert len(fig.axes[0].collections) == units  # one circle per unit
    assert len(fig.axes[1].collections) == units + dropped  # and a cross per dropped unit
    assert len(fig.axes[0].lines) > len(fig.axes[1].lines)  # their connections are gone


def test_show_dropout_at_inference_drops_nothing() -> None:
    fig = dropout.show_dropout(0.5, 3, training=False, activations=True)
    assert len(fig.axes[0].lines) == len(fig.axes[1].lines)
    before, after = fig.axes[2].containers
    np.testing.assert_allclose([b.get_height() for b in before], [b.get_height() for b in after])


# --- the explorer ------------------------------------------------------------


def test_dropout_explorer_rate_draw_and_inference() -> None:
    explorer = dropout.dropout_explorer()
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

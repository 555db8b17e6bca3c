"""Convolution arithmetic (course_lib.recap.convolution): Keras-computed maps, pooling, pictures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from course_lib.recap import convolution
from helpers import map_of  # noqa: E402

matplotlib.use("Agg")


def _reference_conv(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    padded = np.pad(image.astype(float), padding)
    kh, kw = kernel.shape
    rows = range(0, padded.shape[0] - kh + 1, stride)
    cols = range(0, padded.shape[1] - kw + 1, stride)
    return np.array([[np.sum(padded[r : r + kh, c : c + kw] * kernel) for c in cols] for r in rows])


def test_lecture_example_matches_the_slide_but_for_its_typo() -> None:
    fmap = convolution.feature_map(convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL)
    assert fmap.shape == (5, 5)
    assert np.argwhere(fmap != convolution.SLIDE_FEATURE_MAP).tolist() == [[4, 2]]
    assert fmap[4, 2] == 2 and convolution.SLIDE_FEATURE_MAP[4, 2] == 1


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 0), (3, 0), (1, 1), (2, 2), (3, 1)])
def test_feature_map_is_cross_correlation_with_stride_and_padding(stride: int, padding: int) -> None:
    rng = np.random.default_rng(stride * 10 + padding)
    image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        convolution.feature_map(image, kernel, stride, padding),
        _reference_conv(image, kernel, stride, padding),
        atol=1e-5,
    )


def test_feature_map_of_a_kernel_larger_than_the_input_is_empty() -> None:
    assert convolution.feature_map(np.ones((2, 2)), np.ones((3, 3))).size == 0
    assert convolution.feature_map(np.ones((2, 2)), np.ones((3, 3)), padding=1).shape == (2, 2)


def test_zero_pad() -> None:
    padded = convolution.zero_pad(np.ones((2, 3)), 2)
    assert padded.shape == (6, 7) and padded.sum() == 6 and padded[2:4, 2:5].all()


@pytest.mark.parametrize("mode, reduce", [("max", np.max), ("average", np.mean)])
@pytest.mark.parametrize("size, stride", [(2, None), (3, 1), (2, 3)])
def test_pooled(mode: str, reduce, size: int, stride: int | None) -> None:
    x = np.random.default_rng(0).normal(size=(7, 8))
    step = stride or size
    expected = [
        [reduce(x[r : r + size, c : c + size]) for c in range(0, 8 - size + 1, step)]
        for r in range(0, 7 - size + 1, step)
    ]
    np.testing.assert_allclose(convolution.pooled(x, size, stride, mode), expected, atol=1e-5)


def test_pooled_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        convolution.pooled(np.ones((4, 4)), mode="min")


def test_window_origin_moves_by_the_stride_row_by_row() -> None:
    assert [convolution.window_origin(step, 3, 2) for step in range(4)] == [(0, 0), (0, 2), (0, 4), (2, 0)]


def test_cat_image_is_grayscale_in_0_1() -> None:
    cat = convolution.cat_image((12, 18))
    assert cat.shape == (12, 18) and 0 <= cat.min() < cat.max() <= 1


def test_show_convolution_outlines_the_window_and_fills_the_map_up_to_it() -> None:
    fig = convolution.show_convolution(
        convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL, stride=2, padding=1, step=5
    )
    padded_ax, _, map_ax = fig.axes
    assert padded_ax.images[0].get_array().shape == (9, 9)
    window = [p for p in padded_ax.patches if p.get_edgecolor()[:3] == matplotlib.colors.to_rgb("tab:red")]
    assert [(p.get_x(), p.get_y(), p.get_width()) for p in window] == [(1.5, 1.5, 3)]  # row 2, column 2
    shown = np.ma.filled(map_ax.images[0].get_array(), np.nan)
    assert shown.shape == (4, 4) and np.isfinite(shown).sum() == 6
    assert "= 2" in fig.texts[0].get_text()


def test_show_convolution_says_when_there_is_no_output() -> None:
    fig = convolution.show_convolution(np.ones((2, 2)), np.ones((3, 3)))
    assert "no output" in fig.axes[2].get_title()


def test_show_pooling_draws_one_window_per_output() -> None:
    fmap = convolution.feature_map(convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL)
    fig = convolution.show_pooling(fmap, 2, mode="max")
    assert len(fig.axes[0].patches) == 4
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), [[2, 2], [3, 2]])


def test_show_feature_maps_one_panel_per_kernel() -> None:
    fig = convolution.show_feature_maps(convolution.cat_image((20, 30)), dict(list(convolution.KERNELS.items())[:3]))
    assert len(fig.axes) == 4
    assert [ax.images[0].get_array().shape for ax in fig.axes[1:]] == [(18, 28)] * 3


# --- the explorer ------------------------------------------------------------


def test_convolution_explorer_follows_stride_padding_window_and_kernel() -> None:
    explorer = convolution.convolution_explorer()
    c = explorer.controls
    assert map_of(explorer, 2).shape == (5, 5) and c["step"].max == 24
    png = explorer.image.value
    c["padding"].value = 1
    assert map_of(explorer, 0).shape == (9, 9)  # the padded input
    assert map_of(explorer, 2).shape == (7, 7) and c["step"].max == 48
    assert explorer.image.value != png
    c["stride"].value = 2
    assert map_of(explorer, 2).shape == (4, 4) and c["step"].max == 15
    c["step"].value = 5
    assert np.isfinite(map_of(explorer, 2)).sum() == 6  # filled up to the window's cell
    c["kernel"].value = "blur 5x5"
    assert map_of(explorer, 1).shape == (5, 5) and c["step"].max == 8
    c["image"].value = "cat 24x36"
    assert map_of(explorer, 0).shape == (26, 38)


def test_convolution_explorer_clamps_the_window_when_the_map_shrinks() -> None:
    explorer = convolution.convolution_explorer()
    explorer.controls["step"].value = 24
    explorer.controls["stride"].value = 3
    assert explorer.controls["step"].value == explorer.controls["step"].max == 3


def test_pooling_explorer_switches_mode_size_and_map() -> None:
    explorer = convolution.pooling_explorer()
    c = explorer.controls
    np.testing.assert_allclose(map_of(explorer, 1), [[2, 2], [3, 2]])
    c["mode"].value = "average"
    np.testing.assert_allclose(map_of(explorer, 1), [[1.5, 1], [1.5, 2]])
    c["stride"].value = 1
    assert map_of(explorer, 1).shape == (4, 4)
    c["size"].value = 3
    assert map_of(explorer, 1).shape == (3, 3)
    c["name"].value = "cat, vertical edges 46x70"
    assert map_of(explorer, 0).shape == (46, 70) and map_of(explorer, 1).shape == (44, 68)

"""Tests for course_lib.visualizing.filters: filter patterns by gradient ascent, and the filter explorer (5.4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.recap import models
from course_lib.visualizing import filters
from helpers import control, shown


def test_deprocess_makes_viewable_images():
    raw = np.random.default_rng(0).normal(100, 30, (2, 8, 8, 3))
    raw[1] *= 50
    out = filters.deprocess(raw)
    assert out.dtype == np.uint8 and out.shape == raw.shape
    assert abs(out[0].mean() - 127.5) < 3 and abs(out[1].mean() - 127.5) < 3, "each image centred on grey"


def test_gradient_ascent_raises_the_filter_score(imagenet_model):
    fv = filters.FilterVisualizer(imagenet_model, "block2a_expand_bn")
    assert fv.channels == 96
    _, before = fv.ascend([3, 10], size=48, steps=0 + 1, step_size=0.0)
    images, after = fv.ascend([3, 10], size=48, steps=8)
    assert images.shape == (2, 48, 48, 3)
    assert (after > before + 1).all(), f"gradient ascent should raise the scores: {before} -> {after}"
    patterns = fv.patterns([3], size=48, steps=2)
    assert patterns.shape == (1, 48, 48, 3) and patterns.dtype == np.uint8
    with pytest.raises(ValueError, match="0..95"):
        fv.ascend([96])


def test_filter_visualizer_on_a_fixed_size_sequential_model():
    fv = filters.FilterVisualizer(models.lecture_convnet(64), "conv2")
    images, _ = fv.ascend([0, 1, 2], size=999, steps=2)
    assert images.shape == (3, 64, 64, 3), "a fixed-size model sets the image size"


def test_show_patterns_titles_each_pattern_by_its_filter():
    patterns = np.stack([np.full((8, 8, 3), value, "uint8") for value in (0, 120, 250)])
    fig = filters.show_patterns(patterns, [0, 5, 9], "layer")
    drawn = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in drawn] == ["filter 0", "filter 5", "filter 9"]
    assert [int(np.asarray(ax.get_images()[0].get_array()).mean()) for ax in drawn] == [0, 120, 250]
    assert fig._suptitle.get_text() == "layer"
    plt.close(fig)


def test_filter_explorer():
    model = models.lecture_convnet(48)
    widget = filters.filter_explorer(model, ["conv1", "conv2"], steps=2)
    first = shown(widget)
    control(widget, "filter").value = 3
    assert shown(widget) != first
    control(widget, "layer").value = "conv2"
    assert control(widget, "filter").max == 63

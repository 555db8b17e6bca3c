"""Tests for course_lib.visualizing.activations: feature maps, their grid, and the activation explorer (5.4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.backend import keras
from course_lib.recap import models
from course_lib.visualizing import activations
from helpers import control, shown


def test_outputs_always_gives_a_list_of_arrays(tiny_classifier):
    x = np.random.default_rng(0).random((5, 6, 8, 3)).astype("float32")
    both = keras.Model(tiny_classifier.inputs, [tiny_classifier.get_layer("conv").output, tiny_classifier.output])
    maps, probabilities = activations.outputs(both, x, batch_size=2)
    assert maps.shape == (5, 6, 8, 3) and probabilities.shape == (5, 4)
    np.testing.assert_allclose(probabilities, tiny_classifier.predict(x, verbose=0), rtol=1e-5)
    (single,) = activations.outputs(tiny_classifier, x)
    assert isinstance(single, np.ndarray) and single.shape == (5, 4)
    (p_dog,) = activations.outputs(
        models.lecture_convnet(48), x[:2, :, :6].repeat(8, axis=1).repeat(8, axis=2)[:, :48, :48]
    )
    assert p_dog.shape == (2, 1), "an uncalled Sequential model works too"


def test_activations_by_layer_name():
    model = models.lecture_convnet(48)
    images = np.random.default_rng(0).uniform(0, 255, (3, 48, 48, 3))
    found = activations.activations(model, ["pool1", "conv1"], images)
    assert list(found) == ["pool1", "conv1"]
    assert found["conv1"].shape == (3, 46, 46, 32) and found["pool1"].shape == (3, 23, 23, 32)
    np.testing.assert_allclose(found["pool1"], activations.activations(model, ["pool1"], images)["pool1"], rtol=1e-6)


def test_conv_and_pool_layers_of_the_lecture_convnet():
    model = models.lecture_convnet(150)
    expected = ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "conv4", "pool4"]
    assert activations.conv_and_pool_layers(model) == expected


def test_channel_grid_scales_each_channel_and_leaves_gaps():
    maps = np.zeros((2, 3, 5), "float32")
    maps[..., 0] = [[1, 2, 3], [4, 5, 6]]
    maps[..., 1] = -7.0  # constant: a channel that never fired
    maps[..., 2] = [[0, 0, 0], [0, 0, 10]]
    grid = activations.channel_grid(maps, cols=2)
    assert grid.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_allclose(grid[0:2, 0:3], [[0, 0.2, 0.4], [0.6, 0.8, 1.0]])
    np.testing.assert_array_equal(grid[0:2, 4:7], 0)
    np.testing.assert_allclose(grid[3:5, 0:3], [[0, 0, 0], [0, 0, 1]])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all(), "1-pixel gaps between channels"
    assert np.isnan(grid[6:8, 4:7]).all(), "cells after the last channel stay empty"
    assert activations.channel_grid(maps, cols=16, max_channels=2).shape == (2, 7)
    with pytest.raises(ValueError, match="height, width, channels"):
        activations.channel_grid(maps[np.newaxis])


def test_show_channel_grid_draws_the_channels_it_says():
    maps = np.random.default_rng(0).random((7, 7, 40))
    fig = activations.show_channel_grid(maps, "conv4", max_channels=32)
    (ax,) = fig.axes
    assert ax.get_title() == "conv4: 32 of 40 channels of 7x7"
    grid = np.ma.filled(ax.get_images()[0].get_array(), np.nan)
    assert grid.shape == (2 * 8 - 1, 16 * 8 - 1), "two rows of sixteen 7x7 channels, 1-pixel gaps between"
    np.testing.assert_array_equal(grid, activations.channel_grid(maps, cols=16, max_channels=32))
    plt.close(fig)


def test_activation_explorer():
    rng = np.random.default_rng(0)
    images = {"one": rng.integers(0, 255, (16, 16, 3)), "two": rng.integers(0, 255, (16, 16, 3))}
    maps = {"conv1": rng.random((2, 14, 14, 8)), "pool1": rng.random((2, 7, 7, 20))}
    widget = activations.activation_explorer(images, maps)
    first = shown(widget)
    assert first.startswith(b"\x89PNG")
    assert "image/png" in widget._repr_mimebundle_(), "a saved notebook keeps the picture"
    control(widget, "channel").value = 5
    assert shown(widget) != first
    layer = control(widget, "layer")
    layer.value = "pool1"
    assert control(widget, "channel").max == 19, "the channel slider follows the layer"
    after_layer = shown(widget)
    control(widget, "image").value = "two"
    assert shown(widget) != after_layer
    with pytest.raises(ValueError, match="2, height, width, channels"):
        activations.activation_explorer(images, {"conv1": rng.random((3, 4, 4, 2))})

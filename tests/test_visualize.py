"""Tests for course_lib.visualize and the chapter-3 widgets (book chapter 5.4)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import data, models, pretrained, visualize, widgets  # noqa: E402
from course_lib.backend import keras  # noqa: E402

# Chelsea's head, ears to chin, drawn by hand on the 300x451 photo: (top, left, bottom, right).
CHELSEA_HEAD = (0, 30, 280, 380)
CAT_CLASSES = {"tabby", "tiger cat", "Egyptian cat"}


@pytest.fixture(scope="module")
def imagenet_model() -> keras.Model:
    """EfficientNet-Lite0 giving logits, for any image size."""
    return pretrained.efficientnet_lite0(image_size=None, classifier_activation=None)


@pytest.fixture(scope="module")
def tiny_classifier() -> keras.Model:
    """conv (linear, 3 channels) -> global average pooling -> dense (4 classes)."""
    inputs = keras.Input((6, 8, 3))
    features = keras.layers.Conv2D(3, 3, padding="same", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    logits = keras.layers.Dense(4, activation="softmax", name="dense")(pooled)
    return keras.Model(inputs, logits)


def figures_closed(fn):
    """Call fn, check it returns a figure, close it."""
    fig = fn()
    assert isinstance(fig, plt.Figure)
    plt.close(fig)


# --- activations --------------------------------------------------------------------------


def test_outputs_always_gives_a_list_of_arrays(tiny_classifier):
    x = np.random.default_rng(0).random((5, 6, 8, 3)).astype("float32")
    both = keras.Model(tiny_classifier.inputs, [tiny_classifier.get_layer("conv").output, tiny_classifier.output])
    maps, probabilities = visualize.outputs(both, x, batch_size=2)
    assert maps.shape == (5, 6, 8, 3) and probabilities.shape == (5, 4)
    np.testing.assert_allclose(probabilities, tiny_classifier.predict(x, verbose=0), rtol=1e-5)
    (single,) = visualize.outputs(tiny_classifier, x)
    assert isinstance(single, np.ndarray) and single.shape == (5, 4)
    (p_dog,) = visualize.outputs(models.lecture_convnet(48), x[:2, :, :6].repeat(8, axis=1).repeat(8, axis=2)[:, :48, :48])
    assert p_dog.shape == (2, 1), "an uncalled Sequential model works too"


def test_activations_by_layer_name():
    model = models.lecture_convnet(48)
    images = np.random.default_rng(0).uniform(0, 255, (3, 48, 48, 3))
    found = visualize.activations(model, ["pool1", "conv1"], images)
    assert list(found) == ["pool1", "conv1"]
    assert found["conv1"].shape == (3, 46, 46, 32) and found["pool1"].shape == (3, 23, 23, 32)
    np.testing.assert_allclose(found["pool1"], visualize.activations(model, ["pool1"], images)["pool1"], rtol=1e-6)


def test_conv_and_pool_layers_of_the_lecture_convnet():
    model = models.lecture_convnet(150)
    expected = ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "conv4", "pool4"]
    assert visualize.conv_and_pool_layers(model) == expected


def test_channel_grid_scales_each_channel_and_leaves_gaps():
    maps = np.zeros((2, 3, 5), "float32")
    maps[..., 0] = [[1, 2, 3], [4, 5, 6]]
    maps[..., 1] = -7.0  # constant: a channel that never fired
    maps[..., 2] = [[0, 0, 0], [0, 0, 10]]
    grid = visualize.channel_grid(maps, cols=2)
    assert grid.shape == (3 * 3 - 1, 2 * 4 - 1)
    np.testing.assert_allclose(grid[0:2, 0:3], [[0, 0.2, 0.4], [0.6, 0.8, 1.0]])
    np.testing.assert_array_equal(grid[0:2, 4:7], 0)
    np.testing.assert_allclose(grid[3:5, 0:3], [[0, 0, 0], [0, 0, 1]])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all(), "1-pixel gaps between channels"
    assert np.isnan(grid[6:8, 4:7]).all(), "cells after the last channel stay empty"
    assert visualize.channel_grid(maps, cols=16, max_channels=2).shape == (2, 7)
    with pytest.raises(ValueError, match="height, width, channels"):
        visualize.channel_grid(maps[np.newaxis])


def test_show_channel_grid():
    figures_closed(lambda: visualize.show_channel_grid(np.random.rand(7, 7, 40), "conv4", max_channels=32))


# --- filters ------------------------------------------------------------------------------


def test_deprocess_makes_viewable_images():
    raw = np.random.default_rng(0).normal(100, 30, (2, 8, 8, 3))
    raw[1] *= 50
    out = visualize.deprocess(raw)
    assert out.dtype == np.uint8 and out.shape == raw.shape
    assert abs(out[0].mean() - 127.5) < 3 and abs(out[1].mean() - 127.5) < 3, "each image centred on grey"


def test_gradient_ascent_raises_the_filter_score(imagenet_model):
    fv = visualize.FilterVisualizer(imagenet_model, "block2a_expand_bn")
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
    fv = visualize.FilterVisualizer(models.lecture_convnet(64), "conv2")
    images, _ = fv.ascend([0, 1, 2], size=999, steps=2)
    assert images.shape == (3, 64, 64, 3), "a fixed-size model sets the image size"


def test_show_patterns():
    figures_closed(lambda: visualize.show_patterns(np.zeros((3, 8, 8, 3), "uint8"), [0, 5, 9], "layer"))


# --- Grad-CAM -----------------------------------------------------------------------------


def test_grad_cam_matches_a_hand_computation(tiny_classifier):
    """For conv -> global average pooling -> dense, d logit_c / d A_k(i, j) = W[k, c] / (h w)."""
    image = np.random.default_rng(1).uniform(0, 255, (6, 8, 3)).astype("float32")
    features = keras.Model(tiny_classifier.inputs[0], tiny_classifier.get_layer("conv").output).predict(image[None], verbose=0)[0]
    kernel = tiny_classifier.get_layer("dense").kernel.numpy()
    cam = visualize.GradCam(tiny_classifier, "conv")
    for c in range(4):
        expected = np.maximum((features * kernel[:, c] / 48).sum(axis=-1), 0)
        expected = expected / expected.max() if expected.max() > 0 else expected
        np.testing.assert_allclose(cam(image, c), expected, atol=1e-5)
    heatmaps, scores = cam.batch(np.stack([image, image * 0.5]), 2)
    assert heatmaps.shape == (2, 6, 8) and scores.shape == (2,)
    with pytest.raises(ValueError, match="0..3"):
        cam(image, 4)


def test_grad_cam_of_a_sigmoid_model_has_two_opposite_classes():
    model = models.lecture_convnet(64, augmentation=models.augmentation(seed=0))
    cam = visualize.GradCam(model, "conv3")
    image = np.random.default_rng(2).uniform(0, 255, (64, 64, 3))
    dog, dog_score = cam.batch(image[None], 1)
    cat, cat_score = cam.batch(image[None], 0)
    assert dog.shape == (1, 12, 12) and 0 <= dog.min() and dog.max() <= 1
    np.testing.assert_allclose(cat_score, -dog_score, rtol=1e-5)
    assert not np.allclose(dog, cat), "the two classes should look at different evidence"
    with pytest.raises(ValueError, match="Dense"):
        visualize.GradCam(keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3)]), "conv2d")


def test_grad_cam_peaks_on_chelseas_head(imagenet_model):
    photo = data.sample_image("chelsea")
    cam = visualize.GradCam(imagenet_model, "top_activation")
    image = data.sample_image("chelsea", 224)
    _, logits = cam.logits(image[np.newaxis].astype("float32"))
    top = int(np.argmax(keras.ops.convert_to_numpy(logits)))
    assert pretrained.imagenet_class_names()[top] in CAT_CLASSES
    heatmap = cam(image, top)
    row, col = visualize.peak(heatmap, photo.shape[:2])
    top_, left, bottom, right = CHELSEA_HEAD
    assert top_ <= row <= bottom and left <= col <= right, f"peak at (row {row:.0f}, column {col:.0f}) is off the head {CHELSEA_HEAD}"
    big = visualize.resize(heatmap, photo.shape[:2])
    inside = np.zeros(photo.shape[:2], bool)
    inside[top_:bottom, left:right] = True
    assert big[inside].mean() > 1.5 * big[~inside].mean(), "the heat should lie on the head"


def test_overlay_resize_and_peak():
    image = np.full((20, 30, 3), 100, "uint8")
    heatmap = np.zeros((2, 3))
    heatmap[1, 2] = 1.0
    out = visualize.overlay(image, heatmap, alpha=0.5)
    assert out.shape == image.shape and out.dtype == np.uint8
    jet = matplotlib.colormaps["jet"]
    np.testing.assert_allclose(out[0, 0], 0.5 * 100 + 0.5 * np.array(jet(0.0)[:3]) * 255, atol=1)
    np.testing.assert_allclose(out[-1, -1], 0.5 * 100 + 0.5 * np.array(jet(1.0)[:3]) * 255, atol=1)
    assert visualize.resize(heatmap, (20, 30)).shape == (20, 30)
    assert visualize.resize(image, (10, 15)).shape == (10, 15, 3)
    assert visualize.peak(heatmap) == (1.0, 2.0)
    assert visualize.peak(heatmap, (20, 30)) == (15.0, 25.0)


def test_side_by_side():
    left = np.zeros((300, 451, 3), "uint8")
    right = np.full((200, 150, 3), 255, "uint8")
    both = visualize.side_by_side(left, right, size=224)
    assert both.shape == (224, 448, 3) and both.dtype == np.uint8
    assert both[:, :224].max() == 0 and both[:, 224:].min() == 255


def test_figures():
    image = np.zeros((30, 40, 3), "uint8")
    figures_closed(lambda: visualize.show_grad_cams([image, image], [np.eye(3), np.ones((3, 3))], ["a", "b"]))
    figures_closed(lambda: visualize.show_occlusion_vs_grad_cam(image, np.random.randn(4, 5), np.eye(3)))


def test_median_seconds():
    calls = []
    assert visualize.median_seconds(lambda: calls.append(1), repeats=3, warmup=2) >= 0
    assert len(calls) == 5


# --- widgets ------------------------------------------------------------------------------


def control(widget: widgets.FigureExplorer, description: str):
    """The control of an explorer with this description."""
    (found,) = [c for c in widget.controls.values() if c.description == description]
    return found


def shown(widget: widgets.FigureExplorer) -> bytes:
    """The PNG the explorer displays."""
    return bytes(widget.image.value)


def test_activation_explorer():
    rng = np.random.default_rng(0)
    images = {"one": rng.integers(0, 255, (16, 16, 3)), "two": rng.integers(0, 255, (16, 16, 3))}
    activations = {"conv1": rng.random((2, 14, 14, 8)), "pool1": rng.random((2, 7, 7, 20))}
    widget = widgets.activation_explorer(images, activations)
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
        widgets.activation_explorer(images, {"conv1": rng.random((3, 4, 4, 2))})


def test_filter_explorer():
    model = models.lecture_convnet(48)
    widget = widgets.filter_explorer(model, ["conv1", "conv2"], steps=2)
    first = shown(widget)
    control(widget, "filter").value = 3
    assert shown(widget) != first
    control(widget, "layer").value = "conv2"
    assert control(widget, "filter").max == 63


def test_grad_cam_explorer(tiny_classifier):
    rng = np.random.default_rng(3)
    images = {"a": rng.uniform(0, 255, (12, 16, 3)), "b": rng.uniform(0, 255, (6, 8, 3))}
    widget = widgets.grad_cam_explorer(tiny_classifier, images, ["conv"], class_names=["w", "x", "y", "z"], top=3)
    classes = control(widget, "class")
    assert len(classes.options) == 3 and all(label[0] in "wxyz" for label, _ in classes.options)
    first = shown(widget)
    classes.value = classes.options[1][1]
    assert shown(widget) != first
    second = shown(widget)
    control(widget, "image").value = "b"
    assert shown(widget) != second


def test_grad_cam_explorer_on_a_cats_vs_dogs_model():
    model = models.lecture_convnet(48)
    widget = widgets.grad_cam_explorer(model, {"noise": np.random.default_rng(4).uniform(0, 255, (48, 48, 3))}, ["conv2", "conv3"])
    assert sorted(label.split()[0] for label, _ in control(widget, "class").options) == ["cat", "dog"]
    first = shown(widget)
    control(widget, "layer").value = "conv3"
    assert shown(widget) != first


def test_grad_cam_of_a_mixed_precision_model_matches_float32():
    exact = models.lecture_convnet(48, mixed_precision=False)
    mixed = models.lecture_convnet(48, mixed_precision=True)
    mixed.set_weights(exact.get_weights())
    image = np.random.default_rng(5).uniform(0, 255, (48, 48, 3))
    for class_index in (0, 1):
        want = visualize.GradCam(exact, "conv2")(image, class_index)
        got = visualize.GradCam(mixed, "conv2")(image, class_index)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).mean() < 0.05, f"class {class_index}: bfloat16 heatmap far from float32"
    maps = visualize.activations(mixed, ["conv1", "pool2"], image[None])
    assert [m.dtype for m in maps.values()] == [np.float32, np.float32]

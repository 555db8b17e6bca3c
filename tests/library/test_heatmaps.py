"""Tests for course_lib.visualizing.heatmaps: Grad-CAM, overlays, occlusion beside Grad-CAM, and the
Grad-CAM explorer (5.4)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.backend import keras
from course_lib.photos import data
from course_lib.pretrained import bases
from course_lib.recap import models
from course_lib.visualizing import activations, heatmaps
from helpers import control, figures_closed, shown

# Chelsea's head, ears to chin, drawn by hand on the 300x451 photo: (top, left, bottom, right).
CHELSEA_HEAD = (0, 30, 280, 380)


CAT_CLASSES = {"tabby", "tiger cat", "Egyptian cat"}


def test_grad_cam_matches_a_hand_computation(tiny_classifier):
    """For conv -> global average pooling -> dense, d logit_c / d A_k(i, j) = W[k, c] / (h w)."""
    image = np.random.default_rng(1).uniform(0, 255, (6, 8, 3)).astype("float32")
    features = keras.Model(tiny_classifier.inputs[0], tiny_classifier.get_layer("conv").output).predict(
        image[None], verbose=0
    )[0]
    kernel = tiny_classifier.get_layer("dense").kernel.numpy()
    cam = heatmaps.GradCam(tiny_classifier, "conv")
    for c in range(4):
        expected = np.maximum((features * kernel[:, c] / 48).sum(axis=-1), 0)
        expected = expected / expected.max() if expected.max() > 0 else expected
        np.testing.assert_allclose(cam(image, c), expected, atol=1e-5)
    maps, scores = cam.batch(np.stack([image, image * 0.5]), 2)
    assert maps.shape == (2, 6, 8) and scores.shape == (2,)
    with pytest.raises(ValueError, match="0..3"):
        cam(image, 4)


def test_grad_cam_of_a_sigmoid_model_has_two_opposite_classes():
    model = models.lecture_convnet(64, augmentation=models.augmentation(seed=0))
    cam = heatmaps.GradCam(model, "conv3")
    image = np.random.default_rng(2).uniform(0, 255, (64, 64, 3))
    dog, dog_score = cam.batch(image[None], 1)
    cat, cat_score = cam.batch(image[None], 0)
    assert dog.shape == (1, 12, 12) and 0 <= dog.min() and dog.max() <= 1
    np.testing.assert_allclose(cat_score, -dog_score, rtol=1e-5)
    assert not np.allclose(dog, cat), "the two classes should look at different evidence"
    with pytest.raises(ValueError, match="Dense"):
        heatmaps.GradCam(keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3)]), "conv2d")


def test_the_score_a_map_explains_is_a_small_target(tiny_classifier):
    """As in pytorch-grad-cam: a target other than the class logit (here the sum of two
    classes' logits) gives the map of that score, through the same passes."""
    image = np.random.default_rng(3).uniform(0, 255, (6, 8, 3)).astype("float32")

    def two_classes(logits, class_index):
        return heatmaps.class_logit(logits, class_index) + heatmaps.class_logit(logits, 3)

    both = heatmaps.GradCam(tiny_classifier, "conv", compile=False, target=two_classes)
    _, scores = both.batch(image[None], 1)
    _, one = heatmaps.GradCam(tiny_classifier, "conv").batch(image[None], 1)
    _, three = heatmaps.GradCam(tiny_classifier, "conv").batch(image[None], 3)
    np.testing.assert_allclose(scores, one + three, rtol=1e-5)
    features = keras.Model(tiny_classifier.inputs[0], tiny_classifier.get_layer("conv").output).predict(
        image[None], verbose=0
    )[0]
    kernel = tiny_classifier.get_layer("dense").kernel.numpy()
    expected = np.maximum((features * (kernel[:, 1] + kernel[:, 3]) / 48).sum(axis=-1), 0)
    np.testing.assert_allclose(both(image, 1), expected / expected.max(), atol=1e-5)


def test_grad_cam_peaks_on_chelseas_head(imagenet_model):
    photo = data.sample_image("chelsea")
    cam = heatmaps.GradCam(imagenet_model, "top_activation")
    image = data.sample_image("chelsea", 224)
    _, logits = cam.logits(image[np.newaxis].astype("float32"))
    top = int(np.argmax(keras.ops.convert_to_numpy(logits)))
    assert bases.imagenet_class_names()[top] in CAT_CLASSES
    heatmap = cam(image, top)
    row, col = heatmaps.peak(heatmap, photo.shape[:2])
    top_, left, bottom, right = CHELSEA_HEAD
    assert top_ <= row <= bottom and left <= col <= right, (
        f"peak at (row {row:.0f}, column {col:.0f}) is off the head {CHELSEA_HEAD}"
    )
    big = heatmaps.resize(heatmap, photo.shape[:2])
    inside = np.zeros(photo.shape[:2], bool)
    inside[top_:bottom, left:right] = True
    assert big[inside].mean() > 1.5 * big[~inside].mean(), "the heat should lie on the head"


def test_overlay_resize_and_peak():
    image = np.full((20, 30, 3), 100, "uint8")
    heatmap = np.zeros((2, 3))
    heatmap[1, 2] = 1.0
    out = heatmaps.overlay(image, heatmap, alpha=0.5)
    assert out.shape == image.shape and out.dtype == np.uint8
    cmap = matplotlib.colormaps[heatmaps.HEATMAP_CMAP]
    np.testing.assert_allclose(out[0, 0], 0.5 * 100 + 0.5 * np.array(cmap(0.0)[:3]) * 255, atol=1)
    np.testing.assert_allclose(out[-1, -1], 0.5 * 100 + 0.5 * np.array(cmap(1.0)[:3]) * 255, atol=1)
    assert heatmaps.resize(heatmap, (20, 30)).shape == (20, 30)
    assert heatmaps.resize(image, (10, 15)).shape == (10, 15, 3)
    assert heatmaps.peak(heatmap) == (1.0, 2.0)
    assert heatmaps.peak(heatmap, (20, 30)) == (15.0, 25.0)


def test_side_by_side():
    left = np.zeros((300, 451, 3), "uint8")
    right = np.full((200, 150, 3), 255, "uint8")
    both = heatmaps.side_by_side(left, right, size=224)
    assert both.shape == (224, 448, 3) and both.dtype == np.uint8
    assert both[:, :224].max() == 0 and both[:, 224:].min() == 255


def test_the_grad_cam_figure_shows_each_map_over_its_photo_where_it_peaks():
    image = np.zeros((30, 40, 3), "uint8")
    peak = np.zeros((3, 4))
    peak[2, 3] = 1.0  # bottom right
    fig = heatmaps.show_grad_cams([image, image], [peak, np.ones((3, 3))], ["a", "b"])
    photo, raw, over = fig.axes[0], fig.axes[1], fig.axes[2]
    assert photo.get_title() == "a" and raw.get_title() == "heatmap (3x4)"
    shown = raw.get_images()[0]
    assert shown.get_extent() == [0, 40, 30, 0], "stretched over the photo's own coordinates"
    assert shown.get_clim() == (0, 1) and shown.get_cmap().name == heatmaps.HEATMAP_CMAP
    laid = np.asarray(over.get_images()[0].get_array())
    assert laid.shape == (30, 40, 3)
    brightest = np.unravel_index(laid.sum(axis=-1).argmax(), laid.shape[:2])
    assert brightest[0] >= 20 and brightest[1] >= 30, f"the overlay peaks bottom right, not at {brightest}"
    plt.close(fig)


def test_the_occlusion_figure_puts_both_maps_over_the_photo():
    image = np.full((30, 40, 3), 100, "uint8")
    drops = np.zeros((4, 5))
    drops[0, 0] = 0.3  # hiding the top left costs the score most
    fig = heatmaps.show_occlusion_vs_grad_cam(image, drops, np.eye(3))
    assert [ax.get_title() for ax in fig.axes] == ["photo", "occlusion: score drop (4x5 patches)", "Grad-CAM (3x3)"]
    occlusion = np.asarray(fig.axes[1].get_images()[0].get_array()).astype(int)
    assert np.abs(occlusion[:6, :6] - 100).sum() > np.abs(occlusion[-6:, -6:] - 100).sum(), "its peak, top left"
    plt.close(fig)


def test_grad_cam_explorer(tiny_classifier):
    rng = np.random.default_rng(3)
    images = {"a": rng.uniform(0, 255, (12, 16, 3)), "b": rng.uniform(0, 255, (6, 8, 3))}
    widget = heatmaps.grad_cam_explorer(tiny_classifier, images, ["conv"], class_names=["w", "x", "y", "z"], top=3)
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
    widget = heatmaps.grad_cam_explorer(
        model, {"noise": np.random.default_rng(4).uniform(0, 255, (48, 48, 3))}, ["conv2", "conv3"]
    )
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
        want = heatmaps.GradCam(exact, "conv2")(image, class_index)
        got = heatmaps.GradCam(mixed, "conv2")(image, class_index)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).mean() < 0.05, f"class {class_index}: bfloat16 heatmap far from float32"
    maps = activations.activations(mixed, ["conv1", "pool2"], image[None])
    assert [m.dtype for m in maps.values()] == [np.float32, np.float32]


# --- beyond the book: Grad-CAM++, Eigen-CAM, occlusion, side by side ------------------


def _features_and_gradients(model, layer, image, c):
    """The layer's maps and d logit_c / d maps for conv -> GAP -> dense: W[k, c] / (h w)."""
    features = keras.Model(model.inputs[0], model.get_layer(layer).output).predict(image[None], verbose=0)[0]
    kernel = model.get_layer("dense").kernel.numpy()
    return features, np.broadcast_to(kernel[:, c] / (features.shape[0] * features.shape[1]), features.shape)


def _relu_scaled(cam):
    cam = np.maximum(cam, 0)
    return cam / cam.max() if cam.max() > 0 else cam


def test_grad_cam_plus_plus_matches_the_papers_formula(tiny_classifier):
    image = np.random.default_rng(6).uniform(0, 255, (6, 8, 3)).astype("float32")
    cam = heatmaps.GradCamPlusPlus(tiny_classifier, "conv")
    for c in range(4):
        a, g = _features_and_gradients(tiny_classifier, "conv", image, c)
        denominator = 2 * g**2 + a.sum(axis=(0, 1)) * g**3
        alpha = g**2 / np.where(denominator != 0, denominator, 1)
        weights = (alpha * np.maximum(g, 0)).sum(axis=(0, 1))
        np.testing.assert_allclose(cam(image, c), _relu_scaled((a * weights).sum(-1)), atol=1e-4)


def test_grad_cam_plus_plus_weights_on_a_case_worked_by_hand():
    """Chattopadhay et al. (2018), eq. 19 with the exponential score: alpha = g^2 / (2 g^2 +
    sum(A) g^3), w = sum(alpha relu(g)). Channel 0: g = 0.5 everywhere, sum(A) = 4, so alpha
    = 0.25 / (0.5 + 0.5) = 0.25 and w = 4 x 0.25 x 0.5 = 0.5. Channel 1: sum(A) = 4; where
    g = 1, alpha = 1 / 6; where g = -1 the ReLU drops it; where g = 0, alpha = 0: w = 1/3."""
    features = np.zeros((1, 2, 2, 2), "float32")
    features[0, :, :, 0] = [[1, 0], [0, 3]]
    features[0, :, :, 1] = [[2, 0], [1, 1]]
    gradients = np.zeros((1, 2, 2, 2), "float32")
    gradients[0, :, :, 0] = 0.5
    gradients[0, :, :, 1] = [[1, -1], [0, 1]]
    weights = heatmaps.GradCamPlusPlus.channel_weights(None, features, gradients)
    np.testing.assert_allclose(np.ravel(weights), [0.5, 1 / 3], rtol=1e-6)


def test_eigen_cam_is_the_first_principal_component_and_ignores_the_class(tiny_classifier):
    image = np.random.default_rng(7).uniform(0, 255, (6, 8, 3)).astype("float32")
    a, _ = _features_and_gradients(tiny_classifier, "conv", image, 0)
    flat = a.reshape(-1, 3)
    centred = flat - flat.mean(axis=0)
    projection = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
    if projection @ flat.mean(axis=1) < 0:
        projection = -projection
    cam = heatmaps.EigenCam(tiny_classifier, "conv")
    np.testing.assert_allclose(cam(image, 1), _relu_scaled(projection.reshape(6, 8)), atol=1e-4)
    np.testing.assert_allclose(cam(image, 3), cam(image, 1))


def test_occlusion_is_the_drop_of_the_score_under_each_patch():
    rng = np.random.default_rng(8)
    image, weights = rng.uniform(0, 255, (7, 9, 3)), rng.normal(size=(7, 9, 3))
    score = lambda batch: (np.asarray(batch) * weights).sum(axis=(1, 2, 3))  # noqa: E731
    drops = heatmaps.occlusion(score, image, 3, 2, fill=10.0)
    assert drops.shape == (3, 4)
    hidden = image.copy()
    hidden[2:5, 4:7] = 10.0
    np.testing.assert_allclose(drops[1, 2], score(image[None])[0] - score(hidden[None])[0], rtol=1e-5)
    assert heatmaps.occlusion_patch((224, 224)) == (32, 16)


def test_every_method_side_by_side(tiny_classifier):
    image = np.random.default_rng(9).uniform(0, 255, (6, 8, 3)).astype("float32")
    maps = heatmaps.explain(tiny_classifier, image, 2, "conv")
    assert list(maps) == ["Grad-CAM", "Grad-CAM++", "Eigen-CAM", "occlusion"]
    assert all(m.min() >= 0 and m.max() <= 1 + 1e-6 for m in maps.values())
    # the same map as Grad-CAM on its own, to float32 rounding (which can differ between two compiled calls)
    np.testing.assert_allclose(
        maps["Grad-CAM"], heatmaps.GradCam(tiny_classifier, "conv")(image, 2), rtol=1e-5, atol=1e-6
    )
    figures_closed(lambda: heatmaps.show_methods(image, maps, "noise"))


def test_the_explorer_switches_methods():
    images = {"a": np.random.default_rng(10).uniform(0, 255, (6, 8, 3))}
    inputs = keras.Input((6, 8, 3))
    rectified = keras.layers.Activation("relu", name="relu")(keras.layers.Conv2D(3, 3, padding="same")(inputs))
    model = keras.Model(
        inputs, keras.layers.Dense(4, activation="softmax")(keras.layers.GlobalAveragePooling2D()(rectified))
    )
    widget = heatmaps.grad_cam_explorer(model, images, ["relu"], class_names=list("wxyz"))
    method = control(widget, "method")
    assert list(method.options) == ["Grad-CAM", "Grad-CAM++", "Eigen-CAM", "occlusion"]
    seen = {shown(widget)}
    for name in method.options[1:]:
        method.value = name
        seen.add(shown(widget))
    assert len(seen) == 4, "each method should draw a picture of its own"


def test_the_explorer_offers_grad_cam_plus_plus_only_where_activations_are_never_negative():
    inputs = keras.Input((6, 8, 3))
    linear = keras.layers.Conv2D(3, 3, padding="same", name="linear")(inputs)
    rectified = keras.layers.ReLU(name="rectified")(linear)
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.BatchNormalization(name="norm")(rectified))
    model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(pooled))
    assert [heatmaps.never_negative(model, name) for name in ("linear", "rectified", "norm")] == [False, True, False]
    widget = heatmaps.grad_cam_explorer(
        model, {"a": np.random.default_rng(11).uniform(0, 255, (6, 8, 3))}, ["rectified", "norm", "linear"]
    )
    method, layer = control(widget, "method"), control(widget, "layer")
    method.value = "Grad-CAM++"
    layer.value = "norm"
    assert "Grad-CAM++" not in method.options and method.value == "Grad-CAM"
    layer.value = "rectified"
    assert "Grad-CAM++" in method.options
    method.value = "Eigen-CAM"
    layer.value = "linear"
    assert method.value == "Eigen-CAM", "another method stays chosen"


def test_heatmaps_use_a_perceptually_uniform_colour_map():
    assert heatmaps.HEATMAP_CMAP in {"viridis", "inferno", "magma", "plasma", "cividis"}
    colours = matplotlib.colormaps[heatmaps.HEATMAP_CMAP](np.linspace(0, 1, 64))[:, :3]
    lightness = colours @ [0.2126, 0.7152, 0.0722]  # luminance rises steadily from dark to bright
    assert np.all(np.diff(lightness) > 0)


def test_an_occlusion_map_as_a_heatmap_keeps_only_the_evidence_for_the_class():
    np.testing.assert_allclose(heatmaps.share_of_peak(np.array([[-2.0, 1.0], [4.0, 0.0]])), [[0, 0.25], [1, 0]])
    flat = heatmaps.share_of_peak(-np.ones((2, 3)))
    assert np.isfinite(flat).all() and not flat.any(), "nothing hidden lowered the score: all zeros, not NaN"

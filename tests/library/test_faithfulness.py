"""Tests for course_lib.faithfulness: deletion and insertion curves, their areas, the random
baseline, rank correlation and the model-randomisation check (beyond the book, 5.4)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import figures_closed

from course_lib import faithfulness, heatmaps
from course_lib.backend import keras

# A toy "model": the score is the mean brightness of the top-left 4x4 corner of an 8x8 image.
CORNER = np.zeros((8, 8))
CORNER[:4, :4] = 1.0


def corner_score(batch):
    return np.asarray(batch)[:, :4, :4, :].mean(axis=(1, 2, 3)) / 255


def test_deletion_starts_at_the_photos_score_and_ends_at_the_blurred_ones():
    image = np.random.default_rng(0).uniform(0, 255, (8, 8, 3))
    order = faithfulness.pixel_order(CORNER, (8, 8))
    fractions, scores = faithfulness.curve(corner_score, image, order, steps=4)
    np.testing.assert_allclose(fractions, [0, 0.25, 0.5, 0.75, 1])
    assert scores[0] == pytest.approx(corner_score(image[None])[0], rel=1e-5)
    assert scores[-1] == pytest.approx(corner_score(faithfulness.blurred(image)[None])[0], rel=1e-5)
    _, inserted = faithfulness.curve(corner_score, image, order, insertion=True, steps=4)
    assert inserted[0] == pytest.approx(scores[-1], rel=1e-5) and inserted[-1] == pytest.approx(scores[0], rel=1e-5)


def test_the_right_map_beats_a_random_order_and_the_wrong_one_loses():
    image = np.full((8, 8, 3), 30.0)
    image[:4, :4] = 250.0  # a bright corner that the score reads, on a dark photo
    table = faithfulness.areas(faithfulness.curves(corner_score, image, {"right": CORNER, "wrong": 1 - CORNER}, steps=8))
    assert table["right"]["deletion"] < table["random order"]["deletion"] < table["wrong"]["deletion"]
    assert table["right"]["insertion"] > table["random order"]["insertion"] > table["wrong"]["insertion"]


def test_area_is_the_trapezoid_rule():
    assert faithfulness.area([0, 0.5, 1], [1, 1, 1]) == pytest.approx(1.0)
    assert faithfulness.area([0, 1], [0, 1]) == pytest.approx(0.5)
    assert faithfulness.area(np.linspace(0, 1, 5), [1, 0.5, 0, 0, 0]) == pytest.approx(0.25)


def test_rank_correlation():
    a = np.arange(12.0).reshape(3, 4)
    assert faithfulness.rank_correlation(a, a**3) == pytest.approx(1.0)  # same order
    assert faithfulness.rank_correlation(a, -a) == pytest.approx(-1.0)
    assert faithfulness.rank_correlation(a, np.ones((3, 4))) == 0.0


def test_rank_correlation_with_ties_is_spearmans() -> None:
    stats = pytest.importorskip("scipy.stats")  # installed with scikit-image
    rng = np.random.default_rng(3)
    for _ in range(5):
        a = np.maximum(rng.normal(size=(6, 7)), 0)  # ReLU maps: many tied zeros
        b = np.maximum(a + rng.normal(0, 0.5, size=(6, 7)), 0)
        assert faithfulness.rank_correlation(a, b) == pytest.approx(stats.spearmanr(a.ravel(), b.ravel()).statistic, abs=1e-12)
    np.testing.assert_allclose(faithfulness.mean_ranks(np.array([0.0, 0.0, 0.0, 2.0, 1.0])), [1, 1, 1, 4, 3])


def test_random_orders_differ_by_seed_and_cover_every_pixel():
    first, again, other = (faithfulness.random_order((5, 7), s) for s in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert sorted(first) == list(range(35))


def test_randomized_changes_only_the_named_layers():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
                              keras.layers.BatchNormalization(name="norm"), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(3, name="dense")])
    copy = faithfulness.randomized(model, ["dense", "norm"], seed=3)
    for name, changed in (("conv", False), ("dense", True)):
        same = np.array_equal(model.get_layer(name).get_weights()[0], copy.get_layer(name).get_weights()[0])
        assert same != changed
    gamma, beta, mean, variance = copy.get_layer("norm").get_weights()
    assert np.all(gamma == 1) and np.all(beta == 0) and np.all(mean == 0) and np.all(variance == 1)
    image = np.random.default_rng(4).uniform(0, 255, (12, 12, 3))
    before = heatmaps.GradCam(model, "conv")(image, 1)
    after = heatmaps.GradCam(copy, "conv")(image, 1)
    assert faithfulness.rank_correlation(before, after) < 0.9, "Grad-CAM depends on the weights it explains"
    np.testing.assert_allclose(heatmaps.EigenCam(copy, "conv")(image, 1), heatmaps.EigenCam(model, "conv")(image, 1),
                               err_msg="Eigen-CAM reads only the conv layer, which kept its weights")


def test_class_probability_of_a_sigmoid_and_a_softmax_model(tiny_classifier):
    sigmoid = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    images = np.random.default_rng(5).uniform(0, 1, (3, 2, 2, 1))
    p = faithfulness.class_probability(sigmoid, 1)(images)
    np.testing.assert_allclose(faithfulness.class_probability(sigmoid, 0)(images), 1 - p, rtol=1e-6)
    probabilities = faithfulness.class_probability(tiny_classifier, 2)(np.zeros((2, 6, 8, 3)))
    assert probabilities.shape == (2,) and np.all((probabilities > 0) & (probabilities < 1))


def test_curves_are_drawn():
    image = np.random.default_rng(6).uniform(0, 255, (8, 8, 3))
    found = faithfulness.curves(corner_score, image, {"corner": CORNER}, steps=4, seeds=(0, 1))
    assert list(found) == ["corner", "random order"]
    one, two = (faithfulness.curve(corner_score, image, faithfulness.random_order((8, 8), s), steps=4)[1] for s in (0, 1))
    np.testing.assert_allclose(found["random order"]["deletion"][1], (one + two) / 2, rtol=1e-6)
    figures_closed(lambda: faithfulness.show_curves(found))
    assert "| corner |" in faithfulness.table_markdown(faithfulness.areas(found))

"""Tests for course_lib.visualizing.faithfulness: deletion and insertion curves, their areas, the random
baseline (the map's own cells shuffled), rank correlation and cascading model
randomisation (beyond the book, 5.4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.backend import keras
from course_lib.visualizing import faithfulness, heatmaps

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
    table = faithfulness.areas(
        faithfulness.curves(corner_score, image, {"right": CORNER, "wrong": 1 - CORNER}, steps=8)
    )
    assert table["right"]["deletion"] < table["right"]["random deletion"] < table["wrong"]["deletion"]
    assert table["right"]["insertion"] > table["right"]["random insertion"] > table["wrong"]["insertion"]
    assert faithfulness.beats_random(table["right"]) and not faithfulness.beats_random(table["wrong"])


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
        assert faithfulness.rank_correlation(a, b) == pytest.approx(
            stats.spearmanr(a.ravel(), b.ravel()).statistic, abs=1e-12
        )
    np.testing.assert_allclose(faithfulness.mean_ranks(np.array([0.0, 0.0, 0.0, 2.0, 1.0])), [1, 1, 1, 4, 3])


def test_shuffled_cells_keep_the_maps_grid_and_values_in_another_order():
    heatmap = np.arange(35.0).reshape(5, 7)
    first, again, other = (faithfulness.shuffled_cells(heatmap, s) for s in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other) and not np.array_equal(first, heatmap)
    assert first.shape == (5, 7) and sorted(first.ravel()) == sorted(heatmap.ravel())


def test_the_random_baseline_removes_the_maps_cells_not_scattered_pixels():
    """On a 2 x 2 map over 8 x 8 pixels, the quarter of the pixels the baseline removes first
    lies (but for the smooth edge the map's own upsampling gives it) in the block of the cell
    it ranks first; scattered pixels would put only a quarter of them there."""
    heatmap = np.array([[0.9, 0.1], [0.5, 0.3]])
    for seed in range(6):
        shuffled = faithfulness.shuffled_cells(heatmap, seed)
        row, column = np.unravel_index(np.argmax(shuffled), shuffled.shape)
        first = np.zeros(64, bool)
        first[faithfulness.pixel_order(shuffled, (8, 8))[:16]] = True
        assert first.reshape(8, 8)[4 * row : 4 * row + 4, 4 * column : 4 * column + 4].sum() >= 13


def _small_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, name="dense"),
        ]
    )


def test_cascading_randomisation_resets_from_the_top_down_on_a_copy():
    model = _small_model()
    before = [w.copy() for w in model.get_weights()]
    images = np.random.default_rng(4).uniform(0, 255, (4, 12, 12, 3))
    calls = []

    def counting(a, b):
        calls.append(1)
        return faithfulness.rank_correlation(a, b)

    result = faithfulness.cascading_randomisation(
        model, "conv", images, [1, 0, 2, 1], methods=("Grad-CAM", "Eigen-CAM"), correlate=counting, seed=3
    )
    assert result.steps == ["trained", "dense", "norm", "conv"]
    assert {m: r.shape for m, r in result.correlations.items()} == {"Grad-CAM": (4, 4), "Eigen-CAM": (4, 4)}
    assert len(calls) == 3 * 2 * 4, "your correlation is the one used: 3 resets x 2 methods x 4 photos"
    eigen, grad = result.correlations["Eigen-CAM"], result.correlations["Grad-CAM"]
    np.testing.assert_allclose(
        eigen[:3], 1.0, err_msg="Eigen-CAM reads only the conv layer, kept until it is reset itself"
    )
    assert grad[1].mean() < 0.9, "Grad-CAM depends on the classifier it explains"
    assert eigen[3].mean() < 0.9, "once the conv layer is reset, its own maps change"
    for got, was in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, was, err_msg="the model itself is never reset")
    assert set(result.first_maps) == set(result.steps) and result.first_maps["dense"]["Eigen-CAM"].shape == (10, 10)
    assert {m: len(b) for m, b in result.blank.items()} == {"Grad-CAM": 4, "Eigen-CAM": 4}
    trained_blank = sum(not heatmaps.GradCam(model, "conv")(image, c).any() for image, c in zip(images, [1, 0, 2, 1]))
    assert result.blank["Grad-CAM"][0] == trained_blank, "the all-zero maps of the trained model, counted"

    figure = faithfulness.show_cascade(result)
    (ax,) = figure.axes
    assert [label.get_text() for label in ax.get_xticklabels()] == ["trained", "dense", "+ norm", "+ conv"]
    curves = {line.get_label(): line.get_ydata() for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert list(curves) == ["Grad-CAM", "Eigen-CAM"]
    for method, correlations in result.correlations.items():
        np.testing.assert_allclose(curves[method], correlations.mean(axis=1), err_msg=method)
    assert ax.get_title() == "Cascading randomisation: mean over 4 photos"
    plt.close(figure)

    figure = faithfulness.show_randomisation(images[0], result.first_maps)
    panels = [(step, method) for step in result.steps for method in ("Grad-CAM", "Eigen-CAM")]
    assert len(figure.axes) == len(panels) + 1, "a row a step, a column a method, and the colour bar"
    for ax, (step, method) in zip(figure.axes, panels):
        assert ax.get_title() == f"{method}\n{step}"
        np.testing.assert_allclose(
            ax.images[0].get_array(), heatmaps.overlay(images[0], result.first_maps[step][method]), err_msg=step
        )
    plt.close(figure)


def test_the_cascade_groups_an_efficientnets_layers_by_stage_from_the_top():
    inputs = keras.Input((8, 8, 3))
    x = inputs
    for name in ("stem_conv", "block1a_conv", "block1b_conv", "block2a_conv", "top_conv"):
        x = keras.layers.Conv2D(2, 1, name=name)(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="predictions")(x))
    assert faithfulness.cascade(model) == [
        ("predictions", ["predictions"]),
        ("top", ["top_conv"]),
        ("block2", ["block2a_conv"]),
        ("block1", ["block1b_conv", "block1a_conv"]),
        ("stem", ["stem_conv"]),
    ]


def test_class_probability_of_a_sigmoid_and_a_softmax_model(tiny_classifier):
    sigmoid = keras.Sequential(
        [keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")]
    )
    images = np.random.default_rng(5).uniform(0, 1, (3, 2, 2, 1))
    p = faithfulness.class_probability(sigmoid, 1)(images)
    np.testing.assert_allclose(faithfulness.class_probability(sigmoid, 0)(images), 1 - p, rtol=1e-6)
    probabilities = faithfulness.class_probability(tiny_classifier, 2)(np.zeros((2, 6, 8, 3)))
    assert probabilities.shape == (2,) and np.all((probabilities > 0) & (probabilities < 1))


def test_curves_and_their_figure():
    image = np.random.default_rng(6).uniform(0, 255, (8, 8, 3))
    found = faithfulness.curves(corner_score, image, {"corner": CORNER}, steps=4, seeds=(0, 1))
    assert list(found) == ["corner"] and set(found["corner"]) == {
        "deletion",
        "insertion",
        "random deletion",
        "random insertion",
    }
    one, two = (
        faithfulness.curve(
            corner_score, image, faithfulness.pixel_order(faithfulness.shuffled_cells(CORNER, s), (8, 8)), steps=4
        )[1]
        for s in (0, 1)
    )
    np.testing.assert_allclose(found["corner"]["random deletion"][1], (one + two) / 2, rtol=1e-6)
    assert "| corner |" in faithfulness.table_markdown(faithfulness.areas(found))

    figure = faithfulness.show_curves(found)
    for ax, kind in zip(figure.axes, ("deletion", "insertion"), strict=True):
        assert ax.get_title().startswith(f"{kind}: ")
        solid, dotted = ax.get_lines()
        np.testing.assert_allclose(solid.get_xydata(), np.column_stack(found["corner"][kind]), err_msg=kind)
        np.testing.assert_allclose(dotted.get_xydata(), np.column_stack(found["corner"][f"random {kind}"]))
        assert solid.get_label() == f"corner ({faithfulness.area(*found['corner'][kind]):.2f})"
        assert dotted.get_linestyle() == ":" and dotted.get_color() == solid.get_color()
    plt.close(figure)

"""Tests for course_lib.recap.synthetic: rendered shapes, the training sets, the comparison."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.recap import synthetic


@pytest.mark.parametrize("style", sorted(synthetic.STYLES))
def test_each_style_renders_labelled_images_half_of_each_shape(style):
    images, labels = synthetic.render(style, 40, seed=3)
    assert images.shape == (40, 48, 48, 3) and images.dtype == np.uint8
    assert labels.dtype == np.float32 and labels.sum() == 20
    again, _ = synthetic.render(style, 40, seed=3)
    np.testing.assert_array_equal(images, again)


def test_circles_and_squares_have_the_same_area_so_size_gives_nothing_away():
    images, labels = synthetic.render("plain", 400, seed=1)
    area = (images[..., 0] > 127).sum(axis=(1, 2))
    circles, squares = area[labels == 0].mean(), area[labels == 1].mean()
    assert abs(circles - squares) / circles < 0.05


def test_images_to_score_never_share_a_photo_with_images_to_train_on(monkeypatch):
    asked = []
    real_load = synthetic.data.load_arrays

    def load(split, *args, **kwargs):
        asked.append(split)
        return real_load(split, *args, **kwargs)

    monkeypatch.setattr(synthetic.data, "load_arrays", load)
    synthetic.render("photo", 4, seed=1)
    assert set(asked) == {"train", "validation"}
    asked.clear()
    synthetic.render("photo", 4, seed=1, held_out=True)
    assert asked == ["test"]


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="style"):
        synthetic.render("cartoon", 4)


def test_the_training_sets_and_their_comparison():
    sets = synthetic.training_sets(8, 4)
    assert [len(labels) for _, labels in sets.values()] == [8, 8, 4, 12]
    found = synthetic.compare(sets, synthetic.render("photo", 6, seed=9), steps=1, batch_size=4)
    assert list(found) == list(sets) and all(0 <= value <= 1 for value in found.values())


def test_a_model_learns_plain_shapes():
    model = synthetic.small_convnet()
    images, labels = synthetic.render("plain", 400, seed=4)
    model.fit(images, labels, epochs=6, batch_size=32, verbose=0)
    test = synthetic.render("plain", 200, seed=5)
    assert model.evaluate(*test, verbose=0)[1] > 0.9


def test_the_examples_show_each_styles_images_titled_with_their_shapes():
    figure = synthetic.show_examples(3, seed=5)
    assert len(figure.axes) == len(synthetic.STYLES) * 3, "a row of 3 a style"
    for row, (style, description) in enumerate(synthetic.STYLES.items()):
        images, labels = synthetic.render(style, 3, seed=5)
        axes = figure.axes[3 * row : 3 * row + 3]
        for ax, image, label in zip(axes, images, labels):
            np.testing.assert_array_equal(ax.images[0].get_array(), image)
            assert ax.get_title() == synthetic.SHAPES[int(label)]
        assert axes[0].texts[0].get_text() == f"{style}:\n{description}"
    plt.close(figure)

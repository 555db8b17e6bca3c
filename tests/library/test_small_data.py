"""Tests for course_lib.pretrained.small_data: chapter 2's like-for-like run on a few photos, with the
student's functions as its steps (here: plain reference versions, and recording calls)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_lib.photos import data
from course_lib.pretrained import small_data


def _steps(calls: list[str]) -> small_data.Steps:
    def build_head(shape):
        calls.append("build_head")
        return keras.Sequential(
            [
                keras.Input(tuple(shape)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    def augmented_model(base, head, augmentation):
        calls.append("augmented_model")
        inputs = keras.Input(base.input_shape[1:])
        return keras.Model(inputs, head(base(augmentation(inputs), training=False)))

    def unfreeze_top(base, first_layer):
        calls.append(f"unfreeze_top {first_layer}")
        base.trainable = True
        start = [layer.name for layer in base.layers].index(first_layer)
        for index, layer in enumerate(base.layers):
            layer.trainable = index >= start and not isinstance(layer, keras.layers.BatchNormalization)

    def compile_for_fine_tuning(model):
        calls.append("compile_for_fine_tuning")
        model.compile(optimizer=keras.optimizers.Adam(1e-5), loss="binary_crossentropy", metrics=["accuracy"])

    def predict_with_mirror(model, images):
        calls.append("predict_with_mirror")
        return np.ravel(model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)) / 2

    return small_data.Steps(build_head, augmented_model, unfreeze_top, compile_for_fine_tuning, predict_with_mirror)


def test_the_three_methods_run_like_for_like_with_the_students_steps(sample_photos):
    calls: list[str] = []
    results = small_data.run(_steps(calls), 64, 3, epochs=2, fine_tune_epochs=1, batch_size=3)
    assert [r.method for r in results] == list(small_data.METHODS)
    assert {r.training_photos for r in results} == {6} and {r.image_size for r in results} == {64}
    assert [r.epochs for r in results] == [2, 2, 3]  # the same budget, then fine-tuning's extra epochs
    test_photos = len(data.select_images("test"))  # fast mode's 2 x 20
    for r in results:  # an accuracy over the test photos: a whole number of them right
        assert (
            0 <= r.test_accuracy <= 1
            and abs(r.test_accuracy * test_photos - round(r.test_accuracy * test_photos)) < 1e-6
        )
        assert r.seconds > 0
    # two fresh heads, the student's end-to-end model, fine-tuned from block7a, scored with the mirror
    assert calls == [
        "build_head",
        "build_head",
        "augmented_model",
        "unfreeze_top block7a_expand_conv",
        "compile_for_fine_tuning",
        "predict_with_mirror",
    ]
    assert small_data.as_records(results)[0] == {
        "method": "feature extraction",
        "image_size": 64,
        "training_photos": 6,
        "epochs": 2,
        "test_accuracy": results[0].test_accuracy,
        "seconds": results[0].seconds,
    }


def test_a_broken_step_is_not_hidden(sample_photos):
    calls: list[str] = []
    steps = _steps(calls)._replace(unfreeze_top=lambda base, first_layer: base.get_layer(first_layer + "_typo"))
    with pytest.raises(ValueError, match="_typo"):
        small_data.run(steps, 64, 2, epochs=1, fine_tune_epochs=1)


def test_the_figure_shows_each_methods_accuracy_in_each_group():
    accuracies = {256: (0.98, 0.9, 0.95), 96: (0.93, 0.85, 0.91)}  # per method, in METHODS' order
    rows = [
        small_data.Result(method, size, 100, 30, accuracy, 1.0)
        for size, row in accuracies.items()
        for method, accuracy in zip(small_data.METHODS, row)
    ]
    full = {"feature extraction": 0.99, "+ augmentation": 0.985, "+ fine-tuning": 0.995}
    ax = small_data.show(rows, full=full).axes[0]
    groups = [tick.get_text() for tick in ax.get_xticklabels()]
    assert groups == ["100 photos, 256 px", "100 photos, 96 px", "all photos (sections 2-4)"]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == list(small_data.METHODS)
    bar_groups = [container for container in ax.containers if container.get_label() in small_data.METHODS]
    assert [bars.get_label() for bars in bar_groups] == list(small_data.METHODS)
    for index, (method, bars) in enumerate(zip(small_data.METHODS, bar_groups)):  # a bar a group, in its place
        expected = [accuracies[256][index], accuracies[96][index], full[method]]
        assert [bar.get_height() for bar in bars] == pytest.approx(expected), method
        assert [round(bar.get_x() + bar.get_width() / 2) for bar in bars] == [0, 1, 2], method
    assert [text.get_text() for text in ax.texts] == [
        f"{h:.1%}" for h in (0.98, 0.93, 0.99, 0.9, 0.85, 0.985, 0.95, 0.91, 0.995)
    ]
    assert ax.get_ylabel() == "test accuracy"
    assert ax.get_ylim() == pytest.approx((0.75, 1.02))  # 10 points below the lowest bar

"""The model builders match the lecture and the book."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_lib.recap import models


def test_lecture_convnet_is_the_lecture_code() -> None:
    model = models.lecture_convnet()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [
        "Rescaling",
        *["Conv2D", "MaxPooling2D"] * 4,
        "Flatten",
        "Dropout",
        "Dense",
        "Dense",
    ]
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [32, 64, 128, 128]
    assert all(c.kernel_size == (3, 3) and c.activation.__name__ == "relu" for c in convs)
    assert model.get_layer("flatten").output.shape == (None, 7 * 7 * 128)
    assert model.get_layer("dropout").rate == 0.5
    assert model.layers[-1].units == 1 and model.layers[-1].activation.__name__ == "sigmoid"
    assert model.count_params() == 3_453_121  # the book's figure for this model


def test_lecture_convnet_options() -> None:
    plain = models.lecture_convnet(128, dropout=None)
    assert "dropout" not in [layer.name for layer in plain.layers]
    assert plain.get_layer("flatten").output.shape == (None, 6 * 6 * 128)
    augmented = models.lecture_convnet(128, augmentation=models.augmentation(seed=0))
    assert augmented.layers[0].name == "augmentation"
    images = np.random.default_rng(0).uniform(0, 255, (2, 128, 128, 3)).astype("float32")
    # augmentation and dropout act in training only: inference is deterministic
    np.testing.assert_allclose(augmented.predict(images, verbose=0), augmented.predict(images, verbose=0))


def test_mixed_precision_is_the_same_model_in_bfloat16() -> None:
    exact = models.lecture_convnet(64, mixed_precision=False)
    mixed = models.lecture_convnet(64, mixed_precision=True)
    mixed.set_weights(exact.get_weights())
    assert mixed.count_params() == exact.count_params()
    assert {w.dtype for w in mixed.weights} == {"float32"}  # weights stay float32
    assert mixed.get_layer("conv1").compute_dtype == "bfloat16"
    assert exact.get_layer("conv1").compute_dtype == "float32"
    images = np.random.default_rng(2).uniform(0, 255, (8, 64, 64, 3)).astype("float32")
    p_exact, p_mixed = exact.predict(images, verbose=0), mixed.predict(images, verbose=0)
    assert p_mixed.dtype == np.float32  # the probability is computed in float32
    np.testing.assert_allclose(p_mixed, p_exact, atol=0.02)


def test_compile_binary_uses_the_lecture_settings() -> None:
    model = models.compile_binary(models.lecture_convnet(64))
    assert type(model.optimizer).__name__ == "RMSprop"
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-4)
    assert model.loss == "binary_crossentropy"
    with pytest.raises(ValueError, match="optimizer must be one of"):
        models.compile_binary(models.lecture_convnet(64), optimizer="sgd")


@pytest.mark.parametrize("warmup_epochs", [0, 2])
def test_compile_cosine_rises_to_its_peak_then_falls_to_zero(warmup_epochs: int) -> None:
    model = models.compile_cosine(
        models.lecture_convnet(64, mixed_precision=False), 10, 7, peak=2e-3, warmup_epochs=warmup_epochs
    )
    schedule = model.optimizer._learning_rate  # the schedule itself (learning_rate is its current value)
    rate = lambda step: float(schedule(step))  # noqa: E731
    assert rate(0) == pytest.approx(0.0 if warmup_epochs else 2e-3)
    assert rate(warmup_epochs * 7) == pytest.approx(2e-3)
    assert rate(70) == pytest.approx(0.0, abs=1e-9)
    steps = range(warmup_epochs * 7, 71)
    assert all(rate(a) >= rate(b) for a, b in zip(steps, steps[1:]))  # only falls after the warm-up
    assert model.loss == "binary_crossentropy" and type(model.optimizer).__name__ == "Adam"


def test_compile_cosine_skips_the_warm_up_of_a_one_epoch_run() -> None:  # fast mode: 1 epoch, SCRATCH's 2 of warm-up
    model = models.compile_cosine(models.lecture_convnet(64, mixed_precision=False), 1, 5, peak=1e-3, warmup_epochs=2)
    schedule = model.optimizer._learning_rate
    assert float(schedule(0)) == pytest.approx(1e-3)  # starts at its peak instead of at 0 for the whole run
    assert float(schedule(5)) == pytest.approx(0.0, abs=1e-9)


def test_augmentation_changes_images_in_training_only() -> None:
    pipeline = models.augmentation(seed=1)
    assert [layer.name for layer in pipeline.layers] == ["flip", "rotation", "zoom", "translation"]
    images = np.random.default_rng(1).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(pipeline(images, training=False)), images)
    assert not np.allclose(np.asarray(pipeline(images, training=True)), images)
    assert [layer.name for layer in models.augmentation(flip=False, zoom=0, contrast=0.2).layers] == [
        "rotation",
        "translation",
        "contrast",
    ]


def test_classifier_head_shapes() -> None:
    head = models.classifier_head((5, 5, 1280))
    assert head.predict(np.zeros((2, 5, 5, 1280)), verbose=0).shape == (2, 1)
    assert head.get_layer("dense").kernel.shape == (1280, 256)  # pooled: one value per channel
    flat = models.classifier_head((4, 4, 512), pooling="flatten", dropout=0)
    assert flat.get_layer("dense").kernel.shape == (4 * 4 * 512, 256)
    assert "dropout" not in [layer.name for layer in flat.layers]
    assert models.classifier_head((1280,), hidden_units=0).count_params() == 1281
    with pytest.raises(ValueError):
        models.classifier_head((5, 5, 8), pooling="max")


# --- the explorer ------------------------------------------------------------


def test_trains_a_short_schedule_when_missing_then_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    path = models.scratch_convnet_path()
    assert path == tmp_path / "artifacts" / "fast" / "convnet_from_scratch.keras" and not path.exists()

    trained = models.load_or_train_scratch_convnet(image_size=64)
    assert "No trained convnet" in capsys.readouterr().out
    assert path.exists()
    assert trained.input_shape == (None, 64, 64, 3)
    assert [layer.name for layer in trained.layers if layer.name.startswith("conv")] == [
        "conv1",
        "conv2",
        "conv3",
        "conv4",
    ]

    loaded = models.load_or_train_scratch_convnet()
    assert "No trained convnet" not in capsys.readouterr().out
    batch = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), trained.predict(batch, verbose=0), atol=1e-6)


def test_a_frozen_batch_normalization_keeps_its_statistics_when_training():
    """What chapter 2 (section 3) relies on: in Keras 3 a frozen BatchNormalization layer
    normalises with its stored statistics, and keeps them, even when the model around it
    is called with ``training=True`` (as ``fit`` does)."""
    from course_lib.backend import keras

    norm = keras.layers.BatchNormalization()
    inputs = keras.Input((4,))
    model = keras.Model(inputs, norm(inputs, training=False))
    norm.set_weights([np.ones(4), np.zeros(4), np.full(4, 0.3), np.full(4, 4.0)])
    x = np.random.default_rng(0).uniform(0, 1, (6, 4)).astype("float32")
    stored = (x - 0.3) / np.sqrt(4.0 + norm.epsilon)
    norm.trainable = False
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=True)), stored, atol=1e-6)
    np.testing.assert_allclose(norm.get_weights()[2], 0.3)


def test_training_false_inside_a_model_does_not_keep_a_trainable_batch_normalization_in_inference_mode():
    """What chapter 2 (section 4) says: calling a base with ``training=False`` is not enough
    in Keras 3; a model called with ``training=True`` (as ``fit`` does) passes it on, so a
    BatchNormalization layer left trainable normalises with the batch and moves its
    statistics. Only freezing it keeps the stored ones."""
    from course_lib.backend import keras

    norm = keras.layers.BatchNormalization()
    base_inputs = keras.Input((4,))
    base = keras.Model(base_inputs, norm(base_inputs))
    inputs = keras.Input((4,))
    model = keras.Model(inputs, base(inputs, training=False))
    norm.set_weights([np.ones(4), np.zeros(4), np.full(4, 0.3), np.full(4, 4.0)])
    x = np.random.default_rng(0).uniform(0, 1, (6, 4)).astype("float32")
    stored = (x - 0.3) / np.sqrt(4.0 + norm.epsilon)
    assert not np.allclose(keras.ops.convert_to_numpy(model(x, training=True)), stored, atol=1e-4)
    assert not np.allclose(norm.get_weights()[2], 0.3), "the moving mean moved towards the batch's"

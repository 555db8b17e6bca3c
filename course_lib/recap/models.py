"""Model builders for the recap part of the lecture (book chapters 5.1 and 5.2).

``lecture_convnet`` is the lecture's Keras model, layer for layer; ``augmentation`` and
``classifier_head`` are the building blocks the chapters combine with it and with the
pretrained base (chapter 5.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from course_lib import backend, settings
from course_lib.backend import keras
from course_lib.photos import sources

layers = keras.layers


def lecture_convnet(
    image_size: int = 150,
    *,
    dropout: float | None = 0.5,
    augmentation: keras.Layer | None = None,
    mixed_precision: bool | None = None,
    name: str = "lecture_convnet",
) -> keras.Sequential:
    """The lecture's convnet ("ConvNet architecture"): four conv/max-pool stages,
    flatten, dropout, a 512-unit dense layer and one sigmoid unit for cats vs dogs.

    Inputs are RGB pixels in 0..255; a ``Rescaling(1/255)`` layer does what the book's
    ``image_data_generator(rescale = 1/255)`` did. ``dropout=None`` gives the book's first
    model (no dropout); ``augmentation`` (e.g. from :func:`augmentation`) is put in front
    and is only active during training. ``mixed_precision`` (default: where the hardware
    has 16-bit units, :func:`course_lib.backend.precision`) computes in float16 on a GPU,
    bfloat16 on a CPU, and keeps the weights and the final probability in float32: the same
    model, trained about twice as fast.
    """
    mode = backend.precision(mixed_precision)
    policy = None if mode == "float32" else mode
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(image_size, image_size, 3), name="image"))
    if augmentation is not None:
        model.add(augmentation)
    model.add(layers.Rescaling(1.0 / 255, name="rescaling", dtype=policy))
    for index, filters in enumerate((32, 64, 128, 128), start=1):
        model.add(layers.Conv2D(filters, 3, activation="relu", name=f"conv{index}", dtype=policy))
        model.add(layers.MaxPooling2D(2, name=f"pool{index}", dtype=policy))
    model.add(layers.Flatten(name="flatten", dtype=policy))
    if dropout:
        model.add(layers.Dropout(dropout, name="dropout", dtype=policy))
    model.add(layers.Dense(512, activation="relu", name="dense", dtype=policy))
    model.add(layers.Dense(1, activation="sigmoid", name="prediction", dtype="float32"))
    return model


def compile_binary(model: keras.Model, learning_rate: float = 1e-4, optimizer: str = "rmsprop") -> keras.Model:
    """Compile for two classes as the lecture does: binary cross-entropy, accuracy, and
    RMSprop at ``1e-4`` by default (``optimizer="adam"`` is the other choice)."""
    optimizers = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}, not {optimizer!r}")
    model.compile(
        optimizer=_loss_scaled(model, optimizers[optimizer](learning_rate=learning_rate)),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def compile_cosine(
    model: keras.Model, epochs: int, steps_per_epoch: int, *, peak: float = 1e-3, warmup_epochs: int = 0
) -> keras.Model:
    """The lecture's compile (binary cross-entropy, accuracy) with Adam on a one-cycle
    schedule: the learning rate rises linearly to ``peak`` over ``warmup_epochs``, then falls
    to 0 along a cosine by the end of ``epochs``. Chapter 1 trains from scratch with it (5.2):
    it learns in fewer epochs than the book's constant RMSprop at 1e-4."""
    warmup = min(warmup_epochs, epochs - 1) * steps_per_epoch  # a one-epoch run does not warm up
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else peak,
        decay_steps=epochs * steps_per_epoch - warmup,
        warmup_target=peak if warmup else None,
        warmup_steps=warmup,
    )
    optimizer = _loss_scaled(model, keras.optimizers.Adam(schedule))
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _loss_scaled(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """``optimizer``, with loss scaling where ``model`` computes in float16 (whose small
    gradients would otherwise round to zero); Keras adds it only for a model whose own
    policy is float16, not for one whose layers are."""
    if any(layer.dtype_policy.name == "mixed_float16" for layer in model.layers):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def augmentation(
    *,
    flip: bool = True,
    rotation: float = 0.1,
    zoom: float = 0.2,
    translation: float = 0.1,
    contrast: float = 0.0,
    seed: int | None = None,
    name: str = "augmentation",
) -> keras.Sequential:
    """Random image transformations for the lecture's "Data augmentation" slide.

    The defaults follow the book's generator (horizontal mirroring, small rotations,
    zoom and shifts); ``rotation`` is a fraction of a full turn, as in
    ``keras.layers.RandomRotation``. A transformation is left out when its amount is 0.
    The layers act only in training (``training=True``); at inference they pass images
    through unchanged.
    """
    steps: list[keras.Layer] = []
    if flip:
        steps.append(layers.RandomFlip("horizontal", seed=seed, name="flip"))
    if rotation:
        steps.append(layers.RandomRotation(rotation, fill_mode="reflect", seed=seed, name="rotation"))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode="reflect", seed=seed, name="zoom"))
    if translation:
        steps.append(
            layers.RandomTranslation(translation, translation, fill_mode="reflect", seed=seed, name="translation")
        )
    if contrast:
        steps.append(layers.RandomContrast(contrast, seed=seed, name="contrast"))
    return keras.Sequential(steps, name=name)


def classifier_head(
    feature_shape: Sequence[int],
    *,
    hidden_units: int = 256,
    dropout: float = 0.5,
    pooling: str = "avg",
    name: str = "classifier_head",
) -> keras.Sequential:
    """A small dense classifier for features from a convolutional base (chapter 5.3).

    ``feature_shape`` is one example's feature shape, e.g. ``(5, 5, 1280)``. Feature maps
    are reduced by global average pooling (``pooling="avg"``) or flattened as the book
    does (``pooling="flatten"``); then a ReLU dense layer, dropout and one sigmoid unit.
    """
    if pooling not in ("avg", "flatten"):
        raise ValueError(f"pooling must be 'avg' or 'flatten', not {pooling!r}")
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=tuple(feature_shape), name="features"))
    if len(feature_shape) == 3:
        model.add(layers.GlobalAveragePooling2D(name="pool") if pooling == "avg" else layers.Flatten(name="flatten"))
    if hidden_units:
        model.add(layers.Dense(hidden_units, activation="relu", name="dense"))
    if dropout:
        model.add(layers.Dropout(dropout, name="dropout"))
    model.add(layers.Dense(1, activation="sigmoid", name="prediction"))
    return model


# --- chapter 1's convnet trained from scratch, reused by chapter 3 --------------------


@dataclass(frozen=True)
class ScratchSchedule:
    """How chapter 1 trains the lecture's convnet with augmentation and dropout (5.2):
    image size, epochs, the one-cycle schedule of :func:`compile_cosine`, batch size, how
    often it validates, and the augmentation (:func:`augmentation`'s amounts)."""

    image_size: int
    epochs: int
    peak: float
    warmup_epochs: int
    batch_size: int
    validate_every: int
    rotation: float
    zoom: float
    translation: float

    def describe(self) -> str:
        return (
            f"{self.image_size} px, {self.epochs} epochs of Adam "
            f"(peak {self.peak:g} after {self.warmup_epochs}, cosine to 0), "
            f"batch {self.batch_size}, flip + rotation {self.rotation:g} + zoom {self.zoom:g}"
            + (f" + shift {self.translation:g}" if self.translation else "")
            + ", dropout 0.5"
        )


#: Chapter 1's schedule (``make bench`` reports it over seeds).
SCRATCH = ScratchSchedule(
    image_size=112,
    epochs=50,
    peak=1e-3,
    warmup_epochs=2,
    batch_size=32,
    validate_every=5,
    rotation=0.1,
    zoom=0.2,
    translation=0.0,
)


def scratch_model(
    schedule: ScratchSchedule = SCRATCH, augmentation_layer: keras.Layer | None = None
) -> keras.Sequential:
    """The lecture's convnet with dropout behind ``augmentation_layer`` (default: the
    schedule's :func:`augmentation`), at the schedule's image size."""
    if augmentation_layer is None:
        augmentation_layer = augmentation(
            rotation=schedule.rotation, zoom=schedule.zoom, translation=schedule.translation
        )
    return lecture_convnet(schedule.image_size, dropout=0.5, augmentation=augmentation_layer, name="scratch_augmented")


SCRATCH_MODEL_FILE = "convnet_from_scratch.keras"


def scratch_convnet_path() -> Path:
    """Where chapter 1 saves its convnet trained from scratch with augmentation and dropout
    (one for the course's photo sample, one for the full photo set)."""
    return settings.artifacts_dir(sample=sources.resolve().is_sample) / SCRATCH_MODEL_FILE


def load_or_train_scratch_convnet(image_size: int | None = None, epochs: int | None = None) -> keras.Model:
    """Chapter 1's convnet trained from scratch (5.2), for visualizing what it learned (5.4).

    Loads :func:`scratch_convnet_path`. If chapter 1 has not saved it yet, says so, trains
    :func:`scratch_model` on a short version of :data:`SCRATCH` (``epochs``, default 5, 1
    in fast mode, at ``image_size``, default the schedule's) with a progress bar, saves it
    there and returns it. Its layers are named as in :func:`lecture_convnet` (``conv1`` ...
    ``conv4``); it takes RGB images in 0..255.
    """
    path = scratch_convnet_path()
    if path.exists():
        return keras.models.load_model(path)
    from tqdm.auto import tqdm
    from tqdm.keras import TqdmCallback

    from course_lib.photos import data

    schedule = replace(SCRATCH, image_size=image_size or SCRATCH.image_size, epochs=epochs or settings.pick(5, 1))
    print(
        f"No trained convnet at {path} (chapter 1 saves it there): training one on a short "
        f"schedule instead, {schedule.epochs} epochs at {schedule.image_size}x{schedule.image_size} pixels."
    )
    model = scratch_model(schedule)
    train = data.load_split("train", schedule.image_size, schedule.batch_size)
    compile_cosine(model, schedule.epochs, len(train), peak=schedule.peak, warmup_epochs=schedule.warmup_epochs)
    model.fit(
        train,
        validation_data=data.load_split("validation", schedule.image_size, schedule.batch_size),
        epochs=schedule.epochs,
        shuffle=False,  # the training split shuffles itself, at every epoch
        verbose=0,
        callbacks=[TqdmCallback(schedule.epochs, verbose=0, tqdm_class=tqdm, desc="Training")],  # a bar over epochs
    )
    model.save(path)
    return model

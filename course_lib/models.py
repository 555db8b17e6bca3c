"""Model builders for the recap part of the lecture (book chapters 5.1 and 5.2).

``lecture_convnet`` is the lecture's Keras model, layer for layer; ``augmentation`` and
``classifier_head`` are the building blocks the chapters combine with it and with the
pretrained base (chapter 5.3).
"""

from __future__ import annotations

from collections.abc import Sequence

from .backend import keras

layers = keras.layers


def lecture_convnet(
    image_size: int = 150,
    *,
    dropout: float | None = 0.5,
    augmentation: keras.Layer | None = None,
    name: str = "lecture_convnet",
) -> keras.Sequential:
    """The lecture's convnet ("ConvNet architecture"): four conv/max-pool stages,
    flatten, dropout, a 512-unit dense layer and one sigmoid unit for cats vs dogs.

    Inputs are RGB pixels in 0..255; a ``Rescaling(1/255)`` layer does what the book's
    ``image_data_generator(rescale = 1/255)`` did. ``dropout=None`` gives the book's first
    model (no dropout); ``augmentation`` (e.g. from :func:`augmentation`) is put in front
    and is only active during training.
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(image_size, image_size, 3), name="image"))
    if augmentation is not None:
        model.add(augmentation)
    model.add(layers.Rescaling(1.0 / 255, name="rescaling"))
    for index, filters in enumerate((32, 64, 128, 128), start=1):
        model.add(layers.Conv2D(filters, 3, activation="relu", name=f"conv{index}"))
        model.add(layers.MaxPooling2D(2, name=f"pool{index}"))
    model.add(layers.Flatten(name="flatten"))
    if dropout:
        model.add(layers.Dropout(dropout, name="dropout"))
    model.add(layers.Dense(512, activation="relu", name="dense"))
    model.add(layers.Dense(1, activation="sigmoid", name="prediction"))
    return model


def compile_binary(model: keras.Model, learning_rate: float = 1e-4, optimizer: str = "rmsprop") -> keras.Model:
    """Compile for two classes as the lecture does: binary cross-entropy, accuracy, and
    RMSprop at ``1e-4`` by default (``optimizer="adam"`` is the other choice)."""
    optimizers = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}, not {optimizer!r}")
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


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

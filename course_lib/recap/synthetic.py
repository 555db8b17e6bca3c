"""Synthetic data (lecture: data augmentation, "synthetic data"): training images made by a
program instead of a camera, and what they do to accuracy on images from the world.

The task is small on purpose: is the shape in a 48 x 48 image a circle or a square (of the
same area, so size gives nothing away)? A renderer makes as many labelled images as asked,
for free. The images the model will meet are the same shapes over crops of real photos
(the course's Oxford-IIIT Pet sample): a world the renderer does not model. Rendering
plain shapes on black teaches a model that world poorly; *domain randomisation* (random
colours, backgrounds and noise; Tobin et al., 2017) tries to make the real images look like
one more variation; the chapter measures how far each gets, and what a few real images add.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.backend import keras
from course_lib.photos import data, sources

SIZE = 48
SHAPES = ("circle", "square")  # label 0, label 1
STYLES = {
    "plain": "white shapes on black",
    "randomised": "random colours, gradients and noise",
    "photo": "on crops of real photos (the images to classify)",
}


def _backgrounds(n: int, rng: np.random.Generator, splits: tuple[str, ...]) -> np.ndarray:
    """``n`` random 48 x 48 crops of the course's shipped photos of ``splits``, as floats."""
    root = sources.sample_dir()
    photos = np.concatenate(
        [data.load_arrays(split, 2 * SIZE, root=root, limit_per_class=10_000)[0] for split in splits]
    )
    which = rng.integers(0, len(photos), n)
    rows, cols = rng.integers(0, SIZE + 1, n), rng.integers(0, SIZE + 1, n)
    return np.stack([photos[w, r : r + SIZE, c : c + SIZE] for w, r, c in zip(which, rows, cols)]).astype("float32")


def _masks(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One shape per image, of equal area whatever its kind: circles of radius 6 to 12
    pixels, squares of side radius x sqrt(pi) turned by a random angle."""
    n = len(labels)
    y, x = np.mgrid[:SIZE, :SIZE] + 0.5
    cy, cx = rng.uniform(14, SIZE - 14, (2, n))[..., None, None]
    radius = rng.uniform(6, 12, n)[:, None, None]
    angle = rng.uniform(0, np.pi / 2, n)[:, None, None]
    u = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
    v = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
    half = radius * np.sqrt(np.pi) / 2
    square = (np.abs(u) <= half) & (np.abs(v) <= half)
    circle = u**2 + v**2 <= radius**2
    return np.where(labels[:, None, None] == 1, square, circle)


def _contrasting(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random colour per image, at least 80 (of 255) brighter or darker than its background."""
    colours = rng.uniform(0, 255, (len(background), 3))
    mean = background.mean(axis=(1, 2))
    too_close = np.abs(colours.mean(axis=1) - mean.mean(axis=1)) < 80
    colours[too_close] = np.where(mean[too_close].mean(axis=1, keepdims=True) > 127, 20.0, 235.0)
    return colours


def render(style: str, n: int, *, seed: int = 0, held_out: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n`` labelled images in ``style`` (one of :data:`STYLES`): uint8 ``(n, 48, 48, 3)``
    and labels float32 ``(n,)`` (0 circle, 1 square), half of each. Photo backgrounds
    come from the sample's training and validation photos, or with ``held_out`` from its
    test photos, so that images to score never share a photo with images to train on."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {sorted(STYLES)}, not {style!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2).astype("float32")
    masks = _masks(labels, rng)[..., None]
    if style == "plain":
        return np.where(masks, 255, 0).astype("uint8").repeat(3, axis=-1), labels
    if style == "randomised":
        ramp = np.linspace(-1, 1, SIZE)[None, :, None, None] * rng.uniform(-60, 60, (n, 1, 1, 3))
        background = rng.uniform(0, 255, (n, 1, 1, 3)) + ramp + np.zeros((n, SIZE, SIZE, 3))
    else:
        background = _backgrounds(n, rng, ("test",) if held_out else ("train", "validation"))
    images = np.where(masks, _contrasting(background, rng)[:, None, None, :], background)
    images += rng.normal(0, rng.uniform(0, 25, (n, 1, 1, 1)), images.shape)
    return np.clip(images, 0, 255).astype("uint8"), labels


def small_convnet(seed: int = 0) -> keras.Model:
    """Three conv layers, the strongest response of each channel anywhere in the image
    (global max pooling: a corner counts wherever it is) and a sigmoid unit, compiled
    (Adam, binary cross-entropy)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def training_sets(synthetic: int, real: int, *, seed: int = 1) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The four training sets the chapter compares: ``synthetic`` plain renders, as many
    randomised ones, ``real`` images of the target kind only, and the randomised ones with
    those real images added."""
    plain = render("plain", synthetic, seed=seed)
    randomised = render("randomised", synthetic, seed=seed + 1)
    few = render("photo", real, seed=seed + 2)
    return {
        f"{synthetic} plain renders": plain,
        f"{synthetic} randomised renders": randomised,
        f"{real} real images only": few,
        f"{synthetic} randomised + {real} real": tuple(np.concatenate(pair) for pair in zip(randomised, few)),
    }


def compare(
    sets: Mapping[str, tuple[np.ndarray, np.ndarray]],
    test: tuple[np.ndarray, np.ndarray],
    *,
    steps: int = 900,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, float]:
    """Train :func:`small_convnet` on each set for at least ``steps`` gradient steps, whole
    epochs (a small set is seen more often), and return its accuracy on ``test``."""
    found = {}
    for name, (images, labels) in sets.items():
        model = small_convnet(seed)
        epochs = math.ceil(steps / math.ceil(len(labels) / batch_size))
        model.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=0)
        found[name] = float(model.evaluate(*test, verbose=0)[1])
    return found


def show_examples(per_style: int = 6, *, seed: int = 5) -> plt.Figure:
    """A row of images of each style, each titled with its shape."""
    fig, axes = plt.subplots(len(STYLES), per_style, figsize=(1.5 * per_style, 1.75 * len(STYLES)), squeeze=False)
    for row, (style, description) in zip(axes, STYLES.items()):
        images, labels = render(style, per_style, seed=seed)
        for ax, image, label in zip(row, images, labels):
            ax.imshow(image)
            ax.set_title(SHAPES[int(label)], fontsize=8)
            ax.axis("off")
        row[0].text(
            -0.15, 0.5, f"{style}:\n{description}", transform=row[0].transAxes, ha="right", va="center", fontsize=8
        )
    fig.tight_layout()
    fig.subplots_adjust(left=0.22)
    return fig

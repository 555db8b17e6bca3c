"""Data augmentation, each kind the lecture lists, with Keras preprocessing layers.

Serves the lecture section "Data augmentation" (book chapter 5.2): noise addition,
mirroring, rotating, resizing, cropping, occlusion, and mixing (mix-up: a blend of two
photos with a blended label; the lecture's "synthetic data", generated or rendered
photos, is another thing). Noise comes from ``GaussianNoise``, a regularisation layer.
The gallery and the augmentation widget of chapter 1 use :func:`augment`; the training
pipeline is the student's exercise.
"""

from __future__ import annotations

import ipywidgets as ipw
import matplotlib.pyplot as plt
import numpy as np

from course_lib.backend import keras
from course_lib.explorer import WIDE, FigureExplorer

layers = keras.layers

KINDS = ("noise", "mirroring", "rotating", "resizing", "cropping", "occlusion", "mixing (mix-up)")


def augment(
    image: np.ndarray,
    kind: str,
    strength: float = 0.5,
    seed: int = 0,
    other: np.ndarray | None = None,
) -> np.ndarray:
    """One random augmentation of an RGB ``image`` (0..255) as float32 of the same shape.

    ``strength`` (0..1) sets how far it may go: noise standard deviation up to 30 %
    of the pixel range, rotation up to a quarter turn either way, zoom up to 50 % in or out, crops down to
    half the side (resized back), erased patches up to 60 % of each side, mix-up weight of
    ``other`` up to ``strength``. ``seed`` picks the random draw. Mix-up needs ``other``, a second
    image of the same shape.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if not 0 <= strength <= 1:
        raise ValueError(f"strength must be between 0 and 1, not {strength}")
    x = np.asarray(image, dtype="float32")[None]
    height, width = x.shape[1:3]
    if kind == "noise":
        out = 255 * layers.GaussianNoise(0.3 * strength, seed=seed)(x / 255, training=True)
    elif kind == "mirroring":
        out = layers.RandomFlip("horizontal", seed=seed)(x, training=True)
    elif kind == "rotating":
        out = layers.RandomRotation(0.25 * strength, fill_mode="reflect", seed=seed)(x, training=True)
    elif kind == "resizing":
        out = layers.RandomZoom((-0.5 * strength, 0.5 * strength), fill_mode="constant", seed=seed)(x, training=True)
    elif kind == "cropping":
        side = 1 - 0.5 * strength
        crop = layers.RandomCrop(max(1, round(height * side)), max(1, round(width * side)), seed=seed)
        out = layers.Resizing(height, width)(crop(x, training=True))
    elif kind == "occlusion":
        if strength == 0:
            return x[0].copy()
        erase = layers.RandomErasing(
            factor=(1.0, 1.0), scale=(0.2 * strength, 0.6 * strength), fill_value=0.0, seed=seed
        )
        out = erase(x, training=True)
    else:
        if other is None:
            raise ValueError("mix-up blends two images: pass the second one as `other`")
        weight = mix_weight(strength, seed)
        both = np.stack([x[0], np.asarray(other, dtype="float32")])
        plan = {"mix_weight": np.array([weight, 1 - weight], "float32"), "permutation_order": np.array([1, 0])}
        out = layers.MixUp().transform_images(both, plan)
    return np.clip(keras.ops.convert_to_numpy(out)[0], 0, 255)


def mix_weight(strength: float, seed: int) -> float:
    """The weight of the first image in :func:`augment`'s mix-up for this strength and seed."""
    return float(1 - strength * keras.ops.convert_to_numpy(keras.random.uniform((), seed=seed)))


def show_gallery(
    image: np.ndarray,
    other: np.ndarray,
    *,
    names: tuple[str, str] = ("cat", "dog"),
    variants: int = 4,
    strength: float = 0.5,
) -> plt.Figure:
    """A row per kind of augmentation: the photo, then ``variants`` random draws of it.

    Mix-up blends ``image`` with ``other``; ``names`` are their labels, blended alike.
    """
    fig, axes = plt.subplots(len(KINDS), variants + 1, figsize=(1.9 * (variants + 1), 1.75 * len(KINDS)))
    for row, kind in zip(axes, KINDS):
        row[0].imshow(np.asarray(image).astype("uint8"))
        row[0].set_ylabel(kind, fontsize=10)
        for seed, ax in enumerate(row[1:]):
            ax.imshow(augment(image, kind, strength, seed=seed, other=other).astype("uint8"))
            if kind.startswith("mixing"):
                weight = mix_weight(strength, seed)
                ax.set_title(f"{weight:.2f} {names[0]} + {1 - weight:.2f} {names[1]}", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_title("original", fontsize=10)
    fig.tight_layout()
    return fig


def augmentation_explorer(
    image: np.ndarray, other: np.ndarray, names: tuple[str, str] = ("cat", "dog")
) -> FigureExplorer:
    """One photo and a random augmentation of it ("Data augmentation"): choose the kind,
    its strength and the random draw. Mix-up blends ``image`` with ``other``."""
    controls = {
        "kind": ipw.Dropdown(options=list(KINDS), description="kind"),
        "strength": ipw.FloatSlider(0.5, min=0.0, max=1.0, step=0.05, description="strength"),
        "seed": ipw.IntSlider(0, min=0, max=20, description="random draw", style=WIDE),
    }

    def draw(kind: str, strength: float, seed: int) -> plt.Figure:
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.6))
        axes[0].imshow(np.asarray(image).astype("uint8"))
        axes[0].set_title(f"original ({names[0]})")
        axes[1].imshow(augment(image, kind, strength, seed, other=other).astype("uint8"))
        title = kind
        if kind.startswith("mixing"):
            weight = mix_weight(strength, seed)
            title = f"label: {weight:.2f} {names[0]} + {1 - weight:.2f} {names[1]}"
        axes[1].set_title(title)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)

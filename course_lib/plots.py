"""Figures shared by the chapters: image grids, predictions, training curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


def show_images(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    cols: int = 6,
    size: float = 2.2,
) -> plt.Figure:
    """A grid of RGB images (uint8, or floats in 0..255) with optional titles."""
    images = list(images)
    rows = max(1, math.ceil(len(images) / cols))
    cols = min(cols, max(1, len(images)))
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(images):
            ax.imshow(np.clip(np.asarray(images[index]), 0, 255).astype("uint8"))
            if titles is not None:
                ax.set_title(titles[index], fontsize=9)
    fig.tight_layout()
    return fig


def show_predictions(image: np.ndarray, predictions: Sequence[tuple[str, str, float]], title: str = "") -> plt.Figure:
    """An image beside a bar chart of its top predictions, as ``decode_predictions``
    gives them: ``[(wnid, name, probability), ...]``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [1.2, 1]})
    left.imshow(np.clip(np.asarray(image), 0, 255).astype("uint8"))
    left.axis("off")
    left.set_title(title)
    names = [name for _, name, _ in predictions][::-1]
    scores = [float(p) for _, _, p in predictions][::-1]
    right.barh(names, scores, color="tab:blue")
    right.set_xlim(0, 1)
    right.set_xlabel("probability")
    for y, score in enumerate(scores):
        right.text(min(score + 0.02, 0.85), y, f"{score:.0%}", va="center")
    fig.tight_layout()
    return fig


def show_history(history, *, title: str = "", metrics: Sequence[str] = ("accuracy", "loss")) -> plt.Figure:
    """Training and validation curves from ``model.fit``'s history (or its ``.history``
    dict), one panel per metric: the picture that shows overfitting."""
    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

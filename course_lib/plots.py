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


def show_history(
    history, *, title: str = "", metrics: Sequence[str] = ("accuracy", "loss"), validation_every: int = 1
) -> plt.Figure:
    """Training and validation curves from ``model.fit``'s history (or its ``.history``
    dict), one panel per metric: the picture that shows overfitting. ``validation_every``
    is ``fit``'s ``validation_freq`` (validation after epochs k, 2k, ...)."""
    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        marker = 4 if len(epochs) > 40 else 6
        ax.plot(epochs, logs[metric], "o-", markersize=marker, label="training")
        if f"val_{metric}" in logs:
            validation = logs[f"val_{metric}"]
            ax.plot(
                validation_every * np.arange(1, len(validation) + 1),
                validation,
                "s-",
                markersize=marker,
                label="validation",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_histories(histories: dict[str, object], *, metric: str = "accuracy", title: str = "") -> plt.Figure:
    """One panel per model (``fit``'s histories by name), training and validation curves of
    ``metric`` on the same axes: what each change does, side by side (lecture: data
    augmentation, dropout)."""
    fig, axes = plt.subplots(1, len(histories), figsize=(3.6 * len(histories), 3.3), sharey=True, squeeze=False)
    for ax, (name, history) in zip(axes.flat, histories.items()):
        logs = getattr(history, "history", history)
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", markersize=4, label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs[: len(logs[f"val_{metric}"])], logs[f"val_{metric}"], "s-", markersize=4, label="validation")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes.flat[0].set_ylabel(metric)
    axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_vision_tasks(photos: Sequence[np.ndarray], labels: Sequence[str]) -> plt.Figure:
    """The lecture's uses of a convnet ("ConvNet"): classification (one label per photo),
    object detection (a box and a label per object) and segmentation (a label per pixel).

    ``photos`` (same size) are placed side by side as one scene. The boxes are where the
    photos were placed; the segmentation is a hand-drawn sketch (an ellipse per animal),
    standing in for what a segmentation network would draw.
    """
    from matplotlib.patches import Ellipse, Rectangle

    height, width = np.asarray(photos[0]).shape[:2]
    gap = 8
    scene = np.full((height, len(photos) * (width + gap) - gap, 3), 255, np.uint8)
    for index, photo in enumerate(photos):
        scene[:, index * (width + gap) : index * (width + gap) + width] = np.asarray(photo).astype("uint8")
    colors = {name: color for name, color in zip(sorted(set(labels)), ("tab:orange", "tab:blue", "tab:green"))}
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.3), gridspec_kw={"width_ratios": [1, len(photos), len(photos)]})
    axes[0].imshow(np.asarray(photos[-1]).astype("uint8"))
    axes[0].set_title(f"classification: {labels[-1]}")
    axes[1].imshow(scene)
    axes[1].set_title("object detection: " + ", ".join(labels))
    axes[2].imshow(scene)
    axes[2].set_title("segmentation (sketched): a class per pixel")
    for index, label in enumerate(labels):
        left = index * (width + gap)
        axes[1].add_patch(
            Rectangle((left + 4, 4), width - 8, height - 8, fill=False, edgecolor=colors[label], linewidth=2.5)
        )
        axes[1].text(
            left + 6, 6, label, color="white", va="top", fontsize=10, bbox={"color": colors[label], "pad": 1.5}
        )
        axes[2].add_patch(
            Ellipse((left + width / 2, height / 2), 0.8 * width, 0.85 * height, color=colors[label], alpha=0.5)
        )
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_accuracy_comparison(
    measured: dict[str, float], book: dict[str, float], *, title: str = "", book_label: str = "the book (3rd ed., test)"
) -> plt.Figure:
    """Test accuracies measured here beside the book's (``book_label`` says which of its
    figures), one pair of bars per model."""
    names = list(measured)
    index = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.9 * len(names) + 3, 3.2))
    for offset, (who, values, color) in enumerate(
        (("this notebook", measured, "tab:blue"), (book_label, book, "0.65"))
    ):
        heights = [values.get(name, np.nan) for name in names]
        bars = ax.bar(index + (offset - 0.5) * 0.38, heights, width=0.36, label=who, color=color)
        ax.bar_label(bars, labels=[f"{h:.0%}" if h == h else "" for h in heights], padding=2, fontsize=9)
    ax.set_xticks(index, names)
    ax.set_ylim(0.4, 1.0)
    ax.set_ylabel("test accuracy")
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_phases(histories: dict[str, object], *, metric: str = "accuracy", title: str = "") -> plt.Figure:
    """One training run made of phases (chapter 5.3: head on features, then augmentation,
    then fine-tuning): ``{phase name: history}`` drawn end to end, named at the bottom,
    every other phase shaded."""
    fig, ax = plt.subplots(figsize=(9, 3.4))
    start = 0
    for index, (phase, history) in enumerate(histories.items()):
        logs = getattr(history, "history", history)
        epochs = np.arange(start + 1, start + len(logs[metric]) + 1)
        if index % 2:
            ax.axvspan(start + 0.5, epochs[-1] + 0.5, color="0.93")
        middle = (start + 1 + epochs[-1]) / 2
        ax.text(
            middle,
            0.04 + 0.08 * (index % 2),
            phase,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=9,
        )
        ax.plot(epochs, logs[metric], "o-", color="tab:blue", label="training" if index == 0 else None)
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s-", color="tab:orange", label="validation" if index == 0 else None)
        start = int(epochs[-1])
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(loc="center")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig

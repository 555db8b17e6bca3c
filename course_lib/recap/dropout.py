"""Dropout, pictured: the lecture's "standard net / after applying dropout" from a real mask.

Serves the lecture section "Drop out" (book chapter 5.2). The masks come from
``keras.layers.Dropout`` itself, so the picture shows what Keras does in training: each
unit is dropped with probability ``rate`` and the survivors are scaled by ``1 / (1 - rate)``.
Writing dropout in NumPy is the student's exercise.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as ipw
import matplotlib.pyplot as plt
import numpy as np

from course_lib.backend import keras
from course_lib.explorer import WIDE, FigureExplorer

LAYER_SIZES = (4, 6, 6, 2)  # input, two hidden layers, output: the lecture's small network


def keras_dropout(values: np.ndarray, rate: float, seed: int = 0, training: bool = True) -> np.ndarray:
    """``values`` after ``keras.layers.Dropout(rate)``, in training or at inference."""
    layer = keras.layers.Dropout(rate, seed=seed)
    out = layer(np.asarray(values, dtype="float32"), training=training)
    return keras.ops.convert_to_numpy(out)


def masks(layer_sizes: Sequence[int], rate: float, seed: int = 0) -> list[np.ndarray]:
    """Which units survive, per layer: inputs and hidden layers drawn from a Keras dropout
    mask (at least one unit kept per layer), the output layer always complete."""
    kept = []
    for index, size in enumerate(layer_sizes):
        if index == len(layer_sizes) - 1:
            kept.append(np.ones(size, bool))
            continue
        draw = 0
        while True:
            mask = keras_dropout(np.ones(size), rate, seed=seed * 1000 + index * 37 + draw) != 0
            if mask.any():
                break
            draw += 1
        kept.append(mask)
    return kept


def _draw_network(ax: plt.Axes, layer_sizes: Sequence[int], kept: Sequence[np.ndarray], title: str) -> None:
    """Units as circles, connections between surviving units as lines; dropped units crossed."""
    top = max(layer_sizes)
    positions = [[(x, (top - size) / 2 + i) for i in range(size)] for x, size in enumerate(layer_sizes)]
    for x in range(len(layer_sizes) - 1):
        for i, (x0, y0) in enumerate(positions[x]):
            for j, (x1, y1) in enumerate(positions[x + 1]):
                if kept[x][i] and kept[x + 1][j]:
                    ax.plot([x0, x1], [y0, y1], color="0.35", linewidth=0.8, zorder=1)
    for layer, points in enumerate(positions):
        for i, (x, y) in enumerate(points):
            alive = kept[layer][i]
            ax.scatter(x, y, s=380, zorder=2, color="tab:blue" if alive else "white", edgecolors="black")
            if not alive:
                ax.scatter(x, y, s=220, marker="x", color="black", zorder=3, linewidths=2)
    ax.set_xlim(-0.5, len(layer_sizes) - 0.5)
    ax.set_ylim(top - 0.4, -0.6)
    ax.axis("off")
    ax.set_title(title, fontsize=11)


def show_dropout(
    rate: float = 0.5,
    seed: int = 0,
    *,
    training: bool = True,
    activations: bool = False,
    layer_sizes: Sequence[int] = LAYER_SIZES,
) -> plt.Figure:
    """The lecture's picture: (a) a standard net, (b) the same net after applying dropout
    with ``rate`` (one Keras mask per layer but the output layer; none at inference).

    With ``activations``, a bar chart below shows one layer's activations before and after
    ``keras.layers.Dropout``: dropped units are 0, the others are scaled by
    ``1 / (1 - rate)``, so the mean stays about the same.
    """
    fig = plt.figure(figsize=(9, 6.4 if activations else 3.6))
    grid = fig.add_gridspec(2 if activations else 1, 2, height_ratios=(1.3, 1) if activations else None)
    full = [np.ones(size, bool) for size in layer_sizes]
    kept = masks(layer_sizes, rate, seed) if training else full
    dropped = sum(int((~m).sum()) for m in kept)
    _draw_network(fig.add_subplot(grid[0, 0]), layer_sizes, full, "(a) Standard neural net")
    title = f"(b) After applying dropout (rate {rate:g}): {dropped} units dropped"
    if not training:
        title = "(b) At inference: dropout does nothing"
    _draw_network(fig.add_subplot(grid[0, 1]), layer_sizes, kept, title)
    if activations:
        _draw_activations(fig.add_subplot(grid[1, :]), rate, seed, training)
    fig.tight_layout()
    return fig


def _draw_activations(ax: plt.Axes, rate: float, seed: int, training: bool, units: int = 16) -> None:
    """Bars of a layer's activations before and after Keras's dropout."""
    values = np.linspace(0.2, 1.0, units).astype("float32")
    after = keras_dropout(values, rate, seed, training)
    index = np.arange(units)
    mode = "training" if training else "inference"
    ax.bar(index - 0.2, values, width=0.4, label=f"before (mean {values.mean():.2f})", color="0.6")
    ax.bar(index + 0.2, after, width=0.4, label=f"after, {mode} (mean {after.mean():.2f})", color="tab:orange")
    ax.set_xlabel("unit")
    ax.set_ylabel("activation")
    ax.set_xticks(index)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(f"one layer's activations through keras.layers.Dropout({rate:g}), {mode}", fontsize=10)


def dropout_explorer() -> FigureExplorer:
    """The lecture's dropout picture for any rate and random draw, in training or at
    inference, with one layer's activations before and after ("Drop out")."""
    controls = {
        "rate": ipw.FloatSlider(0.5, min=0.0, max=0.9, step=0.1, description="rate"),
        "seed": ipw.IntSlider(0, min=0, max=20, description="random draw", style=WIDE),
        "training": ipw.Checkbox(True, description="training"),
    }

    def draw(rate: float, seed: int, training: bool) -> plt.Figure:
        return show_dropout(rate, seed, training=training, activations=True)

    return FigureExplorer(draw, controls)

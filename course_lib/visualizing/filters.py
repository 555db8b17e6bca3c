"""Visualizing convnet filters (lecture part 3, book chapter 5.4): the input pattern
each filter responds to most, found by gradient ascent in input space, as a grid and in
an explorer.

Gradients come from :mod:`course_lib.backend`, the only backend-specific code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import ipywidgets as ipw
import matplotlib.pyplot as plt
import numpy as np

from course_lib import backend
from course_lib.backend import keras
from course_lib.explorer import FigureExplorer

ops = keras.ops


def deprocess(images: np.ndarray, contrast: float = 0.15) -> np.ndarray:
    """Turn gradient-ascent results into viewable uint8 RGB (the book's ``deprocess_image``):
    per image, centre on 0, scale to standard deviation ``contrast``, shift to 0.5, clip."""
    x = np.asarray(images, dtype="float32")
    axes = tuple(range(x.ndim - 3, x.ndim))
    x = x - x.mean(axis=axes, keepdims=True)
    x = x / (x.std(axis=axes, keepdims=True) + 1e-5) * contrast + 0.5
    return (np.clip(x, 0, 1) * 255).astype("uint8")


class FilterVisualizer:
    """Gradient ascent in input space for the filters of one layer (5.4, "Visualizing
    filters"): start from a grey image with a little noise and change its pixels, step by
    step, in the direction that raises the filter's mean activation.

    The ascent step is compiled once per layer; several filters are computed together, one
    image each, in one batch. Works on any model with a 0..255 RGB input of free size
    (e.g. ``bases.efficientnet_lite0(image_size=None)``) or of fixed size.
    """

    def __init__(self, model: keras.Model, layer_name: str, border: int = 2) -> None:
        self.layer_name = layer_name
        self.feature_model = keras.Model(model.inputs[0], model.get_layer(layer_name).output)
        self.channels = int(self.feature_model.output.shape[-1])
        self.input_size = model.input_shape[1]
        self.border = border
        self._step = backend.compiled(self._ascent_step)

    def score(self, images, filter_indices):
        """Mean activation of filter ``filter_indices[i]`` for image ``i``, leaving out a
        ``border`` of positions (edge effects of padding); shape ``(batch,)``."""
        maps = self.feature_model(images, training=False)
        b = self.border
        if b and maps.shape[1] is not None and maps.shape[1] > 4 * b:
            maps = maps[:, b:-b, b:-b, :]
        index = ops.reshape(ops.cast(filter_indices, "int32"), (-1, 1, 1, 1))
        return ops.mean(ops.take_along_axis(maps, index, axis=-1), axis=(1, 2, 3))

    def _ascent_step(self, images, filter_indices, step_size):
        scores, grads = backend.gradients(self.score, images, filter_indices)
        rms = ops.sqrt(ops.mean(ops.square(grads), axis=(1, 2, 3), keepdims=True))
        return images + step_size * grads / (rms + 1e-5), scores

    def ascend(
        self, filter_indices: Sequence[int], size: int = 128, steps: int = 30, step_size: float = 10.0, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw images (float, 0..255 scale) maximizing each filter, and the final scores."""
        indices = np.asarray(filter_indices, dtype="int32")
        if indices.ndim != 1 or not len(indices) or indices.min() < 0 or indices.max() >= self.channels:
            raise ValueError(f"filter indices must be a non-empty list in 0..{self.channels - 1}, got {filter_indices}")
        if self.input_size is not None:
            size = self.input_size
        rng = np.random.default_rng(seed)
        images = (128.0 + rng.uniform(-10, 10, (len(indices), size, size, 3))).astype("float32")
        images, scores = ops.convert_to_tensor(images), None
        step = ops.convert_to_tensor(step_size, "float32")
        for _ in range(steps):
            images, scores = self._step(images, indices, step)
        return ops.convert_to_numpy(images), ops.convert_to_numpy(scores)

    def patterns(
        self, filter_indices: Sequence[int], size: int = 128, steps: int = 30, step_size: float = 10.0, seed: int = 0
    ) -> np.ndarray:
        """The patterns of ``filter_indices`` as viewable uint8 RGB, ``(n, size, size, 3)``."""
        images, _ = self.ascend(filter_indices, size, steps, step_size, seed)
        return deprocess(images)


def show_patterns(
    patterns: np.ndarray, filter_indices: Sequence[int], title: str = "", *, cols: int = 8, size: float = 1.5
) -> plt.Figure:
    """A grid of filter patterns titled by filter index (5.4, "Visualizing filters")."""
    cols = min(cols, len(patterns))
    rows = math.ceil(len(patterns) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, pattern, index in zip(axes.flat, patterns, filter_indices):
        ax.imshow(pattern)
        ax.set_title(f"filter {index}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- the explorer -------------------------------------------------------------------


def filter_explorer(
    model: keras.Model, layer_names: Sequence[str], *, size: int = 128, steps: int = 30, step_size: float = 10.0
) -> FigureExplorer:
    """Pick a layer and a filter; see the input pattern that filter responds to most,
    found by gradient ascent (5.4, "Visualizing filters"). A pattern takes about a second
    the first time; patterns already seen come from a cache."""
    visualizers: dict[str, FilterVisualizer] = {}

    def visualizer(layer: str) -> FilterVisualizer:
        if layer not in visualizers:
            visualizers[layer] = FilterVisualizer(model, layer)
        return visualizers[layer]

    controls = {
        "layer": ipw.Dropdown(options=list(layer_names), description="layer"),
        "filter_index": ipw.IntSlider(
            0, 0, visualizer(layer_names[0]).channels - 1, description="filter", continuous_update=False
        ),
    }
    patterns: dict[tuple[str, int], tuple[np.ndarray, float]] = {}

    def on_layer(change: dict) -> None:
        controls["filter_index"].max = visualizer(change["new"]).channels - 1

    controls["layer"].observe(on_layer, names="value")

    def draw(layer: str, filter_index: int) -> plt.Figure:
        key = (layer, min(filter_index, visualizer(layer).channels - 1))
        if key not in patterns:
            raw, scores = visualizer(layer).ascend([key[1]], size=size, steps=steps, step_size=step_size)
            patterns[key] = deprocess(raw)[0], float(scores[0])
        pattern, score = patterns[key]
        fig, ax = plt.subplots(figsize=(4, 4.3))
        ax.imshow(pattern)
        ax.set_title(f"{key[0]}, filter {key[1]}\nmean activation {score:.2f} after {steps} steps", fontsize=10)
        ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)

"""Visualizing what convnets learn (lecture part 3, book chapter 5.4).

Three views of a trained convnet, as in the lecture, plus one from beyond the book:

- *activations*: the feature maps a layer outputs for one image (:func:`channel_grid`);
- *filters*: the input pattern each filter responds to most, found by gradient ascent in
  input space (:class:`FilterVisualizer`);
- *class-activation heatmaps* (Grad-CAM): where in the image the evidence for a class
  lies (:class:`GradCam`, :func:`overlay`);
- *occlusion sensitivity*: how much a class score drops when a grey patch hides part of
  the image (the exercise of the chapter), compared with Grad-CAM
  (:func:`show_occlusion_vs_grad_cam`).

Gradients come from :mod:`course_lib.backend`, the only backend-specific code; everything
here is written with ``keras.ops`` and NumPy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from . import backend
from .backend import keras

ops = keras.ops


# --- activations ------------------------------------------------------------------------


def outputs(model: keras.Model, images: np.ndarray, batch_size: int = 32) -> list[np.ndarray]:
    """The outputs of ``model`` for a batch of ``images``, as a list of NumPy arrays (one per
    output, also for a model with one output; float32 also for a model in mixed
    precision), computed batch by batch.

    Unlike ``model.predict``, nothing is compiled per model, so running many small models
    (one activation model per choice of layers) stays quick and free of TensorFlow's
    retracing warnings.
    """
    images = np.asarray(images, dtype="float32")
    try:
        as_list = isinstance(model.input, list)  # built from ``model.inputs``: expects a list
    except AttributeError:  # a Sequential model that was never called takes a tensor
        as_list = False
    batches = []
    for start in range(0, len(images), batch_size):
        x = ops.convert_to_tensor(images[start: start + batch_size])
        result = model([x] if as_list else x, training=False)
        batches.append([_full_float(ops.convert_to_numpy(r)) for r in (result if isinstance(result, (list, tuple)) else [result])])
    return [np.concatenate(parts) for parts in zip(*batches)]


def _full_float(array: np.ndarray) -> np.ndarray:
    """float32 for the half-width floats of a mixed-precision model (which matplotlib and
    NumPy's statistics handle poorly); other arrays unchanged."""
    return array.astype("float32") if array.dtype.name in ("bfloat16", "float16") else array


def activations(model: keras.Model, layer_names: Sequence[str], images: np.ndarray) -> dict[str, np.ndarray]:
    """The feature maps of the named layers for a batch of 0..255 ``images``, by layer
    name, each ``(n_images, height, width, channels)`` (5.4, "Visualizing activations";
    what the activation explorer shows)."""
    probe = keras.Model(model.inputs[0], [model.get_layer(name).output for name in layer_names])
    return dict(zip(layer_names, outputs(probe, images)))


def conv_and_pool_layers(model: keras.Model) -> list[str]:
    """Names of the model's convolution and pooling layers, input to output (5.4,
    "Visualizing activations": the layers whose outputs are feature maps)."""
    kinds = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.MaxPooling2D,
             keras.layers.AveragePooling2D)
    return [layer.name for layer in model.layers if isinstance(layer, kinds)]


def channel_grid(feature_maps: np.ndarray, cols: int = 16, max_channels: int | None = None) -> np.ndarray:
    """One layer's feature maps ``(height, width, channels)`` tiled into one 2-D image,
    channel 0 top left, a row of ``cols`` channels at a time, with a 1-pixel gap (NaN).

    Each channel is scaled to 0..1 on its own (min to max), so weak channels are visible
    too; a constant channel (a ReLU that never fired) is all 0.
    """
    maps = np.asarray(feature_maps, dtype="float32")
    if maps.ndim != 3:
        raise ValueError(f"expected one image's feature maps (height, width, channels), got shape {maps.shape}")
    if max_channels is not None:
        maps = maps[..., :max_channels]
    h, w, c = maps.shape
    low, high = maps.min(axis=(0, 1)), maps.max(axis=(0, 1))
    span = np.where(high > low, high - low, 1.0)
    maps = (maps - low) / span
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, dtype="float32")
    for index in range(c):
        r, k = divmod(index, cols)
        grid[r * (h + 1): r * (h + 1) + h, k * (w + 1): k * (w + 1) + w] = maps[..., index]
    return grid


def show_channel_grid(feature_maps: np.ndarray, title: str = "", *, cols: int = 16,
                      max_channels: int | None = None, cell_inches: float = 0.9,
                      cmap: str = "viridis") -> plt.Figure:
    """A figure of :func:`channel_grid`: every channel of one layer for one image (5.4)."""
    h, w, c = np.shape(feature_maps)
    channels = c if max_channels is None else min(max_channels, c)
    cols = min(cols, channels)
    grid = channel_grid(feature_maps, cols, max_channels)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="white")
    fig, ax = plt.subplots(figsize=(cell_inches * cols, cell_inches * cols * grid.shape[0] / grid.shape[1] + 0.5))
    ax.imshow(grid, cmap=colormap, vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    shown = f"{channels} of {c}" if channels < c else f"{c}"
    ax.set_title(f"{title}: {shown} channels of {h}x{w}" if title else f"{shown} channels of {h}x{w}", fontsize=10)
    fig.tight_layout()
    return fig


# --- filters ----------------------------------------------------------------------------


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
    (e.g. ``pretrained.efficientnet_lite0(image_size=None)``) or of fixed size.
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

    def ascend(self, filter_indices: Sequence[int], size: int = 128, steps: int = 30,
               step_size: float = 10.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
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

    def patterns(self, filter_indices: Sequence[int], size: int = 128, steps: int = 30,
                 step_size: float = 10.0, seed: int = 0) -> np.ndarray:
        """The patterns of ``filter_indices`` as viewable uint8 RGB, ``(n, size, size, 3)``."""
        images, _ = self.ascend(filter_indices, size, steps, step_size, seed)
        return deprocess(images)


def show_patterns(patterns: np.ndarray, filter_indices: Sequence[int], title: str = "", *,
                  cols: int = 8, size: float = 1.5) -> plt.Figure:
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


# --- class-activation heatmaps (Grad-CAM) -------------------------------------------------


class GradCam:
    """Grad-CAM (Selvaraju et al., 2017) for one conv layer of a classifier (5.4,
    "Visualizing heatmaps of class activation").

    The class score is the classifier's *logit*: the last (Dense) layer before its softmax
    or sigmoid, whose gradients do not vanish when the model is sure. Each channel of the
    layer's output is weighted by the mean gradient of the score over its positions; the
    weighted sum, through a ReLU, scaled to a maximum of 1, is the heatmap. A model with
    one sigmoid unit (cats vs dogs) has two classes: 1 (its unit) and 0 (minus its unit).

    The gradient model is built and compiled once; each call then costs one forward and
    one backward pass.
    """

    def __init__(self, model: keras.Model, layer_name: str) -> None:
        last = model.layers[-1]
        if not isinstance(last, keras.layers.Dense):
            raise ValueError(f"Grad-CAM needs a classifier ending in a Dense layer; {model.name} ends in {type(last).__name__}")
        self.layer_name = layer_name
        self.classes = int(last.units)
        self._last = last
        self._model = _sub_model(model, layer_name)
        self._compiled = backend.compiled(self._heatmaps)

    def logits(self, images):
        """Feature maps of the layer and class logits, shape ``(batch, classes)``."""
        features, hidden = self._model(images, training=False)
        logits = ops.matmul(ops.cast(hidden, "float32"), self._last.kernel)  # float32 under mixed precision too
        if self._last.use_bias:
            logits = logits + self._last.bias
        return features, logits

    def _class_score(self, images, class_index):
        features, logits = self.logits(images)
        if self.classes == 1:  # one sigmoid unit: class 1 is the unit, class 0 its opposite
            return features, ops.where(ops.equal(class_index, 1), logits[:, 0], -logits[:, 0])
        return features, ops.take(logits, class_index, axis=1)

    def _heatmaps(self, images, class_index):
        features, scores, grads = backend.feature_gradients(self._class_score, images, class_index)
        features, grads = ops.cast(features, "float32"), ops.cast(grads, "float32")
        weights = ops.mean(grads, axis=(1, 2), keepdims=True)
        cams = ops.relu(ops.sum(features * weights, axis=-1))
        peak = ops.max(cams, axis=(1, 2), keepdims=True)
        return ops.where(peak > 0, cams / ops.maximum(peak, 1e-12), 0.0), scores

    def __call__(self, image: np.ndarray, class_index: int) -> np.ndarray:
        """The heatmap ``(h, w)`` in 0..1 of one image (0..255 RGB at the model's size)
        for ``class_index``."""
        heatmaps, _ = self.batch(np.asarray(image)[np.newaxis], class_index)
        return heatmaps[0]

    def batch(self, images: np.ndarray, class_index: int) -> tuple[np.ndarray, np.ndarray]:
        """Heatmaps ``(n, h, w)`` of a batch for one class, and its scores (logits) ``(n,)``."""
        if not 0 <= class_index < max(self.classes, 2):
            raise ValueError(f"class_index must be in 0..{max(self.classes, 2) - 1}, got {class_index}")
        images = ops.convert_to_tensor(np.asarray(images, dtype="float32"))
        heatmaps, scores = self._compiled(images, ops.convert_to_tensor(class_index, "int32"))
        return ops.convert_to_numpy(heatmaps), ops.convert_to_numpy(scores)


def _sub_model(model: keras.Model, layer_name: str) -> keras.Model:
    """Image -> (output of ``layer_name``, input of the last layer), as one graph.

    A ``Sequential`` model is called layer by layer on a new input: the outputs its layers
    remember may belong to different calls of the model, and a gradient between two of
    them would then be None.
    """
    model.get_layer(layer_name)  # a clear error for an unknown name
    if not isinstance(model, keras.Sequential):
        return keras.Model(model.inputs[0], [model.get_layer(layer_name).output, model.layers[-1].input])
    x = inputs = keras.Input(model.input_shape[1:])
    for layer in model.layers[:-1]:
        x = layer(x)
        if layer.name == layer_name:
            features = x
    return keras.Model(inputs, [features, x])


def resize(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """An image ``(h, w, channels)`` or a heatmap ``(h, w)`` resized (bilinear) to
    ``shape = (height, width)``, as float32."""
    array = np.asarray(array, "float32")
    resized = ops.image.resize(array if array.ndim == 3 else array[..., np.newaxis], tuple(shape))
    resized = ops.convert_to_numpy(resized)
    return resized if array.ndim == 3 else resized[..., 0]


def overlay(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45, cmap: str = "jet") -> np.ndarray:
    """The heatmap, resized to the image and coloured with ``matplotlib.colormaps[cmap]``,
    laid over the image with opacity ``alpha``; uint8 RGB of the image's size."""
    image = np.asarray(image, dtype="float32")
    heat = np.clip(resize(heatmap, image.shape[:2]), 0, 1)
    colours = matplotlib.colormaps[cmap](heat)[..., :3] * 255
    return np.clip((1 - alpha) * image + alpha * colours, 0, 255).astype("uint8")


def peak(heatmap: np.ndarray, shape: tuple[int, int] | None = None) -> tuple[float, float]:
    """``(row, column)`` of the heatmap's maximum, at the centre of its cell; in the
    coordinates of an image of ``shape`` when given (the heatmap stretched over it)."""
    heatmap = np.asarray(heatmap)
    row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    if shape is None:
        return float(row), float(col)
    return (row + 0.5) * shape[0] / heatmap.shape[0], (col + 0.5) * shape[1] / heatmap.shape[1]


def show_grad_cams(images: Sequence[np.ndarray], heatmaps: Sequence[np.ndarray],
                   titles: Sequence[str], *, size: float = 3.0) -> plt.Figure:
    """One row per image: the photo, its raw heatmap, and the heatmap laid over it (5.4)."""
    heights = [size * np.shape(image)[0] / np.shape(image)[1] + 0.4 for image in images]
    fig, axes = plt.subplots(len(images), 3, figsize=(3 * size, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for row, image, heatmap, title in zip(axes, images, heatmaps, titles):
        row[0].imshow(np.asarray(image).astype("uint8"))
        row[0].set_title(title, fontsize=9)
        h, w = np.shape(image)[:2]
        row[1].imshow(heatmap, cmap=matplotlib.colormaps["jet"], vmin=0, vmax=1, extent=(0, w, h, 0))
        row[1].set_title(f"heatmap ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=9)
        row[2].imshow(overlay(image, heatmap))
        row[2].set_title("heatmap over the photo", fontsize=9)
        for ax in row:
            ax.axis("off")
    fig.tight_layout()
    return fig


def side_by_side(left: np.ndarray, right: np.ndarray, size: int = 224) -> np.ndarray:
    """Two photos in one image, each resized to ``size`` x ``size`` as the model sees it:
    uint8, shape ``(size, 2 * size, 3)``. Shows two animals in one picture."""
    halves = [resize(photo, (size, size)) for photo in (left, right)]
    return np.clip(np.round(np.concatenate(halves, axis=1)), 0, 255).astype("uint8")


# --- occlusion --------------------------------------------------------------------------


def show_occlusion_vs_grad_cam(image: np.ndarray, occlusion: np.ndarray, heatmap: np.ndarray,
                               title: str = "") -> plt.Figure:
    """The photo, its occlusion map (score drop where a grey patch hides it) and its
    Grad-CAM heatmap for the same class, both laid over the photo."""
    positive = np.clip(np.asarray(occlusion, "float32"), 0, None)
    scaled = positive / positive.max() if positive.max() > 0 else positive
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    axes[0].imshow(np.asarray(image).astype("uint8"))
    axes[0].set_title(title or "photo", fontsize=10)
    axes[1].imshow(overlay(image, scaled))
    axes[1].set_title(f"occlusion: score drop ({occlusion.shape[0]}x{occlusion.shape[1]} patches)", fontsize=10)
    axes[2].imshow(overlay(image, heatmap))
    axes[2].set_title(f"Grad-CAM ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=10)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


# --- timing -----------------------------------------------------------------------------


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` calls
    (the first call of a compiled function includes its tracing)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))

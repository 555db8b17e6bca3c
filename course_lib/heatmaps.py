"""Class-activation heatmaps (lecture part 3, book chapter 5.4, "Visualizing heatmaps of
class activation"): where in a photo the evidence for a class lies, by Grad-CAM
(:class:`GradCam`), laid over the photo (:func:`overlay`), compared with occlusion
sensitivity (beyond the book), and in an explorer.

Gradients come from :mod:`course_lib.backend`, the only backend-specific code;
everything here is written with ``keras.ops`` and NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from . import backend
from .backend import keras
from .explorer import WIDE, FigureExplorer

ops = keras.ops
#: The colours of heatmaps, raw and over photos (the lecture's and the book's).
HEATMAP_CMAP = "jet"


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


def draw_heatmap(ax: plt.Axes, heatmap: np.ndarray, shape: Sequence[int]) -> None:
    """Draw a 0..1 heatmap on ``ax`` in :data:`HEATMAP_CMAP`, stretched over an image of
    ``shape`` (its coordinates, so that marks on the photo line up)."""
    ax.imshow(heatmap, cmap=matplotlib.colormaps[HEATMAP_CMAP], vmin=0, vmax=1, extent=(0, shape[1], shape[0], 0))


def overlay(image: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45, cmap: str | None = None) -> np.ndarray:
    """The heatmap, resized to the image and coloured with ``matplotlib.colormaps[cmap]``,
    laid over the image with opacity ``alpha``; uint8 RGB of the image's size."""
    image = np.asarray(image, dtype="float32")
    heat = np.clip(resize(heatmap, image.shape[:2]), 0, 1)
    colours = matplotlib.colormaps[cmap or HEATMAP_CMAP](heat)[..., :3] * 255
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
        draw_heatmap(row[1], heatmap, np.shape(image))
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


# --- the explorer -------------------------------------------------------------------


def grad_cam_explorer(model: keras.Model, images: Mapping[str, np.ndarray], layer_names: Sequence[str], *,
                      inputs: Mapping[str, np.ndarray] | None = None, class_names: Sequence[str] | None = None,
                      top: int = 5, size: int = 224) -> FigureExplorer:
    """Pick an image, one of its ``top`` classes and a layer; see the Grad-CAM heatmap of
    that class over the photo (5.4, "Visualizing heatmaps of class activation").

    ``model`` is a classifier on 0..255 RGB ending in a Dense layer (logits preferred).
    ``inputs`` are what the model sees of each image, by default the photo resized to the
    model's input size (``size`` x ``size`` when it accepts any). Each image's top classes
    are computed once; each heatmap the first time it is shown, then cached.
    """
    if inputs is None:
        height, width = model.input_shape[1:3]
        inputs = {name: resize(photo, (height or size, width or size)) for name, photo in images.items()}
    cams: dict[str, GradCam] = {}

    def grad_cam(layer: str) -> GradCam:
        if layer not in cams:
            cams[layer] = GradCam(model, layer)
        return cams[layer]

    first = grad_cam(layer_names[0])
    n_classes = max(first.classes, 2)
    class_names = list(class_names or (["cat", "dog"] if first.classes == 1 else [str(i) for i in range(n_classes)]))
    choices: dict[str, list[tuple[str, int]]] = {}
    for name, batch in inputs.items():
        _, logits = first.logits(np.asarray(batch, "float32")[np.newaxis])
        logits = keras.ops.convert_to_numpy(logits)[0]
        if first.classes == 1:
            p_one = 1 / (1 + np.exp(-logits[0]))
            probabilities = np.array([1 - p_one, p_one])
        else:
            probabilities = np.exp(logits - logits.max())
            probabilities /= probabilities.sum()
        best = np.argsort(probabilities)[::-1][: min(top, n_classes)]
        choices[name] = [(f"{class_names[i]} ({probabilities[i]:.0%})", int(i)) for i in best]

    names = list(images)
    controls = {
        "image": ipw.Dropdown(options=names, description="image"),
        "class_index": ipw.Dropdown(options=choices[names[0]], description="class", style=WIDE),
        "layer": ipw.Dropdown(options=list(layer_names), description="layer"),
    }
    heatmaps: dict[tuple[str, int, str], np.ndarray] = {}

    def on_image(change: dict) -> None:
        controls["class_index"].options = choices[change["new"]]  # selects that image's top class

    controls["image"].observe(on_image, names="value")

    def draw(image: str, class_index: int, layer: str) -> plt.Figure:
        if class_index not in dict(choices[image]).values():  # between two redraws of a change of image
            class_index = choices[image][0][1]
        key = (image, class_index, layer)
        if key not in heatmaps:
            heatmaps[key] = grad_cam(layer)(inputs[image], class_index)
        heatmap = heatmaps[key]
        photo = np.asarray(images[image])
        label = next(text for text, index in choices[image] if index == class_index)
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
        axes[0].imshow(overlay(photo, heatmap))
        axes[0].set_title(f"{image}: where is '{label}'?", fontsize=10)
        draw_heatmap(axes[1], heatmap, photo.shape)
        axes[1].set_title(f"Grad-CAM on {layer} ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=10)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)

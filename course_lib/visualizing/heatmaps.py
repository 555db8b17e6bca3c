"""Class-activation heatmaps (lecture part 3, book chapter 5.4, "Visualizing heatmaps of
class activation"): where in a photo the evidence for a class lies. Grad-CAM, the book's,
and beyond the book Grad-CAM++ and the gradient-free Eigen-CAM, each a small subclass of
:class:`ClassActivationMap`; occlusion sensitivity (:func:`occlusion`); all of them side by
side (:func:`explain`, :func:`show_methods`) and in an explorer with a method dropdown.
Whether a map is faithful to the model is :mod:`course_lib.visualizing.faithfulness`'s question.

Gradients come from :mod:`course_lib.backend`, the only backend-specific code;
everything here is written with ``keras.ops`` and NumPy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from course_lib import backend
from course_lib.backend import keras
from course_lib.explorer import WIDE, FigureExplorer

ops = keras.ops
#: The colours of heatmaps, raw and over photos: perceptually uniform (equal steps of heat
#: look like equal steps of colour, dark to bright, also to colour-blind readers and in
#: grey), unlike the lecture's and the book's ``jet``, whose bright bands invent edges.
HEATMAP_CMAP = "inferno"


def class_logit(logits, class_index):
    """The score a heatmap explains (the *target*, as pytorch-grad-cam calls it): the logit
    of class ``class_index`` for each image, ``(batch,)``. A model with one sigmoid unit
    (cats vs dogs) has two classes: 1, its unit, and 0, minus its unit."""
    if logits.shape[-1] == 1:
        return ops.where(ops.equal(class_index, 1), logits[:, 0], -logits[:, 0])
    return ops.take(logits, class_index, axis=1)


Target = Callable[[object, object], object]  # (logits (batch, classes), class index) -> scores (batch,)


class ClassActivationMap:
    """What the class-activation methods share (5.4, "Visualizing heatmaps of class
    activation"): the output of one conv layer of a classifier, its channels weighted and
    summed, through a ReLU, scaled to a maximum of 1. Each method is a small subclass that
    says how to weight the channels (:meth:`channel_weights`).

    The score a map explains is ``target(logits, class_index)``, by default
    :func:`class_logit`: the classifier's *logit*, before its softmax or sigmoid, whose
    gradients do not vanish when the model is sure.

    The model is built and compiled once; each call then costs one forward and one
    backward pass. With ``compile=False`` nothing is traced: a single map costs less so.
    """

    method = "class activation map"

    def __init__(
        self, model: keras.Model, layer_name: str, *, compile: bool = True, target: Target | None = None
    ) -> None:
        last = model.layers[-1]
        if not isinstance(last, keras.layers.Dense):
            raise ValueError(
                f"{self.method} needs a classifier ending in a Dense layer; {model.name} ends in {type(last).__name__}"
            )
        self.layer_name = layer_name
        self.target = target or class_logit
        self.classes = int(last.units)
        self._last = last
        self._model = _sub_model(model, layer_name)
        self._run = backend.compiled(self._maps) if compile else self._maps

    def logits(self, images):
        """Feature maps of the layer and class logits, shape ``(batch, classes)``."""
        features, hidden = self._model(images, training=False)
        logits = ops.matmul(ops.cast(hidden, "float32"), self._last.kernel)  # float32 under mixed precision too
        if self._last.use_bias:
            logits = logits + self._last.bias
        return features, logits

    def _class_score(self, images, class_index):
        features, logits = self.logits(images)
        return features, self.target(logits, class_index)

    def scores(self, images: np.ndarray, class_index: int) -> np.ndarray:
        """The class score (logit) of each image of a batch, ``(n,)``: forward passes only."""
        _, score = self._class_score(np.asarray(images, "float32"), ops.convert_to_tensor(class_index, "int32"))
        return ops.convert_to_numpy(score)

    def channel_weights(self, features, gradients):
        """One weight per channel and image, shape ``(batch, 1, 1, channels)``, from the
        feature maps and the score's gradients, both ``(batch, h, w, channels)``."""
        raise NotImplementedError

    def _maps(self, images, class_index):
        features, scores, grads = backend.feature_gradients(self._class_score, images, class_index)
        features, grads = ops.cast(features, "float32"), ops.cast(grads, "float32")
        return _scaled(ops.relu(ops.sum(features * self.channel_weights(features, grads), axis=-1))), scores

    def maps_and_gradients(self, image: np.ndarray, class_index: int) -> tuple[np.ndarray, np.ndarray]:
        """The layer's feature maps ``(h, w, channels)`` for one image (0..255 RGB at the
        model's size), and the gradient of the class score with respect to them."""
        images = ops.convert_to_tensor(np.asarray(image, dtype="float32")[np.newaxis])
        features, _, grads = backend.feature_gradients(
            self._class_score, images, ops.convert_to_tensor(class_index, "int32")
        )
        as_numpy = [ops.convert_to_numpy(ops.cast(values, "float32"))[0] for values in (features, grads)]
        return as_numpy[0], as_numpy[1]

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
        heatmaps, scores = self._run(images, ops.convert_to_tensor(class_index, "int32"))
        return ops.convert_to_numpy(heatmaps), ops.convert_to_numpy(scores)


#: Activations whose outputs are never negative.
NON_NEGATIVE = {"relu", "relu6", "sigmoid", "softmax", "softplus", "hard_sigmoid", "exponential"}


def never_negative(model: keras.Model, layer_name: str) -> bool:
    """Whether the layer's outputs can never be negative: it ends in a ReLU-like activation
    (its own, or it is an activation layer). Other layers may be negative, as far as the
    layer alone tells."""
    layer = model.get_layer(layer_name)
    if isinstance(layer, keras.layers.ReLU):
        return float(layer.negative_slope) == 0.0
    return getattr(getattr(layer, "activation", None), "__name__", "") in NON_NEGATIVE


def _scaled(cams):
    """Maps ``(batch, h, w)`` divided by their maximum; an all-zero map stays zero."""
    peak = ops.max(cams, axis=(1, 2), keepdims=True)
    return ops.where(peak > 0, cams / ops.maximum(peak, 1e-12), 0.0)


class GradCam(ClassActivationMap):
    """Grad-CAM (Selvaraju et al., 2017), the lecture's: each channel weighted by the mean
    gradient of the class score over its positions."""

    method = "Grad-CAM"

    def channel_weights(self, features, gradients):
        return ops.mean(gradients, axis=(1, 2), keepdims=True)


class GradCamPlusPlus(ClassActivationMap):
    """Grad-CAM++ (Chattopadhay et al., 2018): each position's positive gradient counts with
    a weight ``alpha`` that favours the positions where a channel is active, so that
    several objects of a class, or a large one, all light up.

    With the exponential of the score as the paper takes it, its second and third
    derivatives are the squares and cubes of the first: ``alpha = g**2 / (2 g**2 +
    sum(A) g**3)``, ``weight = sum(alpha * relu(g))`` over the positions.

    The derivation takes the activations ``A`` after a ReLU, never negative: on a layer
    whose outputs can be negative (a BatchNormalization, an addition) ``sum(A)`` can cancel
    ``2 g**2`` and the weights blow up or flip sign. Use it only where
    :func:`never_negative` holds (the explorer offers it nowhere else).
    """

    method = "Grad-CAM++"

    def channel_weights(self, features, gradients):
        g2, g3 = gradients**2, gradients**3
        denominator = 2 * g2 + ops.sum(features, axis=(1, 2), keepdims=True) * g3
        alpha = g2 / ops.where(ops.not_equal(denominator, 0), denominator, 1.0)
        return ops.sum(alpha * ops.relu(gradients), axis=(1, 2), keepdims=True)


class EigenCam(ClassActivationMap):
    """Eigen-CAM (Muhammad and Yeasin, 2020): no gradients and no class at all, the
    feature maps projected on their first principal component (over the positions). It
    shows what the layer finds most salient, whatever the class asked: one forward pass,
    but the same map for "cat" and "dog". The component's sign is chosen so that the map
    agrees with the channels' mean activation."""

    method = "Eigen-CAM"

    def _maps(self, images, class_index):
        features, scores = self._class_score(images, class_index)
        features = ops.cast(features, "float32")
        n, height, width, channels = ops.shape(features)
        flat = ops.reshape(features, (n, height * width, channels))
        centred = flat - ops.mean(flat, axis=1, keepdims=True)
        _, _, vt = ops.svd(centred, full_matrices=False)
        projection = ops.einsum("npc,nc->np", centred, vt[:, 0, :])
        agreement = ops.sum(projection * ops.mean(flat, axis=2), axis=1, keepdims=True)
        projection = ops.where(agreement < 0, -projection, projection)
        return _scaled(ops.relu(ops.reshape(projection, (n, height, width)))), scores


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


def draw_heatmap(ax: plt.Axes, heatmap: np.ndarray, shape: Sequence[int], *, colorbar: bool = True) -> None:
    """Draw a 0..1 heatmap on ``ax`` in :data:`HEATMAP_CMAP`, stretched over an image of
    ``shape`` (its coordinates, so that marks on the photo line up), with a colour bar."""
    shown = ax.imshow(
        heatmap, cmap=matplotlib.colormaps[HEATMAP_CMAP], vmin=0, vmax=1, extent=(0, shape[1], shape[0], 0)
    )
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.03, label="share of the peak")


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


def show_grad_cams(
    images: Sequence[np.ndarray], heatmaps: Sequence[np.ndarray], titles: Sequence[str], *, size: float = 3.0
) -> plt.Figure:
    """One row per image: the photo, its raw heatmap, and the heatmap laid over it (5.4)."""
    heights = [size * np.shape(image)[0] / np.shape(image)[1] + 0.4 for image in images]
    fig, axes = plt.subplots(
        len(images), 3, figsize=(3 * size, sum(heights)), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
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


#: The class-activation methods, by the name the figures and the explorer show.
METHODS: dict[str, type[ClassActivationMap]] = {cls.method: cls for cls in (GradCam, GradCamPlusPlus, EigenCam)}


def occlusion_patch(shape: Sequence[int]) -> tuple[int, int]:
    """Occlusion's patch and stride for an image of ``shape``: a seventh of its side, every
    half patch (32 and 16 on 224 x 224: 13 x 13 positions)."""
    patch = max(1, min(shape[0], shape[1]) // 7)
    return patch, max(1, patch // 2)


def explain(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    layer_name: str,
    methods: Sequence[str] = (*METHODS, "occlusion"),
) -> dict[str, np.ndarray]:
    """Each method's 0..1 map of one image (0..255 RGB at the model's input size) for one
    class: the class-activation methods on ``layer_name``, occlusion on the class score."""
    maps = {}
    for name in methods:
        if name == "occlusion":
            maps[name] = occlusion_map(GradCam(model, layer_name, compile=False), image, class_index)
        else:
            maps[name] = METHODS[name](model, layer_name, compile=False)(image, class_index)
    return maps


def show_methods(
    image: np.ndarray, maps: Mapping[str, np.ndarray], title: str = "", *, size: float = 2.8
) -> plt.Figure:
    """The photo and each method's map over it, in one row, with one colour bar."""
    fig, axes = plt.subplots(1, len(maps) + 1, figsize=(size * (len(maps) + 1) + 0.8, size + 0.5))
    axes[0].imshow(np.asarray(image).astype("uint8"))
    axes[0].set_title(title or "photo", fontsize=9)
    for ax, (name, heatmap) in zip(axes[1:], maps.items()):
        ax.imshow(overlay(image, heatmap))
        ax.set_title(f"{name} ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=9)
    for ax in axes:
        ax.axis("off")
    colour_bar(fig, list(axes))
    return fig


def colour_bar(fig: plt.Figure, axes: Sequence[plt.Axes]) -> None:
    """One colour bar of :data:`HEATMAP_CMAP` (0..1, a share of each map's peak) for ``axes``."""
    shown = plt.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 1), cmap=HEATMAP_CMAP)
    fig.colorbar(shown, ax=list(axes), fraction=0.02, pad=0.01, label="share of the peak")


def share_of_peak(drops: np.ndarray) -> np.ndarray:
    """An occlusion map as a 0..1 heatmap: its positive drops divided by the largest (the
    evidence for the class); all zeros when nothing hidden lowered the score."""
    positive = np.clip(np.asarray(drops, "float32"), 0, None)
    return positive / positive.max() if positive.max() > 0 else positive


# --- occlusion --------------------------------------------------------------------------


def occlusion(
    score: Callable[[np.ndarray], np.ndarray], image: np.ndarray, patch: int, stride: int, fill: float = 128.0
) -> np.ndarray:
    """Occlusion sensitivity (Zeiler and Fergus, 2014): the drop of ``score`` (a batch of
    images -> one number each) when a ``patch`` x ``patch`` square of ``fill`` hides the
    image, at every ``stride`` pixels; shape ``(rows, columns)`` of the patches that fit.
    Needs forward passes only: one per patch position, in one batch."""
    image = np.asarray(image, dtype="float32")
    tops = range(0, image.shape[0] - patch + 1, stride)
    lefts = range(0, image.shape[1] - patch + 1, stride)
    hidden = np.repeat(image[np.newaxis], len(tops) * len(lefts), axis=0)
    for n, (top, left) in enumerate(itertools.product(tops, lefts)):
        hidden[n, top : top + patch, left : left + patch] = fill
    drops = np.asarray(score(image[np.newaxis]))[0] - np.asarray(score(hidden))
    return drops.reshape(len(tops), len(lefts))


def occlusion_map(scorer: ClassActivationMap, image: np.ndarray, class_index: int) -> np.ndarray:
    """Occlusion's 0..1 map of ``image`` for ``class_index``, on the class score of
    ``scorer``'s model, with :func:`occlusion_patch`'s patches."""

    def score(batch: np.ndarray) -> np.ndarray:
        return scorer.scores(batch, class_index)

    return share_of_peak(occlusion(score, image, *occlusion_patch(np.shape(image))))


def show_occlusion_vs_grad_cam(
    image: np.ndarray, drops: np.ndarray, heatmap: np.ndarray, title: str = ""
) -> plt.Figure:
    """The photo, its occlusion map ``drops`` (score drop where a grey patch hides it) and
    its Grad-CAM heatmap for the same class, both laid over the photo."""
    scaled = share_of_peak(drops)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    axes[0].imshow(np.asarray(image).astype("uint8"))
    axes[0].set_title(title or "photo", fontsize=10)
    axes[1].imshow(overlay(image, scaled))
    axes[1].set_title(f"occlusion: score drop ({drops.shape[0]}x{drops.shape[1]} patches)", fontsize=10)
    axes[2].imshow(overlay(image, heatmap))
    axes[2].set_title(f"Grad-CAM ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=10)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


# --- the explorer -------------------------------------------------------------------


def grad_cam_explorer(
    model: keras.Model,
    images: Mapping[str, np.ndarray],
    layer_names: Sequence[str],
    *,
    inputs: Mapping[str, np.ndarray] | None = None,
    class_names: Sequence[str] | None = None,
    top: int = 5,
    size: int = 224,
    methods: Sequence[str] = (*METHODS, "occlusion"),
) -> FigureExplorer:
    """Pick an image, one of its ``top`` classes, a layer and a method; see that method's
    heatmap of the class over the photo (5.4, "Visualizing heatmaps of class activation",
    and beyond the book: Grad-CAM++, Eigen-CAM, occlusion).

    ``model`` is a classifier on 0..255 RGB ending in a Dense layer (logits preferred).
    ``inputs`` are what the model sees of each image, by default the photo resized to the
    model's input size (``size`` x ``size`` when it accepts any). Each image's top classes
    are computed once; each heatmap the first time it is shown, then cached. Occlusion
    uses no layer (its map does not change with the layer). Grad-CAM++ is offered only on
    layers whose outputs are never negative (:func:`never_negative`), as its weights assume.
    """
    if inputs is None:
        height, width = model.input_shape[1:3]
        inputs = {name: resize(photo, (height or size, width or size)) for name, photo in images.items()}
    maps = _HeatmapCache(model, inputs, layer_names[0])
    choices = {name: maps.top_classes(name, class_names, top) for name in inputs}
    names = list(images)

    def methods_on(layer: str) -> list[str]:
        return [m for m in methods if m != GradCamPlusPlus.method or never_negative(model, layer)]

    controls = {
        "image": ipw.Dropdown(options=names, description="image"),
        "class_index": ipw.Dropdown(options=choices[names[0]], description="class", style=WIDE),
        "layer": ipw.Dropdown(options=list(layer_names), description="layer"),
        "method": ipw.Dropdown(options=methods_on(layer_names[0]), description="method"),
    }

    def on_image(change: dict) -> None:
        controls["class_index"].options = choices[change["new"]]  # selects that image's top class

    def on_layer(change: dict) -> None:
        method = controls["method"]
        chosen, allowed = method.value, methods_on(change["new"])
        if list(method.options) != allowed:
            method.options = allowed  # Grad-CAM++ only where the activations are never negative
            method.value = chosen if chosen in allowed else allowed[0]

    controls["image"].observe(on_image, names="value")
    controls["layer"].observe(on_layer, names="value")

    def draw(image: str, class_index: int, layer: str, method: str) -> plt.Figure:
        if class_index not in dict(choices[image]).values():  # between two redraws of a change of image
            class_index = choices[image][0][1]
        label = next(text for text, index in choices[image] if index == class_index)
        where = "patches of the photo" if method == "occlusion" else layer
        heatmap = maps.heatmap(image, class_index, layer, method)
        return _photo_and_heatmap(
            np.asarray(images[image]), heatmap, f"{image}: where is '{label}'?", f"{method} on {where}"
        )

    return FigureExplorer(draw, controls)


class _HeatmapCache:
    """The explorer's maps: one class-activation map per method and layer, built on first
    use, and each heatmap computed the first time it is asked for."""

    def __init__(self, model: keras.Model, inputs: Mapping[str, np.ndarray], first_layer: str) -> None:
        self.model, self.inputs = model, inputs
        self._cams: dict[tuple[str, str], ClassActivationMap] = {}
        self._maps: dict[tuple[str, int, str, str], np.ndarray] = {}
        self.scorer = self.cam("Grad-CAM", first_layer)

    def cam(self, method: str, layer: str) -> ClassActivationMap:
        if (method, layer) not in self._cams:
            self._cams[method, layer] = METHODS.get(method, GradCam)(self.model, layer)
        return self._cams[method, layer]

    def top_classes(self, image: str, class_names: Sequence[str] | None, top: int) -> list[tuple[str, int]]:
        """The ``top`` classes of ``image`` by probability, as (label with probability, index)."""
        _, logits = self.scorer.logits(np.asarray(self.inputs[image], "float32")[np.newaxis])
        probabilities = _probabilities(keras.ops.convert_to_numpy(logits)[0])
        if class_names is None:  # one sigmoid unit: cats vs dogs
            class_names = ["cat", "dog"] if self.scorer.classes == 1 else [str(i) for i in range(len(probabilities))]
        best = np.argsort(probabilities)[::-1][: min(top, len(probabilities))]
        return [(f"{class_names[i]} ({probabilities[i]:.0%})", int(i)) for i in best]

    def heatmap(self, image: str, class_index: int, layer: str, method: str) -> np.ndarray:
        """``method``'s 0..1 map of ``image`` for ``class_index`` (occlusion: on no layer)."""
        key = (image, class_index, "" if method == "occlusion" else layer, method)
        if key not in self._maps:
            photo = self.inputs[image]
            if method == "occlusion":
                self._maps[key] = occlusion_map(self.scorer, photo, class_index)
            else:
                self._maps[key] = self.cam(method, layer)(photo, class_index)
        return self._maps[key]


def _probabilities(logits: np.ndarray) -> np.ndarray:
    """Class probabilities from one image's logits; one sigmoid unit gives two classes."""
    if len(logits) == 1:
        p_one = 1 / (1 + np.exp(-logits[0]))
        return np.array([1 - p_one, p_one])
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def _photo_and_heatmap(photo: np.ndarray, heatmap: np.ndarray, title: str, method: str) -> plt.Figure:
    """The heatmap over the photo, and alone, with a colour bar: the explorer's figure."""
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8))
    axes[0].imshow(overlay(photo, heatmap))
    axes[0].set_title(title, fontsize=10)
    draw_heatmap(axes[1], heatmap, photo.shape)
    axes[1].set_title(f"{method} ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=10)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig

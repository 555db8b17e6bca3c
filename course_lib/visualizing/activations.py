"""Visualizing intermediate activations (lecture part 3, book chapter 5.4): the feature
maps each layer of a convnet outputs for a photo, as a grid of channels and in an explorer.

Everything is written with ``keras.ops`` and NumPy; no gradients are needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_lib.backend import keras
from course_lib.explorer import WIDE, FigureExplorer

ops = keras.ops
#: Feature maps are drawn in viridis: perceptually uniform, readable in grey and by
#: colour-blind readers.
CHANNEL_CMAP = "viridis"


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
        x = ops.convert_to_tensor(images[start : start + batch_size])
        result = model([x] if as_list else x, training=False)
        batches.append(
            [_full_float(ops.convert_to_numpy(r)) for r in (result if isinstance(result, (list, tuple)) else [result])]
        )
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
    kinds = (
        keras.layers.Conv2D,
        keras.layers.DepthwiseConv2D,
        keras.layers.MaxPooling2D,
        keras.layers.AveragePooling2D,
    )
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
        grid[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = maps[..., index]
    return grid


def draw_channel_grid(ax: plt.Axes, grid: np.ndarray, cmap: str = CHANNEL_CMAP) -> None:
    """Draw a :func:`channel_grid` on ``ax``: 0..1 in ``cmap``, the gaps white, no axes."""
    ax.imshow(grid, cmap=matplotlib.colormaps[cmap].with_extremes(bad="white"), vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")


def show_channel_grid(
    feature_maps: np.ndarray,
    title: str = "",
    *,
    cols: int = 16,
    max_channels: int | None = None,
    cell_inches: float = 0.9,
    cmap: str = CHANNEL_CMAP,
) -> plt.Figure:
    """A figure of :func:`channel_grid`: every channel of one layer for one image (5.4)."""
    h, w, c = np.shape(feature_maps)
    channels = c if max_channels is None else min(max_channels, c)
    cols = min(cols, channels)
    grid = channel_grid(feature_maps, cols, max_channels)
    fig, ax = plt.subplots(figsize=(cell_inches * cols, cell_inches * cols * grid.shape[0] / grid.shape[1] + 0.5))
    draw_channel_grid(ax, grid, cmap)
    shown = f"{channels} of {c}" if channels < c else f"{c}"
    ax.set_title(f"{title}: {shown} channels of {h}x{w}" if title else f"{shown} channels of {h}x{w}", fontsize=10)
    fig.tight_layout()
    return fig


# --- the explorer -------------------------------------------------------------------


def activation_explorer(images: Mapping[str, np.ndarray], activations: Mapping[str, np.ndarray]) -> FigureExplorer:
    """Browse feature maps (5.4, "Visualizing activations"): pick an image, a layer and a
    channel; see the photo, that channel enlarged, and all the layer's channels.

    ``activations[layer]`` holds the layer's outputs for every image, in the order of
    ``images``: shape ``(n_images, height, width, channels)``. Everything is computed
    beforehand, so moving a control only redraws.
    """
    names = list(images)
    for layer_name, maps in activations.items():
        if np.ndim(maps) != 4 or len(maps) != len(names):
            raise ValueError(
                f"activations[{layer_name!r}] should have shape ({len(names)}, height, width, channels), "
                f"got {np.shape(maps)}"
            )
    layer_names = list(activations)
    controls = {
        "image": ipw.Dropdown(options=names, description="image"),
        "layer": ipw.Dropdown(options=layer_names, description="layer", style=WIDE),
        "channel": ipw.IntSlider(
            0, 0, np.shape(activations[layer_names[0]])[-1] - 1, description="channel", continuous_update=False
        ),
    }
    grids: dict[tuple[str, str], np.ndarray] = {}

    def on_layer(change: dict) -> None:  # observed before the redraw: the range is right when it draws
        controls["channel"].max = np.shape(activations[change["new"]])[-1] - 1

    controls["layer"].observe(on_layer, names="value")

    def draw(image: str, layer: str, channel: int) -> plt.Figure:
        maps = np.asarray(activations[layer][names.index(image)])
        channel = min(channel, maps.shape[-1] - 1)
        if (image, layer) not in grids:
            grids[image, layer] = channel_grid(maps, cols=8, max_channels=64)
        fig, axes = plt.subplots(1, 3, figsize=(12, 4), gridspec_kw={"width_ratios": [1, 1, 1.2]})
        axes[0].imshow(np.asarray(images[image]).astype("uint8"))
        axes[0].set_title(image, fontsize=10)
        axes[1].imshow(maps[..., channel], cmap=matplotlib.colormaps[CHANNEL_CMAP])
        silent = " - constant: found nothing" if np.ptp(maps[..., channel]) == 0 else ""
        axes[1].set_title(f"{layer}, channel {channel} ({maps.shape[0]}x{maps.shape[1]}){silent}", fontsize=10)
        draw_channel_grid(axes[2], grids[image, layer])
        shown = min(64, maps.shape[-1])
        axes[2].set_title(f"channels 0-{shown - 1} of {maps.shape[-1]}\n(each scaled to its own range)", fontsize=10)
        if channel < shown:
            row, col = divmod(channel, 8)
            h, w = maps.shape[:2]
            axes[2].add_patch(
                Rectangle(
                    (col * (w + 1) - 1, row * (h + 1) - 1), w + 1, h + 1, fill=False, edgecolor="red", linewidth=1.5
                )
            )
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)

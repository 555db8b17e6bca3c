"""Convolution arithmetic: the lecture's example, padding, sliding windows, pooling,
receptive fields, pictures.

Serves the lecture sections "Convolution process", "Hyperparameters", "Pooling process"
and "ConvNet architecture" (the spatial hierarchy: book chapter 5.1). The widgets and
figures of chapter 1 are built on these functions.
Feature maps and pooled maps are computed here with Keras ops, i.e. exactly what a
``Conv2D`` or ``MaxPooling2D`` layer computes; writing them in NumPy is the student's job.
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from course_lib.backend import keras
from course_lib.explorer import WIDE, FigureExplorer

# The lecture's example ("Convolution process"): a 7x7 binary image and a 3x3 kernel.
LECTURE_IMAGE = np.array(
    [
        [0, 0, 0, 0, 0, 0, 1],
        [0, 1, 0, 1, 1, 0, 0],
        [0, 0, 1, 0, 0, 1, 1],
        [0, 0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)
LECTURE_KERNEL = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 1]])
# The 5x5 feature map as printed on the slide. Its cell (4, 2) reads 1; the correct value is 2.
SLIDE_FEATURE_MAP = np.array(
    [
        [1, 2, 0, 2, 4],
        [1, 2, 2, 0, 0],
        [1, 0, 2, 2, 1],
        [3, 2, 2, 2, 2],
        [0, 1, 1, 1, 1],
    ]
)

KERNELS: dict[str, np.ndarray] = {
    "lecture 3x3": LECTURE_KERNEL,
    "vertical edges 3x3": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "horizontal edges 3x3": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "blur 5x5": np.full((5, 5), 1 / 25),
    "single pixel 1x1": np.array([[1]]),
}


def cat_image(size: tuple[int, int] = (24, 36)) -> np.ndarray:
    """Chelsea the cat in grayscale, 0..1, at ``(height, width)`` (for small examples)."""
    return _cat_image(tuple(size)).copy()


@lru_cache(maxsize=4)
def _cat_image(size: tuple[int, int]) -> np.ndarray:
    from course_lib.photos import data

    rgb = data.sample_image("chelsea", size).astype("float32") / 255
    return rgb @ np.array([0.299, 0.587, 0.114], dtype="float32")


def images() -> dict[str, np.ndarray]:
    """The inputs the convolution explorer offers, by name."""
    return {"lecture 7x7": LECTURE_IMAGE, "cat 24x36": cat_image()}


def zero_pad(image: np.ndarray, padding: int) -> np.ndarray:
    """``image`` (height, width) with ``padding`` rows and columns of zeros on every side."""
    return np.pad(np.asarray(image, dtype="float32"), padding)


def feature_map(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """What ``keras.layers.Conv2D`` (one kernel, no bias) gives for a 2-D ``image``.

    The input is zero-padded by ``padding`` on every side first. Returns a float32 array;
    empty when the kernel is larger than the padded input.
    """
    padded = zero_pad(image, padding)
    kernel = np.asarray(kernel, dtype="float32")
    if kernel.shape[0] > padded.shape[0] or kernel.shape[1] > padded.shape[1]:
        return np.zeros((0, 0), "float32")
    out = keras.ops.conv(padded[None, :, :, None], kernel[:, :, None, None], strides=stride)
    return keras.ops.convert_to_numpy(out)[0, :, :, 0]


def pooled(feature_map: np.ndarray, size: int = 2, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """What ``MaxPooling2D`` / ``AveragePooling2D`` give for a 2-D map (``mode`` "max" or "average")."""
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    x = np.asarray(feature_map, dtype="float32")
    if size > min(x.shape):
        return np.zeros((0, 0), "float32")
    pool = keras.ops.max_pool if mode == "max" else keras.ops.average_pool
    out = pool(x[None, :, :, None], size, strides=stride or size)
    return keras.ops.convert_to_numpy(out)[0, :, :, 0]


def window_origin(step: int, out_width: int, stride: int) -> tuple[int, int]:
    """Top-left corner (row, column), in the padded input, of the window for output cell number
    ``step`` (cells numbered row by row)."""
    row, col = divmod(step, out_width)
    return row * stride, col * stride


# --- pictures ------------------------------------------------------------------------


def draw_grid(
    ax: plt.Axes,
    values: np.ndarray,
    *,
    title: str = "",
    cmap: str = "Greys",
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool | None = None,
    shaded_border: int = 0,
) -> None:
    """Draw a 2-D array as a grid of cells, with its numbers when it is small.

    ``shaded_border`` tints that many outer rows and columns (the zero padding).
    """
    values = np.asarray(values, dtype="float32")
    shown = ax.imshow(values, cmap=matplotlib.colormaps[cmap], vmin=vmin, vmax=vmax)
    height, width = values.shape
    if annotate is None:
        annotate = max(height, width) <= 12
    if annotate:
        ax.set_xticks(np.arange(-0.5, width, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, height, 1), minor=True)
        ax.grid(which="minor", color="0.6", linewidth=0.6)
        for (r, c), v in np.ndenumerate(values):
            if not np.isnan(v):
                text = f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}".rstrip("0")
                red, green, blue, _ = shown.cmap(shown.norm(v))
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                ax.text(c, r, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    if shaded_border:
        padding = np.ma.masked_where(~_border_mask(values.shape, shaded_border), np.ones(values.shape))
        ax.imshow(padding, cmap=ListedColormap(["tab:blue"]), alpha=0.3)
        _outline(ax, shaded_border, shaded_border, height - 2 * shaded_border, width - 2 * shaded_border, "tab:blue")
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=10)


def _border_mask(shape: tuple[int, int], border: int) -> np.ndarray:
    mask = np.ones(shape, bool)
    mask[border : shape[0] - border, border : shape[1] - border] = False
    return mask


def _outline(ax: plt.Axes, row: int, col: int, height: int, width: int, color: str = "tab:red") -> None:
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False, edgecolor=color, linewidth=2.5))


def show_convolution(
    image: np.ndarray,
    kernel: np.ndarray,
    stride: int = 1,
    padding: int = 0,
    step: int = 0,
) -> plt.Figure:
    """The sliding window at output cell ``step``: padded input, kernel, feature map so far.

    The window (red) covers the padded input where the kernel sits; the feature map is
    filled up to that cell, whose value is the sum of the products written below.
    """
    padded = zero_pad(image, padding)
    kernel = np.asarray(kernel, dtype="float32")
    fmap = feature_map(image, kernel, stride, padding)
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 1.4, 3]})
    kh, kw = kernel.shape
    height, width = np.asarray(image).shape
    draw_grid(
        axes[0],
        padded,
        title=f"input {height}x{width}" + (f", zero-padded to {padded.shape[0]}x{padded.shape[1]}" if padding else ""),
        shaded_border=padding,
    )
    reach = float(np.abs(kernel).max()) or 1.0
    draw_grid(axes[1], kernel, title=f"kernel {kh}x{kw}", cmap="coolwarm", vmin=-reach, vmax=reach)
    if fmap.size == 0:
        axes[2].axis("off")
        axes[2].set_title("no output: the kernel is larger than the padded input", fontsize=10)
        fig.tight_layout()
        return fig
    out_h, out_w = fmap.shape
    step = int(np.clip(step, 0, fmap.size - 1))
    row, col = window_origin(step, out_w, stride)
    _outline(axes[0], row, col, kh, kw)
    shown = np.full(fmap.shape, np.nan, dtype="float32")
    shown.flat[: step + 1] = fmap.flat[: step + 1]
    draw_grid(
        axes[2],
        shown,
        title=f"feature map {out_h}x{out_w} (stride {stride})",
        cmap="viridis",
        vmin=float(fmap.min()),
        vmax=float(fmap.max()) if fmap.max() > fmap.min() else float(fmap.min()) + 1,
        annotate=max(fmap.shape) <= 12,
    )
    out_row, out_col = divmod(step, out_w)
    _outline(axes[2], out_row, out_col, 1, 1)
    window = padded[row : row + kh, col : col + kw]
    value = float(fmap[out_row, out_col])
    if kernel.size <= 9 and np.all(np.mod(window, 1) == 0) and np.all(np.mod(kernel, 1) == 0):
        terms = " + ".join(f"{a:.0f}·{b:.0f}" for a, b in zip(window.ravel(), kernel.ravel()))
        caption = f"output ({out_row}, {out_col}) = {terms} = {value:g}"
    else:
        caption = f"output ({out_row}, {out_col}) = sum of the {kernel.size} products = {value:.3g}"
    fig.suptitle(caption, y=0.06, fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def show_pooling(feature_map: np.ndarray, size: int = 2, stride: int | None = None, mode: str = "max") -> plt.Figure:
    """A feature map before and after pooling, with the pooling windows outlined."""
    x = np.asarray(feature_map, dtype="float32")
    stride = stride or size
    out = pooled(x, size, stride, mode)
    fig, axes = plt.subplots(
        1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [x.shape[1], max(out.shape[1], 1) * 1.6]}
    )
    vmin, vmax = float(x.min()), float(x.max())
    draw_grid(axes[0], x, title=f"feature map {x.shape[0]}x{x.shape[1]}", cmap="viridis", vmin=vmin, vmax=vmax)
    if out.size == 0:
        axes[1].axis("off")
        axes[1].set_title("no output: the window is larger than the map", fontsize=10)
    else:
        if max(out.shape) <= 12:
            colors = matplotlib.colormaps["tab10"].colors
            for index in range(out.size):
                r, c = window_origin(index, out.shape[1], stride)
                _outline(axes[0], r, c, size, size, color=colors[index % len(colors)])
        else:
            _outline(axes[0], 0, 0, size, size)
        draw_grid(
            axes[1],
            out,
            title=f"{mode} pooling {size}x{size}, stride {stride}: {out.shape[0]}x{out.shape[1]}",
            cmap="viridis",
            vmin=vmin,
            vmax=vmax,
        )
    fig.tight_layout()
    return fig


def show_feature_maps(image: np.ndarray, kernels: dict[str, np.ndarray]) -> plt.Figure:
    """One grayscale image convolved with several kernels: one feature map per kernel, so
    the number of kernels is the depth of the layer's output ("Hyperparameters")."""
    fig, axes = plt.subplots(1, len(kernels) + 1, figsize=(2.9 * (len(kernels) + 1), 2.8))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title(f"input {image.shape[0]}x{image.shape[1]}", fontsize=10)
    for depth, (ax, (name, kernel)) in enumerate(zip(axes[1:], kernels.items())):
        fmap = feature_map(image, kernel)
        if fmap.min() >= 0:
            ax.imshow(fmap, cmap="gray")
        else:
            ax.imshow(fmap, cmap="RdBu_r", vmin=-np.abs(fmap).max(), vmax=np.abs(fmap).max())
        ax.set_title(f"depth {depth}: {name}", fontsize=10)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


# --- explorers ----------------------------------------------------------------------


def convolution_explorer() -> FigureExplorer:
    """Slide a kernel over an image ("Convolution process", "Hyperparameters").

    Choose the image and the kernel (its size too), the stride and the zero padding; move
    the window with the slider or press play. Shows the padded input with the window, the
    kernel, and the feature map filled up to the window's output cell.
    """
    pictures = images()
    controls = {
        "image": ipw.Dropdown(options=list(pictures), description="image"),
        "kernel": ipw.Dropdown(options=list(KERNELS), description="kernel"),
        "stride": ipw.IntSlider(1, min=1, max=3, description="stride"),
        "padding": ipw.IntSlider(0, min=0, max=2, description="padding"),
        "step": ipw.IntSlider(0, min=0, max=24, description="window", style=WIDE),
    }
    play = ipw.Play(0, min=0, max=24, interval=400, description="play")
    ipw.jslink((play, "value"), (controls["step"], "value"))

    def outputs(image: str, kernel: str, stride: int, padding: int) -> int:
        fmap = feature_map(pictures[image], KERNELS[kernel], stride, padding)
        return max(fmap.size, 1)

    def resize_window_range(_change: dict | None = None) -> None:
        last = outputs(**{k: c.value for k, c in controls.items() if k != "step"}) - 1
        controls["step"].max = play.max = last

    for name in ("image", "kernel", "stride", "padding"):
        controls[name].observe(resize_window_range, names="value")
    resize_window_range()

    def draw(image: str, kernel: str, stride: int, padding: int, step: int) -> plt.Figure:
        return show_convolution(pictures[image], KERNELS[kernel], stride, padding, step)

    return FigureExplorer(draw, controls, extra=[play])


def pooling_explorer() -> FigureExplorer:
    """A feature map before and after max or average pooling ("Pooling process")."""
    edges = feature_map(cat_image((48, 72)), KERNELS["vertical edges 3x3"])
    maps = {
        "lecture feature map 5x5": feature_map(LECTURE_IMAGE, LECTURE_KERNEL),
        "cat, vertical edges 46x70": np.maximum(edges, 0),
    }
    controls = {
        "name": ipw.Dropdown(options=list(maps), description="feature map", style=WIDE),
        "mode": ipw.ToggleButtons(options=["max", "average"], description="pooling"),
        "size": ipw.IntSlider(2, min=2, max=4, description="window"),
        "stride": ipw.IntSlider(2, min=1, max=4, description="stride"),
    }

    def draw(name: str, mode: str, size: int, stride: int) -> plt.Figure:
        return show_pooling(maps[name], size, stride, mode)

    return FigureExplorer(draw, controls)


def layer_geometry(model: keras.Model) -> list[tuple[str, int, int]]:
    """``(name, kernel size, stride)`` of each convolution and pooling layer of ``model``,
    from the input up: what decides how much of the image each of their units sees."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            found.append((layer.name, int(layer.kernel_size[0]), int(layer.strides[0])))
        elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            found.append((layer.name, int(layer.pool_size[0]), int(layer.strides[0])))
    return found


def show_receptive_fields(photo: np.ndarray, fields: dict[str, int]) -> plt.Figure:
    """The photo with the receptive field (``fields``: layer name -> width in pixels) of the
    centre unit of each layer drawn on it: nested squares, larger and larger up the network
    (the spatial hierarchy)."""
    photo = np.asarray(photo)
    height, width = photo.shape[:2]
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    ax.imshow(photo.astype("uint8"))
    colours = plt.get_cmap("viridis")(np.linspace(0.15, 0.95, len(fields)))
    for (name, field), colour in zip(fields.items(), colours):
        ax.add_patch(
            Rectangle(
                ((width - field) / 2 - 0.5, (height - field) / 2 - 0.5),
                field,
                field,
                fill=False,
                edgecolor=colour,
                linewidth=2.2,
                label=f"{name}: {field} x {field} pixels",
            )
        )
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.axis("off")
    ax.set_title("What one unit at the centre of each layer sees of the photo", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig

"""Interactive widgets (ipywidgets) the chapters use to let students explore an idea.

Each function returns a widget to display in a notebook; moving its controls redraws a
matplotlib figure. The pure computation behind each widget lives in the module of its
concept, so it can be tested without a browser.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from . import visualize
from .backend import keras


# --- chapter 3: visualizing what convnets learn (5.4) -----------------------------------


def _figure_png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes, closed afterwards (the widgets show images, so they work
    the same in JupyterLab, in a test, and without a kernel's output capture)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


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
            raise ValueError(f"activations[{layer_name!r}] should have shape ({len(names)}, height, width, channels), got {np.shape(maps)}")
    layer_names = list(activations)
    controls = {
        "image": ipw.Dropdown(options=names, description="image"),
        "layer": ipw.Dropdown(options=layer_names, description="layer", style=_WIDE),
        "channel": ipw.IntSlider(0, 0, np.shape(activations[layer_names[0]])[-1] - 1, description="channel", continuous_update=False),
    }
    grids: dict[tuple[str, str], np.ndarray] = {}

    def on_layer(change: dict) -> None:  # observed before the redraw: the range is right when it draws
        controls["channel"].max = np.shape(activations[change["new"]])[-1] - 1

    controls["layer"].observe(on_layer, names="value")

    def draw(image: str, layer: str, channel: int) -> plt.Figure:
        maps = np.asarray(activations[layer][names.index(image)])
        channel = min(channel, maps.shape[-1] - 1)
        if (image, layer) not in grids:
            grids[image, layer] = visualize.channel_grid(maps, cols=8, max_channels=64)
        fig, axes = plt.subplots(1, 3, figsize=(12, 4), gridspec_kw={"width_ratios": [1, 1, 1.2]})
        axes[0].imshow(np.asarray(images[image]).astype("uint8"))
        axes[0].set_title(image, fontsize=10)
        axes[1].imshow(maps[..., channel], cmap=matplotlib.colormaps["viridis"])
        silent = " - constant: found nothing" if np.ptp(maps[..., channel]) == 0 else ""
        axes[1].set_title(f"{layer}, channel {channel} ({maps.shape[0]}x{maps.shape[1]}){silent}", fontsize=10)
        axes[2].imshow(grids[image, layer], cmap=matplotlib.colormaps["viridis"].with_extremes(bad="white"))
        shown = min(64, maps.shape[-1])
        axes[2].set_title(f"channels 0-{shown - 1} of {maps.shape[-1]}\n(each scaled to its own range)", fontsize=10)
        if channel < shown:
            row, col = divmod(channel, 8)
            h, w = maps.shape[:2]
            axes[2].add_patch(Rectangle((col * (w + 1) - 1, row * (h + 1) - 1), w + 1, h + 1, fill=False, edgecolor="red", linewidth=1.5))
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)


def filter_explorer(model: keras.Model, layer_names: Sequence[str], *, size: int = 128, steps: int = 30,
                    step_size: float = 10.0) -> FigureExplorer:
    """Pick a layer and a filter; see the input pattern that filter responds to most,
    found by gradient ascent (5.4, "Visualizing filters"). A pattern takes about a second
    the first time; patterns already seen come from a cache."""
    visualizers: dict[str, visualize.FilterVisualizer] = {}

    def visualizer(layer: str) -> visualize.FilterVisualizer:
        if layer not in visualizers:
            visualizers[layer] = visualize.FilterVisualizer(model, layer)
        return visualizers[layer]

    controls = {
        "layer": ipw.Dropdown(options=list(layer_names), description="layer"),
        "filter_index": ipw.IntSlider(0, 0, visualizer(layer_names[0]).channels - 1, description="filter", continuous_update=False),
    }
    patterns: dict[tuple[str, int], tuple[np.ndarray, float]] = {}

    def on_layer(change: dict) -> None:
        controls["filter_index"].max = visualizer(change["new"]).channels - 1

    controls["layer"].observe(on_layer, names="value")

    def draw(layer: str, filter_index: int) -> plt.Figure:
        key = (layer, min(filter_index, visualizer(layer).channels - 1))
        if key not in patterns:
            raw, scores = visualizer(layer).ascend([key[1]], size=size, steps=steps, step_size=step_size)
            patterns[key] = visualize.deprocess(raw)[0], float(scores[0])
        pattern, score = patterns[key]
        fig, ax = plt.subplots(figsize=(4, 4.3))
        ax.imshow(pattern)
        ax.set_title(f"{key[0]}, filter {key[1]}\nmean activation {score:.2f} after {steps} steps", fontsize=10)
        ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)


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
        inputs = {name: visualize.resize(photo, (height or size, width or size)) for name, photo in images.items()}
    cams: dict[str, visualize.GradCam] = {}

    def grad_cam(layer: str) -> visualize.GradCam:
        if layer not in cams:
            cams[layer] = visualize.GradCam(model, layer)
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
        "class_index": ipw.Dropdown(options=choices[names[0]], description="class", style=_WIDE),
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
        axes[0].imshow(visualize.overlay(photo, heatmap))
        axes[0].set_title(f"{image}: where is '{label}'?", fontsize=10)
        axes[1].imshow(heatmap, cmap=matplotlib.colormaps["jet"], vmin=0, vmax=1, extent=(0, photo.shape[1], photo.shape[0], 0))
        axes[1].set_title(f"Grad-CAM on {layer} ({heatmap.shape[0]}x{heatmap.shape[1]})", fontsize=10)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)


# --- chapter 1: convnet basics (5.1, 5.2) ----------------------------------------------

_WIDE = {"description_width": "initial"}


class FigureExplorer(ipw.VBox):
    """Controls above a matplotlib figure, redrawn whenever a control changes.

    ``draw`` takes the controls' values as keyword arguments (named as in ``controls``) and
    returns a figure. The figure is shown as a PNG in ``image``; ``figure`` is the latest
    one (tests read its artists). Saved notebooks keep the last picture as a plain image,
    so it still shows where widgets cannot run (HTML export, a closed kernel).
    """

    def __init__(
        self,
        draw: Callable[..., plt.Figure],
        controls: dict[str, ipw.ValueWidget],
        *,
        extra: Sequence[ipw.Widget] = (),
    ) -> None:
        self.draw = draw
        self.controls = controls
        self.figure: plt.Figure | None = None
        self.image = ipw.Image(format="png")
        row = ipw.HBox([*controls.values(), *extra], layout=ipw.Layout(flex_flow="row wrap"))
        super().__init__([row, self.image])
        for control in controls.values():
            control.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, _change: dict | None = None) -> None:
        """Draw the figure for the controls' current values."""
        self.figure = self.draw(**{name: control.value for name, control in self.controls.items()})
        self.image.value = _figure_png(self.figure)

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle


def convolution_explorer() -> FigureExplorer:
    """Slide a kernel over an image ("Convolution process", "Hyperparameters").

    Choose the image and the kernel (its size too), the stride and the zero padding; move
    the window with the slider or press play. Shows the padded input with the window, the
    kernel, and the feature map filled up to the window's output cell.
    """
    from . import convolution

    images = convolution.images()
    controls = {
        "image": ipw.Dropdown(options=list(images), description="image"),
        "kernel": ipw.Dropdown(options=list(convolution.KERNELS), description="kernel"),
        "stride": ipw.IntSlider(1, min=1, max=3, description="stride"),
        "padding": ipw.IntSlider(0, min=0, max=2, description="padding"),
        "step": ipw.IntSlider(0, min=0, max=24, description="window", style=_WIDE),
    }
    play = ipw.Play(0, min=0, max=24, interval=400, description="play")
    ipw.jslink((play, "value"), (controls["step"], "value"))

    def outputs(image: str, kernel: str, stride: int, padding: int) -> int:
        fmap = convolution.feature_map(images[image], convolution.KERNELS[kernel], stride, padding)
        return max(fmap.size, 1)

    def resize_window_range(_change: dict | None = None) -> None:
        last = outputs(**{k: c.value for k, c in controls.items() if k != "step"}) - 1
        controls["step"].max = play.max = last

    for name in ("image", "kernel", "stride", "padding"):
        controls[name].observe(resize_window_range, names="value")
    resize_window_range()

    def draw(image: str, kernel: str, stride: int, padding: int, step: int) -> plt.Figure:
        return convolution.show_convolution(images[image], convolution.KERNELS[kernel], stride, padding, step)

    return FigureExplorer(draw, controls, extra=[play])


def pooling_explorer() -> FigureExplorer:
    """A feature map before and after max or average pooling ("Pooling process")."""
    from . import convolution

    edges = convolution.feature_map(convolution.cat_image((48, 72)), convolution.KERNELS["vertical edges 3x3"])
    maps = {
        "lecture feature map 5x5": convolution.feature_map(convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL),
        "cat, vertical edges 46x70": np.maximum(edges, 0),
    }
    controls = {
        "name": ipw.Dropdown(options=list(maps), description="feature map", style=_WIDE),
        "mode": ipw.ToggleButtons(options=["max", "average"], description="pooling"),
        "size": ipw.IntSlider(2, min=2, max=4, description="window"),
        "stride": ipw.IntSlider(2, min=1, max=4, description="stride"),
    }

    def draw(name: str, mode: str, size: int, stride: int) -> plt.Figure:
        return convolution.show_pooling(maps[name], size, stride, mode)

    return FigureExplorer(draw, controls)


def augmentation_explorer(image: np.ndarray, other: np.ndarray, names: tuple[str, str] = ("cat", "dog")) -> FigureExplorer:
    """One photo and a random augmentation of it ("Data augmentation"): choose the kind,
    its strength and the random draw. Mix-up blends ``image`` with ``other``."""
    from . import augment

    controls = {
        "kind": ipw.Dropdown(options=list(augment.KINDS), description="kind"),
        "strength": ipw.FloatSlider(0.5, min=0.0, max=1.0, step=0.05, description="strength"),
        "seed": ipw.IntSlider(0, min=0, max=20, description="random draw", style=_WIDE),
    }

    def draw(kind: str, strength: float, seed: int) -> plt.Figure:
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.6))
        axes[0].imshow(np.asarray(image).astype("uint8"))
        axes[0].set_title(f"original ({names[0]})")
        axes[1].imshow(augment.augment(image, kind, strength, seed, other=other).astype("uint8"))
        title = kind
        if kind.startswith("synthetic"):
            weight = augment.mix_weight(strength, seed)
            title = f"label: {weight:.2f} {names[0]} + {1 - weight:.2f} {names[1]}"
        axes[1].set_title(title)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig

    return FigureExplorer(draw, controls)


def dropout_explorer() -> FigureExplorer:
    """The lecture's dropout picture for any rate and random draw, in training or at
    inference, with one layer's activations before and after ("Drop out")."""
    from . import dropout

    controls = {
        "rate": ipw.FloatSlider(0.5, min=0.0, max=0.9, step=0.1, description="rate"),
        "seed": ipw.IntSlider(0, min=0, max=20, description="random draw", style=_WIDE),
        "training": ipw.Checkbox(True, description="training"),
    }

    def draw(rate: float, seed: int, training: bool) -> plt.Figure:
        return dropout.show_dropout(rate, seed, training=training, activations=True)

    return FigureExplorer(draw, controls)

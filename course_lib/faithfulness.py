"""Are the heatmaps right? Two tests of an explanation, beyond the book (lecture part 3,
"Visualizing heatmaps of class activation").

- **Deletion and insertion** (Petsiuk et al., 2018, "RISE"): remove the pixels in the order
  a heatmap ranks them, most important first, and track the class probability (it should
  fall fast: a small area under the curve); or reveal them on a blurred photo (it should
  rise fast: a large area). A random order is the baseline every method must beat.
- **Model randomisation** (Adebayo et al., 2018, "Sanity checks for saliency maps"):
  re-initialise the model's top layers; a map that stays the same explains the photo, not
  what the model learned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .backend import keras
from .heatmaps import colour_bar, overlay, resize

ScoreFn = Callable[[np.ndarray], np.ndarray]  # a batch of 0..255 images -> one probability each


def class_probability(model: keras.Model, class_index: int) -> ScoreFn:
    """A batch's probabilities of ``class_index`` under ``model`` (softmax outputs, or one
    sigmoid unit: class 1 is the unit, class 0 its complement)."""

    def score(images: np.ndarray) -> np.ndarray:
        out = keras.ops.convert_to_numpy(model.predict_on_batch(np.asarray(images, "float32")))
        if out.shape[-1] == 1:
            return out[:, 0] if class_index == 1 else 1 - out[:, 0]
        return out[:, class_index]

    return score


def blurred(image: np.ndarray, factor: int = 16) -> np.ndarray:
    """The photo shrunk ``factor`` times and enlarged back: its colours without its details,
    the canvas on which insertion reveals pixels and which deletion leaves behind."""
    image = np.asarray(image, "float32")
    small = resize(image, (max(1, image.shape[0] // factor), max(1, image.shape[1] // factor)))
    return resize(small, image.shape[:2])


def pixel_order(heatmap: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The image's pixels (flat indices), most important first by ``heatmap`` stretched
    over an image of ``shape``; ties keep reading order."""
    values = resize(np.asarray(heatmap, "float32"), tuple(shape)).ravel()
    return np.argsort(-values, kind="stable")


def random_order(shape: tuple[int, int], seed: int) -> np.ndarray:
    """The baseline: the pixels of an image of ``shape`` in a random order."""
    return np.random.default_rng(seed).permutation(shape[0] * shape[1])


def curve(score: ScoreFn, image: np.ndarray, order: np.ndarray, *, insertion: bool = False,
          steps: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Fractions 0, 1/steps, ..., 1 of the pixels taken in ``order``, and the score after
    each: deleted (replaced by the blurred photo) or, with ``insertion``, revealed on it.
    One batch of ``steps + 1`` images."""
    image = np.asarray(image, "float32")
    canvas = blurred(image)
    start, end = (canvas, image) if insertion else (image, canvas)
    fractions = np.linspace(0, 1, steps + 1)
    height, width = image.shape[:2]
    batch = np.repeat(start.reshape(1, height * width, -1), steps + 1, axis=0)
    flat_end = end.reshape(height * width, -1)
    for n, fraction in enumerate(fractions):
        taken = order[: int(round(fraction * height * width))]
        batch[n, taken] = flat_end[taken]
    return fractions, np.asarray(score(batch.reshape(steps + 1, *image.shape)), "float64")


def area(fractions: np.ndarray, scores: np.ndarray) -> float:
    """Area under a curve (trapezoids) over fractions 0..1."""
    fractions, scores = np.asarray(fractions, "float64"), np.asarray(scores, "float64")
    return float(np.sum((fractions[1:] - fractions[:-1]) * (scores[1:] + scores[:-1]) / 2))


Curves = dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]  # {order: {"deletion" | "insertion": (fractions, scores)}}


def curves(score: ScoreFn, image: np.ndarray, maps: Mapping[str, np.ndarray], *, steps: int = 16,
           seeds: Sequence[int] = (0, 1, 2)) -> Curves:
    """Deletion and insertion curves of each method's map, and of random orders (their
    mean curve over ``seeds``, under ``"random order"``)."""
    shape = np.shape(image)[:2]

    def both(order: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {kind: curve(score, image, order, insertion=kind == "insertion", steps=steps) for kind in ("deletion", "insertion")}

    found = {name: both(pixel_order(heatmap, shape)) for name, heatmap in maps.items()}
    randoms = [both(random_order(shape, seed)) for seed in seeds]
    found["random order"] = {
        kind: (randoms[0][kind][0], np.mean([r[kind][1] for r in randoms], axis=0)) for kind in ("deletion", "insertion")
    }
    return found


def areas(found: Curves) -> dict[str, dict[str, float]]:
    """The area under each curve: ``{order: {"deletion": ..., "insertion": ...}}``.
    Deletion: lower is better; insertion: higher."""
    return {name: {kind: area(*pair) for kind, pair in both.items()} for name, both in found.items()}


def show_curves(found: Curves) -> plt.Figure:
    """Deletion and insertion curves of each order, side by side, with their areas."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, kind in zip(axes, ("deletion", "insertion")):
        for (name, both), style in zip(found.items(), ["-", "--", "-.", ":", (0, (5, 1)), (0, (1, 3))]):
            fractions, scores = both[kind]
            random = name == "random order"
            ax.plot(fractions, scores, linestyle=":" if random else style, color="0.4" if random else None,
                    label=f"{name} (area {area(fractions, scores):.2f})")
        title = "insertion: pixels revealed on a blurred photo" if kind == "insertion" else "deletion: pixels blurred away"
        ax.set_title(f"{title}\n({'higher' if kind == 'insertion' else 'lower'} area is better)", fontsize=10)
        ax.set_xlabel("fraction of the pixels, most important first")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("probability of the class")
    fig.tight_layout()
    return fig


def mean_ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value (0 for the smallest), equal values sharing the mean of the
    ranks they occupy: a map after a ReLU is full of tied zeros."""
    values = np.ravel(values)
    plain = np.empty(values.size)
    plain[np.argsort(values, kind="stable")] = np.arange(values.size)
    _, group = np.unique(values, return_inverse=True)
    return (np.bincount(group, weights=plain) / np.bincount(group))[group]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two maps of the same shape (1: same order of
    positions, 0: unrelated), ties at their mean rank (as ``scipy.stats.spearmanr``); 0
    when either map is constant."""
    a, b = np.ravel(np.asarray(a, "float64")), np.ravel(np.asarray(b, "float64"))
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(mean_ranks(a), mean_ranks(b))[0, 1])


def randomized(model: keras.Model, layer_names: Sequence[str], seed: int = 0) -> keras.Model:
    """A copy of ``model`` whose ``layer_names`` are re-initialised: kernels drawn afresh
    (He-normal, the scale a ReLU network starts from), biases and shifts 0, scales and
    variances 1. Every other layer keeps its trained weights; the original is untouched."""
    rng = np.random.default_rng(seed)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for name in layer_names:
        layer = copy.get_layer(name)
        fresh = []
        for weight in layer.weights:
            shape = tuple(weight.shape)
            if len(shape) >= 2:
                fan_in = int(np.prod(shape[:-1])) if "depthwise" not in weight.path else int(np.prod(shape[:2]))
                fresh.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype("float32"))
            elif any(word in weight.path for word in ("gamma", "variance")):
                fresh.append(np.ones(shape, "float32"))
            else:
                fresh.append(np.zeros(shape, "float32"))
        layer.set_weights(fresh)
    return copy


def table_markdown(table: Mapping[str, Mapping[str, float]]) -> str:
    """:func:`areas` as a Markdown table, best deletion first."""
    lines = ["| method | deletion area (lower is better) | insertion area (higher is better) |", "|---|---:|---:|"]
    for name, row in sorted(table.items(), key=lambda item: item[1]["deletion"]):
        lines.append(f"| {name} | {row['deletion']:.3f} | {row['insertion']:.3f} |")
    return "\n".join(lines)


def show_randomisation(image: np.ndarray, rows: Mapping[str, Mapping[str, np.ndarray]], *, size: float = 2.6) -> plt.Figure:
    """One row per model (trained, then with more and more layers re-initialised), one
    column per method: each map over the photo."""
    methods = list(next(iter(rows.values())))
    fig, axes = plt.subplots(len(rows), len(methods), figsize=(size * len(methods) + 1.2, size * len(rows) + 0.3), squeeze=False)
    for row, (model_name, maps) in zip(axes, rows.items()):
        for ax, method in zip(row, methods):
            ax.imshow(overlay(image, maps[method]))
            ax.set_title(f"{method}\n{model_name}", fontsize=9)
            ax.axis("off")
    colour_bar(fig, axes.ravel().tolist())
    return fig

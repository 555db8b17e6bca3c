"""Are the heatmaps right? Two tests of an explanation, beyond the book (lecture part 3,
"Visualizing heatmaps of class activation").

- **Deletion and insertion** (Petsiuk et al., 2018, "RISE"): remove the pixels in the order
  a heatmap ranks them, most important first, and track the class probability (it should
  fall fast: a small area under the curve); or reveal them on a blurred photo (it should
  rise fast: a large area). The baseline every map must beat is the same map's cells in a
  random order: the same regions, as large and as smooth, taken in no particular order.
  Removed pixels become the blurred photo's, not black as in RISE's deletion: a black
  patch is a feature of its own, with sharp edges, that the model never saw in training.
- **Cascading model randomisation** (Adebayo et al., 2018, "Sanity checks for saliency
  maps"): re-initialise the model's layers from the top down, one block more at a time;
  a map that stays the same explains the photo, not what the model learned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from course_lib.backend import keras
from course_lib.visualizing.heatmaps import METHODS, colour_bar, overlay, resize

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


def shuffled_cells(heatmap: np.ndarray, seed: int) -> np.ndarray:
    """The map's own cells in a random order (same grid, same values): the baseline that
    removes the same regions as the map, in no particular order."""
    values = np.asarray(heatmap, "float32")
    return np.random.default_rng(seed).permutation(values.ravel()).reshape(values.shape)


def curve(
    score: ScoreFn, image: np.ndarray, order: np.ndarray, *, insertion: bool = False, steps: int = 16
) -> tuple[np.ndarray, np.ndarray]:
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


KINDS = ("deletion", "insertion")
#: {method: {"deletion" | "insertion" | "random deletion" | "random insertion": (fractions, scores)}}
Curves = dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]


def curves(
    score: ScoreFn,
    image: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    steps: int = 16,
    seeds: Sequence[int] = (0, 1, 2),
) -> Curves:
    """Deletion and insertion curves of each method's map, and (under ``"random deletion"``
    and ``"random insertion"``) the mean curves of its cells shuffled with each of ``seeds``."""
    shape = np.shape(image)[:2]

    def both(heatmap: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        order = pixel_order(heatmap, shape)
        return {kind: curve(score, image, order, insertion=kind == "insertion", steps=steps) for kind in KINDS}

    found: Curves = {}
    for name, heatmap in maps.items():
        found[name] = both(heatmap)
        randoms = [both(shuffled_cells(heatmap, seed)) for seed in seeds]
        for kind in KINDS:
            found[name][f"random {kind}"] = (randoms[0][kind][0], np.mean([r[kind][1] for r in randoms], axis=0))
    return found


def areas(found: Curves) -> dict[str, dict[str, float]]:
    """The area under each curve: ``{method: {"deletion": ..., "insertion": ..., "random
    deletion": ..., "random insertion": ...}}``. Deletion: lower is better; insertion: higher."""
    return {name: {kind: area(*pair) for kind, pair in both.items()} for name, both in found.items()}


def show_curves(found: Curves) -> plt.Figure:
    """Deletion and insertion curves of each method (solid), and of its cells in a random
    order (dotted, the same colour), side by side, with their areas."""
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.8), sharey=True)
    for ax, kind in zip(axes, KINDS):
        for (name, both), colour in zip(found.items(), plt.get_cmap("tab10").colors):
            fractions, scores = both[kind]
            ax.plot(fractions, scores, color=colour, label=f"{name} ({area(fractions, scores):.2f})")
            fractions, scores = both[f"random {kind}"]
            ax.plot(
                fractions,
                scores,
                color=colour,
                linestyle=":",
                linewidth=1.2,
                label=f"its cells shuffled ({area(fractions, scores):.2f})",
            )
        title = (
            "insertion: pixels revealed on a blurred photo" if kind == "insertion" else "deletion: pixels blurred away"
        )
        ax.set_title(
            f"{title}\n({'higher' if kind == 'insertion' else 'lower'} area is better; dotted: random order)",
            fontsize=10,
        )
        ax.set_xlabel("fraction of the pixels, most important first")
        ax.legend(fontsize=7, ncol=2)
    axes[0].set_ylabel("probability of the class")
    fig.tight_layout()
    return fig


def beats_random(row: Mapping[str, float]) -> bool:
    """Whether a method's areas beat its shuffled cells' in both tests."""
    return row["deletion"] < row["random deletion"] and row["insertion"] > row["random insertion"]


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


def _reinitialise(layer: keras.Layer, rng: np.random.Generator) -> None:
    """Draw ``layer``'s kernels afresh (He-normal, the scale a ReLU network starts from) and
    set its biases and shifts to 0, its scales and variances to 1."""
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


def cascade(model: keras.Model) -> list[tuple[str, list[str]]]:
    """The layers with weights, grouped from the top down, in the order cascading
    randomisation resets them: the classifier, ``top``, then each stage of blocks
    (``block7``, ``block6``, ...) and the ``stem``; a layer of another name is a group alone."""
    groups: dict[str, list[str]] = {}
    for layer in reversed(model.layers):
        if not layer.weights:
            continue
        prefix = layer.name.split("_")[0]
        group = prefix[:6] if prefix.startswith("block") else prefix if prefix in ("stem", "top") else layer.name
        groups.setdefault(group, []).append(layer.name)
    return list(groups.items())


@dataclass
class CascadeResult:
    """What cascading randomisation measured: ``steps`` (``"trained"``, then each group
    reset on top of the ones before), ``correlations[method]`` of shape ``(steps, photos)``
    (each photo's map against its map under the trained model), ``blank[method]`` (how many
    maps were all zero at each step: their correlation counts as 0), and
    ``first_maps[step]``, each method's map of the first photo, for pictures."""

    steps: list[str]
    correlations: dict[str, np.ndarray]
    blank: dict[str, list[int]]
    first_maps: dict[str, dict[str, np.ndarray]]


def cascading_randomisation(
    model: keras.Model,
    layer_name: str,
    images: np.ndarray,
    classes: Sequence[int],
    *,
    methods: Sequence[str] = ("Grad-CAM", "Grad-CAM++", "Eigen-CAM"),
    correlate: Callable[[np.ndarray, np.ndarray], float] | None = None,
    seed: int = 0,
) -> CascadeResult:
    """Adebayo et al. (2018): re-initialise ``model``'s layers from the top down, one group
    of :func:`cascade` more at each step, and compare each method's map of each image (for
    its class in ``classes``, on ``layer_name``) with the trained model's, by ``correlate``
    (default :func:`rank_correlation`). A copy is reset; ``model`` is untouched."""
    correlate = correlate or rank_correlation
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    cams = {
        method: METHODS[method](copy, layer_name) for method in methods
    }  # compiled once: the weights change in place

    def maps() -> dict[str, list[np.ndarray]]:
        return {method: [cam(image, int(c)) for image, c in zip(images, classes)] for method, cam in cams.items()}

    def blank(found: list[np.ndarray]) -> int:
        return sum(1 for heatmap in found if not np.any(heatmap))

    trained = maps()
    rows = {method: [[1.0] * len(images)] for method in methods}
    blanks = {method: [blank(found)] for method, found in trained.items()}
    first = {"trained": {method: found[0] for method, found in trained.items()}}
    steps = ["trained"]
    rng = np.random.default_rng(seed)
    for group, names in tqdm(cascade(model), desc="resetting layers from the top", unit="group", leave=False):
        for name in names:
            _reinitialise(copy.get_layer(name), rng)
        now = maps()
        for method in methods:
            rows[method].append([correlate(a, b) for a, b in zip(now[method], trained[method])])
            blanks[method].append(blank(now[method]))
        steps.append(group)
        first[group] = {method: found[0] for method, found in now.items()}
    return CascadeResult(steps, {method: np.asarray(r, "float64") for method, r in rows.items()}, blanks, first)


def show_cascade(result: CascadeResult) -> plt.Figure:
    """The mean rank correlation of each method's maps with the trained model's, as more and
    more layers are reset from the top (shaded: one standard deviation over the photos)."""
    fig, ax = plt.subplots(figsize=(10, 3.8))
    x = np.arange(len(result.steps))
    for (method, rows), marker, colour in zip(result.correlations.items(), "osD^v", plt.get_cmap("tab10").colors):
        mean, spread = rows.mean(axis=1), rows.std(axis=1)
        ax.plot(x, mean, marker=marker, color=colour, label=method)
        ax.fill_between(x, mean - spread, mean + spread, color=colour, alpha=0.15)
    ax.axhline(0, color="0.5", linewidth=0.8)
    ax.set_xticks(
        x,
        ["trained"] + [f"+ {step}" if i > 1 else step for i, step in enumerate(result.steps[1:], 1)],
        rotation=30,
        ha="right",
    )
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("layers re-initialised, from the top down (each step adds one group)")
    ax.set_ylabel("rank correlation with\nthe trained model's map")
    photos = next(iter(result.correlations.values())).shape[1]
    ax.set_title(f"Cascading randomisation: mean over {photos} photos", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def table_markdown(table: Mapping[str, Mapping[str, float]]) -> str:
    """:func:`areas` as a Markdown table, best deletion first, each method beside its
    cells in a random order."""
    lines = [
        "| method | deletion (lower is better) | its cells shuffled | insertion (higher is better) "
        "| its cells shuffled | beats random in both |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, row in sorted(table.items(), key=lambda item: item[1]["deletion"]):
        lines.append(
            f"| {name} | {row['deletion']:.3f} | {row['random deletion']:.3f} | {row['insertion']:.3f} "
            f"| {row['random insertion']:.3f} | {'yes' if beats_random(row) else 'no'} |"
        )
    return "\n".join(lines)


def show_randomisation(
    image: np.ndarray, rows: Mapping[str, Mapping[str, np.ndarray]], *, size: float = 2.6
) -> plt.Figure:
    """One row per model (trained, then with more and more layers re-initialised, as in
    :attr:`CascadeResult.first_maps`), one column per method: each map over the photo."""
    methods = list(next(iter(rows.values())))
    fig, axes = plt.subplots(
        len(rows), len(methods), figsize=(size * len(methods) + 1.2, size * len(rows) + 0.3), squeeze=False
    )
    for row, (model_name, maps) in zip(axes, rows.items()):
        for ax, method in zip(row, methods):
            ax.imshow(overlay(image, maps[method]))
            ax.set_title(f"{method}\n{model_name}", fontsize=9)
            ax.axis("off")
    colour_bar(fig, axes.ravel().tolist())
    return fig

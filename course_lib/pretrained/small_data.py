"""Few training photos: the three ways to use a pretrained base, compared like for like
(chapter 2, after "Fine-tuning"; lecture section "Using a pretrained ConvNets").

Each way starts from a fresh classifier head and trains it for the same number of epochs
with the same optimizer on the same photos: on the saved features (no augmentation),
end to end behind augmentation layers, and then that model fine-tuned. The steps are the
student's own functions (:class:`Steps`), so the run shows their code at work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

from course_lib.backend import keras
from course_lib.photos import data
from course_lib.pretrained import bases, features
from course_lib.recap import models

METHODS = ("feature extraction", "+ augmentation", "+ fine-tuning")


class Steps(NamedTuple):
    """The chapter's exercises, as the run calls them."""

    build_head: Callable[[tuple[int, ...]], keras.Model]
    augmented_model: Callable[[keras.Model, keras.Model, keras.Layer], keras.Model]
    unfreeze_top: Callable[[keras.Model, str], None]
    compile_for_fine_tuning: Callable[[keras.Model], None]
    predict_with_mirror: Callable[[keras.Model, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Result:
    """One method's test accuracy (averaged with mirror images) at one image size."""

    method: str
    image_size: int
    training_photos: int
    epochs: int
    test_accuracy: float
    seconds: float


def _accuracy(labels: np.ndarray, probabilities) -> float:
    return float(np.mean((np.ravel(probabilities) > 0.5) == labels))


def run(
    steps: Steps,
    image_size: int,
    per_class: int,
    *,
    epochs: int = 30,
    fine_tune_epochs: int = 10,
    first_layer: str = "block7a_expand_conv",
    batch_size: int = 20,
    seed: int = 0,
) -> list[Result]:
    """The three methods on the first ``per_class`` training photos of each class, at
    ``image_size``, scored on every test photo; heads trained ``epochs`` epochs with Adam
    at 1e-3, fine-tuning ``fine_tune_epochs`` more from ``first_layer`` up."""
    keras.utils.set_random_seed(seed)
    base = bases.efficientnet_lite0(include_top=False, image_size=image_size, pooling="avg")
    base.trainable = False
    train_features, train_labels = features.extract(base, "train", limit_per_class=per_class)
    test_features, test_labels = features.extract(base, "test")
    test_mirrored, _ = features.extract(base, "test", flip=True)
    photos = len(train_labels)

    def head_accuracy(head: keras.Model) -> float:  # the frozen base's features stand in for its images
        return _accuracy(
            test_labels, (head.predict(test_features, verbose=0) + head.predict(test_mirrored, verbose=0)) / 2
        )

    results = []
    tick = time.perf_counter()
    head = models.compile_binary(steps.build_head(train_features.shape[1:]), 1e-3, "adam")
    head.fit(train_features, train_labels, epochs=epochs, batch_size=batch_size, verbose=0)
    results.append(Result(METHODS[0], image_size, photos, epochs, head_accuracy(head), time.perf_counter() - tick))

    tick = time.perf_counter()
    head = steps.build_head(train_features.shape[1:])
    model = models.compile_binary(steps.augmented_model(base, head, models.augmentation(seed=seed)), 1e-3, "adam")
    train = data.load_split("train", image_size, batch_size, limit_per_class=per_class, seed=seed)
    model.fit(train, epochs=epochs, shuffle=False, verbose=0)  # the split reshuffles itself each epoch
    results.append(Result(METHODS[1], image_size, photos, epochs, head_accuracy(head), time.perf_counter() - tick))

    tick = time.perf_counter()
    steps.unfreeze_top(base, first_layer)
    steps.compile_for_fine_tuning(model)
    model.fit(train, epochs=fine_tune_epochs, shuffle=False, verbose=0)
    test_images, _ = data.load_arrays("test", image_size)
    accuracy = _accuracy(test_labels, steps.predict_with_mirror(model, test_images))
    results.append(
        Result(METHODS[2], image_size, photos, epochs + fine_tune_epochs, accuracy, time.perf_counter() - tick)
    )
    return results


def as_records(results: Sequence[Result]) -> list[dict]:
    """The results as plain dicts, as `make run` keeps them (build/results.json)."""
    return [asdict(result) for result in results]


def show(results: Sequence[Result], *, full: dict[str, float] | None = None, title: str = "") -> plt.Figure:
    """Test accuracy of each method, one group of bars per image size (and, with
    ``full``, the same methods trained on every training photo)."""
    groups = {f"{r.training_photos} photos, {r.image_size} px": {} for r in results}
    for r in results:
        groups[f"{r.training_photos} photos, {r.image_size} px"][r.method] = r.test_accuracy
    if full:
        groups["all photos (sections 2-4)"] = full
    fig, ax = plt.subplots(figsize=(2.6 * len(groups) + 2, 3.4))
    width = 0.8 / len(METHODS)
    for index, (method, colour, hatch) in enumerate(
        zip(METHODS, ("tab:blue", "tab:orange", "tab:green"), ("", "//", ".."))
    ):
        heights = [group.get(method, np.nan) for group in groups.values()]
        bars = ax.bar(
            np.arange(len(groups)) + (index - 1) * width,
            heights,
            width * 0.95,
            label=method,
            color=colour,
            hatch=hatch,
            edgecolor="white",
        )
        ax.bar_label(bars, labels=[f"{h:.1%}" if h == h else "" for h in heights], padding=2, fontsize=8)
    ax.set_xticks(np.arange(len(groups)), list(groups))
    low = min(r.test_accuracy for r in results)
    ax.set_ylim(max(0.0, low - 0.1), 1.02)
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig

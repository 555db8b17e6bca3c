"""A shift of data set: a cats-vs-dogs classifier trained on the book's Kaggle photos,
scored on Oxford-IIIT Pet photos it never saw (chapter 2, after "Fine-tuning").

The Oxford photos are the sample the course ships (:mod:`course_lib.photos.sources`): 238 photos
of 37 breeds, taken and framed differently from Kaggle's. When the course trained on that
sample (no book photos on the machine), there is nothing unseen to score it on:
:func:`unseen` says so.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from course_lib import confidence
from course_lib.backend import keras
from course_lib.photos import data, sources
from course_lib.photos.downloads import CLASSES

NOT_UNSEEN = (
    "This run trained on the course's Oxford-IIIT Pet sample, so those photos are not new to it: "
    "there is no second data set to score it on. With the book's photos (set COURSE_DATA_DIR, or "
    "let chapter 1 download them) this section scores the classifier on the 238 Oxford photos."
)


@dataclass(frozen=True)
class Photos:
    """Labelled photos from one data set: ``images`` uint8 ``(n, h, w, 3)``, ``labels``
    float32 ``(n,)`` (0 = cat), and each photo's ``breeds`` (empty where unknown)."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    breeds: tuple[str, ...] = ()


def unseen() -> bool:
    """Whether the Oxford sample is new to the models of this run (they trained on other
    photos)."""
    return not sources.resolve().is_sample


def oxford_pets(image_size: int) -> Photos:
    """Every photo of the shipped Oxford-IIIT Pet sample (all three splits) at
    ``image_size``, with its breed from the sample's manifest."""
    root = sources.sample_dir()
    with open(root / sources.SAMPLE_MANIFEST, newline="") as f:
        breed_of = {row["path"]: row["breed"] for row in csv.DictReader(f, delimiter="\t")}
    images, labels, breeds = [], [], []
    for split in sources.SPLITS:
        split_images, split_labels = data.load_arrays(split, image_size, root=root, limit_per_class=10_000)
        pairs = data.select_images(split, root, limit_per_class=10_000)
        images.append(split_images)
        labels.append(split_labels)
        breeds += [breed_of[path.relative_to(root).as_posix()] for path, _ in pairs]
    return Photos("Oxford-IIIT Pet", np.concatenate(images), np.concatenate(labels), tuple(breeds))


def accuracy_by_class(probabilities, labels) -> dict[str, float]:
    """Share of photos classified right (probability of a dog above 0.5 for a dog), for
    each class and for all photos."""
    labels = np.ravel(labels)
    right = (np.ravel(probabilities) > 0.5) == (labels > 0.5)
    by_class = {
        name: float(right[labels == index].mean()) for index, name in enumerate(CLASSES) if (labels == index).any()
    }
    return {**by_class, "all": float(right.mean())}


def photos_by_class(labels) -> dict[str, int]:
    """The number of photos of each class and of all (what each accuracy is measured on)."""
    labels = np.ravel(labels)
    return {
        **{name: int((labels == index).sum()) for index, name in enumerate(CLASSES) if (labels == index).any()},
        "all": int(labels.size),
    }


def accuracy_by_breed(probabilities, photos: Photos) -> dict[str, tuple[float, int]]:
    """Accuracy and number of photos for each breed, worst first."""
    right = (np.ravel(probabilities) > 0.5) == (photos.labels > 0.5)
    breeds = np.array(photos.breeds)
    table = {
        breed: (float(right[breeds == breed].mean()), int((breeds == breed).sum())) for breed in set(photos.breeds)
    }
    return dict(sorted(table.items(), key=lambda item: (item[1][0], item[0])))


@dataclass(frozen=True)
class Shift:
    """One model scored on its own test photos and on the Oxford photos."""

    model: str
    test: dict[str, float]
    oxford: dict[str, float]
    breeds: dict[str, tuple[float, int]]
    dog_breeds: frozenset[str]
    test_photos: dict[str, int]
    oxford_photos: dict[str, int]

    def as_record(self) -> dict[str, dict[str, float]]:
        """What `make run` keeps of it (build/results.json)."""
        return {"test": self.test, "oxford": self.oxford}


def score(
    predict: Callable[[np.ndarray], np.ndarray],
    image_size: int,
    model: str,
    *,
    test_probabilities: np.ndarray | None = None,
) -> Shift:
    """Score ``predict`` (uint8 images to probabilities of a dog) on the test split in use
    and on every Oxford photo, at ``image_size``; ``model`` names it in figures.
    ``test_probabilities``, where the test photos were already predicted (in their order),
    are used instead of predicting them again."""
    test_images, test_labels = data.load_arrays("test", image_size)
    if test_probabilities is None:
        test_probabilities = predict(test_images)
    elif len(test_probabilities) != len(test_labels):
        raise ValueError(f"test_probabilities has {len(test_probabilities)} values for {len(test_labels)} test photos")
    oxford = oxford_pets(image_size)
    p_oxford = predict(oxford.images)
    return Shift(
        model,
        accuracy_by_class(test_probabilities, test_labels),
        accuracy_by_class(p_oxford, oxford.labels),
        accuracy_by_breed(p_oxford, oxford),
        frozenset(breed for breed, label in zip(oxford.breeds, oxford.labels) if label > 0.5),
        photos_by_class(test_labels),
        photos_by_class(oxford.labels),
    )


def chapter1_convnet() -> keras.Model | None:
    """Chapter 1's convnet trained from scratch with augmentation, where chapter 1 saved
    it for these photos; None (saying so) where it did not."""
    from course_lib.recap import models

    path = models.scratch_convnet_path()
    if not path.exists():
        print(f"Chapter 1 has not saved its convnet for these photos ({path}): run it to score that model too.")
        return None
    return keras.models.load_model(path)


_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red")  # told apart by most colour-blind readers
_HATCHES = ("", "//", "..", "xx")


def show_shift(
    shifts: list[Shift], *, title: str = "Cats vs dogs: each model's test photos against Oxford pets"
) -> plt.Figure:
    """Accuracy per class for each model, on its test photos (plain bars) and on the
    Oxford photos (hatched), each with its 95 % confidence interval (black whiskers)."""
    groups = [*CLASSES, "all"]
    bars = [
        (f"{s.model}: {where}", scores, counts)
        for s in shifts
        for where, scores, counts in (
            ("test photos", s.test, s.test_photos),
            ("Oxford pets", s.oxford, s.oxford_photos),
        )
    ]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    width = 0.8 / len(bars)
    for index, (label, scores, counts) in enumerate(bars):
        heights = [scores.get(group, np.nan) for group in groups]
        bounds = [confidence.interval(scores[g], counts[g]) if g in scores else (np.nan, np.nan) for g in groups]
        whiskers = np.array([[h - low, high - h] for h, (low, high) in zip(heights, bounds)]).T
        drawn = ax.bar(
            np.arange(len(groups)) + (index - (len(bars) - 1) / 2) * width,
            heights,
            width * 0.95,
            label=label,
            color=_COLOURS[index // 2 % len(_COLOURS)],
            hatch=_HATCHES[1] if index % 2 else "",
            edgecolor="white",
            yerr=whiskers,
            error_kw={"elinewidth": 1, "capsize": 2},
        )
        ax.bar_label(
            drawn, labels=[f"{h:.0%}" if h == h else "" for h in heights], padding=2, fontsize=8, label_type="center"
        )
    ax.set_xticks(np.arange(len(groups)), groups)
    ax.set_ylim(0.0, 1.12)
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"{title}\n(whiskers: 95 % confidence intervals)", fontsize=10)
    fig.tight_layout()
    return fig


def show_breeds(shifts: list[Shift], *, worst: int = 10) -> plt.Figure:
    """Each model's ``worst`` breeds on the Oxford photos: accuracy and number of photos
    (cat breeds plain blue, dog breeds hatched orange)."""
    fig, axes = plt.subplots(1, len(shifts), figsize=(5.2 * len(shifts), 0.34 * worst + 1.3), squeeze=False)
    for ax, shift in zip(axes.flat, shifts):
        rows = list(shift.breeds.items())[:worst][::-1]
        dogs = [breed in shift.dog_breeds for breed, _ in rows]
        drawn = ax.barh(
            [breed.replace("_", " ") for breed, _ in rows],
            [acc for _, (acc, _) in rows],
            color=["tab:orange" if dog else "tab:blue" for dog in dogs],
        )
        for bar, dog in zip(drawn, dogs):
            bar.set_hatch("//" if dog else "")
        for y, (_, (accuracy, count)) in enumerate(rows):
            ax.text(accuracy + 0.01, y, f"{accuracy:.0%} of {count}", va="center", fontsize=8)
        ax.set_xlim(0, 1.25)
        ax.set_xlabel("accuracy on its Oxford photos")
        ax.set_title(f"{shift.model}: worst breeds", fontsize=10)
    fig.tight_layout()
    return fig

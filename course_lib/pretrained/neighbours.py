"""What a pretrained base's features know before any training (lecture: using a pretrained
convnet, book 5.3, "generic features"): photos whose feature vectors point the same way
look alike to the base, so a new photo's nearest training photos mostly share its class."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_lib.photos import data
from course_lib.photos.downloads import CLASSES


def vote(neighbour_labels: np.ndarray) -> np.ndarray:
    """Each row's majority class (0 or 1) from its neighbours' labels, ``(queries, k)``;
    an odd ``k`` leaves no ties."""
    return (np.asarray(neighbour_labels, "float64").mean(axis=1) > 0.5).astype("float32")


def show(
    nearest: np.ndarray, queries: Sequence[int], *, query_split: str = "validation", image_size: int = 128
) -> plt.Figure:
    """One row per query photo (its index in ``query_split``): the photo, then its nearest
    training photos (``nearest[query]``, indices into the training split), most similar
    first, each titled with its class."""
    asked, train = data.select_images(query_split), data.select_images("train")
    k = np.shape(nearest)[1]
    fig, axes = plt.subplots(len(queries), k + 1, figsize=(1.9 * (k + 1), 2.1 * len(queries)), squeeze=False)
    for row, query in zip(axes, queries):
        path, label = asked[query]
        row[0].imshow(data.load_image(path, image_size))
        row[0].set_title(f"{query_split}: {CLASSES[label][:-1]}", fontsize=9, fontweight="bold")
        for rank, (ax, index) in enumerate(zip(row[1:], nearest[query]), start=1):
            path, label = train[int(index)]
            ax.imshow(data.load_image(path, image_size))
            ax.set_title(f"nearest {rank}: {CLASSES[label][:-1]}", fontsize=9)
    for ax in axes.ravel():
        ax.axis("off")
    fig.tight_layout()
    return fig

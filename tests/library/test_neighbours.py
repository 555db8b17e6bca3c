"""Tests for course_lib.pretrained.neighbours: the majority vote and the picture of nearest photos."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course_lib.photos import data
from course_lib.pretrained import neighbours
from helpers import make_folder, photo


def test_the_vote_is_each_rows_majority():
    np.testing.assert_array_equal(neighbours.vote(np.array([[0, 0, 1], [1, 1, 0], [1, 1, 1]])), [0, 1, 1])


def test_the_picture_shows_each_query_and_its_neighbours(isolated_data, monkeypatch, tmp_path):
    folder = make_folder(tmp_path / "photos", per_class=3)  # in each split: 3 cats, then 3 dogs
    for seed, path in enumerate(sorted((folder / "validation").rglob("*.jpg")), start=100):
        photo(seed).save(path)  # not the training photos
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    nearest = np.array([[5, 0, 1], [2, 4, 3]] + [[0, 1, 2]] * 4)
    figure = neighbours.show(nearest, [0, 5], image_size=32)
    assert [ax.get_title() for ax in figure.axes] == [
        "validation: cat",
        "nearest 1: dog",
        "nearest 2: cat",
        "nearest 3: cat",
        "validation: dog",
        "nearest 1: cat",
        "nearest 2: cat",
        "nearest 3: cat",
    ]
    shown = [
        folder / "validation" / "cats" / "cat.1.jpg",
        *(folder / "train" / name for name in ("dogs/dog.3.jpg", "cats/cat.1.jpg", "cats/cat.2.jpg")),
        folder / "validation" / "dogs" / "dog.3.jpg",
        *(folder / "train" / "cats" / f"cat.{n}.jpg" for n in (1, 2, 3)),
    ]
    for ax, path in zip(figure.axes, shown, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), data.load_image(path, 32), err_msg=str(path))
    plt.close(figure)

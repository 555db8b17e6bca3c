"""Tests for course_lib.pretrained.neighbours: the majority vote and the picture of nearest photos."""

from __future__ import annotations

import numpy as np

from course_lib.photos import data
from course_lib.pretrained import neighbours
from helpers import figures_closed, make_folder


def test_the_vote_is_each_rows_majority():
    np.testing.assert_array_equal(neighbours.vote(np.array([[0, 0, 1], [1, 1, 0], [1, 1, 1]])), [0, 1, 1])


def test_the_picture_shows_each_query_and_its_neighbours(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(make_folder(tmp_path / "photos", per_class=3)))
    nearest = np.array([[5, 0, 1], [2, 4, 3]] + [[0, 1, 2]] * 4)
    figure = neighbours.show(nearest, [0, 5])
    titles = [ax.get_title() for ax in figure.axes]
    figures_closed(lambda: figure)
    assert len(figure.axes) == 2 * 4
    train = data.select_images("train")
    assert titles[1] == f"nearest 1: {'cat' if train[5][1] == 0 else 'dog'}"
    assert titles[0].startswith("validation: ")

"""Tests for course_lib.pretrained.data_shift: the Oxford photos with their breeds, accuracy per class
and per breed, and the figures of chapter 2's data-shift section."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from course_lib.photos import data, sources
from course_lib.pretrained import data_shift

pytestmark = pytest.mark.usefixtures("isolated_data")  # a private cache, full mode, nothing decoded yet


@pytest.fixture
def book_like(tmp_path, monkeypatch):
    """A photo folder standing in for the book's photos: dark cats, bright dogs."""
    root = tmp_path / "photos"
    for split in data.SPLITS:
        for label, name in enumerate(data.CLASSES):
            (root / split / name).mkdir(parents=True)
            for index in range(4):
                Image.new("RGB", (24, 24), (30 + 180 * label,) * 3).save(
                    root / split / name / f"{name[:-1]}.{index}.jpg"
                )
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    sources.forget()
    return root


def test_the_oxford_photos_are_the_whole_sample_with_their_breeds():
    photos = data_shift.oxford_pets(32)
    assert photos.images.shape == (238, 32, 32, 3) and photos.images.dtype == np.uint8
    assert photos.labels.tolist().count(0) == 119 and photos.labels.tolist().count(1) == 119
    breeds = dict(zip(photos.breeds, photos.labels))
    assert len(breeds) == 37  # 12 cat breeds, 25 dog breeds
    assert sum(label == 0 for label in breeds.values()) == 12
    assert breeds["Siamese"] == 0 and breeds["beagle"] == 1
    # each photo's breed is the one its file is named after
    first = data.select_images("train", sources.sample_dir(), limit_per_class=10_000)[0][0]
    assert photos.breeds[0] == first.stem.rsplit("_", 1)[0]


def test_accuracy_by_class_counts_each_class_apart():
    labels = np.array([0, 0, 0, 0, 1, 1])
    probabilities = np.array([0.1, 0.2, 0.9, 0.4, 0.8, 0.3])  # 3 of 4 cats right, 1 of 2 dogs
    assert data_shift.accuracy_by_class(probabilities, labels) == {"cats": 0.75, "dogs": 0.5, "all": 4 / 6}
    assert data_shift.accuracy_by_class(probabilities[:, None], labels)["all"] == pytest.approx(4 / 6)  # (n, 1) outputs


def test_accuracy_by_breed_puts_the_worst_first():
    photos = data_shift.Photos(
        "toy",
        np.zeros((5, 2, 2, 3), np.uint8),
        np.array([0, 0, 1, 1, 1], np.float32),
        ("Bombay", "Bombay", "pug", "pug", "beagle"),
    )
    table = data_shift.accuracy_by_breed(np.array([0.9, 0.1, 0.9, 0.9, 0.2]), photos)
    assert list(table) == ["beagle", "Bombay", "pug"]
    assert table == {"beagle": (0.0, 1), "Bombay": (0.5, 2), "pug": (1.0, 2)}


def test_score_measures_a_model_on_both_data_sets(book_like):
    assert data_shift.unseen()
    shift = data_shift.score(lambda images: (images.mean(axis=(1, 2, 3)) > 120).astype(float), 24, "brightness")
    assert shift.test == {"cats": 1.0, "dogs": 1.0, "all": 1.0}  # it learned the toy folder's shortcut
    assert 0 < shift.oxford["all"] < 1  # which does not carry over to real photos
    assert sum(count for _, count in shift.breeds.values()) == 238
    assert "beagle" in shift.dog_breeds and "Siamese" not in shift.dog_breeds
    assert shift.as_record() == {"test": shift.test, "oxford": shift.oxford}
    always_dog = data_shift.score(lambda images: np.ones(len(images)), 24, "always a dog")
    assert always_dog.oxford == {"cats": 0.0, "dogs": 1.0, "all": 0.5}


def test_score_reuses_test_probabilities_it_is_given(book_like):
    seen = []

    def predict(images):
        seen.append(len(images))
        return np.ones(len(images))

    all_cats = np.zeros(8)  # the test photos, already predicted: every one a cat
    shift = data_shift.score(predict, 24, "given", test_probabilities=all_cats)
    assert seen == [238]  # only the Oxford photos were predicted
    assert shift.test == {"cats": 1.0, "dogs": 0.0, "all": 0.5} and shift.oxford["all"] == 0.5
    with pytest.raises(ValueError, match="3 values for 8 test photos"):
        data_shift.score(predict, 24, "short", test_probabilities=np.zeros(3))


def test_on_the_sample_there_is_nothing_unseen(sample_photos):
    assert not data_shift.unseen()
    assert "sample" in data_shift.NOT_UNSEEN and "COURSE_DATA_DIR" in data_shift.NOT_UNSEEN


def test_chapter1_convnet_says_when_chapter_1_has_not_run(book_like, capsys):
    assert data_shift.chapter1_convnet() is None
    assert "run it" in capsys.readouterr().out


def test_the_figures_draw_a_bar_per_model_data_set_and_class(book_like):
    def always(p):
        return lambda images: np.full(len(images), p)

    shifts = [data_shift.score(always(p), 24, name) for p, name in ((0.9, "a"), (0.2, "b"))]
    figure = data_shift.show_shift(shifts)
    assert len(figure.axes[0].patches) == 2 * 2 * 3  # models x data sets x (cats, dogs, all)
    whiskers = [line for container in figure.axes[0].containers for line in getattr(container, "errorbar", None) or []]
    assert whiskers, "each bar has its confidence interval"
    all_photos = shifts[0].oxford_photos["all"]
    assert shifts[0].oxford_photos["cats"] + shifts[0].oxford_photos["dogs"] == all_photos > 0
    breeds = data_shift.show_breeds(shifts, worst=5)
    assert [len(ax.patches) for ax in breeds.axes] == [5, 5]
    # "a" calls every photo a dog, so its worst breeds are cats (plain); "b" the reverse (hatched)
    assert [{bar.get_hatch() or "" for bar in ax.patches} for ax in breeds.axes] == [{""}, {"//"}]

"""Tests for course_lib.photos.data: reading and loading photos, on the sample the course ships,
the book's full set (where named), and a folder of odd files.

Where the photos come from is tested in test_sources.py, the downloads in
test_downloads.py. No test downloads anything (conftest.py).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_lib.photos import data, sources
from helpers import jpeg_bytes, make_folder, photo, png_bytes

pytestmark = pytest.mark.usefixtures("isolated_data")


# --- the book's full photo set (CI: ../shared/data/cats_and_dogs_small) --------------


def test_full_folder_found_and_counted(full_photos):
    assert data.source() == sources.DataSource(full_photos, "folder")
    assert data.summary() == {
        "train": {"cats": 1000, "dogs": 1000},
        "validation": {"cats": 500, "dogs": 500},
        "test": {"cats": 250, "dogs": 250},
    }
    pairs = data.list_images("train")
    assert [p.name for p, _ in pairs[:3]] == ["cat.1.jpg", "cat.2.jpg", "cat.3.jpg"]
    assert pairs[9][0].name == "cat.10.jpg"  # natural order
    assert pairs[1000] == (full_photos / "train" / "dogs" / "dog.1.jpg", 1)
    assert len(data.load_arrays("test", 16)[1]) == 500  # not fast: every image


# --- loading, on the shipped sample --------------------------------------------------


def test_listing_is_in_natural_order(sample_photos):
    pairs = data.list_images("train")
    assert [label for _, label in pairs] == [0] * 60 + [1] * 60
    names = [p.name for p, label in pairs if label == 0]
    assert names == sorted(names, key=data._natural_key) != sorted(names)  # 9 before 10, unlike str order
    assert all(p.parent == sample_photos / "train" / "cats" for p, label in pairs if label == 0)


def test_load_split_validation(sample_photos):
    ds = data.load_split("validation", image_size=96, limit_per_class=20)
    batches = list(ds.as_numpy_iterator())
    assert [len(y) for _, y in batches] == [32, 8]
    for x, y in batches:
        assert x.shape == (len(y), 96, 96, 3)
        assert x.dtype == np.float32 and y.dtype == np.float32
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert y.tolist() == [0.0] * 20 + [1.0] * 20  # not shuffled outside train
    assert x.min() >= 0 and x.max() <= 255 and x.max() > 200  # 0..255, not rescaled
    assert np.array_equal(x, np.round(x))
    first = data.load_image(data.list_images("validation")[0][0], 96)
    assert np.array_equal(x[0], first)


def test_train_is_shuffled_by_default_and_each_epoch(sample_photos):
    def labels(ds):
        return np.concatenate([y for _, y in ds.as_numpy_iterator()]).tolist()

    ds = data.load_split("train", image_size=32, limit_per_class=10)
    first, second = labels(ds), labels(ds)
    assert sorted(first) == [0.0] * 10 + [1.0] * 10
    assert first != sorted(first) and first != second
    assert labels(data.load_split("train", 32, root=sample_photos, limit_per_class=10, seed=0)) != first
    assert labels(data.load_split("train", 32, shuffle=False, limit_per_class=10)) == sorted(first)


def test_fast_mode_limits(sample_photos, monkeypatch):
    for split in data.SPLITS:
        _, labels = data.load_arrays(split, 16)
        assert len(labels) == 2 * data.FAST_LIMITS[split]
        assert labels.sum() == data.FAST_LIMITS[split]
    assert int(data.load_split("train", 16, batch_size=8).cardinality()) == 2 * 40 // 8
    assert len(data.load_arrays("train", 16, limit_per_class=3)[1]) == 6  # explicit wins
    monkeypatch.setenv("COURSE_FAST", "0")
    assert len(data.load_arrays("test", 16)[1]) == 60  # not fast: every image


def test_second_load_is_served_from_the_cache(sample_photos):
    start = time.perf_counter()
    images, labels = data.load_arrays("train", image_size=64, limit_per_class=50)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again, _ = data.load_arrays("train", (64, 64), limit_per_class=50)
    second = time.perf_counter() - start
    assert again is images and second < first / 5
    assert images.shape == (100, 64, 64, 3) and images.dtype == np.uint8
    assert not images.flags.writeable and not labels.flags.writeable
    assert data.load_arrays("train", 64, limit_per_class=49)[0] is not images
    data.clear_cache()
    assert data.load_arrays("train", 64, limit_per_class=50)[0] is not images


# --- a user's folder with odd files --------------------------------------------------


@pytest.fixture
def odd_folder(tmp_path) -> Path:
    """Three good JPEGs per class, plus odd files among the training cats."""
    root = make_folder(tmp_path / "mine")
    cats = root / "train" / "cats"
    good = jpeg_bytes(photo(99))
    (cats / "cat.100.png").write_bytes(png_bytes(photo(100)))
    photo(101).convert("L").save(cats / "cat.101.jpg")
    rgba = photo(102).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size).point(lambda v: 0 if v < 128 else 255))
    rgba.save(cats / "cat.102.png")
    (cats / "cat.103.jpg").write_bytes(good[: len(good) // 2])  # truncated JPEG
    (cats / "cat.104.jpg").write_bytes(np.random.default_rng(0).bytes(3000))
    (cats / "cat.105.JPG").write_bytes(good)
    (cats / "notes.txt").write_text("my cats")
    (cats / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (cats / "._cat.1.jpg").write_bytes(b"\0\5\26\7 AppleDouble")
    (cats / "more").mkdir()
    photo(7).save(cats / "more" / "cat.7.jpg")
    return root


def test_odd_files_are_listed_by_extension(odd_folder):
    names = [p.name for p, _ in data.list_images("train", odd_folder)]
    assert names[:9] == [
        "cat.1.jpg",
        "cat.2.jpg",
        "cat.3.jpg",
        "cat.100.png",
        "cat.101.jpg",
        "cat.102.png",
        "cat.103.jpg",
        "cat.104.jpg",
        "cat.105.JPG",
    ]
    assert len(names) == 12
    assert data.summary(odd_folder)["train"] == {"cats": 9, "dogs": 3}


def test_odd_files_are_loaded_or_skipped_with_a_warning(odd_folder):
    cats = odd_folder / "train" / "cats"
    with pytest.warns(data.SkippedImageWarning) as record:
        images, labels = data.load_arrays("train", 32, root=odd_folder)
    messages = sorted(str(w.message) for w in record)
    assert len(messages) == 2
    assert str(cats / "cat.103.jpg") in messages[0] and "truncated" in messages[0]
    assert str(cats / "cat.104.jpg") in messages[1]
    assert images.shape == (10, 32, 32, 3) and labels.tolist() == [0.0] * 7 + [1.0] * 3
    assert np.array_equal(images[3], data.load_image(cats / "cat.100.png", 32))  # the PNG
    gray = images[4]
    assert (gray == gray[..., :1]).all()  # the grayscale JPEG: three equal channels
    assert np.array_equal(images[6], data.load_image(cats / "cat.105.JPG", 32))


def test_load_image_conversions_and_errors(odd_folder):
    cats = odd_folder / "train" / "cats"
    gray = data.load_image(cats / "cat.101.jpg")
    assert gray.shape == (40, 56, 3) and gray.dtype == np.uint8
    assert (gray == gray[..., :1]).all()
    rgba = data.load_image(cats / "cat.102.png")
    assert rgba.shape == (40, 56, 3)
    assert (rgba[:10] == 255).all()  # the transparent top: white background
    assert np.array_equal(rgba[-10:], np.asarray(photo(102))[-10:])  # the opaque bottom
    assert np.array_equal(data.load_image(cats / "cat.100.png"), np.asarray(photo(100)))
    assert data.load_image(cats / "cat.1.jpg", 24).shape == (24, 24, 3)
    assert data.load_image(cats / "cat.1.jpg", (20, 30)).shape == (20, 30, 3)
    for bad in ("cat.103.jpg", "cat.104.jpg", "notes.txt"):
        with pytest.raises(data.CorruptImageError, match=bad.replace(".", r"\.")):
            data.load_image(cats / bad)


def test_empty_or_unreadable_class_is_an_error(odd_folder):
    dogs = odd_folder / "test" / "dogs"
    for p in dogs.iterdir():
        p.write_bytes(b"not a photo")
    with (
        pytest.raises(data.DataLayoutError, match="can be read"),
        pytest.warns(data.SkippedImageWarning),
    ):
        data.load_arrays("test", 16, root=odd_folder)
    for p in dogs.iterdir():
        p.unlink()
    (dogs / "notes.txt").write_text("no dogs yet")
    with pytest.raises(data.DataLayoutError, match=re.escape(str(dogs))):
        data.list_images("test", odd_folder)
    with pytest.raises(ValueError, match="validation"):
        data.list_images("valid", odd_folder)


def test_named_folder_without_the_layout(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("COURSE_DATA_DIR", str(missing))
    with pytest.raises(data.DataLayoutError) as info:
        data.data_dir()
    assert "COURSE_DATA_DIR" in str(info.value) and str(missing) in str(info.value)
    assert "does not exist" in str(info.value) and data.LAYOUT in str(info.value)

    assert "relative path" not in str(info.value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_DATA_DIR", "../nowhere")
    with pytest.raises(data.DataLayoutError, match="A relative path is read from the folder this runs in") as info:
        data.data_dir()
    assert str(tmp_path) in str(info.value) and "full path" in str(info.value)

    root = make_folder(tmp_path / "mine", per_class=1)
    shutil.rmtree(root / "test")
    with pytest.raises(data.DataLayoutError, match="lacks test/cats/, test/dogs/") as info:
        data.list_images("train", root)
    assert str(root) in str(info.value) and "`root`" in str(info.value)
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    with pytest.raises(data.DataNotFoundError, match=re.escape(str(root))):
        data.load_arrays("train", 16)


# --- sample photos -------------------------------------------------------------------


def test_sample_images():
    cat = data.sample_image("chelsea")
    assert cat.shape == (300, 451, 3) and cat.dtype == np.uint8
    assert data.sample_image("coffee", (50, 60)).shape == (50, 60, 3)
    assert data.sample_image("rocket", 32).shape == (32, 32, 3)
    with pytest.raises(ValueError, match="chelsea, coffee, astronaut, rocket"):
        data.sample_image("dog")

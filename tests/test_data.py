"""Tests for course_lib.data: the shared real photos, odd files, the split builder, errors.

The real-photo tests read ``COURSE_DATA_DIR`` (CI points it at
``../shared/data/cats_and_dogs_small``) and are skipped when it is unset. No test
downloads anything: ``pooch.retrieve`` and ``requests.get`` are replaced for every test.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pooch
import pytest
import requests
from PIL import Image

from course_lib import data

SHARED = os.environ.get("COURSE_DATA_DIR")
REAL_RETRIEVE = pooch.retrieve


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """A private cache, no fast mode, no data folder, no network, no decoded images."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("COURSE_DATA_DIR", "COURSE_FAST", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(name, raising=False)

    def no_network(*args, **kwargs):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    monkeypatch.setattr(requests, "get", no_network)
    data.clear_cache()
    yield
    data.clear_cache()


@pytest.fixture
def shared(monkeypatch) -> Path:
    """The shared real photos, named by COURSE_DATA_DIR as in CI."""
    if not SHARED:
        pytest.skip("COURSE_DATA_DIR is not set; point it at ../shared/data/cats_and_dogs_small")
    monkeypatch.setenv("COURSE_DATA_DIR", SHARED)
    return Path(SHARED)


def photo(seed: int, size: tuple[int, int] = (40, 56)) -> Image.Image:
    """A small real-looking RGB photo: a crop of scikit-image's cat or coffee cup."""
    source = data.sample_image("chelsea" if seed % 2 else "coffee")
    top, left = 7 * seed % 100, 11 * seed % 150
    crop = source[top : top + 3 * size[0], left : left + 3 * size[1]]
    return Image.fromarray(crop).resize(size[::-1])


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_folder(root: Path, per_class: int = 3) -> Path:
    """A tiny data folder in the course layout, named the Kaggle way."""
    for split in data.SPLITS:
        for label, class_name in enumerate(data.CLASSES):
            folder = root / split / class_name
            folder.mkdir(parents=True)
            for n in range(1, per_class + 1):
                photo(10 * n + label).save(folder / f"{class_name[:-1]}.{n}.jpg", quality=90)
    return root


# --- the shared real photos ----------------------------------------------------------


def test_shared_folder_found_and_counted(shared):
    assert data.data_dir() == shared
    assert data.summary() == {
        "train": {"cats": 1000, "dogs": 1000},
        "validation": {"cats": 500, "dogs": 500},
        "test": {"cats": 250, "dogs": 250},
    }


def test_listing_is_in_natural_order(shared):
    pairs = data.list_images("train")
    assert [p.name for p, _ in pairs[:3]] == ["cat.1.jpg", "cat.2.jpg", "cat.3.jpg"]
    assert pairs[9][0].name == "cat.10.jpg"
    assert pairs[1000] == (shared / "train" / "dogs" / "dog.1.jpg", 1)
    assert [label for _, label in pairs] == [0] * 1000 + [1] * 1000


def test_load_split_validation(shared):
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
    first = data.load_image(shared / "validation" / "cats" / "cat.4001.jpg", 96)
    assert np.array_equal(x[0], first)


def test_train_is_shuffled_by_default_and_each_epoch(shared):
    def labels(ds):
        return np.concatenate([y for _, y in ds.as_numpy_iterator()]).tolist()

    ds = data.load_split("train", image_size=32, limit_per_class=10)
    first, second = labels(ds), labels(ds)
    assert sorted(first) == [0.0] * 10 + [1.0] * 10
    assert first != sorted(first) and first != second
    assert labels(data.load_split("train", 32, root=shared, limit_per_class=10, seed=0)) != first
    assert labels(data.load_split("train", 32, shuffle=False, limit_per_class=10)) == sorted(first)


def test_fast_mode_limits(shared, monkeypatch):
    assert len(data.load_arrays("test", 16)[1]) == 500  # not fast: every image
    monkeypatch.setenv("COURSE_FAST", "1")
    for split in data.SPLITS:
        _, labels = data.load_arrays(split, 16)
        assert len(labels) == 2 * data.FAST_LIMITS[split]
        assert labels.sum() == data.FAST_LIMITS[split]
    assert int(data.load_split("train", 16, batch_size=8).cardinality()) == 2 * 40 // 8
    assert len(data.load_arrays("train", 16, limit_per_class=3)[1]) == 6  # explicit wins


def test_second_load_is_served_from_the_cache(shared):
    start = time.perf_counter()
    images, labels = data.load_arrays("validation", image_size=64, limit_per_class=150)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again, _ = data.load_arrays("validation", (64, 64), limit_per_class=150)
    second = time.perf_counter() - start
    assert again is images and second < first / 5
    assert images.shape == (300, 64, 64, 3) and images.dtype == np.uint8
    assert not images.flags.writeable and not labels.flags.writeable
    assert data.load_arrays("validation", 64, limit_per_class=149)[0] is not images
    data.clear_cache()
    assert data.load_arrays("validation", 64, limit_per_class=150)[0] is not images


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
    rgba.putalpha(
        Image.linear_gradient("L").resize(rgba.size).point(lambda v: 0 if v < 128 else 255)
    )
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

    root = make_folder(tmp_path / "mine", per_class=1)
    shutil.rmtree(root / "test")
    with pytest.raises(data.DataLayoutError, match="lacks test/cats/, test/dogs/") as info:
        data.list_images("train", root)
    assert str(root) in str(info.value) and "`path`" in str(info.value)
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    with pytest.raises(data.DataNotFoundError, match=re.escape(str(root))):
        data.load_arrays("train", 16)


# --- building the book's split from the Kaggle zip -----------------------------------


def make_zip(path: Path) -> dict[str, bytes]:
    """A PetImages zip: cats and dogs 0..10 with bad files, members in string order."""
    members: dict[str, bytes] = {}
    for zip_class in ("Cat", "Dog"):
        for n in range(11):
            members[f"PetImages/{zip_class}/{n}.jpg"] = jpeg_bytes(
                photo(n + 20 * (zip_class == "Dog"))
            )
        members[f"PetImages/{zip_class}/Thumbs.db"] = b"\xd0\xcf\x11\xe0 thumbnails"
    members["PetImages/Cat/3.jpg"] = b""
    members["PetImages/Cat/5.jpg"] = png_bytes(photo(5))
    good = members["PetImages/Dog/2.jpg"]
    members["PetImages/Dog/2.jpg"] = good[: len(good) // 2]
    members["PetImages/Dog/9.jpg"] = b""  # never reached: the dogs are complete before it
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("PetImages/", b"")
        for name in sorted(members):
            zf.writestr(name, members[name])
    return members


SMALL = {"train": 3, "validation": 2, "test": 2}


def test_build_split_from_a_small_zip(tmp_path, capsys):
    members = make_zip(tmp_path / "pets.zip")
    out = tmp_path / "split"
    manifest = data.build_split(tmp_path / "pets.zip", out, per_class=SMALL)

    def names(split, class_name):
        return [
            p.name
            for p, label in data.list_images(split, out)
            if label == data.CLASSES.index(class_name)
        ]

    assert names("train", "cats") == ["cat.0.jpg", "cat.1.jpg", "cat.2.jpg"]
    assert names("validation", "cats") == ["cat.4.jpg", "cat.6.jpg"]
    assert names("test", "cats") == ["cat.7.jpg", "cat.8.jpg"]
    assert names("train", "dogs") == ["dog.0.jpg", "dog.1.jpg", "dog.3.jpg"]
    assert names("validation", "dogs") == ["dog.4.jpg", "dog.5.jpg"]
    assert names("test", "dogs") == ["dog.6.jpg", "dog.7.jpg"]
    assert (out / "test" / "dogs" / "dog.7.jpg").read_bytes() == members["PetImages/Dog/7.jpg"]

    skipped = {s["file"]: s["reason"] for s in manifest["skipped"]}
    assert list(skipped) == ["PetImages/Cat/3.jpg", "PetImages/Cat/5.jpg", "PetImages/Dog/2.jpg"]
    assert skipped["PetImages/Cat/3.jpg"] == "empty"
    assert skipped["PetImages/Cat/5.jpg"] == "PNG image, not JPEG"
    assert "truncated" in skipped["PetImages/Dog/2.jpg"]
    printed = capsys.readouterr().out
    assert "Skipped 3 files that are not readable JPEGs: PetImages/Cat/3.jpg (empty), " in printed
    assert json.loads((out / data.MARKER).read_text()) == manifest
    assert manifest["counts"]["validation"] == {"cats": 2, "dogs": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets.zip", "split"]  # no leftovers

    again = data.build_split(tmp_path / "no-such.zip", out, per_class=SMALL)  # not rebuilt
    assert again == manifest and capsys.readouterr().out == ""


def test_build_split_failures_leave_nothing_behind(tmp_path):
    make_zip(tmp_path / "pets.zip")
    with pytest.raises(ValueError, match="only 9 readable JPEGs in PetImages/Cat/, 14 needed"):
        data.build_split(tmp_path / "pets.zip", tmp_path / "split", {"train": 10, "test": 4})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets.zip"]
    (tmp_path / "split").mkdir()
    with pytest.raises(FileExistsError, match="no split.json"):
        data.build_split(tmp_path / "pets.zip", tmp_path / "split", SMALL)


def test_data_dir_downloads_builds_and_reuses(tmp_path, monkeypatch):
    zip_path = tmp_path / "pets.zip"
    make_zip(zip_path)
    calls = []

    def fake_retrieve(url, **kwargs):
        calls.append((url, kwargs))
        return str(zip_path)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    monkeypatch.setattr(data, "BOOK_SPLIT", SMALL)
    cache = Path(os.environ["COURSE_CACHE_DIR"])
    assert data.data_dir() == cache / "cats_and_dogs_small"
    assert calls == [
        (
            data.ZIP_URL,
            {
                "known_hash": f"sha256:{data.ZIP_SHA256}",
                "fname": data.ZIP_NAME,
                "path": cache / "downloads",
                "progressbar": True,
            },
        )
    ]
    assert data.summary()["test"] == {"cats": 2, "dogs": 2}
    assert data.data_dir() == cache / "cats_and_dogs_small" and len(calls) == 1


def test_a_zip_saved_by_hand_is_found_offline(tmp_path, monkeypatch):
    cache = Path(os.environ["COURSE_CACHE_DIR"])
    by_hand = cache / "downloads" / data.ZIP_NAME
    by_hand.parent.mkdir(parents=True)
    make_zip(by_hand)
    monkeypatch.setattr(data, "ZIP_SHA256", hashlib.sha256(by_hand.read_bytes()).hexdigest())
    monkeypatch.setattr(data, "BOOK_SPLIT", SMALL)
    monkeypatch.setattr(pooch, "retrieve", REAL_RETRIEVE)  # requests.get still refuses
    assert data.summary()["train"] == {"cats": 3, "dogs": 3}


def test_offline_with_nothing_cached(monkeypatch):
    cache = Path(os.environ["COURSE_CACHE_DIR"])
    # what an interrupted build leaves behind does not count as data
    (cache / ".cats_and_dogs_small.partial-x" / "train" / "cats").mkdir(parents=True)

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='download.microsoft.com', port=443): Max retries exceeded"
        )

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(data.DataNotFoundError) as info:
        data.load_split("train")
    message = str(info.value)
    assert str(cache / "downloads" / data.ZIP_NAME) in message
    assert "COURSE_DATA_DIR" in message and data.ZIP_URL in message
    assert "Max retries exceeded" in message  # the reason is kept...
    assert info.value.__cause__ is None and info.value.__suppress_context__  # ...not the chain


def test_a_foreign_folder_in_the_cache_stops_before_downloading(monkeypatch):
    cache = Path(os.environ["COURSE_CACHE_DIR"])
    for split in data.SPLITS:  # folders without split.json: not a split the course built
        for class_name in data.CLASSES:
            (cache / "cats_and_dogs_small" / split / class_name).mkdir(parents=True)
    calls = []
    monkeypatch.setattr(pooch, "retrieve", lambda *a, **k: calls.append(a))
    with pytest.raises(data.DataLayoutError, match="has no split.json"):
        data.data_dir()
    assert not calls, "it must not start an 800 MB download it cannot use"


# --- sample photos -------------------------------------------------------------------


def test_sample_images():
    cat = data.sample_image("chelsea")
    assert cat.shape == (300, 451, 3) and cat.dtype == np.uint8
    assert data.sample_image("coffee", (50, 60)).shape == (50, 60, 3)
    assert data.sample_image("rocket", 32).shape == (32, 32, 3)
    with pytest.raises(ValueError, match="chelsea, coffee, astronaut, rocket"):
        data.sample_image("dog")

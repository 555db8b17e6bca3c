"""Tests for course_lib.pretrained.features: extraction, and a cache keyed by model and data.

A tiny photo folder and a tiny "base" (no pretrained weights) keep them fast.
"""

from __future__ import annotations

import os
import warnings

import keras
import numpy as np
import pytest
from PIL import Image

from course_lib.photos import data  # first: it sets the Keras backend
from course_lib.pretrained import features

pytestmark = pytest.mark.usefixtures("isolated_data")  # a private cache, full mode, nothing decoded yet


@pytest.fixture
def photos(tmp_path):
    """``<root>/<split>/<class>/`` with 3 small images per class; cats dark, dogs bright,
    each darker on its left half than on its right."""
    root = tmp_path / "photos"
    rng = np.random.default_rng(0)
    for split in data.SPLITS:
        for label, name in enumerate(data.CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for index in range(3):
                image = rng.integers(0, 40, (20, 20, 3)) + 150 * label
                image[:, 10:] += 60
                Image.fromarray(image.astype("uint8")).save(folder / f"{name[:-1]}.{index}.png")
    return root


def tiny_base(size: int = 16, seed: int = 0, name: str = "tiny") -> keras.Model:
    """A convolutional "base" whose pooled output depends on where things are."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, name="conv")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, keras.layers.Dense(5, name="dense")(x), name=name)


def test_extract_returns_features_with_their_labels(photos):
    base = tiny_base()
    feats, labels = features.extract(base, "train", root=photos)
    images, expected = data.load_arrays("train", 16, root=photos)
    assert feats.shape == (6, 5) and feats.dtype == np.float32
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_allclose(feats, base.predict(images.astype("float32"), verbose=0), rtol=1e-5, atol=1e-5)


def test_flip_mirrors_the_images_left_to_right(photos):
    base = tiny_base()
    flipped, _ = features.extract(base, "test", flip=True, root=photos)
    images, _ = data.load_arrays("test", 16, root=photos)
    expected = base.predict(images[:, :, ::-1].astype("float32"), verbose=0)
    np.testing.assert_allclose(flipped, expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(flipped, features.extract(base, "test", root=photos)[0])


def test_second_call_reads_the_cache(photos, monkeypatch, capsys):
    base = tiny_base()
    assert not features.is_cached(base, "validation", root=photos)
    first = features.extract(base, "validation", root=photos)
    assert features.is_cached(base, "validation", root=photos)
    monkeypatch.setattr(features, "_run", lambda *a: pytest.fail("recomputed cached features"))
    second = features.extract(base, "validation", root=photos)
    assert "loaded from the cache" in capsys.readouterr().out
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    (cached,) = (features.settings.artifacts_dir() / features.FOLDER).glob("*.npz")
    assert cached.name.startswith("tiny-validation-16px-")


def _path(base, split="train", size=16, **kwargs):
    return features.cache_path(features.model_signature(base), features.data_signature(split, size, **kwargs))


def test_key_follows_the_model(photos):
    base = tiny_base()
    key = _path(base, root=photos)
    twin = tiny_base()  # same architecture and weights, layers numbered differently by Keras
    assert _path(twin, root=photos) == key
    assert _path(tiny_base(seed=1), root=photos) != key, "other weights, same key"
    assert _path(tiny_base(name="other"), root=photos) != key, "other name, same key"
    assert _path(tiny_base(size=24), size=24, root=photos) != _path(base, size=24, root=photos)


def test_key_follows_the_data(photos):
    base = tiny_base()
    key = _path(base, root=photos)
    assert _path(base, size=24, root=photos) != key, "image size ignored"
    assert _path(base, flip=True, root=photos) != key, "mirroring ignored"
    assert _path(base, limit_per_class=2, root=photos) != key, "limit ignored"
    assert _path(base, "test", root=photos) != key, "split ignored"
    photo = photos / "train" / "dogs" / "dog.1.png"
    stat = photo.stat()
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert _path(base, root=photos) != key, "a photo changed, same key"
    Image.new("RGB", (20, 20)).save(photos / "train" / "cats" / "cat.9.png")
    assert _path(base, root=photos) not in (key,), "a photo added, same key"


def test_fast_mode_uses_the_fast_limits_and_folder(photos, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setattr(data, "FAST_LIMITS", {"train": 2, "validation": 1, "test": 1})
    feats, labels = features.extract(tiny_base(), "train", root=photos)
    assert len(feats) == len(labels) == 4
    assert list(features.settings.artifacts_dir().glob("features/*.npz"))
    assert features.settings.artifacts_dir().name == "fast"


def test_an_unusable_cache_file_is_replaced_with_a_warning(photos):
    base = tiny_base()
    path = _path(base, root=photos)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz file")
    with pytest.warns(UserWarning, match="Recomputing"):
        feats, _ = features.extract(base, "train", root=photos)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        again, _ = features.extract(base, "train", root=photos)
    np.testing.assert_array_equal(feats, again)


def test_a_base_of_any_size_needs_an_image_size(photos):
    inputs = keras.Input((None, None, 3))
    base = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs), name="pool")
    with pytest.raises(ValueError, match="pass image_size"):
        features.extract(base, "train", root=photos)
    feats, labels = features.extract(base, "train", 12, root=photos)
    assert feats.shape == (6, 3)
    assert feats[labels == 1].mean() > feats[labels == 0].mean() + 100

"""Feature extraction with a frozen pretrained base, cached on disk (chapter 5.3).

"Fast feature extraction without data augmentation" runs the convolutional base once over
every image and keeps what comes out; a small classifier then trains on those features in
seconds. Running the base is the slow part (minutes for the 3,500 photos on a laptop CPU),
so :func:`extract` saves the features under ``settings.artifacts_dir() / "features"`` and
reuses them when the notebook runs again. The file is named by a key computed from
everything the features depend on:

- the model (:func:`model_signature`): its name, input and output shapes (the image size,
  the pooling), its layers and a digest of its weights, so a fine-tuned base never reuses
  the features of the original one;
- the data (:func:`data_signature`): the split, the image size, mirroring, the per-class
  limit and every file's name, size and modification time, so adding, replacing or
  editing a photo invalidates the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from course_lib import settings
from course_lib.backend import keras
from course_lib.photos import data

FOLDER = "features"


def weights_digest(model: keras.Model) -> str:
    """SHA-256 of every weight of ``model`` (shapes and values, in order), as hex.

    Weight names are left out: Keras numbers them differently from one build to the next.
    """
    digest = hashlib.sha256()
    for weight in model.weights:
        value = np.ascontiguousarray(weight.numpy())
        digest.update(f"{value.dtype}{value.shape};".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def _layer_description(layer: keras.Layer) -> dict[str, Any]:
    """A layer's class and configuration without its name (which Keras may number)."""
    config = {k: v for k, v in layer.get_config().items() if k != "name"}
    return {"class": type(layer).__name__, "config": config}


def model_signature(model: keras.Model) -> dict[str, Any]:
    """What a model's features depend on: name, input and output shapes, layers, weights."""
    layers = [_layer_description(layer) for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    architecture = json.dumps(layers, sort_keys=True, default=lambda o: type(o).__name__)
    return {
        "name": model.name,
        "input_shape": list(model.input_shape),
        "output_shape": list(model.output_shape),
        "architecture": hashlib.sha256(architecture.encode()).hexdigest(),
        "weights": weights_digest(model),
    }


def data_signature(
    split: str,
    image_size: int,
    *,
    flip: bool = False,
    root: str | os.PathLike[str] | None = None,
    limit_per_class: int | None = None,
) -> dict[str, Any]:
    """What a split's features depend on: the split, image size, mirroring, the per-class
    limit (fast mode's by default, as in :func:`data.load_arrays`) and a digest of the
    files' names, sizes and modification times."""
    limit_per_class = data.effective_limit(split, limit_per_class)
    folder = data.data_dir(root)
    digest = hashlib.sha256()
    files = [path for path, _ in data.select_images(split, root, limit_per_class)]
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return {
        "split": split,
        "image_size": int(image_size),
        "flip": bool(flip),
        "limit_per_class": limit_per_class,
        "files": len(files),
        "files_digest": digest.hexdigest(),
    }


def cache_key(model_sig: dict[str, Any], data_sig: dict[str, Any]) -> str:
    """SHA-256 (hex) of a model signature and a data signature together."""
    text = json.dumps({"model": model_sig, "data": data_sig}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(model_sig: dict[str, Any], data_sig: dict[str, Any]) -> Path:
    """Where the features for these signatures are kept, e.g.
    ``<artifacts>/features/efficientnet_lite0-train-224px-3f9c0a1b2c3d4e5f.npz``."""
    flipped = "-flipped" if data_sig["flip"] else ""
    key = cache_key(model_sig, data_sig)[:16]
    name = f"{model_sig['name']}-{data_sig['split']}-{data_sig['image_size']}px{flipped}-{key}.npz"
    return settings.artifacts_dir() / FOLDER / name


def _signatures(
    base: keras.Model,
    split: str,
    image_size: int | None,
    flip: bool,
    root: str | os.PathLike[str] | None,
    limit_per_class: int | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model and data signatures for :func:`extract`'s arguments."""
    if image_size is None:
        image_size = base.input_shape[1]
        if image_size is None:
            raise ValueError(f"{base.name} accepts any image size: pass image_size.")
    data_sig = data_signature(split, image_size, flip=flip, root=root, limit_per_class=limit_per_class)
    return model_signature(base), data_sig


def is_cached(
    base: keras.Model,
    split: str,
    image_size: int | None = None,
    *,
    flip: bool = False,
    root: str | os.PathLike[str] | None = None,
    limit_per_class: int | None = None,
) -> bool:
    """Whether features for these arguments of :func:`extract` are saved already."""
    return cache_path(*_signatures(base, split, image_size, flip, root, limit_per_class)).exists()


def extract(
    base: keras.Model,
    split: str,
    image_size: int | None = None,
    *,
    flip: bool = False,
    batch_size: int = 64,
    root: str | os.PathLike[str] | None = None,
    limit_per_class: int | None = None,
    cache: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``base`` over a split once and return ``(features, labels)`` as NumPy arrays.

    ``image_size`` defaults to the base's input size; ``flip=True`` mirrors every image
    left to right first. Images and limits are those of :func:`data.load_arrays`. With
    ``cache`` the result is saved, then loaded again by any later call with the same model
    (weights included) and the same files (see the module docstring).
    """
    model_sig, data_sig = _signatures(base, split, image_size, flip, root, limit_per_class)
    path = cache_path(model_sig, data_sig)
    if cache and (found := _read(path, model_sig, data_sig)) is not None:
        print(f"{split}: {len(found[1])} feature vectors loaded from the cache ({path.name})")
        return found
    size, limit = data_sig["image_size"], data_sig["limit_per_class"]
    images, labels = data.load_arrays(split, size, root=root, limit_per_class=limit)
    what = f"{split} features" + (" (mirrored)" if flip else "")
    features = _run(base, images[:, :, ::-1] if flip else images, batch_size, what)
    if cache:
        _write(path, model_sig, data_sig, features, labels)
    return features, np.array(labels)


def _run(base: keras.Model, images: np.ndarray, batch_size: int, what: str) -> np.ndarray:
    """``base``'s outputs for ``images``, batch by batch, with a progress bar."""
    from tqdm.auto import tqdm

    starts = range(0, len(images), batch_size)
    outputs = [
        np.asarray(base.predict_on_batch(images[start : start + batch_size].astype("float32")))
        for start in tqdm(starts, desc=f"Extracting {what}", unit="batch", disable=len(starts) < 4)
    ]
    return np.concatenate(outputs)


def _read(path: Path, model_sig: dict, data_sig: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached ``(features, labels)`` at ``path``, or None (with a warning when a file is
    there but cannot be used, since it is then replaced)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            if json.loads(str(stored["signature"])) != {"model": model_sig, "data": data_sig}:
                raise ValueError("it was made for other data or another model")
            return stored["features"], stored["labels"]
    except (OSError, ValueError, KeyError) as exc:
        warnings.warn(f"Recomputing the features in {path}: {exc}", stacklevel=3)
        return None


def _write(path: Path, model_sig: dict, data_sig: dict, features: np.ndarray, labels: np.ndarray) -> None:
    """Save features, labels and their signature to ``path`` atomically."""
    signature = json.dumps({"model": model_sig, "data": data_sig}, sort_keys=True)
    with settings.replacing(path) as file:
        np.savez(file, features=features, labels=labels, signature=np.array(signature))

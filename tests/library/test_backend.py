"""Tests for the gradient helpers of course_lib.backend (chapter 5.4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from course_lib import backend
from course_lib.backend import keras
from course_lib.recap import models


def test_tensorflow_is_the_default_backend():
    assert keras.backend.backend() == "tensorflow"


def test_gradients_of_a_linear_score():
    w = np.arange(12, dtype="float32").reshape(2, 2, 3)
    x = np.ones((2, 2, 2, 3), "float32")
    x[1] *= 2
    values, grads = backend.gradients(lambda x: keras.ops.sum(x * w, axis=(1, 2, 3)), x)
    np.testing.assert_allclose(np.asarray(values), [w.sum(), 2 * w.sum()])
    np.testing.assert_allclose(np.asarray(grads), np.broadcast_to(w, x.shape))


def test_gradients_pass_extra_arguments():
    _, grads = backend.gradients(lambda x, k: k * keras.ops.sum(x**2, axis=1), np.array([[1.0, -2.0]]), 3.0)
    np.testing.assert_allclose(np.asarray(grads), [[6.0, -12.0]])


def test_feature_gradients_are_taken_at_the_features():
    inputs = keras.Input((4, 4, 1))
    features = keras.layers.Conv2D(2, 1, use_bias=False, kernel_initializer="ones")(inputs)
    model = keras.Model(inputs, features)
    weights = np.array([2.0, -1.0], "float32")

    def fn(x):
        maps = model(x)
        return maps, keras.ops.sum(maps * weights, axis=(1, 2, 3))

    x = np.random.default_rng(0).random((1, 4, 4, 1)).astype("float32")
    maps, scores, grads = backend.feature_gradients(fn, x)
    assert tuple(grads.shape) == (1, 4, 4, 2)
    np.testing.assert_allclose(np.asarray(grads), np.broadcast_to(weights, (1, 4, 4, 2)))
    np.testing.assert_allclose(np.asarray(scores), [x.sum() * weights.sum()], rtol=1e-5)


@pytest.mark.parametrize("eager", [False, True])
def test_compiled_matches_eager_and_traces_once(eager: bool):
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(eager)  # on in fast mode: compiled functions keep their graph
    try:
        _check_compiled()
        assert tf.config.functions_run_eagerly() == eager
    finally:
        tf.config.run_functions_eagerly(before)


def _check_compiled() -> None:
    traces = []

    def fn(x, k):
        traces.append(1)  # Python runs only while tracing
        return backend.gradients(lambda x: k * keras.ops.sum(x**2, axis=1), x)

    fast = backend.compiled(fn)
    for k in (1.0, 2.0, 3.0):
        x = np.array([[k, -1.0]], "float32")
        _, grads = fast(x, np.float32(k))
        np.testing.assert_allclose(np.asarray(grads), 2 * k * x)
    assert len(traces) == 1, "a compiled function should be traced once for same-shaped inputs"


_PROBE = """
import json, logging, warnings
import tensorflow as tf
from course_lib import backend
before = (tf.config.functions_run_eagerly(), len(warnings.filters), logging.getLogger("tensorflow").level)
backend.configure()
after = (tf.config.functions_run_eagerly(), len(warnings.filters), logging.getLogger("tensorflow").level)
print(json.dumps([before, after]))
"""


@pytest.mark.parametrize(("fast", "eager"), [("1", True), ("0", False)])
def test_configure_is_explicit_and_runs_keras_eagerly_in_fast_mode_only(fast: str, eager: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"} | {"COURSE_FAST": fast}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert before[0] is False, "importing backend must not change the execution mode"
    assert after[0] is eager
    assert after[1] == before[1] + 1, "configure() adds its warning filter (importing adds none)"
    assert after[2] == 40, "configure() quiets TensorFlow's logger to errors"


def test_dataset_batches_and_reshuffles_every_epoch() -> None:
    images = np.arange(10, dtype="uint8").reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 3), "uint8")
    labels = np.arange(10, dtype="float32")
    ds = backend.dataset(images, labels, batch_size=4, shuffle=True, seed=3)
    epochs = [[(x.numpy(), y.numpy()) for x, y in ds] for _ in range(2)]
    for epoch in epochs:
        assert [len(y) for _, y in epoch] == [4, 4, 2]
        assert all(x.dtype == np.float32 and np.all(x[:, 0, 0, 0] == y) for x, y in epoch), (
            "images stay with their labels"
        )
    orders = [np.concatenate([y for _, y in epoch]).tolist() for epoch in epochs]
    assert sorted(orders[0]) == labels.tolist() and orders[0] != orders[1] and orders[0] != labels.tolist()
    in_order = backend.dataset(images, labels, batch_size=4)
    assert np.concatenate([y for _, y in in_order]).tolist() == labels.tolist()


def test_other_backends_are_refused_clearly(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(NotImplementedError, match="course_lib/backend.py"):
        backend.gradients(lambda x: x, np.ones(2))


def test_mixed_precision_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_MIXED_PRECISION", "0")
    assert not backend.bfloat16_is_fast()
    assert models.lecture_convnet(48).get_layer("conv1").compute_dtype == "float32"
    monkeypatch.setenv("COURSE_MIXED_PRECISION", "1")
    assert backend.bfloat16_is_fast()
    assert models.lecture_convnet(48).get_layer("conv1").compute_dtype == "bfloat16"

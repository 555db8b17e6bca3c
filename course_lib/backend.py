"""Keras and its backend, in one place.

Importing this module imports Keras on the backend ``KERAS_BACKEND`` names (TensorFlow
unless set otherwise), without the start-up lines TensorFlow's C++ core prints
("oneDNN custom operations are on", ...), which mean nothing to a student. Other lines
written to standard error during the import are kept. Two warnings that say nothing to a
student are silenced too (see below).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
)


@contextmanager
def _without_startup_noise() -> Iterator[None]:
    """Capture what is written to file descriptor 2 and replay all but the known noise."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                if not any(noise in line for noise in _NOISE)
            ]
            if kept:
                os.write(2, "".join(kept).encode())


with _without_startup_noise():
    import keras

# Two messages that say nothing to a student: Keras's note that ``fit`` ignores
# ``shuffle=True`` for a tf.data dataset (the course's datasets shuffle themselves), and
# TensorFlow's notes on tracing a function again for a new input shape.
warnings.filterwarnings("ignore", message="`shuffle=True` was passed", category=UserWarning)
logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _eager_in_fast_mode() -> None:
    """In fast mode (tests and grading) the notebooks train and predict on a handful of
    images, once: tracing Keras's training and prediction steps into graphs costs more
    than it saves there (an autograded chapter 2 takes 6 s less), so they run eagerly.
    Full mode keeps the graphs. :func:`compiled` keeps its graphs in both modes."""
    from . import settings

    if settings.fast_mode() and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.run_functions_eagerly(True)


_eager_in_fast_mode()

__all__ = ["keras"]


# --- gradients (chapter 5.4, "Visualizing what ConvNets learn") ----------------------
#
# Filter visualization and Grad-CAM need gradients, and taking a gradient is the one thing
# Keras leaves to its backend (``tf.GradientTape``, ``jax.grad``, ``torch.autograd``). Only
# this block depends on the backend: to support another one, add its branch to the three
# functions below.


def _require_tensorflow(what: str) -> None:
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"{what} is written for the TensorFlow backend only, not {keras.backend.backend()!r}; "
            "add the other backend's version in course_lib/backend.py."
        )


def gradients(fn, x, *args):
    """``(fn(x, *args), gradient)``: the values of ``fn`` and the gradient of their sum
    with respect to ``x``, same shape as ``x``.

    ``fn`` returns one score per example, e.g. ``(batch,)``; since examples do not mix,
    each example's gradient is the gradient of its own score. Runs eagerly: wrap the
    caller in :func:`compiled` when it is called many times.
    """
    _require_tensorflow("gradients()")
    import tensorflow as tf

    x = tf.convert_to_tensor(x, dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = fn(x, *args)
        total = tf.reduce_sum(values)
    return values, tape.gradient(total, x)


def feature_gradients(fn, x, *args):
    """``(features, scores, gradient)`` for ``fn(x, *args) -> (features, scores)``: the
    gradient of the summed scores with respect to the intermediate ``features`` (Grad-CAM:
    how each position and channel of a conv layer's output moves the class score)."""
    _require_tensorflow("feature_gradients()")
    import tensorflow as tf

    x = tf.convert_to_tensor(x, dtype="float32")
    with tf.GradientTape() as tape:
        features, scores = fn(x, *args)
        total = tf.reduce_sum(scores)
    return features, scores, tape.gradient(total, features)


def compiled(fn):
    """``fn`` compiled into a graph (``tf.function``), traced once and reused: repeated
    calls skip Python, which makes a Grad-CAM or an ascent step several times faster."""
    _require_tensorflow("compiled()")
    import functools

    import tensorflow as tf

    graph = tf.function(fn, reduce_retracing=True)

    @functools.wraps(fn)
    def call(*args):
        eager = tf.config.functions_run_eagerly()  # on in fast mode: not for this function
        tf.config.run_functions_eagerly(False)
        try:
            return graph(*args)
        finally:
            tf.config.run_functions_eagerly(eager)

    return call


__all__ += ["compiled", "feature_gradients", "gradients"]

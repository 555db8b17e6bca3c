"""Keras and its backend, in one place: the only module of the course that imports
TensorFlow.

Importing this module imports Keras on the backend ``KERAS_BACKEND`` names (TensorFlow
unless set otherwise), without the start-up lines TensorFlow's C++ core prints
("oneDNN custom operations are on", ...), which mean nothing to a student; other lines
written to standard error during the import are kept. It changes nothing else:
:func:`configure` (each notebook's first cell calls it) silences two warnings and, in
fast mode, runs Keras's steps eagerly. What Keras leaves to its backend lives here too:
gradients (chapter 5.4), compiled functions, and the input pipeline of the photos
(:func:`dataset`, chapter 5.2).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from course_lib.exercises.recipes import recipe

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


INSTALL_BACKEND = (
    "TensorFlow is not installed here, and the course's Keras runs on it. Install it with the course: "
    'pip install "convnet-course[cpu]" (make setup and environment.yml do), or, with an NVIDIA GPU on Linux, '
    'pip install "convnet-course[gpu]"; where TensorFlow is already installed (Colab), install the course alone '
    "and it keeps that TensorFlow. Then restart the kernel."
)


class BackendMissingError(ImportError):
    """Keras's backend, TensorFlow, is not installed (an install without the course's extras)."""


def _import_keras():
    if os.environ["KERAS_BACKEND"] == "tensorflow" and importlib.util.find_spec("tensorflow") is None:
        raise BackendMissingError(INSTALL_BACKEND)
    with _without_startup_noise():
        import keras
    return keras


keras = _import_keras()


def configure(*, announce: bool = True) -> None:
    """Set Keras up for the course; each notebook's first cell calls it (it is safe to
    call again), and it says what the chapter runs on (:func:`runs_on`) unless
    ``announce`` is false.

    - Two messages that say nothing to a student are silenced: Keras's note that ``fit``
      ignores ``shuffle=True`` for a tf.data dataset (the course's datasets shuffle
      themselves), and TensorFlow's notes on tracing a function again for a new shape.
    - In fast mode (tests and grading) the notebooks train and predict on a handful of
      images, once: tracing Keras's training and prediction steps into graphs costs more
      than it saves there (an autograded chapter 2 takes 6 s less), so they run eagerly.
      Full mode keeps the graphs; :func:`compiled` keeps its graphs in both modes.
    - Each GPU's memory grows as needed (:func:`share_gpus`), so that two kernels, two
      students' on a hub, can share one GPU.
    """
    from course_lib import settings

    warnings.filterwarnings("ignore", message="`shuffle=True` was passed", category=UserWarning)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.run_functions_eagerly(settings.fast_mode())
        share_gpus()
    if announce:
        print(f"Runs on {runs_on()}.")


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


def gradient_tape():
    """TensorFlow's ``tf.GradientTape`` (chapter 3, Grad-CAM): it records what is computed
    inside its ``with`` block, then ``tape.gradient(y, x)`` is the gradient of ``y`` with
    respect to ``x``. Notebooks take it from here, so that only this module names TensorFlow."""
    _require_tensorflow("gradient_tape()")
    import tensorflow as tf

    return tf.GradientTape()


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


def cpu_info() -> dict[str, str]:
    """The first processor's fields in ``/proc/cpuinfo`` ("model name", "cpu MHz", "flags",
    ...); empty where there is no such file (not Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def bfloat16_is_fast() -> bool:
    """Whether this CPU computes in bfloat16 natively (Intel AMX or AVX-512 BF16) on this
    backend, so that mixed precision pays off (chapter 1 trains that way); elsewhere
    bfloat16 is emulated and slower than float32. ``COURSE_MIXED_PRECISION=1`` or ``0``
    decides instead."""
    choice = os.environ.get("COURSE_MIXED_PRECISION", "").strip()
    if choice:
        return choice.lower() in ("1", "true", "yes", "on")
    flags = set(cpu_info().get("flags", "").split())
    return keras.backend.backend() == "tensorflow" and bool(flags & {"amx_bf16", "avx512_bf16"})


# --- the device and the precision (chapter 5.2, training from scratch) ---------------
#
# Mixed precision computes in 16 bits and keeps the weights in float32: the same model,
# trained faster where the hardware has 16-bit units. On a GPU with tensor cores (compute
# capability 7.0 or more) that is float16, with loss scaling; on a CPU with bfloat16 units,
# bfloat16; elsewhere the 16-bit kind is emulated, slower than float32, and the course
# trains in float32.


def gpus() -> list[dict]:
    """The GPUs TensorFlow sees: each one's ``name`` and ``compute_capability`` (a
    ``(major, minor)`` tuple, None where TensorFlow does not say)."""
    if keras.backend.backend() != "tensorflow":
        return []
    import tensorflow as tf

    found = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        capability = details.get("compute_capability")
        found.append({"name": details.get("device_name", device.name), "compute_capability": capability})
    return found


def share_gpus() -> None:
    """Let each GPU's memory grow as the kernel needs it, instead of TensorFlow's default
    of taking all of it at the first operation: two kernels can then share one GPU. Too
    late once TensorFlow has used the GPU (a second call): then nothing changes."""
    import tensorflow as tf

    for device in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(device, True)
        except RuntimeError:  # the GPU is in use already: its memory is set
            pass


def precision(mixed: bool | None = None) -> str:
    """The numbers the course trains in here: ``"mixed_float16"`` on a GPU with tensor
    cores, ``"mixed_bfloat16"`` on a CPU with bfloat16 units (:func:`bfloat16_is_fast`),
    ``"float32"`` otherwise. ``mixed`` (or ``COURSE_MIXED_PRECISION=1`` or ``0``) decides
    whether to mix; the kind of 16 bits follows the device."""
    on_gpu = gpus()
    if mixed is None:
        choice = os.environ.get("COURSE_MIXED_PRECISION", "").strip()
        if choice:
            mixed = choice.lower() in ("1", "true", "yes", "on")
        elif on_gpu:
            mixed = all((gpu["compute_capability"] or (0, 0)) >= (7, 0) for gpu in on_gpu)
        else:
            mixed = bfloat16_is_fast()
    if not mixed:
        return "float32"
    return "mixed_float16" if on_gpu else "mixed_bfloat16"


def runs_on() -> str:
    """One line for a chapter's first output: the device and the precision it trains in."""
    found = gpus()
    if found:
        device = ", ".join(f"GPU {gpu['name']}" for gpu in found)
    else:
        model = cpu_info().get("model name")
        device = f"CPU ({model}, {os.cpu_count()} cores)" if model else f"CPU ({os.cpu_count()} cores)"
    numbers = {"float32": "float32", "mixed_float16": "mixed float16", "mixed_bfloat16": "mixed bfloat16"}
    mode = precision()
    weights = "" if mode == "float32" else " (weights in float32)"
    return f"{device}, {numbers[mode]}{weights}, Keras {keras.__version__} on {keras.backend.backend()}"


# --- the input pipeline (chapter 5.2, "Data preprocessing") --------------------------


@recipe  # a test passes what it makes to the kernel as the call that made it
def dataset(images, labels, batch_size: int = 32, *, shuffle: bool = False, seed: int = 1337):
    """Batches ``(images as float32, labels)`` of in-memory arrays, for ``model.fit``.

    With ``shuffle`` the order changes at every epoch (every pass over the dataset),
    reproducibly from ``seed``. The images stay uint8 in memory and become float32 one
    batch at a time; batches are prepared while the model trains on the previous one.
    """
    _require_tensorflow("dataset()")
    import tensorflow as tf

    images, labels = tf.constant(images), tf.constant(labels)
    ds = tf.data.Dataset.range(len(labels))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(
        lambda idx: (tf.cast(tf.gather(images, idx), tf.float32), tf.gather(labels, idx)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds.prefetch(tf.data.AUTOTUNE)


__all__ += [
    "bfloat16_is_fast",
    "gpus",
    "precision",
    "runs_on",
    "share_gpus",
    "cpu_info",
    "compiled",
    "configure",
    "dataset",
    "feature_gradients",
    "gradient_tape",
    "gradients",
]

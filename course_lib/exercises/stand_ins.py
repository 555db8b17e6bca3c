"""The course's version of each exercise that the lesson, or a later exercise, builds on.

A student stuck on one exercise can still read and run the rest of the chapter: a lesson
cell that needs an answer takes it through :func:`yours`, which gives the student's own
function but goes on with the course's version, with one short notice, where the answer
is missing or raises. Where an exercise's text says to use an earlier answer (a
convolution layer from your ``conv2d``), its graded calls get the course's version of that
earlier piece, so that one mistake costs points once, in its own exercise
(``checks.own_work(..., builds_on=...)``).

Grading never credits a stand-in: while the grader calls an answer, calling any stand-in
but the ones that exercise builds on fails as a shortcut (``remote.serve``), and a function
taken through :func:`yours` is the student's answer alone, with no fallback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import CodeType
from typing import Any

import numpy as np

from course_lib.exercises import guard

COURSE: dict[str, Callable[..., Any]] = {}  # exercise function name -> the course's version
SHIPPED = True  # False in the student kit (course_tools.kit), which leaves the course's versions out


def _stands_in(function: Callable[..., Any]) -> Callable[..., Any]:
    COURSE[function.__name__] = function
    return function


def yours(name: str) -> Callable[..., Any]:
    """The student's function ``name`` as the notebook defines it, falling back on the
    course's version (with a notice) where it is not defined or a call raises. For lesson
    cells only: ``conv2d = stand_ins.yours("conv2d")``."""
    if name not in COURSE:
        raise KeyError(f"the course has no version of {name!r}; it has {sorted(COURSE)}")
    course = COURSE[name]
    answer = sys._getframe(1).f_globals.get(name)
    answer = getattr(answer, "_student_answer", answer)  # this cell ran before: unwrap
    if not callable(answer) and not SHIPPED:
        raise NameError(
            f"{name} is not defined: write it in its exercise and run that cell, then this one "
            "(this copy of the course has no version of its own to go on with)"
        )
    if not callable(answer):
        _notice(f"{name} is not defined (run its exercise's cell); the lesson goes on with the course's {name}")
        return course
    noticed: set[int | None] = set()  # the cells that said so already

    @functools.wraps(answer)
    def answer_or_course(*args: Any, **kwargs: Any) -> Any:
        if guard.current_guard() is not None or not SHIPPED:  # graded, or no course version: the student's alone
            return answer(*args, **kwargs)
        try:
            return answer(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (any failure: the lesson goes on)
            if (cell := _cell()) not in noticed:
                noticed.add(cell)
                reason = (
                    "is not written yet"
                    if isinstance(error, NotImplementedError)
                    else f"raised {type(error).__name__}: {error}"
                )
                _notice(f"your {name} {reason}; the lesson goes on with the course's {name}")
            return course(*args, **kwargs)

    answer_or_course._student_answer = answer  # type: ignore[attr-defined]
    return answer_or_course


def _cell() -> int | None:
    """The number of the notebook cell now running (None outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell.execution_count if shell is not None else None


def _notice(what: str) -> None:
    print(f"Note: {what}. Your grade does not change.")


def code_objects(allowed: tuple[str, ...] = ()) -> set[CodeType]:
    """The code of every stand-in but those ``allowed``: what a graded call may not run.
    (:func:`yours`'s wrapper may run: while graded, it is the student's answer alone.)"""
    return {f.__code__ for name, f in COURSE.items() if name not in allowed}


# --- chapter 0 ---------------------------------------------------------------------------


@_stands_in
def to_batch(image: Any) -> np.ndarray:
    return np.asarray(image, dtype="float32")[np.newaxis]


# --- chapter 1: the recap of convnets ----------------------------------------------------


@_stands_in
def conv2d(image: Any, kernel: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(np.asarray(image, dtype="float64"), padding)
    kernel = np.asarray(kernel, dtype="float64")
    windows = sliding_window_view(padded, kernel.shape)[::stride, ::stride]
    return np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))


@_stands_in
def output_size(n: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    return (n + 2 * padding - kernel_size) // stride + 1


@_stands_in
def receptive_fields(layers: Any) -> list[int]:
    fields, field, jump = [], 1, 1
    for kernel_size, stride in layers:
        field += (kernel_size - 1) * jump
        jump *= stride
        fields.append(field)
    return fields


@_stands_in
def conv_params(kernel_size: int, in_channels: int, filters: int) -> int:
    return (kernel_size * kernel_size * in_channels + 1) * filters


@_stands_in
def dense_params(inputs: int, units: int) -> int:
    return (inputs + 1) * units


@_stands_in
def mix_up(image_a: Any, label_a: Any, image_b: Any, label_b: Any, weight: float) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(image_a, dtype="float64"), np.asarray(image_b, dtype="float64")
    label = weight * np.asarray(label_a, dtype="float64") + (1 - weight) * np.asarray(label_b, dtype="float64")
    return weight * a + (1 - weight) * b, label


@_stands_in
def make_augmentation() -> Any:
    from course_lib.recap import models

    return models.augmentation(translation=0.0)


@_stands_in
def inverted_dropout(x: Any, rate: float, training: bool = True, rng: np.random.Generator | None = None) -> np.ndarray:
    x = np.asarray(x, dtype="float64")
    if not training:
        return x.copy()
    keep = (np.random.default_rng() if rng is None else rng).random(x.shape) >= rate
    return x * keep / (1 - rate)


# --- chapter 2: a pretrained convnet -----------------------------------------------------


@_stands_in
def count_trainable(model: Any) -> int:
    return int(sum(int(np.prod(weight.shape)) for weight in model.trainable_weights))


def frozen(base: Any) -> None:
    """Freezes ``base`` where exercise 1 of chapter 2 left it trainable, with a notice."""
    if base.trainable_weights:
        _notice("the base is not frozen (exercise 1): the course freezes it for the rest of the lesson")
        base.trainable = False


@_stands_in
def cosine_neighbours(train_features: Any, query_features: Any, k: int) -> np.ndarray:
    def unit(rows: Any) -> np.ndarray:
        rows = np.asarray(rows, dtype="float64")
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return np.argsort(-(unit(query_features) @ unit(train_features).T), axis=1, kind="stable")[:, :k]


@_stands_in
def build_head(feature_shape: tuple[int, ...]) -> Any:
    from course_lib.recap import models

    return models.classifier_head(feature_shape)


@_stands_in
def augmented_model(base: Any, head: Any, augmentation: Any) -> Any:
    from course_lib.backend import keras

    inputs = keras.Input(shape=base.input_shape[1:])
    return keras.Model(inputs, head(base(augmentation(inputs), training=False)), name="pretrained_with_augmentation")


@_stands_in
def predict_with_mirror(model: Any, images: Any) -> np.ndarray:
    images = np.asarray(images)
    return np.ravel(model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)) / 2


@_stands_in
def unfreeze_top(base: Any, first_layer: str) -> None:
    from course_lib.backend import keras

    base.trainable = True
    start = [layer.name for layer in base.layers].index(first_layer)
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= start and not isinstance(layer, keras.layers.BatchNormalization)


@_stands_in
def compile_for_fine_tuning(model: Any) -> None:
    from course_lib.recap import models

    models.compile_binary(model, learning_rate=1e-5, optimizer="adam")


# --- chapter 3: what convnets learn ------------------------------------------------------


@_stands_in
def activation_model(model: Any, layer_names: list[str]) -> Any:
    from course_lib.backend import keras

    return keras.Model(model.inputs[0], [model.get_layer(name).output for name in layer_names])


@_stands_in
def normalize_map(feature_map: Any) -> np.ndarray:
    x = np.asarray(feature_map, dtype="float64")
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


@_stands_in
def ascent_step(score_fn: Callable[[Any], Any], image: Any, step_size: float) -> np.ndarray:
    from course_lib import backend

    _, grads = backend.gradients(score_fn, image)
    grads = np.asarray(grads)
    return np.asarray(image, dtype="float32") + step_size * grads / (np.sqrt(np.mean(np.square(grads))) + 1e-5)


@_stands_in
def maps_and_gradients(model: Any, layer_name: str, image: Any, class_index: int) -> tuple[np.ndarray, np.ndarray]:
    from course_lib.visualizing.heatmaps import GradCam  # the class score of a model whose output is its logits

    return GradCam(model, layer_name, compile=False).maps_and_gradients(np.asarray(image, "float32"), int(class_index))


@_stands_in
def pooled_gradients(gradients: Any) -> np.ndarray:
    return np.asarray(gradients, dtype="float64").mean(axis=(0, 1))


@_stands_in
def relu_normalize(heatmap: Any) -> np.ndarray:
    h = np.maximum(np.asarray(heatmap, dtype="float64"), 0)
    return h / h.max() if h.max() > 0 else h


@_stands_in
def grad_cam_heatmap(feature_maps: Any, gradients: Any) -> np.ndarray:
    return relu_normalize((np.asarray(feature_maps, dtype="float64") * pooled_gradients(gradients)).sum(axis=-1))


@_stands_in
def occlusion_map(
    score_fn: Callable[[Any], Any], image: Any, patch: int, stride: int, fill: float = 128.0
) -> np.ndarray:
    from course_lib.visualizing import heatmaps

    return heatmaps.occlusion(score_fn, image, patch, stride, fill)


@_stands_in
def unpooled_heatmap(feature_maps: Any, gradients: Any) -> np.ndarray:
    return relu_normalize(
        (np.asarray(feature_maps, dtype="float64") * np.asarray(gradients, dtype="float64")).sum(axis=-1)
    )


@_stands_in
def curve_area(fractions: Any, scores: Any) -> float:
    from course_lib.visualizing import faithfulness

    return faithfulness.area(fractions, scores)


@_stands_in
def rank_correlation(a: Any, b: Any) -> float:
    from course_lib.visualizing import faithfulness

    return faithfulness.rank_correlation(a, b)

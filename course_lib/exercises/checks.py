"""What the notebooks' test cells use besides NumPy: a check that an exercise is the
student's own work, the cases some tests build, and the checks the test cells share (the
last section), so that a test cell states the facts it checks.

The course ships working code for every idea of the lecture (the explorers draw with it),
so ``return convolution.feature_map(image, kernel, stride, padding)`` would answer the
convolution exercise. A test cell runs the answer inside :func:`own_work`, naming the
course's code that solves it; calling that code, under any name, fails the test with a
message saying so. Keras, NumPy and the rest stay allowed: only the course's own answer
is out of reach.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

import numpy as np

from course_lib.exercises import guard, stand_ins
from course_lib.exercises.guard import OwnWorkError, message
from course_lib.exercises.recipes import recipe


def _code_objects(reference: Any) -> dict[CodeType, str]:
    """The code objects that run when ``reference`` (a function, method or class, with
    the methods it inherits from the course's own classes) runs."""
    if inspect.isclass(reference):
        found: dict[CodeType, str] = {}
        for cls in inspect.getmro(reference):
            if not cls.__module__.startswith("course_lib."):
                continue
            for name, member in vars(cls).items():
                function = getattr(member, "__func__", member)
                if inspect.isfunction(function):
                    found.setdefault(function.__code__, f"{cls.__module__}.{cls.__qualname__}.{name}")
        return found
    function = inspect.unwrap(getattr(reference, "__func__", reference))
    if not inspect.isfunction(function):
        raise TypeError(f"own_work() takes the course's functions, methods or classes, not {reference!r}")
    return {function.__code__: f"{function.__module__}.{function.__qualname__}"}


@contextmanager
def own_work(exercise: str, *references: Callable[..., Any] | type, builds_on: tuple[str, ...] = ()) -> Iterator[None]:
    """While the block runs, calling any of ``references`` fails with :class:`OwnWorkError`.

    ``exercise`` is what the student writes (``"conv2d"``), for the message. Calls are
    seen by their code, so an alias (``from course_lib.recap.convolution import feature_map as
    f``) is caught too, and so is a call the answer catches and hides. The course's
    stand-ins (:mod:`.stand_ins`) are out of reach too, but for the earlier exercises
    named in ``builds_on``, which the exercise's text says to use: where the grader calls
    the answer in the student's kernel, those names are the course's versions meanwhile.
    """
    allowed = {stand_ins.COURSE[name].__code__ for name in builds_on}
    codes: dict[CodeType, str] = {code: f"stand_ins.{code.co_name}" for code in stand_ins.code_objects(builds_on)}
    for reference in references:
        codes.update(_code_objects(reference))
    called: list[str] = []
    previous = sys.gettrace()

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code in codes and not _called_from(frame.f_back, allowed):
            called.append(codes[frame.f_code])
            raise OwnWorkError(message(exercise, called[0]))
        return previous(frame, event, arg) if previous is not None else None

    sys.settrace(trace)
    threading.settrace(trace)  # threads the answer starts are watched too
    try:
        with guard.opened(exercise, references, builds_on):
            yield
    finally:
        sys.settrace(previous)
        threading.settrace(previous)  # type: ignore[arg-type]
    if called:
        raise OwnWorkError(message(exercise, called[0]))


def _called_from(frame: FrameType | None, codes: set[CodeType]) -> bool:
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


# --- what test cells build their cases from --------------------------------------------
# Test cells run in the grader, outside the student's kernel (course_tools.verdict);
# what they pass to an answer must cross to the kernel. A function written in a test cell
# crosses as a call back to the grader, which gradients cannot follow; these are made again
# in the kernel instead (recipes.recipe), and this layer is known to Keras on both sides.


@functools.lru_cache(maxsize=1)
def chelsea_grad_cam() -> tuple[Any, Any, int, Any]:
    """Chelsea (224 px) through EfficientNet-Lite0, computed by the course's own code (5.4,
    Grad-CAM): the feature maps of ``top_activation`` (7, 7, 1280), the gradient of the
    top class's logit with respect to them, that class, and its Grad-CAM heatmap. The
    tests of chapter 3's Grad-CAM exercises check answers on these, so that no earlier
    answer decides a later exercise's points."""
    import numpy as np

    from course_lib.photos import data
    from course_lib.pretrained import bases
    from course_lib.visualizing import heatmaps

    model = bases.efficientnet_lite0(image_size=None, classifier_activation=None)
    image = data.sample_image("chelsea", 224)
    cam = heatmaps.GradCam(model, "top_activation")
    _, logits = cam.logits(image[np.newaxis].astype("float32"))
    top = int(np.argmax(np.asarray(logits)[0]))
    maps, gradients = cam.maps_and_gradients(image, top)
    return maps, gradients, top, cam(image, top)


def trainable_count(model: Any) -> int:
    """How many numbers of ``model`` training changes: the course's own count, for tests
    that need one without trusting the student's ``count_trainable``."""
    import numpy as np

    return int(sum(int(np.prod(weight.shape)) for weight in model.trainable_weights))


@recipe
def pixel_score(weights: Any, wave: float | None = None) -> Callable[[Any], Any]:
    """A score of a batch of images whose gradient is known: the sum of ``weights`` times
    each pixel (a number or an array of one image's shape), or times ``sin(pixel / wave)``."""
    from course_lib.backend import keras

    def score(images: Any) -> Any:
        values = keras.ops.sin(images / wave) if wave else images
        return keras.ops.sum(keras.ops.convert_to_tensor(weights, "float32") * values, axis=(1, 2, 3))

    return score


def _brighter_layer() -> type:
    from course_lib.backend import keras

    @keras.saving.register_keras_serializable(package="course_lib.exercises.checks")
    class Brighter(keras.layers.Layer):
        """A stand-in augmentation: adds 0.5 to every pixel in training, nothing otherwise."""

        def call(self, x: Any, training: bool | None = None) -> Any:
            return x + 0.5 if training else x

    return Brighter


Brighter = _brighter_layer()


# --- what test cells check with -----------------------------------------------------------
# Each test cell states the facts it checks; the machinery they share is here. Nothing here
# knows a test's cases or expected values: those stay in the test cell (hidden where the
# test is). A failed check raises AssertionError with a message that names the mistake.


def outputs(model: Any, x: Any, training: bool = False) -> Any:
    """``model(x, training=training)`` as NumPy (a list of arrays for a model of several
    outputs): what a test compares an answer's model with (chapters 2 and 3)."""
    from course_lib.backend import keras

    found = model(x, training=training)
    if isinstance(found, (list, tuple)):
        return [keras.ops.convert_to_numpy(part) for part in found]
    return keras.ops.convert_to_numpy(found)


def sequential(
    input_shape: tuple[int, ...],
    *layers: Any,
    weights: list[Any] | None = None,
    trainable: bool = True,
    name: str | None = None,
) -> Any:
    """A small Keras model for a test: ``keras.Sequential([keras.Input(input_shape), *layers])``
    with ``weights`` set (as ``model.set_weights`` takes them, cast to float32) and, unless
    ``trainable``, frozen as a whole (as a pretrained base is, 5.3)."""
    from course_lib.backend import keras

    model = keras.Sequential([keras.Input(input_shape), *layers], name=name)
    if weights is not None:
        model.set_weights([np.asarray(weight, "float32") for weight in weights])
    model.trainable = trainable
    return model


def parameter_count(layers: Iterable[Any]) -> int:
    """How many numbers the weights of ``layers`` hold, trainable or not (5.3: what
    unfreezing those layers would give to train)."""
    return int(sum(int(np.prod(weight.shape)) for layer in layers for weight in layer.weights))


def leaf_layers(model: Any, *kinds: type) -> list[Any]:
    """The layers of ``model`` that hold no layers themselves, nested models opened, in
    order (``model`` itself where it is such a layer); only those of ``kinds`` where given
    (5.2, 5.3: what a built model or pipeline is made of)."""
    from course_lib.backend import keras

    inner = getattr(model, "layers", None)
    if inner:
        found = [leaf for layer in inner for leaf in leaf_layers(layer)]
    else:
        found = [] if isinstance(model, keras.layers.InputLayer) else [model]
    return [layer for layer in found if not kinds or isinstance(layer, kinds)]


def learning_rate(model: Any) -> float:
    """The learning rate of a compiled model's optimizer, as a float (5.3, fine-tuning)."""
    from course_lib.backend import keras

    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def whole_number(value: Any, what: str = "return a whole number") -> int:
    """``value`` as an int, after checking it is one (an int or a NumPy integer, not a
    bool): the counts of chapters 1 and 2."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise AssertionError(f"{what}, not {value!r} ({type(value).__name__})")
    return int(value)


def shaped(value: Any, shape: tuple[int, ...], what: str, *, array: bool = False, hint: str = "") -> np.ndarray:
    """``value`` as a NumPy array, after checking its shape; the message reads "{what} of
    shape {shape}, not {its shape}: {hint}". With ``array``, the answer must return a NumPy
    array itself (not a list, a tuple or a tensor). For every chapter's array answers."""
    if array and not isinstance(value, np.ndarray):
        raise AssertionError(f"{what}: return a NumPy array, not a {type(value).__name__}")
    try:
        found = np.shape(value)
    except ValueError:  # a ragged list: no shape at all
        found = f"a ragged {type(value).__name__}"
    if found != tuple(shape):
        raise AssertionError(f"{what} of shape {tuple(shape)}, not {found}" + (f": {hint}" if hint else ""))
    return np.asarray(value)


def no_known_mistake(got: Any, mistakes: dict[str, Any], *, atol: float = 1e-8, rtol: float = 1e-5) -> None:
    """Fail with the message of the first of ``mistakes`` (message: what that mistake would
    give) that ``got`` matches (``np.allclose``, its tolerances by default): a wrong answer is told which
    mistake it made, not only that it is wrong. For every chapter's array answers."""
    found = np.asarray(got, dtype="float64")
    for mistake, wrong in mistakes.items():
        wrong = np.asarray(wrong, dtype="float64")
        if found.shape == wrong.shape and np.allclose(found, wrong, atol=atol, rtol=rtol):
            raise AssertionError(mistake)


@contextmanager
def unchanged(exercise: str, **arrays: Any) -> Iterator[None]:
    """The arrays (argument name: array) must be as they were when the block ends: an
    answer that writes into its input fails with "{exercise} must not change its input {name}...".
    Checked only when the block ran to its end (the answer raised nothing)."""
    before = {name: np.array(array, copy=True) for name, array in arrays.items()}
    yield
    for name, array in arrays.items():
        if np.shape(array) != before[name].shape or not np.array_equal(array, before[name], equal_nan=True):
            raise AssertionError(
                f"{exercise} must not change its input {name}: it must not modify what it is given, work on a copy"
            )


@contextmanager
def if_it_fails(what: str, hint: str, errors: tuple[type[BaseException], ...] = (ValueError,)) -> Iterator[None]:
    """An error of ``errors`` that the block raises (Keras raises ValueError for shapes that
    do not fit) fails the test with "{what} failed ({the error}...): {hint}"."""
    try:
        yield
    except errors as error:
        raise AssertionError(f"{what} failed ({str(error)[:120]}...): {hint}") from None


def numbered_images(labels: Any, size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Images (float32, 3 channels) that say which they are: example ``i`` has ``10 * i``
    plus noise in channel 0 and ``200 * labels[i]`` plus noise in channel 1, pixels that are
    not whole numbers. A test of a pass over a dataset (5.3, feature extraction) reads back
    from pooled features which example each row comes from (:func:`example_numbers`)."""
    labels = np.asarray(labels, "float32")
    images = np.random.default_rng(seed).random((len(labels), *size, 3)).astype("float32")
    images[..., 0] += 10 * np.arange(len(labels), dtype="float32")[:, None, None]
    images[..., 1] += 200 * labels[:, None, None]
    return images


def example_numbers(pooled: Any) -> np.ndarray:
    """Which of :func:`numbered_images` each row of their pooled features (channels last)
    comes from."""
    return np.floor(np.asarray(pooled)[:, 0] / 10).astype(int)


def known_head_outputs(head: Any, x: Any, pooled: Any, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """For the classifier head of 5.3 (Dense(256, relu), Dropout(0.5), Dense(1, sigmoid),
    after a pooling where features are maps): checks the order of its layers and the
    dropout rate, gives its Dense layers known weights, and fails on the known mistakes of
    activation. Returns the head's outputs for ``x`` (inference mode) and those that head
    computes, in NumPy, on ``pooled`` (``x`` as the head should see it)."""
    from course_lib.backend import keras

    stack = leaf_layers(head, keras.layers.Dense, keras.layers.Dropout)
    _require(
        [layer for layer in stack if isinstance(layer, keras.layers.Dropout)],
        "put Dropout(0.5) between the two Dense layers",
    )
    _require(
        len(stack) == 3 and isinstance(stack[1], keras.layers.Dropout),
        (
            "the layers go Dense(256, relu), then Dropout(0.5), then Dense(1, sigmoid): the dropout acts on the 256 "
            f"hidden units, between the two Dense layers; got {[type(layer).__name__ for layer in stack]}"
        ),
    )
    _require(abs(stack[1].rate - 0.5) < 1e-9, f"use Dropout(0.5), as in the book, not a rate of {stack[1].rate}")
    hidden, last = stack[0], stack[2]
    rng = np.random.default_rng(seed)
    w1 = (rng.normal(size=hidden.kernel.shape) / np.sqrt(hidden.kernel.shape[0])).astype("float32")
    b1 = rng.normal(0, 0.5, 256).astype("float32")
    w2 = (rng.normal(size=(256, 1)) / 8).astype("float32")
    b2 = np.array([0.2], "float32")
    hidden.set_weights([w1, b1])
    last.set_weights([w2, b2])
    got = np.ravel(outputs(head, x))
    before = np.asarray(pooled) @ w1 + b1
    scores = (np.maximum(before, 0) @ w2 + b2)[:, 0]
    without_relu = sigmoid(before @ w2 + b2)[:, 0]
    no_known_mistake(
        got,
        {
            "a softmax over one unit is always 1: end with Dense(1, activation='sigmoid')": np.ones_like(scores),
            "the last unit gives scores, not probabilities: end with Dense(1, activation='sigmoid')": scores,
            "the Dense(256) layer needs a ReLU activation: Dense(256, activation='relu')": without_relu,
        },
        atol=1e-4,
    )
    return got, sigmoid(scores)


def _require(condition: Any, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def each_close(
    got: Iterable[Any],
    want: Iterable[Any],
    cases: Iterable[str],
    *,
    shape_hint: str = "",
    value_hint: str = "",
    atol: float = 0.0,
    rtol: float = 1e-7,
) -> None:
    """An answer's results on many cases against the test's own (5.1: convolution and
    pooling on every stride, padding and shape), case by case: the first of another shape
    fails with "{case}: expected shape {want}, got {got}; {shape_hint}", the first whose
    values differ with "{case}: {value_hint}" and NumPy's report of where."""
    for case, mine, expected in zip(cases, got, want, strict=True):
        expected = np.asarray(expected)
        if np.shape(mine) != expected.shape:
            hint = f"; {shape_hint}" if shape_hint else ""
            raise AssertionError(f"{case}: expected shape {expected.shape}, got {np.shape(mine)}{hint}")
        np.testing.assert_allclose(
            mine, expected, atol=atol, rtol=rtol, err_msg=f"{case}: {value_hint}" if value_hint else case
        )


def each_call(
    answer: Callable[..., Any],
    calls: Iterable[tuple[tuple, dict[str, Any], Any, str]],
    *,
    integer: str = "",
) -> None:
    """Call ``answer`` on each ``(args, kwargs, expected, hint)`` in turn and fail on the first
    wrong result with "{the call} should be {expected}, got {result}: {hint}" (the sizes and
    counts of 5.1, whose cases are many small numbers). With ``integer``, a result that is
    not a whole number fails first with "{the call} returned {result}: {integer}"."""
    name = getattr(answer, "__name__", None) or getattr(answer, "name", "answer")
    for args, kwargs, expected, hint in calls:
        call = f"{name}({', '.join([*map(repr, args), *(f'{key}={value!r}' for key, value in kwargs.items())])})"
        got = answer(*args, **kwargs)
        if integer and (isinstance(got, bool) or not isinstance(got, (int, np.integer))):
            raise AssertionError(f"{call} returned {got!r}: {integer}")
        same = got == expected
        if not (isinstance(same, (bool, np.bool_)) and same):
            raise AssertionError(f"{call} should be {expected}, got {got}" + (f": {hint}" if hint else ""))


def keras_pool(mode: str, feature_map: Any, size: int, stride: int | None = None) -> np.ndarray:
    """Keras's ``"max"`` or ``"average"`` pooling of one feature map (height, width,
    channels) in windows of ``size``, moved by ``stride`` (``size`` where None): what a test
    compares the pooling of 5.1 with."""
    from course_lib.backend import keras

    pool = keras.ops.max_pool if mode == "max" else keras.ops.average_pool
    return keras.ops.convert_to_numpy(pool(np.asarray(feature_map, "float32")[None], size, strides=stride or size))[0]


def dense_outputs(layer: Any, inputs: Any) -> tuple[np.ndarray, np.ndarray]:
    """What a Dense ``layer`` gives for ``inputs``, and its units' values before the
    activation (5.1, the classifier's last layer: which activation it applies)."""
    from course_lib.backend import keras

    given = keras.ops.convert_to_numpy(layer(inputs))  # builds the layer: its weights exist from here on
    logits = np.asarray(inputs) @ keras.ops.convert_to_numpy(layer.kernel)
    if layer.use_bias:
        logits = logits + keras.ops.convert_to_numpy(layer.bias)
    return given, logits


def activation_name(layer: Any) -> str:
    """The name of a layer's activation (``"sigmoid"``), for a message."""
    return str(getattr(layer.activation, "__name__", layer.activation))


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function, in NumPy: one unit's probability (5.1)."""
    return 1 / (1 + np.exp(-np.asarray(z, dtype="float64")))


def softmax(logits: Any) -> np.ndarray:
    """Softmax over the last axis, in NumPy: the probabilities of several classes (5.1)."""
    shifted = np.exp(np.asarray(logits, dtype="float64") - np.max(logits, axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def close_floats(got: Any, want: Any, message: str, *, floats: str, atol: float = 0.0, rtol: float = 1e-7) -> None:
    """``got`` must hold floats (else "{floats}, got dtype {its dtype}") close to ``want``
    (else "{message}" and NumPy's report): answers that must compute in floats what may
    come in as integers (5.1, 5.2)."""
    kind = np.asarray(got).dtype
    if not np.issubdtype(kind, np.floating):
        raise AssertionError(f"{floats}, got dtype {kind}")
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=message)


def dropped_together(out: Any, rate: float, within: float) -> int | None:
    """The axis of ``out`` along which dropout dropped values together, or None where each
    was dropped on its own: along an axis, the share of zeros should be about ``rate``
    (within ``within``) in at least 90 % of the lines (5.2, dropout)."""
    zeros = np.asarray(out) == 0
    for axis in range(zeros.ndim):
        if np.mean(np.abs(np.mean(zeros, axis=axis) - rate) < within) <= 0.9:
            return axis
    return None


def all_zeros(value: Any, message: str, shape: tuple[int, ...] | None = None) -> None:
    """``value`` must be finite zeros (of ``shape`` where given), else "{message}": what a
    heatmap with nothing to show becomes, rather than NaN from a division by 0 (5.4)."""
    found = np.asarray(value, dtype="float64")
    if (shape is not None and found.shape != tuple(shape)) or not np.isfinite(found).all() or found.any():
        raise AssertionError(message)

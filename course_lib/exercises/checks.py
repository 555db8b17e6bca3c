"""What the notebooks' test cells use besides NumPy: a check that an exercise is the
student's own work.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

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

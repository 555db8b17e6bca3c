"""checks.own_work: an answer that calls the course's own solution fails, by any name;
one that does the work itself, or calls other code, passes untouched."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from course_lib.exercises import checks
from course_lib.recap import convolution
from course_lib.visualizing import filters

IMAGE = np.arange(30.0).reshape(5, 6)
KERNEL = np.array([[1.0, 0.0], [0.0, -1.0]])


def own_conv2d(image, kernel):
    h, w = kernel.shape
    return np.array(
        [
            [np.sum(image[r : r + h, c : c + w] * kernel) for c in range(image.shape[1] - w + 1)]
            for r in range(image.shape[0] - h + 1)
        ]
    )


def test_an_answer_of_its_own_passes_and_gives_its_result() -> None:
    with checks.own_work("conv2d", convolution.feature_map):
        got = own_conv2d(IMAGE, KERNEL)
    np.testing.assert_allclose(got, convolution.feature_map(IMAGE, KERNEL))


@pytest.mark.parametrize(
    "call",
    [
        lambda: convolution.feature_map(IMAGE, KERNEL),
        lambda: (lambda f: f(IMAGE, KERNEL))(convolution.feature_map),  # an alias
    ],
)
def test_calling_the_reference_fails_with_a_message_naming_it(call) -> None:
    with pytest.raises(checks.OwnWorkError, match=r"conv2d calls the course's own convolution\.feature_map"):
        with checks.own_work("conv2d", convolution.feature_map):
            call()


def test_a_hidden_call_is_caught_when_the_block_ends() -> None:
    def sneaky():
        try:
            return convolution.feature_map(IMAGE, KERNEL)
        except Exception:  # the answer swallows the error and answers anyway
            return own_conv2d(IMAGE, KERNEL)

    with pytest.raises(checks.OwnWorkError, match="feature_map"):
        with checks.own_work("conv2d", convolution.feature_map):
            sneaky()


def test_a_class_guards_each_of_its_methods() -> None:
    with pytest.raises(checks.OwnWorkError, match=r"filters\.FilterVisualizer\.__init__"):
        with checks.own_work("ascent_step", filters.FilterVisualizer):
            filters.FilterVisualizer(None, "conv1")


def test_the_reference_works_again_after_the_block_and_the_tracer_is_restored() -> None:
    before = sys.gettrace()
    with pytest.raises(checks.OwnWorkError):
        with checks.own_work("conv2d", convolution.feature_map):
            convolution.feature_map(IMAGE, KERNEL)
    assert sys.gettrace() is before
    assert convolution.feature_map(IMAGE, KERNEL).shape == (4, 5)


def test_only_functions_methods_and_classes_can_be_guarded() -> None:
    with pytest.raises(TypeError, match="functions, methods or classes"):
        with checks.own_work("conv2d", np.add):
            pass


def test_a_class_guards_the_methods_it_inherits_from_the_course() -> None:
    class Child(filters.FilterVisualizer):
        pass

    Child.__module__ = "course_lib.visualizing.filters"
    with pytest.raises(checks.OwnWorkError, match=r"FilterVisualizer\.__init__"):
        with checks.own_work("ascent_step", Child):
            Child(None, "conv1")

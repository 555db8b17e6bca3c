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

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any


class OwnWorkError(AssertionError):
    """An answer called the course's code that solves its exercise."""


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
def own_work(exercise: str, *references: Callable[..., Any] | type) -> Iterator[None]:
    """While the block runs, calling any of ``references`` fails with :class:`OwnWorkError`.

    ``exercise`` is what the student writes (``"conv2d"``), for the message. Calls are
    seen by their code, so an alias (``from course_lib.convolution import feature_map as
    f``) is caught too, and so is a call the answer catches and hides.
    """
    codes: dict[CodeType, str] = {}
    for reference in references:
        codes.update(_code_objects(reference))
    called: list[str] = []
    previous = sys.gettrace()

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code in codes:
            called.append(codes[frame.f_code])
            raise OwnWorkError(_message(exercise, called[0]))
        return previous(frame, event, arg) if previous is not None else None

    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)
    if called:
        raise OwnWorkError(_message(exercise, called[0]))


def _message(exercise: str, name: str) -> str:
    short = name.removeprefix("course_lib.")
    return (
        f"{exercise} calls the course's own {short}, which solves this exercise: "
        "write it yourself (NumPy and Keras are fine, the course's answer is not)"
    )

"""Course functions whose results cross the grader's wall as the call that made them
(:mod:`course_lib.exercises.remote`): a dataset that reshuffles, a model with its trainable flags."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np


def recipe(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a course function whose results a test passes to the kernel as the call that
    made them: the kernel makes them again (a dataset that reshuffles stays one, a model
    keeps its trainable flags, and no weights file crosses unless its weights changed)."""

    @functools.wraps(function)
    def made(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        try:
            result._course_recipe = (
                f"{function.__module__}:{function.__qualname__}",
                args,
                kwargs,
                weights_digest(result),
            )
        except AttributeError:
            pass
        return result

    return made


def weights_digest(value: Any) -> str | None:
    """A digest of a Keras layer's or model's weights (None for anything else): whether a
    value made by a recipe has been trained since."""
    import keras

    if not isinstance(value, keras.layers.Layer):
        return None
    return hashlib.sha1(b"".join(np.asarray(w).tobytes() for w in value.get_weights())).hexdigest()

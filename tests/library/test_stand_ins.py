"""stand_ins: the lesson goes on with the course's version of an answer that is missing or
fails (with one notice), the stand-ins compute what the solutions do, and no graded call
may use one but those its exercise builds on."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from course_lib.exercises import checks, stand_ins
from helpers import ROOT


def _solution_functions() -> dict:
    """The solutions' answers to the exercises that have a stand-in, defined from the
    source notebooks (NumPy only: the ones that build Keras models are left out)."""
    namespace: dict = {"np": np}
    for path in sorted(ROOT.glob("solutions/*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
                definitions = re.findall(r"^def \w+\(.*?(?=^\S|\Z)", source, re.M | re.S)
                exec("\n".join(definitions), namespace)  # noqa: S102 (the course's own solutions)
    return namespace


SOLUTIONS = _solution_functions()
RNG = np.random.default_rng(0)
IMAGE, KERNEL = np.arange(30.0).reshape(5, 6), np.ones((2, 2))
CASES = {
    "to_batch": [(RNG.integers(0, 256, (5, 7, 3)).astype("uint8"),)],
    "conv2d": [
        (RNG.normal(size=(7, 9)), RNG.normal(size=(3, 2)), 2, 1),
        (np.arange(20).reshape(4, 5), np.ones((2, 2))),
    ],
    "output_size": [(n, k, s, p) for n in (7, 8) for k in (2, 3) for s in (1, 2, 3) for p in (0, 1)],
    "receptive_fields": [([(3, 1), (2, 2)] * 4,), ([(7, 2), (3, 2), (1, 1)],), ([],)],
    "conv_params": [(3, 32, 64)],
    "dense_params": [(6272, 512)],
    "mix_up": [(np.full((2, 2, 3), 200, "uint8"), 0, np.zeros((2, 2, 3)), 1, 0.7)],
    "normalize_map": [(RNG.normal(size=(4, 5)),), (np.full((3, 3), 2.0),)],
    "pooled_gradients": [(RNG.normal(size=(3, 4, 5)),)],
    "relu_normalize": [(RNG.normal(size=(4, 4)),), (-np.ones((2, 2)),)],
    "grad_cam_heatmap": [(RNG.uniform(size=(3, 5, 4)), RNG.normal(size=(3, 5, 4)))],
    "unpooled_heatmap": [(RNG.uniform(size=(3, 5, 4)), RNG.normal(size=(3, 5, 4)))],
    "occlusion_map": [(lambda batch: np.asarray(batch).sum(axis=(1, 2, 3)) ** 2, RNG.uniform(0, 255, (7, 9, 3)), 3, 2)],
    "curve_area": [(np.linspace(0, 1, 6), RNG.uniform(size=6))],
    "rank_correlation": [
        (RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))),
        (np.ones((2, 2)), RNG.normal(size=(2, 2))),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stand_in_computes_what_the_solution_does(name: str) -> None:
    for args in CASES[name]:
        want, got = SOLUTIONS[name](*args), getattr(stand_ins, name)(*args)
        for w, g in zip(want if isinstance(want, tuple) else [want], got if isinstance(got, tuple) else [got]):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-3, err_msg=f"{name}{tuple(np.shape(a) for a in args)}")


def test_inverted_dropout_stand_in_draws_from_the_generator_as_the_solution_does() -> None:
    x = RNG.normal(size=(50, 60))
    np.testing.assert_array_equal(
        stand_ins.inverted_dropout(x, 0.3, rng=np.random.default_rng(1)),
        SOLUTIONS["inverted_dropout"](x, 0.3, rng=np.random.default_rng(1)),
    )


def test_every_exercise_a_lesson_cell_takes_through_yours_has_a_stand_in() -> None:
    taken = {
        name
        for path in ROOT.glob("solutions/*/*.ipynb")
        for name in re.findall(r'stand_ins\.yours\(\\"(\w+)', path.read_text())
    }
    assert taken and taken <= set(stand_ins.COURSE), sorted(taken - set(stand_ins.COURSE))


def test_a_working_answer_is_used_as_it_is(capsys: pytest.CaptureFixture) -> None:
    def conv2d(image, kernel, stride=1, padding=0):
        return "mine"

    assert _taken(conv2d)(IMAGE, KERNEL) == "mine"
    assert capsys.readouterr().out == ""


def _taken(conv2d):
    """``stand_ins.yours("conv2d")`` called from a namespace where the answer is ``conv2d``."""
    namespace = {"stand_ins": stand_ins, "conv2d": conv2d}
    exec('conv2d = stand_ins.yours("conv2d")', namespace)  # noqa: S102 (a notebook's lesson cell)
    return namespace["conv2d"]


def test_an_answer_not_written_yet_falls_back_on_the_course_with_one_notice(capsys: pytest.CaptureFixture) -> None:
    def conv2d(image, kernel, stride=1, padding=0):
        raise NotImplementedError

    taken = _taken(conv2d)
    np.testing.assert_allclose(taken(IMAGE, KERNEL), stand_ins.conv2d(IMAGE, KERNEL))
    taken(IMAGE, KERNEL)
    printed = capsys.readouterr().out
    assert printed.count("Note:") == 1, printed
    assert "your conv2d is not written yet" in printed and "course's conv2d" in printed and "grade" in printed


def test_a_failing_answer_names_its_error(capsys: pytest.CaptureFixture) -> None:
    def conv2d(image, kernel, stride=1, padding=0):
        raise ValueError("shapes do not match")

    _taken(conv2d)(IMAGE, KERNEL)
    assert "raised ValueError: shapes do not match" in capsys.readouterr().out


def test_a_missing_answer_is_the_course_version(capsys: pytest.CaptureFixture) -> None:
    assert _taken(None) is stand_ins.conv2d
    assert "conv2d is not defined" in capsys.readouterr().out


def test_without_the_courses_versions_the_lesson_asks_for_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The student kit ships no course version (``SHIPPED = False``): a lesson cell that
    needs a missing or failing answer stops with the student's own error, never an answer."""
    monkeypatch.setattr(stand_ins, "SHIPPED", False)
    with pytest.raises(NameError, match="conv2d is not defined: write it in its exercise"):
        _taken(None)

    def conv2d(image, kernel, stride=1, padding=0):
        raise ValueError("shapes do not match")

    with pytest.raises(ValueError, match="shapes do not match"):
        _taken(conv2d)(IMAGE, KERNEL)


def test_running_the_lesson_cell_again_does_not_wrap_twice() -> None:
    def conv2d(image, kernel, stride=1, padding=0):
        return "mine"

    namespace = {"stand_ins": stand_ins, "conv2d": conv2d}
    for _ in range(2):
        exec('conv2d = stand_ins.yours("conv2d")', namespace)  # noqa: S102
    assert namespace["conv2d"]._student_answer is conv2d


def test_a_graded_call_may_not_use_a_stand_in() -> None:
    with pytest.raises(checks.OwnWorkError, match=r"conv2d calls the course's own stand_ins\.conv2d"):
        with checks.own_work("conv2d"):
            stand_ins.conv2d(IMAGE, KERNEL)


def test_while_graded_an_answer_taken_through_yours_is_the_students_alone(capsys: pytest.CaptureFixture) -> None:
    def conv2d(image, kernel, stride=1, padding=0):
        raise NotImplementedError

    def mine(image, kernel, stride=1, padding=0):
        return "mine"

    with pytest.raises(NotImplementedError):
        with checks.own_work("conv2d"):
            _taken(conv2d)(IMAGE, KERNEL)
    assert "Note:" not in capsys.readouterr().out
    with checks.own_work("conv_layer"):  # a later answer calling the student's own earlier one
        assert _taken(mine)(IMAGE, KERNEL) == "mine"


def test_a_graded_call_may_use_the_stand_ins_its_exercise_builds_on() -> None:
    with checks.own_work("conv_layer", builds_on=("conv2d",)):
        stand_ins.conv2d(IMAGE, KERNEL)
    with pytest.raises(checks.OwnWorkError, match="output_size"):
        with checks.own_work("conv_layer", builds_on=("conv2d",)):
            stand_ins.output_size(7, 3)

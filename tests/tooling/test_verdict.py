"""What crosses between the grader and a student's kernel (course_lib.exercises.remote), and what the
grader reads in an answer's source (course_tools.verdict): values round-trip, and
what the kernel's side could use against the grader is refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_lib.backend import keras
from course_lib.exercises import checks, remote
from course_lib.exercises.remote import Codec, CrossingError
from course_tools.verdict import free_names, hiding, mentions


def _codec(trusted: bool, seen: dict | None = None) -> Codec:
    return Codec(stub=lambda n: f"stub {n}", share=lambda f: 7, trusted=trusted, seen=seen)


def _across(value, tmp_path: Path, *, to_kernel: bool = True):
    """``value`` written by one side and read by the other."""
    _codec(trusted=not to_kernel).dump(value, tmp_path, "value")
    return _codec(trusted=to_kernel).load(tmp_path, "value")


def test_plain_values_cross_unchanged(tmp_path: Path) -> None:
    value = {"a": (1, 2.5, float("nan"), None, True), 3: [np.arange(6).reshape(2, 3), np.float32(1.5)], "s": {1, 2}}
    back = _across(value, tmp_path)
    assert back.keys() == value.keys() and back["a"][:2] == (1, 2.5) and np.isnan(back["a"][2])
    np.testing.assert_array_equal(back[3][0], value[3][0])
    assert back[3][1].dtype == np.float32 and back["s"] == {1, 2}


def test_a_generator_crosses_with_its_state(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rng.random(5)
    back = _across(rng, tmp_path)
    assert back.random() == rng.random()


def test_a_model_crosses_with_its_trainable_flags_and_weights(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.layers[0].trainable = False
    back = _across(model, tmp_path, to_kernel=False)
    assert [layer.trainable for layer in back.layers] == [False, True]
    for mine, theirs in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_a_model_made_by_a_recipe_crosses_as_its_call(tmp_path: Path) -> None:
    from course_lib.pretrained import bases

    base = bases.efficientnet_lite0(include_top=False, image_size=32, pooling="avg", weights=None)
    base.trainable = False
    _codec(trusted=False).dump(base, tmp_path, "value")
    assert not list(tmp_path.glob("*.keras")), "no weights file crosses"
    back = _codec(trusted=True).load(tmp_path, "value")
    assert back.name == base.name and not back.trainable_weights
    changed = next(layer for layer in reversed(base.layers) if layer.get_weights())
    changed.set_weights([w + 1 for w in changed.get_weights()])  # changed since it was made
    _codec(trusted=False).dump(base, tmp_path / "changed", "value")
    assert list((tmp_path / "changed").glob("*.keras")), "changed weights cross as a file"


def test_the_same_kernel_object_is_the_same_object_here(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    seen: dict = {}
    _codec(trusted=True).dump([model, model], tmp_path, "value")  # the kernel's side numbers what it sends
    first, second = _codec(trusted=False, seen=seen).load(tmp_path, "value")
    assert first is second


def test_the_kernel_cannot_make_the_grader_run_course_code(tmp_path: Path) -> None:
    (tmp_path / "value-tree.json").write_text(
        json.dumps({"__recipe__": "course_lib.recap.models:lecture_convnet", "args": [], "kwargs": {"__dict__": []}})
    )
    np.savez(tmp_path / "value-arrays.npz")
    with pytest.raises(CrossingError, match="call to make again"):
        _codec(trusted=False).load(tmp_path, "value")


def test_a_model_naming_a_module_outside_keras_is_refused(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.save(tmp_path / "model0.keras")
    with zipfile.ZipFile(tmp_path / "model0.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"][-1].update({"module": "os", "class_name": "system"})
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "model0.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    (tmp_path / "value-tree.json").write_text(json.dumps({"__model__": "model0.keras"}))
    np.savez(tmp_path / "value-arrays.npz")
    with pytest.raises(CrossingError, match=r"os\.system, not one of Keras's own layers"):
        _codec(trusted=False).load(tmp_path, "value")


def test_pickles_and_huge_archives_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CrossingError, match="Python objects"):
        _codec(trusted=True).dump(np.array([object()], dtype=object), tmp_path, "value")
    with zipfile.ZipFile(tmp_path / "value-arrays.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a0.npy", b"\0" * (remote.MAX_BYTES + 1))  # a few MiB packed, over 1 GiB unpacked
    (tmp_path / "value-tree.json").write_text("null")
    with pytest.raises(CrossingError, match="unpacks to more than"):
        _codec(trusted=False).load(tmp_path, "value")


def test_functions_cross_as_numbers_course_functions_by_name(tmp_path: Path) -> None:
    back = _across([lambda x: x, checks.trainable_count], tmp_path)
    assert back == ["stub 7", checks.trainable_count]


def test_a_score_made_by_the_course_is_made_again_and_differentiable(tmp_path: Path) -> None:
    from course_lib import backend

    score = _across(checks.pixel_score(np.full((1, 2, 2, 3), 3.0)), tmp_path)
    _, gradient = backend.gradients(score, np.zeros((1, 2, 2, 3), "float32"))
    np.testing.assert_allclose(np.asarray(gradient), 3.0)


def test_free_names_are_what_a_test_reads_and_does_not_set() -> None:
    source = "import numpy as np\nx = to_batch(chelsea)\ndef f(y):\n    return top_k(y) + x\nassert f(1)"
    assert free_names(source) == ["to_batch", "chelsea", "top_k"]


def test_the_answer_is_read_for_the_courses_own_code_and_for_ways_to_hide_it() -> None:
    assert mentions(["def f(p):\n    return bases.decode_predictions(p)"], "decode_predictions")
    assert mentions(["from course_lib.pretrained.bases import decode_predictions as d"], "decode_predictions")
    assert mentions(["f = getattr(pretrained, 'decode_predictions')"], "decode_predictions")
    assert not mentions(["model = keras.Sequential([], name='augmentation')"], "augmentation"), "a string is no call"
    assert not mentions(["area = 0.5 * width"], "area"), "a variable of the same name is no call"
    assert hiding("import sys\nsys.settrace(None)") == ".settrace"
    assert hiding("import threading") == "import threading"
    assert hiding("f = getattr(m, 'decode_' + 'predictions')") == "getattr with a computed name"
    assert hiding("exec('x = 1')") == "exec"
    assert hiding("model.compile(optimizer='adam')\nx = getattr(layer, 'rate', 0.5)") == "", (
        "an honest answer is not flagged"
    )


def test_what_the_kernel_wrote_is_read_without_following_links_or_waiting_on_fifos(tmp_path: Path) -> None:
    import os

    from course_tools.verdict import Kernel

    secret = tmp_path / "solutions.ipynb"
    secret.write_text("the hidden tests")
    outbox = tmp_path / "outbox"
    (outbox / "x1").mkdir(parents=True)
    (outbox / "x1" / "reply-tree.json").write_text("null")
    (outbox / "x1" / "reply-arrays.npz").symlink_to(secret)  # the kernel points the grader at a secret
    os.mkfifo(outbox / "x1" / "waiting")  # and at a pipe nobody writes to
    kernel = object.__new__(Kernel)  # only what reading needs
    kernel.outbox_fd = os.open(outbox, os.O_RDONLY | os.O_DIRECTORY)
    kernel.private = tmp_path / "private"
    try:
        with pytest.raises(OSError):  # ELOOP: the link is not followed
            kernel._fetch("x1")
        (outbox / "x1" / "reply-arrays.npz").unlink()
        copied = kernel._fetch("x1")
    finally:
        os.close(kernel.outbox_fd)
    assert sorted(p.name for p in copied.iterdir()) == ["reply-tree.json"]


def test_only_the_courses_own_functions_cross_by_name(tmp_path: Path) -> None:
    for name in ("course_lib.settings:os.system", "os:system", "course_tools.cli:main"):
        (tmp_path / "value-tree.json").write_text(json.dumps({"__course__": name}))
        np.savez(tmp_path / "value-arrays.npz")
        with pytest.raises(CrossingError, match="not a function of the course"):
            _codec(trusted=False).load(tmp_path, "value")

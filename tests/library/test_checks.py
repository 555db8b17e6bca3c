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


# --- what test cells check with: a right input passes, a wrong one fails naming the mistake ---


def test_whole_number_takes_ints_and_refuses_floats_and_bools() -> None:
    assert checks.whole_number(np.int64(7)) == 7
    for wrong in (7.0, True, "7"):
        with pytest.raises(AssertionError, match=r"return a whole number, not"):
            checks.whole_number(wrong)


def test_shaped_gives_the_array_or_names_the_shape_it_wanted() -> None:
    assert checks.shaped([[1, 2]], (1, 2), "one row").tolist() == [[1, 2]]
    with pytest.raises(AssertionError, match=r"^3 queries: an array of shape \(3, 5\), not \(5, 3\): ravel$"):
        checks.shaped(np.zeros((5, 3)), (3, 5), "3 queries: an array", hint="ravel")
    with pytest.raises(AssertionError, match=r"6 images: return a NumPy array, not a list"):
        checks.shaped([0.0] * 6, (6,), "6 images", array=True)
    with pytest.raises(AssertionError, match=r"not a ragged list"):
        checks.shaped([[1], [2, 3]], (2, 1), "two rows")


def test_no_known_mistake_names_the_mistake_matched() -> None:
    right, mistakes = np.array([1.0, 2.0]), {"flipped": np.array([2.0, 1.0]), "doubled": np.array([2.0, 4.0])}
    checks.no_known_mistake(right, mistakes)
    checks.no_known_mistake(np.array([1.0, 2.0, 3.0]), mistakes)  # another shape matches no mistake
    with pytest.raises(AssertionError, match="^doubled$"):
        checks.no_known_mistake(np.array([2.0, 4.0 + 1e-7]), mistakes, atol=1e-6)


def test_unchanged_passes_a_copy_and_fails_a_write_naming_the_argument() -> None:
    x, y = np.arange(4.0), np.ones(3)
    with checks.unchanged("answer", x=x, y=y):
        _ = x * 2
    with pytest.raises(AssertionError, match="answer must not change its input y"):
        with checks.unchanged("answer", x=x, y=y):
            y /= 2


def test_if_it_fails_turns_the_error_into_a_hint() -> None:
    with checks.if_it_fails("building the model", "take the input shape from the base"):
        pass
    with pytest.raises(AssertionError, match=r"building the model failed \(shapes differ\.\.\.\): take the input"):
        with checks.if_it_fails("building the model", "take the input shape from the base"):
            raise ValueError("shapes differ")
    with pytest.raises(KeyError):  # other errors go through as they are
        with checks.if_it_fails("building the model", "a hint"):
            raise KeyError("name")


def test_sequential_sets_weights_and_freezes_and_the_counts_see_it() -> None:
    keras = pytest.importorskip("keras")
    dense = checks.sequential((3,), keras.layers.Dense(2), weights=[np.ones((3, 2)), [0.5, -0.5]])
    np.testing.assert_allclose(checks.outputs(dense, np.ones((1, 3))), [[3.5, 2.5]])
    assert checks.trainable_count(dense) == checks.parameter_count(dense.layers) == 8
    frozen = checks.sequential((3,), keras.layers.Dense(2), keras.layers.BatchNormalization(), trainable=False)
    assert checks.trainable_count(frozen) == 0 and checks.parameter_count(frozen.layers) == 8 + 4 * 2


def test_leaf_layers_open_nested_models_and_filter_by_kind() -> None:
    keras = pytest.importorskip("keras")
    inner = checks.sequential((4,), keras.layers.Dense(3), keras.layers.Dropout(0.5))
    model = checks.sequential((4,), inner, keras.layers.Flatten(), keras.layers.Dense(1))
    assert [type(layer).__name__ for layer in checks.leaf_layers(model)] == ["Dense", "Dropout", "Flatten", "Dense"]
    assert len(checks.leaf_layers(model, keras.layers.Dense)) == 2


def test_learning_rate_reads_the_compiled_optimizer() -> None:
    keras = pytest.importorskip("keras")
    model = checks.sequential((2,), keras.layers.Dense(1))
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss="mse")
    assert checks.learning_rate(model) == pytest.approx(1e-5)


def test_numbered_images_tell_which_example_pooled_features_come_from() -> None:
    images = checks.numbered_images([0, 1, 1, 0], (4, 5), seed=2)
    assert images.shape == (4, 4, 5, 3) and images.dtype == np.float32
    order = [2, 0, 3, 1]
    assert checks.example_numbers(images[order].mean(axis=(1, 2))).tolist() == order


def test_known_head_outputs_accepts_the_head_and_names_each_mistake() -> None:
    keras = pytest.importorskip("keras")
    layers = keras.layers
    x = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")

    def head(*stack):
        return checks.sequential((8,), *stack)

    got, expected = checks.known_head_outputs(
        head(layers.Dense(256, activation="relu"), layers.Dropout(0.5), layers.Dense(1, activation="sigmoid")), x, x
    )
    np.testing.assert_allclose(got, expected, atol=1e-5)
    for stack, mistake in [
        ([layers.Dense(256, activation="relu"), layers.Dense(1, activation="sigmoid")], "put Dropout"),
        ([layers.Dropout(0.5), layers.Dense(256, activation="relu"), layers.Dense(1)], "between the two Dense"),
        ([layers.Dense(256, activation="relu"), layers.Dropout(0.2), layers.Dense(1)], r"Dropout\(0.5\)"),
        ([layers.Dense(256, activation="relu"), layers.Dropout(0.5), layers.Dense(1, activation="softmax")], "softmax"),
        ([layers.Dense(256, activation="relu"), layers.Dropout(0.5), layers.Dense(1)], "scores, not probabilities"),
        ([layers.Dense(256), layers.Dropout(0.5), layers.Dense(1, activation="sigmoid")], "ReLU"),
    ]:
        with pytest.raises(AssertionError, match=mistake):
            checks.known_head_outputs(head(*stack), x, x)


def test_each_close_passes_matching_results_and_names_the_first_case_that_differs() -> None:
    want = [np.zeros((2, 2)), np.ones(3)]
    checks.each_close([np.zeros((2, 2)), np.ones(3) + 1e-9], want, ["case a", "case b"], atol=1e-6)
    with pytest.raises(AssertionError, match=r"^case b: expected shape \(3,\), got \(4,\); move by the stride$"):
        checks.each_close([np.zeros((2, 2)), np.ones(4)], want, ["case a", "case b"], shape_hint="move by the stride")
    with pytest.raises(AssertionError, match="case a: sum every channel"):
        checks.each_close([np.eye(2), np.ones(3)], want, ["case a", "case b"], value_hint="sum every channel")


def test_each_call_names_the_call_what_it_gave_and_the_hint() -> None:
    def output_size(n, kernel_size, stride=1):
        return (n - kernel_size) // stride + 1

    checks.each_call(output_size, [((7, 3), {}, 5, ""), ((8, 3), {"stride": 2}, 3, "round down")], integer="an integer")
    with pytest.raises(AssertionError, match=r"^output_size\(8, 3, stride=2\) should be 4, got 3: round down$"):
        checks.each_call(output_size, [((8, 3), {"stride": 2}, 4, "round down")])

    def half(n):
        return n / 2

    with pytest.raises(AssertionError, match=r"^half\(3\) returned 1\.5: return an integer$"):
        checks.each_call(half, [((3,), {}, 1, "")], integer="return an integer")
    with pytest.raises(AssertionError, match=r"should be \[2, 6\], got \[2 6\]"):  # an array is not the list asked for
        checks.each_call(lambda layers: np.array([2, 6]), [(([],), {}, [2, 6], "")])


def test_each_call_names_an_answer_without_a_name_of_its_own() -> None:
    with pytest.raises(AssertionError, match=r"^half\(3\)"):

        class Answer:  # what a test sees of a function in the student's kernel
            name = "half"

            def __call__(self, n):
                return n

        checks.each_call(Answer(), [((3,), {}, 1, "")])


def test_close_floats_wants_floats_then_values() -> None:
    checks.close_floats(np.array([0.5, 1.0]), [0.5, 1.0], "wrong blend", floats="return floats")
    with pytest.raises(AssertionError, match="^return floats, got dtype int64$"):
        checks.close_floats(np.array([0, 1]), [0, 1], "wrong blend", floats="return floats")
    with pytest.raises(AssertionError, match="wrong blend"):
        checks.close_floats(np.array([0.5, 2.0]), [0.5, 1.0], "wrong blend", floats="return floats")


def test_dropped_together_finds_the_axis_dropped_as_a_whole() -> None:
    rng = np.random.default_rng(0)
    assert checks.dropped_together(rng.random((300, 400)) >= 0.2, 0.2, within=0.12) is None
    columns = np.broadcast_to(rng.random(400) >= 0.2, (300, 400))  # the same columns dropped in every row
    assert checks.dropped_together(columns, 0.2, within=0.12) == 0
    assert checks.dropped_together(columns.T, 0.2, within=0.12) == 1


def test_sigmoid_and_softmax_are_the_probabilities_of_5_1() -> None:
    np.testing.assert_allclose(checks.sigmoid([0.0, np.log(3.0)]), [0.5, 0.75])
    probabilities = checks.softmax([[1000.0, 1000.0 + np.log(3.0)]])  # no overflow
    np.testing.assert_allclose(probabilities, [[0.25, 0.75]])


def test_dense_outputs_give_the_layer_its_output_and_the_values_before_its_activation() -> None:
    keras = pytest.importorskip("keras")
    layer = keras.layers.Dense(2, activation="sigmoid")
    x = np.array([[1.0, -2.0]], "float32")
    given, logits = checks.dense_outputs(layer, x)  # the layer is built by the call
    np.testing.assert_allclose(given, checks.sigmoid(logits), atol=1e-6)
    assert checks.activation_name(layer) == "sigmoid"


def test_keras_pool_pools_one_map_with_stride_the_size_by_default() -> None:
    pytest.importorskip("keras")
    feature_map = np.arange(16.0).reshape(4, 4, 1)
    np.testing.assert_allclose(checks.keras_pool("max", feature_map, 2)[..., 0], [[5, 7], [13, 15]])
    np.testing.assert_allclose(checks.keras_pool("average", feature_map, 2, 2)[..., 0], [[2.5, 4.5], [10.5, 12.5]])
    assert checks.keras_pool("max", feature_map, 3, 1).shape == (2, 2, 1)


def test_all_zeros_wants_finite_zeros_of_the_shape_asked() -> None:
    checks.all_zeros(np.zeros((2, 3)), "zeros, not NaN", shape=(2, 3))
    for wrong in (np.full((2, 3), np.nan), np.eye(2, 3), np.zeros((3, 2))):
        with pytest.raises(AssertionError, match="^zeros, not NaN$"):
            checks.all_zeros(wrong, "zeros, not NaN", shape=(2, 3))

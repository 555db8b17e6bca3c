"""Chapter 0 graded fairly: other correct answers keep every point (one of each warns on
stderr), plausible wrong ones and the shortcut earn none, with a message naming the mistake."""

from __future__ import annotations

from pathlib import Path

from answers import SHORTCUT, Exercise, Right, Wrong, assert_fair

ASSIGNMENT = "00-getting-started"

EXERCISES = {
    "to_batch": Exercise(
        "test_to_batch",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def to_batch(image):\n    return np.array([image], dtype=np.float32)"
            ),
            Right("def to_batch(image):\n    return np.expand_dims(image, 0).astype(np.float32)"),
            Right(
                "import warnings\n\ndef to_batch(image):\n"
                "    warnings.warn('to_batch: adding a batch axis', UserWarning)\n"
                "    return np.array([image], dtype='float32')",
                prints="adding a batch axis",
            ),
        ],
        wrong=[
            Wrong(  # rescales images that look like 0..1 floats
                "def to_batch(image):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    if image.max() <= 1:\n"
                "        image = image * 255\n"
                "    return image[np.newaxis]",
                "0..1",
            ),
            Wrong("def to_batch(image):\n    return np.asarray(image)[np.newaxis]", "dtype"),  # keeps uint8
            Wrong("def to_batch(image):\n    return (np.asarray(image, 'float32') / 255)[np.newaxis]", "rescale"),
            Wrong(
                "def to_batch(image):\n    return np.asarray(image, 'float32')[..., np.newaxis]", "shape"
            ),  # last axis
            Wrong(  # rounds float pixels: right on the integer photos of the visible test
                "def to_batch(image):\n    return np.asarray(image).astype('uint8').astype('float32')[None]",
                "round or rescale",
            ),
        ],
    ),
    "top_k": Exercise(
        "test_top_k",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def top_k(probabilities, class_names, k=5):\n"
                "    pairs = sorted(zip(class_names, probabilities), key=lambda pair: pair[1], reverse=True)\n"
                "    return pairs[:k]"
            ),
            Right(
                "def top_k(probabilities, class_names, k=5):\n"
                "    pairs = sorted(zip(class_names, np.ravel(probabilities)), key=lambda p: -p[1])\n"
                "    return [(name, float(p)) for name, p in pairs[:k]]"
            ),
            Right(
                "import sys\nimport keras\n\ndef top_k(probabilities, class_names, k=5):\n"
                "    print('top_k: asking keras.ops.top_k', file=sys.stderr)\n"
                "    values, indices = keras.ops.top_k(np.asarray(probabilities, 'float32'), k)\n"
                "    values, indices = keras.ops.convert_to_numpy(values), keras.ops.convert_to_numpy(indices)\n"
                "    return list(zip([class_names[i] for i in indices], values.tolist()))",
                prints="asking keras.ops.top_k",
            ),
        ],
        wrong=[
            Wrong(  # looks each class up by its probability: two equal probabilities give one class twice
                "def top_k(probabilities, class_names, k=5):\n"
                "    values = list(probabilities)\n"
                "    return [(class_names[values.index(p)], float(p)) for p in sorted(values, reverse=True)[:k]]",
                "two classes",
            ),
            Wrong(  # least probable first
                "def top_k(probabilities, class_names, k=5):\n"
                "    order = np.argsort(probabilities)[:k]\n"
                "    return [(class_names[i], float(probabilities[i])) for i in order]",
                "most probable class first|should be a cat",
            ),
            Wrong(  # sorted probabilities paired with the names in their original order
                "def top_k(probabilities, class_names, k=5):\n"
                "    return list(zip(class_names[:k], sorted(probabilities, reverse=True)[:k]))",
                "should be a cat|b then d",
            ),
            Wrong(  # indices instead of names
                "def top_k(probabilities, class_names, k=5):\n"
                "    order = np.argsort(probabilities)[::-1][:k]\n"
                "    return [(int(i), float(probabilities[i])) for i in order]",
                "should be a cat|names",
            ),
            Wrong(  # a default of 3: right whenever k is given
                "def top_k(probabilities, class_names, k=3):\n"
                "    order = np.argsort(probabilities)[::-1][:k]\n"
                "    return [(class_names[i], float(probabilities[i])) for i in order]",
                "k=5 by default",
            ),
            Wrong(
                "def top_k(probabilities, class_names, k=5):\n"
                "    return [(name, score) for _, name, score in "
                "bases.decode_predictions(np.asarray(probabilities)[None], top=k)[0]]",
                SHORTCUT,
            ),
        ],
    ),
    "binary_accuracy": Exercise(
        "test_binary_accuracy",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    predictions = np.reshape(probabilities, len(labels)) > threshold\n"
                "    return np.mean(predictions == labels)"
            ),
            Right(  # Keras's metric, in float32
                "import keras\n\ndef binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    p = np.reshape(probabilities, (-1, 1)).astype('float32')\n"
                "    predicted = (p > threshold).astype('float32')\n"
                "    metric = keras.metrics.Accuracy()\n"
                "    metric.update_state(np.reshape(labels, (-1, 1)).astype('float32'), predicted)\n"
                "    return float(metric.result())"
            ),
            Right(
                "import warnings\n\ndef binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    warnings.warn('binary_accuracy is deprecated, use keras.metrics', DeprecationWarning)\n"
                "    right = sum(int((p > threshold) == bool(y)) for p, y in zip(np.ravel(probabilities), "
                "np.ravel(labels)))\n"
                "    return np.float32(right) / np.float32(len(np.ravel(labels)))",
                prints="deprecated",
            ),
        ],
        wrong=[
            Wrong(  # >= instead of >
                "def binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    return float(np.mean((np.ravel(probabilities) >= threshold) == np.ravel(labels)))",
                "exactly 0.5",
            ),
            Wrong(  # rounds: right at the default threshold only
                "def binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    return float(np.mean(np.round(np.ravel(probabilities)) == np.ravel(labels)))",
                "threshold",
            ),
            Wrong(  # no ravel: (n, 1) against (n,) broadcasts to (n, n)
                "def binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    return float(np.mean((probabilities > threshold) == labels))",
                "shape \\(n, 1\\)",
            ),
            Wrong(  # counts the right predictions instead of their fraction
                "def binary_accuracy(labels, probabilities, threshold=0.5):\n"
                "    return float(np.sum((np.ravel(probabilities) > threshold) == np.ravel(labels)))",
                "right",
            ),
        ],
    ),
}


def test_answers_are_graded_fairly(tmp_path: Path) -> None:
    assert_fair(ASSIGNMENT, EXERCISES, tmp_path)

"""Chapter 1's hidden tests catch plausible wrong answers: each answer below passes the
visible tests of its exercise (or fails them for the reason named) and must earn nothing,
failing with the message that explains the mistake."""

from __future__ import annotations

from pathlib import Path

from wrong_answers import Wrong, assert_caught

ASSIGNMENT = "01-convnet-basics"

WRONG: Wrong = {
    "conv2d": (  # pads one side only: the visible shapes are right, the values are not
        """
def conv2d(image, kernel, stride=1, padding=0):
    padded = np.pad(np.asarray(image, dtype=float), (0, 2 * padding))
    kh, kw = kernel.shape
    rows = range(0, padded.shape[0] - kh + 1, stride)
    cols = range(0, padded.shape[1] - kw + 1, stride)
    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])
""",
        "test_conv2d",
        "non-square",
    ),
    "output_size": (  # rounds up instead of down: right on the lecture's examples
        """
def output_size(n, kernel_size, stride=1, padding=0):
    import math
    return math.ceil((n + 2 * padding - kernel_size) / stride) + 1
""",
        "test_output_size",
        "round down",
    ),
    "conv_layer": (  # forgets to pass stride and padding on
        """
def conv_layer(x, kernels, biases, stride=1, padding=0):
    return np.stack([sum(conv2d(x[:, :, c], kernels[:, :, c, f]) for c in range(x.shape[-1])) + biases[f]
                     for f in range(kernels.shape[-1])], axis=-1)
""",
        "test_conv_layer",
        "stride and padding",
    ),
    "max_pool": (  # starts each maximum at 0 and ignores the stride
        """
def max_pool(x, size=2, stride=None):
    h, w, c = x.shape
    out = np.zeros((h // size, w // size, c))
    for i in range(h // size):
        for j in range(w // size):
            out[i, j] = np.maximum(0, x[i * size:(i + 1) * size, j * size:(j + 1) * size].max(axis=(0, 1)))
    return out
""",
        "test_max_pool",
        "negative values",
    ),
    "average_pool": (  # averages over the wrong axes: height and channels
        """
def average_pool(x, size=2, stride=None):
    h, w, c = x.shape
    rows = [x[i * size:(i + 1) * size].mean(axis=(0, 2)) for i in range(h // size)]
    return np.stack([np.stack([r[j * size:(j + 1) * size].mean() for j in range(w // size)]) for r in rows])[..., None] * np.ones(c)
""",
        "test_average_pool",
        "each channel",
    ),
    "classifier_output": (  # a sigmoid for every number of classes
        """
def classifier_output(num_classes):
    units = 1 if num_classes == 2 else num_classes
    return keras.layers.Dense(units, activation="sigmoid"), "binary_crossentropy"
""",
        "test_classifier_output",
        "softmax",
    ),
    "count_params": (  # one bias for the whole dense layer
        """
def conv_params(kernel_size, in_channels, filters):
    return (kernel_size * kernel_size * in_channels + 1) * filters

def dense_params(inputs, units):
    return inputs * units + 1
""",
        "test_count_params",
        "dense layer",
    ),
    "mix_up": (  # uint8 arithmetic wraps around
        """
def mix_up(image_a, label_a, image_b, label_b, weight):
    return image_b + (image_a - image_b) * weight, weight * label_a + (1 - weight) * label_b
""",
        "test_mix_up",
        "float",
    ),
    "make_augmentation": (  # flips upside down too
        """
def make_augmentation():
    return keras.Sequential([keras.layers.RandomFlip(), keras.layers.RandomRotation(0.1), keras.layers.RandomZoom(0.2)])
""",
        "test_make_augmentation",
        "left-right",
    ),
    "inverted_dropout": (  # keeps with probability `rate` instead of dropping: right at 0.5 only
        """
def inverted_dropout(x, rate, training=True, rng=None):
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy()
    rng = np.random.default_rng() if rng is None else rng
    return x * (rng.random(x.shape) < rate) / (1 - rate)
""",
        "test_inverted_dropout",
        "not 20 % kept",
    ),
}


def test_hidden_tests_catch_plausible_wrong_answers(tmp_path: Path) -> None:
    assert_caught(ASSIGNMENT, WRONG, tmp_path, dependent=frozenset({"test_flatten_size"}))  # calls output_size

"""Tests for course_lib.pretrained.bases: EfficientNet-Lite0 offline, ImageNet names, VGG16."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error

import keras
import numpy as np
import pytest
import skimage.data

from course_lib.pretrained import bases  # first: it sets the Keras backend

CATS = {"tabby", "tiger cat", "Egyptian cat"}


def photos(size: int) -> np.ndarray:
    """scikit-image's chelsea (a tabby cat) and coffee (an espresso), RGB 0..255."""
    images = [skimage.data.chelsea(), skimage.data.coffee()]
    resized = [keras.ops.image.resize(image.astype("float32"), (size, size)) for image in images]
    return np.stack([keras.ops.convert_to_numpy(image) for image in resized])


@pytest.fixture(scope="module")
def model():
    return bases.efficientnet_lite0()


@pytest.fixture(scope="module")
def predictions(model):
    return model.predict(photos(224), verbose=0)


def test_architecture(model):
    assert model.name == "efficientnet_lite0"
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 1000)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 4_652_008
    assert model.count_params() == 4_694_024  # every float tensor of the weights file
    names = [layer.name for layer in model.layers]
    for name in [
        "rescaling",
        "stem_conv",
        "stem_bn",
        "stem_activation",
        "block1a_dwconv",
        "block1a_bn",
        "block1a_activation",
        "block1a_project_conv",
        "block1a_project_bn",
        "block2a_expand_conv",
        "block2a_expand_bn",
        "block2a_expand_activation",
        "block2a_dwconv",
        "block2b_add",
        "block6d_add",
        "block7a_project_bn",
        "top_conv",
        "top_bn",
        "top_activation",
        "avg_pool",
        "top_dropout",
        "predictions",
    ]:
        assert name in names
    assert sum(name.endswith("_dwconv") for name in names) == 16
    assert sum(name.endswith("_add") for name in names) == 9
    assert "block1a_expand_conv" not in names and "block7a_add" not in names


def test_chelsea_is_a_cat_and_coffee_an_espresso(predictions):
    chelsea, coffee = bases.decode_predictions(predictions, top=5)
    assert {name for _, name, _ in chelsea[:3]} == CATS
    assert coffee[0][:2] == ("n07920052", "espresso")
    assert coffee[0][2] > 0.5
    np.testing.assert_allclose(predictions.sum(axis=1), 1, rtol=1e-5)


def test_smaller_images_still_work():
    model160 = bases.efficientnet_lite0(image_size=160)
    chelsea, coffee = bases.decode_predictions(model160.predict(photos(160), verbose=0), top=1)
    assert chelsea[0][1] in CATS
    assert coffee[0][1] == "espresso"


def test_separate_preprocessing_gives_the_same_predictions(predictions):
    model = bases.efficientnet_lite0(include_preprocessing=False)
    assert "rescaling" not in [layer.name for layer in model.layers]
    images = bases.preprocess_input(photos(224))
    assert images.dtype == np.float32 and images.min() >= -1 and images.max() <= 1
    np.testing.assert_allclose(model.predict(images, verbose=0), predictions, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (None, 7, 7, 1280)),
        ({"image_size": 160}, (None, 5, 5, 1280)),
        ({"image_size": None}, (None, None, None, 1280)),
        ({"pooling": "avg"}, (None, 1280)),
        ({"pooling": "max"}, (None, 1280)),
    ],
)
def test_convolutional_base(kwargs, shape):
    base = bases.efficientnet_lite0(include_top=False, weights=None, **kwargs)
    assert base.output_shape == shape
    assert "predictions" not in [layer.name for layer in base.layers]


def test_base_carries_the_pretrained_weights(model):
    base = bases.efficientnet_lite0(include_top=False, image_size=160)
    for name in ["stem_conv", "block4b_dwconv", "top_bn"]:
        for mine, full in zip(base.get_layer(name).get_weights(), model.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(mine, full)


def test_weights_file_is_read_once(monkeypatch):
    calls = []
    real = bases._weights.load_state_dict
    monkeypatch.setattr(bases._weights, "load_state_dict", lambda path: calls.append(path) or real(path))
    bases._imagenet_state_dict.cache_clear()
    for _ in range(2):
        bases.efficientnet_lite0(include_top=False, image_size=32)
    assert len(calls) == 1


def _add_tensor(state):
    state["extra"] = np.zeros(3, np.float32)


def _drop_tensor(state):
    del state["_blocks.3._bn1.running_var"]


def _wrong_shape(state):
    state["_fc.bias"] = np.zeros(999, np.float32)


@pytest.mark.parametrize(
    "change, message",
    [
        (_add_tensor, r"left unused: \['extra'\]"),
        (_drop_tensor, r"'_blocks.3._bn1.running_var' is missing"),
        (_wrong_shape, r"'predictions' expects weights of shapes \[\(1280, 1000\), \(1000,\)\]"),
    ],
    ids=["extra tensor", "missing tensor", "wrong shape"],
)
def test_weights_must_match_the_architecture(monkeypatch, change, message):
    state = dict(bases._imagenet_state_dict())
    change(state)
    monkeypatch.setattr(bases, "_imagenet_state_dict", lambda: state)
    with pytest.raises(ValueError, match=message):
        bases.efficientnet_lite0(image_size=32)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="weights must be"):
        bases.efficientnet_lite0(weights="imagenet21k")
    with pytest.raises(ValueError, match="pooling must be"):
        bases.efficientnet_lite0(include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="include_top=False"):
        bases.efficientnet_lite0(pooling="avg")


def test_class_names():
    names = bases.imagenet_class_names()
    assert len(names) == 1000
    assert (names[0], names[281], names[282], names[285], names[967]) == (
        "tench",
        "tabby",
        "tiger cat",
        "Egyptian cat",
        "espresso",
    )


def test_decode_predictions_format():
    preds = np.zeros((2, 1000), np.float32)
    preds[0, [281, 7, 999]] = [0.5, 0.3, 0.2]
    preds[1, 967] = 1.0
    decoded = bases.decode_predictions(preds, top=3)
    assert decoded[0] == [
        ("n02123045", "tabby", 0.5),
        ("n01514668", "cock", pytest.approx(0.3)),
        ("n15075141", "toilet tissue", pytest.approx(0.2)),
    ]
    assert decoded[1][0] == ("n07920052", "espresso", 1.0)
    assert all(isinstance(score, float) for _, _, score in decoded[0])


@pytest.mark.parametrize("shape", [(1000,), (2, 1280), (1, 7, 7, 1280)])
def test_decode_predictions_explains_wrong_shapes(shape):
    with pytest.raises(ValueError, match=r"expected an array of shape \(batch, 1000\)"):
        bases.decode_predictions(np.zeros(shape))


def test_torch_is_never_imported():
    script = (
        "import sys, json, numpy as np\n"
        "from course_lib.pretrained import bases\n"
        "model = bases.efficientnet_lite0(image_size=64)\n"
        "bases.decode_predictions(model.predict(np.zeros((1, 64, 64, 3)), verbose=0))\n"
        "print(json.dumps([m for m in sys.modules if m == 'torch' or m.startswith('torch.')]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_vgg16_offline_names_the_offline_default(monkeypatch, tmp_path):
    attempts = []

    def no_network(url, *args, **kwargs):
        attempts.append(url)
        raise urllib.error.URLError("no network (simulated by the test)")

    # an empty Keras cache, and a download that always fails, even on a machine with network
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(tmp_path))
    monkeypatch.setattr("keras.src.utils.file_utils.urlretrieve", no_network)
    with pytest.raises(bases.OfflineWeightsError, match=r"efficientnet_lite0\(include_top=False\)"):
        bases.vgg16_base()
    assert len(attempts) == 1 and "vgg16" in attempts[0]


def test_vgg16_other_errors_pass_through():
    with pytest.raises(ValueError) as info:
        bases.vgg16_base(image_size=16, weights=None)  # VGG16 needs at least 32x32
    assert not isinstance(info.value, bases.OfflineWeightsError)


def test_vgg16_with_random_weights_works_offline():
    base = bases.vgg16_base(weights=None)
    assert base.output_shape == (None, 4, 4, 512)
    assert base.get_layer("block5_pool") is base.layers[-1]


# --- the explorer ------------------------------------------------------------


def test_blocks_sum_up_the_base():
    base = bases.efficientnet_lite0(include_top=False, image_size=256, pooling="avg", weights=None)
    rows = bases.blocks(base)
    names = [name for name, _, _ in rows]
    assert names[:3] == ["rescaling", "stem", "block1a"]
    assert names[-3:] == ["block7a", "top", "avg_pool"]
    assert len([n for n in names if n.startswith("block")]) == 16
    assert sum(params for _, _, params in rows) == base.count_params()
    assert dict((name, shape) for name, shape, _ in rows)["top"] == (None, 8, 8, 1280)

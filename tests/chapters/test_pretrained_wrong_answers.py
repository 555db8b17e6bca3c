"""Chapter 2's hidden tests catch plausible wrong answers: each answer below passes the
visible tests of its exercise and must earn nothing, failing with the message that explains
the mistake. One autograding run (fast mode) covers them all."""

from __future__ import annotations

from pathlib import Path

from wrong_answers import Wrong, assert_caught

ASSIGNMENT = "02-pretrained-convnets"

WRONG: Wrong = {
    "extract_features": (  # features and labels from two passes over a reshuffled dataset
        """
def extract_features(base, dataset):
    features = base.predict(dataset, verbose=0)
    labels = np.concatenate([np.asarray(y) for _, y in dataset])
    return features, labels
""",
        "test_extract_features",
        "same pass",
    ),
    "feature_cache_key": (  # forgets the image size
        """
import hashlib
import json

def feature_cache_key(model_name, weights, image_size, pooling, files):
    return hashlib.sha256(json.dumps([model_name, weights, pooling, files]).encode()).hexdigest()
""",
        "test_feature_cache_key",
        "image size",
    ),
    "build_head": (  # no dropout
        """
def build_head(feature_shape):
    return keras.Sequential([keras.Input(feature_shape), keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dense(1, activation="sigmoid")])
""",
        "test_build_head",
        "Dropout",
    ),
    "predict_with_mirror": (  # mirrors upside down
        """
def predict_with_mirror(model, images):
    return (model.predict(images, verbose=0) + model.predict(images[:, ::-1], verbose=0)).ravel() / 2
""",
        "test_predict_with_mirror",
        "left to right",
    ),
    "unfreeze_top": (  # unfreezes the BatchNormalization layers of the top too
        """
def unfreeze_top(base, first_layer):
    base.trainable = True
    names = [layer.name for layer in base.layers]
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= names.index(first_layer)
""",
        "test_unfreeze_top",
        "BatchNormalization",
    ),
    "compile_for_fine_tuning": (  # Adam's default learning rate, 1e-3
        """
def compile_for_fine_tuning(model):
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
""",
        "test_compile_for_fine_tuning",
        "too high",
    ),
}


def test_hidden_tests_catch_plausible_wrong_answers(tmp_path: Path) -> None:
    assert_caught(ASSIGNMENT, WRONG, tmp_path)

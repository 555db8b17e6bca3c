"""Chapter 3's hidden tests catch plausible wrong answers: each answer below earns nothing,
failing with the message that explains the mistake. One autograding run covers them all.
(A wrong ``activation_model`` is left out: the cells after it build on it, so it would
fail the later exercises too, for another reason.)"""

from __future__ import annotations

from pathlib import Path

from wrong_answers import Wrong, assert_caught

ASSIGNMENT = "03-visualizing-convnets"

WRONG: Wrong = {
    "normalize_map": (  # divides by the maximum without subtracting the minimum
        """
def normalize_map(m):
    m = np.asarray(m, float)
    return m / m.max() if m.max() else m
""",
        "test_normalize_map",
        "subtract the minimum",
    ),
    "ascent_step": (  # a plain gradient step: no normalisation
        """
def ascent_step(score_fn, image, step_size):
    _, grads = backend.gradients(score_fn, image)
    return np.asarray(image) + step_size * np.asarray(grads)
""",
        "test_ascent_step",
        "normalised gradient is 1",
    ),
    "pooled_gradients": (  # averages over the channels instead of the positions
        """
def pooled_gradients(grads):
    return np.asarray(grads).mean(axis=-1)
""",
        "test_pooled_gradients",
        "one weight per channel",
    ),
    "relu_normalize": (  # no ReLU: negative evidence kept
        """
def relu_normalize(heatmap):
    heatmap = np.asarray(heatmap, float)
    return heatmap / heatmap.max()
""",
        "test_relu_normalize",
        "should become",
    ),
    "grad_cam_heatmap": (  # the plain mean of the feature maps: gradients ignored
        """
def grad_cam_heatmap(feature_maps, grads):
    heatmap = np.maximum(np.asarray(feature_maps).mean(axis=-1), 0)
    return heatmap / heatmap.max()
""",
        "test_grad_cam_heatmap",
        "differs from the course's Grad-CAM",
    ),
    "occlusion_map": (  # also counts the patches that stick out of the image
        """
def occlusion_map(score_fn, image, patch, stride, fill=128.0):
    image = np.asarray(image, dtype="float32")
    base = np.asarray(score_fn(image[None]))[0]
    rows = []
    for top in range(0, image.shape[0], stride):
        row = []
        for left in range(0, image.shape[1], stride):
            occluded = image.copy()
            occluded[top:top + patch, left:left + patch] = fill
            row.append(base - np.asarray(score_fn(occluded[None]))[0])
        rows.append(row)
    return np.array(rows)
""",
        "test_occlusion_map",
        "only patches that fit",
    ),
}


def test_hidden_tests_catch_plausible_wrong_answers(tmp_path: Path) -> None:
    assert_caught(ASSIGNMENT, WRONG, tmp_path)

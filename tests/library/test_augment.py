"""Data augmentation kinds (course_lib.recap.augment) and the gallery."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from course_lib.recap import augment
from helpers import map_of  # noqa: E402

matplotlib.use("Agg")

IMAGE = np.random.default_rng(0).integers(0, 256, (32, 40, 3)).astype("uint8")
OTHER = np.full((32, 40, 3), 200, np.uint8)


@pytest.mark.parametrize("kind", augment.KINDS)
def test_each_kind_changes_the_photo_and_keeps_its_shape(kind: str) -> None:
    seeds = range(4)  # mirroring leaves some draws unflipped
    outs = [augment.augment(IMAGE, kind, 0.8, seed=seed, other=OTHER) for seed in seeds]
    assert all(out.shape == IMAGE.shape and out.dtype == np.float32 for out in outs)
    assert all(0 <= out.min() and out.max() <= 255 for out in outs)
    assert any(not np.allclose(out, IMAGE) for out in outs)


def test_same_seed_same_draw() -> None:
    a = augment.augment(IMAGE, "rotating", 0.5, seed=3)
    np.testing.assert_array_equal(a, augment.augment(IMAGE, "rotating", 0.5, seed=3))


def test_mirroring_flips_left_right() -> None:
    flipped = [augment.augment(IMAGE, "mirroring", seed=s) for s in range(6)]
    assert all(np.array_equal(f, IMAGE) or np.array_equal(f, IMAGE[:, ::-1]) for f in flipped)
    assert any(np.array_equal(f, IMAGE[:, ::-1]) for f in flipped)


def test_mix_up_blends_with_the_weight_it_reports() -> None:
    weight = augment.mix_weight(0.6, seed=2)
    assert 0.4 <= weight <= 1
    out = augment.augment(IMAGE, "mixing (mix-up)", 0.6, seed=2, other=OTHER)
    np.testing.assert_allclose(out, weight * IMAGE + (1 - weight) * OTHER, atol=1e-3)


def test_strength_zero_occlusion_is_the_photo() -> None:
    np.testing.assert_array_equal(augment.augment(IMAGE, "occlusion", 0.0), IMAGE)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        augment.augment(IMAGE, "shearing")
    with pytest.raises(ValueError, match="strength"):
        augment.augment(IMAGE, "noise", 1.5)
    with pytest.raises(ValueError, match="other"):
        augment.augment(IMAGE, "mixing (mix-up)")


def test_gallery_has_a_row_per_kind() -> None:
    fig = augment.show_gallery(IMAGE, OTHER, variants=2)
    assert len(fig.axes) == 3 * len(augment.KINDS)
    assert "cat" in fig.axes[-1].get_title() and "dog" in fig.axes[-1].get_title()


# --- the explorer ------------------------------------------------------------


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 48, 3)).astype("uint8"), np.full((40, 48, 3), 220, np.uint8)


def test_augmentation_explorer_redraws_for_each_kind_and_draw(photos) -> None:
    explorer = augment.augmentation_explorer(*photos)
    c = explorer.controls
    before = map_of(explorer, 1).copy()
    c["kind"].value = "rotating"
    rotated = map_of(explorer, 1).copy()
    assert not np.array_equal(before, rotated)
    c["seed"].value = 4
    assert not np.array_equal(rotated, map_of(explorer, 1))
    c["kind"].value = "mixing (mix-up)"
    assert "cat" in explorer.figure.axes[1].get_title() and "dog" in explorer.figure.axes[1].get_title()
    png = explorer.image.value
    c["strength"].value = 1.0
    assert explorer.image.value != png

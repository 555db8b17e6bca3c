"""Speed sections: the pretrained bases' throughput, training in float32 and bfloat16, and
the visualizations (lecture part 3) with their faithfulness."""

from __future__ import annotations

import time

import numpy as np


def model_flops(model) -> int:
    """Multiply-add work of one image through ``model`` (convolutions and dense layers,
    2 flops per multiply-add; batch norm and activations are left out)."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "DepthwiseConv2D"):
            _, height, width, channels_out = layer.output.shape
            kh, kw = layer.kernel_size
            channels_in = layer.input.shape[-1]
            per_position = kh * kw * (channels_in * channels_out if kind == "Conv2D" else channels_out)
            total += 2 * height * width * per_position
        elif kind == "Dense":
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)


def throughput(rounds: int = 3, seconds: float = 6.0) -> list[dict]:
    """Images per second of each base and batch size: measured in ``rounds`` interleaved
    passes (so that a slow moment of the machine hits every model alike); the best pass
    is kept."""
    from course_lib.pretrained import bases

    configs = [
        ("EfficientNet-Lite0 (course)", lambda: bases.efficientnet_lite0(include_top=False, image_size=160), 160),
        ("EfficientNet-Lite0 (course)", lambda: bases.efficientnet_lite0(include_top=False, image_size=224), 224),
        ("VGG16 (book)", lambda: bases.vgg16_base(image_size=150, weights=None), 150),
    ]
    rows = []
    for name, build, size in configs:
        model = build()
        for batch in (32, 64):
            rows.append(
                {
                    "model": name,
                    "image_size": size,
                    "batch": batch,
                    "flops_per_image": model_flops(model),
                    "_model": model,
                    "images_per_s": 0.0,
                }
            )
    rng = np.random.default_rng(0)
    for _ in range(rounds):
        for row in rows:
            images = rng.uniform(0, 255, (row["batch"], row["image_size"], row["image_size"], 3)).astype("float32")
            model = row["_model"]
            model.predict_on_batch(images)  # warm-up (graph tracing)
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / rounds:
                model.predict_on_batch(images)
                count += row["batch"]
            row["images_per_s"] = max(row["images_per_s"], count / (time.perf_counter() - start))
    for row in rows:
        del row["_model"]
        row["images_per_s"] = round(row["images_per_s"], 1)
        row["gflops_per_image"] = round(row.pop("flops_per_image") / 1e9, 3)
        row["achieved_gflops"] = round(row["gflops_per_image"] * row["images_per_s"], 1)
    return rows


def training(steps: int = 15, image_size: int = 150, batch: int = 32) -> list[dict]:
    """Training images per second of chapter 1's model behind the course's default
    augmentation (:func:`models.augmentation`: flip, rotation, zoom, translation), in float32
    and in mixed bfloat16 (what the course uses where :func:`backend.bfloat16_is_fast`),
    interleaved in this process; ``steps`` training steps on random images after a
    warm-up, best of two passes."""
    from course_lib.backend import keras
    from course_lib.recap import models

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch, image_size, image_size, 3)).astype("float32")
    labels = rng.integers(0, 2, batch).astype("float32")
    rows = []
    for mixed in (False, True):
        model = models.lecture_convnet(image_size, augmentation=models.augmentation(seed=0), mixed_precision=mixed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        model.train_on_batch(images, labels)  # warm-up (graph tracing)
        rows.append({"precision": "mixed bfloat16" if mixed else "float32", "_model": model, "images_per_s": 0.0})
    for _ in range(2):
        for row in rows:
            start = time.perf_counter()
            for _ in range(steps):
                row["_model"].train_on_batch(images, labels)
            row["images_per_s"] = max(row["images_per_s"], steps * batch / (time.perf_counter() - start))
    for row in rows:
        del row["_model"]
        row["images_per_s"] = round(row["images_per_s"], 1)
        row["epoch_s"] = round(2000 / row["images_per_s"], 1)  # the 2000 training photos
    return rows


def mixed_precision_training() -> dict:
    from course_lib import backend

    return {"mixed_precision": backend.bfloat16_is_fast(), "training": training()}


def visualization(photos_per_class: int = 3, steps: int = 16) -> dict:
    """Milliseconds per heatmap of each class-activation method and seconds per occlusion
    map (pretrained model, 224 px, after warm-up, median); each method's deletion and
    insertion areas against random orders, averaged over test photos (the model's top
    ImageNet class of each); seconds per filter pattern (one filter of a middle layer)."""
    from course_lib import results
    from course_lib.photos import data
    from course_lib.pretrained import bases
    from course_lib.visualizing import faithfulness, filters, heatmaps

    model = bases.efficientnet_lite0()
    image = data.sample_image("chelsea", 224).astype("float32")
    top_class = int(np.argmax(model.predict(image[np.newaxis], verbose=0)))
    method_ms = {}
    for name, method in heatmaps.METHODS.items():
        cam = method(model, "top_activation")
        method_ms[name] = round(
            1000 * results.median_seconds(lambda cam=cam: cam(image, top_class), repeats=10, warmup=2), 1
        )
    scorer = heatmaps.GradCam(model, "top_activation", compile=False)
    occlusion_s = results.median_seconds(
        lambda: heatmaps.occlusion(
            lambda b: scorer.scores(b, top_class), image, *heatmaps.occlusion_patch(image.shape)
        ),
        repeats=2,
    )
    photos, _ = data.load_arrays("test", 224, limit_per_class=photos_per_class)
    areas: dict[str, dict[str, list[float]]] = {}
    for photo in photos:
        photo = np.asarray(photo, "float32")
        best = int(np.argmax(model.predict(photo[np.newaxis], verbose=0)))
        maps = heatmaps.explain(model, photo, best, "top_activation")
        table = faithfulness.areas(
            faithfulness.curves(faithfulness.class_probability(model, best), photo, maps, steps=steps)
        )
        for name, row in table.items():
            for kind, value in row.items():
                areas.setdefault(name, {}).setdefault(kind, []).append(value)
    base = bases.efficientnet_lite0(include_top=False, image_size=None)
    ascent = filters.FilterVisualizer(base, "block4a_expand_conv")
    filter_seconds = results.median_seconds(lambda: ascent.patterns([0], size=128, steps=30), repeats=3, warmup=1)
    return {
        "grad_cam_ms": method_ms["Grad-CAM"],
        "method_ms": method_ms,
        "occlusion_s": round(occlusion_s, 2),
        "faithfulness": {
            name: {kind: round(float(np.mean(v)), 4) for kind, v in row.items()} for name, row in areas.items()
        },
        "faithfulness_setting": f"{len(photos)} test photos ({data.source().describe()}), their top ImageNet class, "
        f"{steps} steps, random: each map's cells shuffled, mean of 3 seeds",
        "filter_visualization_s": round(filter_seconds, 2),
        "filter_setting": "block4a_expand_conv, 128 px, 30 ascent steps",
    }

"""``make bench``: the course's speed and accuracy on this machine, in one run.

Measures, and writes to ``benchmarks/results.json`` and ``benchmarks/results.md``:

1. the whole course in full mode (``convnet-course build``): wall time, peak memory, and
   the test accuracy and training time of each method the chapters measure (what
   ``make release`` then writes into each chapter's "What to expect" box);
2. throughput of the pretrained base (EfficientNet-Lite0 at 160 and 224 px) and of the
   book's VGG16 base (random weights) at 150 px, batch 32 and 64, measured interleaved in
   this process, and each as a fraction of this CPU's fp32 peak;
3. training chapter 1's model in float32 and in mixed bfloat16, and with augmentation and
   dropout on chapter 1's schedule once per seed (mean and range of the test accuracy);
   chapter 2's few-photos comparison over random subsets, with the course's pooled head
   and the book's flattened one; chapter 2's image size, chosen on the validation photos;
4. one heatmap of each explanation method, their deletion/insertion areas against each
   map's own cells shuffled, and one filter visualization;
5. autograding one submission (the solution) of each chapter;
6. autograding a class of 40 submissions with 1 and 2 parallel workers;
7. what verdicts decided outside the kernel and the sandbox cost per submission.

``make bench BENCH_ARGS="--only small_data_subsets"`` measures only the sections named and
merges them into the saved results, each stamped with its own date and CPU.

Benchmarks report numbers; they are not tests and have no pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"

TARGETS = {  # from the benchmark issue; reported, never weakened
    "feature_extraction": ("test accuracy", 0.985),
    "fine_tuning": ("test accuracy", 0.99),
    "scratch_augmented": ("test accuracy", 0.82),
}


# --- the CPU --------------------------------------------------------------------------


def cpu() -> dict:
    """This CPU's fp32 peak, with the assumptions it rests on."""
    from course_lib import settings

    info = settings.cpu_info()
    flags = set(info.get("flags", "").split())
    mhz = float(info.get("cpu MHz", "nan"))
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    fma_units = 2
    cores = os.cpu_count() or 1
    flops_per_cycle = 2 * lanes * fma_units  # an FMA is 2 flops, per lane, per unit
    return {
        "model": info.get("model name") or platform.processor(),
        "cores": cores,
        "clock_ghz": round(mhz / 1000, 3),
        "simd_fp32_lanes": lanes,
        "fma_units_per_core": fma_units,
        "peak_gflops": round(cores * mhz / 1000 * flops_per_cycle, 1),
        "assumptions": (
            f"{cores} cores x {mhz / 1000:.2f} GHz (the clock /proc/cpuinfo reports; turbo not counted) x "
            f"{fma_units} FMA units x {lanes} fp32 lanes ({'AVX-512' if lanes == 16 else 'AVX2' if lanes == 8 else 'SSE'}) "
            "x 2 flops per FMA"
        ),
    }


def matmul_gflops(n: int = 4096, seconds: float = 3.0) -> float:
    """fp32 GFLOP/s of one large matrix product (TensorFlow, all cores): what this CPU
    really sustains, turbo clock included, unlike the nominal peak of :func:`cpu`."""
    from course_lib import backend
    from course_lib.backend import keras

    rng = np.random.default_rng(0)
    a, b = (keras.ops.convert_to_tensor(rng.random((n, n), "float32")) for _ in range(2))
    product = backend.compiled(keras.ops.matmul)
    keras.ops.convert_to_numpy(product(a, b))  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        keras.ops.convert_to_numpy(product(a, b))
        count += 1
    return round(2 * n**3 * count / (time.perf_counter() - start) / 1e9, 1)


# --- throughput of the pretrained bases ----------------------------------------------


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
    from course_lib import pretrained

    configs = [
        ("EfficientNet-Lite0 (course)", lambda: pretrained.efficientnet_lite0(include_top=False, image_size=160), 160),
        ("EfficientNet-Lite0 (course)", lambda: pretrained.efficientnet_lite0(include_top=False, image_size=224), 224),
        ("VGG16 (book)", lambda: pretrained.vgg16_base(image_size=150, weights=None), 150),
    ]
    rows = []
    for name, build, size in configs:
        model = build()
        for batch in (32, 64):
            rows.append({"model": name, "image_size": size, "batch": batch, "flops_per_image": model_flops(model),
                         "_model": model, "images_per_s": 0.0})  # fmt: skip
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


# --- training from scratch: float32 against bfloat16 ---------------------------------


def training(steps: int = 15, image_size: int = 150, batch: int = 32) -> list[dict]:
    """Training images per second of chapter 1's model behind the course's default
    augmentation (:func:`models.augmentation`: flip, rotation, zoom, translation), in float32
    and in mixed bfloat16 (what the course uses where :func:`backend.bfloat16_is_fast`),
    interleaved in this process; ``steps`` training steps on random images after a
    warm-up, best of two passes."""
    from course_lib import models
    from course_lib.backend import keras

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


def scratch_seeds(seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Chapter 1's convnet with augmentation and dropout trained on the book's photos with
    chapter 1's schedule (:data:`models.SCRATCH`) once per seed: test accuracy and training
    time of each, their mean and range, against the issue's target and the book."""
    from course_lib import data, models, results
    from course_lib.backend import keras

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 120 training photos"}
    recipe = models.SCRATCH
    train = data.load_split("train", recipe.image_size, recipe.batch_size)
    validation = data.load_split("validation", recipe.image_size, recipe.batch_size)
    test = data.load_split("test", recipe.image_size, recipe.batch_size)
    rows = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = models.scratch_model(recipe)
        models.compile_cosine(model, recipe.epochs, len(train), peak=recipe.peak, warmup_epochs=recipe.warmup_epochs)
        start = time.perf_counter()
        model.fit(train, validation_data=validation, epochs=recipe.epochs, validation_freq=recipe.validate_every,
                  shuffle=False, verbose=0)
        seconds = time.perf_counter() - start
        rows.append({"seed": seed, "test_accuracy": round(float(model.evaluate(test, verbose=0)[1]), 4), "seconds": round(seconds, 1)})
        print(f"   seed {seed}: {rows[-1]['test_accuracy']:.1%} in {seconds:.0f} s", flush=True)
    accuracies = [row["test_accuracy"] for row in rows]
    return {
        "recipe": recipe.describe(),
        "rows": rows,
        "mean": round(float(np.mean(accuracies)), 4),
        "min": min(accuracies),
        "max": max(accuracies),
        "slowest_s": max(row["seconds"] for row in rows),
        "book": str(results.METHODS["scratch_augmented"][1]),
    }


def small_data_subsets(image_size: int = 96, per_class: int = 50, seeds: tuple[int, ...] = (0, 1, 2, 3),
                       epochs: int = 30, fine_tune_epochs: int = 10) -> dict:
    """Chapter 2, section 5, over several random subsets instead of the notebook's one: on
    ``per_class`` random training photos of each class (a new subset per seed), a fresh
    head on the saved features, the same head trained behind augmentation, and that model
    fine-tuned from ``block7a``; once with the course's head (global average pooling) and
    once with the book's (flattened feature maps). Mean and range of each method's test
    accuracy, averaged with mirror images."""
    from course_lib import data, features, models, pretrained
    from course_lib.backend import keras
    from course_lib.small_data import METHODS

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 120 training photos"}
    base = pretrained.efficientnet_lite0(include_top=False, image_size=image_size, pooling=None)
    base.trainable = False
    start_weights = base.get_weights()
    images, labels = data.load_arrays("train", image_size)
    train_maps, _ = features.extract(base, "train")
    test_images, test_labels = data.load_arrays("test", image_size)
    test_maps, _ = features.extract(base, "test")
    mirrored_maps, _ = features.extract(base, "test", flip=True)

    def accuracy(probabilities, mirrored_probabilities) -> float:  # averaged with mirror images
        mean = (np.ravel(probabilities) + np.ravel(mirrored_probabilities)) / 2
        return round(float(np.mean((mean > 0.5) == test_labels)), 4)

    def head_accuracy(head) -> float:  # the frozen base's saved maps stand in for its images
        return accuracy(head.predict(test_maps, verbose=0), head.predict(mirrored_maps, verbose=0))

    rows = []
    for pooling, head_name in (("avg", "pooled (the course's)"), ("flatten", "flattened maps (the book's)")):
        for seed in seeds:
            rng = np.random.default_rng(seed)
            chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in (0, 1)])
            keras.utils.set_random_seed(seed)
            base.set_weights(start_weights)
            base.trainable = False
            head = models.compile_binary(models.classifier_head(train_maps.shape[1:], pooling=pooling), 1e-3, "adam")
            head.fit(train_maps[chosen], labels[chosen], epochs=epochs, batch_size=20, verbose=0)
            scores = {METHODS[0]: head_accuracy(head)}
            head = models.classifier_head(train_maps.shape[1:], pooling=pooling)
            inputs = keras.Input(images.shape[1:])
            model = keras.Model(inputs, head(base(models.augmentation(seed=seed)(inputs), training=False)))
            models.compile_binary(model, 1e-3, "adam").fit(images[chosen], labels[chosen], epochs=epochs, batch_size=20, verbose=0)
            scores[METHODS[1]] = head_accuracy(head)
            base.trainable = True
            unfrozen = False
            for layer in base.layers:  # block7a up, BatchNormalization frozen: chapter 2's fine-tuning
                unfrozen = unfrozen or layer.name == "block7a_expand_conv"
                layer.trainable = unfrozen and not isinstance(layer, keras.layers.BatchNormalization)
            models.compile_binary(model, 1e-5, "adam").fit(images[chosen], labels[chosen], epochs=fine_tune_epochs,
                                                           batch_size=20, verbose=0)
            mirrored_images = test_images[:, :, ::-1]
            scores[METHODS[2]] = accuracy(model.predict(test_images, verbose=0), model.predict(mirrored_images, verbose=0))
            rows.append({"head": head_name, "seed": seed, **scores})
            print(f"   {head_name}, subset {seed}: " + ", ".join(f"{k} {v:.1%}" for k, v in scores.items()), flush=True)
    summary = {}
    for head_name in dict.fromkeys(row["head"] for row in rows):
        for method in METHODS:
            values = [row[method] for row in rows if row["head"] == head_name]
            summary.setdefault(head_name, {})[method] = {"mean": round(float(np.mean(values)), 4),
                                                         "min": min(values), "max": max(values)}
    return {"image_size": image_size, "training_photos": 2 * per_class, "epochs": epochs, "fine_tune_epochs": fine_tune_epochs,
            "subsets": len(seeds), "rows": rows, "summary": summary}


def image_sizes(sizes: tuple[int, ...] = (160, 224, 256), seeds: tuple[int, ...] = (0, 1, 2), epochs: int = 20) -> dict:
    """How chapter 2 chooses its image size, on the **validation** photos only: section 2's
    head (fresh, ``epochs`` epochs of Adam at 1e-3 on the saved pooled features) at each size,
    once per seed: its validation accuracy, and the seconds the base took to extract the
    training and validation features. The test photos are not looked at."""
    from course_lib import data, features, models, pretrained
    from course_lib.backend import keras

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 58 validation photos"}
    rows = []
    for size in sizes:
        base = pretrained.efficientnet_lite0(include_top=False, image_size=size, pooling="avg")
        base.trainable = False
        start = time.perf_counter()
        train, train_labels = features.extract(base, "train")
        validation, validation_labels = features.extract(base, "validation")
        seconds = time.perf_counter() - start
        accuracies = []
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            head = models.compile_binary(models.classifier_head(train.shape[1:]), 1e-3, "adam")
            head.fit(train, train_labels, epochs=epochs, batch_size=32, verbose=0)
            predicted = np.ravel(head.predict(validation, verbose=0)) > 0.5
            accuracies.append(round(float(np.mean(predicted == validation_labels)), 4))
        rows.append({"image_size": size, "validation_accuracy": {"mean": round(float(np.mean(accuracies)), 4),
                     "min": min(accuracies), "max": max(accuracies)}, "validation_photos": int(len(validation_labels)),
                     "feature_seconds": round(seconds, 1)})
        print(f"   {size} px: validation {np.mean(accuracies):.1%} [{min(accuracies):.1%}, {max(accuracies):.1%}] "
              f"(features in {seconds:.0f} s)", flush=True)
    return {"sizes": rows, "seeds": len(seeds), "epochs": epochs}


# --- visualization --------------------------------------------------------------------


def visualization(photos_per_class: int = 3, steps: int = 16) -> dict:
    """Milliseconds per heatmap of each class-activation method and seconds per occlusion
    map (pretrained model, 224 px, after warm-up, median); each method's deletion and
    insertion areas against random orders, averaged over test photos (the model's top
    ImageNet class of each); seconds per filter pattern (one filter of a middle layer)."""
    from course_lib import data, faithfulness, filters, heatmaps, pretrained, results

    model = pretrained.efficientnet_lite0()
    image = data.sample_image("chelsea", 224).astype("float32")
    top_class = int(np.argmax(model.predict(image[np.newaxis], verbose=0)))
    method_ms = {}
    for name, method in heatmaps.METHODS.items():
        cam = method(model, "top_activation")
        method_ms[name] = round(1000 * results.median_seconds(lambda cam=cam: cam(image, top_class), repeats=10, warmup=2), 1)
    scorer = heatmaps.GradCam(model, "top_activation", compile=False)
    occlusion_s = results.median_seconds(
        lambda: heatmaps.occlusion(lambda b: scorer.scores(b, top_class), image, *heatmaps.occlusion_patch(image.shape)), repeats=2)
    photos, _ = data.load_arrays("test", 224, limit_per_class=photos_per_class)
    areas: dict[str, dict[str, list[float]]] = {}
    for photo in photos:
        photo = np.asarray(photo, "float32")
        best = int(np.argmax(model.predict(photo[np.newaxis], verbose=0)))
        maps = heatmaps.explain(model, photo, best, "top_activation")
        table = faithfulness.areas(faithfulness.curves(faithfulness.class_probability(model, best), photo, maps, steps=steps))
        for name, row in table.items():
            for kind, value in row.items():
                areas.setdefault(name, {}).setdefault(kind, []).append(value)
    base = pretrained.efficientnet_lite0(include_top=False, image_size=None)
    ascent = filters.FilterVisualizer(base, "block4a_expand_conv")
    filter_seconds = results.median_seconds(lambda: ascent.patterns([0], size=128, steps=30), repeats=3, warmup=1)
    return {
        "grad_cam_ms": method_ms["Grad-CAM"],
        "method_ms": method_ms,
        "occlusion_s": round(occlusion_s, 2),
        "faithfulness": {name: {kind: round(float(np.mean(v)), 4) for kind, v in row.items()} for name, row in areas.items()},
        "faithfulness_setting": f"{len(photos)} test photos ({data.source().describe()}), their top ImageNet class, "
                                f"{steps} steps, random: each map's cells shuffled, mean of 3 seeds",
        "filter_visualization_s": round(filter_seconds, 2),
        "filter_setting": "block4a_expand_conv, 128 px, 30 ascent steps",
    }


# --- autograding ----------------------------------------------------------------------


def autograding() -> list[dict]:
    """Seconds to autograde the solution of each chapter as a student's submission (the
    assignment is generated first, untimed, as an instructor does once)."""
    from course_lib.tooling.course import assignments, notebook_name
    from course_lib.tooling.scratch import ScratchCourse

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        course = ScratchCourse(ROOT, Path(tmp))
        for assignment in assignments(ROOT):
            course.generate(assignment)
            notebook = ROOT / "solutions" / assignment / notebook_name(ROOT, assignment)
            start = time.perf_counter()
            report = course.autograde(assignment, notebook, student="bench")
            rows.append({"assignment": assignment, "seconds": round(time.perf_counter() - start, 1),
                         "score": f"{report.auto_score:g}/{report.auto_max:g}"})  # fmt: skip
    return rows


def grading_guard(assignments: tuple[str, ...] = ("00-getting-started", "03-visualizing-convnets"), repeats: int = 3) -> dict:
    """Seconds to autograde each chapter's solution three ways, the median of ``repeats``:
    as nbgrader alone does (tests in the student's kernel, no sandbox), with the tests
    decided outside the kernel (:mod:`course_lib.tooling.verdict`), and with that kernel
    sandboxed too (how a class is graded). The cost of what keeps grading from being fooled."""
    import statistics

    from nbgrader.preprocessors import Execute

    from course_lib.tooling import sandbox
    from course_lib.tooling.course import notebook_name
    from course_lib.tooling.scratch import ScratchCourse
    from course_lib.tooling.verdict import VerdictExecute

    ways = {"in_kernel": (False, Execute), "outside": (False, VerdictExecute)}
    if not sandbox.unavailable():
        ways["outside_sandboxed"] = (True, VerdictExecute)
    rows = []
    for assignment in assignments:
        notebook = ROOT / "solutions" / assignment / notebook_name(ROOT, assignment)
        row: dict = {"assignment": assignment}
        for way, (sandboxed, step) in ways.items():
            with tempfile.TemporaryDirectory() as tmp:
                course = ScratchCourse(ROOT, Path(tmp), sandboxed=sandboxed)
                steps = course.config.Autograde.autograde_preprocessors
                course.config.Autograde.autograde_preprocessors = [step if s is VerdictExecute else s for s in steps]
                course.generate(assignment)
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    report = course.autograde(assignment, notebook, student="bench")
                    times.append(time.perf_counter() - start)
            row[way] = round(statistics.median(times), 1)
            row[f"{way}_score"] = f"{report.auto_score:g}/{report.auto_max:g}"
        rows.append(row)
    return {"repeats": repeats, "rows": rows, "sandbox": sandbox.describe()}


def class_grading(size: int = 40, worker_counts: tuple[int, ...] = (1, 2), estimate_for: int = 300) -> dict:
    """Submissions per minute of ``convnet-course autograde`` (:func:`classroom.autograde_all`)
    on a class of ``size`` submissions of 00-getting-started (copies of the solution, one in
    four with a wrong answer) with each number of workers, each run in a scratch course
    folder and timed whole (registering the assignment and starting the workers included);
    and, from the best measured rate, an estimate of the time for a class of ``estimate_for``."""
    import copy
    import shutil

    import nbformat

    from course_lib.tooling import cells, classroom

    assignment = "00-getting-started"
    name = f"{assignment}.ipynb"
    solution = nbformat.read(ROOT / "solutions" / assignment / name, as_version=4)
    wrong = {"binary_accuracy": "def binary_accuracy(labels, probabilities, threshold=0.5):\n    return 0.0",
             "top_k": "def top_k(probabilities, class_names, k=5):\n    return []"}  # fmt: skip
    rows, scores = [], []
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(prefix="convnet-bench-class-") as tmp:
            root = Path(tmp)
            shutil.copy(ROOT / "nbgrader_config.py", root)
            shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
            for n in range(size):
                nb = copy.deepcopy(solution)
                if n % 4 == 3:  # a wrong answer, binary_accuracy and top_k in turn
                    grade_id = list(wrong)[n // 4 % 2]
                    next(c for c in nb.cells if cells.grade_id(c) == grade_id).source = wrong[grade_id]
                folder = root / "submitted" / f"student{n:03d}" / assignment
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / name)
            start = time.perf_counter()
            outcomes = classroom.autograde_all(root, assignment, workers=workers)
            seconds = time.perf_counter() - start
        scores.append({o.student: o.report and o.report.auto_score for o in outcomes})
        graded = [o.report for o in outcomes if o.report]
        rows.append({"workers": workers, "seconds": round(seconds, 1), "per_minute": round(60 * size / seconds, 1),
                     "seconds_each": round(sum(o.seconds for o in outcomes) / size, 1),
                     "graded": len(graded), "full_marks": sum(1 for r in graded if r.auto_score == r.auto_max)})  # fmt: skip
    best = max(rows, key=lambda row: row["per_minute"])
    return {
        "assignment": assignment,
        "submissions": size,
        "rows": rows,
        "speedup": round(rows[-1]["per_minute"] / rows[0]["per_minute"], 2),
        "same_grades": all(s == scores[0] for s in scores),
        "best_workers": best["workers"],
        "estimate_for": estimate_for,
        "estimated_minutes": round(estimate_for / best["per_minute"], 1),
    }


# --- the whole course -----------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def course(photos: dict[str, str] | None = None) -> dict:
    """``convnet-course build`` in full mode: wall time, peak memory of the build and its
    kernels together (sampled every half second), and what the chapters measured;
    ``photos`` sets the photo variables (default: those of this environment)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FAST", "NBGRADER_EXECUTION")}
    if photos is not None:
        env = {**{k: v for k, v in env.items() if k not in ("COURSE_DATA_DIR", "COURSE_DATA")}, **photos}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "course_lib.tooling.cli", "build"], cwd=ROOT, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    summary = json.loads((ROOT / "build" / "results.json").read_text())
    failed = [n["assignment"] for n in summary["notebooks"] if n["status"] != "ok"]
    if code or failed:  # a failed run's seconds and accuracies measure nothing
        raise RuntimeError(f"convnet-course build failed ({', '.join(failed) or f'exit code {code}'}); "
                           "nothing written: see its output above")  # fmt: skip
    return {
        "exit_code": code,
        "wall_s": round(time.perf_counter() - start, 1),
        "peak_memory_gb": round(peak / 1e9, 2),
        "notebooks": [{k: n[k] for k in ("assignment", "status", "seconds")} for n in summary["notebooks"]],
        "measurements": summary["measurements"],
    }


PRETRAINED = ("feature_extraction", "feature_extraction_augmented", "fine_tuning")


def pretrained_runs(runs: int = 3) -> dict:
    """Chapter 2 run ``runs`` times in full mode (``convnet-course build``, each into its own
    folder; the notebook fixes the seeds of the photos' order and of the augmentation, and
    leaves the initial weights of its heads unseeded): each method's test accuracy per run,
    and its lowest, highest and mean, for the What-to-expect box's range."""
    from course_lib import data

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample is too small to tell runs apart"}
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FAST", "NBGRADER_EXECUTION")}
    rows = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, "-m", "course_lib.tooling.cli", "build", "02-pretrained-convnets", "--out", out],
                           cwd=ROOT, env=env, check=True)
            summary = json.loads((Path(out) / "results.json").read_text())
        notebook = summary["notebooks"][0]
        if notebook["status"] != "ok":
            raise RuntimeError(f"chapter 2 failed in run {run + 1}: {notebook['error']}; nothing written")
        measured = summary["measurements"]
        rows.append({"run": run + 1, "seconds": notebook["seconds"],
                     **{key: measured[key]["test_accuracy"] for key in PRETRAINED}})
        print(f"   run {run + 1}: " + ", ".join(f"{key} {rows[-1][key]:.1%}" for key in PRETRAINED), flush=True)
    summary = {key: {"mean": round(float(np.mean([r[key] for r in rows])), 4), "min": min(r[key] for r in rows),
                     "max": max(r[key] for r in rows)} for key in PRETRAINED}
    return {"rows": rows, "summary": summary}


# --- report ---------------------------------------------------------------------------


SCRATCH_TARGET = (0.84, 9 * 60)  # test accuracy, seconds of training: the chapters issue's goal


def _apart(results: dict, section: str) -> list[str]:
    """A line naming where and when ``section`` was measured, when not with the rest."""
    stamp = results.get("apart", {}).get(section)
    if not stamp:
        return []
    return [f"Measured apart (`bench.py --only {section}`): {stamp['date']} on {stamp['cpu']['model']}, "
            f"{stamp['cpu']['cores']} cores (fp32 matrix product {stamp['cpu']['matmul_gflops']} GFLOP/s), "
            f"Keras {stamp['keras']} ({stamp['backend']}).", ""]  # fmt: skip


def _machine(results: dict, section: str) -> dict:
    """The CPU ``section`` was measured on."""
    return results.get("apart", {}).get(section, results)["cpu"]


def _section(results: dict, section: str, title: str) -> tuple[dict, list[str]]:
    """A section's results and its opening lines: its title, where it was measured apart,
    and why it was skipped (where it was)."""
    run = results[section]
    lines = ["", title, "", *_apart(results, section)]
    if "skipped" in run:
        lines.append(f"Skipped: {run['skipped']}.")
    return run, lines


def _scratch_markdown(results: dict) -> list[str]:
    run, lines = _section(results, "scratch_seeds", "## From scratch with augmentation and dropout: one run per seed")
    if "skipped" in run:
        return lines
    target, seconds = SCRATCH_TARGET
    lines += [f"Chapter 1's schedule, {run['recipe']}, on the book's photos (`bench.scratch_seeds`).", "",
              "| seed | test accuracy | training time |", "|---|---|---|"]  # fmt: skip
    lines += [f"| {r['seed']} | {r['test_accuracy']:.1%} | {r['seconds']:.0f} s |" for r in run["rows"]]
    met = run["mean"] >= target and run["slowest_s"] <= seconds
    lines += ["", f"Mean **{run['mean']:.1%}** (range {run['min']:.1%} to {run['max']:.1%}) over {len(run['rows'])} seeds, "
              f"slowest {run['slowest_s'] / 60:.1f} min; target ≥ {target:.0%} in ≤ {seconds // 60} min: "
              f"{'met' if met else 'missed'}. The book: {run['book']}."]  # fmt: skip
    return lines


def _subsets_markdown(results: dict) -> list[str]:
    run, lines = _section(results, "small_data_subsets", "## Few photos over random subsets (`bench.small_data_subsets`)")
    if "skipped" in run:
        return lines
    lines += [f"Chapter 2's section 5 at {run['image_size']} px on {run['subsets']} random subsets of {run['training_photos']} "
              f"training photos (a new subset per seed): fresh heads for {run['epochs']} epochs of Adam at 1e-3, fine-tuning "
              f"{run['fine_tune_epochs']} more at 1e-5 from block7a; test accuracy averaged with mirror images, "
              "mean [range].", "", "| head | feature extraction | + augmentation | + fine-tuning |", "|---|---|---|---|"]  # fmt: skip
    for head, methods in run["summary"].items():
        cells = [f"{m['mean']:.1%} [{m['min']:.1%}, {m['max']:.1%}]" for m in methods.values()]
        lines.append(f"| {head} | " + " | ".join(cells) + " |")
    return lines


def _pretrained_markdown(results: dict) -> list[str]:
    from course_lib import results as recorded

    run, lines = _section(results, "pretrained_runs", "## Chapter 2, run again: one figure per run")
    if "rows" not in run:
        return lines
    lines += ["Chapter 2 in full mode, built afresh each time (`bench.pretrained_runs`). The notebook fixes the seeds of the "
              "photos' order and of the augmentation and leaves the heads' initial weights unseeded: the range is the "
              "spread of that alone, narrower than over every seed.", "",
              "| run | seconds | " + " | ".join(recorded.METHODS[k][0] for k in PRETRAINED) + " |",
              "|---|---|" + "---|" * len(PRETRAINED)]
    lines += [f"| {r['run']} | {r['seconds']:.0f} | " + " | ".join(_pct(r[k]) for k in PRETRAINED) + " |" for r in run["rows"]]
    lines += ["| lowest to highest (mean) | | " + " | ".join(
        f"{_pct(run['summary'][k]['min'])} to {_pct(run['summary'][k]['max'])} ({_pct(run['summary'][k]['mean'])})"
        for k in PRETRAINED) + " |"]
    return lines


def _sizes_markdown(results: dict) -> list[str]:
    run, lines = _section(results, "image_sizes", "## Chapter 2's image size, on the validation photos (`bench.image_sizes`)")
    if "skipped" in run:
        return lines
    lines += [f"Section 2's head, fresh, {run['epochs']} epochs on the saved pooled features, {run['seeds']} seeds: "
              "validation accuracy, mean [range]; the test photos are not used.", "",
              "| image size | validation accuracy | features of the training and validation photos |", "|---|---|---|"]
    lines += [f"| {r['image_size']} px | {r['validation_accuracy']['mean']:.1%} [{r['validation_accuracy']['min']:.1%}, "
              f"{r['validation_accuracy']['max']:.1%}] | {r['feature_seconds']:.0f} s |" for r in run["sizes"]]
    return lines


def _experiments_markdown(measured: dict) -> list[str]:
    """Chapter 1's one-change-at-a-time and synthetic-data runs, chapter 2's small-data and
    data-shift runs, as the course run measured them."""
    lines = []
    if "one_at_a_time" in measured:
        run = measured["one_at_a_time"]
        lines += ["", f"## Augmentation and dropout, one at a time (chapter 1, section 9: {run['epochs']} epochs each)", "",
                  "| model | test accuracy |", "|---|---|"]
        lines += [f"| {name} | {value:.1%} |" for name, value in run["test_accuracies"].items()]
    if "synthetic" in measured:
        run = measured["synthetic"]
        lines += ["", f"## Synthetic data (chapter 1, section 7: scored on {run['real_images']} real images)", "",
                  "| trained on | accuracy |", "|---|---|"]
        lines += [f"| {name} | {value:.1%} |" for name, value in run["accuracies"].items()]
    if "small_data" in measured:
        runs = measured["small_data"]["runs"]
        lines += ["", "## Few photos: the three ways, like for like (chapter 2, section 5)", "",
                  f"Fresh heads, the same epochs and optimizer, on {runs[0]['training_photos']} training photos; "
                  "test accuracy averaged with mirror images.", "",
                  "| image size | method | epochs | test accuracy | seconds |", "|---|---|---|---|---|"]  # fmt: skip
        lines += [f"| {r['image_size']} | {r['method']} | {r['epochs']} | {r['test_accuracy']:.1%} | {r['seconds']:.0f} |" for r in runs]
    if "feature_extraction_augmented" in measured and "same_budget_features_accuracy" in measured["feature_extraction_augmented"]:
        row = measured["feature_extraction_augmented"]
        lines += ["", f"With all 2,000 photos, a fresh head for {row['epochs']} epoch: {row['test_accuracy']:.1%} behind augmentation, "
                  f"{row['same_budget_features_accuracy']:.1%} on the saved features (the same budget)."]  # fmt: skip
    if "data_shift" in measured:
        lines += ["", "## A shift of data set (chapter 2, section 6)", "",
                  "| model | its test photos: cats / dogs / all | Oxford pets: cats / dogs / all |", "|---|---|---|"]
        for name, row in measured["data_shift"]["models"].items():
            cells = [" / ".join(f"{row[where][k]:.1%}" for k in ("cats", "dogs", "all")) for where in ("test", "oxford")]
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return lines


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def markdown(results: dict) -> str:
    from course_lib import results as recorded

    lines = ["# Benchmarks", "", f"Measured {results['date']} on {results['cpu']['model']}, "
             f"{results['cpu']['cores']} cores (fp32 matrix product {results['cpu']['matmul_gflops']} GFLOP/s), {results['python']}, Keras {results['keras']} "
             f"({results['backend']}). `make bench` writes this file"
             f"{'; a section measured apart says so' if results.get('apart') else ''}.", ""]  # fmt: skip
    if "course" in results:
        run = results["course"]
        lines += ["## Accuracy per method (full mode, test split)", "", *_apart(results, "course"),
                  "| method | test accuracy | training time | book | target |", "|---|---|---|---|---|"]  # fmt: skip
        for row in recorded.comparison(run["measurements"]):
            target = TARGETS.get(row["key"])
            seconds = "–" if row["seconds"] is None else f"{row['seconds']:.0f} s"
            verdict = ""
            if target and row["test_accuracy"] is not None:
                verdict = f"≥ {target[1]:.1%}: {'met' if row['test_accuracy'] >= target[1] else 'missed'}"
            lines.append(f"| {row['method']} | {_pct(row['test_accuracy'])} | {seconds} | {row['book']} | {verdict} |")
        lines += ["", "## The whole course", "",
                  f"`convnet-course build` (what `make run` runs after the release), full mode: **{run['wall_s'] / 60:.1f} min** "
                  f"wall time (target < 20 min: {'met' if run['wall_s'] < 1200 else 'missed'}), "
                  f"peak memory {run['peak_memory_gb']} GB (build process and kernels together).", "",
                  "| notebook | status | seconds |", "|---|---|---|"]  # fmt: skip
        lines += [f"| {n['assignment']} | {n['status']} | {n['seconds']:.0f} |" for n in run["notebooks"]]
    if "course" in results:
        lines += _experiments_markdown(results["course"]["measurements"])
    if "scratch_seeds" in results:
        lines += _scratch_markdown(results)
    if "small_data_subsets" in results:
        lines += _subsets_markdown(results)
    if "pretrained_runs" in results:
        lines += _pretrained_markdown(results)
    if "hub_memory" in results:
        run, section = _section(results, "hub_memory", "## A student's server on a class hub: memory")
        lines += section + [
            "The whole course in full mode on the photos the course ships (`COURSE_DATA=sample`, as `make hub`'s servers run it), "
            f"one chapter after another (`bench.course`): peak memory **{run['peak_memory_gb']} GB**, the build and its kernel "
            "together."]
    if "image_sizes" in results:
        lines += _sizes_markdown(results)
    if "throughput" in results:
        rows = results["throughput"]
        best = {(name, size): max(r["images_per_s"] for r in rows if r["model"] == name and r["image_size"] == size)
                for name, size in {(r["model"], r["image_size"]) for r in rows}}  # fmt: skip
        vgg = max(v for (name, _), v in best.items() if name.startswith("VGG16"))
        machine = _machine(results, "throughput")
        lines += ["", "## Throughput of the pretrained bases (inference, random images)", "", *_apart(results, "throughput"),
                  "| base | image size | batch | images/s | GFLOP/image | achieved GFLOP/s | of nominal fp32 peak | of measured fp32 matmul |",
                  "|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for r in rows:
            share = r["achieved_gflops"] / machine["peak_gflops"]
            matmul = r["achieved_gflops"] / machine["matmul_gflops"]
            lines.append(f"| {r['model']} | {r['image_size']} | {r['batch']} | {r['images_per_s']} | "
                         f"{r['gflops_per_image']} | {r['achieved_gflops']} | {share:.0%} | {matmul:.0%} |")  # fmt: skip
        lines += [""] + [
            f"- {name} at {size} px: **{value / vgg:.1f}x** the book's VGG16 setup (150 px) in the same run "
            f"(target ≥ 5x: {'met' if value / vgg >= 5 else 'missed'})."
            for (name, size), value in sorted(best.items()) if not name.startswith("VGG16")
        ]
        lines += ["", f"Nominal fp32 peak: {machine['peak_gflops']} GFLOP/s = {machine['assumptions']}. "
                  f"Measured: one 4096x4096 fp32 matrix product runs at {machine['matmul_gflops']} GFLOP/s, "
                  "above the nominal peak because the cores run faster than their base clock (turbo); "
                  "it is the better yardstick of what this CPU sustains. FLOPs count convolutions and dense layers "
                  "(2 per multiply-add), not batch norm or activations."]  # fmt: skip
    if "training" in results:
        rows = results["training"]
        lines += ["", "## Training from scratch: float32 against mixed bfloat16", "", *_apart(results, "training"),
                  f"Chapter 1's model at 150 px behind `models.augmentation()` (flip, rotation, zoom, translation), "
                  "batch 32, training steps on random images. "
                  f"The course trains in mixed bfloat16 here: {'yes' if results['mixed_precision'] else 'no'} "
                  "(`backend.bfloat16_is_fast()`: a CPU with AMX or AVX-512 BF16).", "",
                  "| precision | images/s | one epoch of 2000 photos |", "|---|---|---|"]  # fmt: skip
        lines += [f"| {r['precision']} | {r['images_per_s']} | {r['epoch_s']} s |" for r in rows]
        speed = {r["precision"]: r["images_per_s"] for r in rows}
        lines += ["", f"bfloat16: **{speed['mixed bfloat16'] / speed['float32']:.1f}x** float32."]
    if "visualization" in results:
        v = results["visualization"]
        lines += ["", "## Visualization", "", *_apart(results, "visualization"),
                  f"- one Grad-CAM (EfficientNet-Lite0, 224 px, median after warm-up): **{v['grad_cam_ms']} ms** "
                  f"(target < 100 ms: {'met' if v['grad_cam_ms'] < 100 else 'missed'})",
                  f"- one filter pattern (gradient ascent): {v['filter_visualization_s']} s"]  # fmt: skip
        if "method_ms" in v:
            lines += [f"- one occlusion map (13 x 13 patches of 32 px, one batch): {v['occlusion_s']} s", "",
                      f"Faithfulness ({v['faithfulness_setting']}): deletion area, lower is better; insertion, higher.", "",
                      "| method | ms per image | deletion area | insertion area | beats random in both |", "|---|---|---|---|---|"]  # fmt: skip
            pixels = v["faithfulness"].get("random order")  # results measured before the baseline shuffled each map's cells
            for name, row in sorted(v["faithfulness"].items(), key=lambda item: item[1]["deletion"]):
                ms = v["method_ms"].get(name, f"{v['occlusion_s'] * 1000:.0f}" if name == "occlusion" else "–")
                random = {kind: row.get(f"random {kind}", pixels and pixels[kind]) for kind in ("deletion", "insertion")}
                beats = "–" if name == "random order" else (
                    "yes" if row["deletion"] < random["deletion"] and row["insertion"] > random["insertion"] else "no")
                lines.append(f"| {name} | {ms} | {row['deletion']:.3f} | {row['insertion']:.3f} | {beats} |")
    if "autograding" in results:
        lines += ["", "## Autograding one submission (the solution)", "", *_apart(results, "autograding"), "| chapter | seconds | score |", "|---|---|---|"]
        lines += [f"| {r['assignment']} | {r['seconds']} | {r['score']} |" for r in results["autograding"]]
        worst = max(r["seconds"] for r in results["autograding"])
        lines += ["", f"Target < 20 s per submission: {'met' if worst < 20 else 'missed'} (slowest {worst} s)."]
    if "grading_guard" in results:
        lines += _guard_markdown(results)
    if "class_grading" in results:
        c = results["class_grading"]
        machine = _machine(results, "class_grading")
        lines += ["", "## Autograding a class", "", *_apart(results, "class_grading"),
                  f"`convnet-course autograde --workers W` on a class of {c['submissions']} submissions of "
                  f"{c['assignment']} (copies of the solution, one in four with a wrong answer), each submission "
                  "in its own worker process and kernel; the whole command timed, in a scratch course.", "",
                  "| workers | seconds | submissions per minute | seconds each, in its worker | graded | full marks |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        lines += [f"| {r['workers']} | {r['seconds']} | {r['per_minute']} | {r['seconds_each']} | {r['graded']} | "
                  f"{r['full_marks']} |" for r in c["rows"]]  # fmt: skip
        lines += ["", f"Speed-up, {c['rows'][-1]['workers']} workers against {c['rows'][0]['workers']}: **{c['speedup']}x** "
                  f"on {machine['cores']} cores. The same grades with every number of workers: "
                  f"{'yes' if c['same_grades'] else 'NO'}. A class of {c['estimate_for']} with {c['best_workers']} workers: "
                  f"about **{c['estimated_minutes']} min** (an estimate from the rate measured above, not a measurement)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _guard_markdown(results: dict) -> list[str]:
    g = results["grading_guard"]
    lines = ["", "## What grading that cannot be fooled costs", "", *_apart(results, "grading_guard"),
             f"Seconds to autograde each chapter's solution, median of {g['repeats']} runs ({g['sandbox']}): "
             "nbgrader alone (tests in the student's kernel), tests decided outside the kernel, and that "
             "kernel sandboxed as well (how `convnet-course autograde` grades a class).", "",
             "| chapter | in the kernel | outside | outside, sandboxed | cost |", "|---|---|---|---|---|"]
    for r in g["rows"]:
        guarded = r.get("outside_sandboxed", r["outside"])
        cost = f"{100 * (guarded / r['in_kernel'] - 1):+.0f} %"
        lines.append(f"| {r['assignment']} | {r['in_kernel']} | {r['outside']} | {r.get('outside_sandboxed', '-')} | {cost} |")
    return lines


def _mixed_precision_training() -> dict:
    from course_lib import backend

    return {"mixed_precision": backend.bfloat16_is_fast(), "training": training()}


SECTIONS = {  # name: (what it prints, how to measure it: a dict of result keys)
    "course": ("the whole course, full mode", lambda: {"course": course()}),
    "scratch_seeds": ("chapter 1's convnet from scratch, one run per seed", lambda: {"scratch_seeds": scratch_seeds()}),
    "small_data_subsets": ("chapter 2, few photos, over random subsets", lambda: {"small_data_subsets": small_data_subsets()}),
    "pretrained_runs": ("chapter 2 run three times, full mode", lambda: {"pretrained_runs": pretrained_runs()}),
    "image_sizes": ("chapter 2's image size, chosen on the validation photos", lambda: {"image_sizes": image_sizes()}),
    "hub_memory": ("the course as a student runs it on a class hub: the shipped photos, full mode",
                   lambda: {"hub_memory": {k: v for k, v in course({"COURSE_DATA": "sample"}).items() if k != "measurements"}}),
    "throughput": ("throughput", lambda: {"throughput": throughput()}),
    "training": ("training, float32 against bfloat16", _mixed_precision_training),
    "visualization": ("visualization", lambda: {"visualization": visualization()}),
    "autograding": ("autograding", lambda: {"autograding": autograding()}),
    "class_grading": ("autograding a class, 1 and 2 workers", lambda: {"class_grading": class_grading()}),
    "grading_guard": ("what verdicts outside the kernel and the sandbox cost", lambda: {"grading_guard": grading_guard()}),
}


def merge(earlier: dict, fresh: dict, sections: list[str]) -> dict:
    """``fresh``'s sections into ``earlier``'s results, each stamped with the date and CPU it
    was measured on, so that the file never passes one machine's numbers off as another's."""
    stamp = {key: fresh[key] for key in ("date", "python", "keras", "backend", "cpu")}
    measured = {key: value for key, value in fresh.items() if key not in stamp}
    return {**earlier, **measured, "apart": {**earlier.get("apart", {}), **dict.fromkeys(sections, stamp)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-course", action="store_true", help="leave out the full-mode course run")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help="measure only these sections and merge them into the existing results "
                        f"(each marked with its own date and CPU): {', '.join(SECTIONS)}")  # fmt: skip
    args = parser.parse_args(argv)
    sections = args.only or [name for name in SECTIONS if not (args.skip_course and name == "course")]

    from course_lib.backend import keras

    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "cpu": {**cpu(), "matmul_gflops": matmul_gflops()},
    }
    for name in sections:
        title, measure = SECTIONS[name]
        print(f"== {title}", flush=True)
        results.update(measure())
    saved = HERE / "results.json"
    if args.only and saved.exists():
        results = merge(json.loads(saved.read_text()), results, sections)
    saved.write_text(json.dumps(results, indent=2))
    (HERE / "results.md").write_text(markdown(results))
    print((HERE / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

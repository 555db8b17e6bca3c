"""``benchmarks/results.md``: the measured results as Markdown tables, each against its target."""

from __future__ import annotations

from course_lib import results as recorded

from .course_run import PRETRAINED

TARGETS = {  # from the benchmark issue; reported, never weakened
    "feature_extraction": ("test accuracy", 0.985),
    "fine_tuning": ("test accuracy", 0.99),
    "scratch_augmented": ("test accuracy", 0.82),
}


SCRATCH_TARGET = (0.84, 9 * 60)  # test accuracy, seconds of training: the chapters issue's goal


def _apart(results: dict, section: str) -> list[str]:
    """A line naming where and when ``section`` was measured, when not with the rest."""
    stamp = results.get("apart", {}).get(section)
    if not stamp:
        return []
    return [
        f'Measured apart (`make bench BENCH_ARGS="--only {section}"`): {stamp["date"]} on {stamp["cpu"]["model"]}, '
        f"{stamp['cpu']['cores']} cores (fp32 matrix product {stamp['cpu']['matmul_gflops']} GFLOP/s), "
        f"Keras {stamp['keras']} ({stamp['backend']}).",
        "",
    ]


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


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def _scratch_markdown(results: dict) -> list[str]:
    run, lines = _section(results, "scratch_seeds", "## From scratch with augmentation and dropout: one run per seed")
    if "skipped" in run:
        return lines
    target, seconds = SCRATCH_TARGET
    lines += [
        f"Chapter 1's schedule, {run['recipe']}, on the book's photos (`bench.accuracy.scratch_seeds`).",
        "",
        "| seed | test accuracy | training time |",
        "|---|---|---|",
    ]
    lines += [f"| {r['seed']} | {r['test_accuracy']:.1%} | {r['seconds']:.0f} s |" for r in run["rows"]]
    met = run["mean"] >= target and run["slowest_s"] <= seconds
    lines += [
        "",
        f"Mean **{run['mean']:.1%}** (range {run['min']:.1%} to {run['max']:.1%}) over {len(run['rows'])} seeds, "
        f"slowest {run['slowest_s'] / 60:.1f} min; target ≥ {target:.0%} in ≤ {seconds // 60} min: "
        f"{'met' if met else 'missed'}. The book: {run['book']}.",
    ]
    return lines


def _subsets_markdown(results: dict) -> list[str]:
    run, lines = _section(
        results, "small_data_subsets", "## Few photos over random subsets (`bench.accuracy.small_data_subsets`)"
    )
    if "skipped" in run:
        return lines
    lines += [
        f"Chapter 2's section 5 at {run['image_size']} px on {run['subsets']} random subsets of "
        f"{run['training_photos']} "
        f"training photos (a new subset per seed): fresh heads for {run['epochs']} epochs of Adam at 1e-3, fine-tuning "
        f"{run['fine_tune_epochs']} more at 1e-5 from block7a; test accuracy averaged with mirror images, "
        "mean [range].",
        "",
        "| head | feature extraction | + augmentation | + fine-tuning |",
        "|---|---|---|---|",
    ]
    for head, methods in run["summary"].items():
        cells = [f"{m['mean']:.1%} [{m['min']:.1%}, {m['max']:.1%}]" for m in methods.values()]
        lines.append(f"| {head} | " + " | ".join(cells) + " |")
    return lines


def _pretrained_markdown(results: dict) -> list[str]:

    run, lines = _section(results, "pretrained_runs", "## Chapter 2, run again: one figure per run")
    if "rows" not in run:
        return lines
    lines += [
        "Chapter 2 in full mode, built afresh each time (`bench.course_run.pretrained_runs`). "
        "The notebook fixes the seeds of the photos' order and of the augmentation and leaves the heads' "
        "initial weights unseeded: the range is the spread of that alone, narrower than over every seed.",
        "",
        "| run | seconds | " + " | ".join(recorded.METHODS[k][0] for k in PRETRAINED) + " |",
        "|---|---|" + "---|" * len(PRETRAINED),
    ]
    lines += [
        f"| {r['run']} | {r['seconds']:.0f} | " + " | ".join(_pct(r[k]) for k in PRETRAINED) + " |" for r in run["rows"]
    ]
    lines += [
        "| lowest to highest (mean) | | "
        + " | ".join(
            f"{_pct(run['summary'][k]['min'])} to {_pct(run['summary'][k]['max'])} ({_pct(run['summary'][k]['mean'])})"
            for k in PRETRAINED
        )
        + " |"
    ]
    return lines


def _sizes_markdown(results: dict) -> list[str]:
    run, lines = _section(
        results, "image_sizes", "## Chapter 2's image size, on the validation photos (`bench.accuracy.image_sizes`)"
    )
    if "skipped" in run:
        return lines
    lines += [
        f"Section 2's head, fresh, {run['epochs']} epochs on the saved pooled features, {run['seeds']} seeds: "
        "validation accuracy, mean [range]; the test photos are not used.",
        "",
        "| image size | validation accuracy | features of the training and validation photos |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['image_size']} px | {r['validation_accuracy']['mean']:.1%} [{r['validation_accuracy']['min']:.1%}, "
        f"{r['validation_accuracy']['max']:.1%}] | {r['feature_seconds']:.0f} s |"
        for r in run["sizes"]
    ]
    return lines


def _table(title: str, header: str, rows: list[str], *intro: str) -> list[str]:
    """A section of ``results.md``: its title, optional lines of text, a table."""
    columns = header.count("|") - 1
    text = [*intro, ""] if intro else []
    return ["", title, "", *text, header, "|" + "---|" * columns, *rows]


def _one_at_a_time(run: dict) -> list[str]:
    title = f"## Augmentation and dropout, one at a time (chapter 1, section 9: {run['epochs']} epochs each)"
    rows = [f"| {name} | {value:.1%} |" for name, value in run["test_accuracies"].items()]
    return _table(title, "| model | test accuracy |", rows)


def _synthetic(run: dict) -> list[str]:
    title = f"## Synthetic data (chapter 1, section 7: scored on {run['real_images']} real images)"
    return _table(title, "| trained on | accuracy |", [f"| {n} | {v:.1%} |" for n, v in run["accuracies"].items()])


def _small_data(run: dict) -> list[str]:
    runs = run["runs"]
    intro = (
        f"Fresh heads, the same epochs and optimizer, on {runs[0]['training_photos']} training photos; "
        "test accuracy averaged with mirror images."
    )
    rows = [
        f"| {r['image_size']} | {r['method']} | {r['epochs']} | {r['test_accuracy']:.1%} | {r['seconds']:.0f} |"
        for r in runs
    ]
    header = "| image size | method | epochs | test accuracy | seconds |"
    return _table("## Few photos: the three ways, like for like (chapter 2, section 5)", header, rows, intro)


def _same_budget(row: dict) -> list[str]:
    if "same_budget_features_accuracy" not in row:
        return []
    return [
        "",
        f"With all 2,000 photos, a fresh head for {row['epochs']} epoch: {row['test_accuracy']:.1%} behind "
        f"augmentation, {row['same_budget_features_accuracy']:.1%} on the saved features (the same budget).",
    ]


def _data_shift(run: dict) -> list[str]:
    def split(row: dict, where: str) -> str:
        return " / ".join(f"{row[where][k]:.1%}" for k in ("cats", "dogs", "all"))

    rows = [f"| {name} | {split(row, 'test')} | {split(row, 'oxford')} |" for name, row in run["models"].items()]
    header = "| model | its test photos: cats / dogs / all | Oxford pets: cats / dogs / all |"
    return _table("## A shift of data set (chapter 2, section 6)", header, rows)


EXPERIMENTS = (  # what the course run measured beyond each method's accuracy: (its key, its writer)
    ("one_at_a_time", _one_at_a_time),
    ("synthetic", _synthetic),
    ("small_data", _small_data),
    ("feature_extraction_augmented", _same_budget),
    ("data_shift", _data_shift),
)


def _experiments_markdown(measured: dict) -> list[str]:
    """Chapter 1's one-change-at-a-time and synthetic-data runs, chapter 2's small-data and
    data-shift runs, as the course run measured them."""
    return [line for key, writer in EXPERIMENTS if key in measured for line in writer(measured[key])]


def _guard_markdown(results: dict) -> list[str]:
    g = results["grading_guard"]
    lines = [
        "",
        "## What grading that cannot be fooled costs",
        "",
        *_apart(results, "grading_guard"),
        f"Seconds to autograde each chapter's solution, median of {g['repeats']} runs ({g['sandbox']}): "
        "nbgrader alone (tests in the student's kernel), tests decided outside the kernel, and that "
        "kernel sandboxed as well (how `convnet-course autograde` grades a class).",
        "",
        "| chapter | in the kernel | outside | outside, sandboxed | cost |",
        "|---|---|---|---|---|",
    ]
    for r in g["rows"]:
        guarded = r.get("outside_sandboxed", r["outside"])
        cost = f"{100 * (guarded / r['in_kernel'] - 1):+.0f} %"
        lines.append(
            f"| {r['assignment']} | {r['in_kernel']} | {r['outside']} | {r.get('outside_sandboxed', '-')} | {cost} |"
        )
    return lines


def _heading(results: dict) -> list[str]:
    cpu = results["cpu"]
    apart = "; a section measured apart says so" if results.get("apart") else ""
    return [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {cpu['model']}, {cpu['cores']} cores (fp32 matrix product "
        f"{cpu['matmul_gflops']} GFLOP/s), {results['python']}, Keras {results['keras']} ({results['backend']}). "
        f"`make bench` writes this file{apart}.",
        "",
    ]


def _course_markdown(results: dict) -> list[str]:
    run = results["course"]
    lines = ["## Accuracy per method (full mode, test split)", "", *_apart(results, "course")]
    lines += ["| method | test accuracy | training time | book | target |", "|---|---|---|---|---|"]
    for row in recorded.comparison(run["measurements"]):
        target = TARGETS.get(row["key"])
        seconds = "–" if row["seconds"] is None else f"{row['seconds']:.0f} s"
        verdict = ""
        if target and row["test_accuracy"] is not None:
            verdict = f"≥ {target[1]:.1%}: {'met' if row['test_accuracy'] >= target[1] else 'missed'}"
        lines.append(f"| {row['method']} | {_pct(row['test_accuracy'])} | {seconds} | {row['book']} | {verdict} |")
    lines += [
        "",
        "## The whole course",
        "",
        f"`convnet-course build` (what `make run` runs after the release), full mode: "
        f"**{run['wall_s'] / 60:.1f} min** wall time (target < 20 min: {'met' if run['wall_s'] < 1200 else 'missed'}), "
        f"peak memory {run['peak_memory_gb']} GB (build process and kernels together).",
        "",
        "| notebook | status | seconds |",
        "|---|---|---|",
    ]
    lines += [f"| {n['assignment']} | {n['status']} | {n['seconds']:.0f} |" for n in run["notebooks"]]
    return lines + _experiments_markdown(run["measurements"])


def _hub_memory_markdown(results: dict) -> list[str]:
    run, lines = _section(results, "hub_memory", "## A student's server on a class hub: memory")
    return lines + [
        "The whole course in full mode on the photos the course ships (`COURSE_DATA=sample`, as `make hub`'s servers "
        "run it), one chapter after another (`bench.course_run.course`): "
        f"peak memory **{run['peak_memory_gb']} GB**, the build and its kernel together."
    ]


def _throughput_markdown(results: dict) -> list[str]:
    rows = results["throughput"]
    configs = {(r["model"], r["image_size"]) for r in rows}
    best = {c: max(r["images_per_s"] for r in rows if (r["model"], r["image_size"]) == c) for c in configs}
    vgg = max(v for (name, _), v in best.items() if name.startswith("VGG16"))
    machine = _machine(results, "throughput")
    lines = ["", "## Throughput of the pretrained bases (inference, random images)", "", *_apart(results, "throughput")]
    lines += [
        "| base | image size | batch | images/s | GFLOP/image | achieved GFLOP/s | of nominal fp32 peak "
        "| of measured fp32 matmul |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        share = r["achieved_gflops"] / machine["peak_gflops"]
        matmul = r["achieved_gflops"] / machine["matmul_gflops"]
        lines.append(
            f"| {r['model']} | {r['image_size']} | {r['batch']} | {r['images_per_s']} | "
            f"{r['gflops_per_image']} | {r['achieved_gflops']} | {share:.0%} | {matmul:.0%} |"
        )
    lines.append("")
    for (name, size), value in sorted(best.items()):
        if not name.startswith("VGG16"):
            verdict = "met" if value / vgg >= 5 else "missed"
            lines.append(
                f"- {name} at {size} px: **{value / vgg:.1f}x** the book's VGG16 setup (150 px) in the same run "
                f"(target ≥ 5x: {verdict})."
            )
    return lines + [
        "",
        f"Nominal fp32 peak: {machine['peak_gflops']} GFLOP/s = {machine['assumptions']}. "
        f"Measured: one 4096x4096 fp32 matrix product runs at {machine['matmul_gflops']} GFLOP/s, "
        "above the nominal peak because the cores run faster than their base clock (turbo); "
        "it is the better yardstick of what this CPU sustains. FLOPs count convolutions and dense layers "
        "(2 per multiply-add), not batch norm or activations.",
    ]


def _training_markdown(results: dict) -> list[str]:
    rows = results["training"]
    mixed = "yes" if results["mixed_precision"] else "no"
    lines = ["", "## Training from scratch: float32 against mixed bfloat16", "", *_apart(results, "training")]
    lines += [
        "Chapter 1's model at 150 px behind `models.augmentation()` (flip, rotation, zoom, translation), "
        f"batch 32, training steps on random images. The course trains in mixed bfloat16 here: {mixed} "
        "(`backend.bfloat16_is_fast()`: a CPU with AMX or AVX-512 BF16).",
        "",
        "| precision | images/s | one epoch of 2000 photos |",
        "|---|---|---|",
    ]
    lines += [f"| {r['precision']} | {r['images_per_s']} | {r['epoch_s']} s |" for r in rows]
    speed = {r["precision"]: r["images_per_s"] for r in rows}
    return lines + ["", f"bfloat16: **{speed['mixed bfloat16'] / speed['float32']:.1f}x** float32."]


def _visualization_markdown(results: dict) -> list[str]:
    v = results["visualization"]
    lines = ["", "## Visualization", "", *_apart(results, "visualization")]
    lines += [
        f"- one Grad-CAM (EfficientNet-Lite0, 224 px, median after warm-up): **{v['grad_cam_ms']} ms** "
        f"(target < 100 ms: {'met' if v['grad_cam_ms'] < 100 else 'missed'})",
        f"- one filter pattern (gradient ascent): {v['filter_visualization_s']} s",
    ]
    if "method_ms" in v:
        lines += _faithfulness_markdown(v)
    return lines


def _faithfulness_markdown(v: dict) -> list[str]:
    lines = [
        f"- one occlusion map (13 x 13 patches of 32 px, one batch): {v['occlusion_s']} s",
        "",
        f"Faithfulness ({v['faithfulness_setting']}): deletion area, lower is better; insertion, higher.",
        "",
        "| method | ms per image | deletion area | insertion area | beats random in both |",
        "|---|---|---|---|---|",
    ]
    shared = v["faithfulness"].get("random order")  # one random baseline for every map, where no row has its own
    for name, row in sorted(v["faithfulness"].items(), key=lambda item: item[1]["deletion"]):
        ms = v["method_ms"].get(name, f"{v['occlusion_s'] * 1000:.0f}" if name == "occlusion" else "–")
        random = {kind: row.get(f"random {kind}", shared and shared[kind]) for kind in ("deletion", "insertion")}
        beats = row["deletion"] < random["deletion"] and row["insertion"] > random["insertion"]
        verdict = "–" if name == "random order" else "yes" if beats else "no"
        lines.append(f"| {name} | {ms} | {row['deletion']:.3f} | {row['insertion']:.3f} | {verdict} |")
    return lines


def _autograding_markdown(results: dict) -> list[str]:
    rows = results["autograding"]
    lines = ["", "## Autograding one submission (the solution)", "", *_apart(results, "autograding")]
    lines += ["| chapter | seconds | score |", "|---|---|---|"]
    lines += [f"| {r['assignment']} | {r['seconds']} | {r['score']} |" for r in rows]
    worst = max(r["seconds"] for r in rows)
    return lines + ["", f"Target < 20 s per submission: {'met' if worst < 20 else 'missed'} (slowest {worst} s)."]


def _class_grading_markdown(results: dict) -> list[str]:
    c = results["class_grading"]
    machine = _machine(results, "class_grading")
    lines = ["", "## Autograding a class", "", *_apart(results, "class_grading")]
    lines += [
        f"`convnet-course autograde --workers W` on a class of {c['submissions']} submissions of "
        f"{c['assignment']} (copies of the solution, one in four with a wrong answer), each submission "
        "in its own worker process and kernel; the whole command timed, in a scratch course.",
        "",
        "| workers | seconds | submissions per minute | seconds each, in its worker | graded | full marks |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        "| "
        + " | ".join(
            str(r[key]) for key in ("workers", "seconds", "per_minute", "seconds_each", "graded", "full_marks")
        )
        + " |"
        for r in c["rows"]
    ]
    first, last = c["rows"][0]["workers"], c["rows"][-1]["workers"]
    return lines + [
        "",
        f"Speed-up, {last} workers against {first}: **{c['speedup']}x** on {machine['cores']} cores. "
        f"The same grades with every number of workers: {'yes' if c['same_grades'] else 'NO'}. "
        f"A class of {c['estimate_for']} with {c['best_workers']} workers: about **{c['estimated_minutes']} min** "
        "(an estimate from the rate measured above, not a measurement).",
    ]


WRITERS = (  # the sections of results.md, in order: (the results key it needs, its writer)
    ("course", _course_markdown),
    ("scratch_seeds", _scratch_markdown),
    ("small_data_subsets", _subsets_markdown),
    ("pretrained_runs", _pretrained_markdown),
    ("hub_memory", _hub_memory_markdown),
    ("image_sizes", _sizes_markdown),
    ("throughput", _throughput_markdown),
    ("training", _training_markdown),
    ("visualization", _visualization_markdown),
    ("autograding", _autograding_markdown),
    ("grading_guard", _guard_markdown),
    ("class_grading", _class_grading_markdown),
)


def markdown(results: dict) -> str:
    """``results`` (``benchmarks/results.json``) as ``results.md``: each section measured."""
    lines = _heading(results)
    for key, writer in WRITERS:
        if key in results:
            lines += writer(results)
    return "\n".join(lines) + "\n"

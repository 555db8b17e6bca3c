"""Figures from the course's benchmarks, written into the notebooks when they are made.

A Markdown cell whose metadata holds ``{"course": {"benchmarks": NAME}}`` gets the text
``WRITERS[NAME]`` makes from ``benchmarks/results.json``: each chapter's "What to expect"
box (how long it runs, which accuracies a run reaches) and the measured tables its prose
discusses. nbgrader's generate step (``make release``, through :class:`FromBenchmarks`) and
``make run`` fill them, so such a figure is always the latest benchmark's: a notebook's
prose never carries one that can go stale, nor when or on which machine it was measured.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course_lib import confidence, results
from course_lib.photos import sources

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"
NOT_MEASURED = "*The course has not measured this yet.*"

Bench = dict[str, Any]


def load(path: Path = BENCHMARKS) -> Bench:
    """The benchmark results (empty where none were written)."""
    return json.loads(path.read_text()) if path.is_file() else {}


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def duration(seconds: float) -> str:
    return f"{seconds:.0f} seconds" if seconds < 90 else f"{seconds / 60:.0f} minutes"


def _measured(bench: Bench) -> dict[str, dict[str, Any]]:
    return bench.get("course", {}).get("measurements", {})


def _cores(bench: Bench) -> int | None:
    return bench.get("apart", {}).get("course", bench).get("cpu", {}).get("cores")


def _run_time(bench: Bench, assignment: str) -> str:
    cpu = {n["assignment"]: n["seconds"] for n in bench.get("course", {}).get("notebooks", [])}
    gpu = {n["assignment"]: n["seconds"] for n in bench.get("gpu", {}).get("notebooks", [])}
    line = (
        f"- **Run time**: {duration(cpu[assignment])} on a CPU with {_cores(bench)} cores (one full run)"
        if assignment in cpu
        else "- **Run time**: not measured yet on a CPU"
    )
    line += f"; {duration(gpu[assignment])} with a GPU." if assignment in gpu else "; with a GPU: not measured yet."
    if assignment == "02-pretrained-convnets" and _measured(bench).get("feature_extraction", {}).get(
        "features_from_cache"
    ):
        line += " " + features_saved(bench)
    return line


def features_saved(bench: Bench) -> str:
    """Chapter 2's run time found its features saved: what a first run adds."""
    size = _measured(bench).get("feature_extraction", {}).get("image_size")
    row = next((r for r in bench.get("image_sizes", {}).get("sizes", []) if r["image_size"] == size), None)
    cost = (
        (
            f": the base took {row['feature_seconds']:.0f} s for the training and validation photos at {size} px"
            ", before the test photos"
        )
        if row
        else ""
    )
    return f"That run found chapter 2's features saved by an earlier one; a first run extracts them too{cost}."


def _one_run(measured: dict[str, dict[str, Any]], key: str) -> str | None:
    accuracy = measured.get(key, {}).get("test_accuracy")
    label = results.METHODS[key][0].removeprefix("pretrained: ")
    return None if accuracy is None else f"{label} {_pct(accuracy)} (one run)"


def _seeds(bench: Bench) -> str | None:
    seeds = bench.get("scratch_seeds")
    if not seeds:
        return None
    return (
        f"{results.METHODS['scratch_augmented'][0]} {_pct(seeds['min'])} to {_pct(seeds['max'])} over "
        f"{len(seeds['rows'])} seeds (mean {_pct(seeds['mean'])})"
    )


PRETRAINED = ("feature_extraction", "feature_extraction_augmented", "fine_tuning")


def _pretrained(bench: Bench) -> list[str | None]:
    """Chapter 2's methods: their range over the benchmark's repeated runs, else one run."""
    runs = bench.get("pretrained_runs", {})
    if "summary" not in runs:
        return [_one_run(_measured(bench), key) for key in PRETRAINED]
    found = [
        f"{results.METHODS[key][0].removeprefix('pretrained: ')} {_range(runs['summary'][key])}" for key in PRETRAINED
    ]
    return [", ".join(found) + f" over {len(runs['rows'])} runs"]


def _range(summary: dict[str, float]) -> str:
    low, high = _pct(summary["min"]), _pct(summary["max"])
    return f"{low} each time" if low == high else f"{low} to {high}"


ACCURACIES: dict[str, Callable[[Bench], list[str | None]]] = {
    "01-convnet-basics": lambda bench: [_one_run(_measured(bench), "scratch"), _seeds(bench)],
    "02-pretrained-convnets": _pretrained,
}


def what_to_expect(bench: Bench, assignment: str) -> str:
    """The box at the top of a chapter: its run time and the test accuracies it reaches."""
    lines = [
        "> **What to expect** (measured by the course, in full mode on the book's photos)",
        ">",
        f"> {_run_time(bench, assignment)}",
    ]
    found = [line for line in ACCURACIES.get(assignment, lambda _: [])(bench) if line]
    if found:
        lines.append("> - **Test accuracy**: " + "; ".join(found) + ".")
    if assignment in ACCURACIES:
        test = 2 * sources.sample_split()["test"]
        lines.append(
            f"> - On the course's photo sample (used where the book's photos cannot be downloaded) there are "
            f"{test} test photos, so one photo is {100 / test:.1f} points: expect figures to move by several "
            "points from run to run."
        )
    return "\n".join(lines)


def image_sizes(bench: Bench, _: str) -> str:
    """Chapter 2, section 1: the image size, chosen on the validation photos."""
    run = bench.get("image_sizes")
    if not run or "skipped" in run:
        return NOT_MEASURED
    photos = run["sizes"][0]["validation_photos"]
    lines = [
        f"How the course chose it, on the book's {photos} **validation** photos (the test photos are kept for "
        f"scoring each method once): section 2's classifier, trained {run['seeds']} times at each size, "
        "mean [lowest, highest]:",
        "",
        "| image size | validation accuracy | work per image |",
        "|---|---|---|",
    ]
    base = run["sizes"][0]["image_size"]
    for row in run["sizes"]:
        accuracy = row["validation_accuracy"]
        lines.append(
            f"| {row['image_size']} × {row['image_size']} | {_pct(accuracy['mean'])} [{_pct(accuracy['min'])}, "
            f"{_pct(accuracy['max'])}] | {(row['image_size'] / base) ** 2:.1f} × that of {base} |"
        )
    ranked = sorted(run["sizes"], key=lambda row: row["validation_accuracy"]["mean"], reverse=True)
    best, second = ranked[0], ranked[1] if len(ranked) > 1 else None
    lines += ["", f"The best on the validation photos: {best['image_size']} × {best['image_size']}."]
    if second and not confidence.clearly_apart(
        best["validation_accuracy"]["mean"], second["validation_accuracy"]["mean"], photos
    ):
        lines[-1] += (
            f" {second['image_size']} × {second['image_size']} is within the noise of {photos} photos of it, "
            f"for {(second['image_size'] / best['image_size']) ** 2:.2f} times the work: as defensible a choice."
        )
    return "\n".join(lines)


def small_data(bench: Bench, _: str) -> str:
    """Chapter 2, section 5: the first 50 photos of each class, then random subsets."""
    runs = _measured(bench).get("small_data", {}).get("runs")
    subsets = bench.get("small_data_subsets")
    if not runs and not subsets:
        return NOT_MEASURED
    lines = []
    methods = ("feature extraction", "+ augmentation", "+ fine-tuning")
    if runs:
        by = {(r["image_size"], r["method"]): r["test_accuracy"] for r in runs}
        lines += [
            "The course's run on the book's photos, the first 50 cats and 50 dogs (one run):",
            "",
            "| 100 training photos | " + " | ".join(methods) + " |",
            "|---|---|---|---|",
        ]
        for size in sorted({r["image_size"] for r in runs}, reverse=True):
            lines.append(
                f"| {size} px | " + " | ".join(_pct(by[size, m]) if (size, m) in by else "–" for m in methods) + " |"
            )
    if subsets:
        lines += [
            "",
            f"At {subsets['image_size']} px on {subsets['subsets']} random subsets of {subsets['training_photos']} "
            "photos (a new subset per seed), with this notebook's head and with the book's (the feature maps "
            "flattened, as the book flattens VGG16's): mean [lowest, highest].",
            "",
            "| head | " + " | ".join(methods) + " |",
            "|---|---|---|---|",
        ]
        for head, row in subsets["summary"].items():
            cells = [f"{_pct(row[m]['mean'])} [{_pct(row[m]['min'])}, {_pct(row[m]['max'])}]" for m in methods]
            lines.append(f"| {head} | " + " | ".join(cells) + " |")
    return "\n".join(lines).strip()


def data_shift(bench: Bench, _: str) -> str:
    """Chapter 2, section 6: each model on its own test photos and on the Oxford photos."""
    models = _measured(bench).get("data_shift", {}).get("models")
    if not models:
        return NOT_MEASURED
    lines = [
        "The course's run on the book's photos (one run):",
        "",
        "| model | its test photos: all / cats / dogs | Oxford photos: all / cats / dogs |",
        "|---|---|---|",
    ]
    for name, scores in models.items():
        test, oxford = (
            " / ".join(_pct(scores[part][c]) for c in ("all", "cats", "dogs")) for part in ("test", "oxford")
        )
        lines.append(f"| {name} | {test} | {oxford} |")
    return "\n".join(lines)


WRITERS: dict[str, Callable[[Bench, str], str]] = {
    "what_to_expect": what_to_expect,
    "image_sizes": image_sizes,
    "small_data": small_data,
    "data_shift": data_shift,
}


def filled(cell: NotebookNode) -> str | None:
    """The name of the benchmark text a cell holds, None for any other cell."""
    return cell.get("metadata", {}).get("course", {}).get("benchmarks")


def fill(nb: NotebookNode, assignment: str, bench: Bench) -> NotebookNode:
    """Write the benchmark texts into ``nb``'s cells that hold one; returns ``nb``."""
    for cell in nb.cells:
        if (name := filled(cell)) is not None:
            if name not in WRITERS:
                raise ValueError(f"a cell asks for the benchmark text {name!r}; there are {sorted(WRITERS)}")
            cell.source = WRITERS[name](bench, assignment)
    return nb


class FromBenchmarks(NbGraderPreprocessor):
    """nbgrader's generate step: fill the benchmark texts of the notebook it releases."""

    benchmarks = Unicode(str(BENCHMARKS), help="the benchmark results (benchmarks/results.json)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        return fill(nb, resources["nbgrader"]["assignment"], load(Path(self.benchmarks))), resources


def generate_preprocessors() -> list[type]:
    """nbgrader's steps for generating a release, after :class:`FromBenchmarks` and
    :class:`.colab.ColabSetup`."""
    from nbgrader.converters import GenerateAssignment

    from .colab import ColabSetup

    return [FromBenchmarks, ColabSetup, *GenerateAssignment.class_traits()["preprocessors"].default()]

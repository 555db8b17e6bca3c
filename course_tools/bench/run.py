"""``make bench``'s command line: measure the sections asked for, merge them into the saved
results, write ``benchmarks/results.json`` and ``results.md``."""

from __future__ import annotations

import argparse
import json
import platform
import time

from . import accuracy, course_run, grading, speed
from .machine import ROOT, cpu, matmul_gflops
from .report import markdown

RESULTS = ROOT / "benchmarks"


def _hub_memory() -> dict:
    """The course as a student runs it on a class hub: the shipped photos, full mode."""
    run = course_run.course({"COURSE_DATA": "sample"})
    return {"hub_memory": {k: v for k, v in run.items() if k != "measurements"}}


SECTIONS = {  # name: (what it prints, how to measure it: a dict of result keys)
    "course": ("the whole course, full mode", lambda: {"course": course_run.course()}),
    "scratch_seeds": (
        "chapter 1's convnet from scratch, one run per seed",
        lambda: {"scratch_seeds": accuracy.scratch_seeds()},
    ),
    "small_data_subsets": (
        "chapter 2, few photos, over random subsets",
        lambda: {"small_data_subsets": accuracy.small_data_subsets()},
    ),
    "pretrained_runs": (
        "chapter 2 run three times, full mode",
        lambda: {"pretrained_runs": course_run.pretrained_runs()},
    ),
    "image_sizes": (
        "chapter 2's image size, chosen on the validation photos",
        lambda: {"image_sizes": accuracy.image_sizes()},
    ),
    "hub_memory": ("the course as a student runs it on a class hub: the shipped photos, full mode", _hub_memory),
    "throughput": ("throughput", lambda: {"throughput": speed.throughput()}),
    "training": ("training, float32 against bfloat16", speed.mixed_precision_training),
    "visualization": ("visualization", lambda: {"visualization": speed.visualization()}),
    "autograding": ("autograding", lambda: {"autograding": grading.autograding()}),
    "class_grading": ("autograding a class, 1 and 2 workers", lambda: {"class_grading": grading.class_grading()}),
    "grading_guard": (
        "what verdicts outside the kernel and the sandbox cost",
        lambda: {"grading_guard": grading.grading_guard()},
    ),
}


def merge(earlier: dict, fresh: dict, sections: list[str]) -> dict:
    """``fresh``'s sections into ``earlier``'s results, each stamped with the date and CPU it
    was measured on, so that the file never passes one machine's numbers off as another's."""
    stamp = {key: fresh[key] for key in ("date", "python", "keras", "backend", "cpu")}
    measured = {key: value for key, value in fresh.items() if key not in stamp}
    return {**earlier, **measured, "apart": {**earlier.get("apart", {}), **dict.fromkeys(sections, stamp)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure the course's speed and accuracy on this machine (make bench)."
    )
    parser.add_argument("--skip-course", action="store_true", help="leave out the full-mode course run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        metavar="SECTION",
        help="measure only these sections and merge them into the existing results "
        f"(each marked with its own date and CPU): {', '.join(SECTIONS)}",
    )
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
    saved = RESULTS / "results.json"
    if args.only and saved.exists():
        results = merge(json.loads(saved.read_text()), results, sections)
    saved.write_text(json.dumps(results, indent=2))
    (RESULTS / "results.md").write_text(markdown(results))
    print((RESULTS / "results.md").read_text())
    return 0

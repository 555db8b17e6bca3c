"""Sections that build the course (``convnet-course build``) in full mode: the whole course
with its peak memory, and chapter 2 run again for its range over runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .accuracy import spread
from .machine import ROOT, tree_rss


def course(photos: dict[str, str] | None = None) -> dict:
    """``convnet-course build`` in full mode: wall time, peak memory of the build and its
    kernels together (sampled every half second), and what the chapters measured;
    ``photos`` sets the photo variables (default: those of this environment)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FAST", "NBGRADER_EXECUTION")}
    if photos is not None:
        env = {**{k: v for k, v in env.items() if k not in ("COURSE_DATA_DIR", "COURSE_DATA")}, **photos}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "course_tools.cli", "build"], cwd=ROOT, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    summary = json.loads((ROOT / "build" / "results.json").read_text())
    failed = [n["assignment"] for n in summary["notebooks"] if n["status"] != "ok"]
    if code or failed:  # a failed run's seconds and accuracies measure nothing
        raise RuntimeError(
            f"convnet-course build failed ({', '.join(failed) or f'exit code {code}'}); "
            "nothing written: see its output above"
        )
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
    from course_lib.photos import data

    if data.source().is_sample:
        return {
            "skipped": "needs the book's photos (set COURSE_DATA_DIR): "
            "the course's sample is too small to tell runs apart"
        }
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_FAST", "NBGRADER_EXECUTION")}
    rows = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [sys.executable, "-m", "course_tools.cli", "build", "02-pretrained-convnets", "--out", out],
                cwd=ROOT,
                env=env,
                check=True,
            )
            summary = json.loads((Path(out) / "results.json").read_text())
        notebook = summary["notebooks"][0]
        if notebook["status"] != "ok":
            raise RuntimeError(f"chapter 2 failed in run {run + 1}: {notebook['error']}; nothing written")
        measured = summary["measurements"]
        rows.append(
            {
                "run": run + 1,
                "seconds": notebook["seconds"],
                **{key: measured[key]["test_accuracy"] for key in PRETRAINED},
            }
        )
        print(f"   run {run + 1}: " + ", ".join(f"{key} {rows[-1][key]:.1%}" for key in PRETRAINED), flush=True)
    summary = {key: spread([r[key] for r in rows]) for key in PRETRAINED}
    return {"rows": rows, "summary": summary}

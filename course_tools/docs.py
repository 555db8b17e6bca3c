"""Figures from the course's benchmarks, written into README.md and INSTRUCTORS.md.

A region of a Markdown file between ``<!-- benchmarks: NAME -->`` and ``<!-- /benchmarks -->``
holds the text ``WRITERS[NAME]`` makes from ``benchmarks/results.json``, with the date and
the machine it was measured on. ``make release`` rewrites the regions and ``make test``
fails while one is stale, so the docs quote each figure once, as last measured.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .expectations import Bench, duration, features_saved, load

DOCS = ("README.md", "INSTRUCTORS.md")
_REGION = re.compile(r"(<!-- benchmarks: (\w+) -->\n)(.*?)(<!-- /benchmarks -->)", re.S)
CHAPTERS = {
    "00-getting-started": "chapter 0",
    "01-convnet-basics": "chapter 1",
    "02-pretrained-convnets": "chapter 2",
    "03-visualizing-convnets": "chapter 3",
}


def _where(bench: Bench, section: str) -> str:
    """ "on <date>, <cores> cores of <CPU>" for the run that measured ``section``."""
    stamp = bench.get("apart", {}).get(section, bench)
    return f"`make bench`, {stamp['date'][:10]}, on {stamp['cpu']['cores']} cores of an {stamp['cpu']['model']}"


def course_times(bench: Bench) -> str:
    """How long the whole course takes in full mode, chapter by chapter."""
    run = bench.get("course")
    if not run:
        return "The course has not measured its full run yet (`make bench`)."
    chapters = ", ".join(
        f"{CHAPTERS.get(n['assignment'], n['assignment'])} {duration(n['seconds'])}" for n in run["notebooks"]
    )
    cached = run["measurements"].get("feature_extraction", {}).get("features_from_cache")
    return (
        f"The whole course in full mode on the book's photos: **{run['wall_s'] / 60:.0f} min** ({chapters}; "
        f"peak memory {run['peak_memory_gb']} GB, the build and its kernels together), {_where(bench, 'course')}."
        + (" " + features_saved(bench) if cached else "")
    )


def grading_speed(bench: Bench) -> str:
    """How long autograding takes: one submission of each chapter, and a class."""
    lines = []
    if one := bench.get("autograding"):
        each = ", ".join(f"{CHAPTERS.get(r['assignment'], r['assignment'])} {r['seconds']:.0f} s" for r in one)
        lines.append(f"One submission (the solution, in fast mode): {each} ({_where(bench, 'autograding')}).")
    if (run := bench.get("class_grading")) and "rows" in run:
        rates = ", ".join(
            f"{r['per_minute']} a minute with {r['workers']} worker{'s' * (r['workers'] > 1)}" for r in run["rows"]
        )
        lines.append(
            f"A class: {run['submissions']} submissions of {CHAPTERS.get(run['assignment'], run['assignment'])}, "
            f"each kernel sandboxed: {rates}; so a class of {run['estimate_for']} in about "
            f"{run['estimated_minutes']:.0f} min (an estimate from that rate) ({_where(bench, 'class_grading')}); "
            "a chapter whose submission takes longer above takes that many times longer for a class."
        )
    return " ".join(lines) or "The course has not measured its grading yet (`make bench`)."


def hub_sizing(bench: Bench) -> str:
    """The memory a student's server needs on a class hub, and so how many one machine holds."""
    run = bench.get("hub_memory")
    if not run or "peak_memory_gb" not in run:
        return 'The course has not measured a student\'s server yet (`make bench BENCH_ARGS="--only hub_memory"`).'
    need = run["peak_memory_gb"]
    return (
        f"A student running the chapters one after another on the shipped photos, as the hub's servers do, peaked at "
        f"**{need} GB** (one chapter's kernel and the process running it; {_where(bench, 'hub_memory')}). A server "
        "holds a kernel per open notebook: a student who keeps two chapters running needs about twice that. So "
        f"`--mem-limit 4G` (the default) {'holds' if need < 4 else 'is too little for'} one chapter at a time, "
        "and a machine with 64 GB holds about "
        f"{int(60 // max(need, 0.1))} students working at once (4 GB left to the system and the hub)."
    )


WRITERS: dict[str, Callable[[Bench], str]] = {
    "course_times": course_times,
    "grading_speed": grading_speed,
    "hub_sizing": hub_sizing,
}


def filled(text: str, bench: Bench) -> str:
    """``text`` with each benchmark region written afresh from ``bench``."""

    def write(match: re.Match) -> str:
        if match[2] not in WRITERS:
            raise ValueError(f"a document asks for the benchmark text {match[2]!r}; there are {sorted(WRITERS)}")
        return f"{match[1]}{WRITERS[match[2]](bench)}\n{match[4]}"

    return _REGION.sub(write, text)


def update(root: Path) -> list[str]:
    """Rewrite the benchmark regions of the course's docs; one line per file changed."""
    bench = load(Path(root) / "benchmarks" / "results.json")
    lines = []
    for name in DOCS:
        path = Path(root) / name
        if path.is_file() and (new := filled(text := path.read_text(), bench)) != text:
            path.write_text(new)
            lines.append(f"wrote the benchmark figures in {name}")
    return lines

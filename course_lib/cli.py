"""The ``convnet-course`` command: release and build the course (see README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import grading


def _release(args: argparse.Namespace) -> int:
    root = grading.find_course_root()
    lines = grading.release(root, args.assignments or None)
    print("\n".join(lines) if lines else "notebooks/ is already up to date with solutions/")
    return 0


def _build(args: argparse.Namespace) -> int:
    from . import build

    root = grading.find_course_root()
    summary = build.build(root, Path(args.out) if args.out else None, args.assignments or None)
    failed = [n["notebook"] for n in summary["notebooks"] if n["status"] != "ok"]
    print(f"Built {len(summary['notebooks'])} notebooks in {summary['seconds']} s; see build/results.json")
    if failed:
        print(f"These notebooks failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convnet-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release.set_defaults(run=_release)

    build = commands.add_parser("build", help="execute every solution notebook into build/ (HTML + results.json)")
    build.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    build.add_argument("--out", help="output folder (default: build/)")
    build.set_defaults(run=_build)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except grading.GradingError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

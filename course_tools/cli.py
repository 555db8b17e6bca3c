"""The ``convnet-course`` command (see README.md and INSTRUCTORS.md).

Students and self-learners: ``update`` (their own copy in ``my-work/``) and ``grade``.
Instructors: ``release``, ``kit``, ``collect``, ``autograde``, ``backup``, ``hub``;
nbgrader's own commands do the rest (feedback, export). ``build`` runs the whole course
(``make run``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import classroom, docs, sandbox, workcopy
from .course import GradingError, find_course_root
from .grading import Outcome
from .release import release
from .reports import MISSING_TEST, format_report
from .selfgrade import self_grade


def _root(args: argparse.Namespace) -> Path:
    return Path(args.course).resolve() if args.course else find_course_root()


def _release(args: argparse.Namespace) -> int:
    root = _root(args)
    lines = release(root, args.assignments or None) + docs.update(root)
    print("\n".join(lines) if lines else "notebooks/ is already up to date with solutions/")
    return 0


def _build(args: argparse.Namespace) -> int:
    from . import build

    summary = build.build(
        _root(args), Path(args.out) if args.out else None, args.assignments or None, solutions=args.solutions
    )
    failed = [n["notebook"] for n in summary["notebooks"] if n["status"] != "ok"]
    print(f"Built {len(summary['notebooks'])} notebooks in {summary['seconds']} s; see build/results.json")
    if failed:
        print(f"These notebooks failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _grade(args: argparse.Namespace) -> int:
    notebooks = args.notebooks or workcopy.notebooks(_root(args))  # default: the learner's copy of each chapter
    for notebook in notebooks:
        root = Path(args.course).resolve() if args.course else find_course_root(Path(notebook).resolve().parent)
        print(f"Grading {notebook} (a copy: your notebook is not changed) ...", flush=True)
        report, page = self_grade(Path(notebook), root, args.assignment)
        print(format_report(report))
        print(f"feedback page: {page}\n")
    return 0


def _update(args: argparse.Namespace) -> int:
    root = _root(args)
    lines = workcopy.update(root)
    print("\n".join(lines) if lines else f"{workcopy.WORK}/ is up to date with the course's notebooks")
    return 0


def _kit(args: argparse.Namespace) -> int:
    from .kit import build_kit

    archive = build_kit(_root(args), Path(args.out) if args.out else None)
    print(f"the student kit: {archive} (release notebooks, the course's wheel; nothing of solutions/)")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from .backup import backup

    root = _root(args)
    archive, held = backup(
        root, Path(args.out) if args.out else root / "backups", Path(args.exchange) if args.exchange else None
    )
    print(f"backed up {', '.join(held) or 'nothing (no records yet)'} into {archive} (restore: tar xzf {archive.name})")
    return 0


def _collect(args: argparse.Namespace) -> int:
    root = _root(args)
    print(f"# the nbgrader step this stands for: nbgrader zip_collect {args.assignment}")
    results = classroom.collect(root, args.assignment, Path(args.source), update=args.update, pattern=args.pattern)
    for item in results:
        print(f"{item.student:<20} {item.note}")
    print(f"{sum(1 for r in results if r.target)} of {len(results)} students have a submission in submitted/")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    root = _root(args)
    print(f"# the nbgrader step this stands for: nbgrader autograde {args.assignment}", flush=True)
    print(f"# kernels: {sandbox.describe() if not args.unsandboxed else 'not sandboxed (--unsandboxed)'}", flush=True)
    outcomes = classroom.autograde_all(
        root,
        args.assignment,
        args.students or None,
        force=args.force,
        workers=args.workers,
        unsandboxed=args.unsandboxed,
    )
    for outcome in outcomes:
        print(table_row(outcome))
    print("next: nbgrader generate_feedback", args.assignment, " then: nbgrader export --to grades.csv")
    return 0


def table_row(outcome: Outcome) -> str:
    """One student's line of ``autograde``'s table: score, seconds, and what to look at
    (failed tests, a deleted test cell, a late submission's penalty, a problem)."""
    if outcome.report is None:
        return f"{outcome.student:<20} {'-':>9}  {outcome.problem}"
    report = outcome.report
    failed = [c.grade_id for c in report.cells if c.kind == "auto" and not c.passed]
    flags = [c.grade_id for c in report.cells if c.message == MISSING_TEST]
    notes = [f"failed: {', '.join(failed)}"] if failed else []
    notes += [f"FLAGGED, test cell deleted: {', '.join(flags)}"] if flags else []
    notes += [late] if (late := report.lateness()) else []
    notes += [outcome.problem] if outcome.problem else []
    score = f"{report.auto_score:g}/{report.auto_max:g}"
    return f"{outcome.student:<20} {score:>9}  {outcome.seconds:>5.1f} s  {'; '.join(notes)}".rstrip()


def _hub(args: argparse.Namespace) -> int:
    from . import hub as hub_module
    from .hub import ClassHub, read_class

    root = _root(args)
    students = read_class(Path(args.class_list)) if args.class_list else args.students.split(",")
    hub = ClassHub(
        root,
        Path(args.state),
        args.instructor,
        students,
        port=args.port,
        ip=args.ip,
        data=Path(args.data).resolve() if args.data else None,
        ssl_cert=Path(args.ssl_cert).resolve() if args.ssl_cert else None,
        ssl_key=Path(args.ssl_key).resolve() if args.ssl_key else None,
        mem_limit=args.mem_limit,
        cpu_limit=args.cpu_limit,
        cull_idle=args.cull_idle,
    )
    hub.setup(ports=not args.setup_only)
    print(f"course folder: {hub.course_dir} (the instructor's, with the gradebook)")
    print(f"accounts and first passwords: {hub.state / 'accounts.csv'} (root only)")
    scheme = "https" if args.ssl_cert else "http"
    limits = f"{args.mem_limit} of memory and {args.cpu_limit:g} CPU a server"
    print(
        f"limits: {limits}"
        if hub_module.enforces_limits()
        else f"limits: {limits} NOT enforced here (no systemd on this machine): each server may use the whole machine"
    )
    print(f"idle servers stop after {args.cull_idle} s (their files stay)")
    print(f"the hub: {scheme}://{args.ip}:{args.port}/  (Ctrl-C stops it; nothing is lost)", flush=True)
    if args.setup_only:
        return 0
    command, env = hub.command()
    os.execvpe(command[0], command, env)


def _add_update(commands) -> None:
    """``convnet-course update``."""
    update = commands.add_parser(
        "update", help=f"make or update your own copy of the notebooks in {workcopy.WORK}/ (never overwrites your work)"
    )
    update.set_defaults(run=_update)


def _add_grade(commands) -> None:
    """``convnet-course grade``."""
    grade = commands.add_parser("grade", help="grade your own notebook(s), hidden tests included")
    grade.add_argument(
        "notebooks",
        nargs="*",
        help=f"e.g. {workcopy.WORK}/01-convnet-basics/01-convnet-basics.ipynb "
        f"(default: each chapter in {workcopy.WORK}/)",
    )
    grade.add_argument("--assignment", help="which assignment (default: from the notebook's folder or name)")
    grade.set_defaults(run=_grade)


def _add_release(commands) -> None:
    """``convnet-course release``."""
    release = commands.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    release.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    release.set_defaults(run=_release)


def _add_kit(commands) -> None:
    """``convnet-course kit``."""
    kit = commands.add_parser(
        "kit", help="build the student kit: release notebooks and the course's wheel, no solutions"
    )
    kit.add_argument("--out", help="output folder (default: build/kit; the zip lands beside it)")
    kit.set_defaults(run=_kit)


def _add_backup(commands) -> None:
    """``convnet-course backup``."""
    backup = commands.add_parser(
        "backup", help="one archive of the gradebook, submissions, feedback, grades (and the hub's exchange)"
    )
    backup.add_argument("--out", help="where the archive goes (default: backups/ in the course folder)")
    backup.add_argument("--exchange", help="nbgrader's exchange to include (on make hub's machine: <state>/exchange)")
    backup.set_defaults(run=_backup)


def _add_collect(commands) -> None:
    """``convnet-course collect``."""
    collect = commands.add_parser("collect", help="copy students' notebooks from a folder or zip into submitted/")
    collect.add_argument("assignment")
    collect.add_argument("source", help="a folder or .zip: one folder per student, or files <student>_<name>.ipynb")
    collect.add_argument("--update", action="store_true", help="replace submissions collected before (backed up)")
    collect.add_argument(
        "--pattern",
        default=classroom.STUDENT_FROM_FILE,
        help="regex whose first group is the student id in a file name",
    )
    collect.set_defaults(run=_collect)


def _add_autograde(commands) -> None:
    """``convnet-course autograde``."""
    autograde = commands.add_parser("autograde", help="autograde every submission of an assignment, W at a time")
    autograde.add_argument("assignment")
    autograde.add_argument("students", nargs="*", help="only these students (default: all in submitted/)")
    autograde.add_argument("--force", action="store_true", help="autograde again students already autograded")
    autograde.add_argument(
        "--workers",
        type=int,
        default=classroom.usable_cpus(),
        metavar="W",
        help="submissions autograded at once, each in its own process and kernel "
        f"(default: the CPUs this process may use, {classroom.usable_cpus()} here)",
    )
    autograde.add_argument(
        "--unsandboxed",
        action="store_true",
        help="run the submissions' kernels without the sandbox where it is missing (a submission can then "
        "read the hidden tests and change its grade)",
    )
    autograde.set_defaults(run=_autograde)


def _add_hub(commands) -> None:
    """``convnet-course hub``."""
    hub = commands.add_parser("hub", help="set up and run a class's JupyterHub on this machine (as root)")
    hub.add_argument("--instructor", default="instructor", help="the instructor's account (default: instructor)")
    hub.add_argument(
        "--students", default="student1,student2", help="comma-separated accounts (default: student1,student2)"
    )
    hub.add_argument(
        "--class", dest="class_list", help="a CSV of students with a 'username' or 'id' column (instead of --students)"
    )
    hub.add_argument(
        "--state", default="/srv/convnet-course", help="where the hub keeps its environment, exchange and database"
    )
    hub.add_argument("--port", type=int, default=8000, help="the hub's port (it also uses the next two)")
    hub.add_argument(
        "--ip",
        default="127.0.0.1",
        help="the address it listens on (0.0.0.0: every interface, which needs --ssl-cert and --ssl-key)",
    )
    hub.add_argument("--ssl-cert", help="the hub's HTTPS certificate (PEM), with --ssl-key")
    hub.add_argument("--ssl-key", help="the private key of --ssl-cert")
    hub.add_argument("--data", help="a photo folder for every server (COURSE_DATA_DIR; default: the shipped photos)")
    hub.add_argument("--mem-limit", default="4G", help="each person's server, kernels included (default: 4G)")
    hub.add_argument("--cpu-limit", type=float, default=1.0, help="CPUs of each person's server (default: 1)")
    hub.add_argument(
        "--cull-idle",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="stop a server idle this long; its files stay (default: 3600)",
    )
    hub.add_argument(
        "--setup-only",
        action="store_true",
        help="set everything up (after git pull: bring the course up to date), do not start the hub; "
        "its ports may be in use (by the hub itself)",
    )
    hub.set_defaults(run=_hub)


def _add_build(commands) -> None:
    """``convnet-course build``."""
    build = commands.add_parser(
        "build", help="execute every chapter into build/: the lesson as released (HTML + results.json)"
    )
    build.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    build.add_argument("--out", help="output folder (default: build/)")
    build.add_argument(
        "--solutions",
        action="store_true",
        help="also write the instructor's copy, every answer and hidden test, to build/instructor/ (never publish it)",
    )
    build.set_defaults(run=_build)


def build_parser() -> argparse.ArgumentParser:
    """The ``convnet-course`` command line: one subcommand per job."""
    parser = argparse.ArgumentParser(
        prog="convnet-course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--course", help="the course folder (default: found from the working folder)")
    commands = parser.add_subparsers(dest="command", required=True)
    learner = (_add_update, _add_grade)
    instructor = (_add_release, _add_kit, _add_backup, _add_collect, _add_autograde, _add_hub, _add_build)
    for add in learner + instructor:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if data_dir := os.environ.get("COURSE_DATA_DIR"):  # the kernels start in each notebook's folder
        os.environ["COURSE_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    try:
        return args.run(args)
    except GradingError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

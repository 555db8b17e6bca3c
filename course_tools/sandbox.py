"""A sandbox for a submission's kernel while the class is autograded.

A submission is code from someone who may want a better grade, run on the instructor's
machine. Its kernel starts through this module (``python -m course_tools.sandbox
... -- <kernel command>``), which, before the kernel's first line runs:

- keeps only a short list of environment variables (no tokens, no instructor's paths)
  and points ``HOME``, the temporary folder, the course's cache and Matplotlib's
  settings into a scratch folder of the submission's own;
- sets resource limits: memory (address space of data), CPU time, size of a written
  file, open files, no core dumps, and processes where the grader is not root (Linux
  exempts root from that limit);
- where unprivileged user namespaces work, moves the kernel into new user, PID, mount
  and network namespaces: it sees only its own processes, every process it starts dies
  with it, and it has no network at all (the kernel talks to the grader over UNIX
  sockets in its scratch folder);
- with Landlock (:mod:`.landlock`), lets it read only the Python environment, the course
  library, the photos and the system's libraries, write only its scratch folder, use no
  TCP port but those it was given, and signal no process outside the sandbox.

The kernel starts in its scratch folder, so files submitted beside the notebook never
reach it. :func:`command` gives the command that starts a kernel this way (used by
:class:`.grading.SandboxedKernelManager`); :func:`unavailable` says why a machine cannot.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import landlock

GiB = 1 << 30
KEPT_VARIABLES = """LANG LANGUAGE LC_ALL LC_CTYPE TZ KERAS_BACKEND TF_CPP_MIN_LOG_LEVEL TF_ENABLE_ONEDNN_OPTS
OMP_NUM_THREADS OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS MKL_NUM_THREADS PYTHONHASHSEED
NBGRADER_EXECUTION COURSE_FAST COURSE_DATA COURSE_DATA_SOURCE""".split()
SYSTEM_READ = """/usr /lib /lib64 /bin /sbin /proc /sys /dev/urandom /dev/random /dev/zero /etc/ld.so.cache
/etc/ld.so.conf /etc/ld.so.conf.d /etc/localtime /etc/ssl /etc/fonts /etc/mime.types /etc/nsswitch.conf
/etc/passwd /etc/group""".split()
UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--net", "--mount", "--mount-proc", "--fork"]


@dataclass(frozen=True)
class Limits:
    """What one submission's kernel may use."""

    memory: int = 8 * GiB  # RLIMIT_DATA of each process: heap and private mappings
    cpu_seconds: int = 1800  # CPU time of each process, all its threads together
    file_size: int = GiB  # the largest file it may write
    processes: int = 512  # processes and threads of the grader's user (not enforced for root)
    open_files: int = 4096


class SandboxUnavailableError(RuntimeError):
    """This machine cannot sandbox a kernel; the message says why and what to do."""


@lru_cache(maxsize=1)
def namespaces_work() -> bool:
    """Whether this process may create user, PID, mount and network namespaces."""
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def unavailable() -> str:
    """Why kernels cannot be sandboxed here ("" when they can)."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (Landlock); this is {sys.platform}"
    version = landlock.abi()
    if version < 4:
        return (
            f"this Linux kernel offers Landlock ABI {version}; the sandbox needs ABI 4 or later "
            "(Linux 6.7 or newer, with Landlock enabled at boot: lsm=...,landlock)"
        )
    return ""


def describe() -> str:
    """What the sandbox does on this machine, in a line."""
    if problem := unavailable():
        return f"no sandbox: {problem}"
    parts = [f"Landlock ABI {landlock.abi()}"]
    parts.append(
        "own user, PID, mount and network namespaces"
        if namespaces_work()
        else "no namespaces (TCP limited by Landlock)"
    )
    if os.geteuid() == 0:
        parts.append("no process limit (the grader runs as root)")
    return "sandboxed: " + ", ".join(parts)


def readable_paths(extra: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """What a kernel may read: the Python environment and its base installation, the
    course library (not the course folder around it), the system's libraries, ``extra``."""
    import course_lib

    python = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    python |= {Path(p) for key in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_path(key))}
    library = Path(course_lib.__file__).resolve().parent
    return sorted({*python, library, *map(Path, SYSTEM_READ), *map(Path, extra)})


def _environment(scratch: Path, overrides: dict[str, str]) -> dict[str, str]:
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env |= {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(scratch / "home"),
        "TMPDIR": str(scratch / "tmp"),
        "MPLCONFIGDIR": str(scratch / "matplotlib"),
        "COURSE_CACHE_DIR": str(scratch / "cache"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "IPYTHONDIR": str(scratch / "ipython"),
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env | overrides


def prepare_scratch(scratch: Path) -> None:
    """Make the scratch folder's parts; copy Matplotlib's font list into it, so the kernel
    does not rebuild it (seconds) in a folder it cannot keep."""
    for part in ("home", "tmp", "matplotlib", "cache", "runtime", "ipython", "work"):
        (scratch / part).mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        for font_list in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy(font_list, scratch / "matplotlib")
    except Exception:  # only a speed-up
        pass


def command(
    kernel: list[str],
    scratch: Path,
    read: list[Path],
    limits: Limits = Limits(),
    env: dict[str, str] | None = None,
    tcp_bind: list[int] | None = None,
    namespaces: bool = False,
) -> list[str]:
    """The command that runs ``kernel`` in the sandbox: it may read ``read`` and write
    ``scratch``, with ``limits``, ``env`` added to its environment, binding only the TCP
    ports ``tcp_bind``, in namespaces of its own if ``namespaces`` (then it has no network
    and talks over UNIX sockets)."""
    # -I: the working folder (a submission's, where nbgrader starts the kernel) is not on sys.path
    args = [sys.executable, "-I", "-m", "course_tools.sandbox", "--scratch", str(scratch)]
    args += ["--namespaces"] if namespaces else []
    args += [f"--read={path}" for path in read]
    args += [f"--env={key}={value}" for key, value in (env or {}).items()]
    args += [f"--tcp-bind={port}" for port in tcp_bind or []]
    args += [f"--memory={limits.memory}", f"--cpu-seconds={limits.cpu_seconds}", f"--file-size={limits.file_size}"]
    args += [f"--processes={limits.processes}", f"--open-files={limits.open_files}"]
    return [*args, "--", *kernel]


def _set_limits(args: argparse.Namespace) -> None:
    limits = {
        resource.RLIMIT_DATA: args.memory,
        resource.RLIMIT_CPU: args.cpu_seconds,
        resource.RLIMIT_FSIZE: args.file_size,
        resource.RLIMIT_NOFILE: args.open_files,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: args.processes,
    }
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_tools.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--read", type=Path, action="append", default=[])
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--tcp-bind", type=int, action="append", default=[])
    parser.add_argument("--memory", type=int, default=Limits.memory)
    parser.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds)
    parser.add_argument("--file-size", type=int, default=Limits.file_size)
    parser.add_argument("--processes", type=int, default=Limits.processes)
    parser.add_argument("--open-files", type=int, default=Limits.open_files)
    parser.add_argument("--namespaces", action="store_true", help="run in user, PID, mount and network namespaces")
    parser.add_argument("--inside", action="store_true", help="(internal) the step inside the namespaces")
    parser.add_argument("kernel", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Start the kernel command in the sandbox (this process becomes it)."""
    args = _parser().parse_args(argv)
    kernel = args.kernel[1:] if args.kernel[:1] == ["--"] else args.kernel
    if not kernel:
        raise SystemExit("no command to run in the sandbox")
    kernel[0] = str(Path(shutil.which(kernel[0]) or kernel[0]).absolute())  # found before the move to scratch
    scratch = args.scratch.resolve()
    if not args.inside:
        overrides = dict(item.split("=", 1) for item in args.env)
        env = _environment(scratch, overrides)
        _set_limits(args)
        if args.namespaces:
            # The interrupt a grader sends to the kernel's process group must not end unshare
            # (it would kill the kernel); the step inside gives the kernel its default back.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            passed_on = [arg for arg in _passed_on(argv) if arg != "--namespaces"]
            inside = [sys.executable, "-I", "-m", "course_tools.sandbox", "--inside", *passed_on, "--", *kernel]
            os.execvpe(UNSHARE[0], [*UNSHARE, "--kill-child", "--", *inside], env)
        os.environ.clear()
        os.environ.update(env)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a handled signal is reset to default by exec
    log = os.open(scratch / "kernel.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for stream in (1, 2):  # what the kernel prints outside the notebook, e.g. its start-up lines
        os.dup2(log, stream)
    os.chdir(scratch / "work")
    landlock.restrict_self(args.read, [scratch, Path("/dev/null")], args.tcp_bind)
    os.execvp(kernel[0], kernel)


def _passed_on(argv: list[str] | None) -> list[str]:
    argv = list(sys.argv[1:] if argv is None else argv)
    return argv[: argv.index("--")] if "--" in argv else argv


def photos() -> tuple[list[Path], dict[str, str]]:
    """The photo folder a graded notebook uses, found here, and what tells the kernel of
    it: its cache is empty, so a photo set from the grader's cache is named as a folder."""
    from course_lib.photos import sources

    try:
        found = sources.for_grading()
    except Exception:  # the kernel meets the same trouble and says it in the graded notebook
        return [], {}
    return ([], {}) if found.is_sample else ([found.path.resolve()], {"COURSE_DATA_DIR": str(found.path.resolve())})


if __name__ == "__main__":
    main()

"""A class hub on one machine: JupyterHub with nbgrader's exchange (``make hub``).

:class:`ClassHub` sets up everything from the repository's files, then runs JupyterHub
(``hub/jupyterhub_config.py``) in the foreground:

- ``<state>/env``, the instructor's server's Python, with the course installed from
  ``pyproject.toml``, and ``<state>/student-env``, the students', from the student kit's
  wheel (no course version of any exercise in it); both with JupyterHub, neither editable
  (no student needs to read the repository, whose ``solutions/`` they must not see), and
  reinstalled only when the course's files change;
- ``<state>/proxy``: ``configurable-http-proxy`` from the npm registry;
- one local account per person (PAM logins), homes readable by their owner only; new
  accounts get a generated password, listed in ``<state>/accounts.csv`` (root only);
  an existing account keeps its own;
- the instructor's course folder ``~/convnet-course`` (``nbgrader_config.py`` and
  ``solutions/``; *Generate* in Formgrader writes ``notebooks/``) and its gradebook, with
  every student registered; run
  again after ``git pull``, it brings a new or fixed exercise in, replacing a file only
  where the instructor never edited it (an edited one is kept, the new version in
  ``course-updates/<date>/``: :func:`.workcopy.bring`);
- nbgrader's exchange ``<state>/exchange`` and two Jupyter configuration folders: the
  instructor's server gets *Formgrader*, the students' only *Assignments*.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import GradingError
from .kit import wheel_without_answers

COURSE_ID = "convnet-course"
COURSE_FOLDER = "convnet-course"  # in the instructor's home
HUB_REQUIREMENTS = (
    "jupyterhub>=5,<6",  # the major Zero to JupyterHub 4 runs (hub/kubernetes)
    "jupyterhub-idle-culler>=1.4,<3",  # stops servers idle for --cull-idle seconds
    "jupyterhub-systemdspawner>=1,<2",  # enforces --mem-limit and --cpu-limit where systemd runs
)
BACKEND_EXTRA = "cpu"  # the course's extra that brings TensorFlow (pyproject.toml)
PROXY_PACKAGE = "configurable-http-proxy@4"
SETTINGS_VARIABLE = "CONVNET_HUB_SETTINGS"  # the hub.json that hub/jupyterhub_config.py reads
STUDENT_ONLY = {  # what a student's server must not offer
    "server": ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"],
    "lab": ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment"],
}


class HubError(GradingError):
    """The hub cannot be set up or started here; the message says why and what to do."""


@dataclass
class ClassHub:
    """One class: an instructor and students on this machine's JupyterHub.

    Args:
        root: the course repository (its ``pyproject.toml``, ``solutions/``).
        state: where the hub keeps its environment, exchange and database.
        instructor: the instructor's account name.
        students: the students' account names.
        port: the port the hub listens on (and the next two: the proxy's and the hub's API).
        ip: the address it listens on.
        data: a photo folder every server uses (``COURSE_DATA_DIR``); without one, the
            servers use the photos the course ships, so no server downloads 825 MB.
        ssl_cert, ssl_key: the hub's HTTPS certificate and key; plain HTTP is served on
            a loopback address only (passwords would cross the network in clear).
        mem_limit, cpu_limit: each person's server, kernels included (JupyterHub's
            ``Spawner.mem_limit`` and ``cpu_limit``); enforced where systemd runs the
            machine (``SystemdSpawner``: cgroups), shown but not enforced elsewhere.
        cull_idle: seconds after which ``jupyterhub-idle-culler`` stops an idle server
            (its files stay; the next login starts it again).
    """

    root: Path
    state: Path
    instructor: str
    students: list[str]
    port: int = 8000
    ip: str = "127.0.0.1"
    data: Path | None = None
    ssl_cert: Path | None = None
    ssl_key: Path | None = None
    mem_limit: str = "4G"
    cpu_limit: float = 1.0
    cull_idle: int = 3600
    log: list[str] = field(default_factory=list)

    @property
    def users(self) -> list[str]:
        return [self.instructor, *self.students]

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def course_dir(self) -> Path:
        return Path(pwd.getpwnam(self.instructor).pw_dir) / COURSE_FOLDER

    # -- checks ---------------------------------------------------------------------
    def check(self, ports: bool = True) -> None:
        """Refuse, with what to do, where the hub cannot run (its ports: only when it is
        to start, not for a set-up or update while it runs)."""
        if os.geteuid() != 0:
            raise HubError(
                "The class hub must run as root: it creates local accounts and starts each "
                "person's server as that person. Run it with sudo (sudo make hub)."
            )
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                raise HubError(
                    f"{tool} is missing: JupyterHub's proxy runs on Node.js. Install it "
                    "(Debian: apt-get install nodejs npm) and start the hub again."
                )
        for port in (self.port, self.port + 1, self.port + 2) if ports else ():  # public, proxy API, hub API
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((self.ip, port))
                except OSError:
                    raise HubError(
                        f"Port {port} on {self.ip} is taken (the hub needs {self.port}, "
                        f"{self.port + 1} and {self.port + 2}): stop what uses it, or "
                        "choose another with --port."
                    ) from None
        names = set()
        for name in self.users:
            if not _valid_name(name):
                raise HubError(f"{name!r} cannot be an account name: use lower-case letters, digits, - and _.")
            if name in names:
                raise HubError(f"{name!r} is named twice in the class.")
            names.add(name)
            if (uid := _uid(name)) is not None and uid < 1000:
                raise HubError(f"{name!r} is a system account (uid {uid}); choose another name.")
        if (self.ssl_cert is None) != (self.ssl_key is None):
            raise HubError("Give both --ssl-cert and --ssl-key (the certificate and its private key), or neither.")
        for given in (self.ssl_cert, self.ssl_key):
            if given is not None and not given.is_file():
                raise HubError(f"{given} is not a file: give the HTTPS certificate and key files.")
        if self.ssl_cert is None and not _loopback(self.ip):
            raise HubError(
                f"--ip {self.ip} would serve the hub over plain HTTP to other machines, where passwords cross the "
                "network in clear. Give --ssl-cert and --ssl-key (e.g. from Let's Encrypt), or keep the default "
                "--ip 127.0.0.1 behind an HTTPS proxy of your own."
            )
        if self.data is not None and not self.data.is_dir():
            raise HubError(
                f"--data names {self.data}, which is not a folder: give the cats_and_dogs_small "
                "folder (train/, validation/, test/), or leave it out to use the shipped photos."
            )

    # -- set-up ---------------------------------------------------------------------
    def setup(self, ports: bool = True) -> None:
        """Everything the hub needs, from the repository's files; safe to run again."""
        self.check(ports)
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)
        self._environment()
        self._proxy()
        self._accounts()
        self._exchange_and_config()
        self._instructor_course()
        (self.state / "hub").mkdir(mode=0o700, exist_ok=True)
        (self.state / "hub.json").write_text(json.dumps(self.settings(), indent=2))

    def settings(self) -> dict:
        """What ``hub/jupyterhub_config.py`` reads."""
        return {
            "state": str(self.state),
            "ip": self.ip,
            "port": self.port,
            "ssl": [str(self.ssl_cert), str(self.ssl_key)] if self.ssl_cert else None,
            "instructor": self.instructor,
            "students": self.students,
            "course_dir": str(self.course_dir),
            "limits": {"mem_limit": self.mem_limit, "cpu_limit": self.cpu_limit, "enforced": enforces_limits()},
            "cull_idle": self.cull_idle,
            "environment": {role: self.environment(role) for role in ("instructor", "student")},
            "python": {role: str(self.python_env(role)) for role in ("instructor", "student")},
        }

    def _environment(self) -> None:
        """The servers' Python, one per role: the instructor's with the course's library as
        it is (grading needs the course's version of each exercise), the students' from the
        wheel the student kit holds (without them). Reinstalled only when the course changes."""
        digest = _course_hash(self.root)
        for role in ("instructor", "student"):
            env = self.python_env(role)
            stamp = env / ".course-hash"
            if stamp.is_file() and stamp.read_text() == digest:
                continue
            self._say(f"installing the course and JupyterHub into {env} (a few minutes the first time)")
            if not (env / "bin" / "python").exists():
                _run([str(_shared_python()), "-m", "venv", str(env)])
            with tempfile.TemporaryDirectory(prefix="convnet-wheel-") as tmp:
                course = str(self.root) if role == "instructor" else str(wheel_without_answers(self.root, Path(tmp)))
                pip = [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet"]
                _run([*pip, f"{course}[{BACKEND_EXTRA}]", *HUB_REQUIREMENTS])
                _run([*pip, "--force-reinstall", "--no-deps", course])  # a changed course keeps its version number
            stamp.write_text(digest)

    def python_env(self, role: str) -> Path:
        """The servers' Python of ``role`` (instructor or student)."""
        return self.state / ("env" if role == "instructor" else "student-env")

    def _proxy(self) -> None:
        proxy = self.state / "proxy"
        if not (proxy / "node_modules" / ".bin" / "configurable-http-proxy").exists():
            self._say("installing configurable-http-proxy from the npm registry")
            _run(["npm", "install", "--silent", "--prefix", str(proxy), PROXY_PACKAGE])

    def _accounts(self) -> None:
        record = self.state / "accounts.csv"
        known = _read_accounts(record)
        for name in self.users:
            if _uid(name) is None:
                _run(["useradd", "--create-home", "--shell", "/bin/bash", name])
                password = secrets.token_urlsafe(9)
                _run(["chpasswd"], input=f"{name}:{password}\n")
                known[name] = password
                self._say(f"created the account {name}")
            Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
        with open(os.open(record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["username", "password"])
            writer.writerows(sorted(known.items()))

    def _exchange_and_config(self) -> None:
        self.exchange.mkdir(exist_ok=True)
        # Writable by all as nbgrader's docs say, and sticky: nobody removes what is not theirs.
        self.exchange.chmod(0o1777)
        course = self.exchange / COURSE_ID  # the instructor's before any student could make it
        if course.is_symlink() or (course.exists() and not course.is_dir()):
            raise HubError(f"{course} is not a folder (someone replaced it): remove it, then run make hub again.")
        course.mkdir(exist_ok=True)
        user = pwd.getpwnam(self.instructor)
        os.chown(course, user.pw_uid, user.pw_gid, follow_symlinks=False)
        course.chmod(0o755)
        common = self.state / "jupyter" / "common"
        common.mkdir(parents=True, exist_ok=True)
        (common / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n"
            "c.ExecutePreprocessor.timeout = 120  # the course's own (nbgrader_config.py): Validate on one CPU\n"
            "from course_tools.streams import VALIDATE_KERNEL_ARGUMENTS  # noqa: E402\n"
            "c.Validator.Execute.extra_arguments = VALIDATE_KERNEL_ARGUMENTS  # a right answer that warns validates\n"
        )
        student = self.state / "jupyter" / "student"
        (student / "labconfig").mkdir(parents=True, exist_ok=True)
        (student / "jupyter_server_config.json").write_text(
            json.dumps(
                {"ServerApp": {"jpserver_extensions": {name: False for name in STUDENT_ONLY["server"]}}}, indent=2
            )
        )
        (student / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {name: True for name in STUDENT_ONLY["lab"]}}, indent=2)
        )
        instructor = self.state / "jupyter" / "instructor"
        instructor.mkdir(exist_ok=True)
        (instructor / "nbgrader_config.py").write_text(  # formgrader reads the course's own settings
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(self.course_dir / 'nbgrader_config.py')!r})  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(self.course_dir)!r}\n"
        )
        for folder in (self.state / "jupyter").rglob("*"):
            folder.chmod(0o755 if folder.is_dir() else 0o644)

    def _instructor_course(self) -> None:
        """The instructor's course folder, made and filled by the instructor's account,
        never by root in a folder they own: the repository's ``nbgrader_config.py``,
        ``solutions/`` and benchmarks are brought in without overwriting their edits
        (:func:`.workcopy.bring`), then every student is registered in its gradebook, by
        nbgrader running as the instructor."""
        user = pwd.getpwnam(self.instructor)
        as_instructor = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": "/"}
        env = {**self.environment("instructor"), "HOME": user.pw_dir}
        with tempfile.TemporaryDirectory(prefix="convnet-course-") as tmp:
            staging = Path(tmp)
            for name in ("nbgrader_config.py", "solutions", "benchmarks/results.json"):
                source = self.root / name
                if not source.exists():  # no benchmarks yet: the boxes say "not measured"
                    continue
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(
                        source, staging / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
                    )
                else:
                    shutil.copyfile(source, staging / name)
            for path in (staging, *staging.rglob("*")):
                path.chmod(0o755 if path.is_dir() else 0o644)
            python = str(self.state / "env" / "bin" / "python")
            for line in _run(
                [python, "-c", FILL_COURSE, str(staging), str(self.course_dir)], env=env, **as_instructor
            ).splitlines():
                self._say(line)
        nbgrader = str(self.state / "env" / "bin" / "nbgrader")
        for name in self.students:
            _run(
                [nbgrader, "db", "student", "add", name, "--log-level=WARN"],
                env=env,
                **{**as_instructor, "cwd": self.course_dir},
            )

    def environment(self, role: str) -> dict[str, str]:
        """The environment of a server (``role``: instructor or student)."""
        jupyter = self.state / "jupyter"
        photos = {"COURSE_DATA_DIR": str(self.data)} if self.data else {"COURSE_DATA": "sample"}
        return {
            "PATH": f"{self.python_env(role) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": f"{jupyter / role}:{jupyter / 'common'}",
            **photos,
        }

    # -- running --------------------------------------------------------------------
    def command(self) -> tuple[list[str], dict[str, str]]:
        """The command that runs the hub in the foreground, and its environment."""
        command = [
            str(self.state / "env" / "bin" / "jupyterhub"),
            "-f",
            str(self.root / "hub" / "jupyterhub_config.py"),
        ]
        return command, {**os.environ, SETTINGS_VARIABLE: str(self.state / "hub.json")}

    def _say(self, line: str) -> None:
        self.log.append(line)
        print(line, flush=True)


def enforces_limits() -> bool:
    """Whether systemd runs this machine, so that ``SystemdSpawner`` can hold each server
    to its memory and CPU limits (in a container without systemd nothing enforces them)."""
    return Path("/run/systemd/system").is_dir()


def read_class(path: Path) -> list[str]:
    """Student account names from a CSV with a ``username`` (or nbgrader's ``id``) column."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = [(row.get("username") or row.get("id") or "").strip() for row in rows]
    if not names or not all(names):
        raise HubError(f"{path} must have a 'username' column with one student per row.")
    return names


def _shared_python() -> Path:
    """A Python 3.11+ that every account can run (a venv links to its interpreter and its
    standard library: pyenv's under /root is out of the students' reach)."""
    for candidate in (Path(sys.executable), Path("/usr/bin/python3"), Path("/usr/local/bin/python3")):
        if candidate.exists() and _world_usable(candidate) and _python_version(candidate) >= (3, 11):
            return candidate.resolve()
    raise HubError(
        "No Python 3.11 or newer that every account can run was found (the course's own "
        f"{sys.executable} lies where students cannot read). Install one: apt-get install python3 python3-venv."
    )


def _world_usable(path: Path) -> bool:
    real = path.resolve()
    prefix = Path(
        subprocess.run(
            [str(real), "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True
        ).stdout.strip()
        or "/"
    )
    folders = {*real.parents, prefix, *prefix.parents}
    return bool(real.stat().st_mode & 0o001) and all(folder.stat().st_mode & 0o001 for folder in folders)


def _python_version(path: Path) -> tuple[int, int]:
    out = subprocess.run([str(path), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True)
    return tuple(int(part) for part in out.stdout.split()) if out.returncode == 0 else (0, 0)


FILL_COURSE = """
import sys
from pathlib import Path
from course_tools.workcopy import bring
source, course = map(Path, sys.argv[1:3])
course.mkdir(mode=0o700, exist_ok=True)
items = [source / name for name in ("nbgrader_config.py", "solutions", "benchmarks")]  # notebooks/: Generate
print("\\n".join(bring(source, course, items, "the course folder", aside="course-updates")))
"""  # run as the instructor: brings the course's files without overwriting the instructor's edits


def _loopback(ip: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def _valid_name(name: str) -> bool:
    return (
        bool(name)
        and len(name) <= 32
        and name[0].isalpha()
        and name.islower()
        and all(ch.isalnum() or ch in "-_" for ch in name)
    )


def _uid(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _read_accounts(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with open(path, newline="") as handle:
        return {row["username"]: row["password"] for row in csv.DictReader(handle)}


def _course_hash(root: Path) -> str:
    digest = hashlib.sha256(" ".join(HUB_REQUIREMENTS).encode())
    for path in sorted(
        [root / "pyproject.toml", *(root / "course_lib").rglob("*"), *(root / "course_tools").rglob("*")]
    ):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def _run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise HubError(f"{' '.join(command[:4])} failed:\n{(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout

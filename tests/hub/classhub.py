"""A real class hub for the tests: ``convnet-course hub`` as root, with throw-away
accounts (removed before and after), in a state folder every account can reach. The
``class_hub`` fixture (conftest.py) starts it; run as a script (``.ci/run`` does, while
online), this installs the hub's environments and proxy."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the course (also when run as a script)
INSTRUCTOR = "cchubteacher"
STUDENTS = ["cchubalice", "cchubbob"]
# Not under pytest's tmp folders (mode 0700: students could not reach the servers' Python).
STATE = Path("/var/tmp/convnet-course-hub-test")


@dataclass
class RunningHub:
    url: str
    state: Path
    passwords: dict[str, str]
    course: Path  # the instructor's course folder
    process: subprocess.Popen
    port: int

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)

    def home(self, user: str) -> Path:
        return Path(f"/home/{user}")


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 60000 and all(_free(port + k) for k in (1, 2)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def remove_accounts() -> None:
    for name in (INSTRUCTOR, *STUDENTS):
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", "--remove", name], capture_output=True)


def hub_command(port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "course_tools.cli",
        "--course",
        str(ROOT),
        "hub",
        "--state",
        str(STATE),
        "--instructor",
        INSTRUCTOR,
        "--students",
        ",".join(STUDENTS),
        "--port",
        str(port),
        *extra,
    ]


def start_hub(port: int) -> subprocess.Popen:
    """Set up (again) and start the hub; returns once it answers."""
    log = open(STATE.parent / f"{STATE.name}.log", "a")
    process = subprocess.Popen(hub_command(port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 600  # the first set-up installs the servers' environment
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub stopped (rc {process.returncode}); see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/health", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    raise RuntimeError("the hub did not answer in 10 minutes")


if __name__ == "__main__":  # .ci/run: install the servers' environment and the proxy while online
    port = free_port()
    subprocess.run(hub_command(port, "--setup-only"), check=True, stdout=subprocess.DEVNULL)
    remove_accounts()

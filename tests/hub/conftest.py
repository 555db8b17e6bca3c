"""The class hub the tests in this folder share (``classhub.py``): started once, as root."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from classhub import INSTRUCTOR, STATE, RunningHub, free_port, remove_accounts, start_hub

from helpers import CHROMIUM


@pytest.fixture(scope="session")
def class_hub() -> Iterator[RunningHub]:
    """The hub, set up afresh with the instructor's and the students' accounts (its
    environments and proxy, in the state folder, are reused); stopped and the accounts
    removed after."""
    if os.geteuid() != 0:
        pytest.skip("the class hub needs root (local accounts); .ci/run runs as root")
    if shutil.which("node") is None:
        pytest.skip("Node.js is missing; .ci/run installs it")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    remove_accounts()
    for leftover in (
        "exchange",
        "hub",
        "jupyter",
        "accounts.csv",
        "hub.json",
    ):  # env/, student-env/ and proxy/ are reused
        path = STATE / leftover
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    STATE.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = start_hub(port)
    with open(STATE / "accounts.csv", newline="") as handle:
        passwords = {row["username"]: row["password"] for row in csv.DictReader(handle)}
    hub = RunningHub(
        f"http://127.0.0.1:{port}", STATE, passwords, Path(f"/home/{INSTRUCTOR}/convnet-course"), process, port
    )
    yield hub
    if hub.process.poll() is None:
        hub.stop()
    remove_accounts()

"""``convnet-course hub`` refuses, with what to do, where a class hub cannot run (the
running hub itself is tested in tests/hub/)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from course_tools import cli, hub
from course_tools.hub import ClassHub, HubError
from helpers import ROOT


def _hub(tmp_path: Path, port: int = 18700, students: list[str] | None = None) -> ClassHub:
    return ClassHub(ROOT, tmp_path / "state", "teacher", students or ["alice", "bob"], port=port)


def test_it_refuses_without_root(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 1000)
    with pytest.raises(HubError, match="must run as root.*sudo make hub"):
        _hub(tmp_path).check()


def test_it_refuses_without_node(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 0)
    monkeypatch.setattr(hub.shutil, "which", lambda tool: None if tool == "node" else f"/usr/bin/{tool}")
    with pytest.raises(HubError, match="node is missing.*apt-get install nodejs"):
        _hub(tmp_path).check()


def test_it_refuses_a_taken_port(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 0)
    monkeypatch.setattr(hub.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HubError, match=f"Port {port} on 127.0.0.1 is taken.*--port"):
            _hub(tmp_path, port=port).check()
        with pytest.raises(HubError, match=f"Port {port} .*is taken"):  # the proxy's API port, one below
            _hub(tmp_path, port=port - 1).check()
        _hub(tmp_path, port=port).check(ports=False)  # --setup-only: an update while the hub runs on its port


@pytest.mark.parametrize(
    "students, message",
    [
        (["alice", "Bob"], "'Bob' cannot be an account name"),
        (["alice", "alice"], "'alice' is named twice"),
        (["root"], "'root' is a system account"),
    ],
)
def test_it_refuses_bad_or_system_account_names(tmp_path: Path, monkeypatch, students, message) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 0)
    monkeypatch.setattr(hub.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    with pytest.raises(HubError, match=message):
        _hub(tmp_path, port=_free_port(), students=students).check()


def test_it_refuses_a_photo_folder_that_is_not_there(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 0)
    monkeypatch.setattr(hub.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    missing = _hub(tmp_path, port=_free_port())
    missing.data = tmp_path / "no-photos"
    with pytest.raises(HubError, match="--data names .*no-photos.*not a folder"):
        missing.check()
    missing.data = None
    assert missing.environment("student")["COURSE_DATA"] == "sample", "no server may download the photos"


def test_the_refusal_is_one_message_and_exit_code_2(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(hub.os, "geteuid", lambda: 1000)
    code = cli.main(["--course", str(ROOT), "hub", "--state", str(tmp_path / "s"), "--setup-only"])
    assert code == 2
    err = capsys.readouterr().err
    assert "must run as root" in err and "Traceback" not in err
    assert not (tmp_path / "s").exists(), "a refused hub must leave nothing behind"


def test_a_class_list_reads_usernames_or_nbgrader_ids(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("username,first_name\nalice,Alice\nbob,Bob\n")
    (tmp_path / "b.csv").write_text("id,first_name,last_name,email\ncarol,C,D,c@example.org\n")
    (tmp_path / "c.csv").write_text("name\nalice\n")
    assert hub.read_class(tmp_path / "a.csv") == ["alice", "bob"]
    assert hub.read_class(tmp_path / "b.csv") == ["carol"]
    with pytest.raises(HubError, match="'username' column"):
        hub.read_class(tmp_path / "c.csv")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_plain_http_is_served_on_loopback_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hub.ClassHub, "course_dir", property(lambda self: tmp_path / "course"))
    monkeypatch.setattr(hub.os, "geteuid", lambda: 0)
    monkeypatch.setattr(hub.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    public = _hub(tmp_path, port=_free_port())
    public.ip = "0.0.0.0"
    with pytest.raises(HubError, match="plain HTTP to other machines.*--ssl-cert and --ssl-key"):
        public.check()
    public.ssl_cert, public.ssl_key = tmp_path / "cert.pem", tmp_path / "key.pem"
    public.ssl_cert.write_text("certificate")
    public.ssl_key.write_text("key")
    public.check()  # with a certificate, any address
    assert public.settings()["ssl"] == [str(public.ssl_cert), str(public.ssl_key)]
    local = _hub(tmp_path, port=_free_port())
    local.check()  # 127.0.0.1, plain HTTP: the default
    assert local.settings()["ssl"] is None


@pytest.mark.parametrize("systemd", [True, False])
def test_the_hub_limits_each_server_and_culls_idle_ones(tmp_path: Path, monkeypatch, systemd: bool) -> None:
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setattr(hub.ClassHub, "course_dir", property(lambda self: tmp_path / "course"))
    monkeypatch.setattr(hub, "enforces_limits", lambda: systemd)
    class_hub = _hub(tmp_path, port=_free_port())
    class_hub.mem_limit, class_hub.cpu_limit, class_hub.cull_idle = "3G", 1.5, 1800
    (tmp_path / "hub.json").write_text(json.dumps(class_hub.settings()))
    monkeypatch.setenv(hub.SETTINGS_VARIABLE, str(tmp_path / "hub.json"))

    config = PyFileConfigLoader("jupyterhub_config.py", str(ROOT / "hub")).load_config()

    assert config.JupyterHub.spawner_class == ("systemdspawner.SystemdSpawner" if systemd else "localprocess")
    assert (config.Spawner.mem_limit, config.Spawner.cpu_limit) == ("3G", 1.5)
    (culler,) = config.JupyterHub.services
    assert culler["command"][-2:] == ["jupyterhub_idle_culler", "--timeout=1800"]
    assert "delete:servers" in config.JupyterHub.load_roles[0]["scopes"]


def test_the_hub_writes_its_state_in_its_state_folder(tmp_path: Path, monkeypatch) -> None:
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setattr(hub.ClassHub, "course_dir", property(lambda self: tmp_path / "course"))
    (tmp_path / "hub.json").write_text(json.dumps(_hub(tmp_path, port=_free_port()).settings()))
    monkeypatch.setenv(hub.SETTINGS_VARIABLE, str(tmp_path / "hub.json"))
    config = PyFileConfigLoader("jupyterhub_config.py", str(ROOT / "hub")).load_config()
    files = [config.JupyterHub.pid_file, config.ConfigurableHTTPProxy.pid_file, config.JupyterHub.cookie_secret_file]
    assert all(Path(f).is_relative_to(tmp_path) for f in files), files


def test_a_changed_course_is_installed_again_though_its_version_is_the_same(tmp_path: Path, monkeypatch) -> None:
    """Each server's Python gets the course with its TensorFlow extra, then the course again,
    forced: pip skips a wheel whose version is installed, and a changed course keeps 0.1.0."""
    commands: list[list[str]] = []
    monkeypatch.setattr(hub, "_run", lambda command, **kwargs: commands.append(command) or "")
    monkeypatch.setattr(hub, "wheel_without_answers", lambda root, out: out / "convnet_course-0.1.0-py3-none-any.whl")
    for role in ("instructor", "student"):
        (tmp_path / "state" / ("env" if role == "instructor" else "student-env") / "bin").mkdir(parents=True)
        (tmp_path / "state" / ("env" if role == "instructor" else "student-env") / "bin" / "python").touch()
    _hub(tmp_path)._environment()
    installs = [c[c.index("install") + 1 :] for c in commands if "install" in c]
    assert len(installs) == 4, commands
    for first, again in zip(installs[::2], installs[1::2]):
        course = again[-1]
        assert f"{course}[cpu]" in first and any(r.startswith("jupyterhub>=") for r in first)
        assert again[:-1] == ["--quiet", "--force-reinstall", "--no-deps"]
    assert installs[0][-1 - len(hub.HUB_REQUIREMENTS)] == f"{ROOT}[cpu]"  # the instructor's: the whole course
    assert installs[3][-1].endswith("convnet_course-0.1.0-py3-none-any.whl")  # the students': the kit's wheel
    _hub(tmp_path)._environment()  # nothing changed since: nothing installed
    assert len([c for c in commands if "install" in c]) == 4

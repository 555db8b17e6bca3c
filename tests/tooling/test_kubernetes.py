"""The Zero to JupyterHub set-up in hub/kubernetes/, checked without Kubernetes or Docker.

values.yaml is merged onto the chart's defaults as helm merges them and validated against
the chart's own schema (both vendored from zero-to-jupyterhub-k8s 4.4.0 in tests/data/),
which rejects keys the chart does not define. Its Python and nbgrader settings are run
here as the hub and nbgrader would run them. The Dockerfile is read, not built: what it
installs and copies, and its build-time check and extension commands, run here.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement

from course_tools.streams import StderrAsStdout
from helpers import ROOT

KUBE = ROOT / "hub" / "kubernetes"
DATA = ROOT / "tests" / "data"
BIN = Path(sys.executable).parent
EXCHANGE_MOUNT = "/srv/nbgrader/exchange"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


VALUES = _load(KUBE / "values.yaml")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SCHEMA = _load(DATA / "z2jh-values.schema.yaml")
CHART_DEFAULTS = _load(DATA / "z2jh-values.yaml")


def helm_merge(defaults: dict, overrides: dict) -> dict:
    """What helm validates: the chart's values with the user's on top (maps merged key by
    key, anything else replaced, a null removing the key)."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    merged = helm_merge(CHART_DEFAULTS, values)
    return [f"{'.'.join(map(str, e.absolute_path)) or '<top>'}: {e.message}" for e in validator.iter_errors(merged)]


# --- the values file against the chart ------------------------------------------------


def test_the_values_file_is_valid_for_the_chart() -> None:
    assert schema_errors(VALUES) == []


@pytest.mark.parametrize("section, typo", [("singleuser", "memroy"), ("cull", "timout"), ("hub", "extraconfig")])
def test_a_misspelt_key_is_rejected(section: str, typo: str) -> None:
    values = copy.deepcopy(VALUES)
    values[section][typo] = {"limit": "4G"} if typo == "memroy" else 3600
    errors = schema_errors(values)
    assert any(typo in e and "Additional properties are not allowed" in e for e in errors), errors


def _bytes(quantity: str | int) -> float:
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}  # KubeSpawner's ByteSpecification
    text = str(quantity)
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


def test_each_server_gets_the_course_image_within_limits_and_is_culled_when_idle() -> None:
    single = VALUES["singleuser"]
    assert single["image"]["name"].endswith("/convnet-course") and single["image"]["tag"]
    # Kubernetes refuses a pod whose request (guarantee) exceeds its limit.
    assert 0 < _bytes(single["memory"]["guarantee"]) <= _bytes(single["memory"]["limit"])
    assert 0 < single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    threads = {single["extraEnv"][k] for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")}
    assert threads == {str(single["cpu"]["limit"])}
    cull = VALUES["cull"]
    assert cull["enabled"] and 0 < cull["every"] < cull["timeout"]


# --- nbgrader and the two kinds of users -----------------------------------------------


def _write_extra_files(root: Path, course: Path) -> None:
    """Lay singleuser.extraFiles out under ``root`` as the pods see them under /, with the
    instructor's course folder at ``course``."""
    for entry in VALUES["singleuser"]["extraFiles"].values():
        path = root / entry["mountPath"].lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if "stringData" in entry:
            path.write_text(entry["stringData"].replace("/home/jovyan/convnet-course", str(course)))
        else:
            assert path.suffix == ".json"
            path.write_text(json.dumps(entry["data"]))


def _run_hub_config() -> SimpleNamespace:
    """Run hub.extraConfig as the hub does, with a config object standing in for ``c``."""
    c = SimpleNamespace(KubeSpawner=SimpleNamespace())
    for name, code in sorted(VALUES["hub"]["extraConfig"].items()):
        exec(compile(code, f"hub.extraConfig.{name}", "exec"), {"c": c})
    return c


def _spawn(c: SimpleNamespace, user_id: int, admin: bool) -> SimpleNamespace:
    shared_env = dict(VALUES["singleuser"]["extraEnv"])
    spawner = SimpleNamespace(
        user=SimpleNamespace(id=user_id, admin=admin),
        environment=shared_env,
        uid=1000,
        gid=None,
        storage_capacity=VALUES["singleuser"]["storage"]["capacity"],
    )
    c.KubeSpawner.pre_spawn_hook(spawner)
    assert shared_env == VALUES["singleuser"]["extraEnv"], "the hook must not change the env all spawners share"
    return spawner


def test_every_student_runs_under_their_own_uid_and_only_the_instructor_gets_the_grader() -> None:
    c = _run_hub_config()
    students = [_spawn(c, user_id, admin=False) for user_id in (1, 2, 3, 250)]
    instructor = _spawn(c, 4, admin=True)
    uids = [s.uid for s in students]
    assert len(set(uids)) == len(uids) and instructor.uid not in uids and min(uids) >= 100000
    assert instructor.uid == 1000  # the image's jovyan
    fs_gid = helm_merge(CHART_DEFAULTS, VALUES)["singleuser"]["fsGid"]  # the group of the volumes
    assert {s.gid for s in [*students, instructor]} == {fs_gid}
    assert all("JUPYTER_CONFIG_PATH" not in s.environment for s in students)
    config_dir = instructor.environment["JUPYTER_CONFIG_PATH"]
    mounted = [
        f["mountPath"]
        for f in VALUES["singleuser"]["extraFiles"].values()
        if f["mountPath"].startswith(config_dir + "/")
    ]
    assert len(mounted) == 3  # nbgrader_config.py, labconfig/, jupyter_server_config.d/
    assert _bytes(instructor.mem_limit) > _bytes(VALUES["singleuser"]["memory"]["limit"])
    assert instructor.environment["OMP_NUM_THREADS"] == str(int(instructor.cpu_limit))


def test_the_exchange_is_the_shared_volume_and_the_instructor_grades_with_the_course_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = VALUES["singleuser"]["storage"]
    (mount,) = [m for m in storage["extraVolumeMounts"] if m["mountPath"] == EXCHANGE_MOUNT]
    (volume,) = [v for v in storage["extraVolumes"] if v["name"] == mount["name"]]
    assert volume["persistentVolumeClaim"]["claimName"] == "nbgrader-exchange"  # as INSTRUCTORS.md creates it

    from jupyter_core.paths import SYSTEM_CONFIG_PATH
    from nbgrader.apps.baseapp import NbGrader

    instructor_dir = "/opt/convnet-course/instructor/"
    for entry in VALUES["singleuser"]["extraFiles"].values():  # everyone's files: where Jupyter reads them
        assert (
            entry["mountPath"].startswith(instructor_dir) or str(Path(entry["mountPath"]).parent) in SYSTEM_CONFIG_PATH
        )

    _write_extra_files(tmp_path, course=ROOT)
    monkeypatch.chdir(tmp_path)  # a server's working folder is the user's home, not the course

    def nbgrader_config(*paths: str):
        monkeypatch.setenv("JUPYTER_CONFIG_PATH", os.pathsep.join(str(tmp_path / p) for p in paths))
        app = NbGrader()
        app.load_config_file()
        return app.config

    student = nbgrader_config("etc/jupyter")
    assert student.Exchange.root == EXCHANGE_MOUNT
    assert student.CourseDirectory.course_id == "convnet-course"
    assert "root" not in student.CourseDirectory and "source_directory" not in student.CourseDirectory

    instructor = nbgrader_config("opt/convnet-course/instructor", "etc/jupyter")
    assert instructor.Exchange.root == EXCHANGE_MOUNT
    assert instructor.CourseDirectory.root == str(ROOT)
    # ... and the course's own nbgrader_config.py: its folders and its grading steps.
    assert instructor.CourseDirectory.source_directory == "solutions"
    assert instructor.CourseDirectory.course_id == "convnet-course"
    assert StderrAsStdout in instructor.Autograde.autograde_preprocessors


def _dockerfile_extension_commands() -> str:
    (run,) = [args for op, args in dockerfile_instructions() if op == "RUN" and "labextension disable" in args]
    return run


def test_students_get_assignments_and_validate_the_instructor_also_formgrader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Dockerfile's extension commands, run here at the user level of a scratch folder
    (in the image: the sys-prefix level, below it), then the instructor's config on top."""
    image_level = tmp_path / "image"
    shutil.copytree(Path(sys.prefix) / "etc" / "jupyter", image_level)  # what pip installed at sys-prefix
    commands = (
        _dockerfile_extension_commands().replace("--level=sys_prefix", "--level=user").replace("--sys-prefix", "--user")
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(image_level),
        "JUPYTER_PREFER_ENV_PATH": "0",
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("JUPYTER_CONFIG_PATH", None)
    done = subprocess.run(["bash", "-c", commands], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]  # the Dockerfile's own check included
    assert "nbgrader for students: " in done.stdout
    _write_extra_files(tmp_path / "pod", course=tmp_path / "course")

    from jupyter_core.paths import jupyter_config_path, jupyter_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyterlab_server.config import get_page_config

    def enabled(*config_path: Path) -> tuple[set[str], set[str]]:
        monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(image_level))
        monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")  # as for the image's system Python
        if config_path:
            monkeypatch.setenv("JUPYTER_CONFIG_PATH", os.pathsep.join(map(str, config_path)))
        else:
            monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
        server = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
        page = get_page_config(jupyter_path("labextensions"))
        lab = {"formgrader", "assignment-list", "course-list", "create-assignment", "validate-assignment"}
        lab -= {name.split(":")[1] for name in page["disabledExtensions"] if name.startswith("@jupyter/nbgrader:")}
        return {k.rsplit(".", 1)[1] for k, on in server.items() if on and k.startswith("nbgrader.")}, lab

    student_server, student_lab = enabled()
    assert student_server == {"assignment_list", "validate_assignment"}
    assert student_lab == {"assignment-list", "validate-assignment"}
    config_dir = tmp_path / "pod" / "opt" / "convnet-course" / "instructor"
    instructor_server, instructor_lab = enabled(config_dir)
    assert instructor_server == {"assignment_list", "validate_assignment", "formgrader", "course_list"}
    assert instructor_lab == {
        "formgrader",
        "assignment-list",
        "course-list",
        "create-assignment",
        "validate-assignment",
    }


# --- the Dockerfile ---------------------------------------------------------------------


def dockerfile_instructions(path: Path = KUBE / "Dockerfile") -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order: comments dropped, continued lines joined, a
    heredoc's lines (body and closing word) appended to its instruction."""
    lines = path.read_text().splitlines()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        if heredoc := re.search(r"<<-?'?(\w+)'?", line):
            body = []
            while i < len(lines) and lines[i] != heredoc.group(1):
                body.append(lines[i])
                i += 1
            i += 1
            line += "\n" + "\n".join([*body, heredoc.group(1)])
        op, _, args = line.partition(" ")
        out.append((op.upper(), args))
    return out


DOCKERFILE = dockerfile_instructions()


def _copy_sources() -> list[str]:
    sources = []
    for op, args in DOCKERFILE:
        if op in ("COPY", "ADD") and "<<" not in args:
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            sources += words[:-1]
    return sources


def test_the_image_installs_the_course_from_pyproject_and_jupyterhub_5() -> None:
    ops = [op for op, _ in DOCKERFILE]
    assert ops[0] == "FROM" and DOCKERFILE[0][1].startswith("python:3.11")
    assert "pyproject.toml" in _copy_sources()
    (install,) = [args for op, args in DOCKERFILE if op == "RUN" and "pip install" in args]
    words = shlex.split(install.split("pip install", 1)[1].split("&&")[0])
    assert ".[${BACKEND}]" in words and not {"-e", "--editable"} & set(words)  # a real install, not a link
    backend = [args for op, args in DOCKERFILE if op == "ARG" and args.startswith("BACKEND=")]
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert backend == ["BACKEND=cpu"] and {"cpu", "gpu"} <= set(extras)  # the CPU image unless told otherwise
    (hub,) = [Requirement(w) for w in words if w.startswith("jupyterhub")]
    assert (
        hub.specifier.contains("5.5.0") and not hub.specifier.contains("6.0.0") and not hub.specifier.contains("4.1.6")
    )


def test_the_image_never_gets_the_solutions() -> None:
    sources = _copy_sources()
    assert sources and all(s.strip("./") and not s.startswith(("solutions", "./solutions")) for s in sources), sources
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert "solutions" in ignored  # not even in the build context
    assert not {s.rstrip("/") for s in sources} & ignored  # and nothing the Dockerfile needs is left out


def test_the_weights_and_photos_are_fetched_at_build_time_and_work_offline() -> None:
    runs = [args for op, args in DOCKERFILE if op == "RUN"]
    assert not [r for r in runs if re.search(r"\b(curl|wget)\b|https?://", r)]  # only pip and the course's code fetch
    install = next(i for i, r in enumerate(runs) if 'pip install ".[${BACKEND}]"' in r)
    (check,) = [i for i, r in enumerate(runs) if "efficientnet_lite0(" in r]
    assert check > install and runs[check].startswith("--network=none python - <<")
    code = runs[check].split("\n", 1)[1].rsplit("\n", 1)[0]
    assert "sources.sample_dir()" in code
    closed = "http://127.0.0.1:9"  # as .ci/run: nothing can be downloaded
    env = {**os.environ, "http_proxy": closed, "https_proxy": closed, "HTTP_PROXY": closed, "HTTPS_PROXY": closed}
    result = subprocess.run([sys.executable, "-"], input=code, text=True, capture_output=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "chelsea:" in result.stdout and "sample photos:" in result.stdout


def test_safe_as_shipped_login_closed_https_owner_checked_no_egress() -> None:
    """Nobody gets in until a real identity provider is named; HTTPS; collect checks owners;
    students' servers reach nothing outside the cluster; /etc/passwd stays read-only."""
    config = VALUES["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] not in ("dummy", "null", "nullauthenticator")
    assert config["Authenticator"].get("allow_all") is False and "allow_all" not in config.get(
        "GenericOAuthenticator", {}
    )
    assert config["GenericOAuthenticator"]["allowed_groups"], "only the course's group gets in"
    assert "example.org" in config["GenericOAuthenticator"]["authorize_url"], "a placeholder no login can pass"
    merged = helm_merge(CHART_DEFAULTS, VALUES)
    assert merged["proxy"]["https"]["enabled"] is True and merged["proxy"]["https"]["hosts"]
    egress = merged["singleuser"]["networkPolicy"]
    assert egress["enabled"] and not any(egress["egressAllowRules"][k] for k in ("nonPrivateIPs", "privateIPs"))
    assert (
        "c.CollectApp.check_owner = True"
        in VALUES["singleuser"]["extraFiles"]["instructor-nbgrader-config"]["stringData"]
    )
    dockerfile = (KUBE / "Dockerfile").read_text()
    assert not re.search(r"chmod[^\n]*/etc/passwd|/etc/passwd[^\n]*chmod|> */etc/passwd", dockerfile)
    assert "NSS_WRAPPER_PASSWD" in dockerfile


def test_the_instructor_names_each_students_uid_for_the_owner_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jupyterhub", SimpleNamespace(orm=SimpleNamespace(User="User")))
    c = _run_hub_config()
    users = [SimpleNamespace(name="alice", id=1, admin=False), SimpleNamespace(name="teach", id=4, admin=True)]
    query = SimpleNamespace(query=lambda _model: users)
    user = SimpleNamespace(id=4, admin=True, db=query)
    spawner = SimpleNamespace(user=user, environment={}, uid=1000, gid=None, storage_capacity="5Gi")
    c.KubeSpawner.pre_spawn_hook(spawner)
    assert spawner.environment["CONVNET_STUDENT_UIDS"] == "alice:100001"


def test_the_gpu_profile_is_offered_beside_the_default_cpu_one() -> None:
    profiles = VALUES["singleuser"]["profileList"]
    assert [p["display_name"] for p in profiles] == ["CPU", "GPU"]
    cpu, gpu = profiles
    assert cpu["default"] is True and "kubespawner_override" not in cpu and not gpu.get("default")
    override = gpu["kubespawner_override"]
    assert override["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert override["image"].split(":")[0] == VALUES["singleuser"]["image"]["name"] + "-gpu"
    assert override["image"].split(":")[1] == VALUES["singleuser"]["image"]["tag"]
    assert "--build-arg BACKEND=gpu" in (KUBE / "Dockerfile").read_text()  # how that image is built

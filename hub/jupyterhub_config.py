"""JupyterHub for one class on one machine, written by ``convnet-course hub`` (make hub).

It reads the class from the ``hub.json`` that ``convnet-course hub`` writes (named by
``CONVNET_HUB_SETTINGS``): local accounts log in with their password (PAM); each
person's server is JupyterLab, started as that person by the hub. The instructor's
opens in the course folder with nbgrader's Formgrader; the students' in their home with
nbgrader's Assignments only (see course_tools/hub.py).
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

settings = json.loads(Path(os.environ["CONVNET_HUB_SETTINGS"]).read_text())
state = Path(settings["state"])
instructor = settings["instructor"]
port = int(settings["port"])

c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = port
if settings.get("ssl"):  # HTTPS; without it the hub listens on a loopback address only
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = settings["ssl"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
c.ConfigurableHTTPProxy.command = [str(state / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 2
# The hub's own state (database, cookie secret) survives a restart: nothing is lost.
c.JupyterHub.db_url = f"sqlite:///{state / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "hub" / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "hub" / "jupyterhub-proxy.pid")  # not in the folder it was started from
c.JupyterHub.cleanup_servers = True  # a restarted hub starts each server again on login

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {instructor, *settings["students"]}
c.Authenticator.admin_users = {instructor}

# Each server's memory and CPU, kernels included: SystemdSpawner holds it to them (cgroups)
# where systemd runs the machine; elsewhere the limits are only shown (MEM_LIMIT, CPU_LIMIT).
limits = settings["limits"]
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner" if limits["enforced"] else "localprocess"
c.Spawner.mem_limit = limits["mem_limit"]
c.Spawner.cpu_limit = limits["cpu_limit"]

# Servers idle for cull_idle seconds are stopped (their files stay): jupyterhub-idle-culler.
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    }
]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            str(state / "env" / "bin" / "python"),
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={settings['cull_idle']}",
        ],
    }
]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120


def _by_role(spawner) -> None:
    """Each server gets its role's environment (ClassHub.environment) and folder."""
    role = "instructor" if spawner.user.name == instructor else "student"
    spawner.environment = settings["environment"][role]
    spawner.cmd = [str(Path(settings["python"][role]) / "bin" / "jupyterhub-singleuser")]
    if role == "instructor":  # autograding a class needs the machine's CPUs; the limits are the students'
        spawner.mem_limit = spawner.cpu_limit = None
    spawner.notebook_dir = settings["course_dir"] if role == "instructor" else "~"


c.Spawner.pre_spawn_hook = _by_role

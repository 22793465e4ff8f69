"""The hub's configuration, from the settings ``itpm-sim hub start`` passes in the environment.

deploy/jupyterhub/jupyterhub_config.py calls ``configure(c, os.environ)``; keeping the logic here makes it
testable and keeps the config file a few lines long.  Settings (all set by ``itpm-sim hub start``):

=======================  =================================================================================
ITPM_HUB_STATE           the state folder: roster, codes, database, cookie secret, audit log (mode 0700)
ITPM_HUB_IP, _PORT       where users connect (loopback unless told otherwise)
ITPM_HUB_HUB_PORT        the hub's own port on loopback (the proxy forwards to it)
ITPM_HUB_API_PORT        the proxy's REST API on loopback (only the hub uses it)
ITPM_HUB_AUTH            ``class-code`` or ``native`` (see sim.hub.auth)
ITPM_HUB_NOTEBOOKS       the folder whose notebooks users receive (the kit's, or a class pack's)
ITPM_HUB_IDLE_MINUTES    a server without traffic for this long is stopped (0: never)
ITPM_HUB_SSL_KEY, _CERT  HTTPS for the users' side (empty: plain HTTP, for loopback or behind a TLS proxy)
ITPM_HUB_COLLECT_PORT    the collect service's port on loopback
ITPM_HUB_FORECAST_SLOTS  live forecasts computed at once on the machine, every user's together (default: its CPUs)
ITPM_HUB_PANEL           a panel day: the panel folder, whose signer the hub runs for the candidates (empty: none)
=======================  =================================================================================
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from sim.engine.outlook import SLOTS_ENV

from .auth import AUTHENTICATORS
from .codes import read_codes
from .panel_signer import signer_name
from .roster import read_roster
from .spawner import KitSpawner

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
LOOPBACK = "127.0.0.1"
COLLECT_SERVICE = "collect"


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def forecast_slots_name(state: Path) -> str:
    """The abstract socket names of a hub's forecast slots (two hubs on one machine never share them)."""
    return "itpm-sim-forecast-" + hashlib.sha256(str(state).encode()).hexdigest()[:16]


def server_environment(slots_name: str, slots: int) -> dict[str, str]:
    """What the hub adds to every user's server's environment, and through it to their kernels and forecast workers."""
    return {
        # glibc gives each thread of a server or kernel its own malloc arena (up to 8 per core), and the heap they
        # fragment is held for good; two arenas are enough for Jupyter's few threads (measured: benchmarks/README.md).
        "MALLOC_ARENA_MAX": "2",
        # Every kernel forecasts after every click; the slots bound how many compute at once (sim.engine.outlook.slots).
        SLOTS_ENV: f"{slots_name}:{slots}",
    }


def configure(c, env: Mapping[str, str]) -> None:
    """Fill the JupyterHub config object ``c`` from the settings in ``env``."""
    state = Path(env["ITPM_HUB_STATE"]).resolve()
    roster = read_roster(state)
    auth = AUTHENTICATORS[env.get("ITPM_HUB_AUTH", "class-code")]

    c.JupyterHub.ip = env.get("ITPM_HUB_IP", LOOPBACK)
    c.JupyterHub.port = int(env.get("ITPM_HUB_PORT", "8000"))
    if env.get("ITPM_HUB_SSL_CERT"):
        c.JupyterHub.ssl_key, c.JupyterHub.ssl_cert = env["ITPM_HUB_SSL_KEY"], env["ITPM_HUB_SSL_CERT"]
    c.JupyterHub.hub_ip = LOOPBACK
    c.JupyterHub.hub_port = int(env["ITPM_HUB_HUB_PORT"])
    c.ConfigurableHTTPProxy.api_url = f"http://{LOOPBACK}:{int(env['ITPM_HUB_API_PORT'])}"
    c.ConfigurableHTTPProxy.command = [str(PROXY)]
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server (and the proxy)
    c.JupyterHub.template_vars = {"announcement_login": (
        "ITPM Sim: log in with the name your instructor gave you"
        + (" and the class code." if auth.__name__ == "ClassCodeAuthenticator" else " and your password."))}

    c.JupyterHub.authenticator_class = _qualified(auth)
    c.Authenticator.allowed_users = set(roster.users)
    c.Authenticator.admin_users = roster.named("instructor")
    getattr(c, auth.__name__).state_dir = str(state)
    if auth.__name__ == "ClassCodeAuthenticator":
        codes = read_codes(state)
        c.SharedPasswordAuthenticator.user_password = codes.class_code
        c.SharedPasswordAuthenticator.admin_password = codes.instructor_code
    else:
        c.NativeAuthenticator.open_signup = False  # roster names only; see sim.hub.auth
        c.NativeAuthenticator.minimum_password_length = 10

    c.JupyterHub.spawner_class = _qualified(KitSpawner)
    c.KitSpawner.state_dir = str(state)
    c.KitSpawner.notebooks = env["ITPM_HUB_NOTEBOOKS"]
    c.KitSpawner.python = sys.executable
    c.Spawner.ip = LOOPBACK
    slots = int(env.get("ITPM_HUB_FORECAST_SLOTS") or os.cpu_count() or 1)
    c.Spawner.environment = server_environment(forecast_slots_name(state), slots)
    # A class logging in at once starts many servers on a few cores: give them time.
    c.Spawner.start_timeout = 300
    c.Spawner.http_timeout = 300
    # Stopping: a server gets 20 s to shut its kernels down after SIGINT, then 10 s after SIGTERM; the hub's own
    # services (LocalProcessSpawner's other subclass) 5 s each, so that the whole hub stops within a minute.
    c.KitSpawner.interrupt_timeout, c.KitSpawner.term_timeout = 20, 10
    c.LocalProcessSpawner.interrupt_timeout, c.LocalProcessSpawner.term_timeout = 5, 5

    services: list[dict[str, object]] = []
    roles: list[dict[str, object]] = []
    minutes = int(env.get("ITPM_HUB_IDLE_MINUTES", "60"))
    if minutes:
        services.append({"name": "idle-culler",
                         "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={minutes * 60}"]})
        roles.append({"name": "idle-culler", "services": ["idle-culler"],
                      "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]})
    services.append({"name": COLLECT_SERVICE, "url": f"http://{LOOPBACK}:{int(env['ITPM_HUB_COLLECT_PORT'])}",
                     "command": [sys.executable, "-m", "sim.hub.service"], "display": True,
                     "environment": {"ITPM_HUB_STATE": str(state), "ITPM_HUB_NOTEBOOKS": env["ITPM_HUB_NOTEBOOKS"]}, "oauth_no_confirm": True})
    if env.get("ITPM_HUB_PANEL"):  # no URL: the signer answers candidates' kernels on a socket, never the proxy
        name = signer_name(state)
        services.append({"name": "panel-signer", "command": [sys.executable, "-m", "sim.hub.panel_signer",
                                                             str(Path(env["ITPM_HUB_PANEL"]).resolve()), str(state), name]})
        c.KitSpawner.panel_signer = name
    # Only hub admins (instructors) hold ``access:services``: nobody else reaches the collect service.
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles

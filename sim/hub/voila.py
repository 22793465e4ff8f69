"""A panel candidate's single-user server: Voilà alone, behind JupyterHub's login.

Standalone Voilà (not the Voilà page of a Jupyter server) is what a candidate gets, because of what it does
not serve: it has no contents, files, terminals, kernels-list or JupyterLab handlers at all, it strips the
code from the page, serves no file (its deny-list here matches every name), and its kernels accept
widget messages only (``allowed_message_types``), so an ``execute_request`` sent by hand is dropped.  What it
lacks is JupyterHub's login: here it takes the identity provider and authorizer that ``jupyterhub-singleuser``
uses, so only the hub user who owns the server gets in, and nobody without a hub login gets anything.

``python -m sim.hub.voila NOTEBOOK`` is started by ``sim.hub.start`` under the candidate's own account, with the
JUPYTERHUB_* environment the spawner sets.
"""

from __future__ import annotations

import os
import signal
import sys
from urllib.parse import urlparse

from .singleuser import lighten

if __name__ == "__main__":  # the candidate's server: lighter before JupyterHub's single-user code is first imported
    lighten()

from jupyter_core.paths import jupyter_runtime_dir
from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import (
    JupyterHubAuthorizer,
    JupyterHubIdentityProvider,
)
from voila.app import Voila

from .start import KERNEL_START_S


class HubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's login for standalone Voilà, whose handlers are not prefixed with the server's base URL."""

    def __init__(self, token: str | None = None, **kwargs):
        super().__init__(**kwargs)  # the hub's API token stands for Voilà's own token, which is not used

    def get_handlers(self):
        prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
        return [(url_path_join(prefix, path), *rest) for path, *rest in super().get_handlers()]


class HubVoila(Voila):
    """Voilà that stops cleanly on SIGTERM (the spawner's signal): kernels are shut down, then the server."""

    def start(self):
        signal.signal(signal.SIGTERM, self._handle_signal_stop)
        super().start()


def arguments(notebook: str, environ: os._Environ | dict = os.environ) -> list[str]:
    """Voilà's command-line arguments for ``notebook`` behind the hub described by ``environ``."""
    url = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    prefix = environ["JUPYTERHUB_SERVICE_PREFIX"]
    return [
        notebook, "--no-browser", f"--Voila.ip={url.hostname or '127.0.0.1'}", f"--Voila.port={url.port}",
        "--Voila.port_retries=0", f"--Voila.base_url={prefix}", f"--Voila.server_url={prefix}",
        f"--Voila.identity_provider_class={HubIdentityProvider.__module__}.{HubIdentityProvider.__name__}",
        f"--Voila.authorizer_class={JupyterHubAuthorizer.__module__}.{JupyterHubAuthorizer.__name__}",
        "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.file_denylist=.*",
        "--VoilaConfiguration.show_tracebacks=False", f"--Voila.connection_dir_root={jupyter_runtime_dir()}",
        f"--VoilaExecutor.startup_timeout={KERNEL_START_S}",
        # a page closed without notice leaves its kernel: end it after an hour without traffic
        "--MappingKernelManager.cull_idle_timeout=3600", "--MappingKernelManager.cull_interval=300",
    ]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-"):
        sys.exit("usage: python -m sim.hub.voila NOTEBOOK [VOILA OPTIONS] (started by the hub's spawner)")
    os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
    HubVoila.launch_instance(arguments(argv[0]) + argv[1:])


if __name__ == "__main__":
    main()

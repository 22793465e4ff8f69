"""Serve a notebook as a web app with Voilà, for a class or a hiring panel.

Voilà starts a kernel for every page load and, left to itself, keeps each one until the server stops: a class
that reloads its pages fills the machine.  ``serve`` runs Voilà with the idle-kernel culler on (a kernel that no
page is connected to and that has been idle ``cull_idle_timeout`` seconds is shut down; Voilà also shuts one down
when its page is closed), on the loopback interface unless told otherwise, with the notebook's code hidden
(``strip_sources``), and stops cleanly on SIGTERM or SIGINT: the page server stops, every kernel is shut down
(killed after ``SHUTDOWN_WAIT`` seconds if it does not end by itself), and the function returns.
"""

from __future__ import annotations

import errno
import signal
import socket
from collections.abc import Sequence
from pathlib import Path

PLAY_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "app.ipynb"  # the app first, no narrative
DEFAULT_PORT = 8866  # Voilà's own
LOOPBACK = "127.0.0.1"
CULL_IDLE_TIMEOUT = 600  # seconds a kernel no page is connected to may stay idle before it is shut down
CULL_INTERVAL = 60  # seconds between two checks for such kernels
SHUTDOWN_WAIT = 3.0  # seconds a kernel is given to end by itself when the server stops, before it is killed


class ServeError(ValueError):
    """A notebook, port or option that cannot be served; the message says which and why."""


def voila_arguments(notebook: str | Path, port: int = DEFAULT_PORT, *, host: str = LOOPBACK,
                    cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL,
                    cull_connected: bool = False, strip_sources: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """The Voilà command-line arguments ``serve`` runs with (for a caller that starts Voilà its own way)."""
    return [
        str(notebook), "--Voila.open_browser=False", f"--Voila.ip={host}", f"--Voila.port={port}", "--Voila.port_retries=0",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        f"--MappingKernelManager.cull_connected={cull_connected}",
        f"--KernelManager.shutdown_wait_time={SHUTDOWN_WAIT}",
        f"--VoilaConfiguration.strip_sources={strip_sources}",
        *extra,
    ]


def write_server_culling(config_dir: str | Path, cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
                         cull_interval: int = CULL_INTERVAL) -> Path:
    """Turn the idle-kernel culler on for every Jupyter server that reads ``config_dir``; returns the file written.

    Voilà served as a Jupyter server extension (Binder's ``voila/render/...`` link) starts a kernel for every
    page load in that server's kernel manager, which keeps them all unless told to cull: this sets
    ``MappingKernelManager`` as ``serve`` does in ``config_dir/jupyter_server_config.json``, keeping whatever
    else the file holds.  (Files in ``jupyter_server_config.d`` are read only to enable extensions.)
    """
    import json

    path = Path(config_dir) / "jupyter_server_config.json"
    config = json.loads(path.read_text("utf-8")) if path.exists() else {}
    if not isinstance(config, dict):
        raise ServeError(f"{path}: not a Jupyter configuration (expected a JSON object)")
    config.setdefault("MappingKernelManager", {}).update(
        {"cull_idle_timeout": cull_idle_timeout, "cull_interval": cull_interval, "cull_connected": False})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=1) + "\n", "utf-8")
    return path


def serve(notebook: str | Path = PLAY_NOTEBOOK, port: int = DEFAULT_PORT, *, host: str = LOOPBACK,
          cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL, cull_connected: bool = False,
          strip_sources: bool = True, extra: Sequence[str] = ()) -> int:
    """Serve ``notebook`` with Voilà at http://HOST:PORT/ until SIGTERM or SIGINT; returns 0 once every kernel is gone.

    ``host`` is the interface to listen on (loopback by default: put a class behind a proxy or JupyterHub, or
    give ``0.0.0.0`` on a trusted network).  A kernel that has been idle ``cull_idle_timeout`` seconds and that no
    page is connected to (or, with ``cull_connected``, even one that is) is shut down; the check runs every
    ``cull_interval`` seconds.  ``strip_sources`` hides the notebook's code from the page.  ``extra`` are further
    Voilà options (``--VoilaConfiguration.file_allowlist=[]``...).  Raises ServeError for a notebook that is not
    a readable ``.ipynb`` file, a port that is taken or out of range, or timeouts below 1 second.
    """
    notebook = Path(notebook)
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise ServeError(f"{notebook}: not a notebook (expected an existing .ipynb file)")
    if not 1 <= port <= 65535:
        raise ServeError(f"port {port}: out of range (expected 1 to 65535)")
    if cull_idle_timeout < 1 or cull_interval < 1:
        raise ServeError(f"cull timeouts must be at least 1 second (got {cull_idle_timeout} and {cull_interval})")
    _check_free(host, port)
    from voila.app import Voila

    class _Voila(Voila):
        """Voilà that stops on SIGINT as on SIGTERM, and shuts every kernel down before it returns."""

        def _handle_signal_stop(self, sig, frame):
            self.log.info("Stopping on signal %s.", signal.Signals(sig).name)
            self.ioloop.add_callback_from_signal(self.ioloop.stop)

        def listen(self):
            signal.signal(signal.SIGINT, self._handle_signal_stop)
            super().listen()

    app = _Voila()
    app.initialize(voila_arguments(notebook, port, host=host, cull_idle_timeout=cull_idle_timeout, cull_interval=cull_interval,
                                   cull_connected=cull_connected, strip_sources=strip_sources, extra=extra))
    try:
        app.start()  # returns when the loop stops; Voilà's stop() then shuts the kernels down
    except SystemExit as exc:  # Voilà exits 1 when it cannot listen after all
        return int(exc.code or 0)
    return 0


def _check_free(host: str, port: int) -> None:
    """Nothing if ``port`` can be listened on at ``host``, else a ServeError saying why (Voilà would only log it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"host {host!r}: unknown (got {exc.strerror}, expected an address of this machine such as {LOOPBACK})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            why = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc)).lower()
            raise ServeError(f"{host}:{port}: cannot listen there (got {why}, expected a free port)") from None

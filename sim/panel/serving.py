"""Serving a panel's candidate app with Voilà, so that nothing but the app reaches the browser.

Voilà serves one notebook from a fresh folder that holds only that notebook
(``panel.ipynb``: one cell that opens the app).  The panel folder, with its
logs, codes and secret, is elsewhere; its path reaches the kernels through
the environment (``$ITPM_PANEL_DIR``), never through a URL.  Sources are
stripped, tracebacks are not shown, and no file is served (the allow-list is
empty), so any other path gets 403 or 404 (``voila_server`` is Voilà with a
malformed template URL answered 404 rather than 500).  Each page gets its own kernel, and
the browser may send the kernel widget messages only, never code (Voilà's
allowed message types).  Kernels whose page is gone are culled after
``CULL_IDLE_SECONDS``; SIGTERM or Ctrl-C stops the server and its kernels.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .folder import Panel

NOTEBOOK = "panel.ipynb"
PANEL_DIR = "ITPM_PANEL_DIR"
HOST = "127.0.0.1"
CULL_IDLE_SECONDS = 15 * 60  # a page closed for this long has its kernel shut down (its session is saved)
CULL_INTERVAL_SECONDS = 60
CELL = "from sim.ui.candidate import panel_app\n\npanel_app()"


def write_notebook(folder: Path) -> Path:
    """The served notebook: one cell that opens the candidate's app (its source never reaches the browser)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nb.cells[0].id = "candidate-app"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / NOTEBOOK
    nbformat.write(nb, path)
    return path


def voila_config() -> dict:
    """What Voilà is told beyond its defaults: serve no file, strip sources, show no traceback, cull idle kernels."""
    return {
        "VoilaConfiguration": {"file_allowlist": [], "strip_sources": True, "show_tracebacks": False},
        "MappingKernelManager": {"cull_idle_timeout": CULL_IDLE_SECONDS, "cull_interval": CULL_INTERVAL_SECONDS,
                                 "cull_connected": False},
    }


def command(folder: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "sim.panel.voila_server", NOTEBOOK, "--no-browser", f"--Voila.ip={HOST}", f"--port={port}",
            "--Voila.port_retries=0", f"--Voila.root_dir={folder}", "--Voila.open_browser=False"]


def prepare(panel: Panel, base: Path) -> tuple[Path, dict]:
    """In ``base`` (new and empty): ``app/`` holding only the notebook, which Voilà serves, and ``config/`` beside it
    (never served) with Voilà's configuration.  Returns the served folder and the server's environment."""
    app, config = base / "app", base / "config"
    app.mkdir(mode=0o700)
    config.mkdir(mode=0o700)
    write_notebook(app)
    (config / "voila.json").write_text(json.dumps(voila_config(), indent=1))
    env = {**os.environ, PANEL_DIR: str(panel.root.resolve()), "JUPYTER_CONFIG_DIR": str(config), "MPLBACKEND": "Agg",
           "JUPYTER_PLATFORM_DIRS": "1"}
    return app, env


def serve_panel(panel: Panel, port: int = 8866) -> int:
    """Serve the candidate app on http://127.0.0.1:PORT/ until SIGTERM or Ctrl-C; returns Voilà's exit code."""
    with tempfile.TemporaryDirectory(prefix="itpm-panel-") as base:
        folder, env = prepare(panel, Path(base))
        proc = subprocess.Popen(command(folder, port), cwd=folder, env=env)

        def stop(signum, _frame):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # Voilà shuts its kernels down on SIGTERM

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        print(f"serving panel {panel.exercise.id} ({panel.exercise.describe()}) on http://{HOST}:{port}/ ;"
              " each candidate opens it in their own browser window and enters their code. Ctrl-C stops it.", flush=True)
        try:
            return proc.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)

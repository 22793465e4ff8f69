"""What a hub user's server runs, under their own account: fill the home folder, then serve the role's app.

``python -m sim.hub.start ROLE NOTEBOOKS`` is the command the spawner gives every server.  It copies the
notebooks of ``NOTEBOOKS`` (the kit's folder, or a class pack made by ``itpm-sim class create``, whose
notebook plays its exercise) that the home does not hold yet (a notebook the user has changed is never
overwritten), makes the private ``sessions`` folder where the app saves, and then becomes

- for a trainee or an instructor, JupyterLab (``jupyterhub-singleuser``, through ``sim.hub.singleuser``, which
  leaves the hub's own parts out of it) opened on the role's landing notebook;
- for a panel candidate, standalone Voilà (``sim.hub.voila``): no code, no files.  On a panel day (the hub
  started with ``--panel DIR``, which gives the server the signer's name in ``$ITPM_PANEL_SIGNER``) it serves
  the panel's one-cell candidate notebook from a folder of its own (``~/panel-app``), and the candidate's
  app reaches the panel through the signer (``sim.panel.signer``); otherwise the app notebook.

It runs as the user, not as root, so a link the user planted in their home can never make it touch another's.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sim.panel.serving import NOTEBOOK, write_notebook
from sim.panel.signer import SIGNER_ENV

PLAY = "01_play.ipynb"  # the app with its narrative, for JupyterLab
APP = "app.ipynb"  # the app alone, first on screen, for Voilà
SESSIONS = "sessions"
# The notebook each role lands on, and which notebooks of the folder it receives (None: all of them).
LANDING = {"trainee": PLAY, "instructor": "00_start_here.ipynb", "candidate": APP}
RECEIVES = {"trainee": ("00_start_here.ipynb", PLAY, APP), "candidate": (APP,), "instructor": None}
# A class pack (``itpm-sim class create``) instead of the kit's notebooks: its notebook plays its exercise.
PACK_EXERCISE, PACK_NOTEBOOK = "exercise.json", "play.ipynb"
# Voilà waits 60 s for a page's kernel by default; a class logging in at once starts thirty kernels on two cores,
# and one of them waited longer (benchmarks/README.md): the page now waits as long as the hub waits for a server.
KERNEL_START_S = 300
PANEL_APP = "panel-app"  # on a panel day, the folder of the candidate's one-cell notebook (rewritten at each start)


def plan(role: str, notebooks: Path) -> tuple[list[str], str]:
    """The files ``role`` receives from ``notebooks`` and the notebook it lands on."""
    if (notebooks / PACK_EXERCISE).is_file() and role != "instructor":
        return [PACK_EXERCISE, PACK_NOTEBOOK], PACK_NOTEBOOK
    wanted = RECEIVES[role]
    names = sorted(p.name for p in notebooks.glob("*.ipynb")) if wanted is None else list(wanted)
    if (notebooks / PACK_EXERCISE).is_file():
        names.append(PACK_EXERCISE)
    return names, LANDING[role] if (notebooks / LANDING[role]).is_file() else names[0]


def provision(home: Path, notebooks: Path, role: str) -> list[str]:
    """Copy the role's files from ``notebooks`` that ``home`` lacks, make ``home/sessions``; the copied names."""
    copied = []
    for name in plan(role, notebooks)[0]:
        target = home / name
        if target.exists() or target.is_symlink():
            continue
        shutil.copyfile(notebooks / name, target)
        copied.append(name)
    (home / SESSIONS).mkdir(mode=0o700, exist_ok=True)
    return copied


def panel_notebook(home: Path) -> Path:
    """The panel's candidate notebook, written afresh into ``home/panel-app`` (a folder holding nothing else)."""
    folder = home / PANEL_APP
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    folder.mkdir(mode=0o700, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file() or old.is_symlink():
            old.unlink()
    return write_notebook(folder)


def command(role: str, home: Path, notebooks: Path, panel_day: bool = False) -> list[str]:
    """The server's command line for ``role`` (for a candidate on a panel day, Voilà on the panel's notebook)."""
    if role == "candidate":
        notebook = home / PANEL_APP / NOTEBOOK if panel_day else home / plan(role, notebooks)[1]
        return [sys.executable, "-m", "sim.hub.voila", str(notebook)]
    landing = plan(role, notebooks)[1]
    return [sys.executable, "-m", "sim.hub.singleuser", f"--ServerApp.default_url=/lab/tree/{landing}",
            "--ServerApp.terminals_enabled=False", "--ServerApp.jpserver_extensions=jupyter_lsp=False",
            "--LabApp.news_url=None", f"--VoilaExecutor.startup_timeout={KERNEL_START_S}",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in LANDING:
        sys.exit(f"usage: python -m sim.hub.start {{{','.join(LANDING)}}} NOTEBOOKS (started by the hub's spawner)")
    role, notebooks = argv[0], Path(argv[1])
    home = Path.home()
    os.umask(0o077)  # whatever the server and its kernels write is the user's alone
    os.chdir(home)
    panel_day = role == "candidate" and bool(os.environ.get(SIGNER_ENV))
    if panel_day:
        (home / SESSIONS).mkdir(mode=0o700, exist_ok=True)  # the kernel's own copy of the log; the signed one is the panel's
        panel_notebook(home)
    else:
        provision(home, notebooks, role)
    args = command(role, home, notebooks, panel_day)
    os.execv(args[0], args)


if __name__ == "__main__":
    main()

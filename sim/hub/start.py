"""What a hub user's server runs, under their own account: fill the home folder, then serve the role's app.

``python -m sim.hub.start ROLE NOTEBOOKS`` is the command the spawner gives every server.  It copies the
notebooks of ``NOTEBOOKS`` (the kit's folder, or a class pack made by ``itpm-sim class create``, whose
notebook plays its exercise) that the home does not hold yet (a notebook the user has changed is never
overwritten), makes the private ``sessions`` folder where the app saves, and then becomes

- for a trainee or an instructor, JupyterLab (``jupyterhub-singleuser``) opened on the role's landing notebook;
- for a panel candidate, standalone Voilà on the app notebook (``sim.hub.voila``): no code, no files.

It runs as the user, not as root, so a link the user planted in their home can never make it touch another's.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PLAY = "01_play.ipynb"  # the app with its narrative, for JupyterLab
APP = "app.ipynb"  # the app alone, first on screen, for Voilà
SESSIONS = "sessions"
# The notebook each role lands on, and which notebooks of the folder it receives (None: all of them).
LANDING = {"trainee": PLAY, "instructor": "00_start_here.ipynb", "candidate": APP}
RECEIVES = {"trainee": ("00_start_here.ipynb", PLAY), "candidate": (APP,), "instructor": None}
# A class pack (``itpm-sim class create``) instead of the kit's notebooks: its notebook plays its exercise.
PACK_EXERCISE, PACK_NOTEBOOK = "exercise.json", "play.ipynb"


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


def command(role: str, home: Path, notebooks: Path) -> list[str]:
    """The server's command line for ``role``."""
    landing = plan(role, notebooks)[1]
    if role == "candidate":
        return [sys.executable, "-m", "sim.hub.voila", str(home / landing)]
    return [sys.executable, "-m", "jupyterhub.singleuser", f"--ServerApp.default_url=/lab/tree/{landing}",
            "--ServerApp.terminals_enabled=False", "--ServerApp.jpserver_extensions=jupyter_lsp=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in LANDING:
        sys.exit(f"usage: python -m sim.hub.start {{{','.join(LANDING)}}} NOTEBOOKS (started by the hub's spawner)")
    role, notebooks = argv[0], Path(argv[1])
    home = Path.home()
    os.umask(0o077)  # whatever the server and its kernels write is the user's alone
    os.chdir(home)
    provision(home, notebooks, role)
    args = command(role, home, notebooks)
    os.execv(args[0], args)


if __name__ == "__main__":
    main()

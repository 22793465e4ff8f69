"""The panel signer of a hub's panel day: ``python -m sim.hub.panel_signer PANEL STATE NAME``, run by the hub.

JupyterHub starts it as a managed service (as the hub's account, root) when ``itpm-sim hub start --panel PANEL``
is given, and stops it with the hub.  It serves ``sim.panel.signer.Desk`` for the panel folder ``PANEL`` on the
abstract socket ``NAME``, to hub users whose role on the roster of ``STATE`` is candidate (known by the user id of
the calling kernel); every file it writes is given to the panel folder's owner.  The design and its
trade-offs are in deploy/README.md ("A panel day").
"""

from __future__ import annotations

import hashlib
import pwd
import signal
import sys
import threading
from pathlib import Path

from sim.panel import PanelError, open_panel
from sim.panel.signer import Desk, serve

from .roster import RosterError, read_roster


def signer_name(state: str | Path) -> str:
    """The signer's socket name for the hub whose state folder is ``state`` (two hubs on one machine never share one)."""
    return "itpm-sim-panel-" + hashlib.sha256(str(Path(state).resolve()).encode()).hexdigest()[:16]


def candidate_of(state: Path, uid: int) -> str | None:
    """The hub user whose account has ``uid``, if they are a candidate on the roster now; else None."""
    try:
        roster = read_roster(state)
    except RosterError:
        return None
    for name, member in roster.users.items():
        if member.role == "candidate":
            try:
                if pwd.getpwnam(member.account).pw_uid == uid:
                    return name
            except KeyError:
                continue
    return None


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        sys.exit("usage: python -m sim.hub.panel_signer PANEL STATE NAME (started by the hub)")
    folder, state, name = Path(argv[0]), Path(argv[1]), argv[2]
    try:
        panel = open_panel(folder)
    except PanelError as exc:
        sys.exit(f"the panel signer cannot start: {exc}")
    info = folder.stat()
    server = serve(Desk(panel, owner=(info.st_uid, info.st_gid)), name, lambda uid: candidate_of(state, uid))
    stop = lambda *_: threading.Thread(target=server.shutdown).start()  # noqa: E731 (shutdown waits for serve_forever)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"panel signer for {panel.exercise.id} ({folder}) on @{name}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()

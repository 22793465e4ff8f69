"""The hub's spawner: each user's server runs the kit under the user's own system account.

JupyterHub's LocalProcessSpawner, with four changes: the account is the one the roster names (``itpm-NAME``,
never an account the kit did not make, so a hub user called ``root`` cannot become root); the command is the
role's (``sim.hub.start``; a candidate's server is told the panel signer's name on a panel day); and when a server
stops, every process left under the account (a kernel, or something a trainee started from one) is ended with it;
and a server's port is taken below the system's ephemeral range (``server_port``).
"""

from __future__ import annotations

import asyncio
import pwd
import random
import socket
import sys
import time
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Unicode

from sim.panel.signer import SIGNER_ENV

from .accounts import end_processes
from .roster import read_roster

SERVER_PORTS = range(20000, 30000)  # below Linux's ephemeral ports (32768-60999), where every kernel binds five
GIVEN_FOR_S = 600  # a port given to a server is not given again for this long, bound yet or not
_given: dict[int, float] = {}  # port -> when it was given (the hub is one process)


def server_port(rng: random.Random | None = None) -> int:
    """A free loopback port for a user's server, outside the ephemeral range, and not one given out lately.

    JupyterHub's own choice is an ephemeral port, free when chosen and bound by the server a few seconds later.
    With thirty kernels binding ephemeral ports meanwhile, one of them took it in the 30-user benchmark: the
    server could not start, and the hub waited five minutes on the kernel's port (benchmarks/README.md).
    """
    rng = rng or random.SystemRandom()
    now = time.monotonic()
    for port, when in list(_given.items()):
        if now - when > GIVEN_FOR_S:
            del _given[port]
    for _ in range(100):
        port = rng.choice(SERVER_PORTS)
        if port in _given:
            continue  # given to a server that may not have bound it yet
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given[port] = now
        return port
    raise RuntimeError(f"no free port for a server among {SERVER_PORTS.start}-{SERVER_PORTS.stop - 1} after 100 tries")


class KitSpawner(LocalProcessSpawner):
    """Starts ``python -m sim.hub.start ROLE NOTEBOOKS`` as the user's account, in their home."""

    state_dir = Unicode(help="The hub's state folder, holding the roster.").tag(config=True)
    notebooks = Unicode(help="The folder whose notebooks users receive in their home.").tag(config=True)
    python = Unicode(sys.executable, help="The kit's Python, run by every server.").tag(config=True)
    panel_signer = Unicode("", help="On a panel day, the panel signer's socket name, given to candidates' servers.").tag(config=True)

    def _member(self):
        member = read_roster(self.state_dir).users.get(self.user.name)
        if member is None:
            raise RuntimeError(f"{self.user.name!r} is not on the hub's roster (add them with `./kit hub adduser`)")
        return member

    def _account(self) -> pwd.struct_passwd:
        return pwd.getpwnam(self._member().account)

    async def start(self):
        member = self._member()
        home = pwd.getpwnam(member.account).pw_dir
        self.cmd = [self.python, "-m", "sim.hub.start", member.role, str(Path(self.notebooks).resolve())]
        self.notebook_dir = home
        self.port = server_port()
        return await super().start()

    def make_preexec_fn(self, name):
        return set_user_setuid(self._account().pw_name)

    def user_env(self, env):
        account = self._account()
        env.update(USER=account.pw_name, LOGNAME=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell)
        if self.panel_signer and self._member().role == "candidate":
            env[SIGNER_ENV] = self.panel_signer
        return env

    async def stop(self, now=False):
        await super().stop(now=now)
        left = await asyncio.to_thread(end_processes, self._account().pw_uid)
        if left:
            self.log.info("Ended %d process(es) left by %s's server", left, self.user.name)

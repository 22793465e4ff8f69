"""System accounts for hub users: one Linux account each, with a private home (mode 0700).

A trainee runs code in their JupyterLab kernel, so whatever separates users must hold against code, not
only against URLs.  Each hub user's server and kernels therefore run under that user's own account, and the
operating system keeps every other home (and the hub's state folder) out of reach.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

import psutil

HOME_MODE = 0o700


class AccountError(RuntimeError):
    """A system account that cannot be made, used or removed; the message says why."""


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        raise AccountError(f"{' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")


def account_exists(account: str) -> bool:
    try:
        pwd.getpwnam(account)
        return True
    except KeyError:
        return False


def create_account(account: str, home: Path, comment: str) -> pwd.struct_passwd:
    """A new account ``account`` with its own group, no login shell and the private home ``home``.

    An account that already exists is refused: the kit never takes over an account it did not make.
    """
    if account_exists(account):
        raise AccountError(f"the system account {account!r} exists already (expected a new account; "
                           f"remove it or choose another name)")
    home.parent.mkdir(parents=True, exist_ok=True)
    _run(["useradd", "--create-home", "--home-dir", str(home), "--user-group", "--shell", "/usr/sbin/nologin",
          "--comment", comment, account])
    os.chmod(home, HOME_MODE)
    return pwd.getpwnam(account)


def lock_account(account: str) -> None:
    """The account can no longer log in or run anything started by the hub (its home and files are kept)."""
    _run(["usermod", "--lock", "--expiredate", "1", account])


def delete_account(account: str) -> None:
    """Remove the account and its home folder."""
    end_processes(pwd.getpwnam(account).pw_uid)
    _run(["userdel", "--remove", account])


def processes_of(uid: int) -> list[psutil.Process]:
    """Every running process whose real user id is ``uid``."""
    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info["uids"]
        if uids is not None and uids.real == uid:
            found.append(proc)
    return found


def end_processes(uid: int, grace: float = 5.0) -> int:
    """Stop every process of ``uid`` (TERM, then KILL after ``grace`` seconds); how many there were.

    The account belongs to one hub user only, so whatever still runs under it when their server stops
    (a kernel, or something the trainee started from one) is theirs and is ended with the server.
    """
    if uid == 0:
        raise AccountError("refusing to end the processes of root")
    procs = processes_of(uid)
    for proc in procs:
        with _gone():
            proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with _gone():
            proc.kill()
    psutil.wait_procs(alive, timeout=grace)
    return len(procs)


class _gone:
    """Ignore a process that ended meanwhile."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        return kind is not None and issubclass(kind, psutil.NoSuchProcess)


def usable_by(account: str, python: str = sys.executable, timeout: float = 60) -> str | None:
    """None if ``account`` can run the kit's Python and import the hub's single-user code; else why not.

    Run as that account, this is the check that matters: the kit's folder, its .venv and every folder above
    them must be readable by accounts other than the one that installed them (a checkout under /root is not).
    """
    done = subprocess.run([python, "-c", "import sim.hub.start"], user=account, group=pwd.getpwnam(account).pw_gid,
                          extra_groups=[], capture_output=True, text=True, timeout=timeout, cwd="/",
                          env={"PATH": os.defpath, "HOME": "/nonexistent"})
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"

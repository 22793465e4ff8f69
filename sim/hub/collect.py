"""Collect every student's session logs for the instructor: the one path by which logs leave a private home.

Homes are private (mode 0700), so only root can gather logs, and root must not be fooled by what students
control: a link in ``sessions`` pointing at another student's log, the panel secret or /etc/shadow.  So root
never opens a student's file itself.  For each student, a helper runs **as that student** and reads
``~/sessions/*.session.json`` and ``*.notes.json``: regular files only, no links followed, bounded in count
and size, so it can only ever return what the student could already read.  A second helper runs **as the
receiving account** (the instructor) and writes the copies into a new folder of theirs, never over a file.
Root only passes bytes between the two, and appends one line per collection to the hub's audit log
(``audit.log`` in the state folder: when, who asked, where to, and each file's SHA-256).

The result is a folder ``collected-YYYYmmdd-HHMMSS/STUDENT/FILE`` for the instructor kit's ``class collect``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import pwd
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sim.engine.log import MAX_LOG_BYTES

from .handover import write_copies
from .roster import Roster, read_roster

AUDIT_FILE = "audit.log"


@dataclass
class Collected:
    """What one collection gathered: the folder, the files per student, and every problem, located."""

    folder: Path
    files: dict[str, list[dict]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    verified: str = ""  # what the instructor kit's ``class collect`` said of them, for a class pack

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.files.values())


def _as(account: str, args: list[str], stdin: str = "", module: str = "sim.hub.handover") -> subprocess.CompletedProcess:
    entry = pwd.getpwnam(account)
    env = {"PATH": os.defpath, "HOME": entry.pw_dir, "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", module, *args], input=stdin, capture_output=True,
                          text=True, user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], env=env,
                          cwd=entry.pw_dir, timeout=1800)


def stamp(now: dt.datetime | None = None) -> str:
    return f"collected-{(now or dt.datetime.now()).strftime('%Y%m%d-%H%M%S')}"


def collect(state: Path, receiver: str | None, out: Path | None, actor: str, only: list[str] | None = None,
            roster: Roster | None = None, exercise: Path | None = None) -> Collected:
    """Copy every trainee's and candidate's logs (or those of ``only``) into a new folder: the ``receiver``
    instructor's ``~/collected-...`` (written as them), or ``out/collected-...`` (written by root); audited.

    ``roster`` is the state's own unless given (a user just taken off it is still collected from).  With the
    ``exercise`` of a class pack, the instructor kit's ``class collect`` then verifies the copies by replay into
    ``verified/`` beside them (run as the receiver too)."""
    roster = read_roster(state) if roster is None else roster
    students = sorted(n for n, m in roster.users.items() if m.role != "instructor" and (only is None or n in only))
    if receiver is not None:
        member = roster.users.get(receiver)
        if member is None or member.role != "instructor":
            raise ValueError(f"{receiver!r} is not an instructor on the roster (expected one of: "
                             f"{', '.join(sorted(roster.named('instructor'))) or 'none yet'})")
        folder = Path(pwd.getpwnam(member.account).pw_dir) / stamp()
    elif out is not None:
        folder = out.resolve() / stamp()
    else:
        raise ValueError("collect needs an instructor to receive the logs or a folder to write them to (got neither)")
    result = Collected(folder)
    gathered: dict[str, dict[str, str]] = {}
    for name in students:
        done = _as(roster.users[name].account, ["read", str(MAX_LOG_BYTES)])
        if done.returncode:
            result.problems.append(f"{name}: cannot read the logs ({done.stderr.strip().splitlines()[-1:] or done.returncode})")
            continue
        report = json.loads(done.stdout)
        gathered[name] = report["files"]
        result.problems += [f"{name}: {p}" for p in report["problems"]]
        result.files[name] = [{"name": n, "bytes": len(base64.b64decode(d)),
                               "sha256": hashlib.sha256(base64.b64decode(d)).hexdigest()} for n, d in report["files"].items()]
    if receiver is not None:
        done = _as(roster.users[receiver].account, ["write", str(folder)], json.dumps(gathered))
        if done.returncode:
            raise OSError(f"cannot write the copies into {folder}: {done.stderr.strip().splitlines()[-1:]}")
    else:
        write_copies(folder, gathered)
    if exercise is not None and result.count:
        args = ["class", "collect", str(exercise), str(folder), "--out", str(folder / "verified")]
        done = (_as(roster.users[receiver].account, args, module="sim") if receiver is not None else
                subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=1800))
        result.verified = (done.stdout + done.stderr).strip()
    audit(state, {"action": "collect", "by": actor, "to": str(folder), "files": result.files,
                  "problems": result.problems})
    return result


def audit(state: Path, entry: dict) -> None:
    """Append one JSON line to the hub's audit log (root's, mode 0600)."""
    line = json.dumps({"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **entry}, sort_keys=True)
    fd = os.open(Path(state) / AUDIT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def exercise_of(notebooks: Path) -> Path | None:
    """The exercise file of the class pack the hub serves, if it serves one."""
    path = Path(notebooks) / "exercise.json"
    return path if path.is_file() else None

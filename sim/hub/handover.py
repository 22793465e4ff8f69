"""The two halves of a collection that run as a user, not as root (see sim.hub.collect).

``python -m sim.hub.handover read LIMIT`` runs as a student and prints their session logs and notes as JSON;
``python -m sim.hub.handover write FOLDER`` runs as the receiver and writes what it reads on stdin.  This
module imports nothing heavy: the hub runs it once per student.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

SUFFIXES = (".session.json", ".notes.json")
MAX_FILES = 500  # per student: a semester of sessions, each with its notes
MAX_TOTAL = 64 * 1024 * 1024  # bytes per student


def read_own_logs(home: Path, limit: int) -> dict:
    """The session logs and notes in ``home/sessions`` (run as the student): {"files": {name: base64}, "problems"}."""
    files: dict[str, str] = {}
    problems: list[str] = []
    total = 0
    try:
        folder = os.open(home / "sessions", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return {"files": {}, "problems": []}
    except OSError as exc:
        return {"files": {}, "problems": [f"sessions: cannot open the folder ({(exc.strerror or str(exc)).lower()}; expected a folder, not a link)"]}
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(SUFFIXES) and not n.startswith("."))
        for name in names:
            if len(files) == MAX_FILES:
                problems.append(f"sessions: more than {MAX_FILES} files (expected at most {MAX_FILES}); the rest were left")
                break
            data, why = _read_regular(folder, name, limit)
            if why:
                problems.append(f"sessions/{name}: {why}")
            elif total + len(data) > MAX_TOTAL:
                problems.append(f"sessions/{name}: left out (the files so far make over {MAX_TOTAL} bytes)")
            else:
                total += len(data)
                files[name] = base64.b64encode(data).decode("ascii")
    finally:
        os.close(folder)
    return {"files": files, "problems": problems}


def _read_regular(folder: int, name: str, limit: int) -> tuple[bytes, str]:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError as exc:
        return b"", f"cannot read ({(exc.strerror or str(exc)).lower()}; expected a regular file, not a link)"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return b"", "not a regular file (expected a session log or notes file)"
        if info.st_size > limit:
            return b"", f"too large ({info.st_size} bytes, expected at most {limit})"
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)
        return (b"", f"too large (over {limit} bytes)") if len(data) > limit else (data, "")
    finally:
        os.close(fd)


def write_copies(folder: Path, files: dict[str, dict[str, str]]) -> None:
    """Write ``{student: {name: base64}}`` under the new ``folder`` (run as the receiver); nothing is overwritten."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=False)
    for student, named in files.items():
        (folder / student).mkdir(mode=0o700)
        for name, data in named.items():
            fd = os.open(folder / student / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(base64.b64decode(data))


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "read" and argv[1].isdigit():
        json.dump(read_own_logs(Path.home(), int(argv[1])), sys.stdout)
    elif len(argv) == 2 and argv[0] == "write":
        write_copies(Path(argv[1]), json.load(sys.stdin))
    else:
        sys.exit("usage: python -m sim.hub.handover read LIMIT | write FOLDER (run by the hub as a user)")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Saved sessions on disk: the engine's session logs and, beside each, the trainee's notes.

The engine writes the log (``NAME.session.json``) after every decision.  The
notes (``NAME.notes.json``: the lessons-learned text, the draft plan and
whether it was committed) are what the trainee made that is not a decision;
they are written atomically on every change, so neither is ever lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sim.engine import LogError, Session, World, read_log
from sim.schema.files import strict_json

LOG_SUFFIX = ".session.json"
NOTES_SUFFIX = ".notes.json"
NOTES_FORMAT = "itpm-sim-notes/1"
# The kit's atomic writers (Session.save, write_text) hold a temporary file for one write and fsync, well under a
# minute even on a slow disk.  A writer killed in between leaves it behind; one this old can belong to no live
# writer, so it is removed when its folder is next used (listed, or given a new session or study).
STALE_SECONDS = 3600
_TEMPORARY = re.compile(r"\..+-[a-z0-9_]{8}\.tmp")  # tempfile.mkstemp's names with the kit's ".NAME-" prefixes
MAX_NAME_TRIES = 10_000  # sessions of one world and seed started in the same second, before giving up


class NotesError(ValueError):
    """A notes file cannot be read; it is left untouched."""


@dataclass(frozen=True)
class Saved:
    """One saved session, as listed for resuming."""

    path: Path
    scenario: str
    difficulty: str
    seed: int
    stops: int
    finished: bool
    saved_at: dt.datetime
    sha256: str = ""  # of the scenario file it was played on

    @property
    def label(self) -> str:
        state = "finished" if self.finished else f"{self.stops} status points in"
        return f"{self.scenario} ({self.difficulty}, seed {self.seed}): {state}, saved {self.saved_at:%d %b %H:%M}"


def sweep(folder: str | Path) -> list[Path]:
    """Remove what killed writers left in ``folder`` more than STALE_SECONDS ago; returns what was removed.

    That is the kit's temporary files (``.session-*.tmp``, ``.NAME-*.tmp``) and empty session logs (a name
    claimed by a session that died before its first save).  Anything else, and anything younger, is left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    old = time.time() - STALE_SECONDS
    for entry in entries:
        temporary = _TEMPORARY.fullmatch(entry.name) is not None
        if not (temporary or entry.name.endswith(LOG_SUFFIX)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < old and (temporary or info.st_size == 0):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def new_session(folder: str | Path, world: World, seed: int) -> Session:
    """A new session on ``world`` under ``seed``, logged in ``folder`` under a name no other file has.

    The name tells the scenario, difficulty, seed and start time; the log claims it atomically
    (``Session.keep_log``), so sessions started in the same second, in any number of processes, each get a
    name of their own (``-2``, ``-3``... on a clash) and never write over one another.
    """
    folder = Path(folder)
    sweep(folder)
    session = Session(world, seed)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = f"{world.scenario.id}-{world.difficulty}-seed{seed}-{stamp}"
    for n in range(1, MAX_NAME_TRIES + 1):
        try:
            session.keep_log(folder / f"{stem}{f'-{n}' if n > 1 else ''}{LOG_SUFFIX}")
            return session
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: {MAX_NAME_TRIES} sessions named {stem}... exist already (expected a free name)")


def saved_sessions(folder: str | Path) -> tuple[list[Saved], list[str]]:
    """Saved sessions in ``folder``, newest first, and a message for each file that cannot be read."""
    folder = Path(folder)
    found: list[Saved] = []
    problems: list[str] = []
    if not folder.is_dir():
        return found, problems
    sweep(folder)
    for path in folder.glob(f"*{LOG_SUFFIX}"):
        if _being_created(path):
            continue
        try:
            log = read_log(path)
        except LogError as exc:
            problems.append(str(exc))
            continue
        found.append(Saved(
            path=path, scenario=log.scenario.id, difficulty=log.difficulty, seed=log.seed,
            stops=log.stops, finished=log.finished,
            saved_at=dt.datetime.fromtimestamp(path.stat().st_mtime), sha256=log.scenario.sha256,
        ))
    found.sort(key=lambda s: s.saved_at, reverse=True)
    return found, problems


def _being_created(path: Path) -> bool:
    """An empty log: a name claimed this instant whose first save has not landed yet (nothing to resume)."""
    try:
        return path.stat().st_size == 0
    except OSError:
        return True  # gone since it was listed


def notes_path(log_path: str | Path) -> Path:
    """The notes file beside a session log."""
    log_path = Path(log_path)
    name = log_path.name.removesuffix(LOG_SUFFIX) if log_path.name.endswith(LOG_SUFFIX) else log_path.stem
    return log_path.with_name(name + NOTES_SUFFIX)


def read_notes(log_path: str | Path) -> dict:
    """The notes saved beside ``log_path`` ({} if none); raises NotesError with the reason."""
    path = notes_path(log_path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotesError(f"{path}: cannot read the saved notes ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != NOTES_FORMAT:
        raise NotesError(f"{path}: not a notes file (expected format {NOTES_FORMAT!r})")
    return data


def write_notes(log_path: str | Path, notes: dict) -> Path:
    """Write the notes atomically."""
    return write_text(notes_path(log_path), strict_json({"format": NOTES_FORMAT, **notes}, indent=1))


def set_aside(path: str | Path) -> Path:
    """Rename an unreadable file out of the way (never delete it); returns the new name."""
    path = Path(path)
    target, n = path.with_name(path.name + ".unreadable"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.unreadable-{n}")
    path.rename(target)
    return target


def write_text(path: str | Path, text: str) -> Path:
    """Write a text file atomically (a temporary file, flushed to disk, then a rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

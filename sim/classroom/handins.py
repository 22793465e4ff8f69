"""Finding session logs in what students handed in: folders, zip files, and nbgrader's exchange layout.

Every log found becomes a ``HandIn``: where it was (for people), its bytes,
and who handed it in when the layout says so (nbgrader's
``inbound/<student>+<assignment>+<timestamp>[+<random>]/``).  Nothing stops
the search: a file or a zip member that cannot be read is a HandIn with a
``problem`` and no bytes.

Zip files are read in memory and never extracted, so a member's name (``../``,
an absolute path, a link) never becomes a path on disk; every read is bounded
(a member, a nested zip, the total), so a zip bomb stops at the limit.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sim.engine.log import LOG_FORMAT, MAX_LOG_BYTES
from sim.results.store import LOG_SUFFIX, NOTES_SUFFIX
from sim.schema.files import UnreadableFile, read_bounded, reason

HEAD_BYTES = 4096  # a session log names its format in its first line
MARK = ('"' + LOG_FORMAT.split("/")[0] + "/").encode()  # '"itpm-sim-session/': how a log is told from other JSON
MAX_NOTES_BYTES = 1024 * 1024
MAX_MEMBERS = 50_000  # entries in one zip file
MAX_NESTED_ZIP_BYTES = 256 * 1024 * 1024  # a zip inside a zip is read into memory: at most this
MAX_ZIP_DEPTH = 2  # a zip of zips (as a learning platform's bulk download), no deeper
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # decompressed from all zips of one search
NBGRADER = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(?:\+[^+]+)?$")
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error, EOFError, OSError,
              ValueError)


@dataclass(frozen=True)
class HandIn:
    """One session log found: where (``origin``), its bytes (None if unreadable, then ``problem`` says why), who
    handed it in and when (from an nbgrader submission folder), and the notes file found beside it."""

    origin: str
    data: bytes | None
    problem: str = ""
    student: str | None = None
    submitted: str | None = None
    notes: bytes | None = None


def shown(name: str) -> str:
    """A file or member name safe to print on one line: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def is_log_name(name: str) -> bool:
    return name.endswith(LOG_SUFFIX)


def looks_like_log(head: bytes) -> bool:
    """Whether the start of a file says it is a session log (a log renamed ``ann.json`` is still found)."""
    return MARK in head[:HEAD_BYTES]


def submission(parts: Iterable[str]) -> tuple[str | None, str | None]:
    """The student and time of the innermost nbgrader submission folder among ``parts``, if any."""
    for part in reversed(list(parts)):
        match = NBGRADER.match(part)
        if match:
            return match["student"], match["timestamp"]
    return None, None


class Search:
    """One search through the paths given, with a budget for everything decompressed from zips."""

    def __init__(self):
        self.budget = MAX_TOTAL_BYTES

    def paths(self, paths: Iterable[str | Path]) -> Iterator[HandIn]:
        for path in paths:
            path = Path(path)
            if path.is_dir():
                yield from self.folder(path)
            elif path.suffix.lower() == ".zip":
                yield from self.zip_file(path)
            else:
                yield from self.file(path, str(path), explicit=True)

    def folder(self, root: Path) -> Iterator[HandIn]:
        """Every log under ``root`` (symbolic links to folders are not followed: no loops, nothing outside)."""
        errors: list[OSError] = []
        for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=False):
            while errors:  # a folder that cannot be listed is reported, and the search goes on
                exc = errors.pop(0)
                yield HandIn(str(exc.filename), None, f"{exc.filename}: cannot read folder ({reason(exc)})")
            dirs.sort()
            for name in sorted(files):
                path = Path(folder) / name
                if name.lower().endswith(".zip"):
                    yield from self.zip_file(path)
                elif name.endswith(".json") and not name.endswith(NOTES_SUFFIX):
                    yield from self.file(path, str(path))
        for exc in errors:
            yield HandIn(str(exc.filename), None, f"{exc.filename}: cannot read folder ({reason(exc)})")

    def file(self, path: Path, origin: str, explicit: bool = False) -> Iterator[HandIn]:
        student, submitted = submission(path.parts[:-1])
        try:
            info = os.stat(path)
        except OSError as exc:
            yield HandIn(origin, None, f"{origin}: cannot read file ({reason(exc)})", student, submitted)
            return
        if not stat.S_ISREG(info.st_mode):
            yield HandIn(origin, None, f"{origin}: not a regular file (expected a session log, a folder or a zip file)",
                         student, submitted)
            return
        if not (explicit or is_log_name(path.name)):
            try:
                with open(path, "rb") as fh:
                    if not looks_like_log(fh.read(HEAD_BYTES)):
                        return  # other JSON (an exercise file, a notebook's data): not a hand-in
            except OSError as exc:
                yield HandIn(origin, None, f"{origin}: cannot read file ({reason(exc)})", student, submitted)
                return
        try:
            data = read_bounded(path, MAX_LOG_BYTES, "a readable session log")
        except UnreadableFile as exc:
            yield HandIn(origin, None, f"{origin}: {exc}", student, submitted)
            return
        yield HandIn(origin, data, "", student, submitted, _notes_file(path))

    def zip_file(self, path: Path) -> Iterator[HandIn]:
        origin = str(path)
        try:
            with open(path, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    yield HandIn(origin, None, f"{origin}: not a regular file (expected a zip file)")
                    return
                yield from self.zip(fh, origin, path.parts[:-1], 1)
        except OSError as exc:
            yield HandIn(origin, None, f"{origin}: cannot read file ({reason(exc)})")

    def zip(self, source, origin: str, outer: tuple, depth: int) -> Iterator[HandIn]:
        """Every log in the zip ``source`` (a binary file object); its members are read, never extracted."""
        try:
            archive = zipfile.ZipFile(source)
            members = archive.infolist()
        except ZIP_ERRORS as exc:
            yield HandIn(origin, None, f"{origin}: not a readable zip file ({exc})")
            return
        with archive:
            if len(members) > MAX_MEMBERS:
                yield HandIn(origin, None, f"{origin}: too many entries (got {len(members)}, expected at most {MAX_MEMBERS})")
                return
            names = {m.filename for m in members}
            for member in members:
                name = member.filename
                where = f"{origin}:{shown(name)}"
                parts = PurePosixPath(name.replace("\\", "/")).parts
                student, submitted = submission(outer + parts[:-1])
                if member.is_dir():
                    continue
                if name.lower().endswith(".zip"):
                    if depth >= MAX_ZIP_DEPTH:
                        yield HandIn(where, None, f"{where}: a zip file nested too deeply (expected at most {MAX_ZIP_DEPTH} levels)",
                                     student, submitted)
                        continue
                    data, problem = self.member(archive, member, MAX_NESTED_ZIP_BYTES, where)
                    if data is None:
                        yield HandIn(where, None, problem, student, submitted)
                    else:
                        yield from self.zip(io.BytesIO(data), where, outer + parts[:-1], depth + 1)
                    continue
                if not name.endswith(".json") or name.endswith(NOTES_SUFFIX):
                    continue
                if not is_log_name(name):
                    head, problem = self.member(archive, member, HEAD_BYTES, where, whole=False)
                    if head is None or not looks_like_log(head):
                        continue
                data, problem = self.member(archive, member, MAX_LOG_BYTES, where)
                notes = None
                if data is not None and is_log_name(name):
                    beside = name[: -len(LOG_SUFFIX)] + NOTES_SUFFIX
                    if beside in names:
                        notes, _ = self.member(archive, archive.getinfo(beside), MAX_NOTES_BYTES, where)
                yield HandIn(where, data, problem, student, submitted, notes)

    def member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int, where: str,
               whole: bool = True) -> tuple[bytes | None, str]:
        """A member's bytes (its first ``limit`` only, unless ``whole``, when more is an error), charged to the budget."""
        try:
            with archive.open(member) as fh:
                data = fh.read(min(limit, self.budget) + 1)
        except ZIP_ERRORS as exc:
            return None, f"{where}: cannot read this entry of the zip file ({exc})"
        self.budget -= len(data)
        if self.budget <= 0:
            return None, f"{where}: the zip files hold more than {MAX_TOTAL_BYTES} bytes in all (expected less)"
        if len(data) > limit:
            if not whole:
                return data[:limit], ""
            return None, f"{where}: entry too large (got more than {limit} bytes, expected at most {limit})"
        return data, ""


def _notes_file(log: Path) -> bytes | None:
    """The notes file beside a log in a folder, if there is a readable one."""
    if not is_log_name(log.name):
        return None
    try:
        return read_bounded(log.with_name(log.name[: -len(LOG_SUFFIX)] + NOTES_SUFFIX), MAX_NOTES_BYTES)
    except UnreadableFile:
        return None


def find_hand_ins(paths: Iterable[str | Path]) -> list[HandIn]:
    """Every session log in ``paths`` (files, folders searched through, zip files read in memory), in a stable order."""
    return list(Search().paths(paths))

"""Files in and out: a user's file is read only if regular and never past a limit; JSON is written strictly.

A named pipe would block forever and a device (``/dev/zero``) never ends, so
anything but a regular file is refused before reading, and at most
``limit + 1`` bytes are read whatever the file claims its size is.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class UnreadableFile(ValueError):
    """A file refused before or while reading: ``what`` went wrong, what was ``got`` and ``expected``."""

    def __init__(self, what: str, got: str, expected: str):
        super().__init__(f"{what} (got {got}, expected {expected})")
        self.what, self.got, self.expected = what, got, expected


def reason(exc: OSError) -> str:
    """Why an operating-system call failed, in lower case for a message: "no such file or directory"."""
    return str(exc.strerror or exc).lower()


def read_bounded(path: str | Path, limit: int, readable: str = "a readable file") -> bytes:
    """The bytes of the regular file ``path`` if it holds at most ``limit`` bytes; raises UnreadableFile.

    ``readable`` names what was expected when the file cannot be opened (e.g. "a readable YAML file").
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # a pipe must not block the open
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile("cannot read file", reason(exc), readable) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
            raise UnreadableFile("cannot read file", kind, "a regular file")
        if info.st_size > limit:
            raise UnreadableFile("file too large", f"{info.st_size} bytes", f"at most {limit}")
        data = b""
        while len(data) <= limit and (chunk := os.read(fd, limit + 1 - len(data))):
            data += chunk
    except OSError as exc:
        raise UnreadableFile("cannot read file", reason(exc), readable) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew since fstat
        raise UnreadableFile("file too large", f"more than {limit} bytes", f"at most {limit}")
    return data


def strict_json(data: object, **options) -> str:
    """``data`` as JSON that any strict parser reads: a NaN or an infinity (which Python's json module writes as
    ``NaN`` and ``Infinity``, not JSON) becomes null.  ``options`` go to json.dumps."""
    return json.dumps(_finite(data), allow_nan=False, **options)


def _finite(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def create_file(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to a new file at ``path``, flushed to disk; FileExistsError if any file is there already.

    The name is claimed exclusively (``O_CREAT | O_EXCL``), so of two writers only one gets it and nothing is ever
    written over; a write that fails leaves no half-written file behind.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path

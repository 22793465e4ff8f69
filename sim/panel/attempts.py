"""The attempt record: every start, resume, reload, refused code, freeze and finish of a panel day, server-side.

One append-only file (``sessions/attempts.jsonl``) for the whole panel, a
JSON object a line, written under an exclusive lock so that many candidates'
kernels can record at the same moment.  Each line carries the MAC of the
previous line and its own MAC under the panel secret, so a line edited,
removed or inserted afterwards breaks the chain at that line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .signing import Key

ATTEMPTS_FILE = "attempts.jsonl"
EVENTS = {
    "start": "started the exercise (the access code's first use; the clock starts)",
    "resume": "entered the code again and resumed the same session (a reload, another window or a return)",
    "refused": "an access code was refused",
    "blocked": "the saved session failed the signature check and was not reopened",
    "taken over": "the session was continued in another window; this one was stopped",
    "time up": "the time box ran out: decisions frozen, the remaining weeks run on defaults",
    "finish": "the project reached its end",
}


@dataclass(frozen=True)
class Attempt:
    """One line of the record."""

    time: dt.datetime
    event: str
    candidate: str | None
    origin: str
    detail: str

    @property
    def text(self) -> str:
        return EVENTS.get(self.event, self.event) + (f": {self.detail}" if self.detail else "")


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record(path: str | Path, key: Key, event: str, *, candidate: str | None = None, origin: str = "", detail: str = "",
           when: dt.datetime | None = None) -> Attempt:
    """Append one event to the record at ``path`` (created if missing), chained to the line before it."""
    if event not in EVENTS:
        raise ValueError(f"unknown attempt event {event!r} (expected one of: {', '.join(EVENTS)})")
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            lines = fh.read().splitlines()
            previous = json.loads(lines[-1]).get("mac", "") if lines else ""
            entry = {"time": when.isoformat(), "event": event, "candidate": candidate, "origin": origin, "detail": detail,
                     "previous": previous}
            entry["mac"] = key.mac(b"attempt\0" + _canonical(entry))
            fh.write(_canonical(entry) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return Attempt(when, event, candidate, origin, detail)


def read_record(path: str | Path, key: Key) -> tuple[list[Attempt], str]:
    """Every event of the record, and why the record cannot be trusted from some line on ("" if intact)."""
    path = Path(path)
    if not path.exists():
        return [], ""
    out: list[Attempt] = []
    previous = ""
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            entry = json.loads(line)
            mac = entry.pop("mac")
            attempt = Attempt(dt.datetime.fromisoformat(entry["time"]), entry["event"], entry["candidate"], entry["origin"],
                              entry["detail"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return out, f"{path}:{number}: not a line of an attempt record"
        if mac != key.mac(b"attempt\0" + _canonical(entry)):
            return out, f"{path}:{number}: edited after it was written, or written under another secret (its MAC does not match)"
        if entry.get("previous") != previous:
            return out, f"{path}:{number}: the line before it was removed, inserted or changed (the chain breaks here)"
        previous = mac
        out.append(attempt)
    return out, ""

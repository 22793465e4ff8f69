"""The panel folder: everything a hiring panel's exercise day needs, made once and never overwritten.

``create_panel`` writes, into a new folder that only its owner can read:

- ``panel.json``: the exercise (kind ``panel``): the scenario embedded whole
  with its sha256, the difficulty, the seed (drawn with ``secrets`` unless
  given; never shown to a candidate), the time box, rationales required, and
  the candidates as its roster;
- ``secret.key``: the panel secret (32 bytes from ``secrets``, mode 0600),
  which signs every session log and the attempt record;
- ``codes.json``: for each candidate, the HMAC of their access code under the
  secret, so the codes cannot be read back from it;
- ``access-codes.csv`` (mode 0600): the codes to hand out, the one place they
  are written in full; the panel may delete it once they are handed out;
- ``rubric.yaml``: the rubric's weights, for the panel to edit;
- ``sessions/``: the candidates' signed session logs, and the attempt record.

The folder is built under a temporary name and renamed into place, so a
folder that already holds anything, a panel included, is refused and left as
it was, even when two panels are created at the same moment.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import Field

from sim.classroom.pack import PackError, read_roster
from sim.engine.exercise import (
    Exercise,
    ExerciseError,
    make_exercise,
    read_exercise,
    safe_id,
    write_exercise,
)
from sim.engine.log import Ident, read_json_model
from sim.schema.files import UnreadableFile, read_bounded, reason
from sim.schema.params import Frozen

from .attempts import ATTEMPTS_FILE, record
from .errors import PanelError
from .rubric import RUBRIC_FILE, read_weights, write_weights
from .signing import Key

PANEL_FILE = "panel.json"
SECRET_FILE = "secret.key"
CODES_FILE = "codes.json"
HANDOUT_FILE = "access-codes.csv"
SESSIONS = "sessions"
REPORTS = "reports"
CODES_FORMAT = "itpm-sim-panel-codes/1"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or copied from paper without doubt
CODE_GROUPS, CODE_GROUP = 3, 4  # XXXX-XXXX-XXXX: 12 symbols of 31, about 59 bits
SECRET_BYTES = 32
MAX_CODES_BYTES = 1024 * 1024
DEFAULT_CANDIDATES = 4
DEFAULT_MINUTES = 45


class CodeEntry(Frozen):
    candidate: Ident
    hmac: str = Field(pattern=r"^[0-9a-f]{64}$")


class Codes(Frozen):
    """``codes.json``: each candidate's access code, as its HMAC under the panel secret."""

    format: str = Field(pattern=f"^{CODES_FORMAT}$")
    codes: tuple[CodeEntry, ...]


def normalise_code(text: str) -> str:
    """An access code as typed (any case, spaces or dashes) in its canonical form, letters and digits only."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def _code_mac(key: Key, code: str) -> str:
    return key.mac(b"access code\0" + normalise_code(code).encode("ascii", "replace"))


@dataclass(frozen=True)
class Panel:
    """An opened panel folder (``open_panel``): the exercise, the key, the codes and the rubric weights."""

    root: Path
    exercise: Exercise
    key: Key
    codes: Codes

    @property
    def sessions(self) -> Path:
        return self.root / SESSIONS

    @property
    def reports(self) -> Path:
        return self.root / REPORTS

    @property
    def rubric_path(self) -> Path:
        return self.root / RUBRIC_FILE

    @cached_property
    def weights(self) -> dict[str, float]:
        """The rubric weights as the file holds them now; raises PanelError with the located problems."""
        return read_weights(self.rubric_path)

    def record(self, event: str, *, candidate: str | None = None, origin: str = "", detail: str = "") -> None:
        """Append one event to the panel's attempt record (``sim.panel.attempts``)."""
        record(self.sessions / ATTEMPTS_FILE, self.key, event, candidate=candidate, origin=origin, detail=detail)

    def candidate(self, code: str):
        """The roster member whose access code ``code`` is (typed in any case, with or without dashes), else None.

        Every stored code is compared in constant time, so the time taken says nothing about near misses.
        """
        mac = _code_mac(self.key, code)
        found = None
        for entry in self.codes.codes:
            if hmac.compare_digest(entry.hmac, mac):
                found = entry.candidate
        return self.exercise.member(found) if found else None


def read_candidates(path: str | Path) -> list[dict]:
    """The candidates of a CSV file with a header row naming ``name`` and optionally ``id`` (made from the name
    when missing); raises PanelError at ``file:line`` for anything wrong in it."""
    try:
        return [{"id": m["id"], "name": m["name"]} for m in read_roster(path, ids_from_names=True)]
    except PackError as exc:
        raise PanelError(str(exc)) from None


def create_panel(out: str | Path, scenario: str | Path, *, difficulty: str = "standard", seed: int | None = None,
                 minutes: int = DEFAULT_MINUTES, candidates: list[dict] | None = None, panel_id: str | None = None,
                 title: str | None = None) -> tuple[Panel, dict[str, str]]:
    """Make the panel folder ``out``; returns the opened panel and each candidate's access code (id -> code).

    ``candidates`` are ``{"id", "name"}`` dicts (``read_candidates``); without them, ``DEFAULT_CANDIDATES``
    anonymous ones.  The seed is drawn with ``secrets`` unless given.  Raises PanelError for a folder that exists
    and is not empty, ExerciseError or ScenarioError for a bad exercise.
    """
    out = Path(out)
    _refuse_used(out)
    roster = candidates or [{"id": f"candidate-{i}", "name": f"Candidate {i}"} for i in range(1, DEFAULT_CANDIDATES + 1)]
    exercise = make_exercise("panel", scenario, id=panel_id or safe_id(out.resolve().name), title=title, difficulty=difficulty,
                             seed=secrets.randbelow(2**63) if seed is None else seed, minutes=minutes, reveal="none",
                             rationale="required", roster=roster)
    key = Key(secrets.token_bytes(SECRET_BYTES), exercise.id)
    codes = {m.id: new_code() for m in exercise.roster}
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}-", suffix=".making"))  # mode 0700
    try:
        write_exercise(exercise, build / PANEL_FILE)
        _write_new(build / SECRET_FILE, key.secret.hex() + "\n", 0o600)
        entries = [{"candidate": cid, "hmac": _code_mac(key, code)} for cid, code in codes.items()]
        _write_new(build / CODES_FILE, json.dumps({"format": CODES_FORMAT, "codes": entries}, indent=1) + "\n", 0o600)
        handout = io.StringIO()
        writer = csv.writer(handout, lineterminator="\n")
        writer.writerow(["id", "name", "code"])
        writer.writerows([m.id, m.name, codes[m.id]] for m in exercise.roster)
        _write_new(build / HANDOUT_FILE, handout.getvalue(), 0o600)
        write_weights(build / RUBRIC_FILE)
        (build / SESSIONS).mkdir(mode=0o700)
        try:
            os.rename(build, out)  # replaces only an empty folder; a folder holding anything stays as it is
        except OSError as exc:
            raise PanelError(f"{out}: {_used(out) or reason(exc)}; a panel is never written over") from None
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    os.chmod(out, 0o700)
    return open_panel(out), codes


def _used(out: Path) -> str:
    if (out / PANEL_FILE).exists():
        return "holds a panel already"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return "exists and is not an empty folder"
    return ""


def _refuse_used(out: Path) -> None:
    why = _used(out)
    if why:
        raise PanelError(f"{out}: {why}; a panel is never written over (choose a new folder)")


def _write_new(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def open_panel(root: str | Path) -> Panel:
    """The panel in folder ``root``, every file checked; raises PanelError naming the file and what is wrong."""
    root = Path(root)
    if not (root / PANEL_FILE).is_file():
        raise PanelError(f"{root}: not a panel folder (there is no {PANEL_FILE}; make one with itpm-sim panel create)")
    try:
        exercise = read_exercise(root / PANEL_FILE)
    except ExerciseError as exc:
        raise PanelError(str(exc)) from None
    if exercise.kind != "panel":
        raise PanelError(f"{root / PANEL_FILE}: kind: not a panel (got {exercise.kind!r}, expected 'panel')")
    key = Key(_read_secret(root / SECRET_FILE), exercise.id)
    codes = read_json_model(root / CODES_FILE, Codes, CODES_FORMAT, "codes file", PanelError, MAX_CODES_BYTES)
    unknown = next((e.candidate for e in codes.codes if exercise.member(e.candidate) is None), None)
    if unknown is not None:
        raise PanelError(f"{root / CODES_FILE}: candidate {unknown!r} is not on the panel's roster (expected one of: "
                         f"{', '.join(m.id for m in exercise.roster)})")
    return Panel(root, exercise, key, codes)


def _read_secret(path: Path) -> bytes:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise PanelError(f"{path}: cannot read the panel secret ({reason(exc)})") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PanelError(f"{path}: the panel secret can be read by others (mode {stat.S_IMODE(info.st_mode):04o}, "
                         f"expected 0600: run chmod 600 {path})")
    try:
        text = read_bounded(path, 1024, "a readable secret file").decode("ascii").strip()
        secret = bytes.fromhex(text)
    except (UnreadableFile, UnicodeDecodeError, ValueError) as exc:
        raise PanelError(f"{path}: not a panel secret ({exc}; expected {SECRET_BYTES * 2} hexadecimal digits)") from None
    if len(secret) != SECRET_BYTES:
        raise PanelError(f"{path}: not a panel secret (got {len(secret)} bytes, expected {SECRET_BYTES})")
    return secret

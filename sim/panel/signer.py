"""The panel's signer: the one process that holds the panel secret on a panel day served by JupyterHub.

On a hub, each candidate's Voilà server and kernel run under the candidate's own system account.  If that
account could read the panel secret, code run under it could sign any log it liked; so it cannot: the panel
folder (secret, codes, exercise, signed logs, attempt record) stays its owner's alone (mode 0700), and the
signer, run by the hub beside it, does for the candidates' kernels exactly what the candidate's app needs
the secret for, and nothing else:

- ``exercise``: the panel's exercise (the kernel runs the world itself);
- ``code``: whose access code this is (an HMAC check under the secret); the first code a hub account enters
  binds it to that candidate for the day, so one account can never play as two candidates;
- ``record``: append an event to the attempt record, under the candidate the account is bound to and named
  with the hub user, whatever the kernel says;
- ``save``: store the bound candidate's session log or notes (those two names only) in the panel's
  ``sessions/`` and sign them there, so that ``itpm-sim panel verify|report`` read them as they read the logs of
  ``panel serve``;
- ``check``: whether a log the kernel wants to reopen is the copy the panel holds, with a valid signature.

The kernel keeps its own copy of the log in the candidate's ``~/sessions`` (the one it plays from); the signed
copy in the panel folder is the one that counts.  Requests arrive on a Unix socket in Linux's abstract
namespace; the caller is known by the kernel's own credentials (``SO_PEERCRED``), never by anything it sends,
and ``who`` says which hub user (if any) a user id is.  One JSON request a connection, one JSON answer.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from sim.engine.exercise import Exercise
from sim.results.store import notes_path, write_text
from sim.schema.files import read_bounded

from .attempts import ATTEMPTS_FILE, EVENTS
from .errors import PanelError
from .folder import PANEL_FILE, Panel
from .signing import MAX_SIGNED_BYTES

SIGNER_ENV = "ITPM_PANEL_SIGNER"  # the signer's socket name, given to a candidate's server by the hub
MAX_REQUEST_BYTES = 2 * MAX_SIGNED_BYTES + 64 * 1024  # a log as a JSON string, escapes included
MAX_TEXT = 1000  # characters of an origin or detail in the attempt record
TIMEOUT = 60.0


class SignerError(PanelError, OSError):
    """The signer cannot be reached or refused a request: an OSError, as a failed save is to the app."""


def _address(name: str) -> str:
    return "\0" + name  # Linux's abstract namespace: no file, no file mode; callers are checked by credentials


class Desk:
    """What the signer does for one panel; ``handle`` answers one request from hub user ``user``."""

    def __init__(self, panel: Panel, owner: tuple[int, int] | None = None):
        """``owner`` (uid, gid), if given, receives every file written, so the panel's owner reads them after the day."""
        self.panel = panel
        self.owner = owner
        self.bound: dict[str, str] = {}  # hub user -> the candidate their first valid code named
        self.lock = threading.Lock()

    def handle(self, user: str, request: dict) -> dict:
        op = request.get("op")
        try:
            if op == "exercise":
                return {"exercise": (self.panel.root / PANEL_FILE).read_text(encoding="utf-8")}
            if op == "code":
                return {"candidate": self._code(user, str(request.get("code", ""))[:100])}
            if op == "record":
                return self._record(user, request)
            if op in ("save", "check"):
                path = self._path(user, request.get("name"))
                data = str(request.get("text", "")).encode("utf-8")
                if len(data) > MAX_SIGNED_BYTES:
                    raise PanelError(f"too long (got {len(data)} bytes, expected at most {MAX_SIGNED_BYTES})")
                return self._save(path, data) if op == "save" else {"why": self._check(path, data)}
        except PanelError as exc:
            return {"error": str(exc)}
        return {"error": f"unknown request {str(op)[:40]!r} (expected exercise, code, record, save or check)"}

    def _code(self, user: str, code: str) -> str | None:
        member = self.panel.candidate(code)
        if member is None:
            return None
        with self.lock:
            bound = self.bound.setdefault(user, member.id)
        return member.id if bound == member.id else None  # one account, one candidate

    def _record(self, user: str, request: dict) -> dict:
        event = request.get("event")
        if event not in EVENTS:
            raise PanelError(f"unknown attempt event {str(event)[:40]!r} (expected one of: {', '.join(EVENTS)})")
        origin = f"hub user {user}, {str(request.get('origin', ''))[:MAX_TEXT]}"
        with self.lock:
            self.panel.record(event, candidate=self.bound.get(user), origin=origin, detail=str(request.get("detail", ""))[:MAX_TEXT])
            self._give(self.panel.sessions / ATTEMPTS_FILE)
        return {}

    def _give(self, *files: Path) -> None:
        """Hand files the signer wrote to the panel folder's owner (when the signer runs as another account)."""
        if self.owner is not None:
            for file in files:
                os.chown(file, *self.owner, follow_symlinks=False)

    def _path(self, user: str, name) -> Path:
        """The file ``name`` in the panel's sessions folder, if it is the bound candidate's log or notes."""
        candidate = self.bound.get(user)
        if candidate is None:
            raise PanelError("enter your access code first")
        log = self.panel.sessions / f"{self.panel.exercise.id}-{self.panel.exercise.sha256[:8]}-{candidate}.session.json"
        allowed = {log.name: log, notes_path(log).name: notes_path(log)}
        if name not in allowed:
            raise PanelError(f"not a file of this candidate (got {str(name)[:80]!r}, expected one of {', '.join(allowed)})")
        return allowed[name]

    def _save(self, path: Path, data: bytes) -> dict:
        with self.lock:
            write_text(path, data.decode("utf-8"))
            self._give(path, self.panel.key.sign(path, data))
        return {}

    def _check(self, path: Path, data: bytes) -> str:
        why = self.panel.key.check(path)
        if not why and read_bounded(path, MAX_SIGNED_BYTES) != data:
            why = "it differs from the signed copy the panel holds"
        return why


def serve(desk: Desk, name: str, who: Callable[[int], str | None]) -> socketserver.BaseServer:
    """A threaded server for ``desk`` on the abstract socket ``name``; ``who(uid)`` is the hub user of a caller, or
    None (refused).  Call ``serve_forever`` on it; ``shutdown`` stops it."""

    class Handler(socketserver.StreamRequestHandler):
        timeout = TIMEOUT

        def handle(self) -> None:
            _pid, uid, _gid = struct.unpack("3i", self.request.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                          struct.calcsize("3i")))
            user = who(uid)
            line = self.rfile.readline(MAX_REQUEST_BYTES + 1)
            if user is None:
                answer = {"error": "this account is not a candidate of the panel day"}
            elif len(line) > MAX_REQUEST_BYTES or not line.endswith(b"\n"):
                answer = {"error": f"the request is too long or cut short (expected one line of at most "
                                   f"{MAX_REQUEST_BYTES} bytes)"}
            else:
                try:
                    request = json.loads(line)
                except ValueError:
                    request = None
                answer = desk.handle(user, request) if isinstance(request, dict) else {"error": "not a JSON object"}
            self.wfile.write(json.dumps(answer).encode("utf-8") + b"\n")

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    return Server(_address(name), Handler)


class RemotePanel:
    """The panel as a candidate's kernel on a hub sees it: through the signer (the secret never enters the kernel).

    It offers what ``CandidateModel`` uses of a ``Panel``: ``exercise``, ``sessions`` (here the kernel's own folder,
    where it keeps its copy of the log), ``key`` (``sign``, ``sign_file``, ``check``), ``candidate`` and ``record``.
    """

    def __init__(self, name: str, sessions: str | Path):
        self.name = name
        self.sessions = Path(sessions)
        self.exercise = Exercise.model_validate(json.loads(self.ask("exercise")["exercise"]))
        self.key = RemoteKey(self)

    def ask(self, op: str, **fields) -> dict:
        """One request to the signer; raises SignerError with the signer's reason, or if it cannot be reached."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(TIMEOUT)
                s.connect(_address(self.name))
                s.sendall(json.dumps({"op": op, **fields}).encode("utf-8") + b"\n")
                with s.makefile("rb") as answer:
                    reply = json.loads(answer.readline(MAX_REQUEST_BYTES) or b"{}")
        except (OSError, ValueError) as exc:
            raise SignerError(f"the panel's signer cannot be reached ({exc}); tell the panel") from None
        if "error" in reply:
            raise SignerError(f"the panel's signer refused: {reply['error']}")
        return reply

    def candidate(self, code: str):
        found = self.ask("code", code=str(code)[:100])["candidate"]
        return self.exercise.member(found) if found else None

    def record(self, event: str, *, candidate: str | None = None, origin: str = "", detail: str = "") -> None:
        """The signer records under the candidate this account is bound to (``candidate`` is not sent)."""
        self.ask("record", event=event, origin=origin, detail=detail)


class RemoteKey:
    """Signing through the signer: ``sign`` hands the bytes just saved to it, which keeps and signs its own copy."""

    def __init__(self, panel: RemotePanel):
        self.panel = panel

    def sign(self, path: str | Path, data: bytes) -> None:
        self.panel.ask("save", name=Path(path).name, text=data.decode("utf-8"))

    def sign_file(self, path: str | Path) -> None:
        self.sign(path, read_bounded(path, MAX_SIGNED_BYTES))

    def check(self, path: str | Path) -> str:
        """Why the log at ``path`` is not the signed copy the panel holds ("" if it is)."""
        try:
            data = read_bounded(path, MAX_SIGNED_BYTES)
        except OSError as exc:
            return f"cannot be read ({exc})"
        return self.panel.ask("check", name=Path(path).name, text=data.decode("utf-8", "replace"))["why"]

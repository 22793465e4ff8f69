"""A candidate's session in a hiring panel: the exercise app (``ExerciseModel``) behind an access-code gate.

On top of an exercise's rules (the world pinned in the kernel, the time box,
required rationales, one session per participant resumed on reload), the
panel adds, all in the kernel:

- the candidate is known only by their access code: nothing the browser sends
  can name a candidate any other way, and the roster is never shown;
- wrong codes are recorded and, after ``MAX_WRONG_CODES`` from one page,
  refused without being checked;
- every save of the session log and of the notes is signed with the panel
  secret (HMAC-SHA256), and a log whose signature fails is never reopened;
- every start, resume (a reload, a second window, a return), refused code,
  take-over by another window, time-up and finish goes to the attempt record;
- once the time box has run out, the lessons learned can no longer change.

No widget is imported here; the views are in ``candidate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import traitlets as t

from sim.panel import Panel
from sim.panel.signer import RemotePanel
from sim.results import store

from .exercise_model import ExerciseModel, _now

MAX_WRONG_CODES = 5


class CandidateModel(ExerciseModel):
    """One candidate's attempt in a panel, from the access code to handing in."""

    hub_user_plays: ClassVar[bool] = False  # only an access code says who plays, never the hub login

    def __init__(self, panel: Panel | RemotePanel, origin: str = "", clock: Callable[[], dt.datetime] = _now):
        """``panel`` is the opened panel folder, or the panel reached through its signer (on a hub); ``origin`` names this page's kernel in the attempt record."""
        self.panel = panel
        self.origin = origin
        self.wrong_codes = 0
        self._admitted = ""  # the candidate an access code let in; identify refuses anyone else
        self._resumed = False
        self._taken_over = False
        super().__init__(panel.exercise, panel.sessions, participant=None, clock=clock)

    def _record(self, event: str, detail: str = "") -> None:
        try:
            self.panel.record(event, candidate=self.participant or None, origin=self.origin, detail=detail)
        except OSError as exc:
            self._unsigned(exc)

    def _unsigned(self, exc: OSError) -> None:
        """A save or record the panel's files did not take (a full disk; on a hub, the signer out of reach)."""
        self._problem = f"The panel's copy could not be updated ({exc}). Your session is kept; please tell the panel."
        super().say(self._problem, error=True)

    def say(self, text: str, error: bool = False) -> None:
        """As ever, but a problem with the panel's copy is not hidden by the message that follows it."""
        problem, self._problem = getattr(self, "_problem", ""), ""
        if problem and not error:
            text, error = f"{problem} {text}".strip(), True
        super().say(text, error)

    def _sign(self, path: Path, data: bytes) -> None:
        try:
            self.panel.key.sign(path, data)
        except OSError as exc:  # the next save signs the whole log again
            self._unsigned(exc)

    # ------------------------------------------------------------ the gate

    def enter_code(self, code: str) -> bool:
        """Sign in with an access code: the candidate it belongs to plays, resuming their session if they have one."""
        if self.participant:
            member = self.opened.member(self.participant)
            self.say(f"You are signed in already ({member.name if member and member.name else self.participant}).", error=True)
            return False
        if self.wrong_codes >= MAX_WRONG_CODES:
            self.say("Too many wrong codes from this page. Ask the panel for help.", error=True)
            return False
        try:
            member = self.panel.candidate(str(code)[:100])
        except OSError as exc:
            self.say(f"The access code cannot be checked now ({exc}). Please tell the panel.", error=True)
            return False
        if member is None:
            self.wrong_codes += 1
            self._record("refused", f"wrong code {self.wrong_codes} of {MAX_WRONG_CODES} allowed from this page")
            self.say("That access code is not valid. Check it with the panel (dashes, spaces and case do not matter).", error=True)
            return False
        self._admitted = member.id
        return self.identify(member.id)

    def identify(self, participant: str) -> bool:
        """Only the candidate an access code admitted may play (the browser cannot name one)."""
        if not self._admitted or participant != self._admitted:
            self.say("Enter your access code first.", error=True)
            return False
        known = super().identify(participant)
        if known and self.session is None:
            member = self.opened.member(participant)
            name = member.name if member else ""
            self.say(f"Welcome{', ' + name if name else ''}. Read the rules and the briefing, then start when you are ready.")
        return known

    # ------------------------------------------------------------ start, resume, sign

    def start(self) -> bool:
        if self.session is not None:
            return True
        self._resumed = False
        started = super().start()
        if started and not self._resumed:  # a new session: its first save was made before it had a signer
            path = self.playing.log_path
            assert path is not None  # a candidate's session is always kept in the panel folder
            self._sign(path, path.read_bytes())
            self._record("start", f"the {self.opened.minutes}-minute time box starts" if self.opened.minutes else "")
        return started

    def resume(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            why = self.panel.key.check(path)
        except OSError as exc:
            self.say(f"Your saved session cannot be checked now ({exc}). Please tell the panel.", error=True)
            return False
        if why:
            self._record("blocked", why)
            self.say("Your saved session cannot be reopened: it does not pass the panel's signature check. Please ask the "
                     "panel; the file is kept as it is.", error=True)
            return False
        self._resumed = True
        opened = super().resume(path)
        if opened:
            s = self.playing
            left = self.time_left()
            self._record("resume", f"status point {s.stops}, working day {s.project.now:g}"
                         + (f", {max(0, left) / 60:.1f} minutes left" if left is not None else ""))
        return opened

    def _open(self, session, notes: dict) -> None:
        session.on_save = self._sign  # every later save is signed as it is written
        self._loading = True  # the saved lessons come back as they were, whatever the time
        try:
            super()._open(session, notes)
        finally:
            self._loading = False

    def _save_notes(self) -> None:
        super()._save_notes()
        if self.session is not None and self.session.log_path is not None:
            notes = store.notes_path(self.session.log_path)
            if notes.exists():
                self._sign(notes, notes.read_bytes())

    # ------------------------------------------------------------ the record of what happened

    def _still_mine(self) -> bool:
        mine = super()._still_mine()
        if not mine and not self._taken_over:
            self._taken_over = True
            self._record("taken over", "this page made no change after that")
        return mine

    def _time_up(self) -> None:
        was = self.playing.frozen
        super()._time_up()
        frozen = self.playing.frozen
        if was is None and frozen is not None:
            self._record("time up", f"frozen at status point {frozen.stop}, working day {frozen.day:g}")

    def advance(self) -> bool:
        done = super().advance()
        if done and self.playing.done and self.playing.frozen is None:
            self._record("finish", f"the project ended on working day {self.playing.project.now:g}")
        return done

    # ------------------------------------------------------------ lessons close with the time box

    @t.validate("lessons")
    def _lessons_open(self, proposal):
        value = proposal["value"]
        if getattr(self, "_loading", False) or getattr(self, "session", None) is None:
            return value
        left = self.time_left()
        if left is not None and left <= 0 and value != self.lessons:
            raise t.TraitError("the time box has run out: the lessons learned can no longer change")
        return value

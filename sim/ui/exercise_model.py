"""The trainee app inside a class or panel exercise: the exercise's world, with its rules kept in the kernel.

``ExerciseModel`` is the trainee app's model (``PlayModel``) with an exercise
file behind it:

- the world is the exercise's (its embedded scenario, difficulty and the
  participant's seed); nothing the browser sends can change it, and the seed
  is never shown;
- the participant is identified (given, the JupyterHub user, a roster member,
  or a typed id) before play, and recorded in the session log;
- each participant has one session per exercise, named after both, so that
  reloading the page (a new kernel) resumes it; a session continued in another
  window is never written over;
- a time box (``minutes``) is checked on every action and by a ticking
  countdown: once it has run out, the session is frozen and run to its end,
  every open request taking its default;
- ``reveal`` decides what the close stage computes: nothing, the outcome and
  scorecard, or the full debrief (what is not revealed is never computed);
- with ``rationale: required`` a decision without a one-line reason is refused.

No widget is imported here; the views are in ``app``, ``join`` and ``close``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import traitlets as t

from sim.catalog import briefing_of
from sim.engine import Session
from sim.engine.exercise import Exercise, ExerciseError, read_exercise
from sim.engine.measures import scorecard
from sim.policies import passive
from sim.results.store import LOG_SUFFIX
from sim.schema import ScenarioError

from .model import PlayModel

IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")  # as sim.engine.log.Ident
HUB_USER = "JUPYTERHUB_USER"
PLAN_SECTIONS = {"release": "team", "hire": "team", "set_reserve": "reserve", "set_communication": "effort",
                 "set_quality": "effort", "buy_response": "risks"}
SECTION_NAMES = {"team": "the team changes (Team tab)", "reserve": "the reserve (Reserve tab)",
                 "risks": "the responses bought (Risks tab)", "effort": "communication and quality (Comms & quality tab)"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ExerciseModel(PlayModel):
    """One participant's session in an exercise, from identifying themselves to the (allowed) debrief."""

    hub_user_plays: ClassVar[bool] = True  # on a hub, the logged-in user is the participant (a panel says otherwise)
    participant = t.Unicode("")
    seconds_left = t.Int(None, allow_none=True)  # the time box's countdown; None before the start or without one
    scorecard = t.Any(None)  # the participant's scorecard, when the exercise reveals the outcome

    def __init__(self, exercise: str | Path | Exercise, save_dir: str | Path = "sessions", participant: str | None = None,
                 clock: Callable[[], dt.datetime] = _now):
        """``exercise`` is an exercise file or an ``Exercise``.  The participant is ``participant`` if given, else the
        JupyterHub user (``$JUPYTERHUB_USER``) if set, both fixed; else they identify themselves in the app.

        ``clock`` gives the time now (aware); tests pass a fake one.  An unreadable exercise file leaves the app
        showing ``problem`` and refusing to start.
        """
        self.problem = ""
        self.exercise: Exercise | None
        try:
            self.exercise = exercise if isinstance(exercise, Exercise) else read_exercise(exercise)
            world = self.exercise.world()
        except (ExerciseError, ScenarioError, TypeError) as exc:
            self.exercise, world, self.problem = None, None, f"The exercise cannot be opened: {exc}"
        self.clock = clock
        self._digest = ""  # sha256 of the log as this app last wrote or read it
        seed = self.exercise.seed if self.exercise else None  # with a seed per team, pinned when the participant is known
        super().__init__(save_dir, world.scenario.id if world else None, world.difficulty if world else None, seed)
        self.reveal = self.exercise.reveal if self.exercise else "none"
        self.rationale_required = self.exercise is not None and self.exercise.rationale == "required"
        given = participant if participant is not None else (self.hub_user_plays and os.environ.get(HUB_USER)) or None
        self.fixed_participant = given
        if self.problem:
            self.say(self.problem, error=True)
        elif given is not None:
            self.identify(given)

    @property
    def opened(self) -> Exercise:
        """The exercise: None only when its file could not be opened, and then the app refuses to start."""
        if self.exercise is None:
            raise RuntimeError(self.problem or "no exercise")
        return self.exercise

    # ------------------------------------------------------------ the world, never from the browser

    @property
    def pinned_world(self):
        return self.opened.world()

    def briefing(self) -> str:
        if self.exercise is None:
            return ""
        return briefing_of(self.pinned_world.scenario)

    def refresh_saved(self) -> None:
        """Nothing to list: each participant has one session per exercise, reopened by ``identify``."""
        self.saved = []

    # ------------------------------------------------------------ who plays

    @t.validate("participant")
    def _keep_participant(self, proposal):
        value = proposal["value"]
        if getattr(self, "session", None) is not None and value != self.participant:
            raise t.TraitError(f"participant cannot change during a session (got {value!r}, playing as {self.participant!r})")
        fixed = getattr(self, "fixed_participant", None)
        if fixed is not None and value not in ("", fixed):
            raise t.TraitError(f"participant is fixed (got {value!r}, expected {fixed!r})")
        return value

    def identify(self, participant: str) -> bool:
        """Play as ``participant`` (checked against the id rules and the roster); reopens their session if any."""
        if self.exercise is None:
            self.say(self.problem, error=True)
            return False
        who = str(participant).strip()
        if self.session is not None:
            self.say(f"You are playing as {self.participant}.", error=True)
            return False
        if self.fixed_participant is not None and who != self.fixed_participant:
            self.say(f"You are signed in as {self.fixed_participant}.", error=True)
            return False
        if not IDENT.match(who):
            self.say(f"{who!r} cannot be a participant id (expected a letter or digit, then letters, digits and "
                     "_ . @ -, at most 64; for example your student number).", error=True)
            return False
        if self.opened.roster and self.opened.member(who) is None:
            self.say(f"{who!r} is not on this exercise's roster: ask your instructor.", error=True)
            return False
        try:
            seed = self.opened.seed_for(who)
        except ExerciseError as exc:  # a seed per team and no roster to say whose team: the exercise is broken
            self.say(f"This exercise cannot be played: {exc}. Ask your instructor.", error=True)
            return False
        self.participant = who
        self._pinned["seed"] = seed
        self.seed = seed
        if os.path.lexists(self.log_path):
            return self.resume(self.log_path)
        member = self.opened.member(who)
        self.say(f"Welcome{', ' + member.name if member and member.name else ''}. Read the briefing, then start.")
        return True

    @property
    def log_path(self) -> Path:
        """This participant's session log of this exercise (of this version of it)."""
        return self.save_dir / f"{self.opened.id}-{self.opened.sha256[:8]}-{self.participant}{LOG_SUFFIX}"

    # ------------------------------------------------------------ start and resume

    def start(self) -> bool:
        """Open this participant's session: a new one (the clock starts), or the one they have."""
        if self.exercise is None:
            self.say(self.problem, error=True)
            return False
        if not self.participant:
            self.say("Say who you are first.", error=True)
            return False
        if self.session is not None:
            return True
        path = self.log_path
        if os.path.lexists(path):
            return self.resume(path)
        try:
            session = Session(self.pinned_world, self.seed, path, exercise=self.opened.ref, participant=self.participant)
        except FileExistsError:  # another window of this participant claimed it this instant
            return self.resume(path)
        except OSError as exc:
            self.say(f"Cannot start: {exc}", error=True)
            return False
        self._open(session, {})
        self._remember()
        box = f" You have {self.opened.minutes} minutes from now." if self.opened.minutes else ""
        self.say(f"Your session has started and is saved after every decision.{box}")
        self.tick()
        return True

    def resume(self, path: str | Path) -> bool:
        """Reopen this participant's session of this exercise, where it stopped (or finish it if time ran out)."""
        path = Path(path)
        self.say("")
        session = self._reopened(path, self.pinned_world)
        if session is None:
            return False
        if session.exercise != self.opened.ref or session.participant != self.participant:
            self.say(f"Cannot reopen {path.name}: it is not a session of this exercise by {self.participant}.", error=True)
            return False
        self._open(session, self._notes(path))
        self._remember()
        if not self.error:
            self.say("Welcome back: your session is open where you left it.")
        self.tick()
        return True

    # ------------------------------------------------------------ one writer per session

    def _file_digest(self) -> str:
        path = self.session.log_path if self.session is not None else None
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""
        except OSError:
            return ""

    def _remember(self) -> None:
        """Note the log as this app has it now: any other change to it comes from another window."""
        if self.session is not None and self.session.log_path is not None:
            self._digest = self._file_digest()

    def _still_mine(self) -> bool:
        """False (and a message) when the log was changed by another window since this app last wrote it."""
        if self.session is None or self._file_digest() == self._digest:
            return True
        self.say("Your session was continued in another window or tab. Reload this page to carry on from there; "
                 "nothing was written here.", error=True)
        return False

    # ------------------------------------------------------------ the time box

    @property
    def deadline(self) -> dt.datetime | None:
        if self.exercise is None or self.session is None:
            return None
        return self.opened.deadline(self.session.started)

    def time_left(self) -> float | None:
        """Seconds left in the time box (negative once past it); None without a time box or before the start."""
        deadline = self.deadline
        return None if deadline is None else (deadline - self.clock()).total_seconds()

    def tick(self) -> None:
        """Update the countdown; when the time is up, freeze the session and run it to its end on defaults."""
        left = self.time_left()
        self.seconds_left = None if left is None else max(0, math.ceil(left))
        if left is not None and left <= 0 and not self.playing.done:
            self._time_up()

    def _time_up(self) -> None:
        if not self._still_mine():
            return
        session = self.playing
        session.freeze(f"the {self.opened.minutes}-minute time box ran out")
        session.run(passive())  # frozen: every open request takes its default
        self._remember()
        self.committed = True
        self._save_notes()
        if self.reveal == "none":  # leave the dashboard before the end is known: the weeks run frozen are never shown
            self.stage = "close"
            self.report = session.observe()
        else:  # the close stage shows the end, so it is built on the final report
            self.report = session.observe()
            self.stage = "close"
        self.prepare_debrief()
        self.say(f"Time is up: the {self.opened.minutes} minutes have run out. The project ran on to its end with "
                 "no further decisions from you (every open request took its default).", error=True)

    def _may_act(self) -> bool:
        """Every action asks first: is the session open, this window's, and within its time?"""
        if self.session is None:
            self.say("Start your session first.", error=True)
            return False
        if not self._still_mine():
            return False
        frozen_before = self.session.frozen
        self.tick()  # may freeze it now, and say so
        if self.session.frozen is not None:
            if frozen_before is not None:
                self.say(f"Time is up: decisions are closed ({frozen_before.reason}).", error=True)
            return False
        return True

    # ------------------------------------------------------------ actions, each checked

    def run_forecast(self, *args, **kwargs) -> None:
        if self._may_act():
            super().run_forecast(*args, **kwargs)

    def commit_plan(self) -> bool:
        if not self._may_act():
            return False
        if self.rationale_required:
            missing = sorted({PLAN_SECTIONS[d["type"]] for d in self.plan.decisions() if not d.get("rationale", "").strip()})
            if missing:
                self.say("This exercise asks for a one-line reason with every decision: write one for "
                         + " and for ".join(SECTION_NAMES[s] for s in missing) + ".", error=True)
                return False
        done = super().commit_plan()
        self._remember()
        return done

    def decide(self, decision: dict, rationale: str = "") -> bool:
        if not self._may_act():
            return False
        if self.rationale_required and not str(rationale).strip():
            self.say("This exercise asks for a one-line reason with every decision: write it in the 'Why?' box.", error=True)
            return False
        done = super().decide(decision, rationale)
        self._remember()
        return done

    def advance(self) -> bool:
        if not self._may_act():
            return False
        done = super().advance()
        self._remember()
        return done

    # ------------------------------------------------------------ close: only what the exercise reveals

    def prepare_debrief(self) -> None:
        """Compute what ``reveal`` allows, and nothing more: none, the outcome and scorecard, or the full debrief."""
        if self.reveal == "none":
            return
        self.scorecard = scorecard(self.playing.project)
        if self.reveal == "full":
            super().prepare_debrief()

    def export_report(self) -> Path | None:
        if self.reveal != "full":
            self.say("This exercise's debrief is given by your instructor.", error=True)
            return None
        return super().export_report()

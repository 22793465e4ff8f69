"""The trainee app's state, with no widget import: the views link to these traits.

``PlayModel`` holds the chosen world, the session and its latest status report,
the stage the trainee is in, the draft plan, the lessons-learned text and the
last message.  Every action goes through the engine's public API; a refused
decision or an unreadable file becomes ``message`` (never a traceback), and
nothing the trainee made is lost: the engine logs every decision and the notes
are saved on every change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import traitlets as t

from sim.catalog import briefing, scenario_table
from sim.engine import DecisionError, LogError, Session, StatusReport, World, resume
from sim.engine import outlook as live
from sim.engine.outlook import Outlook, OutlookError
from sim.results import Results, store, words
from sim.results.debrief import make_debrief
from sim.results.report import html_report
from sim.results.words import day_text
from sim.schema import DIFFICULTIES, ScenarioError, content_hash

from .draft import PlanDraft
from .forecast import RUNS, Forecast, forecast_plan

STAGES = ("choose", "plan", "execute", "close")
FIXABLE = ("scenario", "difficulty", "seed")  # the settings an instructor may fix for a class or a panel
HIDDEN_DURING_PLAY = ("latent_defects",)


def after_this_message(begin: Callable[[], None]) -> None:
    """Run ``begin`` once the kernel has finished handling the message it is handling (at once outside a kernel).

    The live forecast is asked for in the middle of a click: the week's dashboard is drawn after.  A worker forked
    then holds, as its own, every page of the kernel's that the drawing writes while the worker lives: 19-23 MB
    per worker, against 8 MB forked once the click is handled (benchmarks/kernel_memory.py; issue 17).
    """
    try:
        loop = asyncio.get_running_loop()  # a kernel handles each message in its event loop's thread
    except RuntimeError:
        begin()  # a script or test: no loop, nothing drawn after
        return
    loop.call_soon(begin)


class PlayModel(t.HasTraits):
    """One trainee's playthrough, from choosing a scenario to the debrief."""

    scenario = t.Unicode("software_build")
    difficulty = t.Enum(DIFFICULTIES, default_value="standard")
    seed = t.Int(0, min=0)
    fixed = t.List(t.Unicode(), read_only=True)  # settings the instructor fixed: scenario, difficulty, seed
    stage = t.Enum(STAGES, default_value="choose")
    report = t.Instance(StatusReport, allow_none=True)
    draft = t.Instance(PlanDraft, allow_none=True)
    forecast = t.Instance(Forecast, allow_none=True)
    outlook = t.Instance(Outlook, allow_none=True)  # the live forecast of the project as it stands (sim.engine.outlook)
    outlook_note = t.Unicode("")  # beside it: that it is being updated, or why there is none
    lessons = t.Unicode("")
    debrief = t.Any(None)
    message = t.Unicode("")
    error = t.Bool(False)
    saved: t.List[Any] = t.List()  # store.Saved, newest first
    reveal = "full"  # what the close stage shows: an exercise may allow less (see exercise_model)
    live_runs = live.RUNS  # futures in each live forecast; 0 turns the live forecast off
    rationale_required = False  # an exercise may require a one-line reason for every decision

    def __init__(self, save_dir: str | Path = "sessions", scenario: str | None = None,
                 difficulty: str | None = None, seed: int | None = None):
        fixed = {k: v for k, v in (("scenario", scenario), ("difficulty", difficulty), ("seed", seed)) if v is not None}
        self._pinned = fixed  # before the traits are set: the validator below reads it
        self._pinned_hash: str | None = None  # the fixed scenario file's sha256, read when first needed
        super().__init__(**fixed)
        self.set_trait("fixed", list(fixed))
        self.save_dir = Path(save_dir)
        self.session: Session | None = None
        self._names: dict[str, str] | None = None
        self.committed = False
        self._outlook_lock = threading.Lock()
        self._outlook_turn = 0  # counts the forecasts started: only the latest may show its result
        self._outlook_running: live.Running | None = None
        self.refresh_saved()

    @t.validate(*FIXABLE)
    def _keep_fixed(self, proposal):
        """A setting the instructor fixed never changes, whatever a view (or a tampering browser) sends."""
        name, value = proposal["trait"].name, proposal["value"]
        if name in self._pinned and value != self._pinned[name]:
            raise t.TraitError(f"{name} is fixed by the instructor (got {value!r}, expected {self._pinned[name]!r})")
        return value

    def _not_fixed_world(self, sha256: str, difficulty: str, seed: int) -> list[str]:
        """The fixed settings a saved session was not played with (none: this app may resume it)."""
        played = {"scenario": sha256, "difficulty": difficulty, "seed": seed}
        fixed = dict(self._pinned)
        if "scenario" in fixed:
            if self._pinned_hash is None:
                try:
                    self._pinned_hash = content_hash(str(fixed["scenario"]))
                except ScenarioError:
                    self._pinned_hash = ""  # an unreadable scenario: no saved session is of it
            fixed["scenario"] = self._pinned_hash
        return [name for name, value in fixed.items() if played[name] != value]

    def settings(self) -> dict:
        """The scenario, difficulty and seed a new session gets: the instructor's where fixed."""
        return {"scenario": self.scenario, "difficulty": self.difficulty, "seed": self.seed, **self._pinned}

    # ------------------------------------------------------------ messages

    def say(self, text: str, error: bool = False) -> None:
        self.error = error
        self.message = text

    def refresh_saved(self) -> None:
        """The saved sessions this app may resume: all, or those of the world the instructor fixed."""
        found, problems = store.saved_sessions(self.save_dir)
        self.saved = [s for s in found if not self._not_fixed_world(s.sha256, s.difficulty, s.seed)]
        if problems:
            self.say("Some saved files could not be read and are not listed: " + "; ".join(problems), error=True)

    # ------------------------------------------------------------ stage 1: choose and read

    def scenarios(self) -> pd.DataFrame:
        return scenario_table(self.difficulty)

    def briefing(self) -> str:
        """The chosen scenario's briefing and objectives (Markdown)."""
        try:
            return briefing(self.scenario, self.difficulty)
        except (ScenarioError, OSError) as exc:
            return f"**The scenario cannot be read:** {exc}"

    def start(self) -> bool:
        """Open a new session on the chosen world and go to planning."""
        chosen = self.settings()
        try:
            world = World.from_file(chosen["scenario"], chosen["difficulty"])
            session = store.new_session(self.save_dir, world, chosen["seed"])
        except (ScenarioError, OSError, ValueError) as exc:
            self.say(f"Cannot start: {exc}", error=True)
            return False
        self._open(session, {})
        self.say(f"New session saved as {session.log_path}. It is saved after every decision.")
        return True

    def resume(self, path: str | Path) -> bool:
        """Reopen a saved session where it stopped, with its notes."""
        path = Path(path)
        pinned = self._pinned.get("scenario")
        session = self._reopened(path, None if pinned is None else str(pinned))  # the scenario this app was given, never one the log names
        if session is None:
            return False
        world = session.world
        outside = self._not_fixed_world(world.scenario_hash, world.difficulty, session.seed)
        if outside:
            self.say(f"Cannot resume {path.name}: it was not played with the {' and '.join(outside)} your instructor fixed.", error=True)
            return False
        notes = self._notes(path)
        played = {"scenario": world.scenario.id, "difficulty": world.difficulty, "seed": session.seed}
        with self.hold_trait_notifications():
            for name in FIXABLE:
                if name not in self._pinned:  # a fixed one is the session's already (checked above)
                    setattr(self, name, played[name])
        self._open(session, notes)
        if not self.error:
            self.say(f"Resumed {path.name} on {day_text(self.status_date())}.")
        return True

    def _reopened(self, path: Path, scenario: World | str | None = None) -> Session | None:
        """The saved session at ``path`` reopened by the engine in ``scenario`` (a World, a file or a bundled id; by
        default the bundled scenario the log names), or None, and why is said."""
        try:
            return resume(path, scenario)
        except (LogError, ScenarioError, OSError, ValueError) as exc:
            self.say(f"Cannot resume {path.name}: {exc}", error=True)
            return None

    def _notes(self, path: Path) -> dict:
        """The notes saved beside the log at ``path``; an unreadable notes file is set aside (and said), never lost."""
        try:
            return store.read_notes(path)
        except store.NotesError as exc:
            moved = store.set_aside(store.notes_path(path))
            self.say(f"{exc}. It was kept as {moved.name}; the session itself is intact.", error=True)
            return {}

    def _open(self, session: Session, notes: dict) -> None:
        self.session = session
        self._names = None
        # The plan is applied only when committed, so any decision in the log means it was.
        self.committed = bool(notes.get("committed")) or session.stops > 0 or bool(session.decisions)
        report = session.observe()
        draft = PlanDraft(report)
        dropped = draft.load(notes.get("plan", {}), report)
        if dropped:
            self.say("The saved plan mentions what this scenario no longer has: " + ", ".join(dropped), error=True)
        draft.observe(lambda change: self._save_notes(), t.All)
        with self.hold_trait_notifications():
            self.lessons = str(notes.get("lessons", ""))
            self.forecast = None
            self.debrief = None
            self.draft = draft
            self.report = report
        self._save_notes()
        self.stage = "close" if session.done else "execute" if self.committed else "plan"
        if session.done:
            self.prepare_debrief()

    @t.observe("lessons")
    def _lessons_changed(self, change) -> None:
        self._save_notes()
        if self.debrief is not None:  # the duty table reads the lessons as they stand (no re-run needed)
            self.debrief = self.debrief.with_lessons(self.lessons)

    def _save_notes(self) -> None:
        if self.session is None or self.session.log_path is None:
            return
        try:
            store.write_notes(self.session.log_path, {
                "lessons": self.lessons, "plan": self.draft.to_json() if self.draft else {}, "committed": self.committed,
            })
        except OSError as exc:
            self.say(f"Your notes could not be saved ({exc}); copy your text somewhere safe.", error=True)

    # ------------------------------------------------------------ stage 2: plan

    @property
    def playing(self) -> Session:
        """The session being played: there is one from the plan stage on."""
        if self.session is None:
            raise RuntimeError("no session yet: choose a scenario first")
        return self.session

    @property
    def plan(self) -> PlanDraft:
        """The draft plan of the plan stage."""
        if self.draft is None:
            raise RuntimeError("no plan yet: choose a scenario first")
        return self.draft

    @property
    def world(self) -> World:
        return self.playing.world

    @property
    def names(self) -> dict[str, str]:
        """Every id a trainee may meet and its name (people hired during the game included)."""
        if self._names is None:
            self._names = words.names(self.world)
        report = self.report
        return self._names | ({p["id"]: p["name"] for p in report.team} if report is not None else {})

    def run_forecast(self, runs: int = RUNS, progress: Callable[[int], None] | None = None) -> None:
        """Forecast the draft plan with a Monte Carlo study."""
        try:
            self.forecast = forecast_plan(self.world, self.plan.entries(), self.playing.seed, runs, progress)
        except (ValueError, DecisionError) as exc:
            self.say(f"The forecast failed: {exc}", error=True)

    def commit_plan(self) -> bool:
        """Apply the draft plan to the session (all of it, or none of it) and start executing."""
        decisions = self.plan.decisions()
        trial = Session(self.world, self.playing.seed)
        for decision in decisions:
            try:
                trial.decide(decision)
            except DecisionError as exc:
                self.say(f"The plan cannot start as it is: {exc}", error=True)
                return False
        for decision in decisions:
            self.playing.decide(decision)
        self.committed = True
        self._save_notes()
        turn = self._outlook_turn
        self.report = self.playing.observe()
        if turn == self._outlook_turn:  # a plan of no decisions leaves the report as it was: forecast it now
            self._forecast_again()
        n = len(decisions)
        self.say(f"Plan committed ({n} decision{'' if n == 1 else 's'}). The project starts on {day_text(self.status_date())}.")
        self.stage = "execute"
        return True

    # ------------------------------------------------------------ stage 3: execute

    @t.observe("report")
    def _forecast_again(self, _=None) -> None:
        """The project changed: cancel the live forecast under way and start one from the project as it stands.

        It forks here, between the session's steps (so every future starts from a whole state), and waits in a
        thread, so a week's dashboard never waits for it; a result that a newer one has overtaken is dropped.
        """
        with self._outlook_lock:
            self._outlook_turn += 1
            turn = self._outlook_turn
            if self._outlook_running is not None:
                self._outlook_running.cancel()
                self._outlook_running = None
        session = self.session
        if not self.live_runs or session is None or not self.committed or session.done:
            self.outlook, self.outlook_note = None, ""
            return
        why = live.available()
        if why:
            self.outlook, self.outlook_note = None, f"No live forecast: {why}."
            return
        try:
            running = live.start(session, self.live_runs, defer=after_this_message)
        except (OutlookError, OSError) as exc:
            self.outlook, self.outlook_note = None, f"The live forecast could not start: {exc}"
            return
        with self._outlook_lock:
            self._outlook_running = running
        self.outlook_note = "updating"
        threading.Thread(target=self._outlook_done, args=(running, turn), name="itpm-live-forecast", daemon=True).start()

    def _outlook_done(self, running: live.Running, turn: int) -> None:
        def first(reading: Outlook) -> None:  # the first futures' summary: shown while the rest run ("updating")
            with self._outlook_lock:
                if turn == self._outlook_turn:
                    self.outlook = reading

        try:
            result, note = running.result(first), ""
        except OutlookError as exc:
            result, note = None, f"The live forecast failed: {exc}"
        with self._outlook_lock:
            if turn != self._outlook_turn:
                return  # overtaken (and cancelled): a newer forecast is under way
            self._outlook_running = None
            with self.hold_trait_notifications():
                self.outlook, self.outlook_note = result, note

    def wait_for_outlook(self, timeout: float = 60.0) -> Outlook | None:
        """Block until the live forecast under way has arrived (for scripts and tests; the app never waits)."""
        deadline = time.monotonic() + timeout
        while self.outlook_note == "updating" and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.outlook

    def decide(self, decision: dict, rationale: str = "") -> bool:
        """Apply one decision now; a refused one leaves everything unchanged and says why."""
        project = self.playing.project
        news, events = len(project.news), len(project.events)
        try:
            self.playing.decide(decision, rationale=" ".join(rationale.split()))
        except DecisionError as exc:
            self.say(f"Refused: {exc}", error=True)
            return False
        self.report = self.playing.observe()
        refused = any(e.get("granted") is False for e in project.events[events:])  # the sponsor said no: not a success
        self.say(" ".join(text for _, text in project.news[news:]) or "Decision recorded.", error=refused)
        return True

    def advance(self) -> bool:
        """Run to the next status meeting (or an earlier event that needs a decision)."""
        if self.session is None or self.session.done:
            return False
        self.report = self.session.advance()
        self.say(self._stop_text(self.report))
        if self.report.done:
            self.stage = "close"
            self.prepare_debrief()
        return True

    def _stop_text(self, report: StatusReport) -> str:
        open_ = len(report.requests)
        if report.done:
            return "The project has ended. Write your lessons learned" + (" and read the debrief." if self.reveal == "full" else ".")
        if open_:
            return f"{open_} decision{'s' if open_ > 1 else ''} waiting for you (see 'Decisions needed')."
        return "Weekly status meeting."

    def timeline(self) -> pd.DataFrame:
        """The daily timeline as the PM may see it: hidden columns only once the project has ended."""
        df = Results(self.playing).timeline
        return df if self.playing.done else df.drop(columns=[c for c in HIDDEN_DURING_PLAY if c in df.columns])

    def date_at(self, instant: float) -> dt.date:
        """The date of an instant (a decision, a risk striking, a task finishing): ``WorkCalendar.date_at``."""
        return self.world.calendar.date_at(instant)

    def date(self, day: float) -> dt.date:
        """The date of working day ``day`` (0 is the start date)."""
        return self.world.calendar.date(day)

    def status_date(self) -> dt.date:
        """The date the current report describes: the end of the last working day."""
        day = self.report.day if self.report else 0.0
        return self.world.calendar.date_at(day)

    # ------------------------------------------------------------ stage 4: close

    def prepare_debrief(self) -> None:
        """Build the debrief (the scorecard against ``reference``, the counterfactuals, the lessons learned)."""
        self.debrief = make_debrief(self.playing, lessons=self.lessons)

    def export_report(self) -> Path | None:
        """Write the HTML report (with the lessons learned as they stand now) beside the session log."""
        self.prepare_debrief()
        log = self.playing.log_path
        if log is None:
            self.say("This session is not saved, so there is nowhere to write its report.", error=True)
            return None
        path = log.with_name(log.name.removesuffix(store.LOG_SUFFIX) + ".report.html")
        try:
            store.write_text(path, html_report(self.playing, self.debrief))
        except OSError as exc:
            self.say(f"The report could not be written ({exc}).", error=True)
            return None
        self.say(f"Report written to {path}.")
        return path

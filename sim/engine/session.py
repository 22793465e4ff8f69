"""The decision loop: one engine for interactive play and batch runs.

A ``Session`` advances to the next decision point and returns the status
report the PM sees there; ``step`` applies decisions and carries on.  Every
decision is written to the session log at once, so a session survives a dead
kernel and replays to the identical result.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import ValidationError

import sim
from sim.schema import bundled_scenarios, read_scenario_bytes, resolve
from sim.schema.files import strict_json
from sim.schema.problems import show

from . import pm
from .decisions import DECISION, Decision, DecisionError, _Decision
from .log import (
    LOG_FORMAT,
    ExerciseRef,
    Freeze,
    LogError,
    ScenarioRef,
    SessionLog,
    as_path,
    located,
    read_log,
    summarise,
)
from .measures import outcome
from .project import Project
from .report import StatusReport, build
from .world import World

Policy = Callable[[StatusReport], Iterable]


class Session:
    """One playthrough of a world under one seed."""

    def __init__(self, world: World, seed: int = 0, log_path: str | Path | None = None, without_risks: tuple[str, ...] = (),
                 exercise: ExerciseRef | None = None, participant: str | None = None):
        """A new session; ``log_path`` must not hold a session log yet (``resume`` continues one).

        A session played in a class or panel exercise records the exercise and the ``participant`` in its log.
        """
        if not isinstance(world, World):
            raise TypeError(f"world must be a World (got {world!r})")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0 (got {seed!r})")
        self.world = world
        self.seed = seed
        self.exercise = exercise
        self.participant = participant
        self.started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # wall clock, for time boxes
        self.frozen: Freeze | None = None
        self.project = Project(world, seed, without_risks=without_risks)
        self.stops = 0
        self.decisions: list[dict] = []
        self.refused: list[dict] = []
        self.log_path: Path | None = None
        self.on_save: Callable[[Path, bytes], object] | None = None  # run after each save with the bytes written (e.g. to sign them)
        self._news_seen = 0
        self._report: StatusReport | None = None
        self._shown: weakref.ref[StatusReport] | None = None  # the last report built, until the project changes
        if log_path is not None:
            self.keep_log(log_path)

    def keep_log(self, log_path: str | Path) -> None:
        """Write the log to ``log_path`` from now on, claiming the name first.

        The file is created exclusively (``O_CREAT | O_EXCL``), so of two sessions given the same new name at the
        same moment exactly one gets it and the other a FileExistsError; a path that exists already is never
        written over.  Every later save replaces the claimed file atomically.
        """
        path = as_path(log_path, "a new session log")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            raise FileExistsError(f"{path}: exists already and a new session never writes over it "
                                  f"(continue a saved session with sim.engine.resume({str(path)!r}))") from None
        self.log_path = path
        try:
            self.save()
        except BaseException:
            self.log_path = None
            path.unlink(missing_ok=True)  # the empty file this call claimed
            raise

    @classmethod
    def start(cls, scenario: str | Path, difficulty: str = "standard", seed: int = 0, log_path: str | Path | None = None) -> Session:
        """A new session on a scenario file or bundled scenario id."""
        as_path(scenario, "a scenario file or a bundled scenario id")
        return cls(World.from_file(scenario, difficulty), seed, log_path)

    # ------------------------------------------------------------ the loop

    @property
    def done(self) -> bool:
        return self.project.ended

    def observe(self) -> StatusReport:
        """The current status report (rebuilt after decisions, only when asked for)."""
        if self._report is None:
            self._report = self._build()
        return self._report

    def _build(self) -> StatusReport:
        report = build(self.project, self._news_seen, self.stops)
        self._shown = weakref.ref(report)
        return report

    def _move_on(self) -> None:
        """The project is about to change: a report that anyone still holds keeps the project as it showed it.

        A report builds its task, register and market lines when they are first read (sim/engine/report.py). The
        last one built is frozen here, lines and all, unless nothing refers to it any more; then nobody can read it.
        """
        self._report = None
        shown = self._shown() if self._shown is not None else None
        if shown is not None:
            shown.freeze()
        self._shown = None

    def decide(self, decision, rationale: str = "") -> None:
        """Apply one decision now (a Decision model or its dict), or raise DecisionError unchanged."""
        if self.frozen is not None:
            raise DecisionError(f"decisions are frozen since stop {self.frozen.stop} (day {self.frozen.day:g}): {self.frozen.reason}")
        if isinstance(decision, dict):
            try:
                decision = DECISION.validate_python(decision)
            except ValidationError as exc:
                raise DecisionError(f"malformed decision {decision!r}: {summarise(exc, model=Decision)}") from None
        elif not isinstance(decision, _Decision):
            raise TypeError(f"expected a decision (a model from sim.engine or its dict), got {decision!r}")
        if rationale:
            decision = decision.model_copy(update={"rationale": rationale})
        self._move_on()
        pm.apply(self.project, decision)
        self.decisions.append({
            "stop": self.stops,
            "day": self.project.now,
            "wall_time": _utc_second(int(time.time())),
            "decision": decision.model_dump(mode="json"),
        })
        self.save()

    def freeze(self, reason: str) -> None:
        """Take no more decisions (a time box ran out): the rest of the project runs with every default.

        The log records where and why, so a report can say how much was played and how much ran frozen.
        """
        if self.frozen is None:
            self.frozen = Freeze(stop=self.stops, day=self.project.now, reason=reason,
                                 wall_time=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
            self.save()

    def advance(self) -> StatusReport:
        """Run to the next decision point (or the end) and report."""
        if self.done:
            return self.observe()
        self._move_on()
        project = self.project
        self._news_seen = len(project.news)
        project.to_next_stop()
        self.stops += 1
        self._report = self._build()
        self.save()
        return self._report

    def step(self, decisions: Iterable = ()) -> StatusReport:
        """Apply ``decisions`` in order, then advance.  A refused decision stops the rest."""
        for decision in _decisions(decisions, lambda: "step()"):
            self.decide(decision)
        return self.advance()

    def run(self, policy: Policy, strict: bool = True) -> StatusReport:
        """Let ``policy`` decide at every stop until the project ends.

        With ``strict`` a refused decision raises DecisionError; otherwise it is
        skipped and kept in ``refused`` with its reason.
        """
        report = self.observe()
        while not report.done:
            source = functools.partial("policy {!r} on day {:g}".format, policy, report.day)  # formatted only on error
            decisions = _decisions(policy(report), source)
            del report  # the policy has read it: unless it keeps it, nothing need freeze its lines
            for decision in decisions:
                try:
                    self.decide(decision)
                except DecisionError as exc:
                    if strict:
                        raise
                    self.refused.append({"day": self.project.now, "decision": _as_dict(decision), "reason": str(exc)})
            report = self.advance()
        return report

    # ------------------------------------------------------------ the log

    def log(self) -> dict:
        """The session log as a JSON-ready dict."""
        world = self.world
        out = {
            "format": LOG_FORMAT,
            "kit_version": sim.__version__,
            "scenario": {"id": world.scenario.id, "path": world.path, "sha256": world.scenario_hash},
            **({"exercise": self.exercise.model_dump(mode="json")} if self.exercise else {}),
            **({"participant": self.participant} if self.participant else {}),
            "difficulty": world.difficulty,
            "seed": self.seed,
            "started": self.started.isoformat(),
            **({"frozen": self.frozen.model_dump(mode="json")} if self.frozen else {}),
            "decisions": self.decisions,
            "stops": self.stops,
            "finished": self.done,
        }
        if self.done:
            out["outcome"] = outcome(self.project)
        return out

    def save(self) -> None:
        """Write the log atomically (write a temporary file, then rename), then run ``on_save`` with its bytes."""
        if self.log_path is None:
            return
        data = strict_json(self.log(), indent=1).encode("utf-8")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.log_path.parent, prefix=".session-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.log_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if self.on_save is not None:
            self.on_save(self.log_path, data)


@functools.lru_cache(maxsize=1)
def _utc_second(second: int) -> str:
    """A Unix time in whole seconds as an ISO UTC time: decisions come in bursts, so each second is formatted once."""
    return dt.datetime.fromtimestamp(second, dt.timezone.utc).isoformat(timespec="seconds")


def _decisions(decisions, source: Callable[[], str]) -> Iterable:
    """``decisions`` if it is an iterable of decisions, else a TypeError naming ``source()`` and the value."""
    if type(decisions) is list:  # what policies return: no need to ask the slower questions below
        return decisions
    if isinstance(decisions, (str, bytes, dict, _Decision)) or not isinstance(decisions, Iterable):
        raise TypeError(f"{source()}: expected an iterable of decisions (an empty list for none), got {decisions!r}")
    return decisions


def _as_dict(decision) -> dict:
    return decision if isinstance(decision, dict) else decision.model_dump(mode="json")


def _world_for(log: SessionLog, path: Path, scenario: World | str | Path | None) -> World:
    """The world to replay ``log`` in: ``scenario`` (a World, or a scenario file or bundled id the caller gives),
    or when None the bundled scenario whose id the log records.

    The log never names the file that is read (its ``scenario.path`` is only information), and the file's hash
    is checked before it is parsed, so a file that is not the session's scenario is never shown in a message.
    """
    ref = log.scenario
    if isinstance(scenario, World):
        if scenario.difficulty != log.difficulty:
            raise LogError(f"{located(path, ('difficulty',))}: difficulty: the session was played at another difficulty "
                           f"(got a world at {scenario.difficulty!r}, expected one at {log.difficulty!r})")
        _same_scenario(scenario.scenario_hash, scenario.path or "the given world", ref, path)
        return scenario
    if scenario is None:
        bundled = {p.stem: p for p in bundled_scenarios()}
        if ref.id not in bundled:
            played = f"; it was played on {show(ref.path, 200)}" if ref.path else ""
            raise LogError(f"{located(path, ('scenario', 'id'))}: scenario.id: not a bundled scenario (got {show(ref.id)}, "
                           f"expected one of: {', '.join(bundled)}; give the scenario file the session was played on{played})")
        source = bundled[ref.id]
    else:
        source = resolve(as_path(scenario, "a scenario file or a bundled scenario id"))
    raw = read_scenario_bytes(source)  # read once: the hash checked is of the bytes then parsed
    _same_scenario(hashlib.sha256(raw).hexdigest(), str(source), ref, path)
    return World.from_bytes(raw, str(source), log.difficulty)


def _same_scenario(sha256: str, source: str, ref: ScenarioRef, path: Path) -> None:
    """Nothing if ``sha256`` is the hash the log recorded, else a LogError saying the scenarios differ."""
    if sha256 != ref.sha256:
        raise LogError(f"{located(path, ('scenario', 'sha256'))}: scenario.sha256: {source} is not the scenario the session was "
                       f"played on, or has changed since the session was played (got sha256 {sha256[:12] or 'none'}..., "
                       f"expected {ref.sha256[:12]}...)")


def replay(path: str | Path, scenario: World | str | Path | None = None, log_path: str | Path | None = None,
           to_end: bool = True) -> Session:
    """Re-simulate a session log: the same decisions at the same stops, in memory.

    ``scenario`` is the world to play it in: a World, a scenario file or a bundled scenario id; None means the
    bundled scenario whose id the log records.  Its content must hash to the log's ``scenario.sha256``.
    With ``to_end`` a finished log is run to its end; otherwise the session stops where the log stops, ready
    to resume.  ``log_path`` (a new file) gets the replayed log once the replay has succeeded.
    """
    log = read_log(path)
    path = Path(path)
    session = Session(_world_for(log, path, scenario), log.seed, exercise=log.exercise, participant=log.participant)
    if log.started is not None:
        session.started = log.started
    for i, entry in enumerate(log.decisions):
        while session.stops < entry.stop and not session.done:
            session.advance()
        if session.stops < entry.stop:
            raise _off_course(path, i, entry, f"but the replay ended at stop {session.stops} on day {session.project.now:g}")
        if abs(entry.day - session.project.now) > 1e-9:
            raise _off_course(path, i, entry, f"but the replay is on day {session.project.now:g} at that stop")
        try:
            session.decide(entry.decision)
        except DecisionError as exc:
            raise _off_course(path, i, entry, f"is refused on replay: {exc}") from None
        session.decisions[-1]["wall_time"] = entry.wall_time.isoformat()
    if log.frozen is not None:
        while session.stops < log.frozen.stop and not session.done:
            session.advance()
        session.frozen = log.frozen
    end = None if to_end and log.finished else log.stops
    while not session.done and (end is None or session.stops < end):
        session.advance()
    if end is not None and session.stops < end:
        raise LogError(f"{path}: stops: the log reaches stop {end}, but the replay ended at stop {session.stops} "
                       f"on day {session.project.now:g}")
    if log_path is not None:
        session.keep_log(log_path)
    return session


def _off_course(path: Path, i: int, entry, why: str) -> LogError:
    """Decision ``i`` of the log at ``path`` does not fit the replay.  Its line is looked up only now: reading the
    log's positions takes the pure-Python YAML reader, far too slow to do for every decision that fits."""
    return LogError(f"{located(path, ('decisions', i))}: decision {i}: made at stop {entry.stop} on day {entry.day:g}, {why}")


def resume(path: str | Path, scenario: World | str | Path | None = None) -> Session:
    """Reopen a saved session where it stopped, in ``scenario`` (as for ``replay``); further decisions go to the same log.

    The file is not touched until the replay has succeeded and the next decision or stop is saved.
    """
    session = replay(path, scenario, to_end=False)
    session.log_path = Path(path)
    return session

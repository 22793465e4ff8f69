"""Verification of one session log against an exercise: which status it gets, and why.

A log is re-simulated by ``replay`` in the exercise's own world (its embedded
scenario, difficulty and the participant's seed), and every number reported
comes from that replay, never from the file: a student can edit a file, not
what the engine computes from it.

The statuses, in the order they are checked:

- ``outdated``: recorded by an earlier kit whose model differs from this one's (the reason names that kit's version:
  replay it with that version);
- ``unreadable``: not a session log the kit can read (the located reason);
- ``foreign``: played outside this exercise: in none, another class or version
  of it, on another scenario version, difficulty or seed, by someone not on
  the roster, or handed in by someone else than who played it;
- ``tampered``: a decision was made after the time box ran out (the app refuses it), or the replay fails, or
  does not reproduce what the log records;
- ``unfinished``: the replay matches, but the project did not reach its end;
- ``verified``: the replay reproduces the recorded outcome exactly.

``duplicate`` is given across logs, by ``sim.classroom.collect``: the same
student's other attempts, and earlier saves of the same session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sim.engine import LogError, Session, outcome, read_log, replay
from sim.engine.exercise import Exercise, ExerciseError
from sim.engine.log import ModelVersionError, SessionLog
from sim.engine.measures import PARTS, scorecard

STATUSES = ("verified", "tampered", "foreign", "unfinished", "duplicate", "outdated", "unreadable")
"""Every status a log found can get; ``duplicate`` only when several are compared (see ``collect``)."""
SHOW_DIFFERENCES = 3
TIME_BOX_GRACE = 60  # seconds: the log's times are rounded to the second, and a click may land as the time runs out


@dataclass(frozen=True)
class Verdict:
    """What one log is, why, and what its replay produced.

    ``result`` holds the replay's numbers (``result_row``) for a verified or unfinished log, else None.
    ``session`` is the replayed Session when ``verify_log`` was asked to keep it.
    """

    file: str
    status: str
    reason: str
    participant: str | None = None
    started: dt.datetime | None = None
    stops: int = 0
    finished: bool = False
    result: dict | None = None
    session: Session | None = field(default=None, compare=False, repr=False)


def result_row(session: Session) -> dict:
    """The numbers of a replayed session: progress, decisions, the time box, and when finished, the outcome and score."""
    project = session.project
    row: dict[str, object] = {
        "finished": session.done, "day": project.now, "stops": session.stops, "decisions": len(session.decisions),
        "frozen": session.frozen is not None, "frozen_day": session.frozen.day if session.frozen else None,
    }
    if session.done:
        card = scorecard(project)
        row.update(outcome(project))
        row.update({"score": card.total, "grade": card.grade, **{f"score_{k}": card.parts[k] for k in PARTS}})
    return row


def verify_log(path: str | Path, exercise: Exercise, *, handed_in_by: str | None = None, name: str | None = None,
               keep_session: bool = False) -> Verdict:
    """Sort the log at ``path`` into a status, with its reason, by replaying it in ``exercise``'s world.

    ``handed_in_by`` is who handed the file in, when the hand-in says so (an nbgrader submission folder): a log
    played by someone else is foreign.  ``name`` stands for the file in reasons (for a log read from a zip file).
    ``keep_session`` keeps the replayed Session in the verdict (for a report); the numbers are in ``result``.
    """
    path = Path(path)
    name = name or str(path)
    try:
        log = read_log(path)
    except ModelVersionError as exc:
        return Verdict(name, "outdated", str(exc).replace(str(path), name, 1))
    except LogError as exc:
        return Verdict(name, "unreadable", str(exc).replace(str(path), name, 1))
    who = log.participant or handed_in_by

    def verdict(status: str, reason: str, result: dict | None = None, session: Session | None = None) -> Verdict:
        return Verdict(name, status, reason, who, log.started, log.stops, log.finished, result, session)

    foreign = _foreign(log, exercise, handed_in_by)
    if foreign:
        return verdict("foreign", foreign)
    late = _past_time_box(log, exercise)
    if late:
        return verdict("tampered", late)
    try:
        session = replay(path, exercise.world(), to_end=log.finished)
    except LogError as exc:
        return verdict("tampered", f"the replay fails: {str(exc).replace(str(path), name)}")
    row = result_row(session)
    kept = session if keep_session else None
    differences = _differences(log, session)
    if differences:
        shown = "; ".join(differences[:SHOW_DIFFERENCES])
        more = f" (and {len(differences) - SHOW_DIFFERENCES} more)" if len(differences) > SHOW_DIFFERENCES else ""
        return verdict("tampered", f"the replay differs from the log: {shown}{more}", session=kept)
    if not log.finished:
        return verdict("unfinished", f"stopped at status point {log.stops} (working day {session.project.now:g}); "
                       "the project did not reach its end", row, kept)
    return verdict("verified", f"the replay reproduces the recorded outcome (score {row['score']:.1f}, "
                   f"finished day {row['finish_day']:g})", row, kept)


def _foreign(log: SessionLog, exercise: Exercise, handed_in_by: str | None) -> str:
    """Why ``log`` was not played in ``exercise`` ("" if it was)."""
    ref = log.exercise
    if ref is None:
        return f"not played in an exercise (a free session of {log.scenario.id}), expected exercise {exercise.id!r}"
    if (ref.kind, ref.id) != (exercise.kind, exercise.id):
        return f"played in {ref.kind} exercise {ref.id!r}, not in {exercise.kind} exercise {exercise.id!r}"
    if ref.sha256 != exercise.sha256:
        return (f"played in another version of exercise {exercise.id!r} (exercise sha256 {ref.sha256[:12]}..., "
                f"expected {exercise.sha256[:12]}...)")
    if log.scenario.sha256 != exercise.scenario.sha256:
        return (f"played on another version of scenario {log.scenario.id!r} (sha256 {log.scenario.sha256[:12]}..., "
                f"expected {exercise.scenario.sha256[:12]}...)")
    if log.difficulty != exercise.difficulty:
        return f"played at difficulty {log.difficulty!r}, expected {exercise.difficulty!r}"
    who = log.participant
    if who is None:
        return "no participant recorded (expected the id the student played under)"
    if exercise.roster and exercise.member(who) is None:
        return f"participant {who!r} is not on the exercise's roster"
    if handed_in_by is not None and handed_in_by != who:
        return f"handed in by {handed_in_by!r} but played by {who!r}"
    try:
        seed = exercise.seed_for(who)
    except ExerciseError as exc:
        return str(exc)
    if log.seed != seed:
        return f"played with another seed (got {log.seed}, expected {seed})"
    return ""


def _past_time_box(log: SessionLog, exercise: Exercise) -> str:
    """Why ``log`` breaks the exercise's time box ("" if it keeps it): a decision made after the time ran out,
    which the app refuses, so the log was not made by the app as the exercise was handed out."""
    if log.started is None:
        return "no start time recorded (expected one: the exercise has a time box)" if exercise.minutes else ""
    deadline = exercise.deadline(log.started)
    if deadline is None:
        return ""
    grace = dt.timedelta(seconds=TIME_BOX_GRACE)
    late = next((i for i, e in enumerate(log.decisions) if e.wall_time > deadline + grace), None)
    if late is None:
        return ""
    entry = log.decisions[late]
    over = (entry.wall_time - deadline).total_seconds() / 60
    return (f"decision {late} was made at {entry.wall_time:%H:%M:%S}, {over:.0f} minute(s) after the "
            f"{exercise.minutes}-minute time box ran out (the app takes no decision then)")


def _differences(log: SessionLog, session: Session) -> list[str]:
    """What the log records that its replay does not reproduce: the stops reached and each outcome field."""
    out = []
    if session.stops != log.stops:
        out.append(f"status points recorded {log.stops}, replayed {session.stops}")
    if log.outcome is not None:  # a finished log's
        replayed = outcome(session.project)
        for key, recorded in log.outcome.model_dump(mode="json").items():
            if replayed[key] != recorded:
                out.append(f"{key} recorded {_shown(recorded)}, replayed {_shown(replayed[key])}")
    return out


def _shown(value) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else repr(value)

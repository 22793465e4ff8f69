"""Collecting a class: every log handed in, verified against the exercise, kept, and one row per student.

``collect`` finds the logs (``handins``), stores a copy of each in the
collection folder (named by participant and content hash, never by what the
student called it, and never written over), verifies each by replay
(``verify``), sorts out duplicates, and writes two tables:

- ``logs.csv``: every log found, where, its status and reason, and whether it
  is the one kept for its student;
- ``cohort.csv``: one row per student (the roster's, and anyone else who
  handed in): the kept log's status, the outcome, the scorecard, the score
  against ``reference`` on the same seed, the decision count and the attempts.

A student's attempts are their sessions (a session is known by when it
started and by its decisions: an earlier save holds the first of them, so two
sessions started in the same second are two attempts); of several saves of
one session the furthest is kept, of several
sessions the latest by default (or the first, or the best score).  Numbers
always come from the replay, never from the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine import Session
from sim.engine.exercise import (
    Exercise,
    ExerciseError,
    read_exercise,
    safe_id,
    write_exercise,
)
from sim.engine.log import MAX_LOG_BYTES
from sim.engine.measures import PARTS, scorecard
from sim.policies import Reference
from sim.results import store
from sim.schema.files import UnreadableFile, create_file, read_bounded, reason

from .handins import HandIn, find_hand_ins
from .pack import EXERCISE_FILE, NOTEBOOK_FILE
from .verify import Verdict, verify_log

LOGS_FILE = "logs.csv"
COHORT_FILE = "cohort.csv"
LOGS_DIR = "logs"
KEEPS = ("latest", "first", "best")
ATTRIBUTED = ("verified", "tampered", "unfinished", "outdated")  # logs of this exercise: a student's attempts
LOG_COLUMNS = ["source", "stored", "sha256", "handed_in_by", "submitted", "participant", "status", "check", "reason",
               "kept", "attempt", "started", "stops", "finished"]
OUTCOME_COLUMNS = ["finish_day", "finish_date", "deadline_day", "on_time", "cost", "budget", "reserve", "on_budget", "scope",
                   "escaped_defects", "incidents", "satisfaction", "resignations", "abandoned"]
COHORT_COLUMNS = (["student", "name", "team", "status", "reason", "attempts", "seed", "finished", *OUTCOME_COLUMNS,
                   "score", "grade", *[f"score_{p}" for p in PARTS], "reference_score", "vs_reference", "decisions",
                   "stops", "frozen", "frozen_day", "started", "source", "stored"])


class CollectError(ValueError):
    """The collection folder cannot be used: it holds results already, another exercise's, or cannot be written."""


@dataclass
class Collection:
    """A collected class: the exercise, every log found (``logs``) and one row per student (``cohort``)."""

    exercise: Exercise
    logs: pd.DataFrame
    cohort: pd.DataFrame
    folder: Path | None = None
    found: int = field(default=0)

    def counts(self) -> dict[str, int]:
        """How many logs got each status."""
        return {str(k): int(n) for k, n in self.logs["status"].value_counts().items()}

    def problems(self) -> list[str]:
        """One located line per log that could not be read."""
        return self.logs.loc[self.logs["status"] == "unreadable", "reason"].tolist()


# ------------------------------------------------------------ the folder


def holds_results(folder: Path) -> bool:
    """Whether ``folder`` holds a collection already (its tables, its exercise or stored logs)."""
    return any((folder / name).exists() for name in (LOGS_FILE, COHORT_FILE, EXERCISE_FILE, LOGS_DIR))


def is_pack(folder: Path) -> bool:
    """Whether ``folder`` is a class pack (the exercise with its notebook and handout) rather than a collection."""
    return (folder / EXERCISE_FILE).is_file() and (folder / NOTEBOOK_FILE).is_file() and not (folder / LOGS_FILE).exists()


def _prepare(out: Path, exercise: Exercise, update: bool) -> pd.DataFrame:
    """Check the folder ``out`` and return the logs an earlier collection there found (empty if none)."""
    if out.exists() and not out.is_dir():
        raise CollectError(f"--out {out}: got a file, expected a folder")
    if is_pack(out):
        raise CollectError(f"--out {out}: is a class pack (its exercise, notebook and handout), expected a new or empty "
                           "folder for the collection, for example one beside the pack")
    if not out.exists() or not holds_results(out):
        return pd.DataFrame(columns=LOG_COLUMNS)
    if not update:
        raise CollectError(f"--out {out}: holds the results of a collection already (expected a new or empty folder; "
                           "give --update to add the new logs to it, nothing is removed)")
    try:
        earlier = read_exercise(out / EXERCISE_FILE)
    except ExerciseError as exc:
        raise CollectError(f"--out {out}: its exercise cannot be read, so it cannot be updated ({exc})") from None
    if earlier.sha256 != exercise.sha256:
        raise CollectError(f"--out {out}: holds the results of exercise {earlier.id!r} (sha256 {earlier.sha256[:12]}...), "
                           f"not of this exercise {exercise.id!r} (sha256 {exercise.sha256[:12]}...); choose another folder")
    try:
        return pd.read_csv(out / LOGS_FILE, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise CollectError(f"--out {out}: {out / LOGS_FILE} cannot be read ({exc}); it is needed to update") from None


def _earlier_hand_ins(out: Path, earlier: pd.DataFrame) -> list[HandIn]:
    """The logs an earlier collection stored, as hand-ins from where they were first found."""
    found: list[HandIn] = []
    seen: set[str] = set()
    for row in earlier.to_dict("records"):
        stored, source = str(row["stored"]), str(row["source"])
        if not stored or stored in seen:
            continue
        seen.add(stored)
        path = out / stored
        try:
            data = read_bounded(path, MAX_LOG_BYTES)
        except UnreadableFile as exc:
            found.append(HandIn(source, None, f"{path}: the stored copy cannot be read ({exc})"))
            continue
        notes = path.with_name(path.name.removesuffix(store.LOG_SUFFIX) + store.NOTES_SUFFIX)
        found.append(HandIn(source, data, "", str(row["handed_in_by"]) or None, str(row["submitted"]) or None,
                            notes.read_bytes() if notes.is_file() else None))
    return found


PARTICIPANT = re.compile(rb'"participant"\s*:\s*"([A-Za-z0-9][A-Za-z0-9_.@-]{0,63})"')


def named_in(data: bytes) -> str | None:
    """The participant a log names, even in a file too broken to read as a log (a truncated one still says whose it
    is near its start); used only to say whose an unreadable log is, never for a result."""
    match = PARTICIPANT.search(data[:65536])
    return match.group(1).decode() if match else None


def _who(data: bytes, student: str | None) -> str:
    """A name for a stored copy: the participant the log names (or who handed it in), made safe for a file name."""
    return safe_id(str(named_in(data) or student or "unknown"))


def _store(folder: Path, hand_in: HandIn, data: bytes, digest: str) -> Path:
    """A copy of the hand-in's bytes (``data``) in ``folder``, named by who and the content hash; never written over."""
    stem = f"{_who(data, hand_in.student)}-{digest[:16]}"
    for n in range(1, 100):
        path = folder / f"{stem}{'' if n == 1 else f'-{n}'}{store.LOG_SUFFIX}"
        if path.exists():
            if path.read_bytes() == data:
                return path  # stored by an earlier collection
            continue  # a stored copy was changed since: keep it, and this one beside it
        create_file(path, data)
        if hand_in.notes is not None:
            notes = path.with_name(path.name.removesuffix(store.LOG_SUFFIX) + store.NOTES_SUFFIX)
            if not notes.exists():
                create_file(notes, hand_in.notes)
        return path
    raise CollectError(f"{folder}: 99 different files are stored as {stem} (expected one)")


# ------------------------------------------------------------ verifying


def _verify_many(exercise: Exercise, items: list[tuple[str, str | None, str]]) -> list[Verdict]:
    """Verify stored logs (path, who handed it in, where it was found): in one process, or a worker."""
    return [verify_log(path, exercise, handed_in_by=student, name=origin) for path, student, origin in items]


def _verify_all(exercise: Exercise, items: list[tuple[str, str | None, str]], workers: int) -> list[Verdict]:
    if workers <= 1 or len(items) < 2 * workers:
        return _verify_many(exercise, items)
    chunks = [items[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        done = list(pool.map(_verify_many, [exercise] * workers, chunks))
    return [done[i % workers][i // workers] for i in range(len(items))]  # back in the order of ``items``


def reference_scores(exercise: Exercise, seeds: Iterable[int]) -> dict[int, float]:
    """The ``reference`` policy's score on each seed: the yardstick each student is measured against."""
    out: dict[int, float] = {}
    for seed in sorted(set(seeds)):
        session = Session(exercise.world(), seed)
        session.run(Reference())
        out[seed] = scorecard(session.project).total
    return out


# ------------------------------------------------------------ attempts and duplicates


def _mark_attempts(rows: list[dict], keep: str) -> None:
    """Per participant: one attempt per session; the furthest save of each, the ``keep`` one of the attempts."""
    mine: dict[str, list[dict]] = {}
    for row in rows:
        if row["status"] in ATTRIBUTED and row["participant"]:
            mine.setdefault(row["participant"], []).append(row)
    for who, logs in mine.items():
        sessions: dict[str, list[dict]] = {}
        for row in logs:
            sessions.setdefault(row["started"] or row["sha256"], []).append(row)
        heads: list[dict] = []
        for saves in sessions.values():
            saves.sort(key=lambda r: (r["finished"], r["stops"], r["sha256"]), reverse=True)
            mine_heads: list[dict] = []
            for row in saves:  # furthest first: a save is an earlier one of a session whose decisions it begins
                head = next((h for h in mine_heads if _earlier_save(h, row)), None)
                if head is None:
                    mine_heads.append(row)
                else:
                    _duplicate(row, f"an earlier save of the same session by {who} ({row['stops']} status points; "
                                    f"{head['source']} is further and kept)")
            heads += mine_heads
        heads.sort(key=lambda r: (r["started"] or "", r["_decisions"][-1][0] if r["_decisions"] else "", r["sha256"]))
        for i, head in enumerate(heads, 1):
            head["attempt"] = i
        kept = _kept(heads, keep)
        kept["kept"] = True
        for head in heads:
            if head is not kept:
                _duplicate(head, f"attempt {head['attempt']} of {len(heads)} by {who} (the {keep} is kept: {kept['source']})")


def _decision_entries(data: bytes) -> tuple[tuple[str, int, str], ...]:
    """A log's decisions as (wall time, stop, the rest): to tell saves of one session from sessions that only share
    their start second."""
    try:
        entries = json.loads(data).get("decisions", [])
        return tuple((str(e.get("wall_time", "")), int(e.get("stop", 0)),
                      json.dumps({k: v for k, v in e.items() if k != "wall_time"}, sort_keys=True)) for e in entries)
    except (ValueError, AttributeError, TypeError):
        return ()


def _earlier_save(whole: dict, part: dict) -> bool:
    """Whether ``part`` is an earlier save of the session ``whole``: its decisions begin ``whole``'s (clock times
    aside: the same decisions at the same stops are the same play) and ``whole`` made no other before ``part``'s stop."""
    mine, theirs = part["_decisions"], whole["_decisions"]
    if len(mine) > len(theirs) or any(a[2] != b[2] for a, b in zip(theirs[:len(mine)], mine, strict=True)):
        return False
    return len(theirs) == len(mine) or theirs[len(mine)][1] >= part["stops"]


def _kept(attempts: list[dict], keep: str) -> dict:
    if keep == "first":
        return attempts[0]
    if keep == "best":
        return max(reversed(attempts), key=lambda r: r["score"] if r["status"] == "verified" else float("-inf"))
    return attempts[-1]


def _duplicate(row: dict, why: str) -> None:
    row["reason"] = f"{why}; this one is {row['check']}: {row['reason']}"
    row["status"] = "duplicate"


# ------------------------------------------------------------ the tables


def _log_rows(exercise: Exercise, found: list[HandIn], folder: Path, workers: int, relative_to: Path | None) -> list[dict]:
    """One row per hand-in, each unique log stored and verified once (an identical copy is a duplicate)."""
    rows: list[dict[str, Any]] = []
    first: dict[tuple[str, str | None], dict[str, Any]] = {}
    todo: list[tuple[str, str | None, str]] = []
    for hand_in in found:
        row: dict[str, Any] = {"source": hand_in.origin, "stored": "", "sha256": "", "handed_in_by": hand_in.student or "",
               "submitted": hand_in.submitted or "", "participant": "", "status": "unreadable", "check": "unreadable",
               "reason": hand_in.problem, "kept": False, "attempt": 0, "started": "", "stops": 0, "finished": False,
               "score": None, "result": None, "_decisions": ()}
        rows.append(row)
        if hand_in.data is None:
            continue
        digest = hashlib.sha256(hand_in.data).hexdigest()
        row["sha256"] = digest
        row["_decisions"] = _decision_entries(hand_in.data)
        key = (digest, hand_in.student)
        if key in first:
            original = first[key]
            row.update(status="duplicate", check="duplicate", reason=f"an identical copy of {original['source']}",
                       stored=original["stored"])
            continue
        first[key] = row
        path = _store(folder, hand_in, hand_in.data, digest)
        row["stored"] = str(path.relative_to(relative_to)) if relative_to else ""
        row["_path"] = str(path)
        todo.append((str(path), hand_in.student, hand_in.origin))
    verdicts = iter(_verify_all(exercise, todo, workers))
    for row in rows:
        if "_path" not in row:
            continue
        verdict = next(verdicts)
        who = verdict.participant or (named_in(Path(row["_path"]).read_bytes()) if verdict.status in ("unreadable", "outdated") else None)
        row.update(status=verdict.status, check=verdict.status, reason=verdict.reason, participant=who or "",
                   started=verdict.started.isoformat() if verdict.started else "", stops=verdict.stops,
                   finished=verdict.finished, result=verdict.result,
                   score=verdict.result.get("score") if verdict.result else None)
        del row["_path"]
    return rows


def _cohort(exercise: Exercise, rows: list[dict]) -> pd.DataFrame:
    """One row per student (the roster's, then anyone else named by a log): the kept log's status and replayed
    numbers; else the first other log of theirs and why it does not count; else "missing"."""
    kept: dict[str, dict] = {}
    other: dict[str, dict] = {}
    attempts: dict[str, int] = {}
    for row in rows:
        who = row["handed_in_by"] or row["participant"]  # who handed it in, when the layout tells (it is signed in)
        if not who:
            continue
        attempts[who] = max(attempts.get(who, 0), row["attempt"])
        if row["kept"]:
            kept[who] = row
        else:
            other.setdefault(who, row)
    students = [m.id for m in exercise.roster] + sorted(w for w in attempts if exercise.member(w) is None)
    seeds = {who: _seed(exercise, who) for who in students}
    reference = reference_scores(exercise, [seed for w in students if w in kept and kept[w]["status"] == "verified"
                                            and (seed := seeds[w]) is not None])
    out = []
    for who in students:
        member = exercise.member(who)
        line: dict[str, Any] = {"student": who, "name": member.name if member else "",
                                "team": member.team if member else "", "attempts": attempts.get(who, 0), "seed": seeds[who]}
        chosen = kept.get(who) or other.get(who)
        if chosen is None:
            line.update(status="missing", reason="no log handed in")
            out.append(line)
            continue
        line.update(status=chosen["status"], reason=chosen["reason"], started=chosen["started"], source=chosen["source"],
                    stored=chosen["stored"], finished=chosen["finished"])
        result = chosen["result"] if chosen["status"] in ("verified", "unfinished") else None
        if result is not None:
            line.update({k: result[k] for k in ("decisions", "stops", "frozen", "frozen_day")})
        seed = seeds[who]
        if result is not None and chosen["status"] == "verified" and seed is not None:  # a verified log played the seed
            line.update({k: result[k] for k in [*OUTCOME_COLUMNS, "score", "grade", *[f"score_{p}" for p in PARTS]]})
            line["reference_score"] = reference[seed]
            line["vs_reference"] = round(result["score"] - reference[seed], 4)
        out.append(line)
    return pd.DataFrame(out, columns=COHORT_COLUMNS)


def _seed(exercise: Exercise, who: str) -> int | None:
    """The seed ``who`` plays, or None for someone a seed per team has none for."""
    try:
        return exercise.seed_for(who)
    except ExerciseError:
        return None


def collect(exercise: Exercise | str | Path, paths: Iterable[str | Path], out: str | Path | None = None, *,
            update: bool = False, keep: str = "latest", workers: int = 1) -> Collection:
    """Collect and verify a class's logs from ``paths`` (folders, zip files, nbgrader's exchange) against ``exercise``.

    With ``out`` the logs are stored there (``logs/``) with ``logs.csv``, ``cohort.csv`` and the exercise; a folder
    that holds results already is refused unless ``update``, which adds the new logs to the earlier ones (nothing is
    removed).  ``keep`` chooses a student's kept attempt: the latest, the first or the best verified score.
    ``workers`` > 1 verifies in that many processes.  Raises CollectError for a folder that cannot be used.
    """
    if keep not in KEEPS:
        raise ValueError(f"keep must be one of {', '.join(KEEPS)} (got {keep!r})")
    exercise = exercise if isinstance(exercise, Exercise) else read_exercise(exercise)
    folder = Path(out) if out is not None else None
    earlier = _prepare(folder, exercise, update) if folder else pd.DataFrame(columns=LOG_COLUMNS)
    found = (_earlier_hand_ins(folder, earlier) if folder else []) + find_hand_ins(paths)
    staging = None
    try:
        if folder is None:
            staging = Path(tempfile.mkdtemp(prefix="itpm-collect-"))
            logs_dir = staging
        else:
            logs_dir = folder / LOGS_DIR
            logs_dir.mkdir(parents=True, exist_ok=True)
        rows = _log_rows(exercise, _unique(found), logs_dir, workers, folder)
    except OSError as exc:
        raise CollectError(f"--out {folder}: cannot write {exc.filename or folder} ({reason(exc)})") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    _mark_attempts(rows, keep)
    cohort = _cohort(exercise, rows)
    logs = pd.DataFrame(rows, columns=LOG_COLUMNS)
    if folder is not None:
        _write(folder, exercise, logs, cohort)
    return Collection(exercise, logs, cohort, folder, len(found))


def _unique(found: list[HandIn]) -> list[HandIn]:
    """The hand-ins without repeats of the same file from the same place (an update finds the earlier ones again)."""
    seen, out = set(), []
    for hand_in in found:
        key = (hand_in.origin, hashlib.sha256(hand_in.data).hexdigest() if hand_in.data is not None else hand_in.problem)
        if key not in seen:
            seen.add(key)
            out.append(hand_in)
    return out


def _write(folder: Path, exercise: Exercise, logs: pd.DataFrame, cohort: pd.DataFrame) -> None:
    try:
        if not (folder / EXERCISE_FILE).exists():
            write_exercise(exercise, folder / EXERCISE_FILE)
        store.write_text(folder / LOGS_FILE, logs.to_csv(index=False))
        store.write_text(folder / COHORT_FILE, cohort.to_csv(index=False))
    except OSError as exc:
        raise CollectError(f"--out {folder}: cannot write {exc.filename or folder} ({reason(exc)})") from None


def read_collection(folder: str | Path) -> Collection:
    """A collection folder written by ``collect``; raises CollectError naming what is missing or unreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CollectError(f"{folder}: not a folder (expected one written by itpm-sim class collect)")
    if is_pack(folder):
        raise CollectError(f"{folder}: is a class pack, not a collection: collect the students' logs first "
                           f"(itpm-sim class collect {folder / EXERCISE_FILE} LOGS... --out NEWDIR), then give NEWDIR")
    try:
        exercise = read_exercise(folder / EXERCISE_FILE)
    except ExerciseError as exc:
        raise CollectError(f"{folder}: not a class collection ({exc})") from None
    tables = {}
    for name in (LOGS_FILE, COHORT_FILE):
        try:
            tables[name] = pd.read_csv(folder / name, keep_default_na=True, dtype={"student": str, "reason": str, "source": str})
        except (OSError, ValueError) as exc:
            raise CollectError(f"{folder / name}: cannot be read ({exc}; expected the table itpm-sim class collect wrote)") from None
    missing = [c for c in COHORT_COLUMNS if c not in tables[COHORT_FILE].columns]
    if missing:
        raise CollectError(f"{folder / COHORT_FILE}: columns missing: {', '.join(missing)} (expected the table itpm-sim class collect wrote)")
    return Collection(exercise, tables[LOGS_FILE], tables[COHORT_FILE], folder)


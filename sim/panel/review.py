"""After the panel day: verify every candidate's log, assess the verified ones, and write the reports.

A log is scored only when its signature under the panel secret holds and its
replay in the panel's world reproduces what it records
(``sim.classroom.verify_log``).  Everything else is flagged with the reason
and never scored: unsigned, edited, signed under another secret, from another
panel, unfinished, unreadable, or a second file for the same candidate.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.classroom import verify_log
from sim.classroom.pack import hand_in_file
from sim.engine import LogError, Session, read_log, resume
from sim.policies import passive
from sim.results.store import LOG_SUFFIX, NotesError, notes_path, read_notes, write_text

from .assessment import BAND_RUNS, Band, evaluate, reference_band
from .attempts import ATTEMPTS_FILE, read_record, record
from .folder import PANEL_FILE, Panel, open_panel
from .report import candidate_html, comparison, comparison_html, comparison_row

SCORED = "verified"


@dataclass
class Checked:
    """A log's verification: its status, the reason, and the replayed session when it verified or is unfinished."""

    path: Path
    status: str
    reason: str
    participant: str | None = None
    session: Session | None = None


def log_path(panel: Panel, candidate: str) -> Path:
    """Where the candidate's session log of this panel is kept."""
    return panel.sessions / Path(hand_in_file(panel.exercise, candidate)).name  # the name the exercise app saves under


def check(panel: Panel, path: Path) -> Checked:
    """Verify one log: the signature first (unsigned, edited, another secret), then the replay in the panel's world."""
    why = panel.key.check(path)
    if why:
        status = "unsigned" if why.startswith("unsigned") else "foreign" if "another secret" in why else "tampered"
        return Checked(path, status, why)
    verdict = verify_log(path, panel.exercise, keep_session=True)
    return Checked(path, verdict.status, verdict.reason, verdict.participant, verdict.session)


def check_all(panel: Panel) -> tuple[dict[str, Checked], list[Checked]]:
    """Each candidate's log checked (by candidate id; absent if they never started), and every other log file found
    in the sessions folder, each flagged: none of those is ever scored."""
    mine = {}
    for member in panel.exercise.roster:
        path = log_path(panel, member.id)
        if path.exists():
            mine[member.id] = check(panel, path)
    expected = {c.path for c in mine.values()}
    others = []
    for path in sorted(panel.sessions.glob(f"*{LOG_SUFFIX}")):
        if path not in expected:
            found = check(panel, path)
            if found.status == SCORED and found.participant is not None:
                found.status = "duplicate"
                found.reason = (f"a second log for {found.participant!r} (the one scored is "
                                f"{log_path(panel, found.participant).name}); a copy or a file put here by hand")
            others.append(found)
    return mine, others


def lessons_of(panel: Panel, path: Path) -> tuple[str, str]:
    """The lessons learned saved beside a log, when their signature holds; else "" and why they are left out."""
    notes = notes_path(path)
    if not notes.exists():
        return "", ""
    why = panel.key.check(notes)
    if why:
        return "", f"the notes beside the log are left out: {why}"
    try:
        return str(read_notes(path).get("lessons", "")), ""
    except NotesError as exc:
        return "", f"the notes beside the log are left out: {exc}"


def close_expired(panel: Panel, now: dt.datetime | None = None) -> list[str]:
    """Run to their end the sessions whose time box ran out while no page had them open (the candidate left or the
    kernel died): frozen where the candidate stopped and run on defaults, as their page would have done; the log
    stays signed and the attempt record says so.  A log that fails its signature is never touched.  Returns the
    candidates closed."""
    now = now or dt.datetime.now(dt.timezone.utc)
    exercise = panel.exercise
    closed = []
    for member in exercise.roster:
        path = log_path(panel, member.id)
        if not path.exists() or panel.key.check(path):
            continue
        try:
            log = read_log(path)
        except LogError:
            continue
        deadline = exercise.deadline(log.started) if log.started else None
        if log.finished or deadline is None or now < deadline:
            continue
        try:
            session = resume(path, exercise.world())
        except (LogError, ValueError):
            continue  # the verification says why
        session.on_save = panel.key.sign
        session.freeze(f"the {exercise.minutes}-minute time box ran out")
        frozen = session.frozen
        assert frozen is not None  # frozen just above
        session.run(passive())
        record(panel.sessions / ATTEMPTS_FILE, panel.key, "time up", candidate=member.id, origin="panel report",
               detail=f"no page had the session open; frozen where the candidate stopped (status point {frozen.stop}, "
                      f"working day {frozen.day:g}) and run to its end on defaults")
        closed.append(member.id)
    return closed


def _candidate(root: str, candidate: str, band: Band | None) -> tuple[dict, str, str]:
    """Verify, assess and render one candidate (run in a worker process): the comparison row, the HTML and its name."""
    panel = open_panel(root)
    member = panel.exercise.member(candidate)
    attempts, problem = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    attempts = [x for x in attempts if x.candidate == candidate]
    path = log_path(panel, candidate)
    checked = check(panel, path) if path.exists() else None
    name = f"{candidate}.report.html"
    assessment, lessons = None, ""
    if checked is None:
        status, reason = "absent", "the candidate never started (no session log)"
    else:
        status, reason = checked.status, checked.reason
        if status == SCORED and checked.session is not None:
            lessons, left_out = lessons_of(panel, checked.path)
            if left_out:
                reason += f"; {left_out}"
            assessment = evaluate(checked.session, panel.weights, lessons=lessons, minutes=panel.exercise.minutes,
                                  attempts=attempts, band=band)
    html = candidate_html(panel.exercise, member, status, reason, assessment, attempts, problem, lessons)
    return comparison_row(member, status, reason, assessment, attempts, name), html, name


def write_reports(root: str | Path, out: str | Path | None = None, band_runs: int = BAND_RUNS,
                  executor: Executor | None = None, workers: int | None = None) -> dict:
    """Write every candidate's report, the comparison (HTML and CSV) and a list of flagged files into ``out``
    (default: the panel's ``reports`` folder); returns what was written and the comparison table."""
    panel = open_panel(root)
    _ = panel.weights  # a broken rubric is reported before any work
    close_expired(panel)
    out = Path(out) if out else panel.reports
    out.mkdir(parents=True, exist_ok=True)
    own = executor is None and (workers or 0) > 1
    own_pool = ProcessPoolExecutor(workers) if own else None
    pool = own_pool or executor
    try:
        band = reference_band(Path(root) / PANEL_FILE, band_runs, pool) if band_runs else None
        jobs = [(str(root), m.id, band) for m in panel.exercise.roster]
        results = list(pool.map(_candidate, *zip(*jobs, strict=True))) if pool and jobs else [_candidate(*j) for j in jobs]
    finally:
        if own_pool is not None:
            own_pool.shutdown()
    written = []
    for _, html, name in results:
        written.append(write_text(out / name, html))
    table = comparison([row for row, _, _ in results])
    summary = {"runs": band.runs, "totals": Band.percentiles(band.totals(panel.weights))} if band else None
    attempts, problem = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    refused = [a for a in attempts if a.event == "refused"]
    gate = {"refused": len(refused), "pages": len({a.origin for a in refused}), "problem": problem}
    written.append(write_text(out / "comparison.html", comparison_html(panel.exercise, table, summary, gate)))
    written.append(write_text(out / "comparison.csv", table.to_csv(index=False)))
    flagged = [{"file": c.path.name, "status": c.status, "reason": c.reason} for c in check_all(panel)[1]]
    written.append(write_text(out / "other-files.json", json.dumps(flagged, indent=1) + "\n"))
    return {"written": written, "table": table, "others": flagged}

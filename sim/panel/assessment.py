"""One candidate's assessment: the rubric with evidence, the reference on the same seed and its Monte Carlo band,
luck told from skill, the time used, the weeks played and run frozen, and five follow-up questions.

Everything here is computed from the replayed session (never from numbers the
log file states), so an assessment is only ever made of a verified log.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import child_seeds
from sim.engine import Session, outcome
from sim.engine.exercise import Exercise, read_exercise
from sim.engine.measures import Scorecard, scorecard
from sim.policies import Reference
from sim.results.debrief import Debrief, make_debrief
from sim.results.tables import Results

from .attempts import Attempt
from .errors import PanelError
from .rubric import DUTY_KEYS, Duty, Measures, assess, decision_table, measure, rating

BAND_RUNS = 100
QUESTIONS = 5


# ---------------------------------------------------------------- the reference's band


@dataclass(frozen=True)
class Band:
    """The reference PM over ``runs`` other worlds of the same exercise (child seeds of its seed)."""

    runs: int
    scores: tuple[float, ...]  # scorecard totals
    duties: tuple[dict, ...]  # rubric duty scores, one dict per run

    def totals(self, weights: dict[str, float]) -> np.ndarray:
        return np.array([sum(d[k] * weights[k] for k in DUTY_KEYS) / sum(weights.values()) for d in self.duties])

    @staticmethod
    def percentiles(values) -> dict[str, float]:
        return {f"P{p}": float(np.percentile(values, p)) for p in (10, 50, 90)}

    @staticmethod
    def rank(values, value: float) -> float:
        """The share of the band at or below ``value``."""
        return float(np.mean(np.asarray(values) <= value + 1e-9))


@lru_cache(maxsize=4)
def _exercise(path: str) -> Exercise:
    return read_exercise(path)


def _band_run(exercise_path: str, seed: int) -> tuple[float, dict]:
    exercise = _exercise(exercise_path)
    session = Session(exercise.world(), seed)
    session.run(Reference())
    return scorecard(session.project).total, measure(session).scores


def reference_band(exercise_path: str | Path, runs: int = BAND_RUNS, executor: Executor | None = None) -> Band:
    """Run the reference PM on ``runs`` child seeds of the exercise's seed and measure each run with the rubric."""
    exercise = _exercise(str(exercise_path))
    if exercise.seed is None:
        raise PanelError(f"{exercise_path}: seed: a panel exercise plays one seed (got none, expected a seed)")
    seeds = child_seeds(exercise.seed, runs)  # a panel plays one seed
    jobs = [(str(exercise_path), s) for s in seeds]
    rows = list(executor.map(_band_run, *zip(*jobs, strict=True), chunksize=max(1, runs // 8))) if executor else [_band_run(*j) for j in jobs]
    return Band(runs, tuple(r[0] for r in rows), tuple(r[1] for r in rows))


# ---------------------------------------------------------------- the assessment


@dataclass
class Assessment:
    """What the panel report shows of one verified candidate."""

    total: float
    rating: str
    duties: list[Duty]
    card: Scorecard
    outcome: dict
    reference_total: float
    reference_card: Scorecard
    reference_outcome: dict
    debrief: Debrief
    decisions: pd.DataFrame  # the timeline of decisions: date, summary, rationale, duty, effects
    time: dict
    luck: list[str]
    questions: list[str]
    band: dict = field(default_factory=dict)


def timing(session: Session, minutes: int | None, attempts: list[Attempt]) -> dict:
    """Wall-clock time used and the simulated weeks played by the candidate and run frozen."""
    interval = session.project.p.decisions.status_interval
    finish = outcome(session.project)["finish_day"]
    frozen = session.frozen
    played_days = frozen.day if frozen else finish
    finished = [a.time for a in attempts if a.event == "finish"]
    stamps = [dt.datetime.fromisoformat(e["wall_time"]) for e in session.decisions]
    end = frozen.wall_time if frozen else (finished[-1] if finished else max(stamps, default=session.started))
    used = max(0.0, (end - session.started).total_seconds() / 60)
    used = min(used, minutes) if minutes and frozen else used  # a box closed after the candidate left lasted its minutes
    return {
        "started": session.started, "ended": end, "minutes_used": used, "minutes": minutes,
        "frozen": frozen is not None, "frozen_reason": frozen.reason if frozen else "",
        "weeks_played": played_days / interval, "weeks_frozen": (finish - played_days) / interval if frozen else 0.0,
        "day_frozen": frozen.day if frozen else None,
    }


def _luck(total: float, ref_total: float, card: Scorecard, ref_card: Scorecard, band_totals, band_scores, band: float) -> list[str]:
    """Luck told from skill: the gap to the reference on the same seed is the candidate's; the reference's place in
    its own band over other worlds is the world's luck, the same for every candidate of the panel."""
    gap = total - ref_total
    lines = []
    if abs(gap) < band:
        lines.append(f"On the rubric the candidate is within {band:g} points of the reference PM facing the same luck "
                     f"({gap:+.1f}): no difference in skill shows.")
    else:
        lines.append(f"On the rubric the candidate is {abs(gap):.1f} points {'above' if gap > 0 else 'below'} the reference PM "
                     "facing exactly the same luck: the difference is in the decisions, not the world.")
    lines.append(f"On the scenario's scorecard: {card.total:.1f} against the reference's {ref_card.total:.1f} on the same seed "
                 f"({card.total - ref_card.total:+.1f}).")
    if band_totals is not None and len(band_totals):
        pct = Band.percentiles(band_totals)
        place = Band.rank(band_totals, ref_total)
        kind = "a kind one" if place >= 0.75 else "a harsh one" if place <= 0.25 else "an ordinary one"
        lines.append(f"The world itself: the reference PM's rubric total here ({ref_total:.1f}) sits at the {place:.0%} point of "
                     f"its Monte Carlo band over {len(band_totals)} other worlds (P10 {pct['P10']:.1f}, P50 {pct['P50']:.1f}, "
                     f"P90 {pct['P90']:.1f}): {kind}. That luck is the same for every candidate of this panel.")
        cand = Band.rank(band_totals, total)
        lines.append(f"The candidate's rubric total is above {cand:.0%} of the reference PM's results over those worlds."
                     if cand else "The candidate's rubric total is below every one of the reference PM's results over those worlds.")
    return lines


def evaluate(session: Session, weights: dict[str, float], *, lessons: str = "", minutes: int | None = None,
             attempts: Sequence[Attempt] = (), band: Band | None = None, executor: Executor | None = None) -> Assessment:
    """Assess a finished, verified session against the rubric, the reference on the same seed and its band."""
    params = session.project.p.debrief
    debrief = make_debrief(session, executor, lessons=lessons)
    mine = measure(session, lessons)
    reference = Session(session.world, session.seed)
    reference.run(Reference())
    theirs = measure(reference)
    duties = assess(session, debrief, weights, mine, theirs)
    total, ref_total = mine.total(weights), theirs.total(weights)
    card, ref_card = scorecard(session.project), scorecard(reference.project)
    decisions = decision_table(session, debrief)
    band_totals = band.totals(weights) if band else None
    summary = {}
    if band:
        summary = {"runs": band.runs, "totals": Band.percentiles(band_totals), "scores": Band.percentiles(band.scores),
                   "rank": Band.rank(band_totals, total)}
    time = timing(session, minutes, list(attempts))
    assessment = Assessment(
        total=total, rating=rating(total, params), duties=duties, card=card, outcome=outcome(session.project),
        reference_total=ref_total, reference_card=ref_card, reference_outcome=outcome(reference.project), debrief=debrief,
        decisions=decisions, time=time, band=summary,
        luck=_luck(total, ref_total, card, ref_card, band_totals, band.scores if band else None, params.luck_band), questions=[],
    )
    assessment.questions = questions(session, assessment, mine)
    return assessment


# ---------------------------------------------------------------- follow-up questions


CAPACITY = {"hire": 1, "fast_track": 1, "cut_scope": 1, "request_time": 1, "release": -1, "restore_scope": -1}


def _direction(decision: dict, before: dict) -> int:
    """+1 for a decision that adds capacity or relief to the schedule, -1 for one that takes it away, 0 otherwise."""
    kind = decision["type"]
    if kind == "set_overtime":
        return int(np.sign(decision["level"] - before.get("overtime", 0.0)))
    if kind in ("set_communication", "set_quality"):  # time taken from the work
        return -int(np.sign(decision["level"] - before.get(kind.removeprefix("set_"), 0.0)))
    return CAPACITY.get(kind, 0)


def _quote(text: str) -> str:
    return f" (your rationale: \u201c{text}\u201d)" if text else " (you gave no rationale)"


def questions(session: Session, a: Assessment, mine: Measures) -> list[str]:
    """Five follow-up questions for the interview, drawn from the candidate's own decisions and results."""
    out: list[str] = []
    used: set[int] = set()
    d = a.decisions
    cur = a.debrief.currency
    if not d.empty:
        worst = d.iloc[d["score_effect"].argmin()]
        if worst["score_effect"] < 0:
            used.add(int(worst["index"]))
            out.append(f"Your costliest decision: on {worst['date']:%d %b} (day {worst['day']:.0f}) you {worst['summary']}"
                       f"{_quote(worst['rationale'])}. Replayed on the same seed without it, the project would have scored "
                       f"{-worst['score_effect']:.1f} points more ({-worst['finish_effect']:+.0f} working days, "
                       f"{-worst['cost_effect']:+,.0f} {cur}). What did you expect it to achieve, and what would you check "
                       "before deciding it again?")
        against = _against_the_trend(session, a)
        if against is not None and int(against["index"]) not in used:
            used.add(int(against["index"]))
            out.append(f"Against the trend: on {against['date']:%d %b} the forecast showed the project "
                       f"{against['trend']}, yet you {against['summary']}{_quote(against['rationale'])}. "
                       "Walk us through what you saw that the status report did not show.")
        best = d.iloc[d["score_effect"].argmax()]
        if best["score_effect"] > 0 and int(best["index"]) not in used:
            used.add(int(best["index"]))
            out.append(f"Your most valuable decision: on {best['date']:%d %b} you {best['summary']}{_quote(best['rationale'])}; "
                       f"it was worth {best['score_effect']:+.1f} points on replay. What told you it was the right moment, "
                       "and what would have made you decide otherwise?")
    played = mine.slips["day"] < (session.frozen.day if session.frozen else math.inf)
    unanswered = mine.slips[mine.slips["answered"].isna() & played]  # in the weeks the candidate played
    if len(unanswered):
        first, last = unanswered["day"].min(), unanswered["day"].max()
        date = session.world.calendar.date
        out.append(f"From {date(first):%d %b} to {date(last):%d %b}, {len(unanswered)} status meeting(s) showed SPI or CPI "
                   f"below {session.project.p.debrief.index_alarm:g} with no corrective decision in time. What were you "
                   "watching, and what would you have done?")
    for c in mine.changes:
        if c["by_you"] and c["others"] and max(c["others"].values()) > 0:
            other, gain = max(c["others"].items(), key=lambda x: x[1])
            out.append(f"On the change request \u201c{c['title']}\u201d you chose \u201c{c['chosen']}\u201d{_quote(c['rationale'])}; "
                       f"replayed on the same seed, \u201c{other}\u201d would have scored {gain:+.1f} points. How did you weigh "
                       "value, time and cost, and whom did you consult?")
            break
    hit = a.debrief.risks[a.debrief.risks["hit"]] if not a.debrief.risks.empty else a.debrief.risks
    if len(hit):
        r = hit.iloc[hit["score_impact"].argmin()]
        seen = "You had an early warning" if r["warned"] else "No early warning was seen"
        out.append(f"The risk \u201c{r['title']}\u201d hit on day {r['day']:.0f} and cost {-r['score_impact']:.1f} points. "
                   f"{seen}{'; you had bought ' + r['responses'] if r['responses'] else ' and no response was bought ahead'}. "
                   "Looking at the register on day one, what would you have done about it?")
    if a.time["frozen"]:
        out.append(f"Time ran out after {a.time['weeks_played']:.0f} week(s) of the project; {a.time['weeks_frozen']:.0f} more "
                   "ran on defaults. What were you about to decide, and how did you use your time?")
    thin = [r for _, r in d.iterrows() if int(r["index"]) not in used and len(r["rationale"].split()) < 4] if not d.empty else []
    if thin:
        r = max(thin, key=lambda r: abs(r["score_effect"]))
        out.append(f"On {r['date']:%d %b} you {r['summary']}{_quote(r['rationale'])}. Tell us the reasoning in full: "
                   "what were the options, and why this one?")
    ranked = sorted(a.duties, key=lambda x: x.score)
    weakest, strongest = ranked[0], ranked[-1]
    out.append(f"Your weakest duty on the rubric was \u201c{weakest.name}\u201d ({weakest.score:.0f}, {weakest.rating}; the "
               f"reference PM on the same world: {weakest.reference_score:.0f}). What would you do differently in that area?")
    out.append(f"Your strongest duty was \u201c{strongest.name}\u201d ({strongest.score:.0f}). Which of your habits or decisions "
               "made the difference there, and does it carry over to a real project?")
    return out[:QUESTIONS]


def _against_the_trend(session: Session, a: Assessment):
    """The weightiest decision that went against what the status report showed: capacity taken away while the
    forecast was late, or added while it was early.  None if there is none."""
    timeline = Results(session).timeline
    deadline = session.project.deadline_day
    fresh = Session(session.world, session.seed).project  # the levels before any decision
    settings = {"overtime": fresh.overtime, "communication": fresh.communication, "quality": fresh.quality}
    found = []
    for (_, row), entry in zip(a.decisions.iterrows(), session.decisions, strict=True):
        before = dict(settings)
        decision = entry["decision"]
        if decision["type"].startswith("set_") and "level" in decision:
            settings[decision["type"].removeprefix("set_")] = decision["level"]
        past = timeline[timeline["day"] <= row["day"]]
        if past.empty:
            continue
        forecast = past.iloc[-1]["forecast_finish_day"]
        if not math.isfinite(forecast):
            continue
        late = forecast - deadline
        direction = _direction(decision, before)
        if (direction < 0 and late > 0) or (direction > 0 and late < 0):
            trend = f"{late:.0f} working days late" if late > 0 else f"{-late:.0f} working days early"
            found.append({**row.to_dict(), "trend": trend})
    return max(found, key=lambda r: abs(r["score_effect"]), default=None)

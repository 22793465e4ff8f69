"""The panel's rubric: the ten PM duties the debrief rates, each scored 0-100 from measures, with evidence.

Every duty's score is a measure of the finished session read through the
model's public measures (the scorecard, the outcome, the timeline, the
decisions and what happened to the risks and change requests) and, where a
decision's worth is the question, counterfactual replays on the same seed.
Docs: docs/MODEL.md, "The panel rubric".  A duty is rated with the debrief's
bands: good from ``debrief.good_score``, fair from ``debrief.fair_score``.

The total weighs the duties with the panel's weights (``rubric.yaml``, edited
by the panel; read with located errors).  Since every candidate of a panel
plays the same seed, the measures compare them on the same luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import Field, Strict, ValidationError, create_model

from sim.engine import Session
from sim.engine.measures import scorecard
from sim.results.debrief import DUTIES, Debrief, _replay, corrective_days, slip_meetings
from sim.results.tables import Results
from sim.schema.explain import problems_from
from sim.schema.files import UnreadableFile, read_bounded
from sim.schema.params import Frozen
from sim.schema.safe_yaml import read_yaml

from .errors import PanelError

RUBRIC_FILE = "rubric.yaml"
RUBRIC_FORMAT = "itpm-sim-rubric/1"
DUTY_KEYS = tuple(key for key, _ in DUTIES)
DUTY_NAMES = dict(DUTIES)
MAX_RUBRIC_BYTES = 64 * 1024
SHOW_DECISIONS = 6  # evidence lines of decisions per duty; the timeline lists them all
SHOW_SLIPS = 4

DECISION_DUTY = {
    "cut_scope": "scope", "restore_scope": "scope",
    "prioritise": "planning", "fast_track": "planning", "request_time": "planning",
    "set_reserve": "budget", "request_budget": "budget",
    "hire": "team", "release": "team", "set_overtime": "team",
    "buy_response": "risk",
    "set_communication": "communication",
    "set_quality": "quality",
}
"""The duty each kind of decision belongs to; answers to requests go by what asked (``EVENT_DUTY``, risks to risk)."""
EVENT_DUTY = {"change_request": "change", "budget_cut": "budget", "staff_departure": "team", "escalation": "communication",
              "vendor_slip": "risk", "other": "monitoring"}


Weights: Any = create_model(  # type: ignore[call-overload]  # one field per duty, built from DUTIES
    "Weights", __base__=Frozen, __doc__="How much each duty counts in the total: numbers of 0 or more, shared out in proportion.",
    **{key: (Annotated[float, Strict()], Field(ge=0, allow_inf_nan=False, description=name)) for key, name in DUTIES},
)


class RubricFile(Frozen):
    format: str = Field(pattern=f"^{RUBRIC_FORMAT}$")
    weights: Weights  # built at import, above


DEFAULT_RUBRIC = f"""\
# The panel's rubric: how much each PM duty counts in a candidate's total score.
# Weights are numbers of 0 or more, shared out in proportion: all 1 means every duty counts the same,
# 2 counts twice as much as 1, and 0 leaves a duty rated and shown but out of the total.
# Edit the numbers before or after the panel day; `itpm-sim panel report` reads this file each time.
format: {RUBRIC_FORMAT}
weights:
""" + "".join(f"  {key}: 1{' ' * (14 - len(key))}# {name}\n" for key, name in DUTIES)


def write_weights(path: str | Path) -> Path:
    """Write the default rubric (every duty weighted 1) to ``path``, which must not exist yet."""
    path = Path(path)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(DEFAULT_RUBRIC)
    return path


def read_weights(path: str | Path) -> dict[str, float]:
    """The weights of a rubric file, duty -> weight; raises PanelError listing every problem at its line."""
    path = Path(path)
    try:
        raw = read_bounded(path, MAX_RUBRIC_BYTES, "a readable YAML file")
    except UnreadableFile as exc:
        raise PanelError(f"{path}: {exc}") from None
    located, problems = read_yaml(raw, str(path))
    if located is not None and not problems:
        if not isinstance(located.data, dict):
            got = "nothing" if located.data is None else type(located.data).__name__
            raise PanelError(f"{path}:1:1: (document): wrong type (got {got}, expected a mapping with format and weights)")
        try:
            rubric = RubricFile.model_validate(located.data)
        except ValidationError as exc:
            problems = problems_from(exc, RubricFile, located, str(path))
        else:
            weights = rubric.weights.model_dump()
            if sum(weights.values()) <= 0:
                line, column = located.where(("weights",))
                raise PanelError(f"{path}:{line}:{column}: weights: all zero (expected at least one duty with a weight above 0)")
            return weights
    raise PanelError("\n".join(str(p) for p in sorted(set(problems))))


# ---------------------------------------------------------------- measures


def duty_of(session: Session, decision: dict) -> str:
    """The duty a logged decision belongs to."""
    if decision["type"] != "choose":
        return DECISION_DUTY[decision["type"]]
    request = decision["request"]
    if request.startswith("risk:"):
        return "risk"
    event = next((e for e in session.world.scenario.events if f"event:{e.id}" == request), None)
    return EVENT_DUTY[event.type] if event is not None else "monitoring"


def summary(session: Session, decision: dict) -> str:
    """A logged decision in words a panel reads: names and titles, not ids."""
    sc = session.world.scenario
    kind = decision["type"]
    if kind == "choose":
        request = decision["request"]
        if request.startswith("risk:"):
            risk = next((r for r in sc.risks if f"risk:{r.id}" == request), None)
            response = next((x for x in risk.responses if x.id == decision["option"]), None) if risk else None
            answer = response.description if response else decision["option"]
            return f"answered the risk \u201c{risk.title if risk else request}\u201d with \u201c{answer}\u201d"
        event = next((e for e in sc.events if f"event:{e.id}" == request), None)
        option = next((o for o in event.options if o.id == decision["option"]), None) if event else None
        return f"answered \u201c{event.title if event else request}\u201d with \u201c{option.label if option else decision['option']}\u201d"
    if kind == "buy_response":
        risk = next((r for r in sc.risks if r.id == decision["risk"]), None)
        response = next((x for x in risk.responses if x.id == decision["response"]), None) if risk else None
        return (f"bought \u201c{response.description if response else decision['response']}\u201d against the risk "
                f"\u201c{risk.title if risk else decision['risk']}\u201d")
    if kind == "hire":
        profile = next((m for m in sc.market if m.id == decision["profile"]), None)
        return f"hired a {profile.title if profile else decision['profile']}"
    if kind == "release":
        person = session.project.people.get(decision["person"])
        return f"released {person.name if person else decision['person']}"
    if kind in ("set_overtime", "set_communication", "set_quality"):
        return f"set {kind.removeprefix('set_')} to {decision['level']:.0%}"
    if kind in ("cut_scope", "restore_scope", "fast_track", "prioritise"):
        task = session.world.tasks.get(decision["task"])
        name = f"\u201c{task.name if task else decision['task']}\u201d"
        verb = {"cut_scope": f"cut {name}", "restore_scope": f"restored {name}", "fast_track": f"fast-tracked {name}",
                "prioritise": f"gave {name} priority {decision.get('priority', 0):+d}"}
        return verb[kind]
    if kind in ("set_reserve", "request_budget"):
        action = "set the management reserve to" if kind == "set_reserve" else "asked the sponsor for"
        return f"{action} {decision['amount']:,.0f} {sc.budget.currency}"
    if kind == "request_time":
        return f"asked the sponsor for {decision['days']} more working days"
    return kind.replace("_", " ")


def rating(score: float, params) -> str:
    """good, fair or poor, by the debrief's bands."""
    return "good" if score >= params.good_score else "fair" if score >= params.fair_score else "poor"


@dataclass
class Measures:
    """The ten duty scores of a finished session and what each measured, with the replays behind them."""

    scores: dict[str, float]
    notes: dict[str, str]
    slips: pd.DataFrame
    changes: list[dict] = field(default_factory=list)
    risk_value: float = 0.0  # score points the risk decisions gained on this seed
    risk_exposure: float = 0.0  # score points this seed's risks would have cost without them

    def total(self, weights: dict[str, float]) -> float:
        """The weighted mean of the duty scores."""
        return sum(self.scores[k] * weights[k] for k in DUTY_KEYS) / sum(weights[k] for k in DUTY_KEYS)


def _entries(session: Session) -> list[dict]:
    return [{"day": e["day"], "decision": e["decision"]} for e in session.decisions]


def _score(session: Session, entries: list[dict], without_risks: tuple = ()) -> float:
    """The scorecard total of a replay of ``entries`` on the session's world and seed (skipping what no longer applies)."""
    return _replay(session.world, session.seed, tuple(entries), without_risks).score


def measure(session: Session, lessons: str = "") -> Measures:
    """Score every duty of a finished session 0-100 (docs/MODEL.md, "The panel rubric")."""
    p = session.project
    params = p.p.debrief
    card = scorecard(p)
    parts = card.parts
    entries = _entries(session)
    duties = [duty_of(session, e["decision"]) for e in entries]
    mid_fair, mid_poor = (params.good_score + params.fair_score) / 2, params.fair_score / 2
    scores, notes = {}, {}

    musts = [t for t in p.tasks.values() if t.spec.scope == "must"]
    must_done = sum(t.state == "done" for t in musts)
    scores["scope"] = parts["scope"] * (must_done / len(musts) if musts else 1.0)
    notes["scope"] = (f"{parts['scope']:.0f}% of the planned business value delivered, times the share of must-have tasks "
                      f"done ({must_done} of {len(musts)})")

    scores["planning"] = parts["schedule"]
    notes["planning"] = "the scorecard's schedule part: the finish against the deadline"
    scores["budget"] = parts["cost"]
    notes["budget"] = "the scorecard's cost part: the spend against the budget"

    late_day = params.late_hire_share * session.world.baseline.duration
    late = sum(1 for e in session.decisions if e["decision"]["type"] == "hire" and e["day"] > late_day)
    scores["team"] = min(parts["team"], mid_fair) if late else parts["team"]
    notes["team"] = ("the scorecard's team part (morale, fatigue, resignations)"
                     + (f", capped at {mid_fair:g} for {late} hire(s) after {params.late_hire_share:.0%} of the planned duration" if late else ""))

    risky = [e for e, d in zip(entries, duties, strict=True) if d != "risk"]
    full = card.total
    every_risk = tuple(r.id for r in session.world.scenario.risks)
    unmanaged = _score(session, risky) if len(risky) < len(entries) else full
    value = full - unmanaged
    exposure = _score(session, risky, every_risk) - unmanaged
    base = max(exposure, params.luck_band)
    scores["risk"] = 100 * min(1.0, max(0.0, value / base))
    notes["risk"] = (f"the share of this world's risk damage your risk decisions avoided, net of what they cost: they gained "
                     f"{value:+.1f} points of score on this seed, where the risks would have cost {exposure:.1f} points without "
                     f"them (counted as at least {params.luck_band:g})")

    timeline = Results(session).timeline
    comm = timeline["communication"].mean() if len(timeline) else p.communication
    nominal = p.p.communication.nominal_effort
    low = comm < params.min_communication * nominal
    scores["communication"] = min(parts["satisfaction"], mid_poor) if low else parts["satisfaction"]
    notes["communication"] = ("the scorecard's satisfaction part (stakeholders at the end)"
                              + (f", capped at {mid_poor:g}: communication effort averaged {comm:.0%}, under "
                                 f"{params.min_communication:g} x the nominal {nominal:.0%}" if low else ""))

    interval = p.p.decisions.status_interval
    slipped = slip_meetings(timeline, interval, corrective_days(session), params)
    answered = int(slipped["answered"].notna().sum())
    scores["monitoring"] = 100 * answered / len(slipped) if len(slipped) else 100.0
    notes["monitoring"] = (f"the share of status meetings showing SPI or CPI below {params.index_alarm:g} that a corrective decision "
                           f"answered within {params.response_meetings} meeting(s): {answered} of {len(slipped)}")

    changes = _changes(session, entries, full, params.merit_tolerance)
    credit = sum(c["credit"] for c in changes)
    scores["change"] = 100 * credit / len(changes) if changes else 100.0
    notes["change"] = (f"change requests decided by you on their merits (no other option, replayed on the same seed, more than "
                       f"{params.merit_tolerance:g} points better) count 1, decided otherwise 1/2, left to default 0: "
                       f"{credit:g} of {len(changes)}")

    scores["quality"] = parts["quality"]
    notes["quality"] = "the scorecard's quality part: incidents after go-live per 100 planned person-days"

    closed = p.finished is not None
    written = bool(lessons.strip())
    scores["closure"] = 100.0 if closed and must_done == len(musts) and written else mid_fair if closed else 0.0
    notes["closure"] = ("closed with every must-have done and lessons learned written counts 100, closed " f"{mid_fair:g}, "
                        "never closed 0: " + ("closed" if closed else "never closed") + (", lessons written" if written else ", no lessons learned"))
    return Measures({k: round(scores[k], 4) for k in DUTY_KEYS}, notes, slipped, changes, value, exposure)


def _changes(session: Session, entries: list[dict], full: float, tolerance: float) -> list[dict]:
    """Every change request that came: who decided it, and each other option's score replayed on the same seed."""
    p = session.project
    out = []
    for event in (e for e in session.world.scenario.events if e.type == "change_request" and e.id in p.fired_events):
        request = f"event:{event.id}"
        mine = [i for i, e in enumerate(entries) if e["decision"]["type"] == "choose" and e["decision"]["request"] == request]
        came = min((e["day"] for e in p.events if e["kind"] == "event" and e["ref"] == event.id), default=None)
        row: dict[str, Any] = {"event": event.id, "title": event.title, "default": event.default, "by_you": bool(mine), "chosen": event.default,
               "came": came, "frozen": session.frozen is not None and came is not None and came >= session.frozen.day,
               "day": entries[mine[-1]]["day"] if mine else None, "rationale": "", "others": {}, "credit": 0.0}
        if mine:
            i = mine[-1]
            chosen = entries[i]["decision"]
            row.update(chosen=chosen["option"], rationale=chosen.get("rationale", ""))
            for option in event.options:
                if option.id != chosen["option"]:
                    flipped = entries[:i] + [{"day": entries[i]["day"], "decision": {**chosen, "option": option.id}}] + entries[i + 1:]
                    row["others"][option.id] = _score(session, flipped) - full
            best = max(row["others"].values(), default=-math.inf)
            row["credit"] = 1.0 if best <= tolerance else 0.5
        out.append(row)
    return out


# ---------------------------------------------------------------- evidence


@dataclass
class Duty:
    """One row of the rubric table: the score, the rating, the reference's on the same seed, and the evidence."""

    key: str
    name: str
    weight: float
    score: float
    rating: str
    measured: str
    evidence: list[str]
    reference_score: float | None = None
    reference_rating: str | None = None


def decision_line(row, date, currency: str) -> str:
    """One decision as evidence: when, what, the rationale, and what it changed against a replay without it."""
    why = f" (rationale: \u201c{row['rationale']}\u201d)" if row["rationale"] else " (no rationale given)"
    return (f"Day {row['day']:.0f} ({date(row['day']):%d %b}): {row['summary']}{why}. Effect: {row['score_effect']:+.1f} points, "
            f"{row['finish_effect']:+.1f} working days, {row['cost_effect']:+,.0f} {currency}.")


def assess(session: Session, debrief: Debrief, weights: dict[str, float], measures: Measures,
           reference: Measures | None = None) -> list[Duty]:
    """The rubric table: each duty's score, rating and evidence lines (which decision, on which day, with what
    rationale, what it changed by counterfactual replay), with the reference PM's score on the same seed."""
    params = session.project.p.debrief
    currency = debrief.currency
    date = session.world.calendar.date
    rows = decision_table(session, debrief)
    said = {d["key"]: d["evidence"] for d in debrief.duties}
    out = []
    for key in DUTY_KEYS:
        lines = [said[key]] if said.get(key) else []
        lines += _special(key, session, debrief, measures, date, currency)
        mine = rows[(rows["duty"] == key) & ~((rows["type"] == "choose") & (key == "change"))]  # change requests: above
        if not mine.empty:
            ranked = mine.reindex(mine["score_effect"].abs().sort_values(ascending=False, kind="stable").index)
            lines += [decision_line(r, date, currency) for _, r in ranked.head(SHOW_DECISIONS).iterrows()]
            if len(mine) > SHOW_DECISIONS:
                lines.append(f"... and {len(mine) - SHOW_DECISIONS} more {DUTY_NAMES[key].lower()} decision(s): see the timeline.")
        elif key in {d for d in DECISION_DUTY.values()} | {"change"}:
            lines.append("No decision of this kind was made.")
        score = measures.scores[key]
        ref = reference.scores[key] if reference else None
        out.append(Duty(key, DUTY_NAMES[key], weights[key], score, rating(score, params), measures.notes[key], lines,
                        ref, rating(ref, params) if ref is not None else None))
    return out


def decision_table(session: Session, debrief: Debrief) -> pd.DataFrame:
    """The debrief's decisions (with their counterfactual effects) in a panel's words, with their duty and date."""
    rows = debrief.decisions.copy()
    date = session.world.calendar.date
    rows["summary"] = [summary(session, e["decision"]) for e in session.decisions]
    rows["duty"] = [duty_of(session, e["decision"]) for e in session.decisions]
    rows["date"] = [date(d) for d in rows["day"]]
    rows["wall_time"] = [e["wall_time"] for e in session.decisions]
    return rows


def _special(key: str, session: Session, debrief: Debrief, measures: Measures, date, currency: str) -> list[str]:
    """Evidence beyond the decisions: the risks that hit, the slips and how they were answered, the change requests."""
    if key == "risk":
        hit = debrief.risks[debrief.risks["hit"]] if not debrief.risks.empty else debrief.risks
        return [f"Risk \u201c{r['title']}\u201d hit on day {r['day']:.0f} ({'warned ahead' if r['warned'] else 'no warning seen'}"
                + (f"; responses bought: {r['responses']}" if r["responses"] else "; no response bought ahead")
                + f"): it cost {r['score_impact']:+.1f} points against a replay where it never struck." for _, r in hit.iterrows()]
    if key == "monitoring":
        lines = []
        frozen = session.frozen.day if session.frozen else math.inf
        for _, s in measures.slips.iterrows():
            seen = (f"Day {s['day']:.0f} ({date(s['day']):%d %b}): SPI {s['spi']:.2f}, CPI {s['cpi']:.2f}"
                    + (" (after the time box ran out)" if s["day"] >= frozen else ""))
            lines.append(f"{seen}: answered by a decision on day {s['answered']:.0f}." if not math.isnan(s["answered"])
                         else f"{seen}: no decision followed in time.")
        unanswered = [x for x in lines if x.endswith("in time.")]
        answered = [x for x in lines if not x.endswith("in time.")]
        shown = unanswered[:SHOW_SLIPS] + answered[:max(0, SHOW_SLIPS - len(unanswered[:SHOW_SLIPS]))]
        return shown + ([f"... and {len(lines) - len(shown)} more status meeting(s) of this kind."] if len(lines) > len(shown) else [])
    if key == "change":
        lines = []
        for c in measures.changes:
            if not c["by_you"]:
                late = " (it came after the time box ran out)" if c["frozen"] else ""
                lines.append(f"Change request \u201c{c['title']}\u201d on day {c['came']:.0f}{late}: not decided; its default "
                             f"\u201c{c['default']}\u201d applied.")
                continue
            others = ", ".join(f"\u201c{o}\u201d {v:+.1f} points" for o, v in c["others"].items()) or "no other option"
            why = f" (rationale: \u201c{c['rationale']}\u201d)" if c["rationale"] else " (no rationale given)"
            lines.append(f"Change request \u201c{c['title']}\u201d: you chose \u201c{c['chosen']}\u201d on day {c['day']:.0f}{why}; "
                         f"replayed on the same seed, the other options would have scored: {others}.")
        return lines
    return []

"""The debrief: why the project turned out as it did, measured rather than guessed.

Each key decision and each risk that hit is judged by a counterfactual replay
on the same seed: the same decisions without that one (or the same world
without that risk), run again.  The score is shown beside what the
``reference`` policy achieves on the same seed, so luck and skill are told
apart.  Feedback is given on every PM duty (docs/PM_DUTIES.md).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import pandas as pd

from sim.engine import (
    Scorecard,
    Session,
    TaskStatus,
    World,
    approved_changes,
    outcome,
    scorecard,
)
from sim.engine.world import Source
from sim.policies import DecisionPlan, Reference
from sim.results.markup import literal
from sim.results.tables import Results
from sim.results.words import day_text, describe_decision, money, names, signed_money

DUTIES = (
    ("scope", "Define scope and objectives"),
    ("planning", "Plan and schedule"),
    ("budget", "Estimate and control the budget"),
    ("team", "Assemble, manage and motivate the team"),
    ("risk", "Identify and manage risks"),
    ("communication", "Communicate with stakeholders"),
    ("monitoring", "Monitor progress and act on deviations"),
    ("change", "Control changes"),
    ("quality", "Ensure quality"),
    ("closure", "Close the project and learn"),
)


@dataclass(frozen=True)
class Replay:
    """What one counterfactual run produced."""

    finish_day: float
    cost: float
    score: float
    on_time: bool
    on_budget: bool


def _replay(world: World, seed: int, entries: tuple, without_risks: tuple = ()) -> Replay:
    session = Session(world, seed, without_risks=without_risks)
    session.project.recording = False  # the outcome and the scorecard read no daily timeline
    session.run(DecisionPlan(list(entries)), strict=False)
    o = outcome(session.project)
    return Replay(o["finish_day"], o["cost"], scorecard(session.project).total, o["on_time"], o["on_budget"])


def _made(day: float, date_at) -> str:
    """When a decision was made, in words: ``made before the start`` or ``of Mon 15 Mar 2027``."""
    return f"of {day_text(date_at(day))}" if day else "made before the start"


def counterfactual(source: Source, difficulty: str, seed: int, entries: tuple, without_risks: tuple = ()) -> Replay:
    """Re-run a world (rebuilt from its source in a worker) with ``entries`` (log decisions) and without some risks."""
    return _replay(source.world(difficulty), seed, entries, without_risks)


@dataclass
class Debrief:
    """Everything the debrief shows; ``to_markdown`` writes it as plain language."""

    scenario: str
    seed: int
    outcome: dict
    scorecard: Scorecard
    reference: Scorecard
    reference_outcome: dict
    risks: pd.DataFrame
    estimates: pd.DataFrame
    decisions: pd.DataFrame
    verdict: str
    duties: list[dict] = field(default_factory=list)
    lessons: str = ""
    currency: str = ""

    def with_lessons(self, lessons: str) -> Debrief:
        """This debrief with ``lessons`` as the lessons learned (and the closure duty rated on them): no re-run."""
        duties = [closure_duty(d["closed"], d["musts_done"], lessons) if d["key"] == "closure" else d for d in self.duties]
        return replace(self, lessons=lessons, duties=duties)

    def to_markdown(self) -> str:
        o, ref = self.outcome, self.reference_outcome
        late = o["finish_day"] - o["deadline_day"]
        lines = [
            f"# Debrief: {literal(self.scenario)} (seed {self.seed})",
            "",
            f"**Outcome.** Finished on {day_text(dt.date.fromisoformat(o['finish_date']))} "
            + ("on time" if o["on_time"] else f"{late:.0f} working days late")
            + f"; cost {money(o['cost'], self.currency)} against {money(o['budget'] + o['reserve'], self.currency)} of budget "
            "and reserve"
            + (" (on budget)" if o["on_budget"] else " (over budget)")
            + f"; {o['scope']:.0%} of the business value delivered; {o['incidents']} incidents after go-live."
            + approved_changes(o, self.currency),
            "",
            f"**Score.** {self.scorecard.total:.1f} ({self.scorecard.grade}). The reference PM, facing exactly the same luck, "
            f"scored {self.reference.total:.1f} ({self.reference.grade}) and finished on "
            f"{day_text(dt.date.fromisoformat(ref['finish_date']))} at {money(ref['cost'], self.currency)}. " + self.verdict,
            "",
            "| part | you | reference |",
            "|---|---|---|",
            *[f"| {k} | {v:.0f} | {self.reference.parts[k]:.0f} |" for k, v in self.scorecard.parts.items()],
            "",
            "## Risks that hit",
        ]
        hit = self.risks[self.risks["hit"]]
        if hit.empty:
            lines.append("No risk in the register struck.")
        for _, r in hit.iterrows():
            lines.append(
                f"- **{literal(r['title'])}** ({day_text(r['date'])}, {'warned' if r['warned'] else 'no warning seen'}): "
                f"it cost {signed_money(r['cost_impact'], self.currency)} and {r['finish_impact']:+.0f} working days, "
                f"{r['score_impact']:+.1f} points of score (against a run where it never struck)."
            )
        est = self.estimates
        worked = est[est["estimate"] > 0]
        if not worked.empty:
            total_error = worked["actual_effort"].sum() / worked["estimate"].sum() - 1
            worst = worked.reindex(worked["error"].abs().sort_values(ascending=False).index).head(3)
            lines += ["", "## Estimates",
                      f"Work took {total_error:+.0%} against the PERT estimates in total. The largest misses: "
                      + "; ".join(f"{literal(r['name'])} {r['error']:+.0%}" for _, r in worst.iterrows()) + "."]
        lines += ["", "## What your decisions did"]
        if self.decisions.empty:
            lines.append("You made no decisions: every request fell to its default.")
        else:
            key = self.decisions.reindex(self.decisions["score_effect"].abs().sort_values(ascending=False).index).head(8)
            for _, d in key.iterrows():
                lines.append(
                    f"- {day_text(d['date']) if d['day'] else 'Before the start'}, {literal(d['summary'])}: "
                    f"{d['finish_effect']:+.0f} working days, {signed_money(d['cost_effect'], self.currency)}, "
                    f"{d['score_effect']:+.1f} points"
                    + (f", against {d['compared']}" if d["compared"] != "without it" else "")
                    + (f" (your reason: *{literal(d['rationale'])}*)" if d["rationale"] else "") + "."
                )
            lines.append("")
            lines.append("Each effect compares your run with a re-run on the same seed without that one decision; a decision "
                         "that undid an earlier change is compared with never making that change.")
        lines += ["", "## Your duties as PM", "", "| duty | rating | evidence |", "|---|---|---|"]
        lines += [f"| {d['duty']} | {d['rating']} | {d['evidence']} |" for d in self.duties]
        if self.lessons:
            lines += ["", "## Your lessons learned", "", self.lessons]
        return "\n".join(lines) + "\n"


def _luck_or_skill(you: float, reference: float, band: float) -> str:
    gap = you - reference
    if gap >= band:
        return f"You beat the yardstick by {gap:.0f} points: that is skill, not luck."
    if gap <= -band:
        return f"You trail the yardstick by {-gap:.0f} points on the same luck: the difference is in the decisions."
    return f"You and the yardstick are within {band:g} points: the outcome is mostly down to this seed's luck."


def _rater(rubric):
    """Rate a score of 0-100 against the rubric's bands."""
    return lambda score: "good" if score >= rubric.good_score else "fair" if score >= rubric.fair_score else "poor"


def _duties(session: Session, card: Scorecard, ref: Scorecard, ref_outcome: dict, decisions: pd.DataFrame, risks: pd.DataFrame, lessons: str) -> list[dict]:
    p = session.project
    rubric = p.p.debrief
    _rate = _rater(rubric)
    o = outcome(p)
    log = [e["decision"] for e in session.decisions]
    kinds = [d["type"] for d in log]
    timeline = Results(session).timeline
    comm = timeline["communication"].mean() if len(timeline) else p.communication
    qual = timeline["quality"].mean() if len(timeline) else p.quality
    nominal_c, nominal_q = p.p.communication.nominal_effort, p.p.quality.nominal_effort
    musts = [t for t in p.tasks.values() if t.spec.scope == "must"]
    must_done = sum(t.state is TaskStatus.DONE for t in musts)
    hires = [e for e in session.decisions if e["decision"]["type"] == "hire"]
    late_hires = [e for e in hires if e["day"] > rubric.late_hire_share * p.world.baseline.duration]
    hit = risks[risks["hit"]]
    bought = decisions[decisions["type"] == "buy_response"] if not decisions.empty else decisions
    crs = [e for e in p.scenario.events if e.type == "change_request" and e.id in p.fired_events]
    answered = {e["decision"].get("request") for e in session.decisions if e["decision"]["type"] == "choose"}
    cr_answered = sum(f"event:{e.id}" in answered for e in crs)
    cur = p.scenario.budget.currency
    slips = _unanswered_slips(timeline, p.p.decisions.status_interval, corrective_days(session), rubric)
    out = []

    def add(key: str, rating: str, evidence: str) -> None:
        out.append({"key": key, "duty": dict(DUTIES)[key], "rating": rating, "evidence": evidence})

    cuts = kinds.count("cut_scope")
    add("scope", _rate(card.parts["scope"]) if must_done == len(musts) else "poor",
        f"{o['scope']:.0%} of the planned business value delivered; {must_done}/{len(musts)} must-have tasks done; {cuts} scope cut(s).")
    add("planning", _rate(card.parts["schedule"]),
        f"Finished {day_text(dt.date.fromisoformat(o['finish_date']))} against a deadline of "
        f"{day_text(p.cal.date(max(0.0, o['deadline_day'] - 1)))} (plan: {day_text(p.cal.date_at(p.world.baseline.duration))}); "
        f"the reference PM finished {day_text(dt.date.fromisoformat(ref_outcome['finish_date']))}.")
    add("budget", _rate(card.parts["cost"]),
        f"Spent {money(o['cost'], cur)} of {money(o['budget'], cur)} plus {money(o['reserve'], cur)} reserve; labour "
        f"{money(p.costs['labour'], cur)}, responses {money(p.costs['responses'], cur)}, risk impacts {money(p.costs['risks'], cur)}; "
        f"{kinds.count('release')} roll-off(s) of idle people.")
    team_note = f"{o['resignations']} resignation(s); final team score {card.parts['team']:.0f}; {len(hires)} hire(s)"
    if late_hires:
        team_note += f", {len(late_hires)} after {rubric.late_hire_share:.0%} of the planned duration (Brooks' law: late hires slow a project)"
    add("team", _rate(card.parts["team"]) if not late_hires else "fair" if card.parts["team"] >= rubric.fair_score else "poor", team_note + ".")
    saved = -bought["cost_effect"].sum() if not bought.empty else 0.0
    add("risk", "good" if p.surprises == 0 and saved >= 0 else "fair" if saved >= 0 or len(hit) <= rubric.fair_risk_hits else "poor",
        f"{len(hit)} risk(s) hit, {p.surprises} without warning; {len(bought)} response(s) bought ahead, which changed cost by {signed_money(-saved, cur)} overall.")
    add("communication", _rate(card.parts["satisfaction"]) if comm >= rubric.min_communication * nominal_c else "poor",
        f"Average communication effort {comm:.0%} (nominal {nominal_c:.0%}); final stakeholder satisfaction {o['satisfaction']:.0%}; {len(p.indicators)} early warning(s) seen.")
    add("monitoring", "good" if slips == 0 else "fair" if slips <= rubric.fair_slips else "poor",
        f"{slips} status meeting(s) with SPI or CPI below {rubric.index_alarm:g} and no corrective decision "
        f"within the next {rubric.response_meetings} status meeting(s).")
    add("change", "good" if cr_answered == len(crs) else "fair" if cr_answered else ("poor" if crs else "good"),
        f"{cr_answered} of {len(crs)} change request(s) decided by you rather than by default.")
    add("quality", _rate(card.parts["quality"]),
        f"Average quality effort {qual:.0%} (nominal {nominal_q:.0%}); {o['escaped_defects']:.0f} defects escaped, {o['incidents']} incidents (reference quality score {ref.parts['quality']:.0f}).")
    out.append(closure_duty(p.finished is not None, must_done == len(musts), lessons))
    return out


def closure_duty(closed: bool, musts_done: bool, lessons: str) -> dict:
    """The closure duty: good when the project closed with every must-have done and lessons learned written."""
    rating = "good" if closed and musts_done and lessons.strip() else "fair" if closed else "poor"
    evidence = (("All work closed" if closed else "The project never closed")
                + ("; lessons learned written." if lessons.strip() else "; no lessons learned written yet."))
    return {"key": "closure", "duty": dict(DUTIES)["closure"], "rating": rating, "evidence": evidence,
            "closed": closed, "musts_done": musts_done}


CORRECTIVE = ("set_overtime", "hire", "release", "cut_scope", "restore_scope", "prioritise", "fast_track", "request_time",
              "request_budget", "set_reserve", "set_communication", "set_quality")
"""Decisions that change the plan's course (pace, team, scope, schedule, money, effort): what answers a slip.
Buying a risk response and answering a request are decisions too, but they answer a risk or the request."""


def corrective_days(session: Session) -> list[float]:
    """The days of the session's corrective decisions."""
    return [e["day"] for e in session.decisions if e["decision"]["type"] in CORRECTIVE]


def slip_meetings(timeline: pd.DataFrame, interval: int, decided: list[float], rubric) -> pd.DataFrame:
    """Status meetings whose report showed SPI or CPI below the alarm: day, spi, cpi, and the day of the first
    (corrective) decision in ``decided`` at that meeting or within ``rubric.response_meetings`` meetings after (NaN: none, the slip went unanswered)."""
    meetings = timeline[timeline["day"] % interval == 0]
    alarm = rubric.index_alarm
    slipping = meetings[(meetings["spi"] < alarm) | (meetings["cpi"] < alarm)]
    window = rubric.response_meetings * interval
    answered = [min((d for d in decided if day <= d <= day + window), default=float("nan")) for day in slipping["day"]]
    return pd.DataFrame({"day": slipping["day"].to_numpy(), "spi": slipping["spi"].to_numpy(), "cpi": slipping["cpi"].to_numpy(),
                         "answered": answered})


def _unanswered_slips(timeline: pd.DataFrame, interval: int, decided: list[float], rubric) -> int:
    """Status meetings where the report showed SPI or CPI below the alarm and no decision followed in time."""
    return int(slip_meetings(timeline, interval, decided, rubric)["answered"].isna().sum())


LEVELS = {"set_overtime": "overtime", "set_communication": "communication", "set_quality": "quality"}


def corrections(entries: tuple, start: dict[str, float]) -> dict[int, int]:
    """Decision index -> the index of the earlier decision it undoes: a level set back to what it was before that
    decision (``start`` holds the levels before any decision).  Judged alone, undoing a mistake is credited with
    everything the mistake would have cost had it been kept; judged with it, against never making the change, it
    shows what the episode cost."""
    level = dict(start)
    last: dict[str, tuple[int, float]] = {}  # setting -> (index of its latest change, the level before it)
    undoes = {}
    for i, entry in enumerate(entries):
        name = LEVELS.get(entry["decision"]["type"])
        if name is None:
            continue
        new = float(entry["decision"]["level"])
        if name in last and abs(new - last[name][1]) < 1e-9:
            undoes[i] = last[name][0]
            del last[name]
        else:
            last[name] = (i, level[name])
        level[name] = new
    return undoes


def make_debrief(session: Session, executor: Executor | None = None, lessons: str = "") -> Debrief:
    """Build the debrief of a finished session; counterfactual runs go to ``executor`` if given."""
    world, seed = session.world, session.seed
    entries = tuple({"day": e["day"], "decision": e["decision"]} for e in session.decisions)
    hit_risks = [r.id for r in session.project.risks.values() if r.hit]
    jobs: list[tuple[str, tuple, tuple[str, ...]]] = [("all", entries, ())]
    p = session.project.p
    undoes = corrections(entries, {"overtime": 0.0, "communication": p.communication.nominal_effort,
                                   "quality": p.quality.nominal_effort})
    jobs += [(f"decision:{i}", tuple(e for k, e in enumerate(entries) if k not in (i, undoes.get(i))), ())
             for i in range(len(entries))]
    jobs += [(f"risk:{rid}", entries, (rid,)) for rid in hit_risks]
    if executor is not None and world.source is not None:
        futures = [executor.submit(counterfactual, world.source, world.difficulty, seed, e, w) for _, e, w in jobs]
        results = {name: f.result() for (name, _, _), f in zip(jobs, futures, strict=True)}
    else:
        results = {name: _replay(world, seed, e, w) for name, e, w in jobs}
    full = results["all"]

    reference = Session(world, seed)
    reference.run(Reference())
    card, ref_card = scorecard(session.project), scorecard(reference.project)

    named = names(world) | {p.id: p.name for p in session.project.people.values()}  # hires included
    currency, date_at = world.scenario.budget.currency, world.calendar.date_at
    rows = []
    for i, e in enumerate(session.decisions):
        without = results[f"decision:{i}"]
        rows.append({
            "index": i, "stop": e["stop"], "day": e["day"], "date": date_at(e["day"]), "type": e["decision"]["type"],
            "summary": describe_decision(e["decision"], named, currency), "rationale": e["decision"].get("rationale", ""),
            "finish_effect": full.finish_day - without.finish_day, "cost_effect": full.cost - without.cost,
            "score_effect": full.score - without.score,
            "compared": (f"never making the change {_made(entries[undoes[i]]['day'], date_at)} it undid" if i in undoes
                         else "without it"),
        })
    decisions = pd.DataFrame(rows, columns=["index", "stop", "day", "date", "type", "summary", "rationale", "finish_effect", "cost_effect",
                                            "score_effect", "compared"])

    risk_rows = []
    for r in session.project.risks.values():
        row = {"risk": r.id, "title": r.spec.title, "category": r.spec.category, "hit": r.hit, "day": r.time if r.hit else float("nan"),
               "date": date_at(r.time) if r.hit else None, "warned": r.warned,
               "responses": ", ".join(named.get(f"risk:{r.id}/{x}", x) for x in r.bought), "cost_impact": 0.0, "finish_impact": 0.0, "score_impact": 0.0}
        if r.hit:
            without = results[f"risk:{r.id}"]
            row.update(cost_impact=full.cost - without.cost, finish_impact=full.finish_day - without.finish_day, score_impact=full.score - without.score)
        risk_rows.append(row)
    risks = pd.DataFrame(risk_rows)

    est = pd.DataFrame([
        {"task": t.id, "name": t.spec.name, "phase": t.spec.phase, "estimate": t.planned_effort, "actual_effort": t.effort,
         "rework": t.rework, "error": (t.effort / t.planned_effort - 1) if t.planned_effort else 0.0}
        for t in session.project.baseline_tasks
    ])
    ref_outcome = outcome(reference.project)
    debrief = Debrief(
        scenario=world.scenario.id, seed=seed, outcome=outcome(session.project), scorecard=card, reference=ref_card,
        reference_outcome=ref_outcome, risks=risks, estimates=est, decisions=decisions, lessons=lessons,
        verdict=_luck_or_skill(card.total, ref_card.total, session.project.p.debrief.luck_band),
        currency=world.scenario.budget.currency,
    )
    debrief.duties = _duties(session, card, ref_card, ref_outcome, decisions, risks, lessons)
    return debrief

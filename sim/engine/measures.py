"""The measures of a run: its outcome, its scorecard, its critical path and its fingerprint, owned here and only here.

This module sits in the engine, at its top, rather than in a layer of its own above the policies: the session
writes the outcome into its log when a project ends, and nothing the engine needs may live above it, not even
behind a lazy import.  None of these measures needs a policy, so nothing is lost by keeping them low.  What does
need policies lives higher up: the Monte Carlo row that collects these measures over many runs and the
reproducibility check (``sim.analysis``), the debrief and the tables (``sim.results``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .entities import DONE

if TYPE_CHECKING:
    from .project import Project
    from .session import Session
    from .world import World

PARTS = ("schedule", "cost", "scope", "quality", "satisfaction", "team")


def outcome(project: Project) -> dict:
    """The headline results of a finished project, as the session log records them."""
    finish = project.finished if project.finished is not None else project.now
    return {
        "finish_day": finish,
        "finish_date": project.cal.date(max(0.0, finish - 1)).isoformat(),
        "deadline_day": project.original_deadline_day,
        "approved_deadline_day": project.deadline_day,
        "on_time": project.finished is not None and finish <= project.original_deadline_day,
        "cost": round(project.spent, 2),
        "budget": project.original_budget,
        "approved_budget": project.budget,
        "reserve": project.reserve,
        "on_budget": project.spent <= project.original_budget + project.reserve,
        "sponsor_requests": project.sponsor_requests,
        "sponsor_refusals": project.sponsor_refusals,
        "scope": round(project.scope_share(), 6),
        "escaped_defects": round(project.escaped, 4),
        "incidents": project.incidents,
        "satisfaction": round(sum(project.satisfaction.values()) / len(project.satisfaction), 6),
        "resignations": project.resignations,
        "abandoned": project.abandoned,
    }


def approved_changes(o: Mapping, currency: str) -> str:
    """The sentence that shows what the sponsor approved on request beside the original targets ("" when nothing)."""
    days = o.get("approved_deadline_day", o["deadline_day"]) - o["deadline_day"]
    money = o.get("approved_budget", o["budget"]) - o["budget"]
    granted = [f"{money:,.0f} {currency} more budget"] * (money > 0) + [f"{days:.0f} more working days"] * (days > 0)
    if not granted:
        return ""
    return (f" The sponsor approved {' and '.join(granted)} on request; the scorecard measures against the original "
            f"targets (day {o['deadline_day']:.0f}, {o['budget']:,.0f} {currency}).")


@dataclass(frozen=True)
class Scorecard:
    """Six parts scored 0-100, the scenario's weights, the weighted total and its grade."""

    parts: dict[str, float]
    weights: dict[str, float]
    total: float
    grade: str


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def grade(total: float, bound: float, step: float) -> str:
    """A from ``bound`` points, each of B, C and D ``step`` points lower, F below."""
    return next((g for i, g in enumerate("ABCD") if total >= bound - i * step), "F")


def scorecard(project: Project) -> Scorecard:
    """Score a finished (or abandoned) project (docs/MODEL.md, Scorecard)."""
    s = project.p.score_scales
    base = project.world.baseline
    finish = project.finished if project.finished is not None else project.now
    late = max(0.0, finish - project.original_deadline_day) / max(1.0, base.duration)  # a granted request is still a slip
    budget = project.original_budget
    over = max(0.0, project.spent - budget) / budget if budget else 1.0
    density = project.incidents / (project.total_planned / 100)
    days = project.team_days  # the timeline's morale and fatigue columns, kept even when no timeline is recorded
    morale = sum(m for m, _ in days) / len(days) if days else project.p.productivity.nominal_morale
    fatigue = sum(f for _, f in days) / len(days) if days else 0.0
    start_team = len(project.scenario.team)
    parts = {
        "schedule": 0.0 if project.abandoned else _clamp(100 * (1 - late / s.schedule_tolerance)),
        "cost": _clamp(100 * (1 - over / s.cost_tolerance)),
        "scope": _clamp(100 * project.scope_share()) if not project.abandoned else 0.0,
        "quality": 0.0 if project.abandoned else _clamp(100 * (1 - density / s.incidents_per_100_days)),  # nothing released
        "satisfaction": _clamp(100 * sum(project.satisfaction.values()) / len(project.satisfaction)),
        "team": _clamp(100 * min(1.0, morale / project.p.productivity.nominal_morale) * (1 - fatigue) * max(0.0, 1 - project.resignations / start_team)),
    }
    weights = project.scenario.scoring.model_dump()
    total = sum(parts[k] * weights[k] for k in PARTS) / sum(weights.values())
    return Scorecard(parts, weights, round(total, 4), grade(total, s.grade_bounds, s.grade_step))


def chain(finish: Mapping[str, float], predecessors: Mapping[str, Sequence[str]]) -> list[str]:
    """The chain of tasks that set the last finish: from the latest-finishing task back through each latest-finishing
    predecessor, first to last.  ``finish`` holds the finished tasks in file order; a tie goes to the earlier task."""
    if not finish:
        return []
    order = {tid: i for i, tid in enumerate(finish)}
    task = max(finish, key=lambda t: (finish[t], -order[t]))
    path = [task]
    while preds := [d for d in predecessors[task] if d in finish]:
        task = max(preds, key=lambda t: (finish[t], -order[t]))
        path.append(task)
    return path[::-1]


def critical_path(project: Project) -> list[str]:
    """The run's critical path: the chain of finished tasks that set its finish."""
    finish = {t.id: t.finish for t in project.tasks.values() if t.finish is not None and t.state is DONE}
    return chain(finish, {t.id: [d.id for d in t.deps] for t in project.tasks.values()})


def plan_critical_path(world: World) -> list[str]:
    """The plan's critical path: the chain of the baseline's tasks that set its planned finish."""
    return chain(world.baseline.finish, {t.id: list(t.depends_on) for t in world.scenario.tasks})


def fingerprint(session: Session) -> str:
    """SHA-256 of everything a run produced: the daily timeline, every event and the final state.

    Equal fingerprints mean bit-identical runs.  The timeline rows are hashed as plain tuples.
    """
    p = session.project
    h = hashlib.sha256()
    h.update(repr([tuple(row) for row in p.timeline]).encode())
    h.update(repr([(e["day"], e["kind"], e["ref"], e["text"]) for e in p.events]).encode())
    h.update(repr((p.finished, p.spent, sorted(p.costs.items()), sorted(p.satisfaction.items()), p.escaped, p.incidents)).encode())
    return h.hexdigest()

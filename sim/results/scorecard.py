"""The scorecard: six parts scored 0-100, weighted by the scenario into a total and a grade."""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.project import Project

PARTS = ("schedule", "cost", "scope", "quality", "satisfaction", "team")


@dataclass(frozen=True)
class Scorecard:
    parts: dict[str, float]
    weights: dict[str, float]
    total: float
    grade: str


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def scorecard(project: Project) -> Scorecard:
    """Score a finished (or abandoned) project."""
    s = project.p.score_scales
    base = project.world.baseline
    finish = project.finished if project.finished is not None else project.now
    late = max(0.0, finish - project.deadline_day) / max(1.0, base.duration)
    over = max(0.0, project.spent - project.budget) / project.budget if project.budget else 1.0
    density = project.incidents / (project.total_planned / 100)
    days = project.timeline
    morale = sum(row.morale for row in days) / len(days) if days else project.p.productivity.nominal_morale
    fatigue = sum(row.fatigue for row in days) / len(days) if days else 0.0
    start_team = len(project.scenario.team)
    parts = {
        "schedule": 0.0 if project.abandoned else _clamp(100 * (1 - late / s.schedule_tolerance)),
        "cost": _clamp(100 * (1 - over / s.cost_tolerance)),
        "scope": _clamp(100 * project.scope_share()) if not project.abandoned else 0.0,
        "quality": _clamp(100 * (1 - density / s.incidents_per_100_days)),
        "satisfaction": _clamp(100 * sum(project.satisfaction.values()) / len(project.satisfaction)),
        "team": _clamp(100 * min(1.0, morale / project.p.productivity.nominal_morale) * (1 - fatigue) * max(0.0, 1 - project.resignations / start_team)),
    }
    weights = project.scenario.scoring.model_dump()
    total = sum(parts[k] * weights[k] for k in PARTS) / sum(weights.values())
    grade = next((g for i, g in enumerate("ABCD") if total >= s.grade_bounds - i * s.grade_step), "F")
    return Scorecard(parts, weights, round(total, 4), grade)

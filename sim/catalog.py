"""The bundled scenarios at a glance: a table for choosing and the briefing for reading."""

from __future__ import annotations

import pandas as pd

from sim.schema import Scenario, bundled_scenarios, load_scenario


def scenario_table(difficulty: str = "standard") -> pd.DataFrame:
    """One row per bundled scenario: what it is, how big, how long and how costly."""
    rows = []
    for path in bundled_scenarios():
        s = load_scenario(path, difficulty)
        rows.append({
            "id": s.id, "title": s.title, "kind": s.kind.replace("_", " "), "tasks": len(s.tasks), "team": len(s.team),
            "risks": len(s.risks), "start": s.calendar.start, "deadline": s.calendar.deadline,
            "budget": round(s.budget.budget_at_completion), "currency": s.budget.currency,  # whole units, as shown
        })
    return pd.DataFrame(rows).set_index("id")


def briefing(scenario_id: str, difficulty: str = "standard") -> str:
    """The scenario's briefing and objectives as Markdown."""
    return briefing_of(load_scenario(scenario_id, difficulty))


def briefing_of(s: Scenario) -> str:
    """A loaded scenario's briefing and objectives as Markdown (for a world that has no file, as an exercise's)."""
    objectives = "\n".join(f"- {o}" for o in s.objectives)
    title = "" if s.briefing.lstrip().startswith("# ") else f"# {s.title}\n\n"  # a briefing may carry its own title
    return f"{title}{s.briefing}\n\n## Objectives\n\n{objectives}\n"

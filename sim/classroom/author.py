"""Writing a scenario: start from the template or a bundled scenario, check it, see its network, balance it, save it.

The draft is YAML text held in memory: it is checked with the same located
validation as ``itpm-sim validate`` (``file:line:column: field: what is
wrong``), compiled into a world without being saved, drawn as a dependency
network with its critical path, and played by Monte Carlo (``passive`` and
``reference``) to see whether it is balanced, and audited against gaming tactics.  Saving never writes over a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from sim.analysis.audit import audit as run_audit
from sim.analysis.balance import BAND, RUNS, Balance, check_balance
from sim.engine import World, plan_critical_path
from sim.results.charts import network as network_chart
from sim.schema import (
    Problem,
    ScenarioError,
    bundled_scenarios,
    check_bytes,
    read_scenario_bytes,
)
from sim.schema.files import create_file
from sim.schema.loading import SCENARIO_DIR

TEMPLATE = SCENARIO_DIR / "templates" / "starter.yaml"
DRAFT_NAME = "draft.yaml"


def starting_points() -> dict[str, Path]:
    """What a new scenario can start from: the template (a small project, every section commented) and each bundled
    scenario, by name."""
    return {"template": TEMPLATE, **{p.stem: p for p in bundled_scenarios()}}


def start_from(source: str | Path = "template") -> str:
    """The YAML text to start from: ``template``, a bundled scenario's id, or a scenario file."""
    points = starting_points()
    path = points.get(str(source), Path(source))
    return read_scenario_bytes(Path(path)).decode("utf-8")


def check(text: str, name: str = DRAFT_NAME) -> list[Problem]:
    """Every problem in the draft, located (``name`` stands for the file), as ``itpm-sim validate`` lists them."""
    return check_bytes(text.encode("utf-8"), name)


def world(text: str, name: str = DRAFT_NAME, difficulty: str = "standard") -> World:
    """The draft compiled at ``difficulty``; raises ScenarioError with every problem."""
    return World.from_bytes(text.encode("utf-8"), name, difficulty)


def plan_summary(w: World) -> dict:
    """The baseline plan against the deadline and the budget (what ``itpm-sim plan`` shows)."""
    sc = w.scenario
    base = w.baseline
    procurement = sum(getattr(t, "cost", 0.0) for t in sc.tasks)
    return {
        "scenario": sc.id, "difficulty": w.difficulty, "planned_finish_day": base.duration,
        "planned_finish_date": w.calendar.date(base.duration - 1).isoformat(), "deadline_day": w.calendar.deadline_day,
        "deadline": sc.calendar.deadline.isoformat(), "schedule_slack_days": w.calendar.deadline_day - base.duration,
        "planned_labour_cost": round(base.labour_cost, 2), "procurement_cost": procurement,
        "budget_at_completion": sc.budget.budget_at_completion,
        "budget_slack": round(sc.budget.budget_at_completion - base.labour_cost - procurement, 2),
        "management_reserve": sc.budget.management_reserve,
    }


def network(w: World) -> bytes:
    """The dependency network at the plan's dates, with the critical path (PNG)."""
    return network_chart([w.task_card(t) for t in w.scenario.tasks], plan_critical_path(w), w.calendar.deadline_day, w.scenario.title)


def balance(draft: str | World, runs: int = RUNS, band: tuple[float, float] = BAND, seed: int = 0,
            difficulty: str = "standard", executor=None) -> Balance:
    """Is the draft balanced?  Monte Carlo of passive and reference (see ``sim.analysis.balance``)."""
    w = draft if isinstance(draft, World) else world(draft, DRAFT_NAME, difficulty)
    return check_balance(w, runs, seed, band, executor)


def audit(draft: str | World, runs: int = 200, seed: int = 2024, executor=None) -> pd.DataFrame:
    """Does any gaming tactic beat the reference PM on the draft?  The adversarial audit (``sim.analysis.audit``)."""
    w = draft if isinstance(draft, World) else world(draft, DRAFT_NAME)
    return run_audit(w.source if w.source is not None else str(w.path), runs, seed, w.difficulty, executor)


def free_name(path: str | Path) -> Path:
    """``path`` if no file has that name, else the first free ``NAME-2.yaml``, ``NAME-3.yaml``..."""
    path = Path(path)
    n = 1
    candidate = path
    while os.path.lexists(candidate):
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def save(text: str, path: str | Path) -> Path:
    """Write the draft to ``path``, a new file (never over one: FileExistsError), flushed to disk.

    A draft with problems is saved too (work in progress is never lost); check it before handing it out.
    """
    path = Path(path)
    if path.suffix not in (".yaml", ".yml"):
        raise ValueError(f"{path}: not a scenario file name (got {path.suffix or 'no suffix'!r}, expected .yaml or .yml)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return create_file(path, text)
    except FileExistsError:
        raise FileExistsError(f"{path}: exists already and a scenario is never written over (choose another name)") from None


__all__ = [
    "BAND",
    "TEMPLATE",
    "Problem",
    "ScenarioError",
    "balance",
    "check",
    "free_name",
    "network",
    "plan_summary",
    "save",
    "start_from",
    "starting_points",
    "world",
]

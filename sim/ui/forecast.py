"""The plan-stage forecast: a Monte Carlo study of the draft plan, summarised as P50 and P80."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sim.analysis import Study, run_montecarlo
from sim.engine import World

RUNS = 200


@dataclass(frozen=True)
class Forecast:
    """Where the plan lands across ``runs`` simulated futures."""

    runs: int
    plan: tuple  # the day-0 entries forecast (to tell when the draft has changed since)
    finish_days: tuple[float, ...]
    costs: tuple[float, ...]
    p50_finish: dt.date
    p80_finish: dt.date
    p50_cost: float
    p80_cost: float
    limit: float  # budget + the plan's reserve
    on_time: float  # share of runs
    on_budget: float
    refused: int  # runs in which some planned decision was refused (e.g. not affordable)


def forecast_plan(world: World, entries: tuple, seed: int, runs: int = RUNS,
                  progress: Callable[[int], None] | None = None) -> Forecast:
    """Replay the draft plan (``entries``; none means deciding nothing) over ``runs`` seeds."""
    study = Study(world.path, world.difficulty, policy="passive", plan=tuple(entries))
    df = run_montecarlo(study, runs, seed=seed, progress=progress)
    finish, cost = df["finish_day"], df["cost"]
    budget = world.scenario.budget
    reserve = next((e["decision"]["amount"] for e in entries if e["decision"]["type"] == "set_reserve"), budget.management_reserve)

    def date(day: float) -> dt.date:
        return world.calendar.date(max(0.0, day - 1))

    return Forecast(
        runs=runs, plan=tuple(entries), finish_days=tuple(finish), costs=tuple(cost),
        p50_finish=date(float(finish.quantile(0.5))), p80_finish=date(float(finish.quantile(0.8))),
        p50_cost=float(cost.quantile(0.5)), p80_cost=float(cost.quantile(0.8)), limit=budget.budget_at_completion + reserve,
        on_time=float(df["on_time"].mean()), on_budget=float(df["on_budget"].mean()),
        refused=int((df["refused"] > 0).sum()),
    )

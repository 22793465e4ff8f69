"""A scenario's balance: does doing nothing fail often enough, and does a competent PM do better?

A Monte Carlo study of ``passive`` (a PM who decides nothing) and one of
``reference`` (the yardstick) on the same child seeds.  A scenario is
balanced when passive's success rate (finished on time and on budget, not
abandoned) falls in the author's band, 20-45% by default: a project that
mostly succeeds untouched teaches nothing, and one that always fails leaves
no room to do well; and when reference beats passive on the mean score (the
kit's measure of a PM's work, which counts scope, quality, stakeholders and
the team too), so that decisions matter.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from sim.engine import World

from .montecarlo import Study, run_montecarlo

BAND = (0.20, 0.45)
POLICIES = ("passive", "reference")
RUNS = 300


def success(runs: pd.DataFrame) -> pd.Series:
    """Whether each run succeeded: on time, on budget and not abandoned."""
    return runs["on_time"] & runs["on_budget"] & ~runs["abandoned"]


@dataclass(frozen=True)
class Balance:
    """The two studies, their headline numbers, and the verdict."""

    scenario: str
    difficulty: str
    band: tuple[float, float]
    runs: dict[str, pd.DataFrame]

    def rate(self, policy: str) -> float:
        return float(success(self.runs[policy]).mean())

    def mean_score(self, policy: str) -> float:
        return float(self.runs[policy]["score"].mean())

    @property
    def passive_in_band(self) -> bool:
        low, high = self.band
        return low <= self.rate("passive") <= high

    @property
    def reference_beats_passive(self) -> bool:
        return self.mean_score("reference") > self.mean_score("passive")

    @property
    def balanced(self) -> bool:
        return self.passive_in_band and self.reference_beats_passive

    def table(self) -> pd.DataFrame:
        """One row per policy: success rate, chances, mean score, P50 and P80 finish and cost."""
        rows = []
        for policy, df in self.runs.items():
            rows.append({"policy": policy, "runs": len(df), "success": self.rate(policy), "on_time": float(df["on_time"].mean()),
                         "on_budget": float(df["on_budget"].mean()), "abandoned": float(df["abandoned"].mean()),
                         "mean_score": self.mean_score(policy), "p50_finish_day": float(df["finish_day"].quantile(0.5)),
                         "p80_finish_day": float(df["finish_day"].quantile(0.8)), "p50_cost": float(df["cost"].quantile(0.5)),
                         "p80_cost": float(df["cost"].quantile(0.8))})
        return pd.DataFrame(rows)

    def advice(self) -> list[str]:
        """What the numbers say, and what an author might change, in plain sentences."""
        low, high = self.band
        passive, reference = self.rate("passive"), self.rate("reference")
        out = []
        if passive > high:
            out.append(f"Too easy: doing nothing succeeds in {passive:.0%} of runs, above the band's {high:.0%}. Tighten the "
                       "deadline or the budget, or make risks likelier or costlier.")
        elif passive < low:
            out.append(f"Too hard: doing nothing succeeds in only {passive:.0%} of runs, below the band's {low:.0%}. Give "
                       "more slack in time or money, or soften the risks.")
        else:
            out.append(f"Doing nothing succeeds in {passive:.0%} of runs, inside the band {low:.0%}-{high:.0%}.")
        scores = f"a mean score of {self.mean_score('reference'):.1f} against {self.mean_score('passive'):.1f} for doing nothing"
        if not self.reference_beats_passive:
            out.append(f"The reference PM does not beat doing nothing ({scores}): decisions barely matter here. Give the "
                       "PM levers that pay: risks with affordable responses, work that more people can speed up.")
        elif reference < passive:
            out.append(f"The reference PM scores higher ({scores}) but succeeds less often ({reference:.0%} against "
                       f"{passive:.0%}): what it spends on responses and people is not repaid in time or money. Check "
                       "that the responses' costs fit the budget.")
        else:
            out.append(f"The reference PM does better: {reference:.0%} success and {scores}.")
        return out


def check_balance(world: World, runs: int = RUNS, seed: int = 0, band: tuple[float, float] = BAND,
                  executor: Executor | None = None) -> Balance:
    """Monte Carlo studies of passive and reference on ``world`` (same child seeds), judged against ``band``.

    The world is shipped to workers as its bytes, so an author's unsaved draft can be checked too.
    """
    low, high = band
    if not 0 <= low <= high <= 1:
        raise ValueError(f"band must be two shares with 0 <= low <= high <= 1 (got {low!r}, {high!r})")
    scenario = world.source if world.source is not None else world.path
    studies = {p: run_montecarlo(Study(scenario, world.difficulty, p), runs, seed, executor=executor) for p in POLICIES}
    return Balance(world.scenario.id, world.difficulty, (low, high), studies)

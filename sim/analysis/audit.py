"""The adversarial audit: does any simple gaming tactic beat the reference PM?

Each tactic of ``sim.policies.TACTICS`` is played on top of ``passive`` and of ``reference`` over the same paired
seeds (common random numbers), and its mean score is set against ``reference``'s with a one-sided paired t-test
(scipy's ``ttest_rel``): a tactic *beats* the reference when its mean is higher at p < ``ALPHA``.  A model that a
tactic beats teaches a wrong lesson (docs/MODEL.md, The adversarial audit).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type information

from sim.engine.world import Source
from sim.policies import TACTICS

from .montecarlo import Study, run_montecarlo

ALPHA = 0.01
BASES = ("passive", "reference")


def arms(tactics: tuple[str, ...] = tuple(TACTICS)) -> list[str]:
    """The policies the audit plays: the two bases, then every tactic on each."""
    return list(BASES) + [f"{base}+{tactic}" for tactic in tactics for base in BASES]


def paired_p(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided p-value of the paired t-test that ``a`` is greater than ``b`` on average (1 when they never differ)."""
    if np.all(a == b):
        return 1.0
    return float(stats.ttest_rel(a, b, alternative="greater").pvalue)


def audit(scenario: str | Source, runs: int = 200, seed: int = 2024, difficulty: str = "standard", executor: Executor | None = None,
          tactics: tuple[str, ...] = tuple(TACTICS), progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The audit table of ``scenario``: one row per policy, with its mean score, the paired difference from
    ``reference``, the one-sided p-value that it scores more, its success rate (on time and on budget against the
    original targets), its abandoned rate and whether it beats the reference at p < ALPHA."""
    results = {}
    for name in arms(tactics):
        if progress is not None:
            progress(name)
        results[name] = run_montecarlo(Study(scenario, difficulty, name, strict=False), runs, seed=seed, executor=executor,
                                       chunk_size=max(1, runs // 8))
    reference = results["reference"]["score"].to_numpy(dtype=float)
    rows = []
    for name, frame in results.items():
        score = frame["score"].to_numpy(dtype=float)
        p = paired_p(score, reference)
        rows.append({
            "policy": name, "mean_score": score.mean(), "difference": (score - reference).mean(), "p_value": p,
            "success": float((frame["on_time"] & frame["on_budget"]).mean()), "abandoned": float(frame["abandoned"].mean()),
            "beats_reference": bool(name != "reference" and score.mean() > reference.mean() and p < ALPHA),
        })
    return pd.DataFrame(rows)


def table(frame: pd.DataFrame) -> str:
    """The audit table as text, one policy a line."""
    lines = [f"{'policy':<34} {'score':>6} {'vs ref':>7} {'p (more)':>9} {'success':>8} {'abandoned':>9}  verdict"]
    for row in frame.itertuples():
        verdict = "BEATS REFERENCE" if row.beats_reference else ""
        lines.append(f"{row.policy:<34} {row.mean_score:6.1f} {row.difference:+7.1f} {row.p_value:9.2g} {row.success:8.0%} "
                     f"{row.abandoned:9.0%}  {verdict}")
    return "\n".join(lines)

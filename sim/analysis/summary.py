"""Summaries of a Monte Carlo study: percentiles, chances, S-curves, criticality and a risk tornado."""

from __future__ import annotations

import numpy as np
import pandas as pd

PERCENTILES = (10, 50, 80, 90)


def percentiles(runs: pd.DataFrame) -> pd.DataFrame:
    """P10, P50, P80 and P90 of finish day and cost."""
    rows = {f"P{p}": {"finish_day": float(np.percentile(runs["finish_day"], p)), "cost": float(np.percentile(runs["cost"], p))}
            for p in PERCENTILES}
    return pd.DataFrame(rows).T


def chances(runs: pd.DataFrame) -> dict[str, float]:
    """The chance of finishing on time, on budget, and both."""
    return {
        "on_time": float(runs["on_time"].mean()),
        "on_budget": float(runs["on_budget"].mean()),
        "on_time_and_budget": float((runs["on_time"] & runs["on_budget"]).mean()),
        "abandoned": float(runs["abandoned"].mean()),
    }


def s_curve(values: pd.Series) -> pd.DataFrame:
    """The empirical cumulative distribution (an S-curve): value against the share of runs at or below it."""
    ordered = np.sort(values.to_numpy(dtype=float))
    return pd.DataFrame({"value": ordered, "probability": np.arange(1, len(ordered) + 1) / len(ordered)})


def criticality(runs: pd.DataFrame) -> pd.DataFrame:
    """Per task: the criticality index (share of runs on the critical path) and cruciality
    (correlation of the task's duration with the finish day), after PMBOK schedule risk analysis."""
    rows = []
    finish = runs["finish_day"].astype(float)
    for column in [c for c in runs.columns if c.startswith("critical:")]:
        task = column.split(":", 1)[1]
        duration = runs.get(f"duration:{task}")
        corr = float("nan")
        if duration is not None and duration.notna().sum() > 2 and duration.std() > 0 and finish.std() > 0:
            corr = float(np.corrcoef(duration.fillna(duration.mean()), finish)[0, 1])
        rows.append({"task": task, "criticality": float(runs[column].mean()), "cruciality": corr})
    return pd.DataFrame(rows).sort_values(["criticality", "task"], ascending=[False, True]).reset_index(drop=True)


def tornado(runs: pd.DataFrame) -> pd.DataFrame:
    """Each risk's contribution to the variance of finish day and cost.

    For a binary driver hit with probability p that shifts the mean by d, the
    variance it explains alone is p(1 - p)d^2; reported as a share of the
    total variance, with the mean shift itself.
    """
    rows = []
    for column in [c for c in runs.columns if c.startswith("risk:")]:
        hit = runs[column].astype(bool)
        p = float(hit.mean())
        row = {"risk": column.split(":", 1)[1], "probability": p}
        for target in ("finish_day", "cost"):
            values = runs[target].astype(float)
            var = float(values.var(ddof=0))
            shift = float(values[hit].mean() - values[~hit].mean()) if 0 < p < 1 else 0.0
            row[f"{target}_shift"] = shift
            row[f"{target}_variance_share"] = p * (1 - p) * shift**2 / var if var > 0 else 0.0
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values(["finish_day_variance_share", "risk"], ascending=[False, True]).reset_index(drop=True)


def summarise(runs: pd.DataFrame) -> dict:
    """A JSON-ready summary of a study."""
    pct = percentiles(runs)
    return {
        "runs": len(runs),
        "scenario": runs.attrs.get("scenario"),
        "difficulty": runs.attrs.get("difficulty"),
        "policy": runs.attrs.get("policy"),
        "seed": runs.attrs.get("seed"),
        "percentiles": {k: {c: round(v, 4) for c, v in row.items()} for k, row in pct.iterrows()},
        "chances": chances(runs),
        "mean_score": float(runs["score"].mean()),
        "most_critical": criticality(runs).head(5).to_dict("records"),
        "top_risks": tornado(runs).head(5).to_dict("records"),
    }

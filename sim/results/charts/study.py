"""Monte Carlo charts: S-curves of finish and cost, and the risk tornado."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import OKABE_ITO, figure, money_axis, styled


@styled
def s_curves(runs: pd.DataFrame, deadline_day: float | None, budget: float | None, currency: str):
    """The share of runs finishing by each working day, and costing at most each amount; targets dashed."""
    fig = figure(7.4, 3.0)
    for i, (column, label, target) in enumerate((("finish_day", "finish (working day)", deadline_day),
                                                 ("cost", f"cost ({currency})", budget))):
        ax = fig.add_subplot(1, 2, i + 1)
        values = np.sort(runs[column].to_numpy(dtype=float))
        ax.plot(values, np.arange(1, len(values) + 1) / len(values), color=OKABE_ITO["blue"])
        if target is not None:
            ax.axvline(target, color=OKABE_ITO["vermillion"], linestyle="--", label="target")
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        if column == "cost":
            money_axis(ax, currency, axis="x")
        ax.set_xlabel(label)
        ax.set_ylabel("share of runs at or below")
        ax.set_ylim(0, 1)
        ax.grid(True)
    fig.suptitle("S-curves")
    return fig


@styled
def tornado(table: pd.DataFrame, column: str = "finish_day_variance_share", top: int = 10):
    """Risks ranked by their share of the variance of the finish (or the cost)."""
    rows = table.head(top).iloc[::-1]
    fig = figure(7.4, max(2.4, 0.3 * len(rows) + 1))
    ax = fig.add_subplot()
    ax.barh(rows["risk"], rows[column] * 100, color=OKABE_ITO["orange"])
    ax.set_xlabel("share of variance explained (%)")
    ax.set_title("Risk tornado: " + ("finish" if column.startswith("finish") else "cost"))
    return fig

"""The debrief chart: the trainee's scorecard against the reference PM's, part by part."""

from __future__ import annotations

import numpy as np

from .base import OKABE_ITO, figure, styled


@styled
def scorecards(you: dict[str, float], reference: dict[str, float], totals: tuple[float, float]):
    """Paired bars per scorecard part (0-100), with the weighted totals in the title."""
    parts = list(you)
    fig = figure(7.4, 2.8)
    ax = fig.add_subplot()
    x = np.arange(len(parts))
    ax.bar(x - 0.2, [you[p] for p in parts], width=0.4, color=OKABE_ITO["blue"], label=f"you ({totals[0]:.0f})")
    ax.bar(x + 0.2, [reference[p] for p in parts], width=0.4, color=OKABE_ITO["grey"], hatch="//", edgecolor="white",
           linewidth=0, label=f"reference PM, same seed ({totals[1]:.0f})")
    ax.set_xticks(x, parts)
    ax.set_ylim(0, 105)
    ax.set_ylabel("score (0-100)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    return fig

"""The debrief chart: scorecards part by part (a trainee's against the reference PM's, or any few side by side)."""

from __future__ import annotations

import numpy as np

from .base import OKABE_ITO, figure, styled

FILLS = ((OKABE_ITO["blue"], None), (OKABE_ITO["grey"], "//"), (OKABE_ITO["orange"], None), (OKABE_ITO["green"], ".."))


@styled
def score_parts(cards: dict[str, tuple[dict[str, float], float]]):
    """Grouped bars per scorecard part (0-100), one colour per card; each card is ``label: (parts, total)``."""
    if not 1 <= len(cards) <= len(FILLS):
        raise ValueError(f"expected 1 to {len(FILLS)} scorecards (got {len(cards)})")
    parts = list(next(iter(cards.values()))[0])
    fig = figure(7.4, 2.8)
    ax = fig.add_subplot()
    x = np.arange(len(parts))
    width = 0.8 / len(cards)
    for i, (label, (values, total)) in enumerate(cards.items()):
        colour, hatch = FILLS[i]
        ax.bar(x - 0.4 + width * (i + 0.5), [values[p] for p in parts], width=width, color=colour, hatch=hatch,
               edgecolor="white", linewidth=0, label=f"{label} ({total:.0f})")
    ax.set_xticks(x, parts)
    ax.set_ylim(0, 105)
    ax.set_ylabel("score (0-100)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(4, len(cards)), fontsize=8, frameon=False)
    return fig


def scorecards(you: dict[str, float], reference: dict[str, float], totals: tuple[float, float]) -> bytes:
    """The trainee's scorecard against the reference PM's on the same seed, with the weighted totals."""
    return score_parts({"you": (you, totals[0]), "reference PM, same seed": (reference, totals[1])})

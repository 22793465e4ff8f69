"""People charts: the team's morale and fatigue, stakeholder satisfaction, and defects found."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .base import OKABE_ITO, date_axis, figure, styled, timeline_dates


@styled
def team(people: list[dict]):
    """Morale and fatigue of everyone on the team (0-100%), with what they are doing."""
    present = [p for p in people if p["status"] != "left"]
    fig = figure(7.4, 0.9 + 0.28 * max(1, len(present)))
    ax = fig.add_subplot()
    y = -np.arange(len(present))
    ax.barh(y + 0.18, [100 * p["morale"] for p in present], height=0.34, color=OKABE_ITO["blue"], label="morale")
    ax.barh(y - 0.18, [100 * p["fatigue"] for p in present], height=0.34, color=OKABE_ITO["orange"], hatch="..",
            edgecolor="white", linewidth=0, label="fatigue")
    labels = [f"{p['name']} ({p['status']}{', ramping up' if p['ramping'] else ''})" for p in present]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("morale and fatigue (%)")
    ax.axvline(50, color="#BBBBBB", linewidth=0.8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    return fig


@styled
def stakeholders(names: dict[str, str], now: dict[str, float], start: dict[str, float]):
    """Each stakeholder's satisfaction now (bars) against where it started (marks), 0-100%."""
    ids = list(now)
    fig = figure(7.4, 0.9 + 0.35 * len(ids))
    ax = fig.add_subplot()
    y = -np.arange(len(ids))
    ax.barh(y, [100 * now[i] for i in ids], height=0.55, color=OKABE_ITO["green"], label="now")
    ax.plot([100 * start[i] for i in ids], y, linestyle="none", marker="|", markersize=16, markeredgewidth=2.5,
            color=OKABE_ITO["black"], label="at the start")
    ax.set_yticks(y, [names.get(i, i) for i in ids], fontsize=7)
    ax.set_xlim(0, 100)
    ax.set_xlabel("satisfaction (%)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    return fig


@styled
def defects(timeline: pd.DataFrame):
    """Defects found by tests so far (cumulative); each one became rework.

    Whole numbers on a scale of at least 0 to 5, so that none found reads as none, not as a 0.00 to 0.05 axis."""
    fig = figure(7.4, 2.6)
    ax = fig.add_subplot()
    most = float(timeline["defects_found"].max()) if len(timeline) else 0.0
    if len(timeline):
        ax.step(timeline_dates(timeline), timeline["defects_found"], where="post", color=OKABE_ITO["purple"], linewidth=2)
        date_axis(ax)
    else:
        ax.set_xticks([])
    if not most > 0:
        ax.text(0.5, 0.5, "No defects found by tests yet", transform=ax.transAxes, ha="center", va="center",
                color=OKABE_ITO["grey"])
    ax.set_ylabel("defects found (cumulative)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True)
    ax.set_ylim(0, max(5.0, most * 1.1))
    return fig

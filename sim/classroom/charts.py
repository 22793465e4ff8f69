"""Charts of a class (PNG bytes, the kit's style): outcomes against the yardsticks, the decision heat map, the
spread of the scorecard, two students side by side, and the duty ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap

from sim.results.charts.base import OKABE_ITO, figure, money_axis, styled

YARDSTICKS = {"reference": (OKABE_ITO["blue"], "--"), "passive": (OKABE_ITO["grey"], ":")}
RATING_COLOURS = {"good": OKABE_ITO["green"], "fair": OKABE_ITO["yellow"], "poor": OKABE_ITO["vermillion"]}
PAIR = (OKABE_ITO["orange"], OKABE_ITO["purple"])


def _ecdf(values) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, len(x) + 1) / max(1, len(x))


@styled
def outcomes(cohort: pd.DataFrame, studies: dict[str, pd.DataFrame], deadline_day: float, budget: float, currency: str):
    """The class's finish, cost and score (steps and dots) against Monte Carlo S-curves of the yardsticks."""
    fig = figure(9.6, 3.2)
    panels = (("finish_day", "finish (working day)", deadline_day), ("cost", f"cost ({currency})", budget),
              ("score", "score (points)", None))
    for i, (column, label, target) in enumerate(panels):
        ax = fig.add_subplot(1, 3, i + 1)
        for policy, runs in studies.items():
            colour, style = YARDSTICKS.get(policy, (OKABE_ITO["black"], "-"))
            x, y = _ecdf(runs[column])
            ax.plot(x, y, color=colour, linestyle=style, linewidth=1.6, label=f"{policy} ({len(runs)} runs)")
        x, y = _ecdf(cohort[column])
        ax.step(x, y, where="post", color=OKABE_ITO["orange"], linewidth=2.2, label=f"class ({len(cohort)})")
        ax.plot(x, y, "o", color=OKABE_ITO["orange"], markersize=3.5)
        if target is not None:
            ax.axvline(target, color=OKABE_ITO["vermillion"], linewidth=1, linestyle="-.", label="target")
        if column == "cost":
            money_axis(ax, currency, axis="x")
        ax.set_xlabel(label)
        ax.set_ylim(0, 1.02)
        ax.grid(True)
        if i == 0:
            ax.set_ylabel("share at or below")
    fig.axes[0].legend(loc="upper left", fontsize=7, frameon=False)
    fig.suptitle("The class against the reference PM and doing nothing (S-curves: further left is better for finish and cost, further right for the score)")
    return fig


@styled
def decision_heat(activity: dict[str, pd.DataFrame], labels: dict[str, str]):
    """Students (best first, top) by week: one panel per kind of decision; darker is more (or more overtime)."""
    names = list(activity)
    students = list(next(iter(activity.values())).index) if names else []
    fig = figure(9.6, 1.3 + 0.19 * max(4, len(students)))
    palette = LinearSegmentedColormap.from_list("itpm", ["#FFFFFF", OKABE_ITO["blue"]])
    for i, name in enumerate(names):
        grid = activity[name]
        ax = fig.add_subplot(1, len(names), i + 1)
        peak = float(np.nanmax(grid.to_numpy())) if grid.size else 0.0
        ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap=palette, vmin=0, vmax=peak or 1, interpolation="nearest")
        ax.set_title(f"{name} (max {peak:.0%})" if name == "overtime" else f"{name} (max {peak:.0f} a week)", fontsize=9)
        ax.set_xlabel("week")
        ax.set_yticks(range(len(students)), [labels.get(s, s) for s in students] if i == 0 else [], fontsize=6.5)
        ax.tick_params(axis="x", labelsize=7)
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#BBBBBB")
    fig.suptitle("Who decided what, and when (students best first)")
    return fig


@styled
def spread(cohort: pd.DataFrame, parts: list[str]):
    """Box plots of each scorecard part and the total across the class (0-100)."""
    columns = ["score"] + [f"score_{p}" for p in parts]
    fig = figure(7.4, 2.8)
    ax = fig.add_subplot()
    data = [cohort[c].astype(float).to_numpy() for c in columns]
    ax.boxplot(data, patch_artist=True, widths=0.55, boxprops={"facecolor": "#DCEBF5", "edgecolor": OKABE_ITO["blue"]},
               medianprops={"color": OKABE_ITO["vermillion"], "linewidth": 1.6})
    ax.set_xticks(range(1, len(columns) + 1), ["total"] + parts)
    rng = np.random.default_rng(0)  # a fixed jitter: the same picture every time
    for i, values in enumerate(data, 1):
        ax.plot(i + rng.uniform(-0.12, 0.12, len(values)), values, ".", color=OKABE_ITO["black"], alpha=0.55, markersize=3)
    ax.set_ylim(-2, 104)
    ax.set_ylabel("score (0-100)")
    ax.set_title("Where the class spread: the score and its parts")
    ax.grid(True, axis="y")
    return fig


@styled
def side_by_side(timelines: dict[str, pd.DataFrame], planned: tuple[float, ...], budget: float, currency: str):
    """Two (or more) students' progress against the plan, and their spending against the budget, by working day."""
    fig = figure(9.6, 3.0)
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(np.arange(1, len(planned) + 1), np.asarray(planned) * 100, color="#888888", linestyle="--", label="plan")
    ax2.axhline(budget, color=OKABE_ITO["vermillion"], linestyle="-.", linewidth=1, label="budget")
    for (label, t), colour in zip(timelines.items(), PAIR * 4, strict=False):
        ax1.plot(t["day"], t["progress"] * 100, color=colour, linewidth=2, label=label)
        ax2.plot(t["day"], t["cost"], color=colour, linewidth=2, label=label)
    ax1.set_ylabel("work done (%)")
    ax2.set_ylabel(f"spent ({currency})")
    money_axis(ax2, currency)
    for ax, title in ((ax1, "Progress"), (ax2, "Spending")):
        ax.set_xlabel("working day")
        ax.set_title(title)
        ax.grid(True)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    return fig


@styled
def duty_ratings(ratings: pd.DataFrame):
    """Per PM duty, how many students were rated good, fair and poor (stacked bars)."""
    fig = figure(7.4, 0.6 + 0.32 * len(ratings))
    ax = fig.add_subplot()
    left = np.zeros(len(ratings))
    y = np.arange(len(ratings))[::-1]
    for rating, colour in RATING_COLOURS.items():
        values = ratings.get(rating, pd.Series(0, index=ratings.index)).to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, edgecolor="white", label=rating)
        for yi, li, v in zip(y, left, values, strict=True):
            if v:
                ax.text(li + v / 2, yi, f"{v:.0f}", ha="center", va="center", fontsize=7)
        left += values
    ax.set_yticks(y, ratings.index, fontsize=8)
    ax.set_xlabel("students")
    ax.legend(ncol=3, fontsize=8, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return fig

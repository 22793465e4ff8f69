"""Money charts: earned value, budget burn, and the spread of the plan forecast."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from sim.engine import evm

from .base import (
    OKABE_ITO,
    DateOf,
    compact,
    date_axis,
    figure,
    money_axis,
    styled,
    timeline_dates,
    when,
)


def planned_value(cost_plan: tuple[float, ...], budget: float) -> np.ndarray:
    """PV at the end of each working day of the plan: BAC x PV% of the time-phased budget."""
    return budget * evm.value_share(cost_plan, np.arange(1, len(cost_plan) + 1, dtype=float))


@styled
def earned_value(timeline: pd.DataFrame, cost_plan: tuple[float, ...], budget: float, currency: str, date_of: DateOf):
    """PV over the whole plan (the S-curve), EV and AC to date, and the budget at completion.

    PV is the time-phased budget, BAC x PV% (``evm.value_share`` of the baseline's ``cost`` plan): the PV that SPI
    and the timeline's EV are measured against, so the chart and the status figures tell one story."""
    fig = figure(7.4, 3.1)
    ax = fig.add_subplot()
    days = np.arange(1, len(cost_plan) + 1, dtype=float)
    ax.plot([when(date_of, d - 1) for d in days], planned_value(cost_plan, budget), color="#777777",
            linestyle="--", label="PV planned value")
    if len(timeline):
        x = timeline_dates(timeline)
        ax.plot(x, timeline["ev"], color=OKABE_ITO["blue"], linewidth=2, label="EV earned value")
        ax.plot(x, timeline["ac"], color=OKABE_ITO["vermillion"], linewidth=2, linestyle="-.", label="AC actual cost")
    ax.axhline(budget, color=OKABE_ITO["black"], linewidth=0.8, linestyle=":", label="BAC budget")
    money_axis(ax, currency)
    date_axis(ax)
    ax.set_title("Earned value: behind plan when EV < PV; over cost when AC > EV")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(True)
    return fig


@styled
def budget_burn(timeline: pd.DataFrame, budget: float, reserve: float, spent: float, now: float,
                forecast_day: float, forecast_cost: float, currency: str, date_of: DateOf):
    """Money spent to date, the budget and the reserve, and the forecast to completion (EAC)."""
    fig = figure(7.4, 3.1)
    ax = fig.add_subplot()
    if len(timeline):
        ax.fill_between(timeline_dates(timeline), timeline["cost"], color=OKABE_ITO["sky"], alpha=0.5, label="spent")
    ax.plot([when(date_of, now), when(date_of, max(now, forecast_day))], [spent, forecast_cost],
            color=OKABE_ITO["vermillion"], linestyle="--", marker="o", label=f"forecast to completion (EAC {currency} {compact(forecast_cost)})")
    ax.axhline(budget, color=OKABE_ITO["black"], linewidth=1, label="budget")
    ax.axhline(budget + reserve, color=OKABE_ITO["green"], linewidth=1, linestyle=":", label="budget + reserve")
    ax.set_ylim(0, max(budget + reserve, forecast_cost) * 1.08)
    money_axis(ax, currency)
    date_axis(ax)
    ax.set_title("Budget burn")
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax.grid(True)
    return fig


@styled
def forecast_spread(finish_dates: list[dt.date], costs: list[float], p50: tuple, p80: tuple,
                    deadline: dt.date, money_limit: float, currency: str):
    """Histograms of the simulated finish dates and costs, with P50, P80, the deadline and budget + reserve."""
    fig = figure(7.4, 2.6)
    left, right = fig.subplots(1, 2)
    left.hist(mdates.date2num(finish_dates), bins=25, color=OKABE_ITO["sky"])
    for value, style, label in ((p50[0], "-", "P50"), (p80[0], "--", "P80")):
        left.axvline(mdates.date2num(value), color=OKABE_ITO["blue"], linestyle=style, label=label)
    left.axvline(mdates.date2num(deadline), color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.8, label="deadline")
    date_axis(left)
    left.set_xlabel("finish date")
    left.set_ylabel("runs")
    left.legend(fontsize=7, frameon=False)
    right.hist(costs, bins=25, color=OKABE_ITO["orange"], alpha=0.8)
    for value, style, label in ((p50[1], "-", "P50"), (p80[1], "--", "P80")):
        right.axvline(value, color=OKABE_ITO["blue"], linestyle=style, label=label)
    right.axvline(money_limit, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.8, label="budget + reserve")
    money_axis(right, f"cost ({currency})", axis="x")
    right.legend(fontsize=7, frameon=False)
    return fig

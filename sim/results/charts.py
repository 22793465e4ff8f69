"""Static matplotlib charts of runs and studies: they render the same in JupyterLab, Voilà and HTML reports.

Colours are the Okabe-Ito palette, safe for colour-blind readers.  Every axis
carries its unit; dates are calendar dates.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000", "grey": "#999999",
}


def _figure(width: float = 7.5, height: float = 3.2) -> tuple[Figure, plt.Axes]:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _dates(ax) -> None:
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %y"))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def data_uri(fig: Figure) -> str:
    """The figure as an embeddable PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(png(fig)).decode()


def earned_value(timeline: pd.DataFrame, currency: str) -> Figure:
    """PV, EV and AC over time (PMBOK earned value)."""
    fig, ax = _figure()
    ax.plot(timeline["date"], timeline["pv"], color=OKABE_ITO["grey"], label="Planned value (PV)")
    ax.plot(timeline["date"], timeline["ev"], color=OKABE_ITO["blue"], label="Earned value (EV)")
    ax.plot(timeline["date"], timeline["ac"], color=OKABE_ITO["vermillion"], linestyle="--", label="Actual cost (AC)")
    ax.set_ylabel(f"{currency}")
    ax.set_title("Earned value")
    ax.legend(loc="upper left", fontsize="small")
    _dates(ax)
    return fig


def budget_burn(timeline: pd.DataFrame, currency: str) -> Figure:
    """Cumulative cost against the budget and the budget plus reserve."""
    fig, ax = _figure()
    ax.fill_between(timeline["date"], timeline["cost"], color=OKABE_ITO["sky"], alpha=0.5, label="Spent")
    ax.plot(timeline["date"], timeline["budget"], color=OKABE_ITO["black"], label="Budget at completion")
    ax.plot(timeline["date"], timeline["budget"] + timeline["reserve"], color=OKABE_ITO["orange"], linestyle=":", label="Budget + reserve")
    ax.set_ylabel(currency)
    ax.set_title("Budget burn")
    ax.legend(loc="upper left", fontsize="small")
    _dates(ax)
    return fig


def gantt(tasks: pd.DataFrame, date_of, critical: set[str] | frozenset = frozenset()) -> Figure:
    """Planned (grey) against actual (blue; critical path in vermillion) bars per task; ``date_of`` maps a day to a date."""
    rows = tasks.reset_index(drop=True)
    fig, ax = _figure(7.5, max(3.0, 0.22 * len(rows) + 1))
    for i, t in rows.iterrows():
        if pd.notna(t["planned_start"]) and pd.notna(t["planned_finish"]):
            start, end = date_of(t["planned_start"]), date_of(t["planned_finish"])
            ax.barh(i, max((end - start).days, 1), left=start, height=0.8, color=OKABE_ITO["grey"], alpha=0.45)
        if pd.notna(t["start"]):
            start = date_of(t["start"])
            end = date_of(t["finish"]) if pd.notna(t["finish"]) else None
            if end is not None:
                colour = OKABE_ITO["vermillion"] if t["id"] in critical else OKABE_ITO["blue"]
                ax.barh(i, max((end - start).days, 1), left=start, height=0.4, color=colour)
    ax.set_yticks(range(len(rows)), [str(n)[:38] for n in rows["name"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_title("Schedule: plan (grey), actual (blue), critical path (vermillion)")
    ax.xaxis_date()
    _dates(ax)
    return fig


def team_health(timeline: pd.DataFrame) -> Figure:
    """Mean morale and fatigue of the team, 0 to 1."""
    fig, ax = _figure()
    ax.plot(timeline["date"], timeline["morale"], color=OKABE_ITO["green"], label="Morale (0-1)")
    ax.plot(timeline["date"], timeline["fatigue"], color=OKABE_ITO["vermillion"], linestyle="--", label="Fatigue (0-1)")
    ax.set_ylim(0, 1)
    ax.set_title("Team health")
    ax.legend(loc="lower left", fontsize="small")
    _dates(ax)
    return fig


def satisfaction(timeline: pd.DataFrame) -> Figure:
    """Mean stakeholder satisfaction, 0 to 1."""
    fig, ax = _figure()
    ax.plot(timeline["date"], timeline["satisfaction"], color=OKABE_ITO["purple"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("satisfaction (0-1)")
    ax.set_title("Stakeholder satisfaction")
    _dates(ax)
    return fig


def defects(timeline: pd.DataFrame, show_latent: bool = False) -> Figure:
    """Defects found by tests over time (and, after the project, the ones still hidden)."""
    fig, ax = _figure()
    ax.plot(timeline["date"], timeline["defects_found"], color=OKABE_ITO["blue"], label="Found in test (cumulative)")
    if show_latent:
        ax.plot(timeline["date"], timeline["latent_defects"], color=OKABE_ITO["orange"], linestyle=":", label="Hidden (known only afterwards)")
    ax.set_ylabel("defects")
    ax.set_title("Defects")
    ax.legend(loc="upper left", fontsize="small")
    _dates(ax)
    return fig


def s_curves(runs: pd.DataFrame, deadline_day: float | None, budget: float | None, currency: str) -> Figure:
    """Cumulative probability of finish day and of cost across Monte Carlo runs."""
    fig = Figure(figsize=(7.5, 3.0), dpi=100, layout="constrained")
    for ax, column, label, line in ((fig.add_subplot(1, 2, 1), "finish_day", "finish (working day)", deadline_day),
                                     (fig.add_subplot(1, 2, 2), "cost", f"cost ({currency})", budget)):
        values = runs[column].sort_values().to_numpy()
        ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], color=OKABE_ITO["blue"])
        if line is not None:
            ax.axvline(line, color=OKABE_ITO["vermillion"], linestyle="--", label="target")
            ax.legend(fontsize="small", loc="lower right")
        ax.set_xlabel(label)
        ax.set_ylabel("probability of at most")
        ax.set_ylim(0, 1)
    fig.suptitle("S-curves")
    return fig


def tornado(table: pd.DataFrame, column: str = "finish_day_variance_share", top: int = 10) -> Figure:
    """Risks ranked by their share of the variance of the finish (or cost)."""
    rows = table.head(top).iloc[::-1]
    fig, ax = _figure(7.5, max(2.5, 0.3 * len(rows) + 1))
    ax.barh(rows["risk"], rows[column] * 100, color=OKABE_ITO["orange"])
    ax.set_xlabel("share of variance explained (%)")
    ax.set_title("Risk tornado" + (" (finish)" if column.startswith("finish") else " (cost)"))
    return fig


def risk_heatmap(risks: list[dict], indicators: list[dict], impact_of) -> Figure:
    """Probability against impact for the register; warned risks are ringed, hit ones filled black."""
    fig, ax = _figure(7.5, 3.4)
    warned = {i["risk"] for i in indicators}
    for r in risks:
        impact = impact_of(r)
        colour = OKABE_ITO["black"] if r["hit"] else OKABE_ITO["vermillion"] if r["id"] in warned else OKABE_ITO["sky"]
        ax.scatter(r["probability"], impact, s=60, color=colour, edgecolor=OKABE_ITO["black"], zorder=3)
        ax.annotate(r["id"], (r["probability"], impact), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (after responses bought)")
    ax.set_ylabel("impact (money equivalent)")
    ax.set_title("Risk heat map: blue open, vermillion early warning, black hit")
    return fig

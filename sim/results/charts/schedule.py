"""The Gantt chart: each task's actual bar against its planned bar, with the plan's critical path."""

from __future__ import annotations

from collections.abc import Collection

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.engine import TaskStatus

from .base import OKABE_ITO, DateOf, date_axis, figure, styled, when

STATE_COLOUR = {TaskStatus.DONE: OKABE_ITO["blue"], TaskStatus.ACTIVE: OKABE_ITO["orange"], TaskStatus.ORDERED: OKABE_ITO["sky"],
                TaskStatus.WINDOW: OKABE_ITO["purple"]}
STATE_LABEL = {TaskStatus.DONE: "done", TaskStatus.ACTIVE: "in progress", TaskStatus.ORDERED: "waiting for vendor",
               TaskStatus.WINDOW: "waiting for a cutover window"}


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@styled
def gantt(tasks: list[dict], now: float, deadline_day: float, date_of: DateOf, critical: Collection[str]):
    """Planned (grey) against actual bars for every task, today and the deadline; the ``critical`` tasks (the plan's
    critical path, ``sim.engine.plan_critical_path``) outlined."""
    fig = figure(7.4, 1.1 + 0.19 * len(tasks))
    ax = fig.add_subplot()
    labels = []
    for row, task in enumerate(tasks):
        y = -row
        crit = task["id"] in critical
        ps, pf = task.get("planned_start"), task.get("planned_finish")
        edge = {"edgecolor": OKABE_ITO["vermillion"], "linewidth": 1.6} if crit else {"edgecolor": "none"}
        if ps is not None and pf is not None:
            if task["kind"] == "milestone":
                ax.plot([when(date_of, pf)], [y], marker="D", markersize=6, color="#BBBBBB",
                        markeredgecolor=OKABE_ITO["vermillion"] if crit else "#777777")
            else:
                ax.barh(y, max(0.6, when(date_of, pf) - when(date_of, ps)), left=when(date_of, ps), height=0.75,
                        color="#DDDDDD", **edge)
        start, finish, state = task.get("start"), task.get("finish"), task["state"]
        if state == TaskStatus.CUT:
            ax.text(when(date_of, ps if ps is not None else now), y, " cut", va="center", fontsize=7, color="#555555")
        elif start is not None:
            end = finish if finish is not None else now
            colour = STATE_COLOUR.get(state, OKABE_ITO["blue"])
            if task["kind"] == "milestone":
                ax.plot([when(date_of, end)], [y], marker="D", markersize=5, color=colour)
            else:
                ax.barh(y, max(0.4, when(date_of, end) - when(date_of, start)), left=when(date_of, start), height=0.35,
                        color=colour, hatch="////" if state == TaskStatus.ACTIVE else None, edgecolor="white", linewidth=0)
        labels.append(("◆ " if crit else "") + _short(task["name"]))
    ax.set_yticks([-r for r in range(len(tasks))], labels, fontsize=7)
    for tick, task in zip(ax.get_yticklabels(), tasks, strict=True):
        if task["id"] in critical:
            tick.set_fontweight("bold")
    ax.axvline(when(date_of, now), color=OKABE_ITO["black"], linestyle="--", linewidth=1)
    ax.axvline(when(date_of, deadline_day), color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.5)
    ax.set_ylim(-len(tasks) + 0.4, 0.8)
    date_axis(ax)
    ax.grid(True, axis="x")
    handles = [
        Patch(facecolor="#DDDDDD", label="plan"),
        Patch(facecolor="#DDDDDD", edgecolor=OKABE_ITO["vermillion"], linewidth=1.6, label="◆ critical path (plan)"),
        Patch(facecolor=OKABE_ITO["blue"], label="done"),
        Patch(facecolor=OKABE_ITO["orange"], hatch="////", edgecolor="white", label="in progress"),
        *[Patch(facecolor=STATE_COLOUR[state], label=STATE_LABEL[state]) for state in (TaskStatus.ORDERED, TaskStatus.WINDOW)
          if any(t["state"] == state for t in tasks)],
        Line2D([], [], color=OKABE_ITO["black"], linestyle="--", label="today"),
        Line2D([], [], color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.5, label="deadline"),
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    return fig

"""The dependency network: every task as a box at its planned dates, arrows from each dependency, and the plan's
critical path drawn in vermillion (for scenario authors)."""

from __future__ import annotations

from collections.abc import Collection

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .base import OKABE_ITO, figure, styled
from .schedule import _short

PHASE_FILLS = ("#E8F1F8", "#FDF1DC", "#E3F4EE", "#F6E6EF", "#EEF7FC", "#FBF8D8")
WIDTH = 9.6  # inches
FONT = 6.5  # points
LABEL = 34  # characters of a task's name shown at most


def lanes(spans: dict[str, tuple[float, float]]) -> dict[str, int]:
    """A row for each task so that nothing overlaps: each span (start, end) goes to the first row free at its start."""
    ends: list[float] = []
    out = {}
    for ident, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0])):
        row = next((i for i, last in enumerate(ends) if last <= start + 1e-9), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = end
        out[ident] = row
    return out


@styled
def network(tasks: list[dict], critical: Collection[str], deadline_day: float | None = None, title: str = ""):
    """Tasks (``World.task_card`` dicts with planned dates) as boxes on a working-day axis, linked by their
    dependencies; the plan's ``critical`` path (``sim.engine.plan_critical_path``) in vermillion, milestones as
    diamonds, phases by colour."""
    planned = [t for t in tasks if t.get("planned_start") is not None and t.get("planned_finish") is not None]
    critical = set(critical)
    by_id = {t["id"]: t for t in planned}
    phases = list(dict.fromkeys(t["phase"] for t in planned))
    fill = {p: PHASE_FILLS[i % len(PHASE_FILLS)] for i, p in enumerate(phases)}
    end = max([t["planned_finish"] for t in planned] + ([deadline_day] if deadline_day else []), default=1.0)
    span = end * 1.04 + 3
    days_per_char = span / (0.88 * WIDTH * 72) * FONT * 0.6  # the x axis is about 88% of the figure wide
    label = {t["id"]: _short(t["name"], LABEL) for t in planned}

    def box(t: dict) -> tuple[float, float]:
        """Where a task's box and its label lie on the day axis (a milestone's label is to its right)."""
        left = t["planned_finish"] if t["kind"] == "milestone" else t["planned_start"]
        text = left + 0.6 + days_per_char * len(label[t["id"]])
        return left, max(t["planned_finish"] + 0.6, text + 0.5)

    row = lanes({t["id"]: box(t) for t in planned})
    rows = max(row.values(), default=0) + 1
    fig = figure(WIDTH, 1.3 + 0.3 * rows)
    ax = fig.add_subplot()
    for task in planned:
        y = -row[task["id"]]
        on_path = task["id"] in critical
        edge = OKABE_ITO["vermillion"] if on_path else "#777777"
        start, finish = task["planned_start"], task["planned_finish"]
        if task["kind"] == "milestone":
            ax.plot([finish], [y], marker="D", markersize=7, color=edge, zorder=3)
            ax.text(finish + 0.6, y, label[task["id"]], va="center", fontsize=FONT,
                    fontweight="bold" if on_path else "normal", zorder=4)
            continue
        width = max(0.6, finish - start)
        ax.add_patch(FancyBboxPatch((start, y - 0.32), width, 0.64, boxstyle="round,pad=0,rounding_size=0.15",
                                    facecolor=fill[task["phase"]], edgecolor=edge, linewidth=2.0 if on_path else 0.8, zorder=2))
        ax.text(start + 0.4, y, label[task["id"]], va="center", fontsize=FONT, fontweight="bold" if on_path else "normal",
                zorder=4)
    for task in planned:
        for dep in task["depends_on"]:
            if dep not in by_id:
                continue
            source = by_id[dep]
            both = dep in critical and task["id"] in critical
            ax.add_patch(FancyArrowPatch((source["planned_finish"], -row[dep]), (task["planned_start"], -row[task["id"]]),
                                         arrowstyle="-|>", mutation_scale=7, linewidth=1.6 if both else 0.6,
                                         color=OKABE_ITO["vermillion"] if both else "#999999",
                                         connectionstyle="arc3,rad=0.0", zorder=1, shrinkA=0, shrinkB=0))
    if deadline_day:
        ax.axvline(deadline_day, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.4)
        ax.text(deadline_day, 0.5, " deadline", color=OKABE_ITO["vermillion"], fontsize=7, va="bottom")
    ax.set_xlim(-1, span)
    ax.set_ylim(-rows + 0.4, 0.9)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("working day (planned dates: expected efforts, the starting team, no luck)")
    ax.grid(True, axis="x")
    handles = [FancyBboxPatch((0, 0), 1, 1, facecolor=fill[p], edgecolor="#777777", label=p) for p in phases]
    handles.append(FancyBboxPatch((0, 0), 1, 1, facecolor="white", edgecolor=OKABE_ITO["vermillion"], linewidth=2,
                                  label="critical path"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(8, len(handles)), fontsize=7, frameon=False)
    if title:
        ax.set_title(title)
    return fig

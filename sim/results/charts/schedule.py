"""The Gantt chart: each task's actual bar against its planned bar, with the plan's critical path."""

from __future__ import annotations

import io
import math
from collections.abc import Collection
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from sim.engine import TaskStatus

from .base import DPI, OKABE_ITO, STYLE, DateOf, date_axis, figure, when

STATE_COLOUR: dict[str, str] = {TaskStatus.DONE: OKABE_ITO["blue"], TaskStatus.ACTIVE: OKABE_ITO["orange"], TaskStatus.ORDERED: OKABE_ITO["sky"],
                TaskStatus.WINDOW: OKABE_ITO["purple"]}
# The waiting states a task of a kind passes through (sim.engine.project: every procurement waits for its vendor,
# every cutover for its window).  The legend lists them from the first week when the plan holds such a task, so
# that it, and with it the chart's layout, stays the same all project long: a legend that grew when a task first
# waited meant drawing the background afresh (some 0.7 s of CPU) in the middle of a week's advance.
PASSES_THROUGH = {"procurement": TaskStatus.ORDERED, "cutover": TaskStatus.WINDOW}
STATE_LABEL = {TaskStatus.DONE: "done", TaskStatus.ACTIVE: "in progress", TaskStatus.ORDERED: "waiting for vendor",
               TaskStatus.WINDOW: "waiting for a cutover window"}


PNG_LEVEL = 3  # zlib's level for the redrawn chart: 2.3 times faster than the default 6, and smaller for this image


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


class GanttPainter:
    """The Gantt chart, drawn again and again as a project moves: what does not move is drawn once.

    Planned (grey) against actual bars for every task, today and the deadline; critical tasks outlined.  The
    task labels are most of the drawing work (text is slow to render), and they, the planned bars, the axes
    and the legend stay the same from one status point to the next.  So they are rendered once into a
    background image, kept while the plan, the deadline, the axis range and the legend's entries stay the
    same, and each call only draws the moving parts (actual bars, today, the deadline line above them) on a
    copy of it: a dashboard redraws this chart at every week's advance.
    """

    def __init__(self):
        self._key: tuple | None = None
        self._fig: Any = None  # the Figure, Axes and background image of the last static drawing
        self._ax: Any = None
        self._background: Any = None

    def png(self, tasks: list[dict], now: float, deadline_day: float, date_of: DateOf, critical: Collection[str]) -> bytes:
        """The chart as PNG bytes; ``critical`` is the plan's critical path (``sim.engine.plan_critical_path``)."""
        critical = set(critical)
        with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # the stubs list rc keys as literals, not str
            # The legend names the waiting states the project's kinds of task can be in, not those seen today:
            # keyed on today's states, the background was drawn again whenever an order went out or came in.
            states = tuple(state for kind, state in PASSES_THROUGH.items() if any(t["kind"] == kind for t in tasks))
            limits = _x_limits(tasks, now, deadline_day, date_of)
            key = (tuple((t["id"], t["name"], t["kind"], t.get("planned_start"), t.get("planned_finish")) for t in tasks),
                   deadline_day, limits, states, frozenset(critical))
            if key != self._key:
                self._draw_static(tasks, critical, states, limits, date_of)
                self._key = key
            return self._draw_moving(tasks, now, deadline_day, date_of)

    def _draw_static(self, tasks, critical, states, limits, date_of) -> None:
        fig = figure(7.4, 1.1 + 0.19 * len(tasks), layout=None)
        ax = fig.add_subplot()
        plan_bars: list[tuple] = []
        plan_marks: dict[bool, list[tuple]] = {True: [], False: []}
        for row, task in enumerate(tasks):
            ps, pf = task.get("planned_start"), task.get("planned_finish")
            if ps is None or pf is None:
                continue
            crit = task["id"] in critical
            if task["kind"] == "milestone":
                plan_marks[crit].append((when(date_of, pf), -row))
            else:
                plan_bars.append((-row, max(0.6, when(date_of, pf) - when(date_of, ps)), when(date_of, ps), crit))
        if plan_bars:
            ys, widths, lefts, crits = zip(*plan_bars, strict=True)
            ax.barh(ys, widths, left=lefts, height=0.75, color="#DDDDDD",
                    edgecolor=[OKABE_ITO["vermillion"] if c else "none" for c in crits],
                    linewidth=[1.6 if c else 0 for c in crits])
        for crit, points in plan_marks.items():
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, linestyle="none", marker="D", markersize=6, color="#BBBBBB",
                        markeredgecolor=OKABE_ITO["vermillion"] if crit else "#777777")
        labels = [("◆ " if t["id"] in critical else "") + _short(t["name"]) for t in tasks]
        ax.set_yticks([-r for r in range(len(tasks))], labels, fontsize=7)
        for tick, task in zip(ax.get_yticklabels(), tasks, strict=True):
            if task["id"] in critical:
                tick.set_fontweight("bold")
        ax.set_ylim(-len(tasks) + 0.4, 0.8)
        ax.set_xlim(*limits)
        date_axis(ax)
        ax.tick_params(axis="x", top=True, labeltop=True)  # dates above too: a long plan scrolls its box
        ax.grid(True, axis="x")
        handles = [
            Patch(facecolor="#DDDDDD", label="plan"),
            Patch(facecolor="#DDDDDD", edgecolor=OKABE_ITO["vermillion"], linewidth=1.6, label="◆ critical path (plan)"),
            Patch(facecolor=OKABE_ITO["blue"], label="done"),
            Patch(facecolor=OKABE_ITO["orange"], hatch="////", edgecolor="white", label="in progress"),
            *[Patch(facecolor=STATE_COLOUR[state], label=STATE_LABEL[state]) for state in states],
            Line2D([], [], color=OKABE_ITO["black"], linestyle="--", label="today"),
            Line2D([], [], color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.5, label="deadline"),
        ]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False,
                  borderaxespad=2.4)  # clear of the dates above the bars
        fig.tight_layout(pad=0.3)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        self._fig, self._ax, self._background = fig, ax, canvas.copy_from_bbox(fig.bbox)

    def _draw_moving(self, tasks, now, deadline_day, date_of) -> bytes:
        ax, canvas = self._ax, self._fig.canvas
        moving = []
        bars: dict[str, list] = {}
        for row, task in enumerate(tasks):
            y, ps = -row, task.get("planned_start")
            start, finish, state = task.get("start"), task.get("finish"), task["state"]
            if state == TaskStatus.CUT:
                moving.append(ax.text(when(date_of, ps if ps is not None else now), y, " cut", va="center", fontsize=7,
                                      color="#555555"))
            elif start is not None:
                end = finish if finish is not None else now
                if task["kind"] == "milestone":
                    moving += ax.plot([when(date_of, end)], [y], marker="D", markersize=5,
                                      color=STATE_COLOUR.get(state, OKABE_ITO["blue"]))
                else:
                    bars.setdefault(state, []).append(
                        (y, max(0.4, when(date_of, end) - when(date_of, start)), when(date_of, start)))
        for state, rows in bars.items():
            ys, widths, lefts = zip(*rows, strict=True)
            moving += ax.barh(ys, widths, left=lefts, height=0.35, color=STATE_COLOUR.get(state, OKABE_ITO["blue"]),
                              hatch="////" if state == TaskStatus.ACTIVE else None, edgecolor="white", linewidth=0).patches
        moving.append(ax.axvline(when(date_of, now), color=OKABE_ITO["black"], linestyle="--", linewidth=1))
        moving.append(ax.axvline(when(date_of, deadline_day), color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.5))
        canvas.restore_region(self._background)
        for artist in moving:
            artist.set_animated(True)
            ax.draw_artist(artist)
        # The figure is opaque, so RGB holds the same pixels as RGBA; zlib level 3 instead of 6: a week's advance
        # spent more CPU compressing this image than drawing it (benchmarks/README.md, "Where a week's advance goes").
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        for artist in moving:
            artist.remove()
        out = io.BytesIO()
        image.save(out, format="png", dpi=(DPI, DPI), compress_level=PNG_LEVEL)
        return out.getvalue()


def _x_limits(tasks: list[dict], now: float, deadline_day: float, date_of: DateOf) -> tuple[float, float]:
    """The date axis: every planned and actual bar, today and the deadline, with a margin each side.

    The margin is 5% of the span of the plan and the deadline, which do not move, and the right end is the first
    date plus a whole number of 30 days: so the range (and with it the background) stays the same from week to week
    while a project keeps within it.  (A margin of the whole span grew with every week of a late project, and the
    background was drawn again each week.)"""
    planned = [deadline_day] + [d for t in tasks for d in (t.get("planned_start"), t.get("planned_finish")) if d is not None]
    days = [now, *planned] + [d for t in tasks for d in (t.get("start"), t.get("finish")) if d is not None]
    lo, hi = when(date_of, min(days)), when(date_of, max(days))
    margin = 0.05 * max(when(date_of, max(planned)) - lo, 1.0)
    return lo - margin, lo + 30 * math.ceil((hi + margin - lo) / 30)


def gantt(tasks: list[dict], now: float, deadline_day: float, date_of: DateOf, critical: Collection[str]) -> bytes:
    """The Gantt chart as PNG bytes, once (see GanttPainter for one that is redrawn)."""
    return GanttPainter().png(tasks, now, deadline_day, date_of, critical)

"""The Gantt painter keeps what did not move between weeks, and never shows a stale chart."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import numpy as np
from PIL import Image

from sim.engine import Session, World, plan_critical_path
from sim.results.charts import GanttPainter, gantt
from sim.results.charts.schedule import _x_limits


def _reports(weeks: int):
    session = Session(World.from_file("software_build"), seed=3)
    reports = [session.observe()]
    for _ in range(weeks):
        reports.append(session.step([]))
    return session, reports


def test_a_repainted_chart_is_the_chart_drawn_afresh():
    session, reports = _reports(3)
    date = session.world.calendar.date
    critical = plan_critical_path(session.world)
    painter = GanttPainter()
    drawn = [painter.png(r.tasks, r.day, r.deadline_day, date, critical) for r in reports]
    assert painter._key is not None and len(set(drawn)) == len(drawn)  # each week's chart differs
    for r, png in zip(reports, drawn, strict=True):
        assert png == gantt(r.tasks, r.day, r.deadline_day, date, critical)
    # the PNG is the canvas's picture, pixel for pixel: an opaque figure, sent as RGB
    rgba = np.asarray(painter._fig.canvas.buffer_rgba())
    assert (rgba[..., 3] == 255).all()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(drawn[-1]))), rgba[..., :3])


def test_the_date_axis_covers_plan_and_today_with_margins_and_runs_whole_30_days():
    tasks = [{"planned_start": 0, "planned_finish": 100, "start": 0, "finish": None}]
    lo, hi = _x_limits(tasks, now=50, deadline_day=120, date_of=lambda d: dt.date(2027, 1, 1) + dt.timedelta(days=int(d)))
    origin = 20819.0  # matplotlib's day number of 2027-01-01 (days since 1970-01-01)
    assert lo == origin - 6.0  # 5% of the 120 days spanned
    assert hi == origin + 150  # the first date + 120 days + 6 of margin, rounded up to 5 x 30 days
    late = [{"planned_start": 0, "planned_finish": 100, "start": 0, "finish": 165}]
    later = [{"planned_start": 0, "planned_finish": 100, "start": 0, "finish": 168}]
    late_limits = _x_limits(late, 160, 120, lambda d: dt.date(2027, 1, 1) + dt.timedelta(days=int(d)))
    assert late_limits[0] == lo  # a late project does not move the left end (the margin is the plan's)
    assert late_limits == _x_limits(later, 162, 120, lambda d: dt.date(2027, 1, 1) + dt.timedelta(days=int(d)))


def test_the_background_is_drawn_once_a_project_while_its_date_range_holds():
    session = Session(World.from_file("network_migration", "hard"), seed=3)  # procurements and cutovers; runs late
    date = session.world.calendar.date
    critical = plan_critical_path(session.world)
    painter, drawn = GanttPainter(), []
    draw_static = painter._draw_static
    painter._draw_static = lambda *a: drawn.append(a[3]) or draw_static(*a)  # the date range of each background
    report = session.observe()
    painter.png(report.tasks, report.day, report.deadline_day, date, critical)
    legend = [t.get_text() for t in painter._ax.get_legend().get_texts()]
    assert "waiting for vendor" in legend and "waiting for a cutover window" in legend  # before any task waits
    assert not any(t["state"] in ("ordered", "window") for t in report.tasks)
    while not session.done:
        report = session.step([])
        painter.png(report.tasks, report.day, report.deadline_day, date, critical)
    # a background for the project's first 30-day range, and one more each time it runs 30 days later (it runs late)
    assert len(drawn) == len({hi for _, hi in drawn}) >= 2
    assert all(b[1] - a[1] > 0 and (b[1] - a[1]) % 30 == 0 for a, b in itertools.pairwise(drawn))
    assert report.day > report.deadline_day and len(drawn) < session.stops / 4


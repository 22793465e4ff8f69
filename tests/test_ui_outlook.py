"""The live forecast in the trainee app (issue 14): computed off the week's critical path, for the project as it
stands after every week and decision, shown on the dashboard, and equal to the engine's forecast of the same state."""

from __future__ import annotations

import os

import pytest

from sim.engine import Session, World, outlook
from sim.ui.dashboard import Dashboard
from sim.ui.model import PlayModel

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the live forecast forks")


@pytest.fixture()
def model(tmp_path):
    m = PlayModel(tmp_path, scenario="network_migration", seed=3)
    m.live_runs = 24  # a few futures: what is tested is which state they continue, not their precision
    assert m.start(), m.message
    assert m.commit_plan(), m.message
    return m


def test_committing_the_plan_starts_a_forecast_of_the_project_as_it_stands(model):
    dashboard = Dashboard(model)
    result = model.wait_for_outlook()
    assert result is not None and model.outlook_note == ""
    assert (result.day, result.runs) == (model.report.day, 24)
    twin = Session(World.from_file("network_migration", "standard"), 3)  # no plan decisions: the same state
    assert outlook.forecast(twin, runs=24) == result
    line = dashboard.outlook.value
    p50 = model.date(result.p50_finish_day - 1)
    assert f"finish P50 <b>{p50:%a} {p50.day} {p50:%b %Y}</b>" in line, line
    assert "24 futures from the start" in line and f"{round(100 * result.on_time)}%</b> on time" in line


def test_every_week_and_decision_gets_a_new_forecast_and_a_stale_one_never_shows(model):
    dashboard = Dashboard(model)
    model.advance()
    assert model.outlook_note == "updating"  # the week shows at once; the forecast follows
    model.advance()  # before the first week's forecast arrives: it is cancelled and dropped
    result = model.wait_for_outlook()
    assert result.day == model.report.day == 10
    assert f'data-day="{result.day:g}"' in dashboard.outlook.value
    before = result
    hire = next(p for p in model.report.market if p["available"])
    assert model.decide({"type": "hire", "profile": hire["id"]}), model.message
    after = model.wait_for_outlook()
    assert after is not before and after.day == 10
    assert after.costs != before.costs  # the hire costs money in every future


def test_the_first_futures_show_at_once_and_the_lights_wait_for_all_of_them(model):
    model.live_runs = outlook.FIRST_RUNS + 16
    dashboard = Dashboard(model)
    seen: list[tuple[str, str]] = []  # the forecast line and the KPIs, at every change of either
    for view in (dashboard.outlook, dashboard.kpis):
        view.observe(lambda _: seen.append((dashboard.outlook.value, dashboard.kpis.value)), "value")
    model.advance()
    whole = model.wait_for_outlook()
    assert whole.runs == model.live_runs
    first = [(line, kpis) for line, kpis in seen if f"first {outlook.FIRST_RUNS} of {model.live_runs} futures, the rest coming" in line]
    assert first, seen
    for line, kpis in first:
        assert f'data-day="{whole.day:g}"' in line and f"({outlook.FIRST_RUNS} futures from" in line
        assert "from today&#x27;s trend, until the live forecast arrives" in kpis  # no light from a partial reading
    line, kpis = seen[-1]
    assert f"({model.live_runs} futures from" in line and "the rest coming" not in line and "updating" not in line
    assert f"from the live forecast: {round(100 * whole.on_time)}% of its futures finish on time" in kpis


def test_no_forecast_once_the_project_has_ended_and_none_when_turned_off(tmp_path, model):
    model.session.run(lambda report: [])
    model.report = model.session.observe()
    assert model.outlook is None and model.outlook_note == ""
    off = PlayModel(tmp_path / "off", scenario="network_migration", seed=3)
    off.live_runs = 0
    assert off.start() and off.commit_plan()
    off.advance()
    assert off.outlook is None and off.outlook_note == ""


def test_where_it_cannot_run_the_dashboard_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(outlook, "available", lambda: "the live forecast needs a system with <fork>")
    m = PlayModel(tmp_path, scenario="network_migration", seed=3)
    assert m.start() and m.commit_plan()
    dashboard = Dashboard(m)
    assert m.outlook is None
    assert "No live forecast: the live forecast needs a system with &lt;fork&gt;." in dashboard.outlook.value


def _finish_and_cost_boxes(dashboard) -> list[str]:
    """The HTML of the finish and cost KPI boxes."""
    boxes = dashboard.kpis.value.split('<div class="itpm-kpi ')[1:]
    return [b for b in boxes if "Finish at today" in b or "(EAC)" in b]


def test_the_finish_and_cost_lights_tell_the_live_forecasts_story_once_it_arrives(model):
    dashboard = Dashboard(model)
    model.wait_for_outlook()
    r = model.report
    gloomy = outlook.summarise(r.day, [(r.deadline_day + 30, r.budget * 2, False, False)] * 9
                               + [(r.deadline_day - 5, r.budget * 0.9, True, True)])
    model.outlook = gloomy  # 10% on time and within budget + reserve, whatever the trend says
    finish, cost = _finish_and_cost_boxes(dashboard)
    assert finish.startswith('itpm-red" title="Red from the live forecast: 10% of its futures finish on time.')
    assert cost.startswith('itpm-red" title="Red from the live forecast: 10% of its futures stay within budget + reserve.')
    model.outlook = outlook.summarise(r.day, [(r.deadline_day - 1, r.budget * 0.9, True, True)] * 4
                                      + [(r.deadline_day + 9, r.budget * 0.9, False, True)] * 3)
    finish, cost = _finish_and_cost_boxes(dashboard)  # 4 of 7 on time (57%): amber; all within budget: green
    assert finish.startswith('itpm-amber" title="Amber from the live forecast: 57% of its futures finish on time.')
    assert cost.startswith('itpm-green" title="Green from the live forecast: 100% of its futures')
    assert "Green, amber, red. SPI and CPI: green at 0.95 or more" in cost  # the thresholds, on hover
    model.outlook = outlook.summarise(r.day - 5, [(r.deadline_day + 30, r.budget * 2, False, False)])  # another day's
    finish, _ = _finish_and_cost_boxes(dashboard)
    assert "from today&#x27;s trend, until the live forecast arrives" in finish


def test_in_a_kernel_the_workers_fork_once_the_click_is_handled_and_forecast_the_week_it_made(model):
    """In an event loop (a kernel) the fork waits for the loop's next turn: the dashboard is drawn before it."""
    import asyncio

    forked = []
    real = outlook._fork

    def spy(work, **how):
        forked.append(model.report.day)
        return real(work, **how)

    async def click() -> list:
        model.wait_for_outlook()
        outlook._fork = spy
        try:
            model.advance()
            during = list(forked)  # the click handled, as a kernel's handler would return now
            await asyncio.sleep(0.05)
            return during
        finally:
            outlook._fork = real

    assert asyncio.run(click()) == [] and forked  # nothing forked during the click, the workers after it
    result = model.wait_for_outlook()
    assert result is not None and result.day == model.report.day

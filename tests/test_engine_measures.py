"""The measures of a run (sim.engine.measures): outcome, scorecard, critical path and fingerprint, by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from sim.engine import Session, World, measures
from sim.policies import make_policy


def _finished_project(**changes) -> SimpleNamespace:
    """A finished project reduced to what the measures read, in round numbers."""
    params = SimpleNamespace(
        score_scales=SimpleNamespace(schedule_tolerance=0.5, cost_tolerance=0.5, incidents_per_100_days=2.0, grade_bounds=85, grade_step=15),
        productivity=SimpleNamespace(nominal_morale=0.75),
    )
    project = SimpleNamespace(
        p=params, world=SimpleNamespace(baseline=SimpleNamespace(duration=100.0)), finished=105.0, now=105.0, deadline_day=100.0,
        spent=1_100_000.123, budget=1_000_000.0, reserve=150_000.0, incidents=3, total_planned=300.0, escaped=12.34567,
        team_days=[(0.75, 0.05), (0.75, 0.15)],
        scenario=SimpleNamespace(team=[None] * 10, scoring=SimpleNamespace(model_dump=lambda: dict.fromkeys(measures.PARTS, 1.0))),
        satisfaction={"sponsor": 0.6, "users": 0.8}, resignations=1, abandoned=False, scope_share=lambda: 0.9,
        original_deadline_day=100.0, original_budget=1_000_000.0, sponsor_requests=0, sponsor_refusals=0,
        cal=SimpleNamespace(date=lambda day: dt.date(2027, 1, 4) + dt.timedelta(days=int(day))),
    )
    project.__dict__.update(changes)
    return project


def test_outcome():
    # the finish date is the date of day 104, the last one worked (this calendar counts every day from 4 January)
    o = measures.outcome(_finished_project())
    assert o == {
        "finish_day": 105.0, "finish_date": "2027-04-18", "deadline_day": 100.0, "approved_deadline_day": 100.0, "on_time": False,
        "cost": 1_100_000.12, "budget": 1_000_000.0, "approved_budget": 1_000_000.0, "reserve": 150_000.0, "on_budget": True,
        "sponsor_requests": 0, "sponsor_refusals": 0, "scope": 0.9, "escaped_defects": 12.3457,
        "incidents": 3, "satisfaction": 0.7, "resignations": 1, "abandoned": False,
    }
    # 10 days and 50,000 granted on three requests (one refused): on time and on budget against the approved targets,
    # but the outcome keeps the original ones
    granted = measures.outcome(_finished_project(deadline_day=110.0, budget=1_050_000.0, sponsor_requests=3, sponsor_refusals=1))
    assert (granted["deadline_day"], granted["approved_deadline_day"], granted["on_time"]) == (100.0, 110.0, False)
    assert (granted["budget"], granted["approved_budget"], granted["sponsor_refusals"]) == (1_000_000.0, 1_050_000.0, 1)


def test_scorecard():
    # 5 days late on 100 planned: 90; 10% over: 80; scope 90; 3 incidents per 300 planned days: 50; satisfaction 70;
    # team: morale at nominal, mean fatigue 0.1, one of ten resigned: 100 x 1 x 0.9 x 0.9 = 81
    card = measures.scorecard(_finished_project())
    assert card.parts == pytest.approx({"schedule": 90, "cost": 80, "scope": 90, "quality": 50, "satisfaction": 70, "team": 81})
    assert card.total == pytest.approx(461 / 6, abs=1e-4) and card.grade == "B"
    abandoned = measures.scorecard(_finished_project(abandoned=True, finished=None, now=300.0))
    assert abandoned.parts["schedule"] == 0 and abandoned.parts["scope"] == 0
    assert abandoned.parts["quality"] == 0  # nothing was released: no quality credit
    # a granted request is still a slip: 10 days granted, finished on day 105, still 5 days late and 10% over
    granted = measures.scorecard(_finished_project(deadline_day=110.0, budget=1_100_000.0))
    assert granted.parts["schedule"] == pytest.approx(90) and granted.parts["cost"] == pytest.approx(80)


def test_a_run_without_a_timeline_keeps_the_scorecard_to_the_bit():
    # the team part reads ``team_days``, the timeline's morale and fatigue columns, which a run without rows keeps too
    world = World.from_file("software_build")
    kept, lean = Session(world, 3), Session(world, 3)
    lean.project.recording = False
    kept.run(make_policy("reference"))
    lean.run(make_policy("reference"))
    assert kept.project.team_days == [(row.morale, row.fatigue) for row in kept.project.timeline]
    assert lean.project.timeline == [] and lean.project.team_days == kept.project.team_days
    assert measures.scorecard(lean.project) == measures.scorecard(kept.project)


def test_approved_changes():
    o = {"deadline_day": 100.0, "approved_deadline_day": 110.0, "budget": 1_000_000.0, "approved_budget": 1_050_000.0}
    assert measures.approved_changes(o, "EUR") == (
        " The sponsor approved 50,000 EUR more budget and 10 more working days on request; the scorecard measures "
        "against the original targets (day 100, 1,000,000 EUR).")
    assert measures.approved_changes({**o, "approved_deadline_day": 100.0, "approved_budget": 1_000_000.0}, "EUR") == ""


def test_grade():
    assert [measures.grade(t, 85, 15) for t in (85, 84.9, 70, 55, 40, 39.9)] == ["A", "B", "B", "C", "D", "F"]


def test_chain():
    # MODEL.md's example: A (day 10); B (after A, 30) and C (after A, 25); D (after B and C, 40)
    finish = {"A": 10.0, "B": 30.0, "C": 25.0, "D": 40.0}
    deps = {"A": [], "B": ["A"], "C": ["A"], "D": ["C", "B"]}
    assert measures.chain(finish, deps) == ["A", "B", "D"]
    assert measures.chain(finish | {"C": 30.0}, deps) == ["A", "B", "D"]  # a tie goes to the earlier task in the file
    assert measures.chain({}, deps) == []


@pytest.fixture(scope="module")
def played():
    session = Session.start("network_migration", seed=2)
    session.run(make_policy("reference"))
    return session


def test_critical_path_runs_back_from_the_last_finish_through_the_latest_predecessors(played):
    project = played.project
    path = measures.critical_path(project)
    tasks = project.tasks
    assert path[-1] == max((t for t in tasks.values() if t.finish is not None), key=lambda t: t.finish).id
    for before, after in itertools.pairwise(path):
        preds = [d for d in tasks[after].deps if d.finish is not None]
        assert tasks[before] in preds and tasks[before].finish == max(d.finish for d in preds)
    assert not [d for d in tasks[path[0]].deps if d.finish is not None]


def test_plan_critical_path():
    world = World.from_file("software_build")
    path = measures.plan_critical_path(world)
    finish = world.baseline.finish
    assert finish[path[-1]] == max(finish.values())
    assert all(a in world.tasks[b].depends_on for a, b in itertools.pairwise(path))


def test_fingerprint_is_equal_exactly_when_the_runs_are(played):
    again = Session.start("network_migration", seed=2)
    again.run(make_policy("reference"))
    other = Session.start("network_migration", seed=3)
    other.run(make_policy("reference"))
    assert measures.fingerprint(again) == measures.fingerprint(played) != measures.fingerprint(other)
    row = again.project.timeline[40]
    again.project.timeline[40] = row._replace(cost=row.cost + 1e-9)
    assert measures.fingerprint(again) != measures.fingerprint(played)

"""The results tables of a session: what each column says, checked against the engine's own record."""

from __future__ import annotations

import pytest

from sim.engine import Session, TimelineRow
from sim.policies import make_policy
from sim.results import Results


@pytest.fixture(scope="module")
def played():
    session = Session.start("software_build", seed=5)
    session.run(make_policy("reference"))
    return session


def test_defects_found_in_each_task_add_up_to_the_defects_found(played):
    tasks = Results(played).tasks
    found = tasks.set_index("id")["defects_found_in"]
    assert played.project.defects_found > 10
    assert found.sum() == pytest.approx(played.project.defects_found)
    assert (found >= 0).all() and (found > 0).sum() > 3


def test_the_timeline_has_one_named_column_per_field_of_a_timeline_row(played):
    timeline = Results(played).timeline
    assert list(timeline.columns[:len(TimelineRow._fields) + 1]) == ["day", "date", *TimelineRow._fields[1:]]
    last = played.project.timeline[-1]
    assert timeline["labour_cost"].iloc[-1] == last.labour_cost == played.project.costs["labour"]
    assert timeline["day"].iloc[-1] == last.day

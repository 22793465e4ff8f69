"""The news and refusals read as plain language: names, not ids; money with its currency; days that say so."""

from __future__ import annotations

import pytest

from sim.engine import Session, World
from sim.engine.decisions import DecisionError
from sim.engine.effects import apply
from sim.schema import models as m


@pytest.fixture
def project():
    return Session(World.from_file("network_migration"), seed=1).project


def test_a_satisfaction_impact_names_the_stakeholder(project):
    who = project.scenario.stakeholders[0]
    said = apply(project, m.SatisfactionImpact(type="satisfaction", stakeholder=who.id, delta=-0.05))
    assert said == f"{who.name} satisfaction down 5%" and who.id not in said


def test_money_carries_its_currency(project):
    assert apply(project, m.CostImpact(type="cost", amount=12_500)) == "extra cost EUR 12,500"
    assert apply(project, m.BudgetImpact(type="budget", amount=-20_000)) == "budget -EUR 20,000"


def test_days_say_which_days_and_drop_a_needless_point(project):
    task = next(t for t in project.tasks.values() if t.kind != "milestone")
    assert apply(project, m.DelayImpact(type="delay", task=task.id, days=5)) == f"{task.spec.name} is held up for 5 working days"
    assert apply(project, m.DeadlineImpact(type="deadline", days=10)) == "deadline +10 working days"
    said = apply(project, m.ExtraEffortImpact(type="extra_effort", tasks=[task.id], share=0.1))
    assert said == f"extra effort: {task.spec.name} +{0.1 * task.effort:.1f} person-days"


def test_morale_names_who_it_touches(project):
    person = project.staff[0]
    assert apply(project, m.MoraleImpact(type="morale", delta=-0.1)) == "morale down 10% for everyone"
    assert apply(project, m.MoraleImpact(type="morale", delta=0.05, person=person.id)) == f"morale up 5% for {person.name}"


def test_a_hire_is_named_by_its_profile_and_number_not_its_id():
    from sim.engine.decisions import Hire

    session = Session(World.from_file("network_migration"), seed=1)
    profile = session.world.scenario.market[0]
    for _ in range(min(2, profile.max_hires)):
        session.decide(Hire(profile=profile.id))
    names = [a["name"] for a in session.observe().arrivals]
    assert names[0] == f"{profile.title} #1" and all(profile.id not in n for n in names)
    assert session.project.news[-1][1].startswith(f"Hiring {names[-1]}; arrives in {profile.lead_time} working days")


def test_an_option_that_cannot_be_afforded_is_refused_by_its_label_and_its_price(project):
    from sim.engine.pm import _afford

    project.costs["changes"] += project.budget + project.reserve - project.spent - 100
    with pytest.raises(DecisionError) as refused:
        _afford(project, 7_500, "“Rent 4G routers”")
    assert str(refused.value) == ("cannot afford “Rent 4G routers”: it costs EUR 7,500 and only EUR 100 is left in "
                                  "budget and reserve")


def test_an_answer_with_no_effect_ends_without_a_dash():
    """An option whose effects are none (deciding later, say) is news without a trailing dash."""
    session = Session(World.from_file("network_migration"), seed=1)
    def quiet() -> list[tuple[dict, dict]]:
        return [(q, o) for q in session.observe().requests if q["kind"] == "event" for o in q["options"]
                if not o["effects"] and not o["cost"]]

    while not quiet():
        session.step([])
        assert not session.done
    request, option = quiet()[0]
    session.decide({"type": "choose", "request": request["id"], "option": option["id"]})
    said = session.project.news[-1][1]
    assert said.startswith(f"{request['title']}: '{option['label']}'") and not said.rstrip().endswith("—")

"""The sponsor's answers to requests for budget and time, and the original targets the scorecard keeps
(docs/MODEL.md, Money and Scorecard)."""

from __future__ import annotations

import pytest

from sim.engine import (
    DecisionError,
    RequestBudget,
    RequestTime,
    Session,
    SetReserve,
    World,
    outcome,
    rules,
    scorecard,
)
from sim.engine.rng import uniforms


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file("network_migration")


def test_each_request_is_granted_or_refused_on_the_sponsors_own_draw(world):
    session, st = Session(world, 7), world.params.stakeholders
    p = session.project
    sponsor = next(s.id for s in world.scenario.stakeholders if s.role == "sponsor")
    expected = []
    for _ in range(6):
        session.advance()
        for decision in (RequestTime(days=5), RequestBudget(amount=10_000)):
            n, mood = p.sponsor_requests, p.satisfaction[sponsor]  # the network migration has one sponsor
            chance = rules.refusal_probability(n, mood, st.refusal_base, st.refusal_per_request, st.refusal_dissatisfaction)
            expected.append(uniforms(7, "sponsor-request", n)[0] >= chance)
            session.decide(decision)
            assert p.satisfaction[sponsor] == pytest.approx(max(0.0, mood - st.request_penalty))  # asking costs, either way
    answers = [e for e in p.events if e["kind"] == "decision" and e["ref"] in ("budget", "deadline")]
    granted = [a["granted"] for a in answers]
    assert granted == expected and p.sponsor_requests == 12 and p.sponsor_refusals == granted.count(False)
    assert granted[:2] != [False, False] and granted[-4:] == [False] * 4  # kind at first, then no more
    days = sum(5 for a in answers if a["ref"] == "deadline" and a["granted"])
    money = sum(10_000 for a in answers if a["ref"] == "budget" and a["granted"])
    assert p.deadline_day == world.calendar.deadline_day + days and p.granted_days == days
    assert p.budget == world.scenario.budget.budget_at_completion + money
    refused = [a["text"] for a in answers if not a["granted"]]
    assert refused and all(t.startswith("The sponsor refused") for t in refused)


def test_the_same_request_meets_the_same_answer_under_other_decisions(world):
    a, b = Session(world, 11), Session(world, 11)
    a.advance()
    b.advance()
    b.decide({"type": "set_overtime", "level": 0.1})
    for s in (a, b):
        s.decide(RequestTime(days=5))
    assert [e["granted"] for e in a.project.events if e["ref"] == "deadline"] == [e["granted"] for e in b.project.events if e["ref"] == "deadline"]


def test_a_granted_request_is_still_a_slip_against_the_original_targets(world):
    seed = next(s for s in range(1, 50) if _granted_first(world, s))
    session = Session(world, seed)
    session.advance()
    session.decide(RequestTime(days=20))
    session.run(lambda report: [])
    p = session.project
    o = outcome(p)
    assert o["approved_deadline_day"] == o["deadline_day"] + 20 == world.calendar.deadline_day + 20
    assert o["on_time"] == (p.finished <= world.calendar.deadline_day)
    late = max(0.0, p.finished - world.calendar.deadline_day) / world.baseline.duration
    assert scorecard(p).parts["schedule"] == pytest.approx(max(0.0, min(100.0, 100 * (1 - late / p.p.score_scales.schedule_tolerance))))
    report = session.observe()
    assert report.original_deadline_day == world.calendar.deadline_day and report.deadline_day == world.calendar.deadline_day + 20


def _granted_first(world: World, seed: int) -> bool:
    s = Session(world, seed)
    s.advance()
    s.decide(RequestTime(days=20))
    return s.project.granted_days == 20


def test_a_reserve_above_what_the_register_justifies_is_refused(world):
    team = world.scenario.team
    burn = sum(x.daily_rate for x in team)
    expected = sum(r.probability * world.impact_money([i.model_dump() for i in r.impacts], burn, burn / len(team))
                   for r in world.scenario.risks)
    assert world.max_reserve == max(world.scenario.budget.management_reserve, expected)
    session = Session(world, 1)
    with pytest.raises(DecisionError, match="what the risk register justifies"):
        session.decide(SetReserve(amount=world.max_reserve + 1))
    session.decide(SetReserve(amount=world.max_reserve))
    assert session.project.reserve == world.max_reserve

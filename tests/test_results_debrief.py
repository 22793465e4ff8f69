"""The debrief: counterfactual deltas equal direct re-runs; every duty gets feedback."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.engine import BuyResponse, Hire, Session, SetOvertime, World, outcome
from sim.policies import DecisionPlan, make_policy
from sim.results.debrief import DUTIES, make_debrief
from sim.results.scorecard import scorecard


@pytest.fixture(scope="module")
def played() -> Session:
    world = World.from_file("network_migration")
    session = Session(world, 6)
    session.decide(SetOvertime(level=0.1), rationale="get ahead early")
    session.decide(BuyResponse(risk=world.scenario.risks[0].id, response=world.scenario.risks[0].responses[0].id))
    session.advance()
    session.decide(Hire(profile=world.scenario.market[0].id))
    session.run(make_policy("reference"))
    return session


@pytest.fixture(scope="module")
def debrief(played):
    with ProcessPoolExecutor(2) as pool:
        return make_debrief(played, pool, lessons="Buy the carrier backup early.")


def _direct(session: Session, entries: list[dict], without_risks: tuple = ()) -> dict:
    rerun = Session(session.world, session.seed, without_risks=without_risks)
    rerun.run(DecisionPlan(entries), strict=False)
    return {**outcome(rerun.project), "score": scorecard(rerun.project).total}


def test_decision_deltas_agree_with_direct_reruns(played, debrief):
    entries = [{"day": e["day"], "decision": e["decision"]} for e in played.decisions]
    actual = {**outcome(played.project), "score": scorecard(played.project).total}
    assert _direct(played, entries) == actual  # the plan replays the session exactly
    for i in (0, 1, 2, len(entries) - 1):
        without = _direct(played, entries[:i] + entries[i + 1:])
        row = debrief.decisions.set_index("index").loc[i]
        assert row["finish_effect"] == actual["finish_day"] - without["finish_day"]
        assert row["cost_effect"] == pytest.approx(actual["cost"] - without["cost"])
        assert row["score_effect"] == pytest.approx(actual["score"] - without["score"])
    assert debrief.decisions.iloc[0]["rationale"] == "get ahead early"


def test_risk_deltas_agree_with_direct_reruns(played, debrief):
    entries = [{"day": e["day"], "decision": e["decision"]} for e in played.decisions]
    actual = outcome(played.project)
    hit = debrief.risks[debrief.risks["hit"]]
    assert len(hit) == sum(r.hit for r in played.project.risks.values())
    for _, row in hit.iterrows():
        without = _direct(played, entries, (row["risk"],))
        assert row["cost_impact"] == pytest.approx(actual["cost"] - without["cost"])
        assert row["finish_impact"] == actual["finish_day"] - without["finish_day"]


def test_serial_and_parallel_debriefs_agree(played, debrief):
    serial = make_debrief(played, lessons="Buy the carrier backup early.")
    assert serial.decisions.equals(debrief.decisions)
    assert serial.risks.equals(debrief.risks)


def test_reference_is_scored_on_the_same_seed(played, debrief):
    ref = Session(played.world, played.seed)
    ref.run(make_policy("reference"))
    assert debrief.reference.total == scorecard(ref.project).total
    assert debrief.reference_outcome == outcome(ref.project)


def test_every_duty_gets_a_rating_and_evidence(debrief):
    assert [d["key"] for d in debrief.duties] == [k for k, _ in DUTIES]
    assert all(d["rating"] in ("good", "fair", "poor") and d["evidence"] for d in debrief.duties)
    closure = next(d for d in debrief.duties if d["key"] == "closure")
    assert "lessons learned written" in closure["evidence"]


def test_markdown_explains_with_numbers(debrief):
    text = debrief.to_markdown()
    assert f"{debrief.reference.total:.1f}" in text
    assert "## Risks that hit" in text and "## Your duties as PM" in text
    assert "Buy the carrier backup early." in text
    assert "Each effect compares your run with a re-run on the same seed" in text

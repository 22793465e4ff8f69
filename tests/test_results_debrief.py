"""The debrief: counterfactual deltas equal direct re-runs; every duty gets feedback."""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.engine import (
    BuyResponse,
    Hire,
    Session,
    SetOvertime,
    World,
    outcome,
    scorecard,
)
from sim.policies import DecisionPlan, make_policy
from sim.results.debrief import DUTIES, make_debrief


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


def _rubric_debrief(edited, **rubric) -> object:
    """The debrief of a short passive game with one early hire, under rubric overrides."""
    def set_rubric(data):
        data["parameters"]["debrief"].update(rubric)

    world = edited(World.from_file("network_migration"), set_rubric)
    session = Session(world, 6)
    session.advance()
    session.decide(Hire(profile=world.scenario.market[0].id))
    session.run(make_policy("passive"))
    return make_debrief(session)


def test_the_debrief_rubric_comes_from_the_parameters(edited):
    default = _rubric_debrief(edited)
    duty = {d["key"]: d for d in default.duties}
    assert "after" not in duty["team"]["evidence"]  # a hire in the first week is not late
    assert "below 0.9" in duty["monitoring"]["evidence"]

    strict = _rubric_debrief(edited, luck_band=100, late_hire_share=0.0, index_alarm=0.0)
    duty = {d["key"]: d for d in strict.duties}
    assert "within 100 points" in strict.verdict and strict.verdict in strict.to_markdown()
    assert "1 after 0% of the planned duration" in duty["team"]["evidence"] and duty["team"]["rating"] != "good"
    assert duty["monitoring"]["evidence"].startswith("0 status meeting(s) with SPI or CPI below 0 ")
    assert duty["monitoring"]["rating"] == "good"

    picky = _rubric_debrief(edited, luck_band=0, index_alarm=1.0, response_meetings=0, fair_slips=0)
    slips = int({d["key"]: d for d in picky.duties}["monitoring"]["evidence"].split()[0])
    assert slips > 0 and {d["key"]: d for d in picky.duties}["monitoring"]["rating"] == "poor"
    assert "within" not in picky.verdict  # any gap at all is put down to the decisions


def test_grades_step_down_by_the_grade_step(edited):
    session = Session(World.from_file("software_build"), 3)
    session.run(make_policy("reference"))
    total = scorecard(session.project).total

    def grades(data):
        data["parameters"]["score_scales"].update(grade_bounds=math.floor(total) + 3, grade_step=2)

    rerun = Session(edited(session.world, grades), 3)
    rerun.run(make_policy("reference"))
    card = scorecard(rerun.project)
    assert card.total == total and card.grade == "C"  # A at floor+3, B at floor+1, C at floor-1


def test_a_slip_is_answered_only_by_a_corrective_decision_in_time():
    """Hand-computed: meetings every 5 days, alarm 0.9, answers within 1 meeting; a risk response answers nothing."""
    import pandas as pd

    from sim.results.debrief import CORRECTIVE, slip_meetings

    rubric = type("Rubric", (), {"index_alarm": 0.9, "response_meetings": 1})()
    timeline = pd.DataFrame({"day": [5.0, 7.0, 10.0, 15.0, 20.0], "spi": [0.85, 0.5, 0.95, 1.0, 0.8],
                             "cpi": [1.0, 1.0, 0.88, 1.0, 1.0]})
    found = slip_meetings(timeline, 5, [9.0, 21.0, 26.0], rubric)  # day 10's window is 10..15: nothing in it
    assert found["day"].tolist() == [5.0, 10.0, 20.0]  # day 7 is no meeting; day 15 shows no slip
    assert found["answered"].iloc[0] == 9.0 and math.isnan(found["answered"].iloc[1]) and found["answered"].iloc[2] == 21.0
    assert "buy_response" not in CORRECTIVE and "choose" not in CORRECTIVE and "hire" in CORRECTIVE


def test_the_debrief_writes_dates_and_money_as_the_app_does(played, debrief):
    """One date format (``Fri 3 Sep 2027``) and one money format (``EUR 1,234``), never ISO dates or day numbers."""
    import datetime as dt
    import re

    from sim.results.words import day_text, money

    text = debrief.to_markdown()
    o = debrief.outcome
    assert f"Finished on {day_text(dt.date.fromisoformat(o['finish_date']))}" in text
    assert f"cost {money(o['cost'], 'EUR')} against" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text) and not re.search(r"\b[Dd]ay \d", text)
    assert not re.search(r"\d EUR\b", text)  # the currency comes first
    section = text.split("## What your decisions did")[1].split("\n\n")[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert not any("mk-" in x for x in lines)  # a hire released is named, not given by id
    assert lines and all(re.match(r"- (Before the start|(Mon|Tue|Wed|Thu|Fri) \d{1,2} \w{3} \d{4}), ", x) for x in lines), lines
    planning = next(d["evidence"] for d in debrief.duties if d["key"] == "planning")
    assert planning.startswith(f"Finished {day_text(dt.date.fromisoformat(o['finish_date']))} against a deadline of ")
    bought = ", ".join(debrief.risks["responses"])
    assert "RSP-" not in bought and played.world.scenario.risks[0].responses[0].description in bought

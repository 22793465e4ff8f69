"""A struck risk's request holds the work it hits: that work cannot finish, be delivered or be cut over while the
request is open, so its impact lands whether the PM answers at once, late or never (issue 14, item 5;
docs/MODEL.md, "A struck risk's request holds its work").

Before, a task that finished before an unanswered request fell due escaped the impact, so ignoring a struck risk
beat every answer: in network_migration, seed 1, leaving R-FIRMWARE unanswered finished on day 165 and accepting it
on day 182, and the debrief credited premium vendor support with +8 working days against no answer.
"""

from __future__ import annotations

import pytest

from sim.engine import Session, World, outcome
from sim.engine.decisions import Choose


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file("network_migration")


def certain(world: World, edited, risk: str) -> World:
    """``world`` with ``risk`` certain to strike (its timing and everything else as in the file)."""

    def edit(data):
        next(r for r in data["risks"] if r["id"] == risk)["probability"] = 1.0

    return edited(world, edit)


def play(world: World, seed: int, risk: str, answer: str | None) -> Session:
    """A run that answers ``risk``'s request with ``answer`` as soon as it opens (never with None), and nothing else."""
    session = Session(world, seed)
    while not session.done:
        report = session.observe()
        session.step([Choose(request=q["id"], option=answer) for q in report.requests if q["id"] == f"risk:{risk}" and answer])
    return session


def closed(session: Session, risk: str) -> float:
    """The day the risk's request closed: answered, or its default applied."""
    title = session.project.risks[risk].spec.title
    return next(e["day"] for e in session.project.events if e["kind"] in ("decision", "default") and e["text"].startswith(
        (f"{title}:", f"No decision on '{title}'")))


def test_an_unanswered_risk_costs_what_accepting_it_costs_and_an_answer_is_credited_against_that(world):
    runs = {answer: play(world, 1, "R-FIRMWARE", answer) for answer in (None, "accept", "RSP-FW-TAC")}
    finish = {a: outcome(s.project)["finish_day"] for a, s in runs.items()}
    cost = {a: outcome(s.project)["cost"] for a, s in runs.items()}
    assert all(s.project.risks["R-FIRMWARE"].hit for s in runs.values())
    assert finish[None] >= finish["accept"] and cost[None] >= cost["accept"]  # was 165 against 182: ignoring paid
    assert finish["RSP-FW-TAC"] < finish[None]  # the vendor's engineer halves the impact: it is worth time
    ignored = runs[None]
    stage = ignored.project.tasks["STAGE-SW"]
    assert stage.finish > closed(ignored, "R-FIRMWARE") == 79  # struck on day 73.2, due 5 working days later


def test_the_request_says_which_work_waits_for_the_answer(world):
    session = Session(world, 1)
    while not session.done:
        report = session.advance()
        asked = [q for q in report.requests if q["id"] == "risk:R-FIRMWARE"]
        if asked:
            break
    assert asked, "R-FIRMWARE strikes in seed 1"
    assert asked[0]["description"].endswith(
        "Until you answer, Stage, upgrade firmware and configure the switches cannot finish. Choose a response.")


def test_a_delivery_is_not_taken_in_while_a_risk_on_it_is_unanswered(world, edited):
    slow = certain(world, edited, "R-SW-LEADTIME")
    ignored, accepted = play(slow, 5, "R-SW-LEADTIME", None), play(slow, 5, "R-SW-LEADTIME", "accept")
    for session in (ignored, accepted):
        order = session.project.tasks["PROC-SW"]
        assert order.finish >= closed(session, "R-SW-LEADTIME") + 15  # the 15-day slip counts from the answer
    assert ignored.project.tasks["PROC-SW"].finish >= accepted.project.tasks["PROC-SW"].finish


def test_a_risk_that_strikes_at_a_cutover_attempt_holds_that_cutover_to_a_later_window(world, edited):
    refused = certain(world, edited, "R-SITE-ACCESS")
    session = play(refused, 6, "R-SITE-ACCESS", "accept")
    project = session.project
    struck = next(e["day"] for e in project.events if e["kind"] == "risk" and e["ref"] == "R-SITE-ACCESS")
    groningen = project.tasks["CUT-GRN"]
    assert struck % 1 == 0.25  # at the cutover's Saturday attempt (windows open at a quarter past the day)
    assert groningen.finish >= struck + 5  # refused access: the 5-day delay, then the next window (was: cut over anyway)
    assert not any(e["kind"] == "cutover" and e["ref"] == "CUT-GRN" and e["day"] == struck for e in project.events)


# ---------------------------------------------------------------- responses to risks that can no longer strike


def test_a_risk_can_no_longer_strike_once_its_task_is_done_or_its_window_is_over(world):
    from sim.engine.decisions import BuyResponse, DecisionError

    session = Session(world, 1)
    while not session.done and session.project.now < 120:
        session.advance()
    project = session.project
    lines = {x["id"]: x for x in session.observe().risks}
    rehearsal = project.risks["R-CUT-OUTAGE"]  # about the HQ core cutover, which is live by day 120
    assert project.tasks["CUT-HQ-CORE"].state == "done" and not rehearsal.hit
    assert lines["R-CUT-OUTAGE"]["can_strike"] is False
    price = project.risks["R-PRICE-RISE"]  # about the project at large: its window is days 12 to 35
    assert price.spec.during is None and price.spec.window.end == 35 and lines["R-PRICE-RISE"]["can_strike"] is False
    assert all(x["can_strike"] == (not x["hit"]) for x in Session(world, 1).observe().risks)  # at the start: all open
    with pytest.raises(DecisionError, match=r"risk 'R-CUT-OUTAGE' can no longer strike \(HQ cutover: core .* has "
                                            r"finished or was cut\): a response would buy nothing"):
        session.decide(BuyResponse(risk="R-CUT-OUTAGE", response="RSP-REHEARSAL"))
    with pytest.raises(DecisionError, match=r"risk 'R-PRICE-RISE' can no longer strike \(its window ended on working day "
                                            r"35\): a response would buy nothing"):
        session.decide(BuyResponse(risk="R-PRICE-RISE", response="RSP-FIX-PRICE"))


def test_work_cut_while_it_waits_for_an_answer_stays_cut(world, edited):
    from sim.engine import effects

    session = Session(certain(world, edited, "R-FIRMWARE"), 1)
    project = session.project
    stage = project.tasks["STAGE-SW"]
    while not session.done and stage not in project._answer_waits:
        session.step([])  # nobody answers: the staging's effort is done while the request is still open
    assert stage in project._answer_waits and stage.state == "active"
    effects.cut(project, stage)  # as a cut_task impact would (the PM may not cut must-have work)
    while not session.done and stage in project._answer_waits:
        session.step([])
    assert stage.state == "cut" and not stage.awaiting


def test_a_risk_that_strikes_at_a_cutover_attempt_warns_its_lead_days_before_that_attempt(world, edited):
    session = play(certain(world, edited, "R-SITE-ACCESS"), 6, "R-SITE-ACCESS", "accept")
    events = session.project.events
    struck = next(e["day"] for e in events if e["kind"] == "risk" and e["ref"] == "R-SITE-ACCESS")
    warned = [e["day"] for e in events if e["kind"] == "warning" and e["ref"] == "R-SITE-ACCESS"]
    # lead_days (7) before the Saturday attempt, but not before the cutover is ready and its window known; was: never
    assert len(warned) == 1 and struck - 7 <= warned[0] < struck, (warned, struck)

"""The session loop: determinism, common random numbers, refusals, logs, replay and resume."""

from __future__ import annotations

import json

import pytest

from sim.engine import (
    BuyResponse,
    Choose,
    CutScope,
    DecisionError,
    FastTrack,
    Hire,
    LogError,
    Release,
    RequestBudget,
    Session,
    SetOvertime,
    World,
    replay,
    resume,
)
from sim.engine.check import check_determinism, fingerprint
from sim.policies import make_policy

SCENARIO = "cloud_rollout"


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file(SCENARIO)


def snapshot(session: Session) -> str:
    """Everything a decision could change, as text."""
    p = session.project
    return repr((
        sorted(p.costs.items()), p.budget, p.reserve, p.deadline_day, p.overtime, p.communication, p.quality,
        [(x.id, x.present, x.task.id if x.task else None, x.morale) for x in p.people.values()],
        [(t.id, t.state, t.remaining, t.priority, t.fast_tracked, [x.id for x in t.people]) for t in p.tasks.values()],
        sorted(p.requests), [(r.id, tuple(r.bought)) for r in p.risks.values()], sorted(p.satisfaction.items()),
        len(p.news), len(session.decisions), sorted(p.hired.items()),
    ))


def test_check_determinism_across_processes_and_replay():
    assert len(check_determinism(SCENARIO, "standard", seed=11, policy="reference")) == 64


def test_same_seed_same_result_different_seed_different_result(world):
    runs = []
    for seed in (3, 3, 4):
        s = Session(world, seed)
        s.run(make_policy("passive"))
        runs.append(fingerprint(s))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_common_random_numbers_same_luck_under_different_decisions(world):
    passive, busy = Session(world, 5), Session(world, 5)
    busy.decide(SetOvertime(level=0.3))
    passive.run(make_policy("passive"))
    busy.run(make_policy("aggressive"))
    untouched = {t.id for t in world.scenario.tasks} - {
        i.task for r in world.scenario.risks for i in r.impacts if i.type == "scope_change"
    }
    assert {t: passive.project.tasks[t].effort for t in untouched} == {t: busy.project.tasks[t].effort for t in untouched}
    drawn_p = {t.id: t.lead_time for t in passive.project.baseline_tasks}
    drawn_b = {t.id: t.lead_time for t in busy.project.baseline_tasks}
    assert drawn_p == drawn_b
    assert {r.id: (r.u_occur, r.time) for r in passive.project.risks.values()} == {
        r.id: (r.u_occur, r.time) for r in busy.project.risks.values()
    }
    assert {x.id: x.threshold for x in passive.project.people.values() if x.profile is None} == {
        x.id: x.threshold for x in busy.project.people.values() if x.profile is None
    }


def test_mitigation_raises_the_bar_on_the_same_draw(world):
    for seed in range(40):
        plain, mitigated = Session(world, seed), Session(world, seed)
        risk = next(iter(plain.project.risks.values()))
        best = min(risk.spec.responses, key=lambda r: r.probability_factor)
        mitigated.decide(BuyResponse(risk=risk.id, response=best.id))
        plain.run(make_policy("passive"))
        mitigated.run(make_policy("passive"))
        hit_plain = plain.project.risks[risk.id].hit
        hit_mitigated = mitigated.project.risks[risk.id].hit
        assert hit_plain or not hit_mitigated, f"seed {seed}: mitigation made {risk.id} hit"


@pytest.mark.parametrize(
    "decision, reason",
    [
        (Hire(profile="nobody"), "unknown market profile 'nobody'"),
        (Release(person="ghost"), "'ghost' is not on the team"),
        (SetOvertime(level=0.9), "overtime must be between 0 and 0.5 (got 0.9)"),
        (BuyResponse(risk="nope", response="x"), "unknown risk 'nope'"),
        (Choose(request="event:none", option="accept"), "no open request 'event:none'"),
        (CutScope(task="nope"), "unknown task 'nope'"),
        (RequestBudget(amount=10_000_000), "the sponsor grants at most"),
    ],
)
def test_invalid_decisions_are_refused_and_change_nothing(world, decision, reason):
    session = Session(world, 1)
    session.advance()
    before = snapshot(session)
    with pytest.raises(DecisionError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        session.decide(decision)
    assert snapshot(session) == before


def test_cutting_must_scope_and_fast_tracking_a_free_task_are_refused(world):
    session = Session(world, 1)
    must = next(t for t in world.scenario.tasks if t.scope == "must" and t.kind != "milestone")
    before = snapshot(session)
    with pytest.raises(DecisionError, match="must-have scope"):
        session.decide(CutScope(task=must.id))
    first = next(t for t in world.scenario.tasks if not t.depends_on)
    with pytest.raises(DecisionError, match="cannot be fast-tracked|no unfinished predecessor"):
        session.decide(FastTrack(task=first.id))
    assert snapshot(session) == before


def test_unaffordable_response_is_refused(world):
    session = Session(world, 1)
    session.project.costs["labour"] = session.project.budget + session.project.reserve
    risk = next(r for r in world.scenario.risks if any(x.cost > 0 for x in r.responses))
    response = next(x for x in risk.responses if x.cost > 0)
    before = snapshot(session)
    with pytest.raises(DecisionError, match="cannot afford"):
        session.decide(BuyResponse(risk=risk.id, response=response.id))
    assert snapshot(session) == before


def test_report_never_shows_hidden_things(world):
    session = Session(world, 2)
    report = session.observe()
    text = json.dumps(report.__dict__, default=str)
    assert "latent" not in text and "u_occur" not in text
    for event in world.scenario.events:
        assert event.title not in text, f"scripted event {event.id} visible before it fires"
    while not report.done:
        for request in report.requests:
            assert request["id"].startswith(("event:", "risk:"))
        report = session.advance()
    assert report.reason == "end"


def test_report_shows_a_hire_ramping_up_until_released(world):
    session = Session(world, 2)
    session.decide(Hire(profile="migration_contractor"))
    ident = session.project.arrivals[0]["id"]
    report = session.advance()
    while not any(p["id"] == ident for p in report.team):
        report = session.advance()
    line = next(p for p in report.team if p["id"] == ident)
    assert line["ramping"] and line["status"] != "left"
    session.decide(Release(person=ident))
    line = next(p for p in session.observe().team if p["id"] == ident)
    assert line["status"] == "left" and not line["ramping"]


def test_every_event_and_risk_asks_for_a_decision(world):
    session = Session(world, 3)
    reasons = set()
    report = session.observe()
    while not report.done:
        reasons.add(report.reason)
        if report.reason in ("event", "risk"):
            assert report.requests, f"stopped for {report.reason} without an open request"
        report = session.advance()
    assert {"status", "event"} <= reasons


def test_log_is_written_after_every_decision_and_replays(world, tmp_path):
    log = tmp_path / "s.json"
    session = Session(world, 9, log)
    assert json.loads(log.read_text())["decisions"] == []
    session.decide(SetOvertime(level=0.1), rationale="early push")
    data = json.loads(log.read_text())
    assert data["decisions"][0]["decision"] == {"type": "set_overtime", "level": 0.1, "rationale": "early push"}
    assert data["decisions"][0]["stop"] == 0 and data["decisions"][0]["day"] == 0.0
    assert data["scenario"]["sha256"] == world.scenario_hash and data["seed"] == 9
    session.run(make_policy("reference"))
    data = json.loads(log.read_text())
    assert data["finished"] and data["outcome"]["finish_day"] == session.project.finished
    assert fingerprint(replay(log)) == fingerprint(session)


def test_resume_continues_where_the_log_stops(world, tmp_path):
    log = tmp_path / "s.json"
    original = Session(world, 4, log)
    for _ in range(3):
        original.step([SetOvertime(level=0.05 * (original.stops + 1))])
    day = original.project.now
    resumed = resume(log)
    assert resumed.project.now == day and resumed.stops == original.stops
    assert snapshot(resumed)[:200] == snapshot(original)[:200]
    policy = make_policy("reference")
    original.run(policy)
    resumed.run(make_policy("reference"))
    assert fingerprint(resumed) == fingerprint(original)
    assert json.loads(log.read_text())["finished"]


def test_replay_refuses_a_changed_scenario(world, tmp_path):
    log = tmp_path / "s.json"
    Session(world, 1, log)
    data = json.loads(log.read_text())
    data["scenario"]["sha256"] = "0" * 64
    log.write_text(json.dumps(data))
    with pytest.raises(LogError, match="has changed since the session was played"):
        replay(log)


def test_replay_refuses_garbage(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(LogError, match="not a JSON session log"):
        replay(bad)

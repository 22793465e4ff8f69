"""The session loop: determinism, common random numbers, refusals, logs, replay and resume."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest

import sim
from sim.analysis import check_determinism
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
    SetCommunication,
    SetOvertime,
    World,
    fingerprint,
    read_log,
    replay,
    resume,
)
from sim.engine.log import ModelVersionError
from sim.policies import DecisionPlan, make_policy

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
    # the same draws; a risk about a task strikes at the same point of that task's run (its time follows the task)
    assert {r.id: (r.u_occur, r.u_time, r.u_seen, r.u_pick) for r in passive.project.risks.values()} == {
        r.id: (r.u_occur, r.u_time, r.u_seen, r.u_pick) for r in busy.project.risks.values()
    }
    assert {r.id: r.time for r in passive.project.risks.values() if r.spec.during is None} == {
        r.id: r.time for r in busy.project.risks.values() if r.spec.during is None
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
    with pytest.raises(DecisionError, match=r"cannot be fast-tracked|no unfinished predecessor"):
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
    shown = {f.name: getattr(report, f.name) for f in dataclasses.fields(report) if not f.name.startswith("_")}
    text = json.dumps(shown | {"tasks": report.tasks, "risks": report.risks, "market": report.market}, default=str)
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


def test_a_profile_without_a_fee_costs_the_default_share_everywhere(world, edited):
    def fees(data):
        data["parameters"]["decisions"]["hiring_fee_share"] = 10.0
        data["market"][0]["hiring_fee"] = None
        data["market"][1]["hiring_fee"] = 0.0  # an explicit zero is a zero, not "use the default"

    w = edited(world, fees)
    default, free = w.scenario.market[0], w.scenario.market[1]
    session = Session(w, 1)
    cards = {m["id"]: m for m in session.observe().market}
    assert cards[default.id]["hiring_fee"] == 10.0 * default.daily_rate and cards[free.id]["hiring_fee"] == 0.0
    session.decide(Hire(profile=free.id))
    assert session.project.costs["hiring"] == 0.0
    session.decide(Hire(profile=default.id))
    assert session.project.costs["hiring"] == 10.0 * default.daily_rate

    broke = Session(w, 1)
    p = broke.project
    p.costs["labour"] = p.budget + p.reserve - 5.0 * default.daily_rate  # enough for the day rate, not for the fee
    before = snapshot(broke)
    with pytest.raises(DecisionError, match="cannot afford"):
        broke.decide(Hire(profile=default.id))
    assert snapshot(broke) == before


def _first_working_pair(session: Session):
    """Advance to a stop where someone is on a task and someone else is idle."""
    report = session.observe()
    while not report.done:
        working = [x for x in report.team if x["status"] == "working"]
        idle = [x for x in report.team if x["status"] == "idle"]
        if len(working) >= 2 and idle:
            return working[0]["id"], idle[0]["id"]
        report = session.advance()
    raise AssertionError("no stop with a working and an idle person")


def test_releasing_someone_from_unfinished_work_shakes_the_team_but_rolling_off_idle_does_not(world):
    session = Session(world, 4)
    busy, idle = _first_working_pair(session)
    p = session.project
    shock = p.p.morale.departure_shock
    morale = {x.id: x.morale for x in p.present()}
    session.decide(Release(person=idle))
    assert {x.id: x.morale for x in p.present()} == {k: v for k, v in morale.items() if k != idle}
    session.decide(Release(person=busy))
    expected = {k: max(0.0, v - shock) for k, v in morale.items() if k not in (idle, busy)}
    assert {x.id: x.morale for x in p.present()} == pytest.approx(expected)
    assert any(v > 0 for v in expected.values())


def _meeting_gain(world, edited, working_days: list[str], interval: int) -> dict[str, float]:
    """Satisfaction gained by each stakeholder at the first status meeting at double the nominal communication."""
    def calm(data):
        data["calendar"]["working_days"] = working_days
        data["parameters"]["decisions"]["status_interval"] = interval
        data["events"] = []

    w = edited(world, calm)
    session = Session(w, 0, without_risks=tuple(r.id for r in w.scenario.risks))
    start = dict(session.project.satisfaction)
    session.decide(SetCommunication(level=2 * w.params.communication.nominal_effort))
    report = session.advance()
    while report.reason != "status":
        report = session.advance()
    return {k: v - start[k] for k, v in report.satisfaction.items()}


def test_a_status_meeting_credits_the_weeks_of_the_calendar_it_covers(world, edited):
    five = _meeting_gain(world, edited, ["mon", "tue", "wed", "thu", "fri"], 5)
    four = _meeting_gain(world, edited, ["mon", "tue", "wed", "thu"], 4)
    longer = _meeting_gain(world, edited, ["mon", "tue", "wed", "thu"], 5)
    assert min(five.values()) > 0
    assert four == pytest.approx(five)  # one week each
    assert longer == pytest.approx({k: 1.25 * v for k, v in five.items()})  # five days of a four-day week


def test_a_warned_risk_gets_the_response_that_pays_best_when_it_is_certain(world):
    from sim.policies import _best_response

    report = Session(world, 0).observe()
    risk = {"impacts": [{"type": "cost", "amount": 1000.0}], "probability": 0.1, "bought": [], "responses": [
        {"id": "avoid", "strategy": "avoid", "cost": 100.0, "probability_factor": 0.0, "impact_factor": 1.0},
        {"id": "soften", "strategy": "mitigate", "cost": 10.0, "probability_factor": 1.0, "impact_factor": 0.5},
    ]}
    # At 10%: avoiding saves 100 for 100, softening saves 50 for 10. Certain: 1000 for 100 against 500 for 10.
    assert _best_response(report, risk, margin=0.05)["id"] == "soften"
    assert _best_response(report, risk, margin=0.05, warned=True)["id"] == "avoid"


def test_people_without_a_starting_morale_start_at_the_nominal_one(world, edited):
    def morale(data):
        data["parameters"]["productivity"]["nominal_morale"] = 0.6
        data["team"][0]["morale"] = None
        data["team"][1]["morale"] = 0.9

    w = edited(world, morale)
    session = Session(w, 0)
    first, second = w.scenario.team[0].id, w.scenario.team[1].id
    assert session.project.people[first].morale == 0.6 and session.project.people[second].morale == 0.9
    session.decide(Hire(profile=w.scenario.market[0].id))
    report = session.advance()
    while not any(p["id"].startswith(w.scenario.market[0].id) for p in report.team):
        report = session.advance()
    hire = next(x for x in session.project.people.values() if x.profile == w.scenario.market[0].id)
    assert hire.base_morale == 0.6


@pytest.fixture(scope="module")
def finished_log(world, tmp_path_factory) -> bytes:
    """The bytes of a finished session log under the reference policy."""
    log = tmp_path_factory.mktemp("log") / "s.json"
    Session(world, 6, log).run(make_policy("reference"))
    return log.read_bytes()


def _edited_log(tmp_path, finished_log: bytes, edit) -> Path:
    data = json.loads(finished_log)
    edit(data)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data, indent=1))
    return path


def test_resume_leaves_the_file_as_it_was_when_the_replay_fails(tmp_path, finished_log):
    def tamper(data):
        assert len(data["decisions"]) > 12
        data["decisions"][12]["day"] += 1  # fails partway through the replay
    log = _edited_log(tmp_path, finished_log, tamper)
    before = log.read_bytes()
    with pytest.raises(LogError, match=r"decision 12: made at stop \d+ on day \d+, but the replay is on day"):
        resume(log)
    assert log.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["edited.json"]


def test_a_new_session_never_writes_over_a_file(world, tmp_path):
    log = tmp_path / "s.json"
    log.write_text("my notes")
    with pytest.raises(FileExistsError, match=r"s.json: exists already .*sim.engine.resume\("):
        Session(world, 1, log)
    with pytest.raises(FileExistsError):
        Session.start(SCENARIO, log_path=tmp_path)
    assert log.read_text() == "my notes"


def test_save_removes_its_temporary_file_when_the_rename_fails(world, tmp_path):
    log = tmp_path / "s.json"
    session = Session(world, 1, log)
    log.unlink()
    log.mkdir()
    with pytest.raises(IsADirectoryError):
        session.decide(SetOvertime(level=0.1))
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def _set(*keys_and_value):
    *keys, last, value = keys_and_value

    def edit(data):
        for key in keys:
            data = data[key]
        data[last] = value
    return edit


def _drop(*keys):
    def edit(data):
        for key in keys[:-1]:
            data = data[key]
        del data[keys[-1]]
    return edit


@pytest.mark.parametrize(
    "edit, message",
    [
        (_set("decisions", 0, "day", "monday"), "decisions[0].day: wrong type (got 'monday', expected a number)"),
        (_set("decisions", 0, "day", None), "decisions[0].day: wrong type (got None, expected a number)"),
        (_drop("decisions", 0, "day"), "decisions[0].day: missing required field (got nothing, expected a value)"),
        (_set("decisions", 0, "day", -5), "decisions[0].day: out of range (got -5, expected a value >= 0.0)"),
        (_set("decisions", 0, 5), "decisions[0]: wrong type (got 5, expected a mapping)"),
        (_set("decisions", 0, "decision", "hire"), "decisions[0].decision: wrong type (got 'hire', expected a mapping)"),
        (_set("decisions", 0, "decision", {"type": "hire"}), "decisions[0].decision.profile: missing required field (got nothing, expected a value)"),
        (_set("decisions", 0, "decision", "type", "teleport"), "decisions[0].decision.type: unknown type (got 'teleport', expected one of: hire, release,"),
        (_drop("decisions", 0, "decision", "type"), "decisions[0].decision.type: missing required field (got nothing, expected a type)"),
        (_set("decisions", 0, "decision", "colour", "red"), "decisions[0].decision.colour: unknown key (got 'colour', expected one of: level, rationale, type)"),
        (_set("decisions", 0, "decision", "rationale", "x" * 501), "decisions[0].decision.rationale: text too long (got 501 characters, expected at most 500)"),
        (_set("decisions", 1, "stop", -3), "decisions[1].stop: out of range (got -3, expected a value >= 0)"),
        (_set("decisions", 1, "stop", True), "decisions[1].stop: wrong type (got True, expected a whole number)"),
        (_set("decisions", 1, "stop", 1_000_000), "decisions[1].stop: out of range (got 1000000, expected at most"),
        (_set("decisions", -1, "day", 0), "].day: out of order (got 0.0, expected at least"),
        (_set("stops", "many"), "stops: wrong type (got 'many', expected a whole number)"),
        (_set("seed", -1), "seed: out of range (got -1, expected a value >= 0)"),
        (_set("seed", True), "seed: wrong type (got True, expected a whole number)"),
        (_set("difficulty", "brutal"), "difficulty: not an allowed value (got 'brutal', expected 'easy', 'standard' or 'hard')"),
        (_set("scenario", "sha256", 123), "scenario.sha256: wrong type (got 123, expected text)"),
        (_drop("scenario", "sha256"), "scenario.sha256: missing required field (got nothing, expected a value)"),
        (_set("scenario", {}), "scenario.id: missing required field (got nothing, expected a value) (and 1 more problem)"),
        (_set("scenario", "path", [1]), "scenario.path: wrong type (got [1], expected text)"),
        (_set("outcome", []), "outcome: wrong type (got [], expected a mapping)"),
        (_set("outcome", {}), "outcome.finish_day: missing required field (got nothing, expected a value) (and 17 more problems)"),
        (_drop("outcome", "cost"), "outcome.cost: missing required field (got nothing, expected a value)"),
        (_drop("outcome"), "outcome: missing required field (got nothing, expected the outcome a finished session records)"),
        (_set("format", "other/1"), "not a session log (got format 'other/1'"),
    ],
)
def test_read_log_names_the_field_the_value_and_what_was_expected(tmp_path, finished_log, edit, message):
    log = _edited_log(tmp_path, finished_log, edit)
    with pytest.raises(LogError) as caught:
        read_log(log)
    assert re.match(re.escape(str(log)) + r"(:\d+:\d+)?: ", str(caught.value))
    assert message in str(caught.value)


def test_a_log_error_gives_the_line_and_column_of_the_value_at_fault(tmp_path, finished_log):
    log = _edited_log(tmp_path, finished_log, _set("decisions", 1, "stop", -3))
    lines = log.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if '"stop": -3' in text)
    column = lines[line - 1].index("-3") + 1
    with pytest.raises(LogError, match=re.escape(f"{log}:{line}:{column}: decisions[1].stop: out of range (got -3, expected a value >= 0)")):
        read_log(log)
    log = _edited_log(tmp_path, finished_log, _set("decisions", 1, "stop", 1_000_000))  # a check across fields
    lines = log.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if '"stop": 1000000' in text)
    column = lines[line - 1].index("1000000") + 1
    with pytest.raises(LogError, match=re.escape(f"{log}:{line}:{column}: decisions[1].stop: out of range (got 1000000, expected at most")):
        read_log(log)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n "format": "itpm-sim-session/1",\n "seed": 1,,\n}')
    with pytest.raises(LogError, match=re.escape(f"{broken}:3:12: not a JSON session log (expecting property name")):
        read_log(broken)


def test_read_log_refuses_duplicate_keys_and_deep_nesting(tmp_path, finished_log):
    log = tmp_path / "s.json"
    log.write_bytes(finished_log.replace(b'"seed": 6,', b'"seed": 6, "seed": 7,', 1))
    with pytest.raises(LogError, match="key 'seed' appears twice"):
        read_log(log)
    log.write_text("[" * 100_000)
    with pytest.raises(LogError, match="nested too deeply"):
        read_log(log)
    log.write_bytes(finished_log.replace(b'"seed": 6,', b'"seed": ' + b"9" * 5000 + b",", 1))
    with pytest.raises(LogError, match=r"not a session log \(exceeds the limit \(4300 digits\)"):
        read_log(log)


def test_a_log_as_saved_reads_back_in_full(tmp_path, finished_log):
    log = tmp_path / "s.json"
    log.write_bytes(finished_log)
    data, read = json.loads(finished_log), read_log(log)
    assert read.outcome.model_dump(mode="json") == pytest.approx(data["outcome"])
    assert [e.decision.model_dump(mode="json") for e in read.decisions] == [e["decision"] for e in data["decisions"]]
    assert [e.wall_time.isoformat() for e in read.decisions] == [e["wall_time"] for e in data["decisions"]]


def test_malformed_decisions_name_the_missing_field(world):
    with pytest.raises(DecisionError, match=re.escape("malformed decision {'type': 'hire'}: profile: missing required field (got nothing, expected a value)")):
        Session(world, 1).decide({"type": "hire"})
    with pytest.raises(ValueError, match=re.escape("decisions[1].day: wrong type (got True, expected a number)")):
        DecisionPlan([{"day": 0, "decision": {"type": "set_overtime", "level": 0.1}}, {"day": True, "decision": {}}])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda w: Session.start(None), "expected the path of a scenario file or a bundled scenario id (got None)"),
        (lambda w: replay(None), "expected the path of a session log (got None)"),
        (lambda w: Session(w, 1).step(5), "step(): expected an iterable of decisions (an empty list for none), got 5"),
        (lambda w: Session(w, 1).decide(5), "expected a decision (a model from sim.engine or its dict), got 5"),
        (lambda w: Session(w, 1).run(lambda report: None), "on day 0: expected an iterable of decisions (an empty list for none), got None"),
    ],
)
def test_the_api_names_a_value_of_the_wrong_type(world, call, message):
    with pytest.raises(TypeError) as caught:
        call(world)
    assert message in str(caught.value)


def test_a_report_kept_by_a_policy_still_shows_its_own_stop():
    # A report builds its task, register and market lines when first read; one that is kept is frozen before the
    # project moves on, so reading it later shows what it would have shown at its stop.
    world = World.from_file("cloud_rollout")
    read_at_the_stop, kept = [], []
    first, second = make_policy("aggressive"), make_policy("aggressive")

    def reading(report):
        read_at_the_stop.append(copy.deepcopy((report.tasks, report.risks, report.market)))
        return first(report)

    def keeping(report):
        kept.append(report)
        return second(report)

    Session(world, 4).run(reading)
    Session(world, 4).run(keeping)
    assert len(kept) == len(read_at_the_stop) > 20
    assert [(r.tasks, r.risks, r.market) for r in kept] == read_at_the_stop
    assert {t["state"] for t in kept[0].tasks} != {t["state"] for t in kept[-1].tasks}  # the project did move on


def test_on_save_gets_the_exact_bytes_of_every_save(world, tmp_path):
    """A hook (a panel signs logs with it) sees each save as written, and only after the file is in place."""
    seen = []
    session = Session(world, 3)
    session.on_save = lambda path, data: seen.append((path, data, path.read_bytes()))
    session.keep_log(tmp_path / "s.session.json")
    session.decide(SetOvertime(level=0.1))
    session.advance()
    assert len(seen) == 3 and all(path == tmp_path / "s.session.json" for path, _, _ in seen)
    assert all(data == on_disk for _, data, on_disk in seen)
    assert json.loads(seen[-1][1])["stops"] == 1 and json.loads(seen[1][1])["decisions"][0]["decision"]["level"] == 0.1


def test_replay_refuses_a_log_of_an_earlier_model_naming_its_kit(world, tmp_path, cli):
    log = tmp_path / "s.json"
    Session(world, 1, log).run(make_policy("passive"))
    data = json.loads(log.read_text())
    data["kit_version"] = "0.1.0"
    log.write_text(json.dumps(data))
    message = f"{log}: recorded with ITPM Sim 0.1.0, whose model differs from this kit's {sim.__version__}: replay it with that version"
    with pytest.raises(ModelVersionError) as caught:
        replay(log)
    assert str(caught.value) == message and caught.value.version == "0.1.0" and isinstance(caught.value, LogError)
    done = cli("replay", str(log))
    assert done.returncode == 2 and message in done.stderr

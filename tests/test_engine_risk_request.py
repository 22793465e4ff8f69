"""After a risk strikes, its request offers only responses that can still act on the impact, and says what
accepting it costs (issue 14, item 2; docs/MODEL.md, Risks)."""

from __future__ import annotations

import pytest

from sim.engine import Session, World, rules


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file("network_migration")


def _first_hit(world: World, seed: int):
    session = Session(world, seed)
    while not session.done:
        report = session.advance()
        for request in report.requests:
            if request["kind"] == "risk":
                return session, report, request
    return None


def test_a_struck_risk_offers_only_responses_that_act_on_the_impact_and_prices_acceptance(world):
    seen_late = 0
    for seed in range(1, 40):
        found = _first_hit(world, seed)
        if found is None:
            continue
        session, report, request = found
        risk = session.project.risks[request["id"].split(":", 1)[1]]
        offered = {o["id"]: o for o in request["options"]}
        for response in risk.spec.responses:
            acts = response.strategy in ("mitigate", "transfer") and response.impact_factor < 1 and response.id not in risk.bought
            assert (response.id in offered) == acts, f"seed {seed}: {response.id}"
            seen_late += response.impact_factor == 1
        staff = session.project.staff
        burn = sum(x.rate for x in staff)
        loss = world.impact_money([i.model_dump() for i in risk.spec.impacts], burn, burn / len(staff)) * risk.impact_factor()
        assert offered["accept"]["cost"] == 0.0 and offered["accept"]["loss"] == pytest.approx(loss)
        for response in risk.spec.responses:
            if response.id in offered:
                assert offered[response.id]["loss"] == pytest.approx(loss * response.impact_factor)
        assert f"(worth about {report.currency} {loss:,.0f})" in request["description"]
        assert "Accepting the impact means: " in request["description"]
    assert seen_late  # some risk that struck had a response that lowers only the probability, and it was not offered


def test_a_risk_about_a_task_strikes_only_while_that_task_runs(world):
    about = {r.id: r.during for r in world.scenario.risks if r.during}
    assert {"R-CUT-OUTAGE", "R-CONFIG-DEFECTS", "R-FIRMWARE"} <= set(about)
    struck = at_cutover = 0
    for seed in range(1, 41):
        session = Session(world, seed)
        session.run(lambda report: [])
        p = session.project
        for e in p.events:
            if e["kind"] == "risk" and e["ref"] in about:
                task = p.tasks[about[e["ref"]]]
                assert task.start is not None and task.start <= e["day"] <= task.finish, (seed, e["ref"], task.start, e["day"], task.finish)
                window = world.scenario.risks[[r.id for r in world.scenario.risks].index(e["ref"])].window
                time = p.risks[e["ref"]].time
                assert time == pytest.approx(task.start + rules.strike_time(window.start, window.end, p.risks[e["ref"]].u_time))
                if task.kind == "cutover" and e["day"] < time:  # at its first cutover attempt at the latest
                    assert e["day"] % 1 == 0.25 and task.attempts >= 1
                    at_cutover += 1
                else:
                    assert e["day"] == pytest.approx(time)
                struck += 1
        for e in p.events:  # an early warning never comes before the task it is about has started
            if e["kind"] == "warning" and e["ref"] in about:
                assert p.tasks[about[e["ref"]]].start <= e["day"]
    assert struck > 10 and at_cutover > 0


def test_a_risk_whose_task_never_runs_does_not_strike(edited, world):
    def certain(data):  # the HQ core outage made certain; the HQ core cutover then cut before it starts
        risk = next(r for r in data["risks"] if r["id"] == "R-CUT-OUTAGE")
        risk["probability"] = 1.0
        next(t for t in data["tasks"] if t["id"] == "CUT-HQ-CORE")["scope"] = "could"

    sure = edited(world, certain)
    kept, cut = Session(sure, 5), Session(sure, 5)
    cut.decide({"type": "cut_scope", "task": "CUT-HQ-CORE"})
    for session in (kept, cut):
        session.run(lambda report: [])
    assert any(e["kind"] == "risk" and e["ref"] == "R-CUT-OUTAGE" for e in kept.project.events)
    assert not any(e["ref"] == "R-CUT-OUTAGE" for e in cut.project.events)
    assert not cut.project.risks["R-CUT-OUTAGE"].hit

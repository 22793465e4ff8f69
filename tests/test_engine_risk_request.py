"""After a risk strikes, its request offers only responses that can still act on the impact, and says what
accepting it costs (issue 14, item 2; docs/MODEL.md, Risks)."""

from __future__ import annotations

import pytest

from sim.engine import Session, World


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
        assert f"(worth about {loss:,.0f} {report.currency})" in request["description"]
        assert "Accepting the impact means: " in request["description"]
    assert seen_late  # some risk that struck had a response that lowers only the probability, and it was not offered

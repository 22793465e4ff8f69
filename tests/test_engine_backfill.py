"""The labour market can always supply a skill the work needs (docs/MODEL.md, Skill gaps): a project whose only
holder of a skill leaves does not stall until the sponsor abandons it, even when no market profile offers it."""

from __future__ import annotations

import pytest

from sim.engine import Release, Session, World, rules


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file("software_build")


def test_a_skill_nobody_in_the_market_offers_is_backfilled_at_a_premium_after_a_lead_time(world):
    skill = "tech_writing"  # held by three people on the team, offered by no market profile
    holders = [x for x in world.scenario.team if x.skills.get(skill, 0) > 0]
    assert len(holders) == 3 and not any(m.skills.get(skill, 0) > 0 for m in world.scenario.market)
    session = Session(world, 3)
    for person in holders:  # every writer leaves on day 0: a stall, unless someone is found
        session.decide(Release(person=person.id))
    session.run(lambda report: [])
    p, d = session.project, world.params.decisions
    assert p.finished is not None and not p.abandoned
    profile = world.backfill(skill)
    assert profile.daily_rate == pytest.approx(rules.backfill_rate(max(x.daily_rate for x in holders), d.backfill_premium))
    assert profile.lead_time == d.backfill_lead_days and profile.skills == {skill: world.params.productivity.nominal_proficiency}
    escalation = [e for e in p.events if e["kind"] == "escalation" and profile.title in e["text"]]
    assert escalation and escalation[0]["text"].startswith("The PMO escalated:") and profile.title in escalation[0]["text"]
    blocked = [t for t in world.scenario.tasks if getattr(t, "skill", None) == skill]
    assert all(p.tasks[t.id].state == "done" for t in blocked)
    arrived = next(e for e in p.events if e["kind"] == "arrival" and e["ref"].startswith(profile.id))
    assert arrived["day"] - escalation[0]["day"] >= d.backfill_lead_days - 1

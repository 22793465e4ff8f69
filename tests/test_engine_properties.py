"""Property tests on generated scenarios: the engine's invariants hold for any valid world."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import Session, World
from sim.policies import make_policy
from sim.schema import Scenario
from sim.schema.references import check_references

SKILLS = ["net", "dev", "test", "ops"]
DRIVERS = {"communication": 1, "surprises": 1, "change_handling": 1, "incidents": 1, "outcome": 1}


def _estimate(draw) -> dict:
    o = draw(st.floats(0.5, 8))
    m = o + draw(st.floats(0, 6))
    return {"optimistic": o, "most_likely": m, "pessimistic": m + draw(st.floats(0, 10))}


@st.composite
def scenarios(draw) -> dict:
    n_tasks = draw(st.integers(2, 12))
    tasks = []
    for i in range(n_tasks):
        deps = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        kind = draw(st.sampled_from(["work", "work", "test", "procurement", "cutover", "milestone"]))
        task = {"id": f"T{i}", "name": f"Task {i}", "phase": "P", "kind": kind, "depends_on": [f"T{d}" for d in deps],
                "scope": draw(st.sampled_from(["must", "should", "could"])), "value": draw(st.floats(0, 50))}
        if kind != "milestone":
            task |= {"skill": draw(st.sampled_from(SKILLS)), "effort": _estimate(draw), "max_people": draw(st.integers(1, 3))}
        if kind == "procurement":
            task |= {"vendor": "V", "cost": draw(st.floats(0, 5000)), "lead_time": _estimate(draw)}
            task.pop("max_people")
        if kind == "cutover":
            task |= {"success_probability": draw(st.floats(0.3, 1)), "rollback_effort": draw(st.floats(0, 3))}
        tasks.append(task)
    team = [
        {"id": f"p{i}", "name": f"Person {i}", "role": "eng", "daily_rate": draw(st.floats(100, 900)),
         "availability": draw(st.floats(0.3, 1)), "morale": draw(st.floats(0.3, 0.95)),
         "skills": {s: draw(st.floats(0.05, 1)) for s in SKILLS if draw(st.booleans()) or s == SKILLS[i % 4]}}
        for i in range(draw(st.integers(4, 7)))
    ]
    impacts = st.sampled_from([
        {"type": "delay", "task": "T0", "days": 3},
        {"type": "extra_effort", "tasks": ["T1"], "share": 0.3},
        {"type": "cost", "amount": 1000},
        {"type": "defects", "count": 4},
        {"type": "morale", "delta": -0.2},
        {"type": "lose_person"},
        {"type": "scope_change", "task": "T1", "share": 0.2, "value": 5},
    ])
    risks = [
        {"id": f"R{i}", "title": "r", "category": "technical", "probability": draw(st.floats(0, 1)),
         "window": {"start": 0, "end": draw(st.floats(0, 60))}, "impacts": [draw(impacts)],
         "indicator": {"signal": "s", "lead_days": draw(st.integers(1, 10))},
         "responses": [{"id": "m", "strategy": "mitigate", "description": "d", "cost": draw(st.floats(0, 3000)),
                        "probability_factor": draw(st.floats(0, 1)), "impact_factor": draw(st.floats(0, 1))}]}
        for i in range(draw(st.integers(0, 4)))
    ]
    events = [
        {"id": "CR", "type": "change_request", "title": "CR", "description": "d",
         "trigger": draw(st.sampled_from([{"day": 7}, {"after_task": "T0"}, {"progress_at_least": 0.3}])),
         "options": [{"id": "accept", "label": "a", "cost": 500, "effects": [
             {"type": "add_task", "task": {"id": "CRX", "name": "extra", "phase": "P", "kind": "work", "skill": "dev",
                                           "effort": {"optimistic": 1, "most_likely": 2, "pessimistic": 4}, "depends_on": ["T0"]}}]},
                     {"id": "reject", "label": "r"}, {"id": "defer", "label": "later"}],
         "default": draw(st.sampled_from(["accept", "reject", "defer"])), "favoured_by": ["users"]},
        {"id": "CUT", "type": "budget_cut", "title": "cut", "description": "d", "trigger": {"day": 12},
         "options": [{"id": "absorb", "label": "a", "effects": [{"type": "budget", "amount": -2000}]}], "default": "absorb"},
    ]
    start = dt.date(2027, 1, 4)
    return {
        "schema_version": 1, "id": "generated", "title": "G", "kind": "other", "methodology": "waterfall",
        "briefing": "b", "objectives": ["o"],
        "calendar": {"start": start, "deadline": start + dt.timedelta(days=draw(st.integers(20, 200))),
                     "weekly_cutover_days": draw(st.sampled_from([["sat"], ["wed"], []])),
                     "change_freezes": [{"start": start + dt.timedelta(days=30), "end": start + dt.timedelta(days=40)}]},
        "budget": {"currency": "EUR", "budget_at_completion": draw(st.floats(10_000, 500_000)), "management_reserve": 5000},
        "skills": {s: s for s in SKILLS}, "team": team,
        "market": [{"id": "c", "title": "Contractor", "contract": "contractor", "skills": {"dev": 0.7, "net": 0.6},
                    "daily_rate": 700, "lead_time": 3, "ramp_up": 5, "max_hires": 2}],
        "tasks": tasks, "risks": risks, "events": events,
        "stakeholders": [{"id": "sponsor", "name": "S", "role": "sponsor", "satisfaction": 0.6, "drivers": DRIVERS},
                         {"id": "users", "name": "U", "role": "users", "satisfaction": 0.6, "drivers": DRIVERS}],
        "scoring": {"schedule": 1, "cost": 1, "scope": 1, "quality": 1, "satisfaction": 1, "team": 1},
    }


def _play(data: dict, seed: int, policy: str) -> tuple[Session, list]:
    assert check_references(data) == [], check_references(data)
    world = World(Scenario.model_validate(data))
    session = Session(world, seed)
    policy_fn = make_policy(policy)
    reports = [session.observe()]
    while not reports[-1].done:
        for decision in policy_fn(reports[-1]):
            session.decide(decision)
        _check_assignments(session)
        reports.append(session.advance())
    return session, reports


def _check_assignments(session: Session) -> None:
    seen = set()
    for task in session.project.tasks.values():
        for person in task.people:
            assert person.id not in seen, f"{person.id} is on two tasks"
            assert person.present and person.task is task
            seen.add(person.id)
        assert len(task.people) <= max(task.max_people, 0)


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32), policy=st.sampled_from(["passive", "reference", "aggressive", "cautious"]))
def test_engine_invariants(data, seed, policy):
    session, reports = _play(data, seed, policy)
    project = session.project
    assert project.ended

    # Time never goes backwards.
    days = [r.day for r in reports]
    assert days == sorted(days)
    timeline_days = [row.day for row in project.timeline]
    assert all(b > a for a, b in itertools.pairwise(timeline_days))

    # No task starts before its dependencies end; a fast-tracked one may overlap work predecessors only, never
    # starts before they do and never finishes before they do.
    for task in project.tasks.values():
        if task.start is None:
            continue
        if task.finish is not None and task.state == "done":
            assert task.finish >= task.start - 1e-9
        for dep in task.deps:
            if task.fast_tracked and not (dep.finish is not None and dep.finish <= task.start + 1e-9):
                assert task.kind == "work" and dep.kind == "work", f"{task.id} overlapped a {dep.kind}"
                assert dep.start is not None and dep.start <= task.start
                if task.state == "done" and dep.state == "done":
                    assert dep.finish <= task.finish + 1e-9, f"fast-tracked {task.id} finished before {dep.id}"
            elif dep.state == "done":
                assert dep.finish <= task.start + 1e-9, f"{task.id} started at {task.start} before {dep.id} ended at {dep.finish}"
            else:
                assert dep.state == "cut" and dep.finish <= task.start + 1e-9

    # Nobody works beyond their availability: one task at a time, no more days than present.
    end = project.finished if project.finished is not None else project.now
    for person in project.people.values():
        present = (person.left if person.left is not None else end) - person.joined
        assert person.days_worked <= present + 1e-9
        assert person.overtime_days <= project.p.overtime.max_level * person.days_worked + 1e-9

    # Money spent equals the sum of its parts, each recomputed independently.
    procurement = sum(t.spec.cost for t in project.tasks.values() if t.kind == "procurement" and t.state in ("ordered", "done"))
    responses = sum(r.cost for risk in project.risks.values() for r in risk.spec.responses if r.id in risk.bought)
    fees = {p.id: p.hiring_fee if p.hiring_fee is not None else project.p.decisions.hiring_fee_share * p.daily_rate
            for p in data_market(project)}
    for pid in project.hired:  # the PMO's backfill contractor for a skill no profile offers: the default share of its rate
        if pid not in fees:
            fees[pid] = project.p.decisions.hiring_fee_share * project.world.backfill(pid.removeprefix("backfill-")).daily_rate
    hiring = sum(fees[p] * n for p, n in project.hired.items())
    assert abs(project.costs["procurement"] - procurement) < 1e-6
    assert abs(project.costs["responses"] - responses) < 1e-6
    assert abs(project.costs["hiring"] - hiring) < 1e-6
    assert abs(project.spent - sum(project.costs.values())) < 1e-6
    labour_rows = [row.labour_cost for row in project.timeline]
    assert labour_rows == sorted(labour_rows) and abs(labour_rows[-1] - project.costs["labour"]) < 1e-6 if labour_rows else True


def data_market(project):
    return project.scenario.market

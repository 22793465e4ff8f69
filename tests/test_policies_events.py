"""The reference PM's answers to scripted events (docs/MODEL.md, The reference PM), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.engine import TaskStatus
from sim.policies import Reference, _change, _covered_pay, _option_loss


def _report(a_skill=0.9, b_skill=0.5, rates=(600.0, 400.0), **changes):
    """Two people (a working, b idle) who both know "x", one unfinished task "t" of 10 person-days that needs it, day 50
    of a forecast finish on day 150, a budget of 1,000,000 and five stakeholders."""
    team = [{"id": "a", "daily_rate": rates[0], "status": "working", "skills": {"x": a_skill}},
            {"id": "b", "daily_rate": rates[1], "status": "idle", "skills": {"x": b_skill, "y": 0.7}}]
    fields = {"team": team, "tasks": [{"id": "t", "estimate": 10.0, "state": TaskStatus.ACTIVE, "skill": "x"}],
              "original_budget": 1_000_000.0, "satisfaction": dict.fromkeys("abcde", 0.6), "day": 50.0, "forecast_finish_day": 150.0}
    return SimpleNamespace(**{**fields, **changes})


def test_option_loss():
    # goodwill: 0.5 x 1,000,000 / 5 stakeholders = 100,000 per unit of one stakeholder's satisfaction.
    # Losing a person costs 20 days of the mean rate 500 = 10,000 and wins 0.06: 10,000 - 6,000 = 4,000.
    release = {"cost": 0, "effects": [{"type": "lose_person", "person": "a"}, {"type": "satisfaction", "stakeholder": "s", "delta": 0.06}]}
    assert _option_loss(_report(), release) == pytest.approx(4_000)
    # Refusing loses 0.12 (12,000) and 0.05 of morale for 10 days at 0.2 of the 1,000 burn (100): 12,100, and 2,000 paid.
    refuse = {"cost": 2000, "effects": [{"type": "satisfaction", "stakeholder": "s", "delta": -0.12}, {"type": "morale", "delta": -0.05}]}
    assert _option_loss(_report(), refuse) == pytest.approx(14_100)


def test_change():
    # 10 days and 30,000 granted; new work of PERT (1 + 4·2 + 3)/6 = 2 person-days at the mean rate 500 plus 41,000 of kit
    effects = [{"type": "deadline", "days": 10}, {"type": "budget", "amount": 30000},
               {"type": "add_task", "task": {"id": "n", "effort": {"optimistic": 1, "most_likely": 2, "pessimistic": 3}, "cost": 41000}}]
    assert _change(_report(), effects) == (10, 30000, pytest.approx(2 * 500 + 41000))


def test_option_loss_counts_money_time_and_a_leavers_pay():
    # burn 1,000 a day, goodwill 100,000 per unit of one stakeholder's satisfaction (as above)
    absorb = {"cost": 0, "effects": [{"type": "budget", "amount": -50000}]}
    negotiate = {"cost": 0, "effects": [{"type": "budget", "amount": -25000}, {"type": "satisfaction", "stakeholder": "s", "delta": -0.08}]}
    assert _option_loss(_report(), absorb) == pytest.approx(50_000)
    assert _option_loss(_report(), negotiate) == pytest.approx(25_000 + 8_000)
    # ten more days to the deadline are worth ten days of delay: 0.5 x 1,000 x 10 = 5,000
    assert _option_loss(_report(), {"cost": 0, "effects": [{"type": "deadline", "days": 10}]}) == pytest.approx(-5_000)
    # a contractor at 680 whose skill b covers as well: 20 days of the mean rate (680 + 320)/2 = 500 to replace her,
    # less her pay over the 100 days to the forecast finish: 10,000 - 68,000
    let_go = {"cost": 0, "effects": [{"type": "lose_person", "person": "a"}]}
    assert _option_loss(_report(a_skill=0.6, b_skill=0.8, rates=(680.0, 320.0)), let_go) == pytest.approx(10_000 - 68_000)


def test_a_leavers_pay_is_saved_only_when_others_cover_the_skills_the_work_needs():
    assert _covered_pay(_report(a_skill=0.6, b_skill=0.8), "a") == 600.0
    assert _covered_pay(_report(a_skill=0.6, b_skill=0.6), "a") == 600.0  # as proficient is enough
    assert _covered_pay(_report(a_skill=0.9, b_skill=0.5), "a") == 0.0  # the best at "x": the work would wait for her
    done = [{"id": "t", "estimate": 10.0, "state": TaskStatus.DONE, "skill": "x"}]
    assert _covered_pay(_report(a_skill=0.9, b_skill=0.5, tasks=done), "a") == 600.0  # nothing left needs "x"
    assert _covered_pay(_report(), "b") == 400.0  # b's "y" is needed by no task, and a knows "x" better
    assert _covered_pay(_report(), "nobody") == 0.0


def test_the_reference_asks_the_reserve_the_register_justifies_at_the_start():
    from sim.engine import Session, cached_world

    session = Session(cached_world("cloud_rollout"), 1)
    report = session.observe()
    assert report.max_reserve > report.reserve
    asked = [x for x in Reference()(report) if x.type == "set_reserve"]
    assert [x.amount for x in asked] == [report.max_reserve]

"""The reference PM's answers to scripted events (docs/MODEL.md, The reference PM), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.policies import _change, _option_loss


def _report(**changes):
    team = [{"id": "a", "daily_rate": 600.0, "status": "working"}, {"id": "b", "daily_rate": 400.0, "status": "idle"}]
    return SimpleNamespace(team=team, tasks=[{"id": "t", "estimate": 10.0}], original_budget=1_000_000.0,
                           satisfaction=dict.fromkeys("abcde", 0.6), **changes)


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

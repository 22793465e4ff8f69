"""Earned value and earned schedule on hand-worked cases, and in the timeline."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Session, World
from sim.policies import make_policy
from sim.results import Results
from sim.results.evm import earned_schedule, earned_value, forecast_finish, value_share


def test_earned_value_hand_worked():
    # BAC 100,000; planned 50% done, earned 40%, spent 45,000.
    v = earned_value(100_000, 0.5, 0.4, 45_000)
    assert v["pv"] == 50_000 and v["ev"] == 40_000 and v["ac"] == 45_000
    assert v["sv"] == -10_000 and v["cv"] == -5_000
    assert v["spi"] == pytest.approx(0.8)
    assert v["cpi"] == pytest.approx(40 / 45)
    assert v["eac_cpi"] == pytest.approx(112_500)
    assert v["eac_atypical"] == pytest.approx(105_000)
    assert v["eac_composite"] == pytest.approx(45_000 + 60_000 / (40 / 45 * 0.8))  # 129,375
    assert v["eac_composite"] == pytest.approx(129_375)
    assert v["tcpi"] == pytest.approx(60_000 / 55_000)
    assert v["etc"] == pytest.approx(67_500) and v["vac"] == pytest.approx(-12_500)


def test_indices_undefined_before_anything_is_planned_or_spent():
    v = earned_value(100_000, 0.0, 0.0, 0.0)
    assert np.isnan(v["spi"]) and np.isnan(v["cpi"])


def test_earned_schedule_hand_worked():
    plan = [0.1 * d for d in range(1, 11)]  # a 10-day plan, 10% a day
    es = earned_schedule(plan, [0.45, 0.0, 1.0])
    assert es == pytest.approx([4.5, 0.0, 10.0])
    # day 6 with 45% earned: SPI(t) = 4.5 / 6 = 0.75, forecast 6 + (10 - 4.5) / 0.75
    assert forecast_finish(6.0, 10.0, 4.5) == pytest.approx(6 + 5.5 / 0.75)


def test_earned_schedule_handles_flat_stretches_of_the_plan():
    plan = [0.2, 0.2, 0.2, 0.6, 1.0]  # nothing planned on days 2 and 3
    # Lipke: C is the LAST day whose planned value is at most EV
    assert earned_schedule(plan, [0.2, 0.4, 0.1]) == pytest.approx([3.0, 3.5, 0.5])


def test_value_share_reads_the_time_phased_budget():
    cost_plan = [10.0, 30.0, 30.0, 100.0]  # planned cumulative spend at the end of days 1..4
    assert value_share(cost_plan, [0, 1, 1.5, 3, 4, 9]) == pytest.approx([0, 0.1, 0.2, 0.3, 1.0, 1.0])


def test_engine_and_results_compute_the_same_earned_schedule():
    world = World.from_file("software_build")
    base = world.baseline
    shares = np.linspace(0, 1, 41)
    assert earned_schedule(base.progress, shares) == pytest.approx([base.earned_schedule(x) for x in shares])


def test_timeline_carries_consistent_evm_columns():
    session = Session.start("network_migration", seed=3)
    session.run(make_policy("reference"))
    df = Results(session).timeline
    base = session.world.baseline
    assert (df["pv"] == df["budget"] * df["pv_share"]).all()
    assert (df["ev"] == df["budget"] * df["ev_share"]).all()
    assert (df["ac"] == df["cost"]).all()
    # the timeline and the status report read PV% and EV% off the same time-phased budget
    for row in df.iloc[::17].itertuples():
        assert row.pv_share == pytest.approx(base.value_share(row.day))
        assert row.ev_share == pytest.approx(base.earned_value_share(row.progress))
    assert np.allclose(df["eac"], df["eac_cpi"], equal_nan=True)
    assert df["eac_method"].iloc[0].startswith("EAC = BAC / CPI")
    last = df.iloc[-1]
    assert last["pv"] == pytest.approx(last["budget"])  # the plan is complete by the end
    assert df["forecast_finish_date"].notna().all()

"""Earned value and earned schedule (sim.engine.evm): hand-worked cases, floats against arrays, report against timeline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import Session, evm
from sim.policies import make_policy
from sim.results import Results


def test_earned_value():
    # BAC 100,000; planned 50% done, earned 40%, spent 45,000.
    v = evm.earned_value(100_000, 0.5, 0.4, 45_000, 0.0)
    assert v["pv"] == 50_000 and v["ev"] == 40_000 and v["ac"] == 45_000
    assert v["sv"] == -10_000 and v["cv"] == -5_000
    assert v["spi"] == pytest.approx(0.8)
    assert v["cpi"] == pytest.approx(40 / 45)
    assert v["eac_cpi"] == pytest.approx(112_500)  # AC + (BAC - EV) / CPI = 45,000 + 60,000 x 45/40 = BAC / CPI
    assert v["eac_atypical"] == pytest.approx(105_000)
    assert v["eac_composite"] == pytest.approx(45_000 + 60_000 / (40 / 45 * 0.8))  # 129,375
    assert v["eac_composite"] == pytest.approx(129_375)
    assert v["tcpi"] == pytest.approx(60_000 / 55_000)
    assert v["etc"] == pytest.approx(67_500) and v["vac"] == pytest.approx(-12_500)


def test_index():
    assert evm.index(40_000, 50_000) == pytest.approx(0.8)
    # the edge rule: nothing planned, spent or elapsed yet is on plan, for floats and arrays alike
    assert evm.index(0.0, 0.0) == 1.0 and evm.index(5.0, 0) == 1.0
    assert list(evm.index(np.array([0.0, 4.0]), np.array([0.0, 5.0]))) == [1.0, 0.8]


def test_earned_value_before_anything_is_planned_or_spent_is_on_plan():
    v = evm.earned_value(100_000, 0.0, 0.0, 0.0, 0.0)
    assert v["spi"] == 1.0 and v["cpi"] == 1.0
    assert v["eac_cpi"] == 100_000  # AC + (BAC - EV) / 1


def test_planned_progress():
    plan = (0.1, 0.3, 0.6, 1.0)
    assert [evm.planned_progress(plan, d) for d in (0, 1, 2.9, 4, 9)] == [0.0, 0.1, 0.3, 1.0, 1.0]


def test_earned_schedule():
    plan = [0.1 * d for d in range(1, 11)]  # a 10-day plan, 10% a day
    assert evm.earned_schedule(plan, np.array([0.45, 0.0, 1.0])) == pytest.approx([4.5, 0.0, 10.0])
    assert evm.earned_schedule(plan, 0.45) == pytest.approx(4.5)


def test_earned_schedule_handles_flat_stretches_of_the_plan():
    plan = [0.2, 0.2, 0.2, 0.6, 1.0]  # nothing planned on days 2 and 3
    # Lipke: C is the LAST day whose planned value is at most EV
    assert evm.earned_schedule(plan, np.array([0.2, 0.4, 0.1])) == pytest.approx([3.0, 3.5, 0.5])


def test_forecast_finish():
    # day 6 with an earned schedule of 4.5 on a 10-day plan: SPI(t) = 0.75, forecast 6 + 5.5 / 0.75
    assert evm.forecast_finish(6.0, 10.0, 4.5) == pytest.approx(6 + 5.5 / 0.75)
    assert evm.forecast_finish(6.0, 10.0, 0.0) == float("inf")  # nothing earned: never, at this pace
    assert evm.forecast_finish(6.0, 10.0, 0.0, floor=0.1) == pytest.approx(6 + 10 / 0.1)  # the report's floor
    assert evm.forecast_finish(0, 10.0, 0.0, floor=0.1) == 10.0  # day 0: SPI(t) is 1 by the edge rule


def test_estimate_at_completion():
    assert evm.estimate_at_completion(45_000, 100_000, 40_000, 0.5) == pytest.approx(165_000)
    assert evm.estimate_at_completion(45_000, 100_000, 40_000, 0.05, floor=0.1) == pytest.approx(645_000)
    assert evm.estimate_at_completion(45_000, 100_000, 0.0, 0.0) == float("inf")


def test_value_share():
    cost_plan = [10.0, 30.0, 30.0, 100.0]  # planned cumulative spend at the end of days 1..4
    assert evm.value_share(cost_plan, np.array([0, 1, 1.5, 3, 4, 9])) == pytest.approx([0, 0.1, 0.2, 0.3, 1.0, 1.0])
    assert evm.value_share([], 3.0) == 0.0 and evm.value_share([0.0, 0.0], 1.0) == 0.0


plans = st.lists(st.floats(0, 1).map(lambda x: round(x, 9)), min_size=1, max_size=30).map(lambda xs: tuple(np.maximum.accumulate(sorted(xs))))


@settings(max_examples=200, deadline=None)
@given(plan=plans, xs=st.lists(st.floats(0, 40), min_size=1, max_size=20))
def test_floats_and_arrays_give_the_same_numbers_to_the_bit(plan, xs):
    arr = np.array(xs)
    same = np.testing.assert_array_equal  # element by element, exactly (NaN equals NaN)
    for f in (evm.planned_progress, evm.earned_schedule, evm.value_share):
        same(f(plan, arr), [f(plan, x) for x in xs])
    es = evm.earned_schedule(plan, arr)
    pairs = list(zip(xs, es.tolist(), strict=True))  # Python floats, as the status report has them
    same(evm.index(es, arr), [evm.index(e, x) for x, e in pairs])
    same(evm.forecast_finish(arr, 12.0, es, 0.1), [evm.forecast_finish(x, 12.0, e, 0.1) for x, e in pairs])
    same(evm.estimate_at_completion(arr, 50.0, es, es / 7), [evm.estimate_at_completion(x, 50.0, e, e / 7) for x, e in pairs])


def test_the_timeline_shows_what_each_status_report_showed():
    session = Session.start("network_migration", seed=3)
    reports = []
    policy = make_policy("reference")
    session.run(lambda r: reports.append(r) or policy(r))
    df = Results(session).timeline.set_index("day")
    floor = session.world.params.decisions.forecast_index_floor
    meetings = [r for r in reports if r.reason == "status" and r.day in df.index]
    assert len(meetings) > 20
    for r in meetings:
        row = df.loc[r.day]
        assert (row.progress, row.planned_progress, row.spi, row.cpi) == (r.progress, r.planned_progress, r.spi, r.cpi)
        if row.spi_t >= floor and row.cpi >= floor:  # the report floors its indices; the timeline does not
            assert (row.forecast_finish_day, row.eac) == (r.forecast_finish_day, r.forecast_cost)


def test_timeline_carries_consistent_evm_columns():
    session = Session.start("network_migration", seed=3)
    session.run(make_policy("reference"))
    df = Results(session).timeline
    assert (df["pv"] == df["budget"] * df["pv_share"]).all()
    assert (df["ev"] == df["budget"] * df["ev_share"]).all()
    assert (df["ac"] == df["cost"]).all()
    assert (df["ev_share"] == evm.value_share(session.world.baseline.cost, df["es"].to_numpy())).all()
    assert np.allclose(df["eac"], df["eac_cpi"], equal_nan=True)
    work = df["cost"] - df["one_off_cost"]  # responses and hiring fees: outside the cost index (evm.work_cost)
    assert (df["cpi"] == evm.index(df["ev"].to_numpy(), work.to_numpy())).all()
    assert np.allclose(df["eac_cpi"], df["budget"] / df["cpi"] + df["one_off_cost"])  # BAC / CPI, plus the one-off costs
    assert df["eac_method"].iloc[0].startswith("EAC = AC + (BAC - EV) / CPI")
    last = df.iloc[-1]
    assert last["pv"] == pytest.approx(last["budget"])  # the plan is complete by the end
    assert df["forecast_finish_date"].notna().all()


def test_work_cost_keeps_risk_responses_out_of_the_cost_indices():
    """BAC 100,000, EV 8,000, AC 12,000 of which 3,000 on responses (docs/MODEL.md, earned value): CPI 8,000/9,000
    and EAC 9,000 + 92,000 / (8/9) + 3,000 = 115,500; AC stays the money spent."""
    from sim.engine import evm

    row = evm.earned_value(100_000, 0.1, 0.08, 12_000, 3_000)
    assert row["ac"] == 12_000 and row["cpi"] == pytest.approx(8 / 9) and row["cv"] == pytest.approx(-1_000)
    assert row["eac"] == pytest.approx(115_500) and row["eac_atypical"] == pytest.approx(104_000)
    assert evm.work_cost(12_000, 3_000) == 9_000
    upfront = evm.earned_value(100_000, 0.0, 0.0, 9_000, 9_000)  # responses bought in planning, no work yet
    assert upfront["cpi"] == 1.0 and upfront["eac"] == pytest.approx(109_000)


def test_a_hire_in_planning_is_no_cost_overrun_before_a_days_work():
    """A hiring fee is not work (docs/MODEL.md, earned value): paid before the start, it leaves CPI at 1.0 and adds
    itself to the EAC, where counted as work it read CPI 0 and an EAC of ten times the budget."""
    from sim.engine.decisions import Hire

    before = Session.start("network_migration", seed=1).observe()
    hired = Session.start("network_migration", seed=1)
    profile, fee = max(hired.world.hiring_fees.items(), key=lambda item: item[1])
    hired.decide(Hire(profile=profile))
    report = hired.observe()
    assert fee > 0 and report.spent == fee and hired.project.costs["hiring"] == fee
    assert report.cpi == 1.0 and before.cpi == 1.0
    assert report.forecast_cost == pytest.approx(before.forecast_cost + fee)
    week = hired.step([])
    work = week.spent - fee - hired.project.costs["responses"]  # a week's work judged on its own cost, not the fee
    assert week.cpi == pytest.approx(Results(hired).timeline["ev"].iloc[-1] / work)

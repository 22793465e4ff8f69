"""Evidence that the model teaches true lessons, over 200 seeds each on the bundled scenarios.

Every comparison is paired: the same 200 child seeds (common random numbers)
under different decisions, so the differences come from the decisions.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from functools import cache

import numpy as np
import pandas as pd
import pytest

from sim.analysis import Study, run_montecarlo
from sim.analysis.audit import paired_p
from sim.engine import World

pytestmark = pytest.mark.slow  # 200 paired seeds per arm and scenario: minutes

RUNS = 200
SEED = 2024
SCENARIOS = ("software_build", "cloud_rollout", "network_migration")
# A market profile whose skill the early work needs, per scenario (for the Brooks experiment).
HIRE = {"software_build": "fullstack_contractor", "cloud_rollout": "migration_contractor", "network_migration": "mk-net-contractor"}


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(2) as executor:
        yield executor


@cache
def _planned(name: str) -> float:
    return World.from_file(name).baseline.duration


def _plan(*entries) -> tuple:
    return tuple({"day": day, "decision": decision} for day, decision in entries)


def arms(name: str) -> dict[str, Study]:
    p = _planned(name)
    hire = {"type": "hire", "profile": HIRE[name]}
    overtime = lambda level: {"type": "set_overtime", "level": level}  # noqa: E731
    t = 0.55 * p
    return {
        "passive": Study(name, policy="passive"),
        "reference": Study(name, policy="reference"),
        "hire_early": Study(name, plan=_plan((0, hire), (0, hire))),
        "hire_late": Study(name, plan=_plan((0.75 * p, hire), (0.75 * p, hire))),
        "overtime_2w": Study(name, plan=_plan((t, overtime(0.2)), (t + 10, overtime(0.0)))),
        "overtime_8w": Study(name, plan=_plan((t - 30, overtime(0.2)), (t + 10, overtime(0.0)))),
        "communication_0": Study(name, plan=_plan((0, {"type": "set_communication", "level": 0.0}))),
        "communication_40": Study(name, plan=_plan((0, {"type": "set_communication", "level": 0.4}))),
        "quality_0": Study(name, plan=_plan((0, {"type": "set_quality", "level": 0.0}))),
        "quality_25": Study(name, plan=_plan((0, {"type": "set_quality", "level": 0.25}))),
    }


_results: dict[tuple[str, str], pd.DataFrame] = {}


def runs(pool, name: str, arm: str) -> pd.DataFrame:
    key = (name, arm)
    if key not in _results:
        _results[key] = run_montecarlo(arms(name)[arm], RUNS, seed=SEED, executor=pool, chunk_size=25)
        assert (_results[key]["refused"] == 0).all(), f"{arm}: a planned decision was refused"
    return _results[key]


def diff(pool, name: str, arm: str, base: str, column: str = "finish_day") -> np.ndarray:
    a, b = runs(pool, name, arm), runs(pool, name, base)
    assert (a["seed"].to_numpy() == b["seed"].to_numpy()).all()
    return a[column].to_numpy(dtype=float) - b[column].to_numpy(dtype=float)


@pytest.mark.parametrize("name", SCENARIOS)
def test_brooks_law_early_hires_help_late_ones_do_not(pool, name):
    early = diff(pool, name, "hire_early", "passive")
    late = diff(pool, name, "hire_late", "passive")
    assert early.mean() < 0, f"two early hires should shorten the mean schedule (got {early.mean():+.2f} days)"
    assert late.mean() > 0.5 * early.mean(), "late hires should give back far less than early ones"
    assert diff(pool, name, "hire_late", "passive", "cost").mean() > 0, "adding staff always raises cost (Hsia et al.)"


def test_brooks_law_late_hires_lengthen_labour_bound_software_work(pool):
    late = diff(pool, "software_build", "hire_late", "passive")
    assert late.mean() > 0, f"two hires after 75% of the plan should lengthen the schedule (got {late.mean():+.2f} days)"


@pytest.mark.parametrize("name", SCENARIOS)
def test_overtime_short_bursts_pay_sustained_crunch_does_not(pool, name):
    short = diff(pool, name, "overtime_2w", "passive")
    long = diff(pool, name, "overtime_8w", "passive")
    assert short.mean() < 0, f"two weeks of 20% overtime should shorten the schedule (got {short.mean():+.2f} days)"
    assert long.mean() > short.mean(), "eight weeks should gain less than two (the gain shrinks or reverses)"
    crunch, base = runs(pool, name, "overtime_8w"), runs(pool, name, "passive")
    assert crunch["escaped_defects"].mean() > base["escaped_defects"].mean()
    assert crunch["resignations"].mean() > base["resignations"].mean()


@pytest.mark.parametrize("name", SCENARIOS)
def test_cost_effective_mitigation_lowers_mean_total_cost(pool, name):
    world = World.from_file(name)
    choice = None
    for risk in world.scenario.risks:
        money = sum(i.amount for i in risk.impacts if i.type == "cost")
        if money and all(i.type in ("cost", "satisfaction") for i in risk.impacts):
            for r in risk.responses:
                if r.cost < risk.probability * money * (1 - r.probability_factor * r.impact_factor):
                    choice = (risk.id, r.id)
    assert choice, f"{name} has no pure-cost risk with a response cheaper than probability x impact"
    study = Study(name, plan=_plan((0, {"type": "buy_response", "risk": choice[0], "response": choice[1]})))
    mitigated = run_montecarlo(study, RUNS, seed=SEED, executor=pool, chunk_size=25)
    base = runs(pool, name, "passive")
    assert mitigated["cost"].mean() < base["cost"].mean(), f"buying {choice} should lower the mean total cost"


@pytest.mark.parametrize("name", SCENARIOS)
def test_communication_has_an_optimum_in_between(pool, name):
    silent, nominal, meetings = (runs(pool, name, a) for a in ("communication_0", "passive", "communication_40"))
    assert silent["surprises"].mean() > nominal["surprises"].mean()
    assert silent["satisfaction"].mean() < nominal["satisfaction"].mean()
    assert meetings["finish_day"].mean() > nominal["finish_day"].mean(), "excessive meetings should slow delivery"
    assert nominal["score"].mean() > max(silent["score"].mean(), meetings["score"].mean()), "the middle should score best"


@pytest.mark.parametrize("name", SCENARIOS)
def test_quality_effort_reduces_escaped_defects(pool, name):
    low, nominal, high = (runs(pool, name, a)["escaped_defects"].mean() for a in ("quality_0", "passive", "quality_25"))
    assert low > nominal > high


@pytest.mark.parametrize("name", SCENARIOS)
def test_passive_succeeds_in_a_realistic_minority_and_reference_beats_it(pool, name):
    passive, reference = runs(pool, name, "passive"), runs(pool, name, "reference")
    success = (passive["on_time"] & passive["on_budget"]).mean()
    assert 0.20 <= success <= 0.45, f"passive finished on time and on budget in {success:.0%} of seeds (CHAOS: about a third)"
    assert reference["score"].mean() > passive["score"].mean()
    assert paired_p(reference["score"].to_numpy(), passive["score"].to_numpy()) < 0.01

"""The rubric discriminates: over 100 seeds, the reference PM's rubric total beats the cautious and the passive
policies' on every bundled scenario (a one-sided paired t-test on the same seeds, p < 0.01).

Measured with kit 0.3.1 (these 100 seeds, child_seeds(2024); the default weights; rubric totals, mean gap, share of
seeds reference is ahead, paired t, one-sided p):

    scenario           vs passive                              vs cautious
    network_migration  76.4 - 53.3 = +23.1, 100%, t 27.8, p 7e-49  76.4 - 71.5 = +4.9, 76%, t 7.57, p 1e-11
    cloud_rollout      79.5 - 53.4 = +26.1, 100%, t 28.5, p 8e-50  79.5 - 76.9 = +2.5, 61%, t 3.59, p 0.0003
    software_build     77.9 - 52.7 = +25.2, 99%, t 29.4, p 5e-51   77.9 - 71.4 = +6.5, 69%, t 6.73, p 6e-10

Before kit 0.2.0 reference beat cautious at p < 0.01 on software_build only: cautious's extra communication and
quality effort (15% against 12%) won about as much satisfaction and quality as its lateness cost in planning and
budget.  Issue #12 ("A model that cannot be gamed") changed exactly that, and this issue's rubric is scored on that
model.

Kit 0.2.0 (issue #12's model, and a reference PM that reads what an event's options do) made reference beat
cautious on network_migration at p < 0.01.  On cloud_rollout cautious still tied reference until kit 0.3.1, whose
reference PM asks the justified reserve, values an event's options by their money, time and people, and buys risk
responses at a margin of 0.7 (docs/MODEL.md, The reference PM): measured on these 100 seeds, reference's rubric
total is 2.5 points above cautious's there (p 0.0003), so no case is expected to fail any more.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from functools import cache

import numpy as np
import pytest

from sim.analysis import child_seeds
from sim.engine import Session, cached_world
from sim.panel.rubric import DUTY_KEYS, measure
from sim.policies import make_policy
from sim.schema import bundled_scenarios

stats = pytest.importorskip("scipy.stats")

SEEDS = 100
POLICIES = ("reference", "cautious", "passive")
WEIGHTS = {key: 1.0 for key in DUTY_KEYS}  # the default rubric

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def _total(scenario: str, policy: str, seed: int) -> float:
    session = Session(cached_world(scenario), seed)
    session.run(make_policy(policy))
    return measure(session).total(WEIGHTS)


@cache
def totals(scenario: str) -> dict[str, np.ndarray]:
    """Every policy's rubric total on the same 100 seeds."""
    seeds = child_seeds(2024, SEEDS)
    with ProcessPoolExecutor(2) as pool:
        return {p: np.array(list(pool.map(_total, [scenario] * SEEDS, [p] * SEEDS, seeds, chunksize=10))) for p in POLICIES}


CASES = [(s.stem, other) for s in bundled_scenarios() for other in ("cautious", "passive")]


@pytest.mark.parametrize(("scenario", "other"), CASES)
def test_reference_scores_above_the_other_policy_on_the_rubric(scenario, other):
    got = totals(scenario)
    reference, them = got["reference"], got[other]
    test = stats.ttest_rel(reference, them, alternative="greater")
    gap = reference - them
    assert gap.mean() > 0 and test.pvalue < 0.01, (
        f"{scenario}: reference {reference.mean():.1f} vs {other} {them.mean():.1f} (mean gap {gap.mean():+.2f}, "
        f"reference ahead on {np.mean(gap > 0):.0%} of seeds, t = {test.statistic:.2f}, p = {test.pvalue:.3g})")

"""The rubric discriminates: over 100 seeds, the reference PM's rubric total beats the cautious and the passive
policies' on every bundled scenario (a one-sided paired t-test on the same seeds, p < 0.01).

Measured on the current model (these 100 seeds, child_seeds(2024); the default weights; rubric totals, mean
gap, share of seeds reference is ahead, paired t, one-sided p):

    scenario           vs passive                             vs cautious
    network_migration  67.8 - 52.8 = +15.0, 97%, t 18.6, p 2e-34  67.8 - 66.3 = +1.5, 55%, t 2.27, p 0.013
    cloud_rollout      74.5 - 55.2 = +19.3, 99%, t 26.3, p 1e-46  74.5 - 75.6 = -1.1, 42%, t -1.73, p 0.96
    software_build     74.6 - 52.7 = +21.9, 100%, t 27.1, p 7e-48 74.6 - 71.9 = +2.7, 62%, t 2.75, p 0.0035

Reference beats cautious at p < 0.01 on software_build only: under today's model cautious's extra communication
and quality effort (15% against 12%) wins about as much satisfaction and quality as its lateness costs in
planning and budget.  Issue #12 ("A model that cannot be gamed") changes exactly that ("maximum communication"
and "maximum quality" may not beat reference), and this issue's rubric is to be scored on that model; until then
those two cases are expected to fail, strictly: once reference beats cautious there, they pass, the strict xfail
fails, and the marker is to be removed.

Kit 0.2.0 (issue #12's model, and a reference PM that reads what an event's options do) made reference beat
cautious on network_migration at p < 0.01 (measured in this test's run), so that marker is gone.  On cloud_rollout
cautious still ties reference (on the score, +0.7 points for reference over 100 seeds, one-sided p 0.02): that case
stays a strict xfail, an open gap rather than a hidden one.
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
AWAITING_ISSUE_12 = {("cloud_rollout", "cautious")}

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


CASES = [pytest.param(s.stem, other, marks=pytest.mark.xfail(
             (s.stem, other) in AWAITING_ISSUE_12, strict=True,
             reason="cautious ties reference under today's model; see the module docstring and issue #12"))
         for s in bundled_scenarios() for other in ("cautious", "passive")]


@pytest.mark.parametrize(("scenario", "other"), CASES)
def test_reference_scores_above_the_other_policy_on_the_rubric(scenario, other):
    got = totals(scenario)
    reference, them = got["reference"], got[other]
    test = stats.ttest_rel(reference, them, alternative="greater")
    gap = reference - them
    assert gap.mean() > 0 and test.pvalue < 0.01, (
        f"{scenario}: reference {reference.mean():.1f} vs {other} {them.mean():.1f} (mean gap {gap.mean():+.2f}, "
        f"reference ahead on {np.mean(gap > 0):.0%} of seeds, t = {test.statistic:.2f}, p = {test.pvalue:.3g})")

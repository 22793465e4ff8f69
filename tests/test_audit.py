"""The adversarial audit (sim.analysis.audit, `itpm-sim audit`): no simple gaming tactic beats the reference PM."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.audit import ALPHA, arms, audit, paired_p, table
from sim.policies import TACTICS, make_policy

STARTER = str(Path(__file__).resolve().parents[1] / "scenarios" / "templates" / "starter.yaml")
ISSUE_TACTICS = ("fast_track", "request_time", "request_budget", "max_reserve", "first_option", "cheapest_option", "hire_all",
                 "cut_optional", "max_quality", "max_communication", "overtime_50", "release_all")


def test_every_tactic_of_the_issue_is_played_on_passive_and_on_reference():
    assert set(ISSUE_TACTICS) < set(TACTICS)
    played = arms()
    assert played[:2] == ["passive", "reference"]
    assert all(f"{base}+{t}" in played for t in TACTICS for base in ("passive", "reference"))
    with pytest.raises(ValueError, match="unknown policy 'reference\\+teleport'"):
        make_policy("reference+teleport")


def test_paired_p():
    # differences 1, 2, 3, 4, 5: mean 3, sd 1.581, t = 3/(1.581/√5) = 4.243 on 4 df, one-sided p = 0.00662
    a, b = np.array([2.0, 4, 6, 8, 10]), np.array([1.0, 2, 3, 4, 5])
    assert paired_p(a, b) == pytest.approx(0.00662, abs=1e-5)
    assert paired_p(b, a) == pytest.approx(1 - 0.00662, abs=1e-5)
    assert paired_p(a, a) == 1.0


def test_the_audit_table_and_the_command(cli):
    frame = audit(STARTER, 3, tactics=("fast_track", "release_all"))
    assert list(frame["policy"]) == ["passive", "reference", "passive+fast_track", "reference+fast_track",
                                     "passive+release_all", "reference+release_all"]
    released = frame.set_index("policy").loc["reference+release_all"]
    assert released["abandoned"] == 1.0 and released["difference"] < 0 and not released["beats_reference"]
    assert frame.set_index("policy").loc["reference", "difference"] == 0.0
    text = table(frame)
    assert text.splitlines()[0].split() == ["policy", "score", "vs", "ref", "p", "(more)", "success", "abandoned", "verdict"]
    done = cli("audit", STARTER, "--seeds", "3", "--workers", "2")
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 + len(arms()) + 1 and lines[-1].endswith(f"beat reference at p < {ALPHA:g}.") == (done.returncode == 0)


# Measured with kit 0.2.0 (200 paired seeds from 2024, `itpm-sim audit cloud_rollout`): on cloud_rollout four
# tactics on top of reference still beat it at p < 0.01: the justified reserve asked on day 0 (+0.4 points), always
# the first option (+1.1) or the cheapest one (+2.4) of an event (the reference values a task's delay at half the
# burn, so it pays to avoid delays that do not hold the project up), and cutting optional scope (+0.5).  That is an
# open gap in the reference PM, kept visible as a strict xfail: when it closes, the xfail fails and goes.
OPEN_GAPS = {"cloud_rollout"}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [pytest.param(s, marks=pytest.mark.xfail(s in OPEN_GAPS, strict=True, reason="see OPEN_GAPS"))
                                      for s in ("software_build", "cloud_rollout", "network_migration")])
def test_no_gaming_tactic_beats_the_reference_pm(scenario):
    with ProcessPoolExecutor(2) as pool:
        frame = audit(scenario, 200, executor=pool)
    beaten = frame[frame["beats_reference"]]
    assert beaten.empty, f"{scenario}: these beat reference at p < {ALPHA}:\n{table(beaten)}"

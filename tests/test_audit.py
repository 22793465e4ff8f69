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


def test_the_tactics_may_be_played_on_one_base():
    assert arms(("fast_track",), ("reference",)) == ["reference", "reference+fast_track"]
    assert arms(("fast_track",), ("passive",)) == ["reference", "passive", "reference+fast_track", "passive+fast_track"]


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


# Measured with kit 0.2.0 and 0.3.0 (200 paired seeds from 2024, `itpm-sim audit cloud_rollout`): on cloud_rollout four
# tactics on top of reference beat it at p < 0.01: the justified reserve asked on day 0 (+0.4 points), always the
# first option (+1.1) or the cheapest one (+2.4) of an event, and cutting optional scope (+0.5).  The reference PM of
# kit 0.3.1 asks the justified reserve, values a budget change at its money, a leaver's pay as saved when others
# cover their skills, and a change request like any other event, and buys responses at a margin of 0.7: no tactic
# beats it on any bundled scenario (docs/MODEL.md, The reference PM), so no scenario is an open gap any more.
@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["software_build", "cloud_rollout", "network_migration"])
def test_no_gaming_tactic_beats_the_reference_pm(scenario):
    # The tactics on top of reference, the stronger base: on passive every one of them scored 4.6 to 75 points below
    # reference in the audit of kit 0.2.0 (`itpm-sim audit` plays both); one base keeps CI within its 30 minutes.
    with ProcessPoolExecutor(2) as pool:
        frame = audit(scenario, 200, executor=pool, bases=("reference",))
    beaten = frame[frame["beats_reference"]]
    assert beaten.empty, f"{scenario}: these beat reference at p < {ALPHA}:\n{table(beaten)}"

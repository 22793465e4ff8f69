"""The balance check: passive's success rate against the band, reference against passive; hand-counted runs,
then the command line on the template scenario."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.analysis.balance import Balance, success
from sim.classroom.author import TEMPLATE


def runs(outcomes: list[tuple[bool, bool, bool]], score: float) -> pd.DataFrame:
    """Runs with the given (on time, on budget, abandoned) and one score, plus what the table reads."""
    df = pd.DataFrame(outcomes, columns=["on_time", "on_budget", "abandoned"])
    return df.assign(score=score, finish_day=100.0, cost=1000.0)


def test_success_is_on_time_and_on_budget_and_not_abandoned():
    df = runs([(True, True, False), (True, False, False), (False, True, False), (True, True, True)], 50)
    assert success(df).tolist() == [True, False, False, False]


def test_the_verdict_counted_by_hand():
    # passive: 3 successes in 10 runs (30%, inside 20-45%); reference: 6 in 10 and a higher mean score
    passive = runs([(True, True, False)] * 3 + [(False, True, False)] * 7, 60)
    reference = runs([(True, True, False)] * 6 + [(True, False, False)] * 4, 70)
    b = Balance("x", "standard", (0.2, 0.45), {"passive": passive, "reference": reference})
    assert (b.rate("passive"), b.rate("reference")) == (0.3, 0.6)
    assert b.passive_in_band and b.reference_beats_passive and b.balanced
    assert b.advice() == ["Doing nothing succeeds in 30% of runs, inside the band 20%-45%.",
                          "The reference PM does better: 60% success and a mean score of 70.0 against 60.0 for doing nothing."]
    too_easy = Balance("x", "standard", (0.2, 0.25), {"passive": passive, "reference": reference})
    assert not too_easy.balanced and too_easy.advice()[0].startswith("Too easy: doing nothing succeeds in 30% of runs, above the band's 25%.")
    flat = Balance("x", "standard", (0.2, 0.45), {"passive": passive, "reference": runs([(True, True, False)] * 10, 55)})
    assert not flat.reference_beats_passive and "does not beat doing nothing" in flat.advice()[1]
    costly = Balance("x", "standard", (0.2, 0.45), {"passive": passive, "reference": runs([(False, True, False)] * 10, 65)})
    assert costly.balanced and "succeeds less often (0% against 30%)" in costly.advice()[1]


def test_balance_on_the_command_line(cli):
    result = cli("balance", str(TEMPLATE), "--runs", "30", "--band", "90-100", "--json")
    assert result.returncode == 1, result.stderr  # not balanced: a failed check
    data = json.loads(result.stdout)
    assert data["band"] == [0.9, 1.0] and not data["passive_in_band"] and data["advice"][0].startswith("Too hard")
    assert [p["policy"] for p in data["policies"]] == ["passive", "reference"] and data["policies"][0]["runs"] == 30
    text = cli("balance", str(TEMPLATE), "--runs", "30", "--band", "0-100")
    assert text.returncode == (0 if "BALANCED\n" in text.stdout and "NOT" not in text.stdout else 1)
    assert "passive: success" in text.stdout and "reference: success" in text.stdout


@pytest.mark.parametrize("band", ["45-20", "20", "a-b", "20-145", "-5-20"])
def test_a_bad_band_is_refused(cli, band):
    result = cli("balance", "software_build", "--runs", "10", f"--band={band}")
    assert result.returncode == 2 and "expected two percentages LOW-HIGH" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_template_is_balanced(cli):
    result = cli("balance", str(TEMPLATE), "--runs", "200", "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("BALANCED")

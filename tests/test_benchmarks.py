"""The benchmark script runs end to end and reports every speed target (numbers, not timings, are checked)."""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # runs the benchmark script end to end


def test_benchmark_script_reports_every_target_on_small_sizes():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--repeat", "2", "--runs", "24", "--slice", "24", "--decisions", "40", "--students", "4", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=True,
    )
    r = json.loads(out.stdout)
    assert r["python"]["executable"] == sys.executable
    engine = r["engine"]
    assert set(engine["scenarios"]) == {"cloud_rollout", "network_migration", "software_build"}
    for x in engine["scenarios"].values():
        assert 0 < x["full_run_ms_median"] <= x["full_run_ms_p90"]
        assert x["events_per_run_median"] > 100  # a project of months is hundreds of SimPy events
        assert 0 < x["week_advance_ms_median"] < x["full_run_ms_median"]
        outside = x["outside_days_ms"]
        assert set(outside) == {"setup_ms", "reports_ms", "policy_ms"} and min(outside.values()) > 0
        assert sum(outside.values()) < x["full_run_ms_median"]  # a part of the run, measured on its own
        assert 1 < x["outside_days_to_bare_ratio"] < engine["engine_to_bare_ratio"]
    assert engine["engine_to_bare_ratio"] > 1  # the engine does model work on top of SimPy's dispatch
    mc = r["montecarlo"]
    assert mc["runs"] == 24 and mc["slice_runs"] == 24
    assert mc["seconds_2_workers"] > 0 and math.isclose(mc["ms_per_run_per_worker"], 2 * mc["seconds_2_workers"] / 24 * 1e3)
    # the 10,000-run target as a ratio: a run's cost on one of 2 workers in bare-SimPy events timed in the same run
    # in segments, each against bare SimPy timed just before it: the headline is the median of their ratios
    segments = mc["segments"]
    assert [s["runs"] for s in segments] == [3] * 4 + [2] * 6 and math.isclose(sum(s["seconds"] for s in segments), mc["seconds_2_workers"])
    for s in segments:
        assert s["bare_simpy_us_per_event"] > 0
        assert math.isclose(s["bare_events_per_run"], 2 * s["seconds"] / s["runs"] / (s["bare_simpy_us_per_event"] * 1e-6))
    assert mc["bare_events_per_run"] == statistics.median(s["bare_events_per_run"] for s in segments)
    assert round(mc["target_bare_events_per_run"]) == 22642  # 12 ms per run per worker at 0.53 us per bare event
    assert 0 < mc["efficiency_2_workers"] < 2
    assert {name: d["decisions"] > 0 and d["seconds"] > 0 for name, d in r["debrief"].items()} == dict.fromkeys(engine["scenarios"], True)
    log = r["replay"]
    assert log["decisions"] == 40 and log["stops"] > 10 and log["log_kb"] > 5
    assert log["replay_s"] > 0 and log["resume_s"] > 0 and log["command_s"] > log["replay_s"]
    c = r["collect"]
    assert (c["students"], c["verified"]) == (4, 4) and c["logs_kb"] > 10
    assert c["seconds_1_worker"] > 0 and c["seconds_2_workers"] > 0


def test_benchmark_script_refuses_a_size_below_one():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "montecarlo", "--slice", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2
    assert "--slice: expected a whole number of at least 1, got '0'" in out.stderr and "Traceback" not in out.stderr

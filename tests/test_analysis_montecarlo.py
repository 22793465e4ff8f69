"""Monte Carlo: independent child seeds, identical results on every executor, sane summaries."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from sim.analysis import (
    Study,
    chances,
    child_seeds,
    criticality,
    percentiles,
    run_montecarlo,
    s_curve,
    tornado,
)

STUDY = Study("network_migration", policy="reference")


def test_child_seeds_are_distinct_and_reproducible():
    seeds = child_seeds(7, 500)
    assert len(set(seeds)) == 500
    assert seeds == child_seeds(7, 500)
    assert seeds[:10] != child_seeds(8, 10)
    assert child_seeds(7, 10) == seeds[:10]  # a longer study extends a shorter one


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return run_montecarlo(STUDY, 24, seed=5)


def test_process_pool_gives_identical_results(serial):
    with ProcessPoolExecutor(2) as pool:
        parallel = run_montecarlo(STUDY, 24, seed=5, executor=pool, chunk_size=5)
    pd.testing.assert_frame_equal(serial, parallel)


def test_dask_local_cluster_gives_identical_results(serial):
    distributed = pytest.importorskip("distributed")
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        on_dask = run_montecarlo(STUDY, 24, seed=5, executor=client.get_executor(), chunk_size=7)
    pd.testing.assert_frame_equal(serial, on_dask)


def test_progress_is_reported_for_every_run():
    seen = []
    run_montecarlo(STUDY, 9, seed=1, chunk_size=4, progress=seen.append)
    assert seen == [4, 4, 1]


def test_summaries(serial):
    pct = percentiles(serial)
    assert list(pct.index) == ["P10", "P50", "P80", "P90"]
    assert pct["finish_day"].is_monotonic_increasing and pct["cost"].is_monotonic_increasing
    assert pct.loc["P50", "finish_day"] == serial["finish_day"].median()
    odds = chances(serial)
    assert odds["on_time_and_budget"] <= min(odds["on_time"], odds["on_budget"])
    assert odds["on_time"] == serial["on_time"].mean()
    curve = s_curve(serial["cost"])
    assert curve["value"].is_monotonic_increasing and curve["probability"].iloc[-1] == 1.0
    crit = criticality(serial)
    assert crit["criticality"].between(0, 1).all()
    assert crit["criticality"].max() == 1.0  # the last task is always on the critical path
    torn = tornado(serial)
    assert set(torn["risk"]) == {c.split(":", 1)[1] for c in serial.columns if c.startswith("risk:")}
    assert torn["finish_day_variance_share"].between(0, 1).all()


def test_tornado_finds_a_planted_driver():
    runs = pd.DataFrame({"finish_day": [10, 20, 10, 20, 10, 20], "cost": [1, 1, 1, 1, 1, 1],
                         "risk:big": [False, True, False, True, False, True], "risk:none": [True, True, False, False, True, False]})
    t = tornado(runs).set_index("risk")
    assert t.loc["big", "finish_day_variance_share"] == pytest.approx(1.0)
    assert t.loc["big", "finish_day_shift"] == 10
    assert t.loc["none", "finish_day_variance_share"] < 0.2


def test_a_decision_plan_can_be_replicated():
    plan = ({"day": 0, "decision": {"type": "set_quality", "level": 0.2}},)
    runs = run_montecarlo(Study("network_migration", plan=plan), 5, seed=2)
    assert runs.attrs["policy"] == "plan of 1 decisions"
    assert (runs["refused"] == 0).all()


def test_a_study_is_written_whole_or_not_at_all_and_reads_back(serial, tmp_path, monkeypatch):
    from sim.analysis import summarise
    from sim.results import store, studies

    summary = {**summarise(serial), "deadline_day": 60, "budget": 1e6, "currency": "EUR"}
    done = studies.prepare(tmp_path / "done")
    studies.write(done, serial, summary)
    runs, read = studies.read(done)
    pd.testing.assert_frame_equal(runs, serial, check_dtype=False)
    assert read.runs == 24 and read.currency == "EUR" and runs.attrs == serial.attrs

    folder = studies.prepare(tmp_path / "new" / "study")
    real = store.write_text

    def full_disk(path, text):
        if path.name == studies.SUMMARY:
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(store, "write_text", full_disk)
    with pytest.raises(studies.StudyFolderError, match=r"cannot write the study .got no space left on device, expected a writable folder."):
        studies.write(folder, serial, summary)
    assert list(folder.iterdir()) == []

"""The live forecast (sim/engine/outlook.py, docs/MODEL.md "The live forecast"): its rules against hand-computed
values, futures that keep what the PM has seen and redraw what is hidden, the same result on the project rebuilt
from the session's decisions as on a forked copy of the live one and on a replayed session, and a session left as
it was."""

from __future__ import annotations

import math
import os
import socket
import time
import uuid

import numpy as np
import pytest

from sim.analysis import Study, run_montecarlo
from sim.engine import Session, World, outlook, rules
from sim.engine.entities import ACTIVE, WAITING
from sim.engine.outlook import (
    OutlookError,
    Script,
    future_seed,
    rebuilt,
    redraw_future,
    run_future,
    summarise,
)
from sim.engine.rng import derived_seed
from sim.policies import Reference

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the live forecast forks")


def at_stop(scenario: str, seed: int, stops: int) -> Session:
    session = Session(World.from_file(scenario, "standard"), seed)
    for _ in range(stops):
        session.advance()
    return session


def test_threshold_beyond_the_hazard_so_far_is_the_hazard_plus_a_fresh_exponential():
    assert rules.threshold_beyond(0.30, 0.5) == pytest.approx(0.30 + math.log(2))  # 0.993
    assert rules.threshold_beyond(0.0, 0.0) == 0.0


def test_derived_seed_is_64_bits_of_the_digest_fixed_by_the_seed_and_key():
    import hashlib

    digest = hashlib.sha256(repr((7, "future", 3)).encode()).digest()
    assert derived_seed(7, "future", 3) == int.from_bytes(digest[:8], "big") == future_seed(7, 3)
    assert len({future_seed(7, k) for k in range(200)}) == 200
    assert len({future_seed(7, k) for k in range(200)}) == 200
    assert future_seed(7, 0) != future_seed(8, 0)


def test_the_summary_interpolates_quantiles_between_the_sorted_futures():
    rows = [(50, 500.0, False, False), (10, 100.0, True, True), (30, 300.0, True, True), (40, 400.0, False, True),
            (20, 200.0, True, True)]
    o = summarise(12.0, rows)
    # sorted 10..50: P50 at position 0.5 * 4 = 2 -> 30; P80 at 0.8 * 4 = 3.2 -> 40 + 0.2 * 10 = 42
    assert (o.p50_finish_day, o.p80_finish_day, o.p50_cost, o.p80_cost) == (30, pytest.approx(42), 300, pytest.approx(420))
    assert (o.on_time, o.on_budget, o.runs, o.day) == (0.6, 0.8, 5, 12.0)


def test_a_future_keeps_what_the_pm_has_seen_and_redraws_what_is_hidden():
    session = at_stop("network_migration", 3, 6)
    project = session.project
    now = project.now
    worked = {t.id: (t.effort, t.rework, t.done) for t in project.tasks.values() if t.done > 0}
    fresh = {t.id: t.effort for t in project.tasks.values() if t.done == 0 and t.state in (WAITING, ACTIVE) and t.effort}
    struck = {r.id: (r.u_occur, r.time) for r in project.risks.values() if r.hit or r.warned}
    pending = {r.id: r.u_occur for r in project.risks.values() if not (r.hit or r.warned)}
    assert worked and fresh and pending
    redraw_future(project, future_seed(3, 0))
    assert {t: (project.tasks[t].effort, project.tasks[t].rework, project.tasks[t].done) for t in worked} == worked
    assert {r: (project.risks[r].u_occur, project.risks[r].time) for r in struck} == struck
    changed = [t for t, effort in fresh.items() if project.tasks[t].effort != effort]
    assert len(changed) == len(fresh)  # a continuous draw: every one differs
    assert sum(project.risks[r].u_occur != u for r, u in pending.items()) == len(pending)
    for risk in project.risks.values():  # the redrawn luck is conditioned on not having struck by now
        if not (risk.hit or risk.warned) and risk.time <= now:
            assert not rules.strikes(risk.u_occur, risk.probability), risk.id
    assert project.seed == future_seed(3, 0)


def test_a_risk_whose_window_has_passed_does_not_strike_in_any_future():
    session = at_stop("network_migration", 11, 14)
    project = session.project
    passed = [r for r in project.risks.values()
              if r.spec.during is None and not r.hit and r.spec.window.end < project.now]
    assert passed, "a risk whose window has passed unstruck by this stop"
    run_future(project, future_seed(11, 5))
    assert not any(r.hit for r in passed)


@pytest.mark.parametrize("scenario, stops", [("network_migration", 5), ("cloud_rollout", 9)])
def test_a_future_in_a_forked_copy_equals_the_same_future_on_a_replayed_session(scenario, stops):
    session = at_stop(scenario, 21, stops)
    forecast = outlook.forecast(session, runs=12, n_workers=2)
    for k in (0, 7, 11):
        twin = at_stop(scenario, 21, stops)
        finish, cost, _, _ = run_future(twin.project, future_seed(21, k))
        assert (forecast.finish_days[k], forecast.costs[k]) == (finish, cost)
    assert forecast.p50_finish_day >= session.project.now
    assert len(set(forecast.finish_days)) > 1, "the futures differ: their luck is fresh"


def played(scenario: str, seed: int, stops: int) -> Session:
    """A session the reference PM has played for ``stops`` stops: hires, responses, answers, a reserve."""
    session, policy = Session(World.from_file(scenario, "standard"), seed), Reference()
    report = session.observe()
    for _ in range(stops):
        for decision in policy(report):
            session.decide(decision, rationale="as the reference PM would")
        report = session.advance()
    return session


@pytest.mark.parametrize("scenario, stops", [("network_migration", 14), ("cloud_rollout", 25), ("software_build", 30)])
def test_the_project_rebuilt_from_the_decisions_runs_the_futures_the_live_one_would(scenario, stops):
    """Each future runs on the project rebuilt from the world, the seed and the decisions at their stops; it must
    give, to the bit, what the same future gives on a forked copy of the live project, decisions made at the
    stop shown included."""
    session = played(scenario, 8, stops)
    for decision in Reference()(session.observe()):  # decided at the stop shown, not yet advanced past
        session.decide(decision)
    assert len({d["stop"] for d in session.decisions}) >= 3, "decisions at several stops"
    assert not session.done
    forecast = outlook.forecast(session, runs=6, n_workers=2)
    for k in range(6):
        [(_, _, row)] = outlook._rows([outlook._fork(lambda k=k: [run_future(session.project, future_seed(8, k))])])
        assert (forecast.finish_days[k], forecast.costs[k]) == tuple(row[:2])


def test_a_rebuilt_project_that_does_not_reach_the_live_state_is_refused():
    """A forecast never runs on a past other than the session's: a decision missing from the script is caught."""
    session = played("network_migration", 3, 8)
    script = Script.of(session)
    assert rebuilt(script).now == session.project.now
    missing = Script(script.world, script.seed, script.without_risks, script.decisions[1:], script.stops, script.state)
    with pytest.raises(OutlookError, match="differs from the live one"):
        rebuilt(missing)


def test_the_forecast_leaves_the_session_as_it_was_and_is_the_same_with_any_number_of_workers():
    session = at_stop("software_build", 4, 3)
    twin = at_stop("software_build", 4, 3)
    one = outlook.forecast(session, runs=9, n_workers=1)
    assert outlook.forecast(session, runs=9, n_workers=4) == one
    for _ in range(3):
        a, b = session.advance(), twin.advance()
        assert (a.day, a.spent, a.progress, a.news) == (b.day, b.spent, b.progress, b.news)
    assert session.project.seed == 4


def test_the_first_futures_are_summarised_as_soon_as_they_are_in_and_are_the_first_of_the_whole():
    """A first reading in a quarter of the time: the first FIRST_RUNS futures in the order of k, whatever the timing."""
    session = at_stop("network_migration", 2, 2)
    runs = outlook.FIRST_RUNS + 15
    readings: list = []
    whole = outlook.start(session, runs=runs, n_workers=2).result(readings.append)
    assert len(readings) == 1
    first = readings[0]
    assert (first.day, first.runs) == (whole.day, outlook.FIRST_RUNS)
    assert first.finish_days == whole.finish_days[:outlook.FIRST_RUNS] and first.costs == whole.costs[:outlook.FIRST_RUNS]
    assert first.p80_finish_day == float(np.quantile(whole.finish_days[:outlook.FIRST_RUNS], 0.8))
    assert outlook.start(session, runs=runs, n_workers=1).result(readings.append) == whole  # one worker: the same
    assert readings[1] == first
    few: list = []
    outlook.start(session, runs=outlook.FIRST_RUNS, n_workers=2).result(few.append)
    assert few == []  # no first reading when there is nothing more to come


def test_at_the_start_the_live_forecast_tells_the_plan_forecasts_story():
    """With nothing seen yet and nothing decided, both forecasts sample the same futures: their P50s agree."""
    world = World.from_file("network_migration", "standard")
    session = Session(world, 0)
    live = outlook.forecast(session, runs=200)
    plan = run_montecarlo(Study(world.path, world.difficulty, policy="passive"), 200, seed=0)
    assert abs(live.p50_finish_day - plan["finish_day"].quantile(0.5)) <= 0.03 * live.p50_finish_day
    assert abs(live.p50_cost - plan["cost"].quantile(0.5)) <= 0.03 * live.p50_cost


def test_no_forecast_of_an_ended_project_nor_of_no_futures():
    session = at_stop("network_migration", 1, 0)
    with pytest.raises(ValueError, match=r"runs must be a whole number >= 1 \(got 0\)"):
        outlook.forecast(session, runs=0)
    session.run(lambda report: [])
    with pytest.raises(OutlookError, match="the project has ended"):
        outlook.forecast(session)


def test_a_future_that_fails_is_reported_with_its_error(monkeypatch):
    session = at_stop("network_migration", 1, 1)

    def broken(project, seed):
        raise ZeroDivisionError("in the model")

    monkeypatch.setattr(outlook, "run_future", broken)
    with pytest.raises(OutlookError, match="a future of the forecast failed: ZeroDivisionError: in the model"):
        outlook.forecast(session, runs=3, n_workers=1)


def test_a_cancelled_forecast_leaves_no_process_behind():
    session = at_stop("cloud_rollout", 2, 1)
    running = outlook.start(session, runs=200, n_workers=2)
    pids = [pid for pid, _ in running._children]
    running.cancel()
    with pytest.raises(OutlookError, match="the forecast was cancelled"):
        running.result()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: no longer a child of this process


def test_a_deferred_forecast_forks_only_when_told_and_forecasts_the_session_as_it_stood_when_asked():
    session = at_stop("software_build", 4, 3)
    asked = outlook.forecast(session, runs=6, n_workers=2)
    later: list = []
    running = outlook.start(session, runs=6, n_workers=2, defer=later.append)
    assert running._children == [] and len(later) == 1  # nothing forked yet: the kernel is still drawing the week
    session.advance()
    later.pop()()
    assert len(running._children) == 2
    assert running.result() == asked  # the futures of the state it was asked in, not the one it forked in
    cancelled = outlook.start(session, runs=6, n_workers=2, defer=later.append)
    cancelled.cancel()
    later.pop()()
    assert cancelled._children == []  # cancelled before its turn: never forks
    with pytest.raises(OutlookError, match="the forecast was cancelled"):
        cancelled.result()


def test_the_futures_run_only_when_no_kernel_wants_the_cpu(monkeypatch):
    """On a shared hub every kernel's week goes before any forecast: the workers run in Linux's idle class."""
    session = at_stop("network_migration", 1, 1)
    monkeypatch.setattr(outlook, "run_future", lambda project, seed: (float(os.sched_getscheduler(0)), 0.0, True, True))
    assert outlook.forecast(session, runs=3, n_workers=1).finish_days == (float(os.SCHED_IDLE),) * 3
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the kernel itself is untouched


@pytest.mark.parametrize("count", [1, 2])
def test_on_a_shared_server_no_more_forecasts_compute_at_once_than_there_are_slots(monkeypatch, count):
    """Two kernels forecast at once; with one slot the second forecast's futures start after the first's end."""
    monkeypatch.setenv(outlook.SLOTS_ENV, f"itpm-test-{uuid.uuid4().hex}:{count}")
    assert outlook.workers() == 1

    def timed(project, seed):
        began = time.monotonic()
        time.sleep(0.3)
        return began, time.monotonic(), True, True

    monkeypatch.setattr(outlook, "run_future", timed)
    sessions = [at_stop("network_migration", 1, 1), at_stop("cloud_rollout", 1, 1)]
    running = [outlook.start(s, runs=2) for s in sessions]
    spans = [(min(o.finish_days), max(o.costs)) for o in (r.result() for r in running)]
    first, second = sorted(spans)
    overlap = first[1] > second[0]  # the first forecast's last future ended after the second's first began
    assert overlap == (count == 2), spans


def test_a_forecast_waiting_for_a_slot_forks_nothing_and_cancelled_never_starts(monkeypatch):
    name = f"itpm-test-{uuid.uuid4().hex}"
    monkeypatch.setenv(outlook.SLOTS_ENV, f"{name}:1")
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    held.bind(f"\0{name}-0")  # another kernel's forecast holds the only slot
    running = outlook.start(at_stop("network_migration", 1, 1), runs=2)
    time.sleep(4 * outlook.SLOT_POLL_S)
    assert running._children == []  # no process, no memory, while it waits its turn
    running.cancel()
    held.close()
    with pytest.raises(OutlookError, match="the forecast was cancelled"):
        running.result()
    assert running._children == [] and not running._queue.is_alive()
    assert outlook.forecast(at_stop("network_migration", 1, 1), runs=2).runs == 2  # the slot is free again


def test_in_a_container_the_workers_are_as_many_as_its_cpu_limit(tmp_path, monkeypatch):
    limit = tmp_path / "cpu.max"
    for text, cpus in (("150000 100000\n", 2), ("50000 100000\n", 1), ("max 100000\n", None), ("", None)):
        limit.write_text(text)
        assert outlook.cpu_quota(str(limit)) == cpus, text
    assert outlook.cpu_quota(str(tmp_path / "absent")) is None
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(outlook, "cpu_quota", lambda: 2)
    assert outlook.workers() == 2
    monkeypatch.setattr(outlook, "cpu_quota", lambda: None)
    assert outlook.workers() == 4


def test_a_malformed_slot_setting_is_named(monkeypatch):
    monkeypatch.setenv(outlook.SLOTS_ENV, "itpm:none")
    with pytest.raises(OutlookError, match=r"\$ITPM_FORECAST_SLOTS is 'itpm:none', expected NAME:COUNT with a whole COUNT >= 1"):
        outlook.start(at_stop("network_migration", 1, 1), runs=2)

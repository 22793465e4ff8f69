"""The kit's speed benchmarks.

Run:  .venv/bin/python benchmarks/bench.py [engine] [montecarlo] [debrief] [replay] [--repeat N] [--runs N] [--slice N]
      [--decisions N] [--json]

engine      bare SimPy event throughput and the engine's, with their ratio; a full
            run of each bundled scenario with `reference` (median); one interactive
            week advance (median).  Targets: full run <= 20 ms, week advance <= 5 ms,
            engine cost per event <= 3x bare SimPy's.  Also the work every run does
            outside its simulated days (setup, the status reports the policy reads,
            the policy itself), per event: the floor under the per-event ratio.
montecarlo  --runs replications (default 10,000) of software_build with `reference`
            on 2 workers, and the parallel efficiency at 2 workers: --slice
            replications (default 2,000) run serially and on 2 workers.
            Targets: 10,000 runs <= 60 s, efficiency >= 85%.
debrief     the counterfactual replays of one debrief on 2 workers.  Target <= 2 s.
replay      replay and resume of a session log of --decisions decisions (default
            1,000), made by a trainee who revisits the settings at every status
            meeting, with a rationale for each.  Targets: each <= 2 s for 1,000.

Run it with the kit's interpreter (.venv/bin/python, see ./kit): the numbers
depend on how the Python that runs them was built, and the output names it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import simpy

from sim.engine import Session, World
from sim.engine.report import build
from sim.policies import make_policy
from sim.schema import bundled_scenarios


def bare_simpy(events: int = 200_000) -> float:
    """Seconds per event for processes that only yield timeouts."""
    env = simpy.Environment()

    def ticker(env, n):
        for _ in range(n):
            yield env.timeout(1)

    per = events // 20
    for _ in range(20):
        env.process(ticker(env, per))
    start = time.perf_counter()
    env.run()
    return (time.perf_counter() - start) / (per * 20)


def counted_run(world: World, seed: int) -> tuple[float, int]:
    """Seconds for one full reference run and the number of SimPy events it processed."""
    session = Session(world, seed)
    env = session.project.env
    steps = 0
    original = env.step

    def step():
        nonlocal steps
        steps += 1
        original()

    env.step = step
    start = time.perf_counter()
    session.run(make_policy("reference"))
    return time.perf_counter() - start, steps


def fixed_work(world: World, seeds: range) -> dict:
    """Milliseconds per run spent outside the simulated days: setting up, building status reports, deciding.

    The report at each stop is rebuilt once more, timed, for the measurement; building one only reads the state.
    """
    seconds = {"setup": 0.0, "reports": 0.0, "policy": 0.0}
    for seed in seeds:
        start = time.perf_counter()
        session = Session(world, seed)
        seconds["setup"] += time.perf_counter() - start
        session.run(_timed_reference(session, seconds))
    return {f"{part}_ms": total / len(seeds) * 1e3 for part, total in seconds.items()}


def _timed_reference(session: Session, seconds: dict):
    """The `reference` policy, adding to ``seconds`` the seconds it and a rebuilt status report take at each stop."""
    reference = make_policy("reference")

    def policy(report):
        start = time.perf_counter()
        build(session.project, 0, report.stop)
        mid = time.perf_counter()
        decisions = reference(report)
        seconds["reports"] += mid - start
        seconds["policy"] += time.perf_counter() - mid
        return decisions

    return policy


def week_advances(world: World, seeds: range) -> list[float]:
    """Seconds per advance from one weekly status meeting to the next (no decisions)."""
    out = []
    for seed in seeds:
        session = Session(world, seed)
        report = session.advance()
        while not report.done:
            start = time.perf_counter()
            report = session.advance()
            if report.reason == "status":
                out.append(time.perf_counter() - start)
            if len(out) >= 40 * (seed - seeds.start + 1):
                break
    return out


def engine(repeat: int) -> dict:
    bare = min(bare_simpy() for _ in range(3))
    results = {"bare_simpy_us_per_event": bare * 1e6, "scenarios": {}}
    engine_per_event = []
    for path in bundled_scenarios():
        world = World.from_file(path)
        world.baseline  # compiled once per world, shared by all runs
        runs = [counted_run(world, seed) for seed in range(repeat)]
        times = [t for t, _ in runs]
        per_event = statistics.median(t / n for t, n in runs)
        engine_per_event.append(per_event)
        weeks = week_advances(world, range(5))
        fixed = fixed_work(world, range(repeat))
        events = statistics.median(n for _, n in runs)
        fixed_per_event = sum(fixed.values()) / 1e3 / events
        results["scenarios"][world.scenario.id] = {
            "full_run_ms_median": statistics.median(times) * 1e3,
            "full_run_ms_p90": sorted(times)[int(0.9 * len(times))] * 1e3,
            "events_per_run_median": events,
            "engine_us_per_event": per_event * 1e6,
            "outside_days_ms": fixed,
            "outside_days_to_bare_ratio": fixed_per_event / bare,
            "week_advance_ms_median": statistics.median(weeks) * 1e3,
        }
    results["engine_to_bare_ratio"] = statistics.median(engine_per_event) / bare
    return results


def montecarlo(runs: int, slice_runs: int = 2000) -> dict:
    from sim.analysis import Study, run_montecarlo

    study = Study("software_build", policy="reference")
    World.from_file("software_build").baseline
    with ProcessPoolExecutor(2) as pool:
        run_montecarlo(study, 40, seed=99, executor=pool)  # start the workers and warm their caches
        start = time.perf_counter()
        run_montecarlo(study, runs, seed=1, executor=pool)
        full = time.perf_counter() - start
        start = time.perf_counter()
        run_montecarlo(study, slice_runs, seed=2, executor=pool)
        parallel = time.perf_counter() - start
    run_montecarlo(study, 40, seed=99)
    start = time.perf_counter()
    run_montecarlo(study, slice_runs, seed=2)
    serial = time.perf_counter() - start
    return {"runs": runs, "seconds_2_workers": full, "ms_per_run_per_worker": 2 * full / runs * 1e3,
            "efficiency_2_workers": serial / (2 * parallel), "slice_runs": slice_runs, "slice_serial_s": serial, "slice_parallel_s": parallel}


def debrief() -> dict:
    from sim.policies import make_policy
    from sim.results.debrief import make_debrief

    out = {}
    with ProcessPoolExecutor(2) as pool:
        pool.submit(int).result()
        for name in [p.stem for p in bundled_scenarios()]:
            session = Session(World.from_file(name), 3)
            session.run(make_policy("aggressive"))
            start = time.perf_counter()
            make_debrief(session, pool)
            out[name] = {"decisions": len(session.decisions), "seconds": time.perf_counter() - start}
    return out


def busy_trainee(total: int, stops: int):
    """A policy making ``total`` decisions over about ``stops`` status meetings: the reference PM's, then the
    settings and a task's priority revisited, each with a one-line rationale, as an anxious trainee does."""
    from sim.engine import Prioritise, SetCommunication, SetOvertime, SetQuality

    reference = make_policy("reference")
    per_stop = -(-total // stops)
    made = 0

    def policy(report):
        nonlocal made
        decisions = list(reference(report))
        open_tasks = [t["id"] for t in report.tasks if t["state"] not in ("done", "cut")] or [None]
        for k in range(per_stop):
            level = 0.05 + 0.01 * ((report.stop + k) % 10)
            task = open_tasks[k % len(open_tasks)]
            decisions.append([
                SetOvertime(level=level / 2, rationale=f"week {report.stop}: a short push while the survey peaks"),
                SetCommunication(level=level, rationale=f"week {report.stop}: the sponsor asked for more updates"),
                SetQuality(level=level, rationale=f"week {report.stop}: defects found in test are rising"),
                Prioritise(task=task, priority=k % 5, rationale=f"week {report.stop}: {task} is on the critical path")
                if task else SetQuality(level=level, rationale="nothing left to prioritise"),
            ][k % 4])
        decisions = decisions[:max(0, total - made)]
        made += len(decisions)
        return decisions

    return policy


def replay_log(decisions: int) -> dict:
    """Seconds to replay and to resume a finished session log of ``decisions`` decisions (median of three)."""
    import tempfile
    from pathlib import Path

    from sim.engine import replay, resume

    world = World.from_file("software_build", "hard")
    probe = Session(world, 1)
    probe.run(make_policy("reference"))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "busy.session.json"
        session = Session(world, 1, log)
        session.run(busy_trainee(decisions, probe.stops))
        out = {"decisions": len(session.decisions), "stops": session.stops, "log_kb": log.stat().st_size / 1024}
        for name, call in (("replay", replay), ("resume", resume)):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                call(log)
                times.append(time.perf_counter() - start)
            out[f"{name}_s"] = statistics.median(times)
    return out


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", choices=["engine", "montecarlo", "debrief", "replay", []], default=[])
    parser.add_argument("--repeat", type=positive, default=30, help="engine: runs per scenario (default 30)")
    parser.add_argument("--runs", type=positive, default=10_000, help="montecarlo: replications (default 10,000)")
    parser.add_argument("--slice", type=positive, default=2000, help="montecarlo: replications for the efficiency measurement (default 2,000)")
    parser.add_argument("--decisions", type=positive, default=1000, help="replay: decisions in the log (default 1,000)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    parts = args.parts or ["engine", "montecarlo", "debrief", "replay"]
    results: dict = {"python": {"version": platform.python_version(), "executable": sys.executable}}
    if "engine" in parts:
        results["engine"] = engine(args.repeat)
    if "montecarlo" in parts:
        results["montecarlo"] = montecarlo(args.runs, args.slice)
    if "debrief" in parts:
        results["debrief"] = debrief()
    if "replay" in parts:
        results["replay"] = replay_log(args.decisions)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"Python {results['python']['version']} at {results['python']['executable']}")
    if "engine" in results:
        r = results["engine"]
        print(f"bare SimPy: {r['bare_simpy_us_per_event']:.2f} us/event")
        for sid, x in r["scenarios"].items():
            print(f"{sid:>18}: full run {x['full_run_ms_median']:6.1f} ms median (p90 {x['full_run_ms_p90']:.1f}, target 20); "
                  f"week advance {x['week_advance_ms_median']:5.2f} ms (target 5); "
                  f"{x['events_per_run_median']:.0f} events, {x['engine_us_per_event']:.1f} us/event")
        for sid, x in r["scenarios"].items():
            f = x["outside_days_ms"]
            print(f"{sid:>18}: outside the simulated days, setup {f['setup_ms']:.2f} + status reports {f['reports_ms']:.2f} "
                  f"+ policy {f['policy_ms']:.2f} ms per run = {x['outside_days_to_bare_ratio']:.1f}x bare SimPy per event")
        print(f"engine / bare SimPy per event: {r['engine_to_bare_ratio']:.1f}x (target 3x)")
    if "montecarlo" in results:
        m = results["montecarlo"]
        print(f"Monte Carlo: {m['runs']} runs of software_build/reference on 2 workers in {m['seconds_2_workers']:.1f} s "
              f"(target 60 s; {m['ms_per_run_per_worker']:.1f} ms per run per worker); "
              f"parallel efficiency {m['efficiency_2_workers']:.0%} (target 85%)")
    if "debrief" in results:
        for name, d in results["debrief"].items():
            print(f"debrief {name:>18}: {d['decisions']} decisions, counterfactuals in {d['seconds']:.2f} s (target 2 s)")
    if "replay" in results:
        r = results["replay"]
        print(f"session log of {r['decisions']} decisions over {r['stops']} stops ({r['log_kb']:.0f} kB): "
              f"replay {r['replay_s']:.2f} s, resume {r['resume_s']:.2f} s (targets 2 s each for 1,000 decisions)")


if __name__ == "__main__":
    main()

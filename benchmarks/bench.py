"""The kit's speed benchmarks.

Run:  .venv/bin/python benchmarks/bench.py [engine] [montecarlo] [debrief] [replay] [limits] [collect] [--repeat N]
      [--runs N] [--slice N] [--decisions N] [--students N] [--json]

engine      bare SimPy event throughput and the engine's, with their ratio; a full
            run of each bundled scenario with `reference` (median); one interactive
            week advance (median).  Targets: full run <= 20 ms, week advance <= 5 ms,
            engine cost per event <= 3x bare SimPy's.  Also the work every run does
            outside its simulated days (setup, the status reports the policy reads,
            the policy itself), per event: the floor under the per-event ratio.
montecarlo  --runs replications (default 10,000) of software_build with `reference`
            on 2 workers, in 10 segments each timed against bare SimPy just
            before it, and the parallel efficiency at 2 workers: --slice
            replications (default 2,000) run serially and on 2 workers.
            Targets: a run's cost per worker <= 22,600 bare-SimPy events (10,000
            runs in 60 s on the Xeon), efficiency >= 85%.
debrief     the counterfactual replays of one debrief on 2 workers.  Target <= 2 s.
replay      replay and resume of a session log of --decisions decisions (default
            1,000), made by a trainee who revisits the settings at every status
            meeting, with a rationale for each.  Targets: each <= 2 s for 1,000.
limits      (only when named) the longest runs the scenario limits allow, with
            `reference` and a status meeting every day: every list at its limit
            (2,000 parallel tasks, 200 people, 500 certain risks), and a chain of
            2,000 tasks that runs to the end of the engine's calendar.  No target:
            the bound the limits put on one run, in seconds and memory.
collect     itpm-sim class collect's work on a class of --students (default 30)
            simulated students' logs: find, store, verify by replay, the
            reference on each seed, the tables (median of three, into fresh
            folders), on 1 and on 2 worker processes.  Target: 30 logs < 10 s
            on 2 cores.

Run it with the kit's interpreter (.venv/bin/python, see ./kit): the numbers
depend on how the Python that runs them was built, and the output names it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import simpy

from sim.engine import Session, World
from sim.engine.report import build
from sim.policies import make_policy
from sim.schema import bundled_scenarios

TARGET_BARE_EVENTS = 60 / 10_000 * 2 / 0.53e-6  # 10,000 runs in 60 s on 2 workers, at the Xeon's 0.53 us per bare event
BARE_PROBE_EVENTS = 100_000  # bare SimPy's timing before each segment of the Monte Carlo: about 0.1 s


def bare_simpy(events: int = 200_000, clock=time.perf_counter) -> float:
    """Seconds per event for processes that only yield timeouts (by ``clock``: wall time, or this process's CPU time)."""
    env = simpy.Environment()

    def ticker(env, n):
        for _ in range(n):
            yield env.timeout(1)

    per = events // 20
    for _ in range(20):
        env.process(ticker(env, per))
    start = clock()
    env.run()
    return (clock() - start) / (per * 20)


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

    The report at each stop is rebuilt once more, timed, and the policy decides on the rebuilt one (building a report
    only reads the state); the lines a report builds when first read (tasks, register, market) count with the policy.
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
        rebuilt = build(session.project, 0, report.stop)
        mid = time.perf_counter()
        decisions = reference(rebuilt)
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
        _ = world.baseline  # compiled once per world, shared by all runs
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


def montecarlo(runs: int, slice_runs: int = 2000, segments: int = 10) -> dict:
    """The 10,000-run target as a ratio: the cost of a run on one of 2 workers in bare-SimPy events, measured here.

    60 s for 10,000 runs on 2 workers is 12 ms per run per worker, 22,600 events at 0.53 us each (the Xeon of
    benchmarks/README.md).  The speed of a shared virtual machine drifts by up to a factor of two within minutes, so
    the study runs in ``segments``, each just after bare SimPy is timed on both workers at once (as loaded as the
    runs are), and the ratio is the median of the segments' own ratios: each pair is timed under the same
    conditions.  The serial slice is also timed in this process's CPU time, against bare SimPy's CPU time.
    """
    from sim.analysis import Study, run_montecarlo

    study = Study("software_build", policy="reference")
    _ = World.from_file("software_build").baseline
    sizes = [runs // segments + (i < runs % segments) for i in range(min(segments, runs))]
    bare, seconds = [], []
    with ProcessPoolExecutor(2) as pool:
        run_montecarlo(study, 40, seed=99, executor=pool)  # start the workers and warm their caches
        for i, size in enumerate(sizes):
            bare.append(statistics.mean(pool.map(bare_simpy, [BARE_PROBE_EVENTS] * 2)))
            start = time.perf_counter()
            run_montecarlo(study, size, seed=1 + i, executor=pool)
            seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_montecarlo(study, slice_runs, seed=2, executor=pool)
        parallel = time.perf_counter() - start
    run_montecarlo(study, 40, seed=99)
    bare_cpu = min(bare_simpy(clock=time.process_time) for _ in range(3))
    start, start_cpu = time.perf_counter(), time.process_time()
    run_montecarlo(study, slice_runs, seed=2)
    serial, serial_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    bare_cpu = min(bare_cpu, *(bare_simpy(clock=time.process_time) for _ in range(3)))
    ratios = [2 * t / n / b for t, n, b in zip(seconds, sizes, bare, strict=True)]
    full = sum(seconds)
    return {"runs": runs, "seconds_2_workers": full, "ms_per_run_per_worker": 2 * full / runs * 1e3,
            "segments": [{"runs": n, "seconds": t, "bare_simpy_us_per_event": b * 1e6, "bare_events_per_run": r}
                         for n, t, b, r in zip(sizes, seconds, bare, ratios, strict=True)],
            "bare_events_per_run": statistics.median(ratios), "target_bare_events_per_run": TARGET_BARE_EVENTS,
            "serial_cpu_bare_events_per_run": serial_cpu / slice_runs / bare_cpu, "bare_simpy_cpu_us_per_event": bare_cpu * 1e6,
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
    """A policy making ``total`` decisions over the first half of ``stops`` status meetings: the reference PM's,
    then the settings and a task's priority revisited, each with a one-line rationale, as an anxious trainee does.
    (Spread over all of them, a busy session that ends a few meetings early falls short of ``total``.)"""
    from sim.engine import Prioritise, SetCommunication, SetOvertime, SetQuality

    reference = make_policy("reference")
    per_stop = -(-total // max(1, stops // 2))
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
        if len(session.decisions) != decisions:
            raise SystemExit(f"bench.py replay: the busy session made {len(session.decisions)} decisions, not {decisions}")
        out = {"decisions": len(session.decisions), "stops": session.stops, "log_kb": log.stat().st_size / 1024}
        for name, call in (("replay", replay), ("resume", resume)):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                call(log)
                times.append(time.perf_counter() - start)
            out[f"{name}_s"] = statistics.median(times)  # the scenario read and checked once per process, then reused
        start = time.perf_counter()  # as a user runs it: a new process that imports the kit and reads the scenario
        subprocess.run([sys.executable, "-m", "sim", "replay", str(log)], check=True, capture_output=True)
        out["command_s"] = time.perf_counter() - start
    return out


def at_the_limits(shape: str) -> World:
    """network_migration reshaped to the scenario limits where they cost a run most (see ``limits`` above)."""
    from sim.schema.models import CALENDAR_DAYS, LIMITS, Scenario

    data = World.from_file("network_migration").scenario.model_dump()
    tasks, people = LIMITS["tasks"], LIMITS["team"]
    skill = next(iter(data["skills"]))
    data["team"] = [{"id": f"p{i}", "name": f"Person {i}", "role": "Engineer", "skills": {skill: 0.7}, "daily_rate": 500.0}
                    for i in range(people if shape == "wide" else 2)]
    effort = {"optimistic": 1.0, "most_likely": 2.0, "pessimistic": 3.0} if shape == "wide" else {"optimistic": 1.0, "most_likely": 1.2, "pessimistic": 1.5}
    data["tasks"] = [{"id": f"t{i}", "kind": "work", "name": f"Task {i}", "phase": "Build", "skill": skill, "effort": effort,
                      "depends_on": [f"t{i - 1}"] if shape == "long" and i else []} for i in range(tasks)]
    data["risks"] = [{"id": f"r{i}", "title": f"Risk {i}", "category": "technical", "probability": 1.0,
                      "window": {"start": 1.0, "end": 200.0}, "impacts": [{"type": "extra_effort", "tasks": [f"t{i}"], "share": 0.1}]}
                     for i in range(LIMITS["risks"] if shape == "wide" else 0)]
    data["events"], data["market"] = [], []
    data["parameters"]["decisions"]["status_interval"] = 1
    if shape == "long":  # the sponsor's last day at the calendar's end: deadline x factor = 2,500 working days
        data["parameters"]["decisions"]["max_duration_factor"] = 3.0
        data["calendar"]["deadline"] = World.from_file("network_migration").calendar.date(CALENDAR_DAYS // 3 - 1)
    return World(Scenario.model_validate(data), "standard")


def limits() -> dict:
    """Seconds and peak memory of one run with ``reference`` in each shape at the limits."""
    import resource

    out = {}
    for shape in ("wide", "long"):
        world = at_the_limits(shape)
        start = time.perf_counter()
        _ = world.baseline  # the plan is part of the run's cost
        session = Session(world, 1)
        session.run(make_policy("reference"))
        out[shape] = {"seconds": time.perf_counter() - start, "days": session.project.now, "stops": session.stops,
                      "tasks": len(world.tasks), "people": len(world.scenario.team), "risks": len(world.scenario.risks),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    return out


def collect_class(students: int) -> dict:
    """Seconds to collect a class of ``students`` logs (median of three), serially and on 2 workers."""
    import tempfile
    from pathlib import Path

    from sim.classroom import collect
    from sim.classroom.demo import simulated_class

    with tempfile.TemporaryDirectory() as tmp:
        exercise, hand_ins = simulated_class(Path(tmp) / "class", students)
        out = {"students": students, "logs_kb": sum(p.stat().st_size for p in hand_ins.rglob("*.session.json")) / 1024}
        for workers in (1, 2):
            times = []
            for attempt in range(3):
                start = time.perf_counter()
                collection = collect(exercise, [hand_ins], Path(tmp) / f"out-{workers}-{attempt}", workers=workers)
                times.append(time.perf_counter() - start)
            out[f"seconds_{workers}_worker{'s' if workers > 1 else ''}"] = statistics.median(times)
            out["verified"] = int((collection.cohort["status"] == "verified").sum())
    return out


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", choices=["engine", "montecarlo", "debrief", "replay", "limits", "collect", []], default=[])
    parser.add_argument("--repeat", type=positive, default=30, help="engine: runs per scenario (default 30)")
    parser.add_argument("--runs", type=positive, default=10_000, help="montecarlo: replications (default 10,000)")
    parser.add_argument("--slice", type=positive, default=2000, help="montecarlo: replications for the efficiency measurement (default 2,000)")
    parser.add_argument("--decisions", type=positive, default=1000, help="replay: decisions in the log (default 1,000)")
    parser.add_argument("--students", type=positive, default=30, help="collect: students in the class (default 30)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    parts = args.parts or ["engine", "montecarlo", "debrief", "replay", "collect"]
    results: dict = {"python": {"version": platform.python_version(), "executable": sys.executable}}
    if "engine" in parts:
        results["engine"] = engine(args.repeat)
    if "montecarlo" in parts:
        results["montecarlo"] = montecarlo(args.runs, args.slice)
    if "debrief" in parts:
        results["debrief"] = debrief()
    if "replay" in parts:
        results["replay"] = replay_log(args.decisions)
    if "limits" in parts:
        results["limits"] = limits()
    if "collect" in parts:
        results["collect"] = collect_class(args.students)
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
              f"({m['ms_per_run_per_worker']:.1f} ms per run per worker); parallel efficiency {m['efficiency_2_workers']:.0%} (target 85%)")
        ratios = sorted(x["bare_events_per_run"] for x in m["segments"])
        speeds = sorted(x["bare_simpy_us_per_event"] for x in m["segments"])
        print(f"Monte Carlo cost per run per worker: {m['bare_events_per_run']:,.0f} bare-SimPy events, the median of "
              f"{len(ratios)} segments ({ratios[0]:,.0f} to {ratios[-1]:,.0f}; target {m['target_bare_events_per_run']:,.0f}; "
              f"bare SimPy {speeds[0]:.2f} to {speeds[-1]:.2f} us/event); in CPU time, serially, "
              f"{m['serial_cpu_bare_events_per_run']:,.0f}")
    if "debrief" in results:
        for name, d in results["debrief"].items():
            print(f"debrief {name:>18}: {d['decisions']} decisions, counterfactuals in {d['seconds']:.2f} s (target 2 s)")
    if "replay" in results:
        r = results["replay"]
        print(f"session log of {r['decisions']} decisions over {r['stops']} stops ({r['log_kb']:.0f} kB): "
              f"replay {r['replay_s']:.2f} s, resume {r['resume_s']:.2f} s; itpm-sim replay {r['command_s']:.2f} s "
              f"(targets 2 s each for 1,000 decisions)")
    for shape, r in results.get("limits", {}).items():
        print(f"at the limits, {shape}: {r['tasks']} tasks, {r['people']} people, {r['risks']} risks, {r['stops']} daily "
              f"status meetings over {r['days']:.0f} working days: {r['seconds']:.1f} s, peak memory {r['peak_rss_mb']:.0f} MB")
    if "collect" in results:
        c = results["collect"]
        print(f"class collect of {c['students']} logs ({c['logs_kb']:.0f} kB, {c['verified']} verified): "
              f"{c['seconds_1_worker']:.2f} s on 1 worker, {c['seconds_2_workers']:.2f} s on 2 (target 10 s for 30 on 2 cores)")


if __name__ == "__main__":
    main()

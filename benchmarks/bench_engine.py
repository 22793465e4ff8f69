"""Engine speed, measured in one process.

Run:  python benchmarks/bench_engine.py [--repeat N] [--json]

Reports bare SimPy event throughput and the engine's, with their ratio; a
full run of each bundled scenario with the `reference` policy (median); and one
interactive week advance (median).  Targets (issue: engine): full run <= 20 ms,
week advance <= 5 ms, engine cost per event <= 3x bare SimPy's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import simpy

from sim.engine import Session, World
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per scenario (default 30)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    bare = min(bare_simpy() for _ in range(3))
    results = {"bare_simpy_us_per_event": bare * 1e6, "scenarios": {}}
    engine_per_event = []
    for path in bundled_scenarios():
        world = World.from_file(path)
        world.baseline  # compiled once per world, shared by all runs
        runs = [counted_run(world, seed) for seed in range(args.repeat)]
        times = [t for t, _ in runs]
        per_event = statistics.median(t / n for t, n in runs)
        engine_per_event.append(per_event)
        weeks = week_advances(world, range(5))
        results["scenarios"][world.scenario.id] = {
            "full_run_ms_median": statistics.median(times) * 1e3,
            "full_run_ms_p90": sorted(times)[int(0.9 * len(times))] * 1e3,
            "events_per_run_median": statistics.median(n for _, n in runs),
            "engine_us_per_event": per_event * 1e6,
            "week_advance_ms_median": statistics.median(weeks) * 1e3,
        }
    results["engine_to_bare_ratio"] = statistics.median(engine_per_event) / bare
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"bare SimPy: {results['bare_simpy_us_per_event']:.2f} us/event")
    for sid, r in results["scenarios"].items():
        print(f"{sid:>18}: full run {r['full_run_ms_median']:6.1f} ms median (p90 {r['full_run_ms_p90']:.1f}, target 20); "
              f"week advance {r['week_advance_ms_median']:5.2f} ms (target 5); "
              f"{r['events_per_run_median']:.0f} events, {r['engine_us_per_event']:.1f} us/event")
    print(f"engine / bare SimPy per event: {results['engine_to_bare_ratio']:.1f}x (target 3x)")


if __name__ == "__main__":
    main()

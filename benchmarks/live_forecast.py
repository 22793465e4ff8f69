"""How long the live forecast takes to arrive, week by week, in a process the size of the app's kernel.

    .venv/bin/python benchmarks/live_forecast.py [--scenario network_migration] [--seed 1] [--runs 100]

Imports the app (so the process forking the futures is as large as a kernel running it), starts a game, commits
the plan, then at every status point waits for the live forecast (``PlayModel.wait_for_outlook``) before
advancing: each figure is the time from the week's report to the forecast's arrival, and to its first futures'
figures, as the trainee waits for them with nothing else running.  Prints per-week times, the median, p95 and max, the process's size, and the cost
of one fork and of one future on their own.  The target (issue 14): at most 1 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="network_migration")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=None, help="futures per forecast (default: the app's)")
    args = parser.parse_args()

    import psutil

    from sim.engine import outlook
    from sim.ui import play  # noqa: F401  (the app's imports: a kernel-sized process)
    from sim.ui.model import PlayModel

    folder = tempfile.mkdtemp(prefix="itpm-bench-")
    model = PlayModel(folder, scenario=args.scenario, seed=args.seed)
    if args.runs is not None:
        model.live_runs = args.runs
    assert model.start() and model.commit_plan(), model.message
    times: list[float] = []
    firsts: list[float] = []  # to the first futures' figures (outlook.FIRST_RUNS), shown while the rest run
    cpu: list[float] = []  # the futures' CPU time (user and system, workers reaped): what other load does not stretch
    first_at: list[float] = []
    model.observe(lambda change: first_at.append(time.perf_counter())
                  if change.new is not None and change.new.runs < model.live_runs else None, "outlook")
    while True:
        t, c = time.perf_counter(), _children_cpu()
        first_at.clear()
        result = model.wait_for_outlook(120)
        assert result is not None and result.day == model.report.day, model.outlook_note
        times.append(time.perf_counter() - t)  # from just after the report (the fork happens before it returns)
        firsts.append(first_at[0] - t if first_at else times[-1])
        cpu.append(_children_cpu() - c)
        print(f"day {result.day:5g}: {1000 * firsts[-1]:6.0f} ms to the first figures, {1000 * times[-1]:6.0f} ms to all; "
              f"P50 day {result.p50_finish_day:g}, P80 day {result.p80_finish_day:g}", flush=True)
        model.advance()
        if model.session.done:
            break
    rss = psutil.Process().memory_info().rss / 2**20
    list(outlook._rows([outlook._fork(lambda: [0])]))
    t = time.perf_counter()
    for _ in range(20):
        list(outlook._rows([outlook._fork(lambda: [0])]))
    fork_ms = (time.perf_counter() - t) / 20 * 1000
    print(f"\n{len(times)} forecasts of {model.live_runs} futures on {os.cpu_count()} cores, process {rss:.0f} MB, "
          f"load average {os.getloadavg()[0]:.1f}")
    for what, values in ((f"the first {outlook.FIRST_RUNS} futures' figures", firsts), ("all of it", times)):
        print(f"arrival of {what}: median {1000 * statistics.median(values):.0f} ms, "
              f"p95 {1000 * statistics.quantiles(values, n=20)[18]:.0f} ms, max {1000 * max(values):.0f} ms")
    print(f"CPU of the futures per forecast: median {1000 * statistics.median(cpu):.0f} ms, max {1000 * max(cpu):.0f} ms "
          f"(on two idle cores the forecast takes about half of it)")
    print(f"one fork and its pipe: {fork_ms:.1f} ms")


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()

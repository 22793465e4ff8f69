"""Where a week's advance spends its time in one kernel: the play app's widgets, headless, with a recording comm.

    .venv/bin/python benchmarks/week_advance.py [--weeks 10] [--scenario software_build] [--profile 25]

Builds the trainee app as the play notebook does, starts planning, commits the plan, then clicks "Advance one
week" ``--weeks`` times, as the browser's click message would (``_handle_msg`` on the button's comm).  Every
message the kernel would send to the browser is recorded by a comm that serialises it as Jupyter does (JSON,
binary buffers apart) and counts it.  Reports per advance: CPU ms (process time), wall ms, messages and bytes
sent; then a cProfile of all the advances by part (engine, log, dashboard, chart, PNG) and by function.
Nothing is written but the session log in a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from comm.base_comm import BaseComm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class RecordingComm(BaseComm):
    """A comm that sends nowhere but measures every message as the kernel would put it on the wire."""

    sent: ClassVar[list[tuple[str, int, int]]] = []  # (method, JSON bytes, buffer bytes) of every message

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        body = json.dumps({"data": data or {}, "metadata": metadata or {}}, default=str, separators=(",", ":"))
        method = (data or {}).get("method", msg_type) if isinstance(data, dict) else msg_type
        RecordingComm.sent.append((method, len(body), sum(len(memoryview(b).cast("B")) for b in buffers or ())))


def install_comm() -> None:
    import comm

    comm.create_comm = lambda *a, **k: RecordingComm(*a, **k)
    import ipywidgets.widgets.widget as widget

    widget.comm.create_comm = comm.create_comm


def click(button) -> None:
    button._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []})


PARTS = [  # (label, file ending, function): cumulative time, so a part includes the parts indented below it
    ("the click's handler, all of it", "sim/ui/execute.py", "_advance"),
    ("  engine: the session to its next stop", "sim/engine/session.py", "advance"),
    ("    of which saving the log (JSON, fsync)", "sim/engine/session.py", "save"),
    ("  dashboard: status report, text and chart", "sim/ui/dashboard.py", "update"),
    ("    Gantt chart", "sim/results/charts/schedule.py", "png"),
    ("      background drawn afresh (range or legend changed)", "sim/results/charts/schedule.py", "_draw_static"),
    ("      moving parts drawn on the background", "sim/results/charts/schedule.py", "_draw_moving"),
    ("      of which PNG encoding", "PIL/Image.py", "save"),
]


def by_part(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of each part's function over the profiled advances."""
    out = dict.fromkeys((label for label, *_ in PARTS), 0.0)
    for (file, _line, fn), (_cc, _nc, _tt, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, ending, name in PARTS:
            if file.endswith(ending) and fn == name:
                out[label] += cumtime
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--scenario", default="software_build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=25, help="functions listed from the profile (0: no profile)")
    args = parser.parse_args()
    install_comm()
    firsts: dict[str, float] = {}
    rows = play_weeks(args, None, firsts)  # timed without the profiler, which slows Python code down
    print(f"{len(rows)} week advances of {args.scenario} (seed {args.seed}) through the widgets, one process "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(f"{'week':>4} {'CPU ms':>8} {'wall ms':>8} {'msgs':>5} {'bytes':>8}")
    for week, (cpu_ms, wall_ms, count, size) in enumerate(rows, 1):
        print(f"{week:>4} {cpu_ms:8.1f} {wall_ms:8.1f} {count:5d} {size:8d}")
    print("before them: " + ", ".join(f"{what} {ms:.0f} ms of CPU" for what, ms in firsts.items()))
    cpus = [r[0] for r in rows]
    print(f"CPU ms per advance: median {statistics.median(cpus):.1f}, max {max(cpus):.1f}; "
          f"messages {statistics.median(r[2] for r in rows):.0f}, bytes {statistics.median(r[3] for r in rows):.0f}")
    if args.profile:
        profile = cProfile.Profile()
        play_weeks(args, profile)  # the same weeks again, profiled
        report_profile(profile, len(rows), args.profile)


def play_weeks(args, profile: cProfile.Profile | None, firsts: dict[str, float] | None = None) -> list[tuple[float, float, int, int]]:
    """Open the app, start planning, commit and advance ``args.weeks`` weeks; each advance's CPU ms, wall ms, messages
    and bytes sent (and in ``firsts`` the CPU ms of the steps before)."""
    firsts = {} if firsts is None else firsts
    cpu = time.process_time()
    from sim.ui import play

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        app = play(scenario=args.scenario, seed=args.seed, save_dir=folder)
        firsts["the app opened (imports included)"] = (time.process_time() - cpu) * 1000
        for what, button in (("'Start planning'", lambda: app.choose.start), ("'Commit the plan'", lambda: app.plan.commit)):
            cpu = time.process_time()
            click(button())
            firsts[what] = (time.process_time() - cpu) * 1000
        assert app.model.stage == "execute", app.model.message
        for _ in range(args.weeks):
            RecordingComm.sent.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            click(app.execute.advance)
            if profile:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            rows.append((cpu * 1000, wall * 1000, len(RecordingComm.sent), sum(j + b for _, j, b in RecordingComm.sent)))
            if app.model.stage != "execute":
                break
    return rows


def report_profile(profile: cProfile.Profile, advances: int, functions: int) -> None:
    parts = by_part(pstats.Stats(profile))
    whole = parts[PARTS[0][0]]
    print("\nWhere the time goes (cProfile, which slows Python code down; mean over the advances):")
    for part, seconds in parts.items():
        print(f"  {part:58} {seconds * 1000 / advances:7.1f} ms  {seconds / whole:6.1%}")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(functions)
        print(out.getvalue())


if __name__ == "__main__":
    main()

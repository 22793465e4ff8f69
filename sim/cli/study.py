"""Commands for studies and reports: montecarlo, audit and report."""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sim.policies import POLICIES
from sim.schema import DIFFICULTIES

from .common import (
    UsageError,
    add_scenario_option,
    emit_json,
    html_target,
    runs_type,
    scenario_type,
    seed_type,
    workers_type,
    write_html,
)


def address_type(text: str) -> str:
    """argparse type for --dask: anything but an empty address (distributed checks the rest)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty address (expected a Dask scheduler address, e.g. tcp://127.0.0.1:8786)")
    return text


@contextmanager
def executor_for(workers: int | None, dask: str | None, runs: int):
    """None (serial), a process pool of at most ``runs`` workers, or a Dask cluster's executor."""
    if dask is not None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask needs the cluster extra: pip install 'itpm-sim[cluster]'") from None
        try:
            client = Client(dask, timeout="10s")
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--dask {dask!r}: not a Dask scheduler address (got {exc}; expected e.g. tcp://127.0.0.1:8786)") from None
        except OSError as exc:
            raise UsageError(f"--dask {dask!r}: cannot reach the Dask scheduler ({exc})") from None
        try:
            yield client.get_executor()
        finally:
            client.close()
    elif workers and min(workers, runs) > 1:
        with ProcessPoolExecutor(min(workers, runs)) as pool:
            yield pool
    else:
        yield None


def _progress(total: int):
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="run", disable=total < 200, leave=False)
    return bar, bar.update


def _study_folder(folder: str) -> Path:
    from sim.results import studies

    try:
        return studies.prepare(folder)
    except studies.StudyFolderError as exc:
        raise UsageError(f"--out {exc}") from None


def montecarlo(args: argparse.Namespace) -> int:
    from sim.analysis import Study, run_montecarlo, summarise
    from sim.engine import LogError, World, read_log
    from sim.results import studies

    plan: tuple[dict, ...] = ()
    if args.decisions:
        try:
            plan = tuple({"day": e.day, "decision": e.decision.model_dump(mode="json")} for e in read_log(args.decisions).decisions)
        except LogError as exc:
            raise UsageError(str(exc)) from None
    world = World.from_file(args.scenario, args.difficulty)
    created = bool(args.out) and not os.path.lexists(args.out)
    out = _study_folder(args.out) if args.out else None
    study = Study(world.path, args.difficulty, args.policy, plan)
    bar, tick = _progress(args.runs)
    try:
        with executor_for(args.workers, args.dask, args.runs) as executor:
            runs = run_montecarlo(study, args.runs, args.seed, executor=executor, progress=tick)
        bar.close()
        summary = summarise(runs)
        summary["deadline_day"] = world.calendar.deadline_day
        summary["budget"] = world.scenario.budget.budget_at_completion + world.scenario.budget.management_reserve
        summary["currency"] = world.scenario.budget.currency
        if out:
            try:
                studies.write(out, runs, summary)
            except studies.StudyFolderError as exc:
                raise UsageError(f"--out {exc}") from None
    except BaseException:
        if created and out is not None and not any(out.iterdir()):
            out.rmdir()  # the folder this study made for itself, still empty: leave no trace of a failed study
        raise
    if args.json:
        emit_json(summary)
        return 0
    cal = world.calendar
    print(f"{world.scenario.id} ({args.difficulty}), {summary['runs']} runs of {study.label}, seed {args.seed}")
    for name, row in summary["percentiles"].items():
        print(f"  {name:>3}: finish day {row['finish_day']:6.1f} ({cal.date(row['finish_day'] - 1)}), cost {row['cost']:,.0f} {summary['currency']}")
    c = summary["chances"]
    print(f"  on time {c['on_time']:.0%}, on budget {c['on_budget']:.0%}, both {c['on_time_and_budget']:.0%}; mean score {summary['mean_score']:.1f}")
    if args.out:
        print(f"  written {args.out}/runs.csv and summary.json")
    return 0


def report(args: argparse.Namespace) -> int:
    from sim.results import studies
    from sim.results.report import study_report

    source = Path(args.source)
    target = html_target(args.html, source)
    if source.is_dir():
        try:
            runs, summary = studies.read(source)
        except studies.StudyFolderError as exc:
            raise UsageError(str(exc)) from None
        text = study_report(runs, summary.deadline_day, summary.budget, summary.currency)
    else:
        text = _session_report(source, args.scenario)
    write_html(target, text)
    print(f"wrote {args.html}")
    return 0


def _session_report(log: Path, scenario: str | None) -> str:
    from sim.engine import LogError, replay
    from sim.results import store
    from sim.results.debrief import make_debrief
    from sim.results.report import html_report

    try:
        session = replay(log, scenario)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    if not session.done:
        raise UsageError(f"{log}: the session is not finished yet (stopped on day {session.project.now:.0f}); finish it first")
    try:
        lessons = str(store.read_notes(log).get("lessons", ""))
    except store.NotesError as exc:
        raise UsageError(str(exc)) from None
    with ProcessPoolExecutor(2) as pool:
        debrief = make_debrief(session, pool, lessons=lessons)
    return html_report(session, debrief)


def audit(args) -> int:
    """Print the adversarial audit's table; exit 1 when a gaming tactic beats the reference PM at p < 0.01."""
    from sim.analysis.audit import ALPHA, table
    from sim.analysis.audit import audit as run_audit

    with executor_for(args.workers, None, args.seeds) as executor:
        frame = run_audit(args.scenario, args.seeds, args.seed, args.difficulty, executor)
    if args.json:
        emit_json(frame.to_dict(orient="records"))
    else:
        print(f"Adversarial audit of {args.scenario} ({args.difficulty}): {args.seeds} paired seeds per policy from seed "
              f"{args.seed}; 'p (more)' is the one-sided paired t-test that the policy scores more than reference.")
        print(table(frame))
        beaten = frame[frame["beats_reference"]]
        print(f"{len(beaten)} of {len(frame) - 1} policies beat reference at p < {ALPHA:g}"
              + (": " + ", ".join(beaten["policy"]) if len(beaten) else "."))
    return 1 if frame["beats_reference"].any() else 0


def register(sub) -> None:
    p = sub.add_parser("montecarlo", help="replicate a scenario N times and summarise the spread of outcomes")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type)
    p.add_argument("--runs", type=runs_type, required=True)
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--seed", type=seed_type, default=0)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--policy", choices=list(POLICIES), default="reference")
    how.add_argument("--decisions", metavar="LOG", help="replicate the decisions of a session log on every run")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=workers_type, help="a local process pool of W workers (never more than the runs)")
    where.add_argument("--dask", metavar="ADDR", type=address_type, help="a Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--out", metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=montecarlo)
    p = sub.add_parser("audit", help="play every gaming tactic on top of passive and reference and test whether any beats reference")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type)
    p.add_argument("--seeds", type=runs_type, default=200, help="paired seeds per policy (default 200)")
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--seed", type=seed_type, default=2024)
    p.add_argument("--workers", type=workers_type, help="a local process pool of W workers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=audit)
    p = sub.add_parser("report", help="write a self-contained HTML report of a session log or a Monte Carlo folder")
    p.add_argument("source", metavar="LOG|DIR")
    p.add_argument("--html", metavar="FILE", required=True)
    add_scenario_option(p)
    p.set_defaults(handler=report)


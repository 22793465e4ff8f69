"""Commands for instructors: class create, class collect, class report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.engine.exercise import MAX_MINUTES, RATIONALES, REVEALS
from sim.schema import DIFFICULTIES

from .common import (
    UsageError,
    bounded,
    emit_json,
    html_target,
    scenario_type,
    seed_type,
    workers_type,
    write_html,
)

STATUS_ORDER = ("verified", "unfinished", "tampered", "foreign", "duplicate", "unreadable")


def create(args: argparse.Namespace) -> int:
    from sim.classroom.pack import PackError, make_pack, rules
    from sim.engine.exercise import ExerciseError

    try:
        pack = make_pack(args.scenario, args.out, id=args.id, title=args.title, difficulty=args.difficulty, seed=args.seed,
                         seed_per_team=args.seed_per_team, roster=args.roster, minutes=args.minutes, reveal=args.reveal,
                         rationale=args.rationale)
    except (PackError, ExerciseError) as exc:
        raise UsageError(str(exc)) from None
    ex = pack.exercise
    print(f"class pack for exercise {ex.id!r}: {ex.describe()}")
    for rule in rules(ex):
        print(f"  - {rule}")
    seeds = f"seed {ex.seed}" if ex.seed is not None else "seeds " + ", ".join(f"{t} {s}" for t, s in ex.team_seeds.items())
    print(f"  {seeds} (recorded in the exercise; not shown to students)"
          + (f"; roster of {len(ex.roster)}" if ex.roster else "; no roster: students type their id"))
    for path in pack.files:
        print(f"  wrote {path}")
    return 0


def collect(args: argparse.Namespace) -> int:
    from sim.classroom import CollectError
    from sim.classroom import collect as collect_logs
    from sim.engine.exercise import ExerciseError, read_exercise

    try:
        exercise = read_exercise(args.exercise)
    except ExerciseError as exc:
        raise UsageError(str(exc)) from None
    for path in args.paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder (expected a folder, a zip file or a session log)")
    try:
        collection = collect_logs(exercise, args.paths, args.out, update=args.update, keep=args.keep, workers=args.workers)
    except CollectError as exc:
        raise UsageError(str(exc)) from None
    logs, cohort = collection.logs, collection.cohort
    counts = collection.counts()
    if args.json:
        emit_json({"exercise": exercise.id, "logs": len(logs), "statuses": counts, "students": len(cohort),
                   "cohort_statuses": cohort["status"].value_counts().to_dict(), "problems": _problems(logs),
                   "out": str(args.out)})
        return 0
    print(f"exercise {exercise.id!r} ({exercise.describe()}): {len(logs)} log(s) found")
    print("  " + " · ".join(f"{s} {counts[s]}" for s in STATUS_ORDER if counts.get(s)) if counts else "  no session log found")
    lines = _problems(logs)
    if lines:
        print("not counted, one per line:")
        for line in lines:
            print(f"  {line}")
    states = cohort["status"].value_counts()
    missing = cohort.loc[cohort["status"] == "missing", "student"].tolist()
    print(f"students: {len(cohort)}; " + ", ".join(f"{n} {s}" for s, n in states.items())
          + (f" (nothing from: {', '.join(missing)})" if missing else ""))
    out = Path(args.out)
    print(f"wrote {out / 'cohort.csv'} ({len(cohort)} students), {out / 'logs.csv'} ({len(logs)} logs) and {out / 'logs'}/")
    return 0


def _problems(logs) -> list[str]:
    """Each log that does not count, one line: its status, whose it is, and the located reason."""
    out = []
    for row in logs.itertuples(index=False):
        if row.status in ("verified",) or (row.status == "duplicate" and row.check == "duplicate"):
            continue
        who = row.participant or row.handed_in_by or "?"
        named = row.status == "unreadable" or str(row.source) in str(row.reason)  # the reason locates it already
        text = row.reason if named else f"{row.source}: {row.reason}"
        out.append(f"{row.status:<10}  {who}: {text}" if row.status != "unreadable" else f"{row.status:<10}  {text}")
    return out


def report(args: argparse.Namespace) -> int:
    from sim.classroom import CollectError, read_collection
    from sim.classroom.report import class_report

    source = Path(args.folder)
    target = html_target(args.html, source)
    try:
        collection = read_collection(source)
    except CollectError as exc:
        raise UsageError(str(exc)) from None
    write_html(target, class_report(collection, workers=args.workers))
    print(f"wrote {args.html}")
    return 0


def register(sub) -> None:
    top = sub.add_parser("class", help="class exercises: create a class pack, collect and verify the logs, write the debrief")
    actions = top.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("create", help="write a class pack: the exercise, the students' notebook and a handout")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type, help="a scenario file or a bundled scenario id")
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=seed_type, help="one world for everyone (the default, with a random seed)")
    seeds.add_argument("--seed-per-team", action="store_true", help="a random seed for each team of the roster")
    p.add_argument("--roster", metavar="CSV", help="participants: a CSV file with a header row id[,name][,team]")
    p.add_argument("--minutes", type=bounded(MAX_MINUTES), help="a time box, in minutes from each student's start")
    p.add_argument("--reveal", choices=REVEALS, default="full", help="what students see at the end (default full)")
    p.add_argument("--rationale", choices=RATIONALES, default="optional", help="require a one-line reason per decision")
    p.add_argument("--id", help="the class id (default SCENARIO-YYYYMMDD)")
    p.add_argument("--title", help="the title shown to students (default the scenario's)")
    p.add_argument("--out", metavar="DIR", required=True, help="a new folder for the pack")
    p.set_defaults(handler=create)

    p = actions.add_parser("collect", help="find, verify and tabulate the students' session logs")
    p.add_argument("exercise", metavar="EXERCISE", help="the exercise file of the class pack")
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders, zip files or logs (nbgrader's inbound/ too)")
    p.add_argument("--out", metavar="DIR", required=True, help="a new folder for the collection")
    p.add_argument("--update", action="store_true", help="add new logs to an earlier collection in DIR (nothing is removed)")
    p.add_argument("--keep", choices=("latest", "first", "best"), default="latest",
                   help="which of a student's attempts counts (default latest)")
    p.add_argument("--workers", type=workers_type, default=1, help="verify in W processes (default 1)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=collect)

    p = actions.add_parser("report", help="write the class debrief as one self-contained HTML file")
    p.add_argument("folder", metavar="DIR", help="a folder written by itpm-sim class collect")
    p.add_argument("--html", metavar="FILE", required=True)
    p.add_argument("--workers", type=workers_type, default=2, help="counterfactual replays in W processes (default 2)")
    p.set_defaults(handler=report)

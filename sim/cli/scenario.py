"""Commands for scenario authors: validate, schema, plan."""

from __future__ import annotations

import argparse
import sys

from sim.schema import DIFFICULTIES, check_file, json_schema
from sim.schema.problems import shown

from .common import emit_json, scenario_type


def validate(args: argparse.Namespace) -> int:
    problems = [p for path in args.paths for p in check_file(path)]
    for line in shown(problems):
        print(line)
    if not problems:
        print(f"{len(args.paths)} scenario file(s) valid")
    return 2 if problems else 0


def schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json_schema())
    return 0


def plan(args: argparse.Namespace) -> int:
    from sim.engine import World

    world = World.from_file(args.scenario, args.difficulty)
    base = world.baseline
    sc = world.scenario
    procurement = sum(getattr(t, "cost", 0.0) for t in sc.tasks)
    info = {
        "scenario": sc.id,
        "difficulty": args.difficulty,
        "planned_finish_day": base.duration,
        "planned_finish_date": world.calendar.date(base.duration - 1).isoformat(),
        "deadline_day": world.calendar.deadline_day,
        "deadline": sc.calendar.deadline.isoformat(),
        "schedule_slack_days": world.calendar.deadline_day - base.duration,
        "planned_labour_cost": round(base.labour_cost, 2),
        "procurement_cost": procurement,
        "budget_at_completion": sc.budget.budget_at_completion,
        "budget_slack": round(sc.budget.budget_at_completion - base.labour_cost - procurement, 2),
        "management_reserve": sc.budget.management_reserve,
    }
    if args.json:
        emit_json(info)
    else:
        for key, value in info.items():
            print(f"{key:>22}: {value:,.2f}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files; exit 2 and list every problem if any is invalid")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=validate)
    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.set_defaults(handler=schema)
    p = sub.add_parser("plan", help="show a scenario's baseline plan against its deadline and budget")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type)
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=plan)

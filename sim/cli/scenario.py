"""Commands for scenario authors: validate, schema, plan."""

from __future__ import annotations

import argparse
import re
import sys

from sim.schema import DIFFICULTIES, check_file, json_schema
from sim.schema.problems import shown

from .common import emit_json, runs_type, scenario_type, seed_type, workers_type

BAND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*-\s*(\d+(?:\.\d+)?)\s*%?\s*$")


def band_type(text: str) -> tuple[float, float]:
    """argparse type for --band: two percentages LOW-HIGH, e.g. 20-45."""
    match = BAND.match(text)
    if match is None or not 0 <= float(match[1]) <= float(match[2]) <= 100:
        raise argparse.ArgumentTypeError(f"expected two percentages LOW-HIGH with 0 <= LOW <= HIGH <= 100, e.g. 20-45 (got {text!r})")
    return float(match[1]) / 100, float(match[2]) / 100


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
    from sim.classroom.author import plan_summary
    from sim.engine import World

    info = plan_summary(World.from_file(args.scenario, args.difficulty))
    if args.json:
        emit_json(info)
    else:
        for key, value in info.items():
            print(f"{key:>22}: {value:,.2f}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0


def balance(args: argparse.Namespace) -> int:
    from sim.analysis.balance import check_balance
    from sim.engine import World

    from .study import executor_for

    world = World.from_file(args.scenario, args.difficulty)
    with executor_for(args.workers, None, args.runs) as executor:
        result = check_balance(world, args.runs, args.seed, args.band, executor)
    table = result.table()
    if args.json:
        emit_json({"scenario": world.scenario.id, "difficulty": args.difficulty, "band": list(args.band),
                   "balanced": result.balanced, "passive_in_band": result.passive_in_band,
                   "reference_beats_passive": result.reference_beats_passive, "policies": table.to_dict("records"),
                   "advice": result.advice()})
    else:
        low, high = args.band
        print(f"{world.scenario.id} ({args.difficulty}): {args.runs} runs each of passive and reference, seed {args.seed}; "
              f"band for passive's success {low:.0%}-{high:.0%}")
        for row in table.itertuples(index=False):
            print(f"  {row.policy:>9}: success {row.success:.0%} (on time {row.on_time:.0%}, on budget {row.on_budget:.0%}), "
                  f"mean score {row.mean_score:.1f}, P50 finish day {row.p50_finish_day:.0f}")
        for line in result.advice():
            print(f"  {line}")
        print("BALANCED" if result.balanced else "NOT BALANCED")
    return 0 if result.balanced else 1


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
    p = sub.add_parser("balance", help="check a scenario's balance: passive's success rate in a band, reference better")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type)
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--runs", type=runs_type, default=300, help="runs of each policy (default 300)")
    p.add_argument("--seed", type=seed_type, default=0)
    p.add_argument("--band", type=band_type, default=(0.20, 0.45), metavar="LOW-HIGH",
                   help="passive's success rate wanted, in percent (default 20-45)")
    p.add_argument("--workers", type=workers_type, help="a local process pool of W workers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=balance)

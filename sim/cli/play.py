"""Commands that play scenarios: run and replay."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.policies import POLICIES
from sim.schema import DIFFICULTIES

from .common import UsageError, emit_json, scenario_type, seed_type


def _summary(session) -> dict:
    from sim.results import Results, scorecard

    results = Results(session)
    card = scorecard(session.project)
    out = dict(results.outcome)
    out.update({"scenario": session.world.scenario.id, "difficulty": session.world.difficulty, "seed": session.seed,
                "score": card.total, "grade": card.grade, "score_parts": card.parts,
                "refused_decisions": len(session.refused), "fingerprint": results.fingerprint()})
    return out


def _print(summary: dict, currency: str) -> None:
    print(f"{summary['scenario']} ({summary['difficulty']}, seed {summary['seed']})")
    late = summary["finish_day"] - summary["deadline_day"]
    print(f"  finished   day {summary['finish_day']:.0f} ({summary['finish_date']}), "
          + ("on time" if summary["on_time"] else f"{late:.0f} working days late") + (" - ABANDONED" if summary["abandoned"] else ""))
    print(f"  cost       {summary['cost']:,.0f} {currency} of {summary['budget']:,.0f} + reserve {summary['reserve']:,.0f}"
          + (" (on budget)" if summary["on_budget"] else " (over budget)"))
    print(f"  scope      {summary['scope']:.0%} of planned business value delivered")
    print(f"  quality    {summary['escaped_defects']:.0f} escaped defects, {summary['incidents']} incidents after go-live")
    print(f"  satisfaction {summary['satisfaction']:.0%} (stakeholder mean); {summary['resignations']} resignations")
    print(f"  score      {summary['score']:.1f}/100, grade {summary['grade']}")
    if summary["refused_decisions"]:
        print(f"  note       {summary['refused_decisions']} logged decision(s) did not apply and were skipped")


def run(args: argparse.Namespace) -> int:
    from sim.engine import LogError, Session, World, read_log
    from sim.policies import DecisionPlan, make_policy
    from sim.results import Results

    if args.decisions:
        try:
            policy = DecisionPlan(read_log(args.decisions)["decisions"])
        except LogError as exc:
            raise UsageError(str(exc)) from None
    else:
        policy = make_policy(args.policy)
    world = World.from_file(args.scenario, args.difficulty)
    out = Path(args.out) if args.out else None
    session = Session(world, args.seed, out / "session.json" if out else None)
    session.run(policy, strict=not args.decisions)
    summary = _summary(session)
    if out:
        Results(session).write(out)
        (out / "outcome.json").write_text(json.dumps(summary, indent=1, sort_keys=True, default=str) + "\n")
    if args.json:
        emit_json(summary)
    else:
        _print(summary, world.scenario.budget.currency)
        if out:
            print(f"  written    {out}/ (timeline, tasks, events, decisions CSV; session.json; outcome.json)")
    return 0


def replay(args: argparse.Namespace) -> int:
    from sim.engine import LogError, read_log
    from sim.engine import replay as do_replay

    try:
        log = read_log(args.log)
        session = do_replay(args.log)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    summary = _summary(session)
    recorded = log.get("outcome")
    match = recorded is not None and all(summary.get(k) == v for k, v in recorded.items())
    result = {"match": match, "finished": bool(log.get("finished")), "recorded": recorded, "replayed": summary}
    if args.json:
        emit_json(result)
    elif recorded is None:
        print("The log is unfinished: no recorded outcome to compare. The replay reached stop "
              f"{session.stops} on day {session.project.now:.0f}.")
    else:
        print("MATCH: the replay reproduces the recorded outcome exactly." if match else "MISMATCH: the replay differs from the log:")
        for key, value in recorded.items():
            if summary.get(key) != value:
                print(f"  {key}: recorded {value!r}, replayed {summary.get(key)!r}")
    return 0 if match or recorded is None else 1


def register(sub) -> None:
    p = sub.add_parser("run", help="play a scenario with a policy or a decision log and print the outcome")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type, help="a scenario file or a bundled scenario id")
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--seed", type=seed_type, default=0)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--policy", choices=list(POLICIES), default="reference", help="a built-in policy (default reference)")
    how.add_argument("--decisions", metavar="LOG", help="apply the decisions of a session log")
    p.add_argument("--out", metavar="DIR", help="write the tables, the session log and the outcome here")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)
    p = sub.add_parser("replay", help="re-simulate a session log and report whether it matches")
    p.add_argument("log", metavar="LOG")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=replay)

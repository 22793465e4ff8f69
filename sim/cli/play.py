"""Commands that play scenarios: run and replay."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.engine import approved_changes
from sim.policies import POLICIES
from sim.schema import DIFFICULTIES
from sim.schema.files import strict_json

from .common import UsageError, add_scenario_option, emit_json, scenario_type, seed_type


def _summary(session, not_applied: Sequence[dict] = ()) -> dict:
    from sim.engine import fingerprint, outcome, scorecard

    card = scorecard(session.project)
    skipped = list(session.refused) + list(not_applied)
    out = outcome(session.project)
    out.update({"scenario": session.world.scenario.id, "difficulty": session.world.difficulty, "seed": session.seed,
                "score": card.total, "grade": card.grade, "score_parts": card.parts,
                "refused_decisions": len(skipped), "not_applied": skipped, "fingerprint": fingerprint(session)})
    return out


SHOW_SKIPPED = 5
UNFINISHED = 3  # replay's exit status for a log that replays but has no outcome yet (0 match, 1 mismatch, 2 bad input)


def _print(summary: dict, currency: str) -> None:
    print(f"{summary['scenario']} ({summary['difficulty']}, seed {summary['seed']})")
    late = summary["finish_day"] - summary["deadline_day"]
    print(f"  finished   day {summary['finish_day']:.0f} ({summary['finish_date']}), "
          + ("on time" if summary["on_time"] else f"{late:.0f} working days late") + (" - ABANDONED" if summary["abandoned"] else ""))
    print(f"  cost       {summary['cost']:,.0f} {currency} of {summary['budget']:,.0f} + reserve {summary['reserve']:,.0f}"
          + (" (on budget)" if summary["on_budget"] else " (over budget)"))
    if note := approved_changes(summary, currency):
        print(f"  approved  {note}")
    print(f"  scope      {summary['scope']:.0%} of planned business value delivered")
    print(f"  quality    {summary['escaped_defects']:.0f} escaped defects, {summary['incidents']} incidents after go-live")
    print(f"  satisfaction {summary['satisfaction']:.0%} (stakeholder mean); {summary['resignations']} resignations")
    print(f"  score      {summary['score']:.1f}/100, grade {summary['grade']}")
    skipped = summary["not_applied"]
    if skipped:
        print(f"  note       {len(skipped)} logged decision(s) did not apply and were skipped:")
        for entry in skipped[:SHOW_SKIPPED]:
            print(f"             day {entry['day']:g}: {entry['decision']['type']}: {entry['reason']}")
        if len(skipped) > SHOW_SKIPPED:
            print(f"             ... and {len(skipped) - SHOW_SKIPPED} more (--json lists them all)")


def _note(text: str) -> None:
    print(f"itpm-sim run: {text}", file=sys.stderr)


def _plan(args: argparse.Namespace):
    """The policy, difficulty and seed to play (a log's own unless given), and the log's scenario id."""
    from sim.engine import LogError, read_log
    from sim.policies import DecisionPlan, make_policy

    if not args.decisions:
        return make_policy(args.policy), args.difficulty or "standard", args.seed or 0, None
    try:
        log = read_log(args.decisions)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    taken = [f"{name} {value}" for name, value, given in (("seed", log.seed, args.seed), ("difficulty", log.difficulty, args.difficulty))
             if given is None]
    if taken:
        _note(f"using the {' and '.join(taken)} of {args.decisions}")
    difficulty = args.difficulty or log.difficulty
    return DecisionPlan(log.decisions), difficulty, log.seed if args.seed is None else args.seed, log.scenario.id


def _unreached(policy, project) -> list[dict]:
    """Plan entries whose day never came: the project ended first."""
    return [{"day": day, "decision": decision.model_dump(mode="json"),
             "reason": f"never due: the project ended on day {project.now:g}"} for day, _, decision in getattr(policy, "pending", ())]


def _out(args: argparse.Namespace) -> Path | None:
    """The --out folder, refused when it is a file or already holds a session log."""
    if not args.out:
        return None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: got a file, expected a folder")
    if os.path.lexists(out / "session.json"):
        raise UsageError(f"--out {out}: {out / 'session.json'} exists already and a run never writes over a session log "
                         "(choose a new folder)")
    return out


def _open(world, seed: int, out: Path | None):
    from sim.engine import Session

    try:
        return Session(world, seed, out / "session.json" if out else None)
    except OSError as exc:
        raise UsageError(f"--out {out}: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    return f"cannot write {exc.filename}: {exc.strerror}" if exc.strerror else str(exc)


def run(args: argparse.Namespace) -> int:
    from sim.engine import World
    from sim.results import Results

    out = _out(args)
    policy, difficulty, seed, logged = _plan(args)
    world = World.from_file(args.scenario, difficulty)
    if logged and logged != world.scenario.id:
        _note(f"warning: {args.decisions} is a session of {logged!r}, not {world.scenario.id!r}; "
              "its decisions may not apply here")
    session = _open(world, seed, out)
    session.run(policy, strict=not args.decisions)
    summary = _summary(session, _unreached(policy, session.project))
    if out:
        try:
            Results(session).write(out)
            (out / "outcome.json").write_text(strict_json(summary, indent=1, sort_keys=True, default=str) + "\n")
        except OSError as exc:
            raise UsageError(f"--out {out}: {_reason(exc)}") from None
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
        session = do_replay(args.log, args.scenario)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    summary = _summary(session)
    recorded = log.outcome.model_dump(mode="json") if log.outcome else None
    differ = {} if recorded is None else {k: (v, summary[k]) for k, v in recorded.items() if summary[k] != v}
    if recorded is not None and session.stops != log.stops:
        differ["stops"] = (log.stops, session.stops)
    match = recorded is not None and not differ
    result = {"match": match, "finished": log.finished, "recorded": recorded, "replayed": summary}
    if args.json:
        emit_json(result)
    elif recorded is None:
        print(f"unfinished: {len(log.decisions)} decisions, stopped at day {session.project.now:g} (stop {session.stops}); "
              "the replay reaches the same point, and there is no outcome yet to compare")
    else:
        print("MATCH: the replay reproduces the recorded outcome exactly." if match else "MISMATCH: the replay differs from the log:")
        for key, (was, now) in differ.items():
            print(f"  {key}: recorded {was!r}, replayed {now!r}")
    return UNFINISHED if recorded is None else 0 if match else 1


def register(sub) -> None:
    p = sub.add_parser("run", help="play a scenario with a policy or a decision log and print the outcome")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type, help="a scenario file or a bundled scenario id")
    p.add_argument("--difficulty", choices=DIFFICULTIES, help="default standard, or the log's with --decisions")
    p.add_argument("--seed", type=seed_type, help="default 0, or the log's with --decisions")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--policy", choices=list(POLICIES), default="reference", help="a built-in policy (default reference)")
    how.add_argument("--decisions", metavar="LOG", help="apply the decisions of a session log")
    p.add_argument("--out", metavar="DIR", help="write the tables, the session log and the outcome here (a new session.json)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)
    p = sub.add_parser("replay", help="re-simulate a session log and report whether it matches")
    p.add_argument("log", metavar="LOG")
    add_scenario_option(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=replay)

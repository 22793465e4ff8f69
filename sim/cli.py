"""The ``itpm-sim`` command line.  Bad input exits 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from sim.schema import check_file, json_schema

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class UsageError(Exception):
    """Bad arguments or input files: printed as one message, exit code 2."""


def command(name: str):
    """Register a subcommand handler."""

    def register(handler: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = handler
        return handler

    return register


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    problems = [p for path in args.paths for p in check_file(path)]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(args.paths)} scenario file(s) valid")
    return 2 if problems else 0


@command("schema")
def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json_schema())
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="itpm-sim", description="IT project-management simulator and training kit.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("validate", help="check scenario files; exit 2 and list every problem if any is invalid")
    p.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    for extend in EXTENSIONS:
        extend(sub)
    return top


EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"itpm-sim {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

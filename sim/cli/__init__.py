"""The ``itpm-sim`` command line.  Bad input exits 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.schema import ScenarioError

from . import classroom, hub, panel, play, scenario, serve, study
from .common import UsageError

MODULES = (scenario, play, study, classroom, serve, hub, panel)


class Parser(argparse.ArgumentParser):
    """argparse with its errors on one line, pointing at --help rather than printing the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="itpm-sim", description="IT project-management simulator and training kit.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 ok, 1 a failed check, 2 bad input)."""
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"itpm-sim {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

"""Shared pieces of the command line."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from sim.schema import bundled_scenarios
from sim.schema.files import strict_json

# the engine hashes repr(seed), and Python refuses to write an int with more digits than this (0: no limit)
SEED_DIGITS = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
MAX_WORKERS = max(64, 4 * (os.cpu_count() or 1))
MAX_RUNS = 1_000_000
_DIGITS = re.compile(r"[0-9]+")


class UsageError(Exception):
    """Bad arguments or input files: printed as one message, exit code 2."""


def emit_json(data: object) -> None:
    """Print one JSON object on one line."""
    sys.stdout.write(strict_json(data, sort_keys=True, default=str) + "\n")


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"


def _whole(text: str, low: int, max_digits: int = 0) -> int | None:
    """The value of ``text`` if it is ASCII digits only (no sign, '_' or other scripts), at least ``low``."""
    if not _DIGITS.fullmatch(text) or (max_digits and len(text.lstrip("0")) > max_digits):
        return None
    value = int(text)
    return value if value >= low else None


def seed_type(text: str) -> int:
    """argparse type for a seed: a whole number >= 0, as long as the engine can hash."""
    value = _whole(text, 0, SEED_DIGITS)
    if value is None:
        bound = f" with at most {SEED_DIGITS} digits" if SEED_DIGITS else ""
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0{bound}, written with 0-9 (got {_shown(text)})")
    return value


def bounded(high: int, why: str = ""):
    """argparse type for a whole number from 1 to ``high``."""
    def parse(text: str) -> int:
        value = _whole(text, 1, len(str(high)))
        if value is None or value > high:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {high:,}{why}, written with 0-9 (got {_shown(text)})")
        return value
    return parse


runs_type = bounded(MAX_RUNS)
workers_type = bounded(MAX_WORKERS, f" (4 x this machine's {os.cpu_count() or 1} CPUs, or 64 if larger)")


def scenario_type(text: str) -> str:
    """argparse type for a scenario: an existing file or a bundled scenario's id."""
    ids = [p.stem for p in bundled_scenarios()]
    expected = f"expected a scenario file or one of: {', '.join(ids)}"
    if not text:
        raise argparse.ArgumentTypeError(f"empty scenario name ({expected})")
    if text not in ids and not Path(text).exists() and Path(text).suffix not in (".yaml", ".yml"):  # a missing .yaml: said when read
        raise argparse.ArgumentTypeError(f"unknown scenario {text!r} ({expected})")
    return text


def add_scenario_option(parser: argparse.ArgumentParser) -> None:
    """``--scenario FILE`` for commands that replay a log: the scenario to play it in (never one the log names)."""
    parser.add_argument("--scenario", metavar="FILE", type=scenario_type,
                        help="the scenario file (or bundled id) the session was played on; default the bundled scenario "
                             "whose id the log records. Its SHA-256 must match the log's.")


def html_target(html: str, source: Path) -> Path:
    """The report's file, refused if writing it could replace a log, a scenario or a folder."""
    target = Path(html)
    if target.resolve() == source.resolve():
        raise UsageError(f"--html {html}: is the report's source (expected another file, so that {source} is kept)")
    if target.suffix.lower() not in (".html", ".htm"):
        got = repr(target.suffix) if target.suffix else "no suffix"
        raise UsageError(f"--html {html}: not an HTML file name (got {got}, expected a name ending in .html or .htm)")
    if target.is_dir():
        raise UsageError(f"--html {html}: is a folder (expected a file name)")
    if not target.parent.is_dir():
        raise UsageError(f"--html {html}: no such folder {str(target.parent)!r} (expected an existing folder)")
    return target


def write_html(target: Path, text: str) -> None:
    """Write a report atomically; an OS error becomes a UsageError naming the --html file."""
    from sim.results import store

    try:
        store.write_text(target, text)
    except OSError as exc:
        raise UsageError(f"--html {target}: cannot write the report (got {str(exc.strerror or exc).lower()}, expected a writable folder)") from None

"""Shared pieces of the command line."""

from __future__ import annotations

import json
import sys


class UsageError(Exception):
    """Bad arguments or input files: printed as one message, exit code 2."""


def emit_json(data: object) -> None:
    """Print one JSON object on one line."""
    sys.stdout.write(json.dumps(data, sort_keys=True, default=str) + "\n")


def seed_type(text: str) -> int:
    """argparse type for a seed: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a whole number >= 0 (got {text!r})")
    return value

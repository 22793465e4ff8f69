"""A Monte Carlo study on disk: ``runs.csv`` and ``summary.json`` in a folder of their own.

A study is written whole or not at all, and never over an earlier one.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from . import store

RUNS, SUMMARY = "runs.csv", "summary.json"


class StudyFolderError(ValueError):
    """A study folder that cannot be written or read, with the reason."""


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc).lower()


def prepare(folder: str | Path) -> Path:
    """Create ``folder`` for a new study and check it can be written, before the study runs.

    Refuses a file, and a folder that already holds a study's files: nothing a user made is replaced.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StudyFolderError(f"{folder}: not a folder (got a file, expected a folder for {RUNS} and {SUMMARY})")
    taken = [name for name in (RUNS, SUMMARY) if (folder / name).exists() or (folder / name).is_symlink()]
    if taken:
        raise StudyFolderError(f"{folder}: already holds {' and '.join(taken)} from an earlier study "
                               "(expected a new or empty folder; move them away or choose another folder)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StudyFolderError(f"{folder}: cannot write the study here (got {_reason(exc)}, expected a writable folder)") from None
    return folder


def write(folder: str | Path, runs: pd.DataFrame, summary: dict) -> None:
    """Write both files of a study into a folder from ``prepare``; on failure neither is left behind."""
    folder = Path(folder)
    written = []
    try:
        for name, text in ((RUNS, runs.to_csv(index=False)), (SUMMARY, json.dumps(summary, indent=1, default=str) + "\n")):
            written.append(store.write_text(folder / name, text))
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise StudyFolderError(f"{folder}: cannot write the study (got {_reason(exc)}, expected a writable folder)") from None

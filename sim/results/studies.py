"""A Monte Carlo study on disk: ``runs.csv`` and ``summary.json`` in a folder of their own.

A study is written whole or not at all, and never over an earlier one; reading
one checks both files against what ``write`` produces.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.schema.files import UnreadableFile, read_bounded, reason, strict_json

from . import store

RUNS, SUMMARY = "runs.csv", "summary.json"
SUMMARY_LIMIT, RUNS_LIMIT = 1 << 20, 1 << 30  # bytes
# the columns a report needs, by kind; a kind also applies to every column "PREFIX:..."
NUMBER, FLAG = "numbers", "true/false values"
COLUMNS = {"finish_day": NUMBER, "cost": NUMBER, "on_time": FLAG, "on_budget": FLAG, "abandoned": FLAG}
PREFIXES = {"critical": FLAG, "risk": FLAG, "duration": NUMBER}


class Summary(BaseModel):
    """``summary.json``: the study's summary and what its report needs to draw it."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    runs: int = Field(ge=1)
    scenario: str
    difficulty: str
    policy: str
    seed: int = Field(ge=0)
    percentiles: dict[str, dict[str, float]]
    chances: dict[str, float]
    mean_score: float
    most_critical: list[dict[str, str | float | None]]
    top_risks: list[dict[str, str | float | None]]
    deadline_day: float
    budget: float
    currency: str


class StudyFolderError(ValueError):
    """A study folder that cannot be written or read, with the reason."""


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
        store.sweep(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StudyFolderError(f"{folder}: cannot write the study here (got {reason(exc)}, expected a writable folder)") from None
    return folder


def write(folder: str | Path, runs: pd.DataFrame, summary: dict) -> None:
    """Write both files of a study into a folder from ``prepare``; on failure neither is left behind."""
    folder = Path(folder)
    Summary.model_validate(summary)  # never write what ``read`` would refuse
    written = []
    try:
        for name, text in ((RUNS, runs.to_csv(index=False)), (SUMMARY, strict_json(summary, indent=1, default=str) + "\n")):
            written.append(store.write_text(folder / name, text))
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise StudyFolderError(f"{folder}: cannot write the study (got {reason(exc)}, expected a writable folder)") from None


def _bytes(path: Path, limit: int) -> bytes:
    try:
        return read_bounded(path, limit)
    except UnreadableFile as exc:
        raise StudyFolderError(f"{path}: {exc}") from None


def _summary(path: Path) -> Summary:
    raw = _bytes(path, SUMMARY_LIMIT)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StudyFolderError(f"{path}: not UTF-8 text (got byte {raw[exc.start]:#x} at offset {exc.start}, expected UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise StudyFolderError(f"{path}:{exc.lineno}:{exc.colno}: not JSON (got {exc.msg.lower()}, expected the summary montecarlo writes)") from None
    if not isinstance(data, dict):
        raise StudyFolderError(f"{path}: not a summary (got a JSON {type(data).__name__}, expected a JSON object)")
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" and {exc.error_count() - 1} more problem(s)" if exc.error_count() > 1 else ""
        raise StudyFolderError(f"{path}: {where}: {first['msg'].lower()} (got {repr(first['input'])[:60]}){more}; "
                               "expected the summary montecarlo writes") from None


def _runs(path: Path, expected_runs: int) -> pd.DataFrame:
    raw = _bytes(path, RUNS_LIMIT)
    try:
        runs = pd.read_csv(io.BytesIO(raw), encoding="utf-8")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:  # UnicodeDecodeError is a ValueError
        raise StudyFolderError(f"{path}: not a CSV table of runs (got {str(exc).splitlines()[0]}, expected the runs.csv montecarlo writes)") from None
    missing = [c for c in COLUMNS if c not in runs.columns]
    if missing:
        raise StudyFolderError(f"{path}: missing column(s) {', '.join(missing)} (got {', '.join(map(str, runs.columns[:8]))}"
                               f"{', ...' if len(runs.columns) > 8 else ''}; expected the columns montecarlo writes)")
    for column in runs.columns:
        kind = COLUMNS.get(column) or PREFIXES.get(str(column).split(":", 1)[0] if ":" in str(column) else "")
        fits = pd.api.types.is_bool_dtype if kind == FLAG else pd.api.types.is_numeric_dtype
        if kind and not fits(runs[column]):
            raise StudyFolderError(f"{path}: column {column} (got {runs[column].dtype} values, expected {kind})")
    if len(runs) != expected_runs:
        raise StudyFolderError(f"{path}: {len(runs)} runs (expected {expected_runs}, as {SUMMARY} says)")
    return runs


def read(folder: str | Path) -> tuple[pd.DataFrame, Summary]:
    """The runs and the summary of a study folder; raises StudyFolderError naming the file and the fault."""
    folder = Path(folder)
    if not (folder / RUNS).exists() or not (folder / SUMMARY).exists():
        raise StudyFolderError(f"{folder} is not a Monte Carlo output folder (expected {RUNS} and {SUMMARY} in it)")
    summary = _summary(folder / SUMMARY)
    runs = _runs(folder / RUNS, summary.runs)
    runs.attrs.update({"scenario": summary.scenario, "difficulty": summary.difficulty, "policy": summary.policy, "seed": summary.seed})
    return runs, summary

"""The session log on disk: one frozen model, read and checked in full.

Every problem becomes one ``LogError`` naming the file, the field (as
``decisions[3].day``), what was got and what was expected.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, Field, TypeAdapter, ValidationError, model_validator

import sim
from sim.schema import DIFFICULTIES, explain
from sim.schema.files import UnreadableFile, read_bounded
from sim.schema.params import Frozen
from sim.schema.problems import format_path, show
from sim.schema.safe_yaml import read_yaml

from .decisions import TYPES, Decision

LOG_FORMAT = "itpm-sim-session/1"
MAX_LOG_BYTES = 16 * 1024 * 1024  # a year-long session with a decision every hour of play is well under 1 MB

Day = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=0)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class LogError(ValueError):
    """A session log cannot be read or does not fit its scenario."""


class _Inconsistent(ValueError):
    """A check across fields, raised at ``loc`` (keys and indexes) so the reader can give its line."""

    def __init__(self, loc: tuple, text: str):
        super().__init__(f"{format_path(loc)}: {text}")
        self.loc, self.text = loc, text


class Planned(Frozen):
    """A decision due on a simulated working day (an entry of a scripted plan)."""

    day: Day
    decision: Decision


class Entry(Planned):
    """A logged decision: the stop and day it was made at, and the wall-clock time."""

    stop: Count
    wall_time: AwareDatetime


class ScenarioRef(Frozen):
    """The scenario a session was played on, and its content hash when played."""

    id: str = Field(min_length=1)
    path: str = ""  # where it was read from when played: information only, never opened
    sha256: Sha256


class Outcome(Frozen):
    """The headline results recorded when the session finished (see ``measures.outcome``)."""

    finish_day: Number
    finish_date: dt.date
    deadline_day: Number  # the original deadline, without the PM's granted requests
    approved_deadline_day: Number
    on_time: bool
    cost: Number
    budget: Number  # the original budget, without the PM's granted requests
    approved_budget: Number
    reserve: Number
    on_budget: bool
    sponsor_requests: int
    sponsor_refusals: int
    scope: Number
    escaped_defects: Number
    incidents: int
    satisfaction: Number
    resignations: int
    abandoned: bool


Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]
"""An exercise's or a participant's id: a letter or digit, then letters, digits and ``_ . @ -``; 64 at most."""
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
EXERCISE_KINDS = ("class", "panel")


class ExerciseRef(Frozen):
    """The class or panel exercise a session was played in (see ``sim.engine.exercise``)."""

    kind: Literal[EXERCISE_KINDS]  # type: ignore[valid-type]  # the tuple's names, unpacked at run time
    id: Ident
    sha256: Sha256


class Freeze(Frozen):
    """When and why a session stopped taking decisions (a time box ran out); the rest ran on every default."""

    stop: Count
    day: Day
    reason: str = Field(min_length=1, max_length=200)
    wall_time: AwareDatetime


class SessionLog(Frozen):
    """A whole session log as ``Session.log`` writes it."""

    format: Literal[LOG_FORMAT]  # type: ignore[valid-type]  # the constant, read at run time
    kit_version: str
    scenario: ScenarioRef
    exercise: ExerciseRef | None = None
    participant: Ident | None = None
    difficulty: Literal[DIFFICULTIES]  # type: ignore[valid-type]  # the tuple's names, unpacked at run time
    seed: Count
    started: AwareDatetime | None = None  # logs before kit 0.2 lack it
    frozen: Freeze | None = None
    decisions: tuple[Entry, ...]
    stops: Count
    finished: bool
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SessionLog:
        if self.finished and self.outcome is None:
            raise _Inconsistent(("outcome",), "missing required field (got nothing, expected the outcome a finished session records)")
        if not self.finished and self.outcome is not None:
            raise _Inconsistent(("outcome",), "not allowed here (got an outcome, expected none while finished is false)")
        entries = self.decisions
        late = next((i for i, e in enumerate(entries) if e.stop > self.stops), None)
        if late is not None:
            raise _Inconsistent(("decisions", late, "stop"), f"out of range (got {entries[late].stop}, expected at most {self.stops}, the log's stops)")
        if self.frozen is not None:
            if self.frozen.stop > self.stops:
                raise _Inconsistent(("frozen", "stop"), f"out of range (got {self.frozen.stop}, expected at most {self.stops}, the log's stops)")
            after = next((i for i, e in enumerate(entries) if e.stop > self.frozen.stop), None)
            if after is not None:
                raise _Inconsistent(("decisions", after, "stop"), f"after the freeze (got stop {entries[after].stop}, expected at most "
                                    f"{self.frozen.stop}: no decision is taken once a session is frozen)")
        for i in range(1, len(entries)):
            for field in ("stop", "day"):
                got, least = getattr(entries[i], field), getattr(entries[i - 1], field)
                if got < least:
                    raise _Inconsistent(("decisions", i, field), f"out of order (got {got!r}, expected at least {least!r}, "
                                     f"decision {i - 1}'s: decisions are logged in the order they were made)")
        return self


def _loc(error: Mapping[str, Any], root: tuple = ()) -> tuple:
    """Where in the log an error is, as keys and indexes (the union's tag is not a level of the file)."""
    inconsistent = error.get("ctx", {}).get("error")
    if isinstance(inconsistent, _Inconsistent):
        return root + inconsistent.loc
    return root + tuple(p for p in error["loc"] if p not in TYPES)


def describe(error: Mapping[str, Any], root: tuple = (), model: object = None) -> str:
    """One pydantic error as ``path: what is wrong (got X, expected Y)``, worded as for scenario files.

    ``model`` (the type validated) lets an unknown key list the keys allowed there.
    """
    loc = _loc(error, root)
    inconsistent = error.get("ctx", {}).get("error")
    if isinstance(inconsistent, _Inconsistent):
        return f"{format_path(loc)}: {inconsistent.text}"
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        loc += ("type",)
    allowed = explain.model_fields_at(model, tuple(error["loc"])[:-1]) if error["type"] == "extra_forbidden" and model is not None else []
    return f"{format_path(loc)}: {explain.describe(error, allowed)}"


def summarise(exc: ValidationError, root: tuple = (), model: object = None) -> str:
    """The first problem of a validation error, and how many more there are."""
    errors = exc.errors(include_url=False)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return describe(errors[0], root, model) + more


def located(path: Path, loc: tuple, limit: int = MAX_LOG_BYTES) -> str:
    """``path:line:column`` of the value at ``loc`` (keys and indexes) in the JSON file ``path``.

    JSON is YAML, so the scenario reader's position map serves; a file it cannot place gives just ``path``.
    """
    try:
        positions, _ = read_yaml(read_bounded(path, limit), str(path))
    except UnreadableFile:
        return str(path)
    if positions is None:
        return str(path)
    line, column = positions.where(loc)
    return f"{path}:{line}:{column}"


def as_path(path: object, what: str = "a session log") -> Path:
    """``path`` as a Path, or a TypeError naming the value."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"expected the path of {what} (got {path!r})")
    return Path(path)


class _Duplicate(Exception):
    pass


def _unique(pairs: list[tuple[str, object]]) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


MODEL_SINCE = (0, 3, 0)
"""The first kit version with this kit's model: a log recorded by an earlier kit replays differently, so it is refused."""


class ModelVersionError(LogError):
    """A session log recorded by a kit whose model differs from this one's (``version`` is the kit that made it)."""

    def __init__(self, message: str, version: str):
        super().__init__(message)
        self.version = version


def _version(text: str) -> tuple[int, ...] | None:
    parts = text.split(".")
    return tuple(int(p) for p in parts) if parts and all(p.isdigit() and len(p) < 6 for p in parts) else None


def _same_model(path: Path, data: dict) -> None:
    """Refuse a log recorded by a kit whose model differs from this kit's, naming the kit that made it."""
    made = data.get("kit_version")
    if not isinstance(made, str):
        return  # the schema says what is wrong
    version = _version(made)
    if version is not None and version < MODEL_SINCE:
        shown = made[:20]
        raise ModelVersionError(f"{path}: recorded with ITPM Sim {shown}, whose model differs from this kit's "
                                f"{sim.__version__}: replay it with that version", shown)


def read_log(path: str | Path) -> SessionLog:
    """A session log, checked in full; raises LogError with the first problem (ModelVersionError for an older model)."""
    return read_json_model(path, SessionLog, LOG_FORMAT, "session log", LogError, MAX_LOG_BYTES, _same_model)


M = TypeVar("M", bound=Frozen)


def read_json_model(path: str | Path, model: type[M], fmt: str, what: str, error: type[ValueError], limit: int,
                    precheck: Callable[[Path, dict], None] | None = None) -> M:
    """A JSON file of the kit's (``what``, e.g. "session log", with ``"format": fmt``) read as ``model``.

    Strict: no duplicate keys, no NaN, nothing over ``limit`` bytes.  Every problem raises ``error`` with
    ``file:line:column: field: what is wrong (got X, expected Y)``.
    """
    path = as_path(path, f"a {what}")
    try:
        text = read_bounded(path, limit, f"a readable {what}").decode("utf-8")
        data = json.loads(text, object_pairs_hook=_unique)
    except UnreadableFile as exc:
        raise error(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not a JSON {what} (got byte {exc.object[exc.start]:#x} at offset {exc.start}, expected UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise error(f"{path}:{exc.lineno}:{exc.colno}: not a JSON {what} ({exc.msg.lower()})") from None
    except ValueError as exc:  # an integer longer than Python will read
        raise error(f"{path}: not a {what} ({str(exc).split(':')[0].lower()})") from None
    except RecursionError:
        raise error(f"{path}: not a JSON {what} (nested too deeply)") from None
    except _Duplicate as exc:
        raise error(f"{path}: key {exc.args[0]!r} appears twice in one object (expected each key once)") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise error(f"{path}: not a {what} (got format {got!r}, expected {fmt!r})")
    if precheck is not None:
        precheck(path, data)
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise error(f"{located(path, _loc(exc.errors(include_url=False)[0]), limit)}: {summarise(exc, model=model)}") from None


_PLAN = TypeAdapter(tuple[Planned, ...])


def read_plan(entries: Iterable) -> tuple[Planned, ...]:
    """Plan entries (``{"day", "decision"}`` dicts or models), checked; raises ValueError naming the entry."""
    if isinstance(entries, (str, bytes, dict)) or not isinstance(entries, Iterable):
        raise TypeError(f"expected a list of plan entries (got {show(entries)})")
    try:
        return _PLAN.validate_python(list(entries))
    except ValidationError as exc:
        raise ValueError(summarise(exc, ("decisions",), tuple[Planned, ...])) from None

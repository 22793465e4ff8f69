"""Read, check and load scenario files: the schema package's public entry points."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path as FsPath

from pydantic import ValidationError

from . import safe_yaml
from .explain import problems_from
from .files import UnreadableFile, read_bounded
from .models import Scenario
from .presets import DIFFICULTIES, apply_preset
from .problems import Problem, ScenarioError, format_path
from .references import check_reach, check_references
from .safe_yaml import Located, read_yaml

SCENARIO_DIR = FsPath(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> list[FsPath]:
    """The scenario files shipped with the kit."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def resolve(name_or_path: str | FsPath) -> FsPath:
    """A scenario path from a path or a bundled scenario's id."""
    path = FsPath(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return SCENARIO_DIR / f"{name_or_path}.yaml"


def _validate(located: Located, file: str, note: str = "") -> tuple[Scenario | None, list[Problem]]:
    def at(findings) -> list[Problem]:
        return [Problem(file, *located.where(path, key=key), format_path(path), message + note) for path, key, message in findings]

    problems = at(check_references(located.data))
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as exc:
        return None, problems + problems_from(exc, Scenario, located, file, note)
    problems += at(check_reach(scenario))
    return (None if problems else scenario), problems


def read_scenario_bytes(path: FsPath) -> bytes:
    """The file's bytes, at most ``safe_yaml.MAX_BYTES`` of a regular file; raises ScenarioError."""
    try:
        return read_bounded(path, safe_yaml.MAX_BYTES, "a readable YAML file")
    except UnreadableFile as exc:
        raise ScenarioError([Problem(str(path), 1, 1, "(document)", str(exc))]) from None


def _read(path: FsPath) -> tuple[Located | None, list[Problem], str]:
    file = str(path)
    try:
        raw = read_scenario_bytes(path)
    except ScenarioError as exc:
        return None, exc.problems, file
    return _parse(raw, file)


def _parse(raw: bytes, file: str) -> tuple[Located | None, list[Problem], str]:
    located, problems = read_yaml(raw, file)
    if located is not None and not isinstance(located.data, dict):
        problems.append(Problem(file, 1, 1, "(document)", f"wrong type (got {'nothing' if located.data is None else type(located.data).__name__}, expected a mapping of scenario fields)"))
        located = None
    return located, problems, file


def check_file(path: str | FsPath) -> list[Problem]:
    """Every problem in a scenario file and in each of its difficulty presets."""
    return _check(FsPath(path))[2]


def check_bytes(raw: bytes, name: str) -> list[Problem]:
    """Every problem in a scenario file's bytes held in memory (an author's draft), as ``check_file`` finds them;
    ``name`` stands for the file in each problem."""
    return _check_read(*_parse(raw, name))[2]


def _check(path: FsPath) -> tuple[Located | None, str, list[Problem]]:
    """The file read once, its name as reported, and every problem (see ``check_file``)."""
    return _check_read(*_read(path))


def _check_read(located: Located | None, problems: list[Problem], file: str) -> tuple[Located | None, str, list[Problem]]:
    if located is None:
        return None, file, sorted(set(problems))
    _, base = _validate(located, file)
    problems += base
    seen = {(p.line, p.column, p.path, p.message) for p in base}
    presets = located.data.get("difficulty") if isinstance(located.data, dict) else None
    for name in DIFFICULTIES:
        if isinstance(presets, dict) and isinstance(presets.get(name), dict):
            note = f" [in difficulty preset {name!r}]"
            merged, unmerged = apply_preset(located, name)
            _, found = _validate(merged, file)
            found += [Problem(file, *located.where(path), format_path(path), why) for path, why in unmerged]
            problems += [
                Problem(p.file, p.line, p.column, p.path, p.message + note)
                for p in found
                if (p.line, p.column, p.path, p.message) not in seen
            ]
    return located, file, sorted(set(problems))


def load_scenario(path: str | FsPath, difficulty: str = "standard") -> Scenario:
    """The validated scenario with its difficulty preset applied.

    Raises ScenarioError listing every problem in the file.
    """
    path = resolve(path)
    _check_difficulty(str(path), difficulty)
    return _loaded(read_scenario_bytes(path), str(path), difficulty)


def load_scenario_bytes(raw: bytes, name: str, difficulty: str = "standard") -> Scenario:
    """The validated scenario held in ``raw`` (a scenario file's bytes, e.g. embedded in an exercise).

    ``name`` stands for the file in messages.  Raises ScenarioError as ``load_scenario`` does.
    """
    _check_difficulty(name, difficulty)
    return _loaded(raw, name, difficulty)


@functools.lru_cache(maxsize=32)
def _loaded(raw: bytes, name: str, difficulty: str) -> Scenario:
    """The scenario of these exact bytes, checked once per process: a scenario is immutable, and the same file
    is loaded several times as the app starts (the catalogue, the chosen world), each load a YAML parse and
    four validations, most of a kernel's start-up.  A file that changes is other bytes, loaded afresh; a file
    with problems is not cached (its ScenarioError is raised each time)."""
    return _load(*_check_read(*_parse(raw, name)), difficulty)


def _check_difficulty(file: str, difficulty: str) -> None:
    if difficulty not in DIFFICULTIES:
        raise ScenarioError([Problem(file, 1, 1, "difficulty", f"unknown difficulty (got {difficulty!r}, expected one of: {', '.join(DIFFICULTIES)})")])


def _load(located: Located | None, file: str, problems: list[Problem], difficulty: str) -> Scenario:
    if problems or located is None:
        raise ScenarioError(problems)
    scenario, problems = _validate(apply_preset(located, difficulty)[0], file)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


def content_hash(path: str | FsPath) -> str:
    """SHA-256 of a scenario file's bytes (a path or a bundled id), as session logs and exercises record it."""
    return hashlib.sha256(read_scenario_bytes(resolve(path))).hexdigest()


def json_schema() -> str:
    """The JSON Schema of the scenario format, as stable, pretty-printed text."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://itpm-sim.invalid/scenario.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

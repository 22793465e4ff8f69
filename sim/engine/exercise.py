"""An exercise: one world pinned for a class or a hiring panel.

The exercise file holds the scenario whole (its YAML text and sha256), the
difficulty and the seed (one for everyone, or one per team), so a later edit
of the scenario file cannot change the exercise, and every participant faces
the same world.  Sessions played in an exercise record its reference
(``ExerciseRef``), which ties a session log to the exercise when results are
collected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, ValidationError, model_validator

import sim
from sim.schema import DIFFICULTIES, read_scenario_bytes, resolve
from sim.schema.files import create_file
from sim.schema.params import Frozen

from .log import (
    EXERCISE_KINDS,
    Count,
    ExerciseRef,
    Ident,
    Sha256,
    _Inconsistent,
    read_json_model,
    summarise,
)
from .world import Source, World

EXERCISE_FORMAT = "itpm-sim-exercise/1"
MAX_EXERCISE_BYTES = 8 * 1024 * 1024  # a scenario (at most 4 MB) and a roster
REVEALS = ("none", "outcome", "full")
"""What a participant's debrief may show: nothing, the outcome and scorecard, or everything (counterfactuals too)."""
MAX_MINUTES = 24 * 60
RATIONALES = ("optional", "required")
"""Whether every decision must carry a one-line rationale (a hiring panel reads them)."""



class ExerciseError(ValueError):
    """An exercise file cannot be read, or an exercise cannot be made."""


class EmbeddedScenario(Frozen):
    """A scenario file held whole: its id, the name it was read from, its text and that text's sha256."""

    id: str = Field(min_length=1)
    file: str = Field(min_length=1)
    sha256: Sha256
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def _hash_matches(self) -> EmbeddedScenario:
        got = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        if got != self.sha256:
            raise _Inconsistent(("scenario", "sha256"), f"does not match the embedded text (got {self.sha256[:12]}..., "
                                f"the text hashes to {got[:12]}...: the scenario was edited after the exercise was made)")
        return self


class Member(Frozen):
    """One participant on the roster: an id (what they enter or log in as), a name, and a team."""

    id: Ident
    name: str = ""
    team: str = ""


class Exercise(Frozen):
    """A class exercise or a panel exercise: the pinned world and the rules of play."""

    format: Literal[EXERCISE_FORMAT] = EXERCISE_FORMAT  # type: ignore[valid-type]  # unpacked at run time
    kind: Literal[EXERCISE_KINDS]  # type: ignore[valid-type]  # unpacked at run time
    id: Ident
    title: str = Field(min_length=1, max_length=200)
    created: AwareDatetime
    kit_version: str
    scenario: EmbeddedScenario
    difficulty: Literal[DIFFICULTIES]  # type: ignore[valid-type]  # unpacked at run time
    seed: Count | None = None
    team_seeds: dict[str, Count] = Field(default_factory=dict)
    minutes: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    reveal: Literal[REVEALS] = "full"  # type: ignore[valid-type]  # unpacked at run time
    rationale: Literal[RATIONALES] = "optional"  # type: ignore[valid-type]  # unpacked at run time
    roster: tuple[Member, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Exercise:
        if (self.seed is None) == (not self.team_seeds):
            raise _Inconsistent(("seed",), "exactly one of seed and team_seeds must be given (got "
                                + ("both" if self.seed is not None else "neither") + ", expected one world for everyone or a seed per team)")
        ids = [m.id for m in self.roster]
        twice = next((i for i, x in enumerate(ids) if x in ids[:i]), None)
        if twice is not None:
            raise _Inconsistent(("roster", twice, "id"), f"appears twice (got {ids[twice]!r} again, expected each participant once)")
        if self.team_seeds:
            missing = next((i for i, m in enumerate(self.roster) if m.team not in self.team_seeds), None)
            if missing is not None:
                raise _Inconsistent(("roster", missing, "team"), f"has no seed (got team {self.roster[missing].team!r}, "
                                    f"expected one of: {', '.join(self.team_seeds)})")
        return self

    @cached_property
    def sha256(self) -> str:
        """The exercise's fingerprint: sha256 of its canonical JSON (key order and spacing do not matter)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def ref(self) -> ExerciseRef:
        return ExerciseRef(kind=self.kind, id=self.id, sha256=self.sha256)

    @property
    def source(self) -> Source:
        """The embedded scenario as worker processes receive it (see ``World.source``)."""
        return Source(self.scenario.text.encode("utf-8"), self.scenario.file)

    def world(self) -> World:
        """The pinned world, compiled from the embedded scenario (once per process)."""
        return self.source.world(self.difficulty)

    def member(self, participant: str) -> Member | None:
        return next((m for m in self.roster if m.id == participant), None)

    def seed_for(self, participant: str | None = None) -> int:
        """The seed ``participant`` plays: the one seed, or their team's; raises ExerciseError if there is none."""
        if self.seed is not None:
            return self.seed
        member = self.member(participant) if participant else None
        if member is None:
            raise ExerciseError(f"exercise {self.id!r} has a seed per team, and {participant!r} is not on its roster "
                                f"(expected one of: {', '.join(m.id for m in self.roster)})")
        return self.team_seeds[member.team]

    def deadline(self, started: dt.datetime) -> dt.datetime | None:
        """When the time box of a session started at ``started`` runs out (None without a time box)."""
        return started + dt.timedelta(minutes=self.minutes) if self.minutes else None

    def describe(self) -> str:
        """One line for people: the scenario, difficulty and time box (never the seed)."""
        box = f", {self.minutes} minutes" if self.minutes else ""
        return f"{self.title}: {self.scenario.id} ({self.difficulty}{box})"


def make_exercise(kind: str, scenario: str | Path, *, id: str, title: str | None = None, difficulty: str = "standard",
                  seed: int | None = None, team_seeds: dict[str, int] | None = None, minutes: int | None = None,
                  reveal: str = "full", rationale: str = "optional", roster: tuple[Member, ...] | list[dict] = ()) -> Exercise:
    """An exercise on ``scenario`` (a file or a bundled id), validated in full; raises ExerciseError or ScenarioError.

    The scenario is compiled here, so a broken one is refused when the exercise is made, not when it is played.
    """
    path = resolve(scenario)
    raw = read_scenario_bytes(path)
    world = World.from_bytes(raw, str(path), difficulty)  # a valid scenario is UTF-8 text
    data = {
        "kind": kind, "id": id, "title": title or world.scenario.title, "created": dt.datetime.now(dt.timezone.utc),
        "kit_version": sim.__version__, "difficulty": difficulty, "seed": seed, "team_seeds": team_seeds or {},
        "minutes": minutes, "reveal": reveal, "rationale": rationale, "roster": list(roster),
        "scenario": {"id": world.scenario.id, "file": path.name, "sha256": world.scenario_hash, "text": raw.decode("utf-8")},
    }
    try:
        return Exercise.model_validate(data)
    except ValidationError as exc:
        raise ExerciseError(summarise(exc, model=Exercise)) from None


def read_exercise(path: str | Path) -> Exercise:
    """An exercise file, checked in full; raises ExerciseError with the located first problem."""
    return read_json_model(path, Exercise, EXERCISE_FORMAT, "exercise file", ExerciseError, MAX_EXERCISE_BYTES)


def write_exercise(exercise: Exercise, path: str | Path) -> Path:
    """Write ``exercise`` to ``path``, which must not exist yet (an exercise is never overwritten)."""
    path = Path(path)
    text = json.dumps(exercise.model_dump(mode="json"), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        create_file(path, text)
    except FileExistsError:
        raise FileExistsError(f"{path}: exists already and an exercise is never overwritten") from None
    return path


def safe_id(text: str) -> str:
    """``text`` made into an id the exercise accepts (for ids derived from names or file names)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.@-]+", "-", text).strip("-.") or "x"
    return cleaned[:64] if cleaned[0].isalnum() else ("x" + cleaned)[:64]

"""Model parameters, built from the one defaults file so nothing is duplicated.

Each group in ``defaults.yaml`` becomes a frozen pydantic model whose fields
default to the documented values; a scenario overrides any subset.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, Strict, create_model, model_validator

MIN_WORK_SHARE = 0.1  # of a nominal team's time, left for the work after nominal communication, quality and overhead


class Frozen(BaseModel):
    """Base for everything read from a file: immutable, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@cache
def defaults() -> dict[str, dict[str, dict[str, Any]]]:
    """The parsed defaults file: group -> name -> {value, unit, doc, source}."""
    return yaml.safe_load(files("sim.schema").joinpath("defaults.yaml").read_text("utf-8"))


def _field(spec: dict[str, Any]) -> tuple[Any, Any]:
    value, (low, high) = spec["value"], spec["range"]
    kind = int if isinstance(value, int) and not isinstance(value, bool) else float
    description = f"{spec['doc']} Unit: {spec['unit']}, from {low:g} to {high:g}. Source: {spec['source']}"
    return Annotated[kind, Strict()], Field(default=value, ge=low, le=high, description=description)


class _Whole(Frozen):
    """Checks across the parameter groups."""

    @model_validator(mode="after")
    def _time_for_the_work(self) -> _Whole:
        c, q = self.communication, self.quality  # type: ignore[attr-defined]  # the groups are built from defaults.yaml
        taken = c.nominal_effort + q.nominal_effort + c.max_overhead
        if taken > 1 - MIN_WORK_SHARE:
            raise ValueError(f"communication.nominal_effort + quality.nominal_effort + communication.max_overhead leave no "
                             f"time for the work (got {taken:g}, expected at most {1 - MIN_WORK_SHARE:g})")
        return self


def _build() -> type[Frozen]:
    groups: dict[str, Any] = {}
    for group, entries in defaults().items():
        fields: dict[str, Any] = {name: _field(spec) for name, spec in entries.items()}
        model = create_model(
            group.title().replace("_", "") + "Parameters",
            __base__=Frozen,
            __doc__=f"Parameters of the {group.replace('_', ' ')} model.",
            **fields,
        )
        groups[group] = (model, Field(default_factory=model))
    return create_model(
        "Parameters",
        __base__=_Whole,
        __doc__="Model parameters; any subset may be overridden by a scenario.",
        **groups,
    )


Parameters = _build()

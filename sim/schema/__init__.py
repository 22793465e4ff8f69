"""The scenario format: schema, safe loading and located validation."""

from .loading import (
    bundled_scenarios,
    check_bytes,
    check_file,
    content_hash,
    json_schema,
    load_scenario,
    load_scenario_bytes,
    read_scenario_bytes,
    resolve,
)
from .models import Scenario
from .params import Parameters, defaults
from .presets import DIFFICULTIES
from .problems import Problem, ScenarioError

__all__ = [
    "DIFFICULTIES",
    "Parameters",
    "Problem",
    "Scenario",
    "ScenarioError",
    "bundled_scenarios",
    "check_bytes",
    "check_file",
    "content_hash",
    "defaults",
    "json_schema",
    "load_scenario",
    "load_scenario_bytes",
    "read_scenario_bytes",
    "resolve",
]

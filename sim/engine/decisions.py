"""The decisions a PM can make, as frozen models that round-trip through JSON logs."""

from __future__ import annotations

from typing import Annotated, Literal, Union, get_args

from pydantic import Field, TypeAdapter

from sim.schema.params import Frozen


class DecisionError(ValueError):
    """A decision was refused; the simulation state is unchanged."""


class _Decision(Frozen):
    rationale: str = Field(default="", max_length=500, description="Optional one-line reason, kept in the log.")


class Hire(_Decision):
    """Hire one person of a market profile; they arrive after its lead time."""

    type: Literal["hire"] = "hire"
    profile: str


class Release(_Decision):
    """Release a person from the project at once."""

    type: Literal["release"] = "release"
    person: str


class SetOvertime(_Decision):
    """Overtime as a share of extra hours for the whole team (0.2 = 48-hour weeks)."""

    type: Literal["set_overtime"] = "set_overtime"
    level: float


class SetCommunication(_Decision):
    """Share of time on status meetings and stakeholder communication."""

    type: Literal["set_communication"] = "set_communication"
    level: float


class SetQuality(_Decision):
    """Share of time on reviews and quality practice."""

    type: Literal["set_quality"] = "set_quality"
    level: float


class BuyResponse(_Decision):
    """Buy a risk response ahead of the risk."""

    type: Literal["buy_response"] = "buy_response"
    risk: str
    response: str


class Choose(_Decision):
    """Answer an open request (a scripted event or a risk that hit) with one of its options."""

    type: Literal["choose"] = "choose"
    request: str
    option: str


class CutScope(_Decision):
    """Drop a should or could task that is not finished."""

    type: Literal["cut_scope"] = "cut_scope"
    task: str


class RestoreScope(_Decision):
    """Bring back a task that was cut."""

    type: Literal["restore_scope"] = "restore_scope"
    task: str


class Prioritise(_Decision):
    """Raise (or lower) a task's priority when people are assigned."""

    type: Literal["prioritise"] = "prioritise"
    task: str
    priority: int = Field(ge=-10, le=10)


class FastTrack(_Decision):
    """Start a task before its predecessors finish, at a risk of rework."""

    type: Literal["fast_track"] = "fast_track"
    task: str


class SetReserve(_Decision):
    """Agree the management reserve with the sponsor before the project starts."""

    type: Literal["set_reserve"] = "set_reserve"
    amount: float = Field(ge=0)


class RequestBudget(_Decision):
    """Ask the sponsor for more budget (costs sponsor satisfaction)."""

    type: Literal["request_budget"] = "request_budget"
    amount: float = Field(gt=0)


class RequestTime(_Decision):
    """Ask the sponsor to move the deadline (costs sponsor satisfaction)."""

    type: Literal["request_time"] = "request_time"
    days: int = Field(gt=0)


Decision = Annotated[
    Union[
        Hire,
        Release,
        SetOvertime,
        SetCommunication,
        SetQuality,
        BuyResponse,
        Choose,
        CutScope,
        RestoreScope,
        Prioritise,
        FastTrack,
        SetReserve,
        RequestBudget,
        RequestTime,
    ],
    Field(discriminator="type"),
]
DECISION = TypeAdapter(Decision)
TYPES = tuple(member.model_fields["type"].default for member in get_args(get_args(Decision)[0]))
"""Every decision type, in the order of the union."""

"""The scenario format: frozen pydantic models for every part of a scenario file.

Cross-references between parts (task ids, skills, people, risks) are checked in
``references.py`` so that every problem is found in one pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .params import Frozen, Parameters


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError(f"empty text (got {value!r}, expected some text)")
    return value


def _unique(items: list) -> list:
    seen = set()
    for item in items:
        if item in seen:
            raise ValueError(f"duplicate item (got {str(item)!r} more than once, expected each item once)")
        seen.add(item)
    return items


# Numbers are strict: YAML's true, "12" or yes are mistakes, not 1, 12 and 1.0.
Number = Annotated[float, Strict()]
Whole = Annotated[int, Strict()]
Text = Annotated[str, Field(min_length=1), AfterValidator(_text)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Probability = Annotated[Number, Field(ge=0, le=1)]
Share = Annotated[Number, Field(ge=0, le=1)]
Money = Annotated[Number, Field(ge=0)]
Days = Annotated[Number, Field(ge=0)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # in the order of date.weekday()
Weekday = Literal[WEEKDAYS]  # type: ignore[valid-type]  # the tuple's names, unpacked at run time
Skills = dict[Id, Probability]

SCENARIO_KINDS = (
    "network_migration",
    "cloud_rollout",
    "software_build",
    "infrastructure_deployment",
    "desktop_reimaging",
    "av_setup",
    "hardware_installation",
    "cybersecurity",
    "disaster_recovery",
    "other",
)


def _not_before(hi: Any, info: ValidationInfo, lo_name: str) -> Any:
    """``hi`` unchanged, or an error (reported at ``hi``) if it is before field ``lo_name``."""
    lo = info.data.get(lo_name)
    if lo is not None and lo > hi:
        got, wanted = (f"{v:g}" if isinstance(v, float) else str(v) for v in (hi, lo))
        raise ValueError(f"{info.field_name} is before {lo_name} (got {got}, expected {lo_name} {wanted} or later)")
    return hi


class ThreePoint(Frozen):
    """A three-point estimate; optimistic <= most likely <= pessimistic."""

    optimistic: Days
    most_likely: Days
    pessimistic: Days

    @model_validator(mode="after")
    def _order(self) -> ThreePoint:
        o, m, p = self.optimistic, self.most_likely, self.pessimistic
        if not o <= m <= p:
            raise ValueError(f"estimate out of order (got {o:g}/{m:g}/{p:g}, expected optimistic <= most_likely <= pessimistic)")
        return self

    @property
    def pert_mean(self) -> float:
        """PERT expected value (O + 4M + P) / 6."""
        return (self.optimistic + 4 * self.most_likely + self.pessimistic) / 6


# ---------------------------------------------------------------- calendar


class Period(Frozen):
    """A closed range of calendar dates."""

    start: dt.date
    end: dt.date
    reason: str = ""

    @field_validator("end")
    @classmethod
    def _order(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        return _not_before(end, info, "start")


class Calendar(Frozen):
    """Project dates; time in the engine counts working days from ``start``."""

    start: dt.date
    deadline: dt.date = Field(description="Target finish date promised to the sponsor.")
    working_days: Annotated[list[Weekday], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    holidays: Annotated[list[dt.date], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})] = []
    change_freezes: list[Period] = Field(default=[], description="No deployment (cutover) may happen in these periods.")
    cutover_windows: list[Period] = Field(default=[], description="Dated windows in which cutovers may run.")
    weekly_cutover_days: list[Weekday] = Field(default=[], description="Weekdays that are cutover windows every week.")

    @field_validator("deadline")
    @classmethod
    def _order(cls, deadline: dt.date, info: ValidationInfo) -> dt.date:
        return _not_before(deadline, info, "start")


class Budget(Frozen):
    """Money: budget at completion, reserve and pay rules."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    budget_at_completion: Annotated[Number, Field(gt=0)]
    management_reserve: Money = 0
    overtime_premium: Annotated[Number, Field(ge=0, le=3)] = Field(
        default=0.5, description="Extra pay per overtime hour as a share of the normal rate."
    )


# ---------------------------------------------------------------- people


class Person(Frozen):
    """A named member of the starting team."""

    id: Id
    name: Text
    role: Text
    skills: Skills = Field(min_length=1, description="Skill id -> proficiency in [0, 1].")
    daily_rate: Annotated[Number, Field(gt=0)]
    availability: Annotated[Number, Field(gt=0, le=1)] = 1.0
    morale: Annotated[Probability | None, Field(description="Starting morale; when absent, productivity.nominal_morale.")] = None
    contract: Literal["permanent", "contractor"] = "permanent"


class Profile(Frozen):
    """A kind of person that can be hired from the labour market."""

    id: Id
    title: Text
    contract: Literal["permanent", "contractor"]
    skills: Skills = Field(min_length=1)
    daily_rate: Annotated[Number, Field(gt=0)]
    lead_time: Annotated[Whole, Field(ge=0, description="Working days from the decision to the first day.")]
    ramp_up: Annotated[Whole, Field(ge=0, description="Working days to full productivity.")] | None = None
    hiring_fee: Annotated[Money | None, Field(description="One-off fee per hire; when absent, decisions.hiring_fee_share days of the daily rate.")] = None
    max_hires: Annotated[Whole, Field(ge=1)] = 1


# ---------------------------------------------------------------- work


class TaskBase(Frozen):
    id: Id
    name: Text
    phase: Text
    depends_on: Annotated[list[Id], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})] = []
    scope: Literal["must", "should", "could"] = "must"
    value: Money = Field(default=0, description="Business value delivered when the task is finished.")
    description: str = ""


class EffortTask(TaskBase):
    skill: Id
    effort: ThreePoint = Field(description="Effort in person-days.")
    max_people: Annotated[Whole, Field(ge=1)] = 1


class WorkTask(EffortTask):
    """Ordinary work done by people with the task's skill."""

    kind: Literal["work"]


class TestTask(EffortTask):
    """Testing: finds a share of the latent defects in the tasks it covers."""

    kind: Literal["test"]
    covers: Annotated[list[Id], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})] = Field(default=[], description="Tasks whose defects it finds; empty means all upstream tasks.")
    detection: Probability | None = None


class ProcurementTask(TaskBase):
    """Buying equipment or software: ordering effort, then a vendor lead time."""

    kind: Literal["procurement"]
    skill: Id
    effort: ThreePoint
    max_people: Annotated[Whole, Field(ge=1)] = 1
    vendor: Text
    cost: Money
    lead_time: ThreePoint = Field(description="Vendor lead time in working days.")


class CutoverTask(EffortTask):
    """A go-live step that runs only in a cutover window and may roll back."""

    kind: Literal["cutover"]
    success_probability: Probability
    rollback_effort: Days = Field(description="Person-days spent rolling back a failed cutover.")


class Milestone(TaskBase):
    """A zero-effort checkpoint."""

    kind: Literal["milestone"]


Task = Annotated[Union[WorkTask, TestTask, ProcurementTask, CutoverTask, Milestone], Field(discriminator="kind")]


# ---------------------------------------------------------------- impacts


class DelayImpact(Frozen):
    type: Literal["delay"]
    task: Id
    days: Days


class ExtraEffortImpact(Frozen):
    type: Literal["extra_effort"]
    tasks: list[Id] = Field(min_length=1)
    share: Annotated[Number, Field(gt=0, le=5)] = Field(description="Extra effort as a share of each task's effort.")


class CostImpact(Frozen):
    type: Literal["cost"]
    amount: Money


class DefectsImpact(Frozen):
    type: Literal["defects"]
    count: Annotated[Number, Field(gt=0)]
    task: Id | None = None


class MoraleImpact(Frozen):
    type: Literal["morale"]
    delta: Annotated[Number, Field(ge=-1, le=1)]
    person: Id | None = None


class LosePersonImpact(Frozen):
    type: Literal["lose_person"]
    person: Id | None = Field(default=None, description="Who leaves; empty means a team member drawn at random.")


class ScopeChangeImpact(Frozen):
    type: Literal["scope_change"]
    task: Id
    share: Annotated[Number, Field(ge=-0.9, le=5)] = Field(description="Change of the task's effort as a share.")
    value: Number = 0


class SatisfactionImpact(Frozen):
    type: Literal["satisfaction"]
    stakeholder: Id
    delta: Annotated[Number, Field(ge=-1, le=1)]


class BudgetImpact(Frozen):
    type: Literal["budget"]
    amount: Number = Field(description="Change to the budget at completion (negative for a cut).")


class DeadlineImpact(Frozen):
    type: Literal["deadline"]
    days: Whole = Field(description="Working days added to (or, negative, taken from) the deadline.")


class AddTaskImpact(Frozen):
    type: Literal["add_task"]
    task: Task


class CutTaskImpact(Frozen):
    type: Literal["cut_task"]
    task: Id


Impact = Annotated[
    Union[
        DelayImpact,
        ExtraEffortImpact,
        CostImpact,
        DefectsImpact,
        MoraleImpact,
        LosePersonImpact,
        ScopeChangeImpact,
        SatisfactionImpact,
        BudgetImpact,
        DeadlineImpact,
        AddTaskImpact,
        CutTaskImpact,
    ],
    Field(discriminator="type"),
]


# ---------------------------------------------------------------- risks


class Window(Frozen):
    """Working days (from project start) in which a risk may occur."""

    start: Days
    end: Days

    @field_validator("end")
    @classmethod
    def _order(cls, end: float, info: ValidationInfo) -> float:
        return _not_before(end, info, "start")


class Indicator(Frozen):
    """Early-warning sign reported before the risk hits, if monitoring sees it."""

    signal: Text
    lead_days: Annotated[Whole, Field(ge=1)]


class Response(Frozen):
    """A response option: bought ahead it changes probability and impact."""

    id: Id
    strategy: Literal["avoid", "mitigate", "transfer", "accept"]
    description: Text
    cost: Money = 0
    probability_factor: Annotated[Number, Field(ge=0, le=1)] = 1
    impact_factor: Annotated[Number, Field(ge=0, le=1)] = 1


class Risk(Frozen):
    """An entry of the risk register."""

    id: Id
    title: Text
    category: Literal["technical", "vendor", "people", "organisational", "external", "security", "financial", "scope"]
    probability: Probability
    window: Window
    impacts: list[Impact] = Field(min_length=1)
    indicator: Indicator | None = None
    responses: list[Response] = []


# ---------------------------------------------------------------- events


class Trigger(Frozen):
    """When a scripted event fires: exactly one condition."""

    day: Days | None = None
    after_task: Id | None = None
    after_risk: Id | None = None
    progress_at_least: Share | None = None

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        given = [k for k, v in self.model_dump().items() if v is not None]
        if len(given) != 1:
            raise ValueError(
                f"a trigger needs exactly one condition (got {len(given)}: {', '.join(given) or 'none'}, "
                "expected one of day, after_task, after_risk, progress_at_least)"
            )
        return self


class Option(Frozen):
    """A choice the PM is offered when an event fires."""

    id: Id
    label: Text
    cost: Money = 0
    effects: list[Impact] = []


class Event(Frozen):
    """A scripted event with the decision it asks of the PM."""

    id: Id
    type: Literal["change_request", "budget_cut", "staff_departure", "escalation", "vendor_slip", "other"]
    title: Text
    description: Text
    trigger: Trigger
    options: list[Option] = Field(min_length=1)
    default: Id = Field(description="Option applied if the PM does not choose in time.")
    favoured_by: list[Id] = Field(default=[], description="Stakeholders who want the change accepted.")


# ---------------------------------------------------------------- stakeholders and scoring


class Drivers(Frozen):
    """How strongly each factor moves a stakeholder's satisfaction."""

    communication: Annotated[Number, Field(ge=0)]
    surprises: Annotated[Number, Field(ge=0)]
    change_handling: Annotated[Number, Field(ge=0)]
    incidents: Annotated[Number, Field(ge=0)]
    outcome: Annotated[Number, Field(ge=0)]


class Stakeholder(Frozen):
    id: Id
    name: Text
    role: Literal["sponsor", "users", "operations", "security", "vendor", "other"]
    satisfaction: Probability
    drivers: Drivers


class Scoring(Frozen):
    """Weights of the six scorecard parts."""

    schedule: Annotated[Number, Field(ge=0)]
    cost: Annotated[Number, Field(ge=0)]
    scope: Annotated[Number, Field(ge=0)]
    quality: Annotated[Number, Field(ge=0)]
    satisfaction: Annotated[Number, Field(ge=0)]
    team: Annotated[Number, Field(ge=0)]

    @model_validator(mode="after")
    def _positive(self) -> Scoring:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("weights sum to zero (got all 0, expected at least one positive weight)")
        return self


# ---------------------------------------------------------------- the scenario


class Scenario(Frozen):
    """A whole IT project scenario."""

    schema_version: Literal[1]
    id: Id
    title: Text
    kind: Literal[SCENARIO_KINDS]  # type: ignore[valid-type]
    methodology: Literal["waterfall"] = Field(description="Delivery method; iterative methods will be added later.")
    briefing: str = Field(min_length=1, description="Markdown briefing for the trainee (about 3 minutes to read).")
    objectives: list[str] = Field(min_length=1)
    calendar: Calendar
    budget: Budget
    skills: dict[Id, str] = Field(min_length=1, description="Skill id -> description.")
    team: list[Person] = Field(min_length=1)
    market: list[Profile] = []
    tasks: list[Task] = Field(min_length=1)
    risks: list[Risk] = []
    events: list[Event] = []
    stakeholders: list[Stakeholder] = Field(min_length=1)
    scoring: Scoring
    parameters: Parameters = Field(default_factory=Parameters)  # type: ignore[valid-type]
    difficulty: dict[Literal["easy", "standard", "hard"], dict[str, Any]] = Field(
        default={}, description="Presets: overlays deep-merged onto this file (lists of items merge by id)."
    )

    def task(self, task_id: str):
        """The task with ``task_id``."""
        return next(t for t in self.tasks if t.id == task_id)

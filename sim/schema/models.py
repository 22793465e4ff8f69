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


# Every number, date, text and list has a range: generous for any real scenario (the bundled ones have at most
# 37 tasks, 16 people and 12 risks, and no text over 3,500 characters), and tight enough that no file can make a
# check or a run take long or grow large.  The README's "Writing scenarios" lists them; a breach is reported at the
# value or the list that breaches it.
CALENDAR_DAYS = 2500  # working days the engine's calendar spans from the start (ten years at five days a week)
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
MAX_MONEY = 1e12  # any amount of money: a budget, a cost, a fee
MAX_RATE = 1e6  # a daily rate
MAX_ESTIMATE = 10_000  # person-days of effort, or working days of a lead time, in one three-point estimate
MAX_TEXT, MAX_DESCRIPTION, MAX_BRIEFING = 500, 5_000, 50_000  # characters
MAX_PERIOD_DAYS = 366  # calendar days of one change freeze or cutover window
LIMITS = {  # the most items of each list (or keys of each mapping) a scenario may hold
    "objectives": 50, "holidays": 1_000, "change_freezes": 200, "cutover_windows": 1_000, "skills": 200,
    "team": 200, "market": 100, "tasks": 2_000, "risks": 500, "events": 500, "stakeholders": 50,
    "depends_on": 100, "covers": 2_000, "impacts": 50, "responses": 20, "options": 20, "favoured_by": 50,
}

# Numbers are strict: YAML's true, "12" or yes are mistakes, not 1, 12 and 1.0.
Number = Annotated[float, Strict()]
Whole = Annotated[int, Strict()]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_text)]
Description = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION), AfterValidator(_text)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Probability = Annotated[Number, Field(ge=0, le=1)]
Share = Annotated[Number, Field(ge=0, le=1)]
Money = Annotated[Number, Field(ge=0, le=MAX_MONEY)]
Amount = Annotated[Number, Field(ge=-MAX_MONEY, le=MAX_MONEY)]  # a change of money, either way
Rate = Annotated[Number, Field(gt=0, le=MAX_RATE)]
Days = Annotated[Number, Field(ge=0, le=MAX_ESTIMATE)]
CalendarDay = Annotated[Number, Field(ge=0, le=CALENDAR_DAYS, description=f"A working day from the start, within the engine's calendar ({CALENDAR_DAYS:,} days).")]
Opening = Annotated[Number, Field(ge=0, description="A working day from the start, no later than the sponsor's last day "
                                       f"and the engine's calendar ({CALENDAR_DAYS:,} days); checked with the calendar.")]
Lead = Annotated[Whole, Field(ge=0, le=250)]  # working days a person takes to arrive or to ramp up
Date = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]


def _most(name: str) -> Any:
    """The size limit of the list or mapping ``name`` (see LIMITS)."""
    return Field(max_length=LIMITS[name])
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
    """A closed range of calendar dates, at most MAX_PERIOD_DAYS long (a weekly window recurs on its own)."""

    start: Date
    end: Date
    reason: Annotated[str, Field(max_length=MAX_TEXT)] = ""

    @field_validator("end")
    @classmethod
    def _order(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        end = _not_before(end, info, "start")
        start = info.data.get("start")
        if start is not None and (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(f"period too long (got {(end - start).days + 1:,} days from start to end, expected at most {MAX_PERIOD_DAYS})")
        return end


class Calendar(Frozen):
    """Project dates; time in the engine counts working days from ``start``."""

    start: Date
    deadline: Date = Field(description="Target finish date promised to the sponsor.")
    working_days: Annotated[list[Weekday], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    holidays: Annotated[list[Date], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True}), _most("holidays")] = []
    change_freezes: Annotated[list[Period], _most("change_freezes")] = Field(default=[], description="No deployment (cutover) may happen in these periods.")
    cutover_windows: Annotated[list[Period], _most("cutover_windows")] = Field(default=[], description="Dated windows in which cutovers may run.")
    weekly_cutover_days: Annotated[list[Weekday], Field(max_length=7)] = Field(default=[], description="Weekdays that are cutover windows every week.")

    @field_validator("deadline")
    @classmethod
    def _order(cls, deadline: dt.date, info: ValidationInfo) -> dt.date:
        return _not_before(deadline, info, "start")


class Budget(Frozen):
    """Money: budget at completion, reserve and pay rules."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    budget_at_completion: Annotated[Number, Field(gt=0, le=MAX_MONEY)]
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
    skills: Annotated[Skills, _most("skills")] = Field(min_length=1, description="Skill id -> proficiency in [0, 1].")
    daily_rate: Rate
    availability: Annotated[Number, Field(gt=0, le=1)] = 1.0
    morale: Annotated[Probability | None, Field(description="Starting morale; when absent, productivity.nominal_morale.")] = None
    contract: Literal["permanent", "contractor"] = "permanent"


class Profile(Frozen):
    """A kind of person that can be hired from the labour market."""

    id: Id
    title: Text
    contract: Literal["permanent", "contractor"]
    skills: Annotated[Skills, _most("skills")] = Field(min_length=1)
    daily_rate: Rate
    lead_time: Annotated[Lead, Field(description="Working days from the decision to the first day.")]
    ramp_up: Annotated[Lead, Field(description="Working days to full productivity.")] | None = None
    hiring_fee: Annotated[Money | None, Field(description="One-off fee per hire; when absent, decisions.hiring_fee_share days of the daily rate.")] = None
    max_hires: Annotated[Whole, Field(ge=1, le=100)] = 1


# ---------------------------------------------------------------- work


class TaskBase(Frozen):
    id: Id
    name: Text
    phase: Text
    depends_on: Annotated[list[Id], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True}), _most("depends_on")] = []
    scope: Literal["must", "should", "could"] = "must"
    value: Money = Field(default=0, description="Business value delivered when the task is finished.")
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""


class EffortTask(TaskBase):
    skill: Id
    effort: ThreePoint = Field(description="Effort in person-days.")
    max_people: Annotated[Whole, Field(ge=1, le=100)] = 1


class WorkTask(EffortTask):
    """Ordinary work done by people with the task's skill."""

    kind: Literal["work"]


class TestTask(EffortTask):
    """Testing: finds a share of the latent defects in the tasks it covers."""

    kind: Literal["test"]
    covers: Annotated[list[Id], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True}), _most("covers")] = Field(default=[], description="Tasks whose defects it finds; empty means all upstream tasks.")
    detection: Probability | None = None


class ProcurementTask(TaskBase):
    """Buying equipment or software: ordering effort, then a vendor lead time."""

    kind: Literal["procurement"]
    skill: Id
    effort: ThreePoint
    max_people: Annotated[Whole, Field(ge=1, le=100)] = 1
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
    days: CalendarDay


class ExtraEffortImpact(Frozen):
    type: Literal["extra_effort"]
    tasks: list[Id] = Field(min_length=1, max_length=LIMITS["tasks"])
    share: Annotated[Number, Field(gt=0, le=5)] = Field(description="Extra effort as a share of each task's effort.")


class CostImpact(Frozen):
    type: Literal["cost"]
    amount: Money


class DefectsImpact(Frozen):
    type: Literal["defects"]
    count: Annotated[Number, Field(gt=0, le=100_000)]
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
    value: Amount = 0


class SatisfactionImpact(Frozen):
    type: Literal["satisfaction"]
    stakeholder: Id
    delta: Annotated[Number, Field(ge=-1, le=1)]


class BudgetImpact(Frozen):
    type: Literal["budget"]
    amount: Amount = Field(description="Change to the budget at completion (negative for a cut).")


class DeadlineImpact(Frozen):
    type: Literal["deadline"]
    days: Annotated[Whole, Field(ge=-CALENDAR_DAYS, le=CALENDAR_DAYS)] = Field(description="Working days added to (or, negative, taken from) the deadline.")


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

    start: Opening
    end: Annotated[Number, Field(ge=0)]

    @field_validator("end")
    @classmethod
    def _order(cls, end: float, info: ValidationInfo) -> float:
        return _not_before(end, info, "start")


class Indicator(Frozen):
    """Early-warning sign reported before the risk hits, if monitoring sees it."""

    signal: Text
    lead_days: Annotated[Whole, Field(ge=1, le=250)]


class Response(Frozen):
    """A response option: bought ahead it changes probability and impact."""

    id: Id
    strategy: Literal["avoid", "mitigate", "transfer", "accept"]
    description: Description
    cost: Money = 0
    probability_factor: Annotated[Number, Field(ge=0, le=1)] = 1
    impact_factor: Annotated[Number, Field(ge=0, le=1)] = 1


class Risk(Frozen):
    """An entry of the risk register."""

    id: Id
    title: Text
    category: Literal["technical", "vendor", "people", "organisational", "external", "security", "financial", "scope"]
    probability: Probability
    window: Window = Field(description="Working days in which the risk may strike: from the project's start, or from the start "
                                       "of its task when `during` names one.")
    during: Id | None = Field(default=None, description="The task the risk is about: it strikes only while that task runs "
                                                        "(from its start until it finishes, a cutover until its go-live), and "
                                                        "its window counts from that task's start; if the task never runs, "
                                                        "or finishes first, it does not strike.")
    impacts: list[Impact] = Field(min_length=1, max_length=LIMITS["impacts"])
    indicator: Indicator | None = None
    responses: Annotated[list[Response], _most("responses")] = []


# ---------------------------------------------------------------- events


class Trigger(Frozen):
    """When a scripted event fires: exactly one condition."""

    day: Opening | None = None
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
    effects: Annotated[list[Impact], _most("impacts")] = []


class Event(Frozen):
    """A scripted event with the decision it asks of the PM."""

    id: Id
    type: Literal["change_request", "budget_cut", "staff_departure", "escalation", "vendor_slip", "other"]
    title: Text
    description: Description
    trigger: Trigger
    options: list[Option] = Field(min_length=1, max_length=LIMITS["options"])
    default: Id = Field(description="Option applied if the PM does not choose in time.")
    favoured_by: Annotated[list[Id], _most("favoured_by")] = Field(default=[], description="Stakeholders who want the change accepted.")


# ---------------------------------------------------------------- stakeholders and scoring


class Drivers(Frozen):
    """How strongly each factor moves a stakeholder's satisfaction."""

    communication: Annotated[Number, Field(ge=0, le=10)]
    surprises: Annotated[Number, Field(ge=0, le=10)]
    change_handling: Annotated[Number, Field(ge=0, le=10)]
    incidents: Annotated[Number, Field(ge=0, le=10)]
    outcome: Annotated[Number, Field(ge=0, le=10)]


class Stakeholder(Frozen):
    id: Id
    name: Text
    role: Literal["sponsor", "users", "operations", "security", "vendor", "other"]
    satisfaction: Probability
    drivers: Drivers


class Scoring(Frozen):
    """Weights of the six scorecard parts."""

    schedule: Annotated[Number, Field(ge=0, le=1000)]
    cost: Annotated[Number, Field(ge=0, le=1000)]
    scope: Annotated[Number, Field(ge=0, le=1000)]
    quality: Annotated[Number, Field(ge=0, le=1000)]
    satisfaction: Annotated[Number, Field(ge=0, le=1000)]
    team: Annotated[Number, Field(ge=0, le=1000)]

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
    briefing: str = Field(min_length=1, max_length=MAX_BRIEFING, description="Markdown briefing for the trainee (about 3 minutes to read).")
    objectives: list[Text] = Field(min_length=1, max_length=LIMITS["objectives"])
    calendar: Calendar
    budget: Budget
    skills: dict[Id, Text] = Field(min_length=1, max_length=LIMITS["skills"], description="Skill id -> description.")
    team: list[Person] = Field(min_length=1, max_length=LIMITS["team"])
    market: Annotated[list[Profile], _most("market")] = []
    tasks: list[Task] = Field(min_length=1, max_length=LIMITS["tasks"])
    risks: Annotated[list[Risk], _most("risks")] = []
    events: Annotated[list[Event], _most("events")] = []
    stakeholders: list[Stakeholder] = Field(min_length=1, max_length=LIMITS["stakeholders"])
    scoring: Scoring
    parameters: Parameters = Field(default_factory=Parameters)  # type: ignore[valid-type]
    difficulty: dict[Literal["easy", "standard", "hard"], dict[str, Any]] = Field(
        default={}, description="Presets: overlays deep-merged onto this file (lists of items merge by id)."
    )

    def task(self, task_id: str):
        """The task with ``task_id``."""
        return next(t for t in self.tasks if t.id == task_id)

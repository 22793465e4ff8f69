"""Mutable runtime state of people, tasks, risks and open requests."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from sim.schema.models import Event, Person, Profile, Risk, ThreePoint

from . import rules
from .rng import beta_pert, stream, uniforms

if TYPE_CHECKING:
    import simpy


def hire_name(profile: Profile, ident: str) -> str:
    """A hire's name in every table and message: the profile's title and which hire of it (``Network engineer #2``)."""
    return f"{profile.title} #{ident.removeprefix(profile.id + '-')}"


class PersonState:
    """One person on the project, from arrival to departure."""

    __slots__ = (
        "id", "name", "role", "skills", "rate", "availability", "contract", "morale", "base_morale",
        "fatigue", "debt", "joined", "ramp_days", "present", "left", "leaving_at", "task", "sick_until",
        "next_sick", "hazard", "threshold", "_sick", "_spell", "_sick_rate", "_sick_mean", "profile", "days_worked", "overtime_days", "card", "fit",
    )

    def __init__(self, spec: Person | Profile, seed: int, joined: float, ramp_days: int, sick_rate: float, sick_mean: float,
                 morale: float, ident: str | None = None):
        self.id = ident or spec.id
        self.profile: str | None = None  # the market profile of a hire
        if isinstance(spec, Profile):
            self.name, self.role, self.profile = hire_name(spec, self.id), spec.title, spec.id
        else:
            self.name, self.role = spec.name, spec.role
        self.skills = dict(spec.skills)
        self.rate = spec.daily_rate
        self.availability = getattr(spec, "availability", 1.0)
        self.contract = spec.contract
        self.morale = self.base_morale = morale
        self.fatigue = 0.0
        self.debt = 0.0
        self.joined = joined
        self.ramp_days = ramp_days
        self.present = True
        self.left: float | None = None
        self.leaving_at: float | None = None
        self.task: TaskState | None = None
        self.sick_until = -1.0
        self.days_worked = 0.0
        self.overtime_days = 0.0
        self.card: dict | None = None  # the unchanging part of the person's line in a status report
        self.fit: dict[str, tuple[float, float]] = {}  # per skill: capacity and defect factor (see Project._work)
        self._sick = stream(seed, "sick", self.id) if sick_rate > 0 else None
        self._sick_rate, self._sick_mean = sick_rate, sick_mean
        self.draw_sickness(joined)
        self.hazard = 0.0
        self.threshold = rules.resignation_threshold(uniforms(seed, "quit", self.id)[0])

    def draw_sickness(self, after: float) -> None:
        """Draw the next sick spell (start after ``after``, length) from the person's own stream."""
        sick = self._sick
        if sick is None:  # nobody falls sick (the plan)
            self.next_sick, self._spell = float("inf"), 0.0
            return
        self.next_sick = after + sick.expovariate(self._sick_rate)
        self._spell = rules.sick_spell(sick.expovariate(1 / self._sick_mean))

    def redraw(self, seed: int, now: float) -> None:
        """A live forecast's future (sim/engine/outlook.py): sick spells to come and, unless resigned, the threshold
        beyond the hazard accumulated so far, from fresh streams under ``seed``."""
        if self._sick is not None:
            self._sick = stream(seed, "sick", self.id)
            self.draw_sickness(max(now, self.sick_until))
        if self.leaving_at is None:
            self.threshold = rules.threshold_beyond(self.hazard, uniforms(seed, "quit", self.id)[0])

    @property
    def spell(self) -> float:
        return self._spell

    def proficiency(self, skill: str) -> float:
        return self.skills.get(skill, 0.0)



class TimelineRow(NamedTuple):
    """The project at the end of one working day: a row of the results timeline (``Project.timeline``)."""

    day: float  # the end of working day day - 1
    progress: float  # earned share of the planned work (EV_w)
    planned_progress: float  # planned share by now (PV_w)
    cost: float  # spent so far (AC)
    labour_cost: float
    headcount: int  # people present
    morale: float  # team average
    fatigue: float  # team average
    defects_found: float
    latent_defects: float  # hidden from the PM until the project ends
    satisfaction: float  # stakeholders' average
    overtime: float
    communication: float
    quality: float
    budget: float  # budget at completion (BAC), with granted funds
    reserve: float
    deadline_day: float
    value_delivered: float  # business value of the tasks done
    one_off_cost: float  # spent on risk responses and hiring fees, part of cost: not work, outside the cost indices


class TaskStatus(StrEnum):
    """Where a task stands.  Only ``Project.set_state`` changes a task's status (it also invalidates the caches)."""

    WAITING = "waiting"  # for its predecessors, or held by a delay
    ACTIVE = "active"  # open for work (a test has found its defects on starting)
    ORDERED = "ordered"  # a procurement whose order is with the vendor
    WINDOW = "window"  # a cutover whose effort is done, waiting for its window
    DONE = "done"
    CUT = "cut"


# The members by name, for the hot loops: a module global is read faster than an enum's attribute.
WAITING, ACTIVE, ORDERED, WINDOW, DONE, CUT = (TaskStatus.WAITING, TaskStatus.ACTIVE, TaskStatus.ORDERED, TaskStatus.WINDOW,
                                               TaskStatus.DONE, TaskStatus.CUT)


def _draw(rng: random.Random | None, estimate: ThreePoint) -> float:
    """A beta-PERT draw from ``rng``, or the PERT mean without one (the plan)."""
    return estimate.pert_mean if rng is None else beta_pert(rng, estimate.optimistic, estimate.most_likely, estimate.pessimistic)


class TaskState:
    """A task's progress, people, defects and timing."""

    __slots__ = (
        "spec", "id", "kind", "skill", "max_people", "planned_effort", "weight", "effort", "remaining", "done",
        "state", "start", "finish", "people", "latent", "found", "blocked_until", "priority", "fast_tracked",
        "value", "deps", "rank", "attempts", "cutover_rng", "lead_time", "order", "blocked_since", "rework", "card", "ordered_at",
        "overlap", "awaiting", "sleeper",
    )

    def __init__(self, spec, seed: int, order: int, plan_mode: bool):
        self.spec = spec
        self.id = spec.id
        self.kind = spec.kind
        fields = spec.__dict__  # not getattr: pydantic raises, slowly, for a field this kind of task lacks
        self.skill = fields.get("skill")
        self.max_people = fields.get("max_people", 0)
        effort, lead = fields.get("effort"), fields.get("lead_time")
        drawn = not plan_mode and (effort is not None or lead is not None)  # a milestone draws nothing
        rng = stream(seed, "task", spec.id) if drawn else None
        if effort is None:
            self.planned_effort = self.effort = 0.0
        else:
            self.planned_effort = effort.pert_mean
            self.effort = _draw(rng, effort)
        self.lead_time = 0.0 if lead is None else _draw(rng, lead)
        self.weight = 0.0  # earned-value weight, set for baseline tasks by the project
        self.remaining = self.effort
        self.done = 0.0
        self.rework = 0.0
        self.state: TaskStatus = WAITING  # changed only by Project.set_state
        self.start: float | None = None
        self.finish: float | None = None
        self.people: list[PersonState] = []
        self.latent = 0.0
        self.found = 0.0  # defects that tests found in this task's work
        self.blocked_until = 0.0
        self.priority = 0
        self.fast_tracked = False
        self.overlap: dict[str, float] = {}  # fast-tracked: per predecessor overlapped, its share of work left at our start
        self.awaiting = False  # fast-tracked: effort done, but an overlapped predecessor has not finished yet
        self.sleeper: simpy.Process | None = None  # the delivery or cutover process waiting out a delay or an answer (Project._held)
        self.value = spec.value
        self.deps: list[TaskState] = []
        self.rank = 0.0
        self.attempts = 0
        self.cutover_rng = stream(seed, "cutover", spec.id) if spec.kind == "cutover" else None
        self.order = order
        self.blocked_since: float | None = None  # since when nobody on the team has the skill
        self.ordered_at: float | None = None  # procurement: when the order went to the vendor
        self.card: dict | None = None  # the unchanging part of the task's line in a status report

    def redraw(self, seed: int) -> None:
        """A live forecast's future (sim/engine/outlook.py): a task with no work done draws its effort and lead time again,
        and a cutover not done its attempts' outcomes, from fresh streams under ``seed``."""
        if self.done == 0 and (self.state is WAITING or self.state is ACTIVE):  # no work done: its share done says nothing yet
            fields = self.spec.__dict__
            effort, lead = fields.get("effort"), fields.get("lead_time")
            if effort is not None or lead is not None:
                rng = stream(seed, "task", self.id)
                if effort is not None:
                    self.effort = _draw(rng, effort)
                    self.remaining = self.effort + self.rework - self.done
                if lead is not None:
                    self.lead_time = _draw(rng, lead)
        if self.cutover_rng is not None and not self.resolved:
            self.cutover_rng = stream(seed, "cutover", self.id)

    @property
    def resolved(self) -> bool:
        """Finished or cut: no longer holds up its successors."""
        state = self.state
        return state is DONE or state is CUT

    @property
    def fraction(self) -> float:
        """Share of the task's (actual) work done, 0..1."""
        if self.state is DONE:
            return 1.0
        total = self.effort + self.rework
        if total > 0:
            share = self.done / total
            return share if share < 1.0 else 1.0  # min(1, share), without the call: this runs for every task at every stop
        return 0.0

    def earned(self, now: float) -> float:
        """Share complete for earned value: a procurement also earns through its vendor lead time."""
        if self.kind != "procurement" or self.state is DONE:
            return self.fraction
        waited = min(self.lead_time, now - self.ordered_at) if self.ordered_at is not None else 0.0
        total = self.effort + self.rework + self.lead_time
        return min(1.0, (self.done + waited) / total) if total > 0 else 0.0


class RiskState:
    """A register entry with its pre-drawn luck: occurrence, timing, visibility."""

    def __init__(self, spec: Risk, seed: int):
        self.spec = spec
        self.id = spec.id
        self.u_occur, self.u_time, self.u_seen, self.u_pick = uniforms(seed, "risk", spec.id, n=4)
        # a risk about a task gets its time when that task starts (Project._risk); until then it has none
        self.time = rules.strike_time(spec.window.start, spec.window.end, self.u_time) if spec.during is None else math.inf
        self.bought: list[str] = []
        self.epoch = 0  # a forecast that redraws the luck starts a new process; the old one then ends (Project._risk)
        self.probability = spec.probability  # after the responses bought so far
        self.bought_before_hit: list[str] = []
        self.warned = False
        self.hit = False
        self.resolved = False

    def impact_factor(self, chosen: str | None = None) -> float:
        """The scale of the impacts: the impact factors of the responses bought before the hit, and of ``chosen`` now."""
        factors = [r.impact_factor for r in self.spec.responses if r.id in self.bought_before_hit]
        if chosen is not None:
            factors.append(next(r.impact_factor for r in self.spec.responses if r.id == chosen))
        return rules.mitigated(1.0, factors)

    def buy(self, response: str) -> None:
        """Put ``response`` in place; the probability falls by its factor."""
        self.bought.append(response)
        self.probability = rules.mitigated(self.spec.probability, [r.probability_factor for r in self.spec.responses if r.id in self.bought])


@dataclass
class Request:
    """A decision the PM owes, shown in the status report until ``effects.resolve`` closes it (or its default does)."""

    kind: ClassVar[str]
    id: str
    title: str
    description: str
    options: list[dict]  # each {"id", "label", "cost"}
    default: str
    due: float  # the day the default applies


@dataclass
class EventRequest(Request):
    """A scripted event's choice."""

    kind: ClassVar[str] = "event"
    event: Event
    favoured_by: list[str] = field(default_factory=list)  # stakeholders who want a change request accepted


@dataclass
class RiskRequest(Request):
    """The response to a risk that hit."""

    kind: ClassVar[str] = "risk"
    risk: RiskState
    holds: list[str] = field(default_factory=list)  # the tasks it hits: none can finish while it is open (effects.held_work)

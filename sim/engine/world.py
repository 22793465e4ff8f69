"""A compiled scenario: calendar, task graph and the baseline plan, shared by every run."""

from __future__ import annotations

import bisect
import hashlib
import itertools
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from sim.schema import Scenario, load_scenario_bytes, read_scenario_bytes, resolve
from sim.schema.models import Event

from .calendar import WorkCalendar

HORIZON_DAYS = 2500  # ten years of working days: far past any abandoned project


@dataclass(frozen=True)
class Baseline:
    """The plan: the schedule the engine produces with expected efforts and no luck."""

    start: dict[str, float]
    finish: dict[str, float]
    progress: tuple[float, ...]  # planned share of the work complete at the end of each day
    duration: float
    labour_cost: float
    cost: tuple[float, ...] = ()  # planned cumulative spend at the end of each day (the time-phased budget)

    def value_share(self, day: float) -> float:
        """Planned spend by working day ``day`` (fractions interpolate) as a share of the planned total: PV%."""
        c = self.cost
        if not c or day <= 0:
            return 0.0
        if day >= len(c):
            return 1.0
        i = int(day)
        before = c[i - 1] if i else 0.0
        return (before + (c[i] - before) * (day - i)) / c[-1]

    def earned_value_share(self, progress: float) -> float:
        """EV%: the planned spend by the time the plan had reached ``progress`` of the work (at the earned schedule)."""
        return self.value_share(self.earned_schedule(progress))

    def planned_progress(self, day: float) -> float:
        """Planned share complete at working day ``day``."""
        if day <= 0:
            return 0.0
        i = int(day) - 1
        return self.progress[min(i, len(self.progress) - 1)]

    def earned_schedule(self, progress: float) -> float:
        """Lipke's (2003) earned schedule: C + (EV - PV_C) / (PV_C+1 - PV_C), C the last day with PV_C <= EV."""
        p = self.progress
        c = bisect.bisect_right(p, progress)  # days whose planned share is at most ``progress``
        if c >= len(p):
            return float(len(p))
        before = p[c - 1] if c else 0.0
        return c + ((progress - before) / (p[c] - before) if p[c] > before else 0.0)


class World:
    """A scenario at one difficulty, ready to be simulated under any seed."""

    def __init__(self, scenario: Scenario, difficulty: str = "standard", scenario_hash: str = "", path: str = "",
                 raw: bytes = b""):
        self.scenario = scenario
        self.difficulty = difficulty
        self.scenario_hash = scenario_hash
        self.path = path
        self.raw = raw  # the file's bytes it was compiled from (empty for a world built from a Scenario object)
        self.params = scenario.parameters
        self.calendar = WorkCalendar(scenario.calendar, HORIZON_DAYS)
        self.tasks = {t.id: t for t in scenario.tasks}
        self.ranks = self._ranks()
        self._task_cards: dict[str, dict] = {}

    @property
    def max_reserve(self) -> float:
        """The largest management reserve the sponsor agrees to before the start."""
        budget = self.scenario.budget
        return budget.management_reserve + self.params.decisions.max_budget_request * budget.budget_at_completion

    @classmethod
    def from_file(cls, path: str | Path, difficulty: str = "standard") -> World:
        """Load, validate and compile a scenario file (or a bundled scenario id)."""
        resolved = resolve(path)
        return cls.from_bytes(read_scenario_bytes(resolved), str(resolved), difficulty)

    @classmethod
    def from_bytes(cls, raw: bytes, name: str, difficulty: str = "standard") -> World:
        """Validate and compile a scenario file's bytes (read once, so the hash is of what was loaded).

        ``name`` stands for the file in messages and in ``path``; an exercise embeds its scenario this way.
        """
        return cls(load_scenario_bytes(raw, name, difficulty), difficulty, hashlib.sha256(raw).hexdigest(), name, raw)

    @property
    def source(self) -> Source | None:
        """What another process needs to rebuild this world (None for a world built from a Scenario object)."""
        return Source(self.raw, self.path) if self.raw else None

    def _ranks(self) -> dict[str, float]:
        """Longest expected path from each task to the end: the scheduling priority."""
        succ: dict[str, list[str]] = {t: [] for t in self.tasks}
        for t in self.tasks.values():
            for d in t.depends_on:
                succ[d].append(t.id)
        rank: dict[str, float] = {}

        def length(task) -> float:
            effort = getattr(task, "effort", None)
            days = effort.pert_mean / getattr(task, "max_people", 1) if effort else 0.0
            lead = getattr(task, "lead_time", None)
            return days + (lead.pert_mean if lead else 0.0)

        for tid in reversed(self.topological_order()):
            rank[tid] = length(self.tasks[tid]) + max((rank[s] for s in succ[tid]), default=0.0)
        return rank

    @cached_property
    def progress_events(self) -> list[tuple[float, Event]]:
        """The scripted events triggered by progress, with their thresholds, in file order."""
        return [(e.trigger.progress_at_least, e) for e in self.scenario.events if e.trigger.progress_at_least is not None]

    @cached_property
    def upstream(self) -> dict[str, list[str]]:
        """Every task's direct and indirect predecessors (what a test covers by default)."""
        out: dict[str, list[str]] = {}
        for tid in self.topological_order():
            seen: dict[str, None] = {}
            for dep in self.tasks[tid].depends_on:
                seen[dep] = None
                seen.update(dict.fromkeys(out[dep]))
            out[tid] = list(seen)
        return out

    def topological_order(self) -> list[str]:
        """Task ids with every task after its dependencies (file order breaks ties)."""
        order, seen = [], set()

        def visit(tid: str) -> None:
            if tid in seen:
                return
            seen.add(tid)
            for d in self.tasks[tid].depends_on:
                visit(d)
            order.append(tid)

        for tid in self.tasks:
            visit(tid)
        return order

    def task_card(self, spec) -> dict:
        """The unchanging part of a task's line in a status report (the same in every run; task ids are unique)."""
        card = self._task_cards.get(spec.id)
        if card is None:
            base = self.baseline
            card = self._task_cards[spec.id] = {
                "id": spec.id, "name": spec.name, "phase": spec.phase, "kind": spec.kind, "scope": spec.scope,
                "skill": getattr(spec, "skill", None), "depends_on": list(spec.depends_on), "planned_start": base.start.get(spec.id),
                "planned_finish": base.finish.get(spec.id), "max_people": getattr(spec, "max_people", 0),
                "estimate": spec.effort.pert_mean if getattr(spec, "effort", None) is not None else 0.0,
            }
        return card

    @cached_property
    def risk_cards(self) -> dict[str, dict]:
        """The unchanging part of each risk's line in a status report."""
        return {r.id: {
            "id": r.id, "title": r.title, "category": r.category, "window": (r.window.start, r.window.end),
            "impacts": [i.model_dump(mode="json") for i in r.impacts],
            "indicator": r.indicator.signal if r.indicator else None,
            "responses": [{"id": x.id, "strategy": x.strategy, "description": x.description, "cost": x.cost,
                           "probability_factor": x.probability_factor, "impact_factor": x.impact_factor} for x in r.responses],
        } for r in self.scenario.risks}

    @cached_property
    def hiring_fees(self) -> dict[str, float]:
        """The one-off fee of a hire of each market profile: its own, or the default share of its daily rate."""
        share = self.params.decisions.hiring_fee_share
        return {p.id: p.hiring_fee if p.hiring_fee is not None else share * p.daily_rate for p in self.scenario.market}

    @cached_property
    def market_cards(self) -> dict[str, dict]:
        """Each market profile's line in a status report, but for how many are still available."""
        return {p.id: {"id": p.id, "title": p.title, "contract": p.contract, "daily_rate": p.daily_rate, "lead_time": p.lead_time,
                       "skills": dict(p.skills), "hiring_fee": self.hiring_fees[p.id]} for p in self.scenario.market}

    @cached_property
    def baseline(self) -> Baseline:
        """The deterministic plan (expected efforts, no risks, events or absence)."""
        from .project import Project

        plan = Project(self, seed=0, plan_mode=True)
        plan.run_to_end()
        return Baseline(
            start={t.id: t.start for t in plan.tasks.values() if t.start is not None},
            finish={t.id: t.finish for t in plan.tasks.values() if t.finish is not None},
            progress=tuple(itertools.accumulate(plan.planned_done_by_day, max)),  # rework found in test must not un-plan work
            duration=plan.finished if plan.finished is not None else float(plan.env.now),
            labour_cost=plan.costs["labour"],
            cost=tuple(plan.planned_cost_by_day),
        )


@dataclass(frozen=True)
class Source:
    """A scenario as worker processes receive it: the file's bytes and the name it was read under.

    Shipping the bytes (not a path) rebuilds exactly the world that was hashed, also for an exercise's embedded
    scenario, which has no file, and for a file edited since.
    """

    raw: bytes
    name: str

    def world(self, difficulty: str = "standard") -> World:
        """The compiled world, once per process for each scenario text and difficulty."""
        return _compiled(self.raw, self.name, difficulty)


@lru_cache(maxsize=8)
def _compiled(raw: bytes, name: str, difficulty: str) -> World:
    return World.from_bytes(raw, name, difficulty)


@lru_cache(maxsize=8)
def cached_world(path: str, difficulty: str = "standard") -> World:
    """One compiled World per scenario file and difficulty in this process: worker processes reuse it across runs."""
    return World.from_file(path, difficulty)

"""A compiled scenario: calendar, task graph and the baseline plan, shared by every run."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from sim.schema import Scenario, load_scenario_bytes, read_scenario_bytes, resolve
from sim.schema.models import CALENDAR_DAYS, Event, Person, Profile

from . import rules
from .calendar import WorkCalendar

HORIZON_DAYS = CALENDAR_DAYS  # ten years of working days, checked by the schema to hold the sponsor's last day


@dataclass(frozen=True)
class Baseline:
    """The plan: the schedule the engine produces with expected efforts and no luck (read through ``evm``)."""

    start: dict[str, float]
    finish: dict[str, float]
    progress: tuple[float, ...]  # planned share of the work complete at the end of each day, never falling
    duration: float
    labour_cost: float
    cost: tuple[float, ...] = ()  # planned cumulative spend at the end of each day (the time-phased budget)


class World:
    """A scenario at one difficulty, ready to be simulated under any seed."""

    def __init__(self, scenario: Scenario, difficulty: str = "standard", scenario_hash: str = "", path: str = "",
                 raw: bytes = b""):
        self.scenario = scenario
        self.difficulty = difficulty
        self.scenario_hash = scenario_hash
        self.path = path
        self.raw = raw  # the file's bytes it was compiled from (empty for a world built from a Scenario object)
        self.params: Any = scenario.parameters  # built from defaults.yaml at import (sim.schema.params): no static type
        self.calendar = WorkCalendar(scenario.calendar, HORIZON_DAYS)
        self.tasks = {t.id: t for t in scenario.tasks}
        self.ranks = self._ranks()
        self._task_cards: dict[str, dict] = {}

    def impact_money(self, impacts: list[dict], burn: float, rate: float) -> float:
        """The money value of a risk's impacts (``rules.impact_money`` at the scenario's `valuation` parameters)."""
        v = self.params.valuation
        efforts = {t.id: getattr(t, "effort", None) for t in self.scenario.tasks}
        estimates = {tid: effort.pert_mean for tid, effort in efforts.items() if effort is not None}
        return rules.impact_money(impacts, estimates, burn, rate, v.delay_value, v.defect_days, v.replacement_days,
                                  v.morale_days, v.morale_loss)

    @cached_property
    def max_reserve(self) -> float:
        """The largest management reserve the sponsor agrees to before the start: what the risk register justifies.

        That is the scenario's reserve, or the register's expected loss at the starting team (Σ p · money value of
        the impacts) if that is more (``rules.justified_reserve``).
        """
        team = self.scenario.team
        burn = sum(x.daily_rate for x in team)
        rate = burn / len(team)
        exposures = [r.probability * self.impact_money([i.model_dump() for i in r.impacts], burn, rate) for r in self.scenario.risks]
        return rules.justified_reserve(self.scenario.budget.management_reserve, exposures)

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
    def events_after(self) -> dict[tuple[str, str], list[Event]]:
        """The scripted events that follow a task's finish ("task", id) or a risk's hit ("risk", id), in file order."""
        out: dict[tuple[str, str], list[Event]] = {}
        for e in self.scenario.events:
            for kind, ref in (("task", e.trigger.after_task), ("risk", e.trigger.after_risk)):
                if ref is not None:
                    out.setdefault((kind, ref), []).append(e)
        return out

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
        """Task ids with every task after its dependencies (file order breaks ties).

        A depth-first walk with its own stack, not recursion: a chain of tasks listed last-first is as deep as it
        is long, and a scenario may hold far more tasks than Python's recursion limit.
        """
        order, seen = [], set()
        for root in self.tasks:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(self.tasks[root].depends_on))]
            while stack:
                tid, deps = stack[-1]
                dep = next((d for d in deps if d not in seen), None)
                if dep is None:
                    stack.pop()
                    order.append(tid)
                else:
                    seen.add(dep)
                    stack.append((dep, iter(self.tasks[dep].depends_on)))
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
            "id": r.id, "title": r.title, "category": r.category, "window": (r.window.start, r.window.end), "during": r.during,
            "impacts": [i.model_dump(mode="json") for i in r.impacts],
            "indicator": r.indicator.signal if r.indicator else None,
            "responses": [{"id": x.id, "strategy": x.strategy, "description": x.description, "cost": x.cost,
                           "probability_factor": x.probability_factor, "impact_factor": x.impact_factor} for x in r.responses],
        } for r in self.scenario.risks}

    @cached_property
    def hiring_fees(self) -> dict[str, float]:
        """The one-off fee of a hire of each market profile: its own, or the default share of its daily rate."""
        share = self.params.decisions.hiring_fee_share
        return {p.id: rules.hiring_fee(p.hiring_fee, share, p.daily_rate) for p in self.scenario.market}

    def backfill(self, skill: str) -> Profile:
        """The contractor the PMO brings in for ``skill`` when no market profile offers it: the labour market can always
        supply a skill the work needs, at a premium (``rules.backfill_rate``) and after ``decisions.backfill_lead_days``."""
        d = self.params.decisions
        people: list[Person | Profile] = [*self.scenario.team, *self.scenario.market]
        holders = [x.daily_rate for x in people if x.skills.get(skill, 0) > 0]
        team = [x.daily_rate for x in self.scenario.team]
        rate = rules.backfill_rate(max(holders) if holders else sum(team) / len(team), d.backfill_premium)
        return Profile(id=f"backfill-{skill}"[:64], title=f"{skill.replace('_', ' ')} contractor (PMO backfill)", contract="contractor",
                       skills={skill: self.params.productivity.nominal_proficiency}, daily_rate=rate,
                       lead_time=d.backfill_lead_days, max_hires=100)

    def hiring_fee(self, profile: Profile) -> float:
        """A hire's one-off fee: the market's, or for a backfill contractor the default share of its rate."""
        fee = self.hiring_fees.get(profile.id)
        return fee if fee is not None else rules.hiring_fee(profile.hiring_fee, self.params.decisions.hiring_fee_share, profile.daily_rate)

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

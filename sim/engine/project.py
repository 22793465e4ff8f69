"""The SimPy model of one project run: people do work, risks and events strike, money flows.

Time is in working days.  A daily process advances work; risks, scripted
events, deliveries, arrivals and cutovers are their own processes.  Whenever
the PM must decide, the model triggers ``stop_event`` and the session returns
control.  docs/MODEL.md writes down every equation used here.
"""

from __future__ import annotations

import math
from collections import Counter

import simpy

from sim.schema.models import Person, Profile

from . import effects, evm, rules
from .calendar import day_text
from .entities import (
    ACTIVE,
    CUT,
    DONE,
    ORDERED,
    WAITING,
    WINDOW,
    EventRequest,
    PersonState,
    RiskRequest,
    RiskState,
    TaskState,
    TaskStatus,
    TimelineRow,
    hire_name,
)
from .rng import uniforms
from .world import HORIZON_DAYS

COST_KINDS = ("labour", "procurement", "responses", "risks", "hiring", "changes")


class Project:
    """All state of one run.  ``plan_mode`` computes the baseline: expected efforts, no luck."""

    def __init__(self, world, seed: int, plan_mode: bool = False, without_risks: tuple[str, ...] = ()):
        self.world = world
        self.scenario = world.scenario
        self.p = world.params
        self.cal = world.calendar
        self.seed = int(seed)
        self.plan = plan_mode
        self.env = simpy.Environment()
        self._changes = 0  # counts changes to task state; see touch()
        self._by_state: dict[TaskStatus, list[TaskState]] = {state: [] for state in TaskStatus}  # kept by set_state
        self._earning_cache: tuple[float, list[TaskState]] = (0.0, [])
        self._earning_at = -1
        self.tasks: dict[str, TaskState] = {}
        self._fast_tracked: list[TaskState] = []  # in file order (see fast_track)
        self._answer_waits: list[TaskState] = []  # effort done, waiting for a struck risk's request on it (_settle_answered)
        for tid in world.topological_order():  # file order, but never a task before one it depends on
            self.add_task(world.tasks[tid])
        self.baseline_tasks = list(self.tasks.values())
        self.total_planned = sum(t.planned_effort for t in self.baseline_tasks) or 1.0
        rate = sum(x.daily_rate for x in self.scenario.team) / len(self.scenario.team)
        for task in self.baseline_tasks:  # earned-value weights: planned cost (PMBOK budgets work packages in money)
            task.weight = task.planned_effort * rate + task.spec.__dict__.get("cost", 0.0)
        self.total_weight = sum(t.weight for t in self.baseline_tasks) or 1.0
        self.total_value = sum(t.value for t in self.baseline_tasks)
        self.people: dict[str, PersonState] = {}  # everyone who was ever on the project
        self.staff: list[PersonState] = []  # those present now, in order of joining
        for spec in self.scenario.team:
            self._join(self._person(spec, 0.0, 0))
        comm, qual = self.p.communication, self.p.quality
        self.k0 = rules.nominal_time_share(comm.nominal_effort, qual.nominal_effort, self.overhead(len(self.people)))
        self.overtime = 0.0
        self.communication = comm.nominal_effort
        self.quality = qual.nominal_effort
        money = self.scenario.budget
        self.budget = money.budget_at_completion
        self.reserve = money.management_reserve
        self.deadline_day = float(self.cal.deadline_day)
        self.sponsor_requests = 0  # requests for budget or time made so far, granted or refused
        self.sponsor_refusals = 0
        self.granted_budget = 0.0  # what the sponsor granted on request: the scorecard still measures against the original
        self.granted_days = 0
        self.costs = dict.fromkeys(COST_KINDS, 0.0)
        self.satisfaction = {s.id: s.satisfaction for s in self.scenario.stakeholders}
        self.without_risks = tuple(without_risks)  # counterfactuals: these risks never strike
        self.risks = {} if plan_mode else {r.id: RiskState(r, self.seed) for r in self.scenario.risks}
        self.requests: dict[str, EventRequest | RiskRequest] = {}
        self.indicators: list[dict] = []
        self.news: list[tuple[float, str]] = []
        self.events: list[dict] = []
        self.hired: Counter[str] = Counter()
        self.arrivals: list[dict] = []
        self.timeline: list[TimelineRow] = []
        self.recording = True  # a row a day in ``timeline``; off where only the outcome or the scorecard is read
        self.team_days: list[tuple[float, float]] = []  # the team's mean morale and fatigue at the end of each day, with or without rows
        self.planned_done_by_day: list[float] = []
        self.planned_cost_by_day: list[float] = []
        self.pressure = 1.0
        self.defects_found = 0.0
        self.finished: float | None = None
        self.abandoned = False
        self.escaped = 0.0
        self.incidents = 0
        self.surprises = 0
        self.resignations = 0
        self.stop_event: simpy.Event | None = None
        self.stop_reason = ""
        self.fired_events: set[str] = set()
        self._start_events: dict[str, simpy.Event] = {}  # tasks whose start a risk about them waits for
        self._about: dict[str, list[RiskState]] = {}  # the risks about each task (a cutover's strike at its attempt)
        for risk in self.risks.values():
            if risk.spec.during is not None and risk.id not in self.without_risks:
                self._about.setdefault(risk.spec.during, []).append(risk)
        self._allocated_at = -1
        self._stuck_at = -1  # touch() count when the free people last fitted no open task...
        self._stuck_until = 0.0  # ...and when a recovery or an end of a hold may change that
        self._next_unblock = 0.0
        self._team: tuple = ()  # what the team-wide factors of the working day were computed for (see _work)
        self._team_factors = (0.0, 0.0, 0.0, 0.0)
        self._progress = 0.0
        self._progress_at: tuple = (-1.0, 0)
        self.max_days = rules.abandon_day(self.p.decisions.max_duration_factor, self.deadline_day) if not plan_mode else float(HORIZON_DAYS)
        self.env.process(self._days())
        if not plan_mode:
            for risk in self.risks.values():
                if risk.id not in self.without_risks:
                    self.env.process(self._risk(risk))
            for event in self.scenario.events:
                if event.trigger.day is not None:
                    self.env.process(self._event_at(event, event.trigger.day))

    # ------------------------------------------------------------ structure

    def add_task(self, spec) -> TaskState:
        """Add a task (from the scenario or an accepted change) to the run."""
        task = TaskState(spec, self.seed, len(self.tasks), self.plan)
        task.deps = [self.tasks[d] for d in spec.depends_on]
        task.rank = self.world.ranks.get(spec.id, task.effort / max(1, task.max_people))
        if not self.plan:
            task.card = self.world.task_card(spec)
        self.tasks[spec.id] = task
        self._by_state[task.state].append(task)  # the newest task comes last in file order
        self.touch()
        return task

    def overhead(self, n: int) -> float:
        """Communication overhead share of a team of ``n`` at work (Madachy 2008)."""
        c = self.p.communication
        return rules.communication_overhead(n, c.overhead_coefficient, c.max_overhead)

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def spent(self) -> float:
        return sum(self.costs.values())

    @property
    def ended(self) -> bool:
        return self.finished is not None or self.abandoned

    def present(self) -> list[PersonState]:
        return self.staff[:]

    def progress(self) -> float:
        """Share of the baseline's planned cost earned so far (each task weighted by its planned cost); cached per instant.

        A procurement earns over its ordering effort and its vendor lead time together, so a large order does
        not make the indices leap on the day it is placed.
        """
        if self._progress_at != (self.env.now, self._changes):
            self._progress = self._earned_share()
            self._progress_at = (self.env.now, self._changes)
        return self._progress

    def _earned_share(self) -> float:
        now = self.env.now
        earned, begun = self._earning()
        for t in begun:  # weight x share complete, in file order
            if t.state is DONE:
                earned += t.weight
            elif t.done or t.ordered_at is not None:
                earned += t.weight * t.earned(now)
        return earned / self.total_weight

    def _earning(self) -> tuple[float, list[TaskState]]:
        """The summed weights of the leading run of finished baseline tasks, and the later ones that have begun.

        Tasks that have not begun earn nothing, so leaving them out keeps the sum, and its rounding, unchanged.
        A task begins (is started, ordered or finished) only with a touch(), so this is cached until the next one.
        """
        if self._earning_at != self._changes:
            tasks, i, lead = self.baseline_tasks, 0, 0.0
            while i < len(tasks) and tasks[i].state is DONE:
                lead += tasks[i].weight
                i += 1
            begun = [t for t in tasks[i:] if t.state is DONE or t.start is not None or t.ordered_at is not None or t.done]
            self._earning_cache = (lead, begun)
            self._earning_at = self._changes
        return self._earning_cache

    def fast_track(self, task: TaskState) -> None:
        """Let ``task`` overlap its unfinished predecessors once each is far enough along; it redoes work as they finish."""
        task.fast_tracked = True
        self._fast_tracked.append(task)
        self._fast_tracked.sort(key=lambda t: t.order)  # their rework is said in file order

    def set_state(self, task: TaskState, state: TaskStatus) -> None:
        """Move ``task`` to ``state``: the one way a task's status changes, so the caches always follow."""
        self._by_state[task.state].remove(task)
        group = self._by_state[state]
        i = len(group)
        while i and group[i - 1].order > task.order:  # keep file order
            i -= 1
        group.insert(i, task)
        task.state = state
        self._changes += 1

    def touch(self) -> None:
        """Note a change that may alter what the caches hold: who is on the team, a task's start, effort, delay or plan.

        It invalidates the cached progress, the tasks begun for earned value and the allocation's note that nobody
        fits.  ``set_state`` calls it for every change of status (and keeps the tasks grouped by state); the team's
        changes (``_join``, ``depart``), impacts (``effects.apply``) and decisions (``pm.apply``) call it themselves.
        """
        self._changes += 1

    def in_state(self, state: TaskStatus) -> list[TaskState]:
        """The tasks in ``state``, in file order (the project's own list: iterate over a copy to change states)."""
        return self._by_state[state]

    # ------------------------------------------------------------ messages and stops

    def say(self, text: str, kind: str = "news", ref: str = "", **data) -> None:
        """Record news for the next status report and a row for the events table."""
        self.news.append((self.now, text))
        self.events.append({"day": self.now, "kind": kind, "ref": ref, "text": text, **data})

    def to_next_stop(self) -> None:
        """Run until the model next hands control to the PM (``stop``), or the project ends."""
        self.stop_reason = ""
        stop = self.stop_event = self.env.event()
        step = self.env.step
        while stop.callbacks is not None:  # env.run(until=stop), without its exception at every stop
            step()

    def stop(self, reason: str) -> None:
        """Hand control back to the PM (at most one stop per instant)."""
        if self.stop_event is not None and not self.stop_event.triggered:
            self.stop_reason = reason
            self.stop_event.succeed()

    # ------------------------------------------------------------ the working day

    def _days(self):
        interval = self.p.decisions.status_interval
        env = self.env
        while True:
            self._allocate()
            yield env.timeout(1)
            now = env.now
            self._work(now - 1)
            if self.requests:
                self._expire_requests()
            if len(self.in_state(DONE)) + len(self.in_state(CUT)) == len(self.tasks):
                self._go_live()
                return
            if now >= self.max_days:
                self._abandon()
                return
            if not self.plan:
                self._conditional_events()
                if int(now) % interval == 0:
                    self._status_meeting()

    def _roll_call(self, day: float) -> tuple[list[PersonState], list[PersonState], set[str]]:
        """Sick spells, resignation hazard and leavers (unless planning); then who is present, who works, who ramps up.

        The hazard line is ``rules.resignation_hazard`` inlined (tests/test_engine_rules.py checks they agree).
        """
        a = self.p.attrition
        nominal = self.p.productivity.nominal_morale
        base, morale_k, fatigue_k = a.base_hazard, a.morale_hazard, a.fatigue_hazard
        absence = not self.plan
        present, working, ramping = [], [], set()
        for person in self.staff[:]:
            if absence:
                if person.next_sick <= day and person.sick_until <= day:
                    person.sick_until = day + person.spell
                    person.draw_sickness(person.sick_until)
                low = nominal - person.morale
                hazard = person.hazard = person.hazard + base * (1 + morale_k * (low if low > 0.0 else 0.0)) * (1 + fatigue_k * person.fatigue)
                leaving = person.leaving_at
                if leaving is None and hazard >= person.threshold:
                    leaving = person.leaving_at = day + a.notice_days
                    self.resignations += 1
                    self.say(f"{person.name} has resigned and leaves in {a.notice_days} working days.", "resignation", person.id)
                if leaving is not None and leaving <= day:
                    self.depart(person, "left the project at the end of the notice period")
                    continue
            joined = person.joined
            if joined <= day:  # arrivals at the end of a day start tomorrow
                present.append(person)
                if person.sick_until <= day:
                    working.append(person)
                    if day - joined < person.ramp_days:
                        ramping.add(person.id)
        return present, working, ramping

    def _work(self, day: float) -> None:
        """One working day: every active task gets its people's output and the defects they inject.

        The team-wide factors come from ``rules``.  The per-person lines inline ``rules.person_output`` (with
        ``morale_factor``, ``fatigue_factor``, ``ramp_up_factor`` and the mentoring load), ``rules.new_hire_defects``
        and ``rules.person_defects`` in the same arithmetic: tests/test_engine_rules.py runs this day against the
        rules over many generated states and requires the same numbers to the bit.
        """
        p = self.p
        pr, ot, q, c, ru = p.productivity, p.overtime, p.quality, p.communication, p.ramp_up
        present, working, ramping = self._roll_call(day)
        h = self.overtime
        team = (len(working), len(ramping), self.communication, self.quality, h, self.pressure)
        if team != self._team:  # the team-wide factors change with these only, and mostly at a stop
            self._team = team
            self._team_factors = (
                rules.mentoring_load(len(ramping), len(working) - len(ramping), ru.mentoring_share, ru.max_mentoring),
                rules.productive_share(self.overhead(len(working)), self.communication, self.quality, self.k0),
                rules.hours_factor(h, ot.hourly_loss),
                rules.defect_rate(q.defects_per_day, self.pressure, q.pressure_defects, self.quality, q.nominal_effort,
                                  q.effort_effect, self.communication, c.nominal_effort, c.misunderstanding_defects),
            )
        mentor, share, hours, common_defects = self._team_factors
        morale_w, nominal_morale = pr.morale_weight, pr.nominal_morale
        fatigue_p, fatigue_d = ot.fatigue_productivity, ot.fatigue_defects
        start, novice_d = ru.start_productivity, ru.defect_multiplier
        for task in [t for t in self.in_state(ACTIVE) if t.people and t.blocked_until <= day]:
            output = defects = 0.0
            injects = task.kind in ("work", "cutover")
            skill = task.skill
            for person in task.people:
                if person.sick_until > day:
                    continue
                fit = person.fit.get(skill)
                if fit is None:
                    fit = self._fit(person, skill)
                tired = person.fatigue
                rate = fit[0] * (1 + morale_w * (person.morale - nominal_morale)) * (1 - fatigue_p * tired) * hours * share
                novice = 1.0
                if person.id in ramping:
                    ramped = (day - person.joined) / person.ramp_days
                    rate *= start + (1 - start) * ramped
                    novice += novice_d * (1 - ramped)
                else:
                    rate *= 1 - mentor
                if rate < 0.0:
                    rate = 0.0
                output += rate
                if injects:
                    defects += rate * fit[1] * (1 + fatigue_d * tired) * novice
            if output <= 0:
                continue
            remaining = task.remaining
            used = remaining if remaining < output else output  # min(output, remaining)
            task.done += used
            task.remaining -= used
            task.latent += rules.injected_defects(defects, common_defects, used, output)
            if task.remaining <= 1e-9:
                self._effort_done(task, day + used / output)
        morale, fatigue = self._people_day(present, day, h)
        if self.plan:
            self.planned_done_by_day.append(self._earned_share())
            self.planned_cost_by_day.append(self.spent)
            return
        n = len(present) or 1
        morale, fatigue = morale / n, fatigue / n
        self.team_days.append((morale, fatigue))
        if self.recording:
            self._record(day + 1, len(present), morale, fatigue)

    def _fit(self, person: PersonState, skill: str) -> tuple[float, float]:
        """``person``'s capacity (``rules.capacity``) and defect factor (``rules.skill_defect_factor``) on ``skill``.

        Both are fixed for the run, so they are computed once per person and skill and kept in ``person.fit``.
        """
        pr, q = self.p.productivity, self.p.quality
        prof = person.skills.get(skill, 0.0)
        fit = person.fit[skill] = (rules.capacity(person.availability, prof, pr.proficiency_floor, pr.nominal_proficiency),
                                   rules.skill_defect_factor(prof, q.skill_defects, pr.nominal_proficiency, q.min_skill_factor))
        return fit

    def _people_day(self, present: list[PersonState], day: float, h: float) -> tuple[float, float]:
        """Fatigue, morale and pay for the day; returns the summed morale and fatigue.

        The lines inline ``rules.overtime_debt``, ``rules.fatigue_from_debt``, ``rules.morale_drift`` and
        ``rules.daily_pay`` in the same arithmetic (tests/test_engine_rules.py checks they agree to the bit).
        """
        ot, mo = self.p.overtime, self.p.morale
        premium = self.scenario.budget.overtime_premium
        recovery, reference, exponent = ot.fatigue_recovery, ot.fatigue_reference, ot.fatigue_exponent
        fatigue_m, morale_r = ot.fatigue_morale, mo.recovery
        decay = math.exp(-recovery)
        paid = 1 + h * (1 + premium)  # a day's pay factor at work; a sick day is paid at 1 (no overtime)
        labour = morale = fatigue = 0.0
        for person in present:
            works = person.sick_until <= day
            hx = h if works else 0.0
            debt, f, m = person.debt, person.fatigue, person.morale
            if hx or debt:  # else rested: no debt, no fatigue
                target = hx / recovery
                debt = person.debt = target + (debt - target) * decay
                f = (debt / reference) ** exponent
                f = person.fatigue = f if f < 1.0 else 1.0
            base_m = person.base_morale
            if f or m != base_m:  # else rested and settled: morale stays
                m = m - fatigue_m * f + morale_r * (base_m - m)
                m = person.morale = 0.0 if m < 0.0 else 1.0 if m > 1.0 else m
            labour += person.rate * person.availability * (paid if works else 1.0)
            morale += m
            fatigue += f
            if works:
                person.days_worked += 1
                person.overtime_days += hx
        self.costs["labour"] += labour
        return morale, fatigue

    def _record(self, day: float, headcount: int, morale: float, fatigue: float) -> None:
        """The timeline's row for the end of working day ``day`` - 1; ``morale`` and ``fatigue`` are the team's means."""
        latent = value = 0.0
        for t in self.tasks.values():
            latent += t.latent
        for t in self.in_state(DONE):
            value += t.value
        self.timeline.append(tuple.__new__(TimelineRow, (  # every field, in order: a row a day, built without a call
            day,
            self.progress(),
            evm.planned_progress(self.world.baseline.progress, day),
            self.spent,
            self.costs["labour"],
            headcount,
            morale,
            fatigue,
            self.defects_found,
            latent,
            sum(self.satisfaction.values()) / len(self.satisfaction),
            self.overtime,
            self.communication,
            self.quality,
            self.budget,
            self.reserve,
            self.deadline_day,
            value,
            self.costs["responses"] + self.costs["hiring"],
        )))

    # ------------------------------------------------------------ allocation and completion

    def _ready(self, task: TaskState) -> bool:
        """Every predecessor finished or cut; a fast-tracked task may instead overlap work predecessors far enough along."""
        for dep in task.deps:
            if dep.state is not DONE and dep.state is not CUT:
                return task.fast_tracked and all(d.resolved or self._overlappable(task, d) for d in task.deps)
        return True

    def _overlappable(self, task: TaskState, dep: TaskState) -> bool:
        """``task`` may start while ``dep`` is still at work (``rules.may_overlap``, ``rules.overlap_ready``)."""
        return (rules.may_overlap(task.kind, dep.kind) and dep.state is ACTIVE
                and rules.overlap_ready(dep.fraction, self.p.quality.fast_track_threshold))

    def _overlap_started(self, task: TaskState) -> None:
        """Note, as a fast-tracked task starts, how much of each predecessor it overlaps is still to do."""
        task.overlap = {d.id: 1.0 - d.fraction for d in task.deps if not d.resolved}

    def _allocate(self) -> None:
        now = self.env.now
        changed = self._changes != self._allocated_at or now >= self._next_unblock
        if self._fast_tracked:  # a predecessor's progress, which no touch() marks, may let a fast-tracked task start
            changed = changed or any(t.state is WAITING for t in self._fast_tracked)
            for task in self._fast_tracked:
                if task.awaiting and task not in self._answer_waits and all(d.resolved for d in task.deps):  # an overlapped predecessor was cut
                    task.awaiting = False
                    self._effort_done(task, now)
        if self._answer_waits:
            self._settle_answered(now)
        self._allocated_at = self._changes
        while changed:
            changed = False
            self._next_unblock = float("inf")
            for task in list(self.in_state(WAITING)):
                if task.state is not WAITING:
                    continue
                if task.blocked_until > now:
                    self._next_unblock = min(self._next_unblock, task.blocked_until)
                elif self._ready(task):
                    if task.kind == "milestone":
                        task.start = self.now
                        self._note_start(task)
                        self._complete(task, self.now)
                        changed = True
                    else:
                        self.set_state(task, ACTIVE)
                        if task.kind == "test":
                            self._detect(task)
        if self._changes == self._stuck_at and now < self._stuck_until:
            return  # nobody fitted last time, and nothing that frees a person or opens a place has happened since
        idle = [x for x in self.staff if x.task is None and x.sick_until <= now]
        if not idle:
            return
        candidates = [t for t in self.in_state(ACTIVE) if len(t.people) < t.max_people and t.blocked_until <= now and not t.awaiting]
        assigned = False
        for task in sorted(candidates, key=lambda t: (-t.priority, -t.rank, t.order)):
            skill = task.skill
            able = sorted((x for x in idle if x.skills.get(skill, 0.0) > 0), key=lambda x: (-x.skills[skill], x.id))
            for person in able[: task.max_people - len(task.people)]:
                task.people.append(person)
                person.task = task
                idle.remove(person)
                assigned = True
                if task.start is None:
                    task.start = now
                    self._note_start(task)
                    if task.fast_tracked:
                        self._overlap_started(task)
            if not idle:
                break
        if assigned:
            self.touch()  # who is free changed, and a fast-tracked successor of a started task may now start
            return
        self._stuck_at = self._changes
        self._stuck_until = min(
            [x.sick_until for x in self.staff if x.task is None and x.sick_until > now]
            + [t.blocked_until for t in self.in_state(ACTIVE) if len(t.people) < t.max_people and t.blocked_until > now],
            default=float("inf"),
        )

    def _release_people(self, task: TaskState) -> None:
        for person in task.people:
            person.task = None
        task.people = []

    def _detect(self, task: TaskState) -> None:
        """A test finds a share of the latent defects in what it covers; fixing them is rework."""
        q = self.p.quality
        covered = [self.tasks[c] for c in task.spec.covers if c in self.tasks] or [self.tasks[c] for c in self.world.upstream.get(task.id, ())]
        detection = task.spec.detection if task.spec.detection is not None else q.test_detection
        found = 0.0
        for other in covered:
            hit = rules.detected(other.latent, detection)
            other.latent -= hit
            other.found += hit
            found += hit
        if found:
            self.touch()
            self.defects_found += found
            extra = rules.rework_effort(found, q.rework_days)
            task.remaining += extra
            task.rework += extra
            if not self.plan:
                self.say(f"{task.spec.name} found {found:.0f} defects: {extra:.1f} person-days of rework.", "defects", task.id, count=found)

    def _effort_done(self, task: TaskState, at: float) -> None:
        if task.kind == "procurement":
            self.set_state(task, ORDERED)
            task.ordered_at = at
            self._release_people(task)
            self.costs["procurement"] += task.spec.cost
            self.env.process(self._deliver(task))
        elif task.kind == "cutover":
            self.set_state(task, WINDOW)
            self._release_people(task)
            self.env.process(self._cutover(task))
        elif task.fast_tracked and not all(d.resolved for d in task.deps):
            task.awaiting = True  # work cannot be finished before the work it overlaps: wait for its rework
            self._release_people(task)
            self.touch()
        elif self._awaits_answer(task):
            task.awaiting = True  # it cannot finish before the PM answers the risk that hit it (_settle_answered)
            self._answer_waits.append(task)
            self._release_people(task)
            self.touch()
        else:
            self._complete(task, at)

    def _complete(self, task: TaskState, at: float) -> None:
        self.set_state(task, DONE)
        task.finish = at
        task.remaining = 0.0
        self._release_people(task)
        for other in self._fast_tracked:
            overlap = other.overlap.pop(task.id, 0.0)
            if overlap > 0.0 and not other.resolved:
                extra = rules.fast_track_rework(other.effort, self.p.quality.fast_track_rework, overlap)
                other.remaining += extra
                other.rework += extra
                if not self.plan:
                    self.say(f"{task.spec.name} finished: fast-tracked {other.spec.name} needs {extra:.1f} person-days of rework.", "rework", other.id)
            if other.awaiting and other not in self._answer_waits and (other.remaining > 1e-9 or all(d.resolved for d in other.deps)):
                other.awaiting = False
                self.touch()
                if other.remaining <= 1e-9:
                    self._effort_done(other, at)
        if not self.plan:
            self.events.append({"day": at, "kind": "task_done", "ref": task.id, "text": f"{task.spec.name} finished."})
            for event in self.world.events_after.get(("task", task.id), ()):
                self.fire(event)

    def _held(self, task: TaskState):
        """Wait out any delay imposed on ``task`` meanwhile, and any open request of a risk that hit it (whose answer
        may delay it further): ``effects.release`` interrupts the wait when such a request closes."""
        while True:
            if self._awaits_answer(task):
                wait = self.env.event()  # never triggered: only the release ends this wait
            elif task.blocked_until > self.now:
                wait = self.env.timeout(task.blocked_until - self.now)
            else:
                return
            task.sleeper = self.env.active_process
            try:
                yield wait
            except simpy.Interrupt:
                pass  # a request on it closed: look again
            finally:
                task.sleeper = None

    def _awaits_answer(self, task: TaskState) -> bool:
        """Whether a struck risk's request that hits ``task`` is still open (``effects.held_work``)."""
        return any(isinstance(r, RiskRequest) and task.id in r.holds for r in self.requests.values())

    def _settle_answered(self, now: float) -> None:
        """Work whose effort was done while a request on it was open: once the request has closed and any delay it
        brought has passed, it finishes, or goes back to work if the answer added effort."""
        for task in [t for t in self._answer_waits if t.resolved or (not self._awaits_answer(t) and t.blocked_until <= now)]:
            self._answer_waits.remove(task)
            task.awaiting = False
            self.touch()
            if not task.resolved and task.remaining <= 1e-9:  # (a task cut meanwhile stays cut)
                self._effort_done(task, now)

    def _deliver(self, task: TaskState):
        yield self.env.timeout(task.lead_time)
        yield from self._held(task)
        if not self.plan:
            self.say(f"{task.spec.vendor} delivered for {task.spec.name}.", "delivery", task.id)
        if task.state is ORDERED:
            self._complete(task, self.now)

    def _cutover(self, task: TaskState):
        yield from self._held(task)
        window = self.cal.next_window(self.now)
        if window is None:  # an emergency window, which freezes and the cutover weekdays bind like any other
            window = self.cal.emergency_window(math.ceil(self.now) + self.p.decisions.emergency_window_days)
            if window is None:  # the validator reports a scenario where this can happen; the sponsor stops the project
                if not self.plan:
                    self.say(f"No cutover window is left for {task.spec.name}, and the change freezes leave none to grant.", "cutover", task.id)
                yield self.env.timeout(HORIZON_DAYS - self.now)
                return
            if not self.plan:
                self.say(f"No cutover window is left for {task.spec.name}: operations grant an extra one on day {window}, reluctantly.", "cutover", task.id)
                for s in self.scenario.stakeholders:
                    if s.role == "operations":
                        self.nudge(s.id, -self.p.communication.surprise_penalty)
        if not task.attempts and not self.plan:  # a risk that will strike at this first attempt warns before it
            for risk in self._about.get(task.id, ()):
                indicator = risk.spec.indicator
                if indicator is not None and not risk.hit and not risk.warned and risk.time > window + 0.25:
                    self.env.process(self._warn_before_attempt(risk, task, window + 0.25 - indicator.lead_days))
        yield self.env.timeout(window + 0.25 - self.now)
        if task.state is not WINDOW:
            return
        if not task.attempts:  # a risk about this cutover strikes at its first attempt at the latest
            for risk in self._about.get(task.id, ()):
                if not risk.hit and not self.ended and risk.time > self.now and rules.strikes(risk.u_occur, risk.probability):
                    self._hit(risk)
            if task.blocked_until > self.now or self._awaits_answer(task):  # struck: it waits, then takes the next window
                self.env.process(self._cutover(task))
                return
        task.attempts += 1
        rng = task.cutover_rng
        assert rng is not None, "every cutover task has its own stream"
        u = rng.random()
        if self.plan or rules.cutover_succeeds(u, task.spec.success_probability):
            if not self.plan:
                self.say(f"Cutover {task.spec.name} succeeded ({day_text(self.cal.date(window))}).", "cutover", task.id, success=True)
            self._complete(task, self.now)
            return
        self.set_state(task, ACTIVE)
        task.remaining += task.spec.rollback_effort
        task.rework += task.spec.rollback_effort
        self.say(f"Cutover {task.spec.name} failed and was rolled back; it needs the next window.", "cutover", task.id, success=False)
        for s in self.scenario.stakeholders:
            self.nudge(s.id, -self.p.communication.surprise_penalty * s.drivers.incidents)

    # ------------------------------------------------------------ people

    def _person(self, spec: Person | Profile, joined: float, ramp: int, ident: str | None = None) -> PersonState:
        """A person joining: the scenario's starting morale, or the nominal one for anyone without (every hire)."""
        pr = self.p.productivity
        rate = 0.0 if self.plan else pr.sick_rate
        morale = getattr(spec, "morale", None)
        return PersonState(spec, self.seed, joined, ramp, rate, pr.sick_days_mean, pr.nominal_morale if morale is None else morale, ident)

    def _join(self, person: PersonState) -> None:
        self.people[person.id] = person
        self.staff.append(person)
        self.touch()

    def hire(self, profile: Profile) -> str:
        """Start hiring one person of ``profile``; returns the new person's id."""
        self.hired[profile.id] += 1
        ident = f"{profile.id}-{self.hired[profile.id]}"
        self.costs["hiring"] += self.world.hiring_fee(profile)
        arrival = {"id": ident, "name": hire_name(profile, ident), "profile": profile.id,
                   "arrives": math.ceil(self.now) + profile.lead_time, "skills": dict(profile.skills)}
        self.arrivals.append(arrival)
        self.env.process(self._arrive(profile, ident, arrival))
        return ident

    def _arrive(self, profile: Profile, ident: str, arrival: dict):
        wait = profile.lead_time + math.ceil(self.now) - self.now  # people start at the beginning of a day
        if wait:
            yield self.env.timeout(wait)
        ramp = profile.ramp_up if profile.ramp_up is not None else self.p.ramp_up.default_days
        person = self._person(profile, self.now, ramp, ident=ident)
        self._join(person)
        self.arrivals.remove(arrival)
        self.say(f"{person.name} joined the team.", "arrival", ident)

    def depart(self, person: PersonState, why: str, shock: bool = True) -> None:
        """``person`` leaves now; unless planned (``shock`` False), the others' morale takes a knock."""
        person.present = False
        self.staff.remove(person)
        self.touch()
        person.left = self.now
        if person.task is not None:
            person.task.people.remove(person)
            person.task = None
        for other in self.present() if shock else ():
            other.morale = max(0.0, other.morale - self.p.morale.departure_shock)
        self.say(f"{person.name} {why}.", "departure", person.id)

    # ------------------------------------------------------------ risks and events

    def visibility(self) -> float:
        """The chance that an early warning is seen at today's communication effort."""
        c = self.p.communication
        return rules.warning_visibility(self.communication, c.nominal_effort, c.warning_visibility)

    def started(self, task: TaskState) -> simpy.Event:
        """An event that succeeds when ``task`` starts (at once if it has started)."""
        event = self._start_events.get(task.id)
        if event is None:
            event = self._start_events[task.id] = self.env.event()
            if task.start is not None:
                event.succeed()
        return event

    def _note_start(self, task: TaskState) -> None:
        event = self._start_events.get(task.id)
        if event is not None and not event.triggered:
            event.succeed()

    def _risk(self, risk: RiskState):
        epoch = risk.epoch  # a live forecast that redraws this risk's luck starts a new process: this one then ends
        about = None
        if risk.spec.during is not None:  # it can strike only while its task runs: its window counts from the task's start
            about = self.tasks.get(risk.spec.during)
            if about is None:
                return  # its task is not in this run's plan: it never runs, so the risk never strikes
            yield self.started(about)
            if risk.epoch != epoch:
                return
            assert about.start is not None, "a started task has its start"
            window = risk.spec.window
            risk.time = rules.task_strike_time(about.start, window.start, window.end, risk.u_time)
        indicator = risk.spec.indicator
        warn = indicator is not None and (risk.time - indicator.lead_days > self.now or (about is not None and risk.time > self.now))
        if warn:  # lead_days before the strike, and for a risk about a task, no earlier than that task's start
            assert indicator is not None
            yield self.env.timeout(max(0.0, risk.time - indicator.lead_days - self.now))
            if risk.epoch != epoch:
                return
            self._warn(risk, about)
        yield self.env.timeout(max(0.0, risk.time - self.now))
        if risk.hit or risk.epoch != epoch:
            return  # it struck at its cutover's attempt (see _cutover), or a forecast redrew its luck
        if self.ended or not rules.strikes(risk.u_occur, risk.probability) or (about is not None and about.resolved):
            return  # (a risk about a task that has finished, or was cut, no longer can strike)
        self._hit(risk)

    def _warn(self, risk: RiskState, about: TaskState | None) -> None:
        """Report ``risk``'s early warning now if it is still going to strike and the warning is seen (u_seen below
        the visibility), and its task, for a risk about a task, has not finished."""
        indicator = risk.spec.indicator
        if (indicator is not None and not risk.warned and not risk.hit and rules.strikes(risk.u_occur, risk.probability)
                and risk.u_seen < self.visibility() and not (about is not None and about.resolved)):
            risk.warned = True
            self.indicators.append({"risk": risk.id, "signal": indicator.signal, "day": self.now})
            self.say(f"Early warning: {indicator.signal}", "warning", risk.id)

    def _warn_before_attempt(self, risk: RiskState, task: TaskState, day: float):
        """A risk that strikes at a cutover's first attempt warns ``lead_days`` before that attempt (``day``)."""
        epoch = risk.epoch
        yield self.env.timeout(max(0.0, day - self.now))
        if risk.epoch == epoch and task.state is WINDOW and not task.attempts:
            self._warn(risk, task)

    def _hit(self, risk: RiskState) -> None:
        """The risk strikes now: a surprise unless warned, and a request for the PM's response."""
        risk.hit = True
        risk.bought_before_hit = list(risk.bought)
        if not risk.warned:
            self.surprises += 1
            for s in self.scenario.stakeholders:
                self.nudge(s.id, -self.p.communication.surprise_penalty * s.drivers.surprises)
        factor = risk.impact_factor()
        loss = self.impact_money([i.model_dump() for i in risk.spec.impacts]) * factor
        cur = self.scenario.budget.currency
        options = [{"id": "accept", "label": "Accept the impact", "cost": 0.0, "loss": loss}]
        options += [  # only what can still act on the impact: a response that lowers only the probability comes too late
            {"id": r.id, "label": f"{r.strategy.title()}: {r.description}", "cost": r.cost, "loss": loss * r.impact_factor}
            for r in risk.spec.responses
            if r.strategy in ("mitigate", "transfer") and r.id not in risk.bought and r.impact_factor < 1
        ]
        words = "; ".join(effects.describe(self, impact, factor) for impact in risk.spec.impacts)
        self.say(f"Risk hit: {risk.spec.title}" + ("" if risk.warned else " (no warning was reported)"), "risk", risk.id)
        held = effects.held_work(self, risk.spec.impacts)  # none of it can finish while the request is open
        waits = f" Until you answer, {effects.listed([t.spec.name for t in held])} cannot finish." if held else ""
        self._open(RiskRequest(f"risk:{risk.id}", risk.spec.title,
                               f"The risk '{risk.spec.title}' has occurred. Accepting the impact means: {words} "
                               f"(worth about {effects.money(loss, cur)}).{waits} Choose a response.",
                               options, "accept", self.now + self.p.decisions.decision_deadline, risk, [t.id for t in held]))
        for event in self.world.events_after.get(("risk", risk.id), ()):
            self.fire(event)

    def _event_at(self, event, day: float):
        yield self.env.timeout(day if day % 1 else day + 0.5)
        self.fire(event)

    def _conditional_events(self) -> None:
        progress = None
        for level, event in self.world.progress_events:
            if event.id not in self.fired_events:
                progress = self.progress() if progress is None else progress
                if progress >= level:
                    self.fire(event)

    def fire(self, event, again: bool = False) -> None:
        """Raise a scripted event's decision; asked ``again`` after a deferral, it cannot be deferred twice."""
        if self.ended:
            return
        self.fired_events.add(event.id)
        options = [{"id": o.id, "label": o.label, "cost": o.cost, "effects": [e.model_dump(mode="json") for e in o.effects]}
                   for o in event.options if not (again and o.id == "defer")]  # what each option does: the PM reads it
        default = event.default
        if again and default == "defer":
            default = "reject" if any(o["id"] == "reject" for o in options) else options[0]["id"]
        self.say(f"{event.title}: {event.description}", "event", event.id)
        self._open(EventRequest(f"event:{event.id}", event.title, event.description, options, default,
                                self.now + self.p.decisions.decision_deadline, event, list(event.favoured_by)))

    def _open(self, request: EventRequest | RiskRequest) -> None:
        """Ask the PM; a request with one option asks nothing, so it applies now and is reported as news."""
        self.requests[request.id] = request
        if len(request.options) == 1:
            effects.resolve(self, request, request.options[0]["id"])
            return
        self.stop(request.kind)

    def _expire_requests(self) -> None:
        for request in [r for r in self.requests.values() if r.due <= self.now]:
            label = next(o["label"] for o in request.options if o["id"] == request.default)
            self.say(f"No decision on '{request.title}' in time: '{label}' applies.", "default", request.id, option=request.default)
            effects.resolve(self, request, request.default)

    def _defer(self, event):
        yield self.env.timeout(self.p.decisions.defer_days)
        self.fire(event, again=True)

    def nudge(self, stakeholder: str, delta: float) -> None:
        self.satisfaction[stakeholder] = rules.satisfaction(self.satisfaction[stakeholder], delta)

    # ------------------------------------------------------------ meetings and the end

    def _status_meeting(self) -> None:
        c = self.p.communication
        weeks = self.p.decisions.status_interval / len(self.scenario.calendar.working_days)
        for s in self.scenario.stakeholders:
            self.nudge(s.id, rules.transparency(weeks, c.satisfaction_gain, s.drivers.communication, self.communication, c.nominal_effort))
        self._skill_gaps()
        base = self.world.baseline
        earned = evm.earned_schedule(base.progress, self.progress())
        self.pressure = rules.schedule_pressure(base.duration, earned, self.deadline_day, self.now, self.p.quality.max_pressure)
        self.stop("status")

    def _skill_gaps(self) -> None:
        """Report tasks nobody can do; after ``pmo_backfill_days`` the PMO hires for the skill."""
        present = self.present()
        coming = {s for a in self.arrivals for s in a["skills"]}
        market = self.scenario.market
        for task in self.tasks.values():
            if task.state is not ACTIVE or task.people or task.awaiting or any(x.proficiency(task.skill) > 0 for x in present):
                task.blocked_since = None
                continue
            if task.skill in coming:
                continue
            if task.blocked_since is None:
                task.blocked_since = self.now
            waited = self.now - task.blocked_since
            able = [m for m in market if m.skills.get(task.skill, 0) > 0 and self.hired[m.id] < m.max_hires]
            if waited >= self.p.decisions.pmo_backfill_days:  # the market can always supply it, at worst at a premium
                profile = max(able, key=lambda m: (m.skills[task.skill], -m.daily_rate)) if able else self.world.backfill(task.skill)
                ident = self.hire(profile)
                task.blocked_since = None
                for s in self.scenario.stakeholders:
                    if s.role == "sponsor":
                        self.nudge(s.id, -self.p.stakeholders.request_penalty)
                self.say(f"The PMO escalated: {task.spec.name} was blocked for {waited:.0f} days, so it hired {profile.title} ({ident}).", "escalation", task.id)
            else:
                self.say(f"Blocked: nobody on the team can do {task.spec.name} (skill '{task.skill}'). Hire someone.", "blocked", task.id)

    def _go_live(self) -> None:
        self.finished = self.now
        if self.plan:
            return
        q, s = self.p.quality, self.p.stakeholders
        self.escaped = sum(t.latent for t in self.tasks.values() if t.state is DONE)
        self.incidents = rules.incidents(uniforms(self.seed, "go-live")[0], self.escaped, q.incidents_per_defect)
        outcome = rules.go_live_outcome(self.finished <= self.original_deadline_day, self.spent <= self.original_budget + self.reserve,
                                        self.scope_share())
        for st in self.scenario.stakeholders:
            self.nudge(st.id, -s.incident_penalty * st.drivers.incidents * self.incidents)
            self.nudge(st.id, s.outcome_weight * st.drivers.outcome * (2 * outcome - 1))
        self.say(f"Project finished on {day_text(self.cal.date(self.finished - 1))}; {self.incidents} incidents after go-live.", "end")
        self.stop("end")

    def _abandon(self) -> None:
        self.abandoned = True
        for st in self.scenario.stakeholders:
            self.nudge(st.id, -self.p.stakeholders.outcome_weight * st.drivers.outcome)
        self.say("The sponsor stopped the project: it ran far past any recoverable date.", "end")
        self.stop("end")

    @property
    def original_deadline_day(self) -> float:
        """The deadline without the PM's granted requests (scripted change requests do move it)."""
        return self.deadline_day - self.granted_days

    @property
    def original_budget(self) -> float:
        """The budget at completion without the PM's granted requests (scripted change requests do move it)."""
        return self.budget - self.granted_budget

    def impact_money(self, impacts: list[dict]) -> float:
        """The money value of impacts at the team present now (``World.impact_money``): what the PM may know."""
        burn = sum(x.rate for x in self.staff)
        return self.world.impact_money(impacts, burn, burn / len(self.staff) if self.staff else 0.0)

    def strikes_no_more(self, risk: RiskState) -> str:
        """Why ``risk`` can no longer strike, from what the PM can know (never its drawn luck), or "" while it can:
        it has struck, the task it is about has finished or been cut, or, for a risk about the project at large, the
        last day of its window has passed.  A response to a risk that can no longer strike buys nothing."""
        if risk.hit:
            return "it has struck"
        if risk.spec.during is not None:
            task = self.tasks.get(risk.spec.during)
            if task is None:
                return "the task it is about is not in this plan"
            return f"{task.spec.name} has finished or was cut" if task.resolved else ""
        end = risk.spec.window.end
        return "" if self.now < end + 1 else f"its window ended on working day {end:g}"

    def can_strike(self, risk: RiskState) -> bool:
        """Whether ``risk`` may still strike, as far as the PM can know (``strikes_no_more``)."""
        return not self.strikes_no_more(risk)

    def scope_share(self) -> float:
        """Business value delivered as a share of the planned value."""
        delivered = sum(t.value for t in self.tasks.values() if t.state is DONE)
        return min(1.0, delivered / self.total_value) if self.total_value else 1.0

    def run_to_end(self) -> None:
        """Run without stopping (the baseline plan)."""
        self.env.run()

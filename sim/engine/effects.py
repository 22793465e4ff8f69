"""What impacts do to a project, and how an answered request resolves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.schema import models as m

from . import rules
from .entities import ACTIVE, CUT, DONE, EventRequest, RiskRequest

if TYPE_CHECKING:
    from .entities import RiskState
    from .project import Project


def describe(project: Project, impact, factor: float = 1.0) -> str:
    """In words, what one impact scaled by ``factor`` would do, from what the register says (nothing is applied)."""
    cur = project.scenario.budget.currency
    if isinstance(impact, m.DelayImpact):
        return f"{project.tasks[impact.task].spec.name} held up for {_days(impact.days * factor)} working days"
    if isinstance(impact, m.ExtraEffortImpact):
        return f"{impact.share * factor:.0%} more effort on " + ", ".join(project.tasks[t].spec.name for t in impact.tasks)
    if isinstance(impact, m.CostImpact):
        return f"extra cost {money(impact.amount * factor, cur)}"
    if isinstance(impact, m.DefectsImpact):
        return f"about {impact.count * factor:.0f} new defects"
    if isinstance(impact, m.MoraleImpact):
        return f"morale {_updown(impact.delta * factor)}" + (f" for {project.people[impact.person].name}" if impact.person else " for everyone")
    if isinstance(impact, m.LosePersonImpact):
        who = project.people[impact.person].name if impact.person else "a team member"
        return f"{who} leaves" + ("" if factor >= 1 else f" (a {factor:.0%} chance)")
    if isinstance(impact, m.ScopeChangeImpact):
        return f"the scope of {project.tasks[impact.task].spec.name} changes by {impact.share * factor:+.0%}"
    if isinstance(impact, m.SatisfactionImpact):
        return f"{_stakeholder(project, impact.stakeholder)} satisfaction {_updown(impact.delta * factor)}"
    return impact.type.replace("_", " ")


def apply(project: Project, impact, factor: float = 1.0, risk: RiskState | None = None) -> str:
    """Apply one impact scaled by ``factor`` (of ``risk``, if a risk struck); return a sentence for the news."""
    project.touch()
    now = project.now
    if factor <= 0:
        return "no impact"
    if isinstance(impact, m.DelayImpact):
        task = project.tasks[impact.task]
        days = impact.days * factor
        task.blocked_until = max(task.blocked_until, now) + days
        return f"{task.spec.name} is held up for {_days(days)} working days"
    if isinstance(impact, m.ExtraEffortImpact):
        names = []
        for tid in impact.tasks:
            task = project.tasks[tid]
            if not task.resolved:
                extra = impact.share * factor * task.effort
                task.remaining += extra
                task.rework += extra
                names.append(f"{task.spec.name} +{extra:.1f} person-days")
        return "extra effort: " + (", ".join(names) or "none (tasks already finished)")
    if isinstance(impact, m.CostImpact):
        project.costs["risks" if risk is not None else "changes"] += impact.amount * factor
        return f"extra cost {money(impact.amount * factor, project.scenario.budget.currency)}"
    if isinstance(impact, m.DefectsImpact):
        targets = [project.tasks[impact.task]] if impact.task else [t for t in project.tasks.values() if (t.state is ACTIVE or t.state is DONE) and t.kind != "milestone"]
        targets = targets or list(project.tasks.values())[:1]
        for task in targets:
            task.latent += impact.count * factor / len(targets)
        return "new defects slipped into the work (tests will show how many)"
    if isinstance(impact, m.MoraleImpact):
        people = [project.people[impact.person]] if impact.person else project.present()
        for person in people:
            person.morale = min(1.0, max(0.0, person.morale + impact.delta * factor))
        who = people[0].name if impact.person else "everyone"
        return f"morale {_updown(impact.delta * factor)} for {who}"
    if isinstance(impact, m.LosePersonImpact):
        return _lose(project, impact, factor, risk)
    if isinstance(impact, m.ScopeChangeImpact):
        task = project.tasks[impact.task]
        extra = impact.share * factor * task.effort
        if not task.resolved:
            task.remaining = max(0.0, task.remaining + extra)
            task.effort += extra
        task.value = max(0.0, task.value + impact.value * factor)
        return f"scope of {task.spec.name} changes by {extra:+.1f} person-days"
    if isinstance(impact, m.SatisfactionImpact):
        project.nudge(impact.stakeholder, impact.delta * factor)
        return f"{_stakeholder(project, impact.stakeholder)} satisfaction {_updown(impact.delta * factor)}"
    if isinstance(impact, m.BudgetImpact):
        project.budget = max(0.0, project.budget + impact.amount * factor)
        return f"budget {signed_money(impact.amount * factor, project.scenario.budget.currency)}"
    if isinstance(impact, m.DeadlineImpact):
        project.deadline_day += round(impact.days * factor)
        return f"deadline {round(impact.days * factor):+d} working days"
    if isinstance(impact, m.AddTaskImpact):
        if impact.task.id in project.tasks:
            return f"{impact.task.name} is already in the plan"
        project.add_task(impact.task)
        return f"new task {impact.task.name}"
    if isinstance(impact, m.CutTaskImpact):
        task = project.tasks[impact.task]
        if not task.resolved:
            cut(project, task)
        return f"{task.spec.name} cut"
    raise TypeError(f"unknown impact {impact!r}")


def money(amount: float, currency: str) -> str:
    """``EUR 1,234,567``: the one way money is written, in the news and everywhere else (``sim.results.words``)."""
    return f"{currency} {amount:,.0f}"


def listed(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: names in a sentence."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def signed_money(amount: float, currency: str) -> str:
    """``+EUR 1,234`` or ``-EUR 1,234``: a change of money."""
    return ("-" if amount < 0 else "+") + money(abs(amount), currency)


def _stakeholder(project: Project, ident: str) -> str:
    return next(s.name for s in project.scenario.stakeholders if s.id == ident)


def _days(days: float) -> str:
    """``5`` for 5.0 and ``2.5`` for 2.5: a whole number of days without a point."""
    return f"{days:.1f}".removesuffix(".0")


def _updown(delta: float) -> str:
    """``down 5%`` for -0.05: a share of satisfaction or morale, in the words of the register."""
    return f"{'down' if delta < 0 else 'up'} {abs(delta):.0%}"


def _lose(project: Project, impact, factor: float, risk: RiskState | None) -> str:
    if risk is not None and not rules.loses_person(risk.u_pick, factor):
        return "nobody left (the response kept the team together)"
    if impact.person:
        person = project.people.get(impact.person)
        if person is None or not person.present:
            return "nobody left (already gone)"
    else:
        present = sorted(project.present(), key=lambda x: x.id)
        if not present:
            return "nobody left"
        u = risk.u_pick if risk is not None else 0.0
        person = present[min(len(present) - 1, int(u * len(present)))]
    project.depart(person, "left the project")
    return f"{person.name} left"


def cut(project: Project, task) -> None:
    """Drop a task: its people are freed and its value is not delivered."""
    project.set_state(task, CUT)
    task.finish = project.now
    for person in task.people:
        person.task = None
    task.people = []


HOLDING_IMPACTS = (m.DelayImpact, m.ExtraEffortImpact, m.ScopeChangeImpact)
"""The impacts that act on a task's work: while the risk's request is open, that work cannot finish (``held_work``)."""


def held_work(project: Project, impacts) -> list:
    """The unfinished tasks whose work ``impacts`` act on (delay, extra effort, scope change), in file order: when a
    risk strikes, none of them can finish (be signed off, delivered or cut over) while its request is open, so the
    impact the PM has not yet answered lands on them first.  Without this, work that finished before an unanswered
    request fell due escaped the impact, and ignoring a struck risk beat every answer (docs/MODEL.md, "A struck
    risk's request holds its work")."""
    ids: set[str] = set()
    for impact in impacts:
        if isinstance(impact, HOLDING_IMPACTS):
            ids.update(impact.tasks if isinstance(impact, m.ExtraEffortImpact) else (impact.task,))
    return [t for t in project.tasks.values() if t.id in ids and not t.resolved]


def release(project: Project, request: RiskRequest) -> None:
    """The request closed, its impact applied: a delivery or cutover that waited for it goes on (``Project._held``),
    and work that waited to finish is settled by the next allocation (``Project._settle_answered``)."""
    for tid in request.holds:
        sleeper = project.tasks[tid].sleeper
        if sleeper is not None:
            sleeper.interrupt("answered")
    if request.holds:
        project.touch()


def resolve(project: Project, request: EventRequest | RiskRequest, option_id: str) -> None:
    """Close ``request`` with ``option_id``: pay its cost and apply its effects."""
    del project.requests[request.id]
    option = next(o for o in request.options if o["id"] == option_id)
    said = []
    if isinstance(request, RiskRequest):
        risk = request.risk
        chosen = None if option_id == "accept" else option_id
        factor = risk.impact_factor(chosen)
        if chosen is not None:
            response = next(r for r in risk.spec.responses if r.id == chosen)
            risk.buy(chosen)
            project.costs["responses"] += response.cost
        said = [apply(project, impact, factor, risk) for impact in risk.spec.impacts]
        risk.resolved = True
        release(project, request)
    else:
        event = request.event
        spec = next(o for o in event.options if o.id == option_id)
        project.costs["changes"] += spec.cost
        said = [apply(project, impact) for impact in spec.effects]
        if event.type == "change_request" and option_id in ("accept", "reject"):
            gain = project.p.stakeholders.change_accept_gain * (1 if option_id == "accept" else -1)
            for s in project.scenario.stakeholders:
                if s.id in request.favoured_by:
                    project.nudge(s.id, gain * s.drivers.change_handling)
        if option_id == "defer":
            project.env.process(project._defer(event))
    project.say(f"{request.title}: '{option['label']}'" + (" — " + "; ".join(said) if said else ""), "decision", request.id,
                option=option_id)

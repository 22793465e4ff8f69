"""Apply the PM's decisions.  Each is checked first and refused, unchanged, with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import decisions as d
from . import effects, rules
from .decisions import DecisionError
from .effects import money
from .entities import CUT, WAITING, hire_name
from .rng import uniforms

if TYPE_CHECKING:
    from .project import Project

def _check(ok: bool, reason: str) -> None:
    if not ok:
        raise DecisionError(reason)


def _task(project: Project, task_id: str):
    _check(task_id in project.tasks, f"unknown task {task_id!r} (expected one of: {', '.join(project.tasks)})")
    return project.tasks[task_id]


def _afford(project: Project, cost: float, what: str) -> None:
    left = project.budget + project.reserve - project.spent
    cur = project.scenario.budget.currency
    _check(cost <= 0 or cost <= left,
           f"cannot afford {what}: it costs {money(cost, cur)} and only {money(max(0.0, left), cur)} is left in budget and reserve")


def _level(value: float, high: float, what: str) -> float:
    _check(0 <= value <= high, f"{what} must be between 0 and {high:g} (got {value!r})")
    return float(value)


def apply(project: Project, decision) -> None:
    """Apply one decision now, or raise DecisionError and change nothing."""
    _check(not project.ended, "the project has ended; no more decisions are taken")
    handler = HANDLERS.get(type(decision))
    if handler is None:
        raise DecisionError(f"unknown decision {decision!r}")
    handler(project, decision)
    project.touch()  # a priority, a fast-track or a change to the team may change what starts and who works where


def _hire(project: Project, x: d.Hire) -> None:
    market = {p.id: p for p in project.scenario.market}
    _check(x.profile in market, f"unknown market profile {x.profile!r} (expected one of: {', '.join(market) or 'none'})")
    profile = market[x.profile]
    _check(project.hired[profile.id] < profile.max_hires, f"no more {profile.title} can be hired (all {profile.max_hires} taken)")
    _afford(project, project.world.hiring_fees[profile.id], f"hiring a {profile.title}")
    ident = project.hire(profile)
    project.say(f"Hiring {hire_name(profile, ident)}; arrives in {profile.lead_time} working days.", "decision", ident)


def _release(project: Project, x: d.Release) -> None:
    person = project.people.get(x.person)
    if person is None or not person.present:
        raise DecisionError(f"{x.person!r} is not on the team")
    # Rolling off someone idle is planned; pulling someone off unfinished work shakes the team.
    project.depart(person, "was released from the project", shock=person.task is not None)


def _set(attr: str, high, what: str):
    def handler(project: Project, x) -> None:
        setattr(project, attr, _level(x.level, high(project.p), what))
        project.say(f"{what.capitalize()} set to {x.level:.0%}.", "decision", attr)

    return handler


def _buy(project: Project, x: d.BuyResponse) -> None:
    _check(x.risk in project.risks, f"unknown risk {x.risk!r} (expected one of: {', '.join(project.risks)})")
    risk = project.risks[x.risk]
    responses = {r.id: r for r in risk.spec.responses}
    _check(x.response in responses, f"risk {x.risk!r} has no response {x.response!r} (expected one of: {', '.join(responses) or 'none'})")
    _check(x.response not in risk.bought, f"response {x.response!r} is already in place")
    _check(not risk.hit, f"risk {x.risk!r} has already hit; answer its request instead")
    over = project.strikes_no_more(risk)
    _check(not over, f"risk {x.risk!r} can no longer strike ({over}): a response would buy nothing")
    response = responses[x.response]
    _afford(project, response.cost, f"response {x.response!r}")
    risk.buy(x.response)
    project.costs["responses"] += response.cost
    project.say(f"Bought response '{response.description}' for risk '{risk.spec.title}'.", "decision", x.risk)


def _choose(project: Project, x: d.Choose) -> None:
    request = project.requests.get(x.request)
    if request is None:
        raise DecisionError(f"no open request {x.request!r} (open: {', '.join(project.requests) or 'none'})")
    options = {o["id"]: o for o in request.options}
    _check(x.option in options, f"request {x.request!r} has no option {x.option!r} (expected one of: {', '.join(options)})")
    _afford(project, options[x.option]["cost"], f"“{options[x.option]['label']}”")
    effects.resolve(project, request, x.option)


def _cut(project: Project, x: d.CutScope) -> None:
    task = _task(project, x.task)
    _check(task.spec.scope != "must", f"task {x.task!r} is must-have scope and cannot be cut")
    _check(not task.resolved, f"task {x.task!r} is already {task.state}")
    effects.cut(project, task)
    project.say(f"Scope cut: {task.spec.name}.", "decision", x.task)


def _restore(project: Project, x: d.RestoreScope) -> None:
    task = _task(project, x.task)
    _check(task.state is CUT, f"task {x.task!r} is not cut")
    project.set_state(task, WAITING)
    task.finish = None
    project.say(f"Scope restored: {task.spec.name}.", "decision", x.task)


def _prioritise(project: Project, x: d.Prioritise) -> None:
    task = _task(project, x.task)
    _check(not task.resolved, f"task {x.task!r} is already {task.state}")
    task.priority = x.priority
    project.say(f"Priority of {task.spec.name} set to {x.priority:+d}.", "decision", x.task)


def _fast_track(project: Project, x: d.FastTrack) -> None:
    task = _task(project, x.task)
    _check(task.state is WAITING and task.kind == "work", f"task {x.task!r} cannot be fast-tracked (it is {task.state}, a {task.kind}; "
                                                        "only work that has not started can overlap its predecessors)")
    _check(not task.fast_tracked, f"task {x.task!r} is already fast-tracked")
    pending = [p for p in task.deps if not p.resolved]
    _check(bool(pending), f"task {x.task!r} has no unfinished predecessor; it starts anyway")
    rigid = [f"{p.id} (a {p.kind})" for p in pending if not rules.may_overlap(task.kind, p.kind)]
    _check(not rigid, f"task {x.task!r} cannot overlap what must be finished first: {', '.join(rigid)}")
    project.fast_track(task)
    share = project.p.quality.fast_track_threshold
    project.say(f"Fast-tracking {task.spec.name}: it starts once {', '.join(p.spec.name for p in pending)} "
                f"{'is' if len(pending) == 1 else 'are each'} {share:.0%} done.", "decision", x.task)


def _sponsor_answer(project: Project) -> bool:
    """Ask the sponsor (docs/MODEL.md, Money): True when granted.  Every request costs the sponsor's satisfaction."""
    st = project.p.stakeholders
    sponsors = [s.id for s in project.scenario.stakeholders if s.role == "sponsor"]
    mood = sum(project.satisfaction[s] for s in sponsors) / len(sponsors) if sponsors else 1.0
    chance = rules.refusal_probability(project.sponsor_requests, mood, st.refusal_base, st.refusal_per_request, st.refusal_dissatisfaction)
    u = uniforms(project.seed, "sponsor-request", project.sponsor_requests)[0]
    project.sponsor_requests += 1
    for s in sponsors:
        project.nudge(s, -st.request_penalty)
    if rules.refused(u, chance):
        project.sponsor_refusals += 1
        return False
    return True


def _set_reserve(project: Project, x: d.SetReserve) -> None:
    _check(project.now == 0, f"the reserve is agreed before the project starts (it is day {project.now:g})")
    bac = project.scenario.budget.budget_at_completion
    most = project.world.max_reserve
    _check(x.amount <= most, f"the sponsor agrees to a reserve of at most {most:,.0f}, what the risk register justifies (asked {x.amount:,.0f})")
    delta = rules.reserve_penalty(x.amount, project.reserve, project.p.decisions.max_budget_request, bac,
                                  project.p.stakeholders.request_penalty)
    project.reserve = x.amount
    for s in project.scenario.stakeholders:
        if s.role == "sponsor":
            project.nudge(s.id, delta)
    project.say(f"Management reserve agreed at {money(x.amount, project.scenario.budget.currency)}.", "decision", "reserve")


def _request_budget(project: Project, x: d.RequestBudget) -> None:
    most = project.p.decisions.max_budget_request * project.scenario.budget.budget_at_completion
    _check(x.amount <= most, f"the sponsor grants at most {most:,.0f} in one request (asked {x.amount:,.0f})")
    if not _sponsor_answer(project):
        project.say(f"The sponsor refused {money(x.amount, project.scenario.budget.currency)} more budget.", "decision", "budget",
                    granted=False)
        return
    project.budget += x.amount
    project.granted_budget += x.amount
    project.say(f"The sponsor granted {money(x.amount, project.scenario.budget.currency)} more budget, unhappily; the original budget still stands in the scorecard.",
                "decision", "budget", granted=True)


def _request_time(project: Project, x: d.RequestTime) -> None:
    most = project.p.decisions.max_time_request
    _check(x.days <= most, f"the sponsor grants at most {most} working days in one request (asked {x.days})")
    if not _sponsor_answer(project):
        project.say(f"The sponsor refused to move the deadline by {x.days} working days.", "decision", "deadline", granted=False)
        return
    project.deadline_day += x.days
    project.granted_days += x.days
    project.say(f"The sponsor moved the deadline by {x.days} working days, unhappily; the original deadline still stands in the scorecard.",
                "decision", "deadline", granted=True)


HANDLERS: dict[type, Callable[[Project, Any], None]] = {
    d.Hire: _hire,
    d.Release: _release,
    d.SetOvertime: _set("overtime", lambda p: p.overtime.max_level, "overtime"),
    d.SetCommunication: _set("communication", lambda p: p.decisions.max_effort_share, "communication effort"),
    d.SetQuality: _set("quality", lambda p: p.decisions.max_effort_share, "quality effort"),
    d.BuyResponse: _buy,
    d.Choose: _choose,
    d.CutScope: _cut,
    d.RestoreScope: _restore,
    d.Prioritise: _prioritise,
    d.FastTrack: _fast_track,
    d.SetReserve: _set_reserve,
    d.RequestBudget: _request_budget,
    d.RequestTime: _request_time,
}

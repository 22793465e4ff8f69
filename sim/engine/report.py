"""The status report: everything the PM may see at a decision point, and nothing hidden.

It shows progress, money, forecasts, the team, the register with any early
warnings reported, and open requests.  It never shows latent defects, future
scripted events or a risk's pre-drawn luck.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import evm
from .project import Project


@dataclass(frozen=True)
class StatusReport:
    """What the PM sees; plain data, safe to show in any UI or to give a policy."""

    stop: int
    reason: str  # start, status, event, risk, end
    day: float
    date: dt.date
    done: bool
    progress: float
    planned_progress: float
    spent: float
    budget: float
    reserve: float
    currency: str
    deadline: dt.date
    deadline_day: float
    planned_finish_day: float
    forecast_finish_day: float
    forecast_cost: float
    spi: float
    cpi: float
    settings: dict[str, float]
    satisfaction: dict[str, float]
    defects_found: float
    tasks: list[dict] = field(default_factory=list)
    team: list[dict] = field(default_factory=list)
    arrivals: list[dict] = field(default_factory=list)
    market: list[dict] = field(default_factory=list)
    risks: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    news: list[str] = field(default_factory=list)

    @property
    def money_left(self) -> float:
        """Budget plus reserve not yet spent."""
        return self.budget + self.reserve - self.spent

    def task(self, task_id: str) -> dict:
        return next(t for t in self.tasks if t["id"] == task_id)


# The lines below copy the unchanging card and set the changing fields: measurably cheaper than
# dict(card, **changes) or card | {...}, and built at every stop.

def _person(now: float, x) -> dict:
    if not x.present:
        status = "left"
    elif x.sick_until > now:
        status = "sick"
    elif x.leaving_at is not None:
        status = "leaving"
    elif x.task is not None:
        status = "working"
    else:
        status = "idle"
    if x.card is None:
        x.card = {"id": x.id, "name": x.name, "role": x.role, "daily_rate": x.rate, "skills": dict(x.skills), "contract": x.contract}
    line = x.card.copy()
    line["status"] = status
    line["task"] = x.task.id if x.task else None
    line["morale"] = x.morale
    line["fatigue"] = x.fatigue
    line["ramping"] = x.present and now - x.joined < x.ramp_days
    return line


def _task(t) -> dict:
    line = t.card.copy()
    line["state"] = t.state
    line["fraction"] = t.fraction
    line["people"] = [x.id for x in t.people] if t.people else []
    line["value"] = t.value
    line["start"] = t.start
    line["finish"] = t.finish
    line["priority"] = t.priority
    line["fast_tracked"] = t.fast_tracked
    return line


def _risk(card: dict, r) -> dict:
    line = card.copy()
    line["probability"] = r.probability
    line["hit"] = r.hit
    line["bought"] = list(r.bought)
    return line


def _offer(card: dict, available: int) -> dict:
    line = card.copy()
    line["available"] = available
    return line


def build(project: Project, news_since: int, stop: int) -> StatusReport:
    """The report at decision point ``stop``; ``news_since`` indexes the first unseen news item."""
    base = project.world.baseline
    now = project.now
    progress = project.progress()
    bac = project.budget
    spent = project.spent
    earned = evm.earned_schedule(base.progress, progress)
    earned_value = bac * evm.value_share(base.cost, earned)
    floor = project.p.decisions.forecast_index_floor  # only the report's forecasts are floored
    cpi = evm.index(earned_value, spent)
    forecast = evm.forecast_finish(now, base.duration, earned, floor) if project.finished is None else project.finished
    tasks = [_task(t) for t in project.tasks.values()]
    cards = project.world.risk_cards
    risks = [_risk(cards[r.id], r) for r in project.risks.values()]
    requests = [
        {"id": q.id, "kind": q.kind, "title": q.title, "description": q.description, "options": [dict(o) for o in q.options],
         "default": q.default, "due": q.due}
        for q in project.requests.values()
    ]
    offers = project.world.market_cards
    hired = project.hired
    market = [_offer(offers[p.id], p.max_hires - hired.get(p.id, 0)) for p in project.scenario.market]
    return StatusReport(
        stop=stop,
        reason=project.stop_reason or "start",
        day=now,
        date=project.cal.date(now),
        done=project.ended,
        progress=progress,
        planned_progress=evm.planned_progress(base.progress, now),
        spent=spent,
        budget=bac,
        reserve=project.reserve,
        currency=project.scenario.budget.currency,
        deadline=project.cal.date(max(0.0, project.deadline_day - 1)),
        deadline_day=project.deadline_day,
        planned_finish_day=base.duration,
        forecast_finish_day=forecast,
        forecast_cost=evm.estimate_at_completion(spent, bac, earned_value, cpi, floor),
        spi=evm.index(earned_value, bac * evm.value_share(base.cost, now)),
        cpi=cpi,
        settings={"overtime": project.overtime, "communication": project.communication, "quality": project.quality},
        satisfaction=dict(project.satisfaction),
        defects_found=project.defects_found,
        tasks=tasks,
        team=[_person(now, x) for x in project.people.values()],
        arrivals=[dict(a) for a in project.arrivals],
        market=market,
        risks=risks,
        indicators=[dict(i) for i in project.indicators],
        requests=requests,
        news=[text for _, text in project.news[news_since:]],
    )

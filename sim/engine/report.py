"""The status report: everything the PM may see at a decision point, and nothing hidden.

It shows progress, money, forecasts, the team, the register with any early
warnings reported, and open requests.  It never shows latent defects, future
scripted events or a risk's pre-drawn luck.

A report is built at every stop, and most stops read only a part of it: the lines of the tasks, the register and
the market are therefore built when first read.  They always show the project as it stood when the report was
made: before the project changes, the session freezes any report that is still referenced (``Session._move_on``),
so a policy or a view that keeps a report keeps what it showed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import evm

if TYPE_CHECKING:
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
    original_budget: float  # before the PM's granted requests: what the scorecard measures against
    original_deadline_day: float
    max_reserve: float  # the most reserve the sponsor agrees to before the start: what the risk register justifies
    planned_finish_day: float
    forecast_finish_day: float
    forecast_cost: float
    spi: float
    cpi: float
    settings: dict[str, float]
    satisfaction: dict[str, float]
    defects_found: float
    team: list[dict]
    arrivals: list[dict]
    indicators: list[dict]
    requests: list[dict]
    news: list[str]
    _lines: _Lines = field(repr=False, compare=False)

    @property
    def tasks(self) -> list[dict]:
        """Every task: its unchanging card, then state, share done, people, value, dates, priority, fast-tracking."""
        return self._lines.tasks()

    @property
    def risks(self) -> list[dict]:
        """The register: each risk's card, probability after responses, whether it hit, the responses bought."""
        return self._lines.risks()

    @property
    def market(self) -> list[dict]:
        """The labour market: each profile's card and how many are still available."""
        return self._lines.market()

    def freeze(self) -> None:
        """Build the lines not read yet, from the project as it stands: the report then shows it so for ever."""
        self._lines.freeze()

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


def _risk(card: dict, r, can_strike: bool) -> dict:
    line = card.copy()
    line["probability"] = r.probability
    line["hit"] = r.hit
    line["can_strike"] = can_strike
    line["bought"] = list(r.bought)
    return line


def _offer(card: dict, available: int) -> dict:
    line = card.copy()
    line["available"] = available
    return line


class _Lines:
    """The task, register and market lines of one report, built when first read (or when frozen)."""

    __slots__ = ("_market", "_project", "_risks", "_tasks")

    def __init__(self, project: Project):
        self._project: Project | None = project
        self._tasks: list[dict] | None = None
        self._risks: list[dict] | None = None
        self._market: list[dict] | None = None

    def _source(self) -> Project:
        assert self._project is not None, "a frozen report has all its lines"
        return self._project

    def tasks(self) -> list[dict]:
        if self._tasks is None:
            self._tasks = [_task(t) for t in self._source().tasks.values()]
        return self._tasks

    def risks(self) -> list[dict]:
        if self._risks is None:
            project = self._source()
            cards = project.world.risk_cards
            self._risks = [_risk(cards[r.id], r, project.can_strike(r)) for r in project.risks.values()]
        return self._risks

    def market(self) -> list[dict]:
        if self._market is None:
            project = self._source()
            offers, hired = project.world.market_cards, project.hired
            self._market = [_offer(offers[p.id], p.max_hires - hired.get(p.id, 0)) for p in project.scenario.market]
        return self._market

    def freeze(self) -> None:
        if self._project is not None:
            self.tasks(), self.risks(), self.market()
            self._project = None


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
    one_off = project.costs["responses"] + project.costs["hiring"]  # not work: outside the cost index (evm.work_cost)
    cpi = evm.index(earned_value, evm.work_cost(spent, one_off))
    forecast = evm.forecast_finish(now, base.duration, earned, floor) if project.finished is None else project.finished
    requests = [
        {"id": q.id, "kind": q.kind, "title": q.title, "description": q.description, "options": [dict(o) for o in q.options],
         "default": q.default, "due": q.due}
        for q in project.requests.values()
    ]
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
        original_budget=project.original_budget,
        original_deadline_day=project.original_deadline_day,
        max_reserve=project.world.max_reserve,
        planned_finish_day=base.duration,
        forecast_finish_day=forecast,
        forecast_cost=evm.estimate_at_completion(evm.work_cost(spent, one_off), bac, earned_value, cpi, floor) + one_off,
        spi=evm.index(earned_value, bac * evm.value_share(base.cost, now)),
        cpi=cpi,
        settings={"overtime": project.overtime, "communication": project.communication, "quality": project.quality},
        satisfaction=dict(project.satisfaction),
        defects_found=project.defects_found,
        team=[_person(now, x) for x in project.people.values()],
        arrivals=[dict(a) for a in project.arrivals],
        indicators=[dict(i) for i in project.indicators],
        requests=requests,
        news=[text for _, text in project.news[news_since:]],
        _lines=_Lines(project),
    )

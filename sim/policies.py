"""Built-in PM policies: callables from a status report to decisions.

``passive`` decides nothing.  ``reference`` applies a competent PM's
heuristics and is the yardstick in debriefs.  ``aggressive`` pushes with
overtime and hiring; ``cautious`` buys reserve and mitigation.  A policy sees
only the status report, exactly as a trainee does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sim.engine import TaskStatus, rules
from sim.engine import decisions as d
from sim.engine.log import read_plan
from sim.engine.report import StatusReport
from sim.schema.params import defaults

Policy = Callable[[StatusReport], list]

# A PM's rough money value of a risk's impacts (docs/MODEL.md, "The reference PM"): the PM sees only the
# status report, so these are rules of thumb, the defaults file's `valuation` entries as shipped (a scenario's
# own values do not change the yardstick).
_SHIPPED = {group: {name: spec["value"] for name, spec in entries.items()} for group, entries in defaults().items()}
_VALUATION = _SHIPPED["valuation"]
DELAY_VALUE = _VALUATION["delay_value"]  # a day of delay is worth this share of a day's burn
DEFECT_DAYS = _VALUATION["defect_days"]  # days of a mean rate to fix one defect
REPLACEMENT_DAYS = _VALUATION["replacement_days"]  # days of a mean rate to replace a person who leaves
MORALE_DAYS, MORALE_LOSS = _VALUATION["morale_days"], _VALUATION["morale_loss"]  # a morale hit: this share of the burn for these days
RESPONSE_MONEY_SHARE = 0.5  # never spend more than this share of the money left on one risk response


def _burn(r: StatusReport) -> float:
    """Daily cost of the people on the team now."""
    return sum(p["daily_rate"] for p in r.team if p["status"] != "left")


def _mean_rate(r: StatusReport) -> float:
    present = [p["daily_rate"] for p in r.team if p["status"] != "left"]
    return sum(present) / len(present) if present else 0.0


def impact_money(r: StatusReport, impacts: list[dict]) -> float:
    """A PM's rough money equivalent of a list of impacts (``rules.impact_money`` at the team of the report)."""
    return rules.impact_money(impacts, {t["id"]: t["estimate"] for t in r.tasks}, _burn(r), _mean_rate(r), DELAY_VALUE,
                              DEFECT_DAYS, REPLACEMENT_DAYS, MORALE_DAYS, MORALE_LOSS)


def expected_saving(response: dict, loss: float, p: float) -> float:
    """Expected loss avoided by ``response`` when the risk strikes with probability ``p``."""
    return p * loss * (1 - response["probability_factor"] * response["impact_factor"])


def _best_response(r: StatusReport, risk: dict, margin: float, warned: bool = False) -> dict | None:
    """The cheapest net response worth buying, if any (a warned risk counts as certain)."""
    loss = impact_money(r, risk["impacts"])
    p = 1.0 if warned else risk["probability"]
    options = [
        x for x in risk["responses"]
        if x["id"] not in risk["bought"] and x["strategy"] in ("avoid", "mitigate", "transfer")
        and x["cost"] * margin < expected_saving(x, loss, p) and x["cost"] < RESPONSE_MONEY_SHARE * r.money_left
    ]
    return min(options, key=lambda x: x["cost"] - expected_saving(x, loss, p), default=None)


def _answer(r: StatusReport, request: dict, accept_changes: bool | None) -> d.Choose:
    """Pick an option for an open request."""
    options = {o["id"]: o for o in request["options"]}
    if request["kind"] == "risk":
        risk = next(x for x in r.risks if f"risk:{x['id']}" == request["id"])
        loss = impact_money(r, risk["impacts"])
        best = "accept"
        for x in risk["responses"]:
            worth = x["id"] in options and x["cost"] < (1 - x["impact_factor"]) * loss and x["cost"] < r.money_left
            if worth and (best == "accept" or x["cost"] < options[best]["cost"]):
                best = x["id"]
        return d.Choose(request=request["id"], option=best)
    affordable = {o["id"]: o for o in request["options"] if o["cost"] <= max(0.0, r.money_left)}
    if "accept" in options and "reject" in options and accept_changes is not None:
        return d.Choose(request=request["id"], option="accept" if accept_changes and "accept" in affordable else "reject")
    if request["default"] in affordable:
        best = min(affordable.values(), key=lambda o: (_option_loss(r, o), o["id"] != request["default"]))["id"]
    else:
        best = min(request["options"], key=lambda o: o["cost"])["id"]
    return d.Choose(request=request["id"], option=best)


def _option_loss(r: StatusReport, option: dict) -> float:
    """What an option of a scripted event or change request costs the project in a PM's money: its price, the money
    value of its effects and the cost of the work it adds (``_change``), less the money and the days of deadline it
    brings (a day at the value of a day of delay), the pay a person who leaves no longer draws to the forecast finish,
    and the goodwill it wins (each unit of one stakeholder's satisfaction worth what the scorecard gives as many
    points of cost for: cost_tolerance × the original budget / the number of stakeholders)."""
    effects = option.get("effects", [])
    goodwill = _SHIPPED["score_scales"]["cost_tolerance"] * r.original_budget / max(1, len(r.satisfaction))
    won = sum(e["delta"] for e in effects if e["type"] == "satisfaction")
    days, money, work = _change(r, effects)
    left = max(0.0, r.forecast_finish_day - r.day)
    saved = sum(_covered_pay(r, e["person"]) * left for e in effects if e["type"] == "lose_person")
    return option["cost"] + impact_money(r, effects) + work - DELAY_VALUE * _burn(r) * days - money - saved - goodwill * won


def _covered_pay(r: StatusReport, person: str) -> float:
    """The daily pay a leaver no longer draws, when someone staying is at least as proficient in every skill of
    theirs that unfinished work needs (else 0: the work would wait for them, and their pay is not a saving)."""
    staying = [p for p in r.team if p["status"] != "left" and p["id"] != person]
    leaver = next((p for p in r.team if p["id"] == person and p["status"] != "left"), None)
    if leaver is None:
        return 0.0
    needed = {t["skill"] for t in r.tasks if t["state"] not in (TaskStatus.DONE, TaskStatus.CUT) and t["skill"]}
    covered = all(any(p["skills"].get(skill, 0.0) >= level for p in staying)
                  for skill, level in leaver["skills"].items() if skill in needed and level > 0)
    return leaver["daily_rate"] if covered else 0.0


def _change(r: StatusReport, effects: list[dict]) -> tuple[float, float, float]:
    """What a change brings and costs, as its option says: working days added to the deadline, money added to the
    budget, and the cost of the work it adds (each new task's estimate at the team's mean rate, plus its price)."""
    days = sum(e["days"] for e in effects if e["type"] == "deadline")
    money = sum(e["amount"] for e in effects if e["type"] == "budget")
    rate = _mean_rate(r)
    work = 0.0
    for e in effects:
        if e["type"] == "add_task":
            task = e["task"]
            estimate = task.get("effort")
            work += (estimate["optimistic"] + 4 * estimate["most_likely"] + estimate["pessimistic"]) / 6 * rate if estimate else 0.0
            work += task.get("cost", 0.0)
    return days, money, work


def passive() -> Policy:
    """Decides nothing: defaults apply to every request."""
    return lambda report: []


class Reference:
    """A competent PM: buys cost-effective mitigations, hires early only, uses short overtime bursts,
    keeps communication and quality at healthy levels, protects must-have scope."""

    margin = 0.7  # buy a response when its cost times this is below the expected loss it saves (MODEL.md, The reference PM)
    communication = 0.12  # share of time, set at the start
    quality = 0.12  # share of time, set at the start
    accept_changes: bool | None = None  # None: weigh a change request by its options, as any event (_option_loss)
    warning_days = 5  # act on an early warning reported this recently
    hire_before = 0.35  # share of the planned duration after which hiring no longer pays (Brooks)
    hire_when_late = 0.1  # hire only when the forecast finish is this share of the planned duration late
    hire_after_progress = 0.05  # ... and the work has visibly started
    hire_backlog_days = 10  # ... and this many person-days of ready work wait for a skill
    hire_min_skill = 0.5  # a hire must be more proficient than this in that skill
    rate_per_lead_day = 100  # choosing among profiles, one day of lead time weighs as much as this much daily rate
    hire_money_share = 0.6  # the hire's cost to the planned end must stay below this share of the money left
    overtime_level = 0.2
    overtime_when_late = 3  # working days of forecast lateness that call for overtime
    overtime_window = 40  # ... only this many working days or fewer from the deadline
    overtime_fresh = 0.1  # ... only when nobody's fatigue is above this
    overtime_days = 10  # a burst lasts at most this many working days
    overtime_tired = 0.25  # ... and stops when anyone's fatigue passes this
    overtime_rest = 20  # working days of rest between bursts
    cut_when_late = 15  # working days of forecast lateness that call for cutting could-have scope
    cut_after_progress = 0.4  # ... once this share of the work is done

    def __init__(self):
        self.overtime_since: float | None = None
        self.rested_until = 0.0

    def __call__(self, r: StatusReport) -> list:
        out: list = []
        if r.stop == 0:
            out += [d.SetCommunication(level=self.communication), d.SetQuality(level=self.quality)]
            if r.max_reserve > r.reserve:  # the reserve the risk register justifies, worth the sponsor's small displeasure
                out.append(d.SetReserve(amount=r.max_reserve))
            out += self.mitigate(r)
        for request in r.requests:
            out.append(_answer(r, request, self.accept_changes))
        for indicator in r.indicators:
            if indicator["day"] < r.day - self.warning_days:
                continue
            risk = next(x for x in r.risks if x["id"] == indicator["risk"])
            if risk["can_strike"]:
                best = _best_response(r, risk, self.margin, warned=True)
                if best:
                    out.append(d.BuyResponse(risk=risk["id"], response=best["id"]))
        if r.reason == "status":
            out += self.release(r) + self.staff(r) + self.pace(r) + self.scope(r)
        return out

    def release(self, r: StatusReport) -> list:
        """Roll off idle people whose skills no unfinished task needs."""
        idle = [p for p in r.team if p["status"] == "idle"]
        if not idle:
            return []
        closed = (TaskStatus.DONE, TaskStatus.CUT)
        needed = {t["skill"] for t in r.tasks if t["state"] not in closed and t["skill"]}
        return [d.Release(person=p["id"]) for p in idle if needed.isdisjoint(s for s, v in p["skills"].items() if v > 0)]

    def mitigate(self, r: StatusReport) -> list:
        out = []
        for risk in r.risks:
            best = _best_response(r, risk, self.margin)
            if best:
                out.append(d.BuyResponse(risk=risk["id"], response=best["id"]))
        return out

    def _behind(self, r: StatusReport) -> float:
        return r.forecast_finish_day - r.deadline_day

    def staff(self, r: StatusReport) -> list:
        """Hire for a skill that holds up ready work, but only early and when clearly behind (Brooks)."""
        if (r.day > self.hire_before * r.planned_finish_day or self._behind(r) < self.hire_when_late * r.planned_finish_day
                or r.arrivals or r.progress < self.hire_after_progress):
            return []
        idle_skills = {s for p in r.team if p["status"] == "idle" for s, v in p["skills"].items() if v > 0}
        starved: dict[str, float] = {}
        active = TaskStatus.ACTIVE
        for t in r.tasks:
            if t["state"] == active and t["skill"] and len(t["people"]) < t["max_people"] and t["skill"] not in idle_skills:
                starved[t["skill"]] = starved.get(t["skill"], 0.0) + t["estimate"] * (1 - t["fraction"])
        if not starved:
            return []
        skill = max(starved, key=lambda s: starved[s])
        options = [m for m in r.market if m["available"] > 0 and m["skills"].get(skill, 0) > self.hire_min_skill]
        if not options or starved[skill] < self.hire_backlog_days:
            return []
        best = min(options, key=lambda m: m["lead_time"] + m["daily_rate"] / self.rate_per_lead_day)
        remaining_days = max(0.0, r.planned_finish_day - r.day)
        if best["daily_rate"] * remaining_days + best["hiring_fee"] > self.hire_money_share * r.money_left:
            return []
        return [d.Hire(profile=best["id"])]

    def pace(self, r: StatusReport) -> list:
        """Short overtime bursts near a slipping deadline, then rest."""
        fatigue = max((p["fatigue"] for p in r.team if p["status"] != "left"), default=0.0)
        behind = self._behind(r)
        level = r.settings["overtime"]
        if level > 0:
            if fatigue > self.overtime_tired or behind <= 0 or (self.overtime_since is not None and r.day - self.overtime_since >= self.overtime_days):
                self.overtime_since, self.rested_until = None, r.day + self.overtime_rest
                return [d.SetOvertime(level=0.0)]
            return []
        if (behind > self.overtime_when_late and r.day >= self.rested_until and fatigue < self.overtime_fresh
                and r.deadline_day - r.day < self.overtime_window):
            self.overtime_since = r.day
            return [d.SetOvertime(level=self.overtime_level)]
        return []

    def scope(self, r: StatusReport) -> list:
        """Cut could-have scope that has not started when the deadline is clearly lost."""
        if self._behind(r) < self.cut_when_late or r.progress < self.cut_after_progress:
            return []
        waiting = TaskStatus.WAITING
        return [d.CutScope(task=t["id"]) for t in r.tasks if t["scope"] == "could" and t["state"] == waiting and t["start"] is None][:1]


class Aggressive(Reference):
    """Pushes hard: overtime whenever behind, hires whenever behind, accepts every change."""

    margin = 3.0
    communication = 0.08
    quality = 0.08
    hire_before = 1.0
    accept_changes = True
    overtime_level = 0.25

    def pace(self, r: StatusReport) -> list:
        want = self.overtime_level if self._behind(r) > 0 else 0.0
        return [d.SetOvertime(level=want)] if want != r.settings["overtime"] else []


class Cautious(Reference):
    """Plays safe: buys most mitigations, invests in communication and quality, no overtime, rejects changes."""

    margin = 0.5
    communication = 0.15
    quality = 0.15
    hire_before = 0.25
    accept_changes = False

    def pace(self, r: StatusReport) -> list:
        return []


class DecisionPlan:
    """A scripted plan: logged decisions, each applied at the first stop on or after its day.

    Use it to replay one learner's decisions on other seeds; a decision that
    does not apply there is refused and skipped, and an answer to a request
    that never opens there (an event that did not happen) is never given.
    ``entries`` are ``{"day", "decision"}`` dicts or session-log entries; a
    malformed one raises ValueError naming it.
    """

    def __init__(self, entries: Iterable):
        planned = read_plan(entries)
        self.pending = sorted(((e.day, i, e.decision) for i, e in enumerate(planned)), key=lambda x: x[:2])

    def __call__(self, r: StatusReport) -> list:
        """The decisions due by now; an answer to a request waits until that request is open.

        In a counterfactual replay a request may open later than it did in the run logged (a progress-triggered
        event, say): applied at its logged day, its answer was refused and the request fell to its default, so the
        replay without one decision also silently lost a later one and charged its effect to the first."""
        open_ = {q["id"] for q in r.requests}
        ready = [x for x in self.pending if x[0] <= r.day and (x[2].type != "choose" or x[2].request in open_)]
        taken = {id(x) for x in ready}
        self.pending = [x for x in self.pending if id(x) not in taken]
        return [decision for _, _, decision in ready]


POLICIES: dict[str, Callable[[], Policy]] = {
    "passive": passive,
    "reference": Reference,
    "aggressive": Aggressive,
    "cautious": Cautious,
}


# ------------------------------------------------------------ gaming tactics (the adversarial audit, sim.analysis.audit)
# Each is a simple tactic a player might use to game the score, played on top of a built-in policy as
# "BASE+TACTIC" (for example "passive+fast_track").  They see only the status report, like every policy.

_CLOSED = (TaskStatus.DONE, TaskStatus.CUT)


def _status(r: StatusReport) -> bool:
    return r.reason == "status"


def _fast_track_all(r: StatusReport) -> list:
    """Fast-track every waiting work task whose unfinished predecessors are all work."""
    kinds = {t["id"]: t for t in r.tasks}
    out = []
    for t in r.tasks:
        pending = [kinds[p] for p in t["depends_on"] if kinds[p]["state"] not in _CLOSED]
        if t["kind"] == "work" and t["state"] == TaskStatus.WAITING and not t["fast_tracked"] and pending and all(p["kind"] == "work" for p in pending):
            out.append(d.FastTrack(task=t["id"]))
    return out


def _answer_with(pick: Callable[[list[dict]], dict]) -> Callable[[StatusReport], list]:
    return lambda r: [d.Choose(request=q["id"], option=pick(q["options"])["id"]) for q in r.requests]


def _day0(decisions: Callable[[StatusReport], list]) -> Callable[[StatusReport], list]:
    return lambda r: decisions(r) if r.stop == 0 else []


def _weekly(decisions: Callable[[StatusReport], list]) -> Callable[[StatusReport], list]:
    return lambda r: decisions(r) if _status(r) else []


TACTICS: dict[str, Callable[[StatusReport], list]] = {
    "fast_track": _fast_track_all,
    "request_time": _weekly(lambda r: [d.RequestTime(days=_SHIPPED["decisions"]["max_time_request"])]),
    "request_budget": _weekly(lambda r: [d.RequestBudget(amount=_SHIPPED["decisions"]["max_budget_request"] * r.original_budget)]),
    "max_reserve": _day0(lambda r: [d.SetReserve(amount=r.max_reserve)]),
    "first_option": _answer_with(lambda options: options[0]),
    "cheapest_option": _answer_with(lambda options: min(options, key=lambda o: o["cost"])),
    "hire_all": _day0(lambda r: [d.Hire(profile=m["id"]) for m in r.market for _ in range(m["available"])]),
    "cut_optional": _weekly(lambda r: [d.CutScope(task=t["id"]) for t in r.tasks if t["scope"] != "must" and t["state"] not in _CLOSED]),
    "max_quality": _day0(lambda r: [d.SetQuality(level=_SHIPPED["decisions"]["max_effort_share"])]),
    "max_communication": _day0(lambda r: [d.SetCommunication(level=_SHIPPED["decisions"]["max_effort_share"])]),
    "overtime_50": _day0(lambda r: [d.SetOvertime(level=0.5)]),
    "release_all": _weekly(lambda r: [d.Release(person=p["id"]) for p in r.team if p["status"] != "left"]),
    # others a player might think of
    "no_effort": _day0(lambda r: [d.SetCommunication(level=0.0), d.SetQuality(level=0.0)]),
    "release_idle": _weekly(lambda r: [d.Release(person=p["id"]) for p in r.team if p["status"] == "idle"]),
    "ask_everything": lambda r: (_day0(lambda r: [d.SetReserve(amount=r.max_reserve)])(r) + _fast_track_all(r)
                                 + _weekly(lambda r: [d.RequestTime(days=_SHIPPED["decisions"]["max_time_request"]),
                                                      d.RequestBudget(amount=_SHIPPED["decisions"]["max_budget_request"] * r.original_budget)])(r)),
}
"""Every gaming tactic of the audit: the twelve of issue 12, then others (no effort on communication and quality,
releasing anyone idle at once, and every request and overlap together)."""


class Gaming:
    """A built-in policy with a gaming tactic on top: the policy's decisions, then the tactic's, which win (a setting
    the tactic makes comes last; the policy's answer to a request the tactic answers is dropped).  A tactic may ask
    for what is refused (a reserve above the sponsor's limit, a hire nobody is left for): run it with strict=False."""

    def __init__(self, base: str, tactic: str):
        self.base, self.tactic, self.play = POLICIES[base](), tactic, TACTICS[tactic]

    def __call__(self, r: StatusReport) -> list:
        mine = self.play(r)
        answered = {x.request for x in mine if isinstance(x, d.Choose)}
        return [x for x in self.base(r) if not (isinstance(x, d.Choose) and x.request in answered)] + mine


def make_policy(name: str) -> Policy:
    """A fresh instance of the named built-in policy, or of "BASE+TACTIC" (a gaming tactic on a built-in policy)."""
    base, _, tactic = name.partition("+")
    if base not in POLICIES or (tactic and tactic not in TACTICS):
        raise ValueError(f"unknown policy {name!r} (expected one of: {', '.join(POLICIES)}; or BASE+TACTIC with a tactic of: "
                         f"{', '.join(TACTICS)})")
    return Gaming(base, tactic) if tactic else POLICIES[base]()

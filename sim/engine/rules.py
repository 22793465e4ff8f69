"""The model's rules, one small pure function each, named as docs/MODEL.md names them.

Every function takes plain numbers (the state and the parameters the equation names) and returns a number or a
flag; none reads or changes a project.  The engine (``project.py``, ``effects.py``) calls them.  The
per-person lines of the working day are inlined there for speed, in the same arithmetic, so they give the same
numbers to the bit; ``tests/test_engine_rules.py`` runs both forms over many generated states and requires them
to agree exactly.  Each function has a unit test against MODEL.md's worked example, named ``test_<function>``.

The order of the arithmetic in each function is part of the model: floating-point results depend on it, and
every recorded run (``tests/data/regression.json``) with them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from .rng import poisson

# ------------------------------------------------------------ a person's output


def communication_overhead(n: int, coefficient: float, maximum: float) -> float:
    """O(n) = min(max_overhead, coefficient · (n − 1)²): the share of time lost to talking among n people at work."""
    return min(maximum, coefficient * max(0, n - 1) ** 2)


def nominal_time_share(nominal_communication: float, nominal_quality: float, overhead: float) -> float:
    """k_0 = 1 − c_0 − q_0 − O(n_0): the share of time left for work by the starting team at nominal efforts."""
    return 1 - nominal_communication - nominal_quality - overhead


def productive_share(overhead: float, communication: float, quality: float, k0: float) -> float:
    """share = max(0, 1 − O(n) − c − q) / k_0: the time left for the work, 1 for the starting team at nominal efforts."""
    return max(0.0, 1 - overhead - communication - quality) / k0


def hours_factor(h: float, hourly_loss: float) -> float:
    """H(h) = (1 + h)(1 − λh): more hours at overtime h, each a little less productive."""
    return (1 + h) * (1 - hourly_loss * h)


def capacity(availability: float, proficiency: float, floor: float, nominal_proficiency: float) -> float:
    """a · S(p), with S(p) = (φ + (1 − φ)p) / (φ + (1 − φ)p_0): output per day relative to what the estimates assume."""
    return availability * (floor + (1 - floor) * proficiency) / (floor + (1 - floor) * nominal_proficiency)


def morale_factor(morale: float, nominal_morale: float, weight: float) -> float:
    """1 + w_m (m − m_0): output rises with morale above nominal and falls below it."""
    return 1 + weight * (morale - nominal_morale)


def fatigue_factor(fatigue: float, fatigue_productivity: float) -> float:
    """1 − f_p F: output lost to fatigue."""
    return 1 - fatigue_productivity * fatigue


def ramp_up_factor(days_in: float, ramp_days: float, start: float) -> float:
    """R of a new hire: from ``start`` on the first day linearly to 1 after ``ramp_days``."""
    return start + (1 - start) * (days_in / ramp_days)


def mentoring_load(ramping: int, experienced: int, share: float, maximum: float) -> float:
    """The share of each experienced person's time spent mentoring: min(max_mentoring, share × ramping / experienced).

    Their R is 1 minus this; with nobody experienced at work there is no mentoring.
    """
    return min(maximum, share * ramping / experienced) if experienced else 0.0


def person_output(capacity: float, morale_factor: float, fatigue_factor: float, hours: float, share: float, ramp: float) -> float:
    """out_i = a_i · S(p) · (1 + w_m(m − m_0)) · (1 − f_p F) · H(h) · share · R, never below 0 (person-days per day)."""
    rate = capacity * morale_factor * fatigue_factor * hours * share * ramp
    return 0.0 if rate < 0.0 else rate


# ------------------------------------------------------------ overtime, fatigue, morale, pay


def overtime_debt(debt: float, h: float, recovery: float) -> float:
    """D after one day of dD/dt = h − rD, solved exactly: h/r + (D − h/r) e^(−r)."""
    target = h / recovery
    return target + (debt - target) * math.exp(-recovery)


def fatigue_from_debt(debt: float, reference: float, exponent: float) -> float:
    """F = min(1, (D / D_ref)^κ)."""
    f = (debt / reference) ** exponent
    return f if f < 1.0 else 1.0


def morale_drift(morale: float, fatigue: float, start: float, fatigue_morale: float, recovery: float) -> float:
    """Tomorrow's morale: m − f_m F + r (m_start − m), kept within [0, 1]."""
    m = morale - fatigue_morale * fatigue + recovery * (start - morale)
    return 0.0 if m < 0.0 else 1.0 if m > 1.0 else m


def daily_pay(rate: float, availability: float, h: float, premium: float) -> float:
    """A person's labour cost for a day: rate · a · (1 + h (1 + premium)); idle and sick days are paid too."""
    return rate * availability * (1 + h * (1 + premium))


# ------------------------------------------------------------ absence and attrition


def sick_spell(draw: float) -> float:
    """A sick spell's whole number of days, max(1, round(X)), from an exponential draw X."""
    return max(1.0, round(draw))


def resignation_threshold(u: float) -> float:
    """The accumulated hazard at which a person resigns: Exp(1) drawn by inverse transform, −ln(1 − u)."""
    return -math.log(1.0 - u)


def threshold_beyond(hazard: float, u: float) -> float:
    """A fresh threshold for someone who has not resigned at accumulated ``hazard``: hazard − ln(1 − u).

    The Exp(1) threshold is memoryless, so given that it exceeds ``hazard`` it is ``hazard`` plus a new Exp(1) draw.
    """
    return hazard + resignation_threshold(u)


def resignation_hazard(morale: float, fatigue: float, base: float, morale_hazard: float, fatigue_hazard: float,
                       nominal_morale: float) -> float:
    """η = base · (1 + morale_hazard · max(0, m_0 − m)) · (1 + fatigue_hazard · F): one day's hazard of resigning."""
    low = nominal_morale - morale
    return base * (1 + morale_hazard * (low if low > 0.0 else 0.0)) * (1 + fatigue_hazard * fatigue)


# ------------------------------------------------------------ defects and rework


def skill_defect_factor(proficiency: float, skill_defects: float, nominal_proficiency: float, minimum: float) -> float:
    """max(min_skill_factor, 1 + skill_defects · (p_0 − p)): the less skilled, the more defects."""
    factor = 1 + skill_defects * (nominal_proficiency - proficiency)
    return factor if factor > minimum else minimum


def new_hire_defects(days_in: float, ramp_days: float, multiplier: float) -> float:
    """N = 1 + defect_multiplier × the share of the ramp-up still to go (1 for experienced people)."""
    return 1.0 + multiplier * (1 - days_in / ramp_days)


def person_defects(output: float, skill_factor: float, fatigue: float, fatigue_defects: float, new_hire: float) -> float:
    """A person's day of defects per unit of the team-wide rate: out_i · skill factor · (1 + fatigue_defects · F) · N."""
    return output * skill_factor * (1 + fatigue_defects * fatigue) * new_hire


def defect_rate(defects_per_day: float, pressure: float, pressure_defects: float, quality: float, nominal_quality: float,
                effort_effect: float, communication: float, nominal_communication: float, misunderstanding: float) -> float:
    """The team-wide part of δ: defects_per_day · (1 + pressure_defects · max(0, P − 1)) · exp(−effort_effect · (q − q_0))
    · (1 + misunderstanding · max(0, c_0 − c) / c_0)."""
    return (
        defects_per_day
        * (1 + pressure_defects * max(0.0, pressure - 1))
        * math.exp(-effort_effect * (quality - nominal_quality))
        * (1 + misunderstanding * max(0.0, nominal_communication - communication) / nominal_communication)
    )


def injected_defects(person_defects: float, rate: float, used: float, output: float) -> float:
    """Latent defects added to a task in a day: Σ person defects · δ-rate, for the share of the output the task used."""
    return person_defects * rate * used / output


def detected(latent: float, detection: float) -> float:
    """The defects a test finds in a task it covers: latent · D."""
    return latent * detection


def rework_effort(found: float, rework_days: float) -> float:
    """Person-days to fix defects found in test: found × rework_days."""
    return found * rework_days


def may_overlap(successor_kind: str, predecessor_kind: str) -> bool:
    """Fast-tracking overlaps work with work only: never a delivery (procurement), a test's object or a cutover."""
    return successor_kind == "work" and predecessor_kind == "work"


def overlap_ready(done_share: float, threshold: float) -> bool:
    """A fast-tracked task may start once each overlapped predecessor has done ``threshold`` of its work."""
    return done_share >= threshold


def fast_track_rework(effort: float, share: float, overlap: float) -> float:
    """Rework of a fast-tracked task when an overlapped predecessor finishes: fast_track_rework × overlap × its effort.

    ``overlap`` is the share of the predecessor's work still to do when the successor started.
    """
    return share * overlap * effort


def schedule_pressure(planned_duration: float, earned_schedule: float, deadline_day: float, now: float, maximum: float) -> float:
    """P = min(max_pressure, max(0, PD − ES) / max(1, deadline − now)): planned days of work left per day left."""
    return min(maximum, max(0.0, planned_duration - earned_schedule) / max(1.0, deadline_day - now))


def incidents(u: float, escaped: float, incidents_per_defect: float) -> int:
    """Incidents after go-live: Poisson(incidents_per_defect · escaped) from one uniform."""
    return poisson(u, escaped * incidents_per_defect)


# ------------------------------------------------------------ risks and cutovers


def strike_time(start: float, end: float, u: float) -> float:
    """When a risk strikes in its window, start + u (end − start); a whole day moves to the middle of that day."""
    t = start + u * (end - start)
    return t if t % 1 else t + 0.5


def task_strike_time(task_start: float, start: float, end: float, u: float) -> float:
    """When a risk about a task strikes: its window counted from the task's start, task_start + strike_time(start, end, u)."""
    return task_start + strike_time(start, end, u)


def mitigated(value: float, factors: Iterable[float]) -> float:
    """A risk's probability (or impact) after responses: value · Π factors, the factors multiplied first."""
    f = 1.0
    for x in factors:
        f *= x
    return value * f


def strikes(u_occur: float, probability: float) -> bool:
    """A risk strikes if its drawn u_occur is below its probability after mitigation."""
    return u_occur < probability


def warning_visibility(communication: float, nominal_communication: float, visibility: float) -> float:
    """The chance an early warning is seen: min(1, warning_visibility · c / c_0)."""
    return min(1.0, visibility * communication / nominal_communication)


def loses_person(u_pick: float, factor: float) -> bool:
    """A ``lose_person`` impact scaled by ``factor`` takes someone if u_pick < factor (always at a factor of 1 or more)."""
    return not (u_pick >= factor and factor < 1)


def cutover_succeeds(u: float, success_probability: float) -> bool:
    """A cutover attempt succeeds if its draw is below the task's success probability."""
    return u < success_probability


# ------------------------------------------------------------ stakeholders


def transparency(weeks: float, gain: float, driver: float, communication: float, nominal_communication: float) -> float:
    """The satisfaction change at a status meeting: gain · weeks · w_comm · (c − c_0) / c_0."""
    return weeks * gain * driver * (communication - nominal_communication) / nominal_communication


def go_live_outcome(on_time: bool, on_budget: bool, scope: float) -> float:
    """o: the mean of on time, on budget and the share of business value delivered."""
    return (float(on_time) + float(on_budget) + scope) / 3


def satisfaction(current: float, delta: float) -> float:
    """A stakeholder's satisfaction after a change, kept within [0, 1]."""
    return min(1.0, max(0.0, current + delta))


def refusal_probability(requests_made: int, sponsor_satisfaction: float, base: float, per_request: float,
                        dissatisfaction: float) -> float:
    """The chance the sponsor refuses a request: min(1, base + per_request · requests made + dissatisfaction · (1 − s))."""
    return min(1.0, base + per_request * requests_made + dissatisfaction * (1 - sponsor_satisfaction))


def refused(u: float, probability: float) -> bool:
    """The sponsor refuses a request if its drawn u is below the refusal probability."""
    return u < probability


def impact_money(impacts: Iterable[Mapping], estimates: Mapping[str, float], burn: float, rate: float, delay_value: float,
                 defect_days: float, replacement_days: float, morale_days: float, morale_loss: float) -> float:
    """A PM's money value of a risk's impacts (the register's, as dicts): a day of delay at delay_value of the daily burn,
    extra effort and scope at the mean rate on the task's estimate, money as it is, a defect at defect_days of the
    rate, a lost person at replacement_days of it, and morale at morale_loss of the burn for morale_days per unit.
    Impacts on the budget, the deadline, satisfaction or the plan have no money value here."""
    total = 0.0
    for i in impacts:
        kind = i["type"]
        if kind == "delay":
            total += delay_value * i["days"] * burn
        elif kind == "extra_effort":
            total += sum(estimates[t] * i["share"] * rate for t in i["tasks"] if t in estimates)
        elif kind == "cost":
            total += i["amount"]
        elif kind == "defects":
            total += i["count"] * defect_days * rate
        elif kind == "lose_person":
            total += replacement_days * rate
        elif kind == "scope_change":
            total += max(0.0, estimates.get(i["task"], 0.0) * i["share"] * rate)
        elif kind == "morale":
            total += abs(i["delta"]) * morale_days * burn * morale_loss
    return total


def justified_reserve(reserve: float, exposures: Iterable[float]) -> float:
    """The most management reserve the sponsor agrees to: the scenario's, or the register's expected loss Σ p·L if more."""
    return max(reserve, sum(exposures))


def reserve_penalty(new_reserve: float, old_reserve: float, max_budget_request: float, bac: float, request_penalty: float) -> float:
    """The sponsor's satisfaction change for a reserve moved before the start: −request_penalty · ΔR / (max_budget_request · BAC)."""
    return -request_penalty * ((new_reserve - old_reserve) / (max_budget_request * bac))


# ------------------------------------------------------------ money and the sponsor's patience


def hiring_fee(fee: float | None, fee_share: float, daily_rate: float) -> float:
    """A hire's one-off fee: the profile's own, or hiring_fee_share days of its daily rate."""
    return fee if fee is not None else fee_share * daily_rate


def backfill_rate(highest_rate: float, premium: float) -> float:
    """The PMO backfill contractor's daily rate for a skill no market profile offers: the highest rate for it × (1 + premium)."""
    return highest_rate * (1 + premium)


def abandon_day(max_duration_factor: float, deadline_day: float) -> float:
    """The working day on which the sponsor stops a project still running: max_duration_factor × the deadline (at least 1)."""
    return max_duration_factor * max(1.0, deadline_day)

"""Earned value management (PMI PMBOK) and earned schedule (Lipke, 2003): the one set of formulas.

The status report, the daily timeline of the results and the tests all use these functions.  Each takes plain
floats, as the status report does at every stop, or numpy arrays, as the timeline does for every day at once;
either way every element goes through the same arithmetic, so the timeline shows to the bit what the reports
showed.  The plan lookups (``planned_progress``, ``earned_schedule``, ``value_share``) run their scalar algorithm
element by element on an array; the formulas on top of them are plain arithmetic, which numpy applies per element.

One edge rule, for every index: an index whose base is 0 (SPI before anything is planned, CPI before anything is
spent, SPI(t) at time 0, TCPI when the budget is used up exactly) is 1.0, "on plan": there is no deviation yet to
report.  A forecast divides by an index; at an index of 0 it is infinite (the work would never finish at that
pace), unless a floor applies: the status report divides by no less than ``decisions.forecast_index_floor``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

Number = TypeVar("Number", float, np.ndarray)

EAC_FORMULAS = {
    "cpi": "EAC = AC + (BAC - EV) / CPI (typical: today's cost efficiency continues)",
    "atypical": "EAC = AC + (BAC - EV) (atypical: the rest goes to plan)",
    "composite": "EAC = AC + (BAC - EV) / (CPI x SPI) (cost and schedule both weigh on the rest)",
}
DEFAULT_EAC = "cpi"


def planned_progress(plan: Sequence[float], day):
    """PV_w: the planned share of the work complete by working day ``day`` (``plan`` holds it at the end of each day)."""
    if isinstance(day, np.ndarray):
        return np.array([planned_progress(plan, float(d)) for d in day])
    if day <= 0:
        return 0.0
    return plan[min(int(day) - 1, len(plan) - 1)]


def earned_schedule(plan: Sequence[float], progress):
    """Lipke's ES = C + (EV_w - PV_w,C) / (PV_w,C+1 - PV_w,C), C the last day whose planned share is at most EV_w.

    ``plan`` is the planned share complete at the end of each day, never falling (the baseline's ``progress``).
    """
    if isinstance(progress, np.ndarray):
        return np.array([earned_schedule(plan, float(x)) for x in progress])
    c = bisect.bisect_right(plan, progress)  # days whose planned share is at most ``progress``
    if c >= len(plan):
        return float(len(plan))
    before = plan[c - 1] if c else 0.0
    return c + ((progress - before) / (plan[c] - before) if plan[c] > before else 0.0)


def value_share(cost_plan: Sequence[float], day):
    """PV%: the time-phased budget (planned cumulative spend at the end of each day) at ``day``, as a share of its
    total; fractions of a day interpolate.  PV = BAC x PV%(AT) and EV = BAC x PV%(ES)."""
    if isinstance(day, np.ndarray):
        return np.array([value_share(cost_plan, float(d)) for d in day])
    if not cost_plan or day <= 0 or cost_plan[-1] <= 0:
        return 0.0
    if day >= len(cost_plan):
        return 1.0
    i = int(day)
    before = cost_plan[i - 1] if i else 0.0
    return (before + (cost_plan[i] - before) * (day - i)) / cost_plan[-1]


def index(value: Number, base: Number) -> Number:
    """value / base, and 1.0 (on plan) where the base is 0: SPI = EV/PV, CPI = EV/AC, SPI(t) = ES/AT, TCPI."""
    if isinstance(base, np.ndarray):
        zero = base == 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(zero, 1.0, value / np.where(zero, 1.0, base))
    return value / base if base else 1.0


def _over(value: Number, divisor: Number) -> Number:
    """value / divisor, and infinite where the divisor is 0."""
    if isinstance(divisor, np.ndarray):
        zero = divisor == 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(zero, np.inf, value / np.where(zero, 1.0, divisor))
    return value / divisor if divisor else math.inf


def _at_least(x: Number, floor: float) -> Number:
    return np.maximum(x, floor) if isinstance(x, np.ndarray) else max(x, floor)


def forecast_finish(actual_time: Number, planned_duration: float, es: Number, floor: float = 0.0) -> Number:
    """The earned-schedule forecast: AT + (PD - ES) / max(SPI(t), floor), with SPI(t) = ES / AT."""
    return actual_time + _over(planned_duration - es, _at_least(index(es, actual_time), floor))


def estimate_at_completion(actual_cost: Number, bac: Number, ev: Number, efficiency: Number, floor: float = 0.0) -> Number:
    """EAC = AC + (BAC - EV) / max(efficiency, floor): efficiency CPI (typical), 1 (atypical) or CPI x SPI (composite)."""
    return actual_cost + _over(bac - ev, _at_least(efficiency, floor))


def work_cost(actual_cost: Number, one_off: Number) -> Number:
    """The actual cost the cost indices judge: AC less the one-off costs that are not work (risk responses bought,
    hiring fees paid).

    A response is risk treatment paid from the management reserve, and a hiring fee the price of a person joining,
    not work that cost more than planned: counted as work, buying the prudent responses or making a hire in planning
    read as CPI 0 and an EAC of ten times the budget before a day's work (CPI = EV / AC with EV = 0).  They stay in
    AC, the money spent, and are added to the EAC as spent."""
    return actual_cost - one_off


def earned_value(bac: Number, planned_share: Number, earned_share: Number, actual_cost: Number,
                 one_off: Number) -> dict[str, Number]:
    """PV, EV, AC, SV, CV, SPI, CPI, TCPI, the three EACs, ETC and VAC, without a floor; ``one_off`` (responses and
    hiring fees, part of ``actual_cost``) is outside CV, CPI and TCPI and added to each EAC as spent (``work_cost``)."""
    pv, ev, ac = bac * planned_share, bac * earned_share, actual_cost
    work = work_cost(ac, one_off)
    spi, cpi = index(ev, pv), index(ev, work)
    eac = {"cpi": estimate_at_completion(work, bac, ev, cpi) + one_off,
           "atypical": estimate_at_completion(work, bac, ev, 1.0) + one_off,
           "composite": estimate_at_completion(work, bac, ev, cpi * spi) + one_off}
    return {
        "pv": pv, "ev": ev, "ac": ac, "sv": ev - pv, "cv": ev - work, "spi": spi, "cpi": cpi, "tcpi": index(bac - ev, bac - work),
        "eac_cpi": eac["cpi"], "eac_atypical": eac["atypical"], "eac_composite": eac["composite"],
        "eac": eac[DEFAULT_EAC], "etc": eac[DEFAULT_EAC] - ac, "vac": bac - eac[DEFAULT_EAC],
    }

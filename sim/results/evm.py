"""Earned value management (PMI PMBOK) and earned schedule (Lipke, 2003), day by day.

All functions work on plain numbers or numpy arrays so the same code serves a
single status report, a timeline and hand-worked test cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EAC_FORMULAS = {
    "cpi": "EAC = BAC / CPI (typical: today's cost efficiency continues)",
    "atypical": "EAC = AC + (BAC - EV) (atypical: the rest goes to plan)",
    "composite": "EAC = AC + (BAC - EV) / (CPI x SPI) (cost and schedule both weigh on the rest)",
}
DEFAULT_EAC = "cpi"


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return np.where(np.asarray(b, dtype=float) == 0, np.nan, out)


def earned_value(bac, planned_share, earned_share, actual_cost) -> dict[str, np.ndarray]:
    """PV, EV, AC, SV, CV, SPI, CPI, TCPI, the three EACs, ETC and VAC."""
    bac = np.asarray(bac, dtype=float)
    pv = bac * np.asarray(planned_share, dtype=float)
    ev = bac * np.asarray(earned_share, dtype=float)
    ac = np.asarray(actual_cost, dtype=float)
    spi, cpi = _div(ev, pv), _div(ev, ac)
    eac = {
        "cpi": _div(bac, cpi),
        "atypical": ac + (bac - ev),
        "composite": ac + _div(bac - ev, cpi * spi),
    }
    return {
        "pv": pv, "ev": ev, "ac": ac, "sv": ev - pv, "cv": ev - ac, "spi": spi, "cpi": cpi,
        "tcpi": _div(bac - ev, bac - ac),
        "eac_cpi": eac["cpi"], "eac_atypical": eac["atypical"], "eac_composite": eac["composite"],
        "eac": eac[DEFAULT_EAC], "etc": eac[DEFAULT_EAC] - ac, "vac": bac - eac[DEFAULT_EAC],
    }


def earned_schedule(baseline_progress, earned_share) -> np.ndarray:
    """Lipke's ES = C + (EV - PV_C) / (PV_C+1 - PV_C), C the last day whose planned value is at most EV."""
    pv = np.maximum.accumulate(np.concatenate([[0.0], np.asarray(baseline_progress, dtype=float)]))
    ev = np.asarray(earned_share, dtype=float)
    c = np.clip(np.searchsorted(pv, ev, side="right") - 1, 0, len(pv) - 1)
    nxt = np.minimum(c + 1, len(pv) - 1)
    step = pv[nxt] - pv[c]
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(step > 0, (ev - pv[c]) / step, 0.0)
    return c + part


def forecast_finish(actual_time, planned_duration, es) -> np.ndarray:
    """Earned-schedule forecast: AT + (PD - ES) / SPI(t), with SPI(t) = ES / AT."""
    at = np.asarray(actual_time, dtype=float)
    spi_t = _div(es, at)
    return at + _div(planned_duration - np.asarray(es, dtype=float), spi_t)


def value_share(cost_plan, days) -> np.ndarray:
    """PV%: the time-phased budget (planned cumulative spend per day) at ``days``, as a share of its total."""
    plan = np.concatenate([[0.0], np.asarray(cost_plan, dtype=float)])
    share = plan / plan[-1] if plan[-1] > 0 else plan
    return np.interp(np.asarray(days, dtype=float), np.arange(len(plan), dtype=float), share)


def add_evm(timeline: pd.DataFrame, work_plan, cost_plan, planned_duration: float) -> pd.DataFrame:
    """The timeline with earned-value and earned-schedule columns added.

    ``work_plan`` is the baseline's planned share of work per day and ``cost_plan``
    its planned cumulative spend: PV = BAC x PV%(t), and EV = BAC x PV%(ES), the
    budgeted cost of the work performed, read off the plan at the earned schedule.
    """
    df = timeline.copy()
    df["es"] = earned_schedule(work_plan, df["progress"])
    df["pv_share"] = value_share(cost_plan, df["day"])
    df["ev_share"] = value_share(cost_plan, df["es"])
    for key, values in earned_value(df["budget"], df["pv_share"], df["ev_share"], df["cost"]).items():
        df[key] = values
    df["eac_method"] = EAC_FORMULAS[DEFAULT_EAC]
    df["spi_t"] = _div(df["es"], df["day"])
    df["forecast_finish_day"] = forecast_finish(df["day"], planned_duration, df["es"])
    return df

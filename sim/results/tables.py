"""A session's results as pandas DataFrames."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from sim.engine import Session, TimelineRow, evm


def _add_evm(df: pd.DataFrame, base) -> None:
    """Add the earned-value and earned-schedule columns: the status report's formulas (``sim.engine.evm``), day by day,
    without the report's floor on the indices."""
    day, progress, cost, budget, one_off = (df[c].to_numpy(dtype=float) for c in ("day", "progress", "cost", "budget",
                                                                                   "one_off_cost"))
    df["es"] = es = evm.earned_schedule(base.progress, progress)
    df["pv_share"] = pv_share = evm.value_share(base.cost, day)
    df["ev_share"] = ev_share = evm.value_share(base.cost, es)
    for key, values in evm.earned_value(budget, pv_share, ev_share, cost, one_off).items():
        df[key] = values
    df["eac_method"] = evm.EAC_FORMULAS[evm.DEFAULT_EAC]
    df["spi_t"] = evm.index(es, day)
    df["forecast_finish_day"] = evm.forecast_finish(day, base.duration, es)


class Results:
    """Tables of one session: a daily timeline, tasks, events and decisions."""

    def __init__(self, session: Session):
        self.session = session
        self.project = session.project

    @cached_property
    def timeline(self) -> pd.DataFrame:
        """One row per working day, at the end of the day, with earned value (PMBOK) and earned schedule (Lipke)."""
        df = pd.DataFrame(self.project.timeline, columns=list(TimelineRow._fields))
        cal = self.project.cal
        df.insert(1, "date", pd.to_datetime([cal.date(d - 1) for d in df["day"]]))
        _add_evm(df, self.project.world.baseline)
        df["forecast_finish_date"] = pd.to_datetime(pd.Series([cal.date(max(0.0, d - 1)) if np.isfinite(d) else pd.NaT
                                                               for d in df["forecast_finish_day"]], dtype=object))
        return df

    @cached_property
    def tasks(self) -> pd.DataFrame:
        """Each task, planned against actual."""
        base = self.project.world.baseline
        rows = []
        for t in self.project.tasks.values():
            rows.append({
                "id": t.id, "name": t.spec.name, "phase": t.spec.phase, "kind": t.kind, "scope": t.spec.scope,
                "state": t.state, "estimate": t.planned_effort, "actual_effort": t.effort, "rework": t.rework,
                "planned_start": base.start.get(t.id), "planned_finish": base.finish.get(t.id),
                "start": t.start, "finish": t.finish, "value": t.value, "defects_found_in": t.found,
                "latent_defects": t.latent, "fast_tracked": t.fast_tracked, "cutover_attempts": t.attempts,
                "depends_on": ",".join(p.id for p in t.deps),
            })
        df = pd.DataFrame(rows)
        df["effort_error"] = df["actual_effort"] / df["estimate"].where(df["estimate"] > 0) - 1
        df["finish_slip"] = df["finish"] - df["planned_finish"]
        return df

    @cached_property
    def events(self) -> pd.DataFrame:
        """Everything that happened, in order."""
        df = pd.DataFrame(self.project.events)
        if df.empty:
            df = pd.DataFrame(columns=["day", "kind", "ref", "text"])
        return df.sort_values("day", kind="stable").reset_index(drop=True)

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """The PM's decisions with simulated and wall-clock time."""
        rows = [
            {"stop": e["stop"], "day": e["day"], "wall_time": e["wall_time"], "type": e["decision"]["type"],
             "rationale": e["decision"].get("rationale", ""),
             "details": {k: v for k, v in e["decision"].items() if k not in ("type", "rationale")}}
            for e in self.session.decisions
        ]
        return pd.DataFrame(rows, columns=["stop", "day", "wall_time", "type", "rationale", "details"])

    def write(self, directory) -> list[str]:
        """Write the tables as CSV into ``directory``; returns the file names."""
        from pathlib import Path

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        names = []
        for name in ("timeline", "tasks", "events", "decisions"):
            getattr(self, name).to_csv(out / f"{name}.csv", index=False)
            names.append(f"{name}.csv")
        return names

"""Comparing a class: the collected cohort with its verified sessions replayed, as tables for a dashboard or a report.

Everything is computed from the replays of the kept, verified logs (never
from the files): the leaderboard, each student's decisions by week, how each
scripted event and each risk that hit was answered and what each answer led
to, the spread of the results, and Monte Carlo studies of ``reference`` and
``passive`` on the exercise's world for comparison.
"""

from __future__ import annotations

from concurrent.futures import Executor
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import Study, run_montecarlo
from sim.engine import LogError, Session, replay
from sim.engine.measures import PARTS
from sim.results import Results, store

from .collect import Collection, read_collection

KINDS = {"hire": "hired", "set_overtime": "overtime", "cut_scope": "cut scope", "buy_response": "bought responses"}
"""The decisions the timeline heat map shows, and their names there (overtime is the level used, the others counts)."""
MEASURES = {"score": "score (points)", **{f"score_{p}": f"{p} (points)" for p in PARTS}, "finish_day": "finish (working day)",
            "cost": "cost"}
MC_RUNS = 200
MC_DIR = "montecarlo"


class Cohort:
    """A collected class, ready to compare: ``Cohort(collection)`` or ``Cohort.read(folder)``."""

    def __init__(self, collection: Collection):
        self.collection = collection
        self.exercise = collection.exercise
        self.world = self.exercise.world()
        self.table = collection.cohort
        self.rows: dict[str, dict[str, Any]] = {str(r["student"]): {str(k): v for k, v in r.items()}
                                                for r in self.table.to_dict("records")}
        self.week = int(self.world.params.decisions.status_interval)
        self._mc: dict[tuple, pd.DataFrame] = {}

    @classmethod
    def read(cls, folder: str | Path) -> Cohort:
        return cls(read_collection(folder))

    # ------------------------------------------------------------ who

    @cached_property
    def verified(self) -> pd.DataFrame:
        """The verified students' rows, best score first (ties by student id)."""
        rows = self.table[self.table["status"] == "verified"].copy()
        return rows.sort_values(["score", "student"], ascending=[False, True], kind="stable").reset_index(drop=True)

    @property
    def students(self) -> list[str]:
        """Verified students, best first: the order of every per-student table."""
        return [str(s) for s in self.verified["student"]]

    def label(self, student: str) -> str:
        name = self.rows[student]["name"]
        return f"{name} ({student})" if isinstance(name, str) and name else student

    def stored(self, student: str) -> Path | None:
        """The collection's copy of the student's kept log (None if they have none)."""
        folder, stored = self.collection.folder, self.rows[student]["stored"]
        return folder / stored if folder is not None and isinstance(stored, str) and stored else None

    @cached_property
    def sessions(self) -> dict[str, Session]:
        """Each verified student's session, replayed from the stored copy of their kept log."""
        out = {}
        for student in self.students:
            path = self.stored(student)
            if path is None:
                raise LogError(f"{student}: the collection has no stored copy of the log (collect into a folder)")
            try:
                out[student] = replay(path, self.world)
            except (LogError, OSError) as exc:  # the stored copy was changed after collecting: say so, never guess
                raise LogError(f"{student}: the stored log cannot be replayed any more ({exc}); collect again") from None
        return out

    def results(self, student: str) -> Results:
        return Results(self.sessions[student])

    def lessons(self, student: str) -> str:
        """What the student wrote as lessons learned (user text: escape it when showing)."""
        path = self.stored(student)
        if path is None:
            return ""
        try:
            return str(store.read_notes(path).get("lessons", ""))
        except (store.NotesError, OSError):
            return ""

    # ------------------------------------------------------------ tables

    def leaderboard(self) -> pd.DataFrame:
        """Verified students ranked by score, with the score against reference and the headline outcome."""
        v = self.verified
        board = pd.DataFrame({
            "rank": v["score"].rank(ascending=False, method="min").astype(int), "student": v["student"],
            "name": v["name"].fillna(""), "team": v["team"].fillna(""), "score": v["score"], "grade": v["grade"],
            "vs_reference": v["vs_reference"], "finish_day": v["finish_day"], "on_time": v["on_time"].astype(bool),
            "cost": v["cost"], "on_budget": v["on_budget"].astype(bool), "scope": v["scope"],
            "decisions": v["decisions"].astype(int), "attempts": v["attempts"].astype(int),
        })
        return board.reset_index(drop=True)

    def decisions(self) -> pd.DataFrame:
        """Every verified student's decisions: when (day and week), what, and a label that groups like decisions."""
        rows = []
        for student, session in self.sessions.items():
            settings = dict(Session(self.world, session.seed).observe().settings)
            for e in session.decisions:
                d = e["decision"]
                rows.append({"student": student, "day": e["day"], "week": int(e["day"] // self.week), "type": d["type"],
                             "what": self.describe(d, settings), "rationale": d.get("rationale", "")})
                if d["type"].startswith("set_") and d["type"] != "set_reserve":
                    settings[d["type"][4:]] = d["level"]
        return pd.DataFrame(rows, columns=["student", "day", "week", "type", "what", "rationale"])

    def describe(self, d: dict, settings: dict) -> str:
        """A decision as people group it: the thing decided, without the exact level (raised or lowered)."""
        sc = self.world.scenario
        kind = d["type"]
        if kind == "hire":
            return f"hire: {next(p.title for p in sc.market if p.id == d['profile'])}"
        if kind == "release":
            return "release " + next((p.name for p in sc.team if p.id == d["person"]), "a new hire")
        if kind == "buy_response":
            risk = next(r for r in sc.risks if r.id == d["risk"])
            response = next(x for x in risk.responses if x.id == d["response"])
            return f"buy '{response.description}' against '{risk.title}'"
        if kind == "choose":
            title, options = self.request(d["request"])
            return f"{title}: {options.get(d['option'], d['option'])}"
        if kind in ("cut_scope", "restore_scope", "fast_track", "prioritise"):
            task = self.world.tasks.get(d["task"])
            verb = {"cut_scope": "cut", "restore_scope": "restore", "fast_track": "fast-track", "prioritise": "reprioritise"}[kind]
            return f"{verb} {task.name if task else d['task']}"
        if kind in ("set_overtime", "set_communication", "set_quality"):
            name = kind[4:]
            return f"{'raise' if d['level'] > settings.get(name, 0.0) else 'lower'} {name}"
        return {"set_reserve": "change the reserve", "request_budget": "ask the sponsor for money",
                "request_time": "ask the sponsor for time"}.get(kind, kind.replace("_", " "))

    def request(self, request: str) -> tuple[str, dict[str, str]]:
        """A request's title and its options' labels (a scripted event's, or a risk's responses)."""
        kind, _, ident = request.partition(":")
        sc = self.world.scenario
        if kind == "event":
            event = next(e for e in sc.events if e.id == ident)
            return event.title, {o.id: o.label for o in event.options}
        risk = next(r for r in sc.risks if r.id == ident)
        return risk.title, {"accept": "accept the impact", **{x.id: f"{x.strategy}: {x.description}" for x in risk.responses}}

    def activity(self) -> dict[str, pd.DataFrame]:
        """The timeline heat map's data: for each kind in KINDS, students (best first) by week.

        Hires, scope cuts and responses are counted per week; overtime is the week's mean overtime level.
        """
        weeks = int(max((s.project.now for s in self.sessions.values()), default=0) // self.week) + 1
        decisions = self.decisions()
        out = {}
        for kind, name in KINDS.items():
            grid = pd.DataFrame(0.0, index=pd.Index(self.students, name="student"), columns=range(weeks))
            if kind == "set_overtime":
                for student in self.students:
                    t = self.results(student).timeline
                    level = t.groupby(((t["day"] - 1) // self.week).astype(int))["overtime"].mean()
                    grid.loc[student, level.index] = level.to_numpy()
            else:
                mine = decisions[decisions["type"] == kind]
                for r in mine.groupby(["student", "week"]).size().reset_index(name="n").to_dict("records"):
                    grid.loc[r["student"], r["week"]] = r["n"]
            out[name] = grid
        return out

    def answers(self) -> pd.DataFrame:
        """Each scripted event and risk that hit, per verified student: the answer, decided or by default, and
        the student's outcome."""
        rows = []
        for student, session in self.sessions.items():
            events = Results(session).events
            decided = {e["decision"]["request"]: e["decision"]["option"] for e in session.decisions if e["decision"]["type"] == "choose"}
            defaults = {r.ref: r.option for r in events[events["kind"] == "default"].itertuples()} if len(events) else {}
            raised = events[events["kind"].isin(["event", "risk"])] if len(events) else events
            outcome = self.verified.set_index("student").loc[student]
            for ref, kind, day in dict.fromkeys(zip(raised["ref"], raised["kind"], raised["day"], strict=True)):
                request = f"{kind}:{ref}"
                if request in decided:
                    option, how = decided[request], "decided"
                elif request in defaults:
                    option, how = defaults[request], "default"
                else:
                    option, how = "", "open at the end"
                title, labels = self.request(request)
                rows.append({"request": request, "kind": kind, "title": title, "student": student, "day": day,
                             "option": option, "answer": labels.get(option, option or "(none)"), "how": how,
                             "score": outcome["score"], "finish_day": outcome["finish_day"], "cost": outcome["cost"]})
        frame = pd.DataFrame(rows, columns=["request", "kind", "title", "student", "day", "option", "answer", "how",
                                            "score", "finish_day", "cost"])
        return frame.drop_duplicates(["request", "student"], keep="last").reset_index(drop=True)

    def answer_summary(self) -> pd.DataFrame:
        """Per event or risk and answer: how many chose it (how many by default) and their mean outcome."""
        a = self.answers()
        if a.empty:
            return pd.DataFrame(columns=["title", "kind", "answer", "students", "by_default", "mean_score", "mean_finish_day", "mean_cost"])
        out = a.groupby(["request", "title", "kind", "answer"], sort=False).agg(
            students=("student", "count"), by_default=("how", lambda h: int((h == "default").sum())),
            mean_score=("score", "mean"), mean_finish_day=("finish_day", "mean"), mean_cost=("cost", "mean")).reset_index()
        order = {r: i for i, r in enumerate(dict.fromkeys(a.sort_values("day")["request"]))}
        out["order"] = out["request"].map(order)
        out = out.sort_values(["order", "students"], ascending=[True, False]).drop(columns=["order", "request"])
        return out.reset_index(drop=True)

    def spread(self) -> pd.DataFrame:
        """How far apart the class ended on each measure: range, quartiles and standard deviation, widest first
        (the score and its parts, all on 0-100, ranked against each other; finish and cost listed after)."""
        v = self.verified
        rows = []
        for column, name in MEASURES.items():
            values = v[column].astype(float)
            if values.empty:
                continue
            rows.append({"measure": name, "column": column, "min": values.min(), "p25": values.quantile(0.25),
                         "median": values.median(), "p75": values.quantile(0.75), "max": values.max(),
                         "iqr": values.quantile(0.75) - values.quantile(0.25), "std": values.std(ddof=0)})
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        df["points"] = df["column"].str.startswith("score")
        return df.sort_values(["points", "std"], ascending=[False, False]).drop(columns="points").reset_index(drop=True)

    def compare(self, a: str, b: str) -> dict:
        """Two students side by side: their timelines, decisions and scorecards (and the reference's on the seed)."""
        decisions = self.decisions()
        return {
            "students": [a, b], "decisions": decisions[decisions["student"].isin([a, b])],
            "parts": {s: ({p: float(self.rows[s][f"score_{p}"]) for p in PARTS}, float(self.rows[s]["score"])) for s in (a, b)},
            "timelines": {s: self.results(s).timeline for s in (a, b)},
        }

    # ------------------------------------------------------------ the yardsticks

    def montecarlo(self, policy: str, runs: int = MC_RUNS, seed: int = 0, executor: Executor | None = None) -> pd.DataFrame:
        """A Monte Carlo study of ``policy`` on the exercise's world; kept in the collection folder for next time."""
        key = (policy, runs, seed)
        if key in self._mc:
            return self._mc[key]
        folder = self.collection.folder
        cache = folder / MC_DIR / f"{policy}-{runs}-{seed}-{self.exercise.sha256[:12]}.csv" if folder else None
        runs_df = None
        if cache is not None and cache.is_file():
            try:
                runs_df = pd.read_csv(cache)
            except (OSError, ValueError):
                runs_df = None
        if runs_df is None or len(runs_df) != runs:
            runs_df = run_montecarlo(Study(self.exercise.source, self.world.difficulty, policy), runs, seed, executor=executor)
            if cache is not None:
                try:
                    cache.parent.mkdir(exist_ok=True)
                    store.write_text(cache, runs_df.to_csv(index=False))
                except OSError:
                    pass  # a read-only collection: computed again next time
        self._mc[key] = runs_df
        return runs_df

    def against(self, runs: int = MC_RUNS, seed: int = 0, executor: Executor | None = None) -> pd.DataFrame:
        """The class against the yardsticks: median and P10-P90 of score, finish and cost, and the on-time-and-budget
        rate, for the class (verified), reference and passive (Monte Carlo on other seeds)."""
        rows = []
        groups = {"class": self.verified, **{p: self.montecarlo(p, runs, seed, executor) for p in ("reference", "passive")}}
        for name, df in groups.items():
            if df.empty:
                continue
            row = {"who": name, "n": len(df)}
            for column in ("score", "finish_day", "cost"):
                values = df[column].astype(float)
                row.update({f"{column}_p10": values.quantile(0.1), f"{column}_p50": values.median(), f"{column}_p90": values.quantile(0.9)})
            row["success"] = float((df["on_time"].astype(bool) & df["on_budget"].astype(bool) & ~df["abandoned"].astype(bool)).mean())
            rows.append(row)
        return pd.DataFrame(rows)


def quartile_groups(values: pd.Series) -> tuple[pd.Index, pd.Index]:
    """The top quarter of ``values`` (at least one) and the rest, by index."""
    n = max(1, int(np.ceil(len(values) / 4)))
    ordered = values.sort_values(ascending=False, kind="stable")
    return ordered.index[:n], ordered.index[n:]

"""The class debrief: one self-contained HTML page, with talking points drawn from the class's own data.

Every verified student's debrief is built as in the trainee app (counterfactual
replays on the same seed, duty ratings for the ten PM duties), in worker
processes; the talking points say where the spread was widest, which common
decision cost the most (measured by replaying each student's run without it),
what the best students did differently, and how the duties were rated.  Every
text a user wrote (names, rationales, lessons, file names) is escaped.
"""

from __future__ import annotations

import html
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine import replay
from sim.engine.measures import PARTS
from sim.engine.world import Source
from sim.results import store
from sim.results.debrief import DUTIES, Debrief, make_debrief
from sim.results.report import render, section, table_html

from . import charts
from .cohort import MC_RUNS, Cohort, quartile_groups
from .collect import Collection

COMMON_SHARE = 0.2  # a decision is common when at least this share of the verified students made it (and two)
SHOW_LESSONS = 12
RATINGS = ("good", "fair", "poor")


def student_debrief(path: str, source: Source, difficulty: str) -> Debrief:
    """One student's debrief (run in a worker): the stored log replayed in the exercise's world, with its notes."""
    session = replay(path, source.world(difficulty))
    try:
        lessons = str(store.read_notes(path).get("lessons", ""))
    except store.NotesError:
        lessons = ""
    return make_debrief(session, lessons=lessons)


def debriefs(cohort: Cohort, executor: Executor | None = None) -> dict[str, Debrief]:
    """Every verified student's debrief, best student first; in ``executor``'s workers if given."""
    source, difficulty = cohort.exercise.source, cohort.exercise.difficulty
    paths = {s: str(cohort.stored(s)) for s in cohort.students}  # a verified student always has a stored copy
    if executor is None:
        return {s: student_debrief(p, source, difficulty) for s, p in paths.items()}
    futures = {s: executor.submit(student_debrief, p, source, difficulty) for s, p in paths.items()}
    return {s: f.result() for s, f in futures.items()}


# ------------------------------------------------------------ the analyses behind the talking points


def decision_effects(cohort: Cohort, found: dict[str, Debrief]) -> pd.DataFrame:
    """Per kind of decision (grouped as people name them): how many students made it, how often, and its mean effect
    on score, finish and cost against a replay of the same run without it (same seed)."""
    named = cohort.decisions()
    rows = []
    for student, debrief in found.items():
        mine = named[named["student"] == student].reset_index(drop=True)
        effects = debrief.decisions.reset_index(drop=True)
        for i in range(min(len(mine), len(effects))):
            rows.append({"student": student, "what": mine.loc[i, "what"], "score_effect": effects.loc[i, "score_effect"],
                         "finish_effect": effects.loc[i, "finish_effect"], "cost_effect": effects.loc[i, "cost_effect"]})
    df = pd.DataFrame(rows, columns=["student", "what", "score_effect", "finish_effect", "cost_effect"])
    if df.empty:
        return pd.DataFrame(columns=["what", "students", "times", "score_effect", "finish_effect", "cost_effect"])
    out = df.groupby("what").agg(students=("student", "nunique"), times=("student", "size"), score_effect=("score_effect", "mean"),
                                 finish_effect=("finish_effect", "mean"), cost_effect=("cost_effect", "mean")).reset_index()
    return out.sort_values(["score_effect", "what"]).reset_index(drop=True)


def features(cohort: Cohort) -> pd.DataFrame:
    """What each verified student did, as numbers a class can compare (one row per student)."""
    decisions = cohort.decisions()
    answers = cohort.answers()
    rows = []
    for student in cohort.students:
        mine = decisions[decisions["student"] == student]
        t = cohort.results(student).timeline
        asked = answers[answers["student"] == student]
        hires = mine[mine["type"] == "hire"]
        rows.append({
            "student": student, "decisions": len(mine), "responses": int((mine["type"] == "buy_response").sum()),
            "responses_before_start": int(((mine["type"] == "buy_response") & (mine["day"] == 0)).sum()),
            "hires": len(hires), "first_hire_week": float(hires["week"].min()) if len(hires) else np.nan,
            "overtime_days": float((t["overtime"] > 0).mean() * 100) if len(t) else 0.0,
            "communication": float(t["communication"].mean() * 100) if len(t) else 0.0,
            "quality": float(t["quality"].mean() * 100) if len(t) else 0.0,
            "scope_cuts": int((mine["type"] == "cut_scope").sum()),
            "defaults": int((asked["how"] == "default").sum()), "rationales": int((mine["rationale"] != "").sum()),
        })
    return pd.DataFrame(rows).set_index("student")


FEATURE_WORDS = {
    "responses": ("bought {top:.1f} risk responses", "{rest:.1f}"),
    "responses_before_start": ("bought {top:.1f} responses before the start", "{rest:.1f}"),
    "hires": ("hired {top:.1f} people", "{rest:.1f}"),
    "first_hire_week": ("made their first hire in week {top:.0f}", "week {rest:.0f}"),
    "overtime_days": ("worked overtime on {top:.0f}% of days", "{rest:.0f}%"),
    "communication": ("spent {top:.0f}% of time communicating", "{rest:.0f}%"),
    "quality": ("spent {top:.0f}% of time on quality", "{rest:.0f}%"),
    "scope_cuts": ("cut scope {top:.1f} times", "{rest:.1f}"),
    "defaults": ("left {top:.1f} requests to their default", "{rest:.1f}"),
    "decisions": ("made {top:.0f} decisions", "{rest:.0f}"),
    "rationales": ("wrote a reason for {top:.0f} decisions", "{rest:.0f}"),
}


def differences(cohort: Cohort, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The best quarter of the class (by score) against the rest: each feature's means and standardised difference,
    largest first."""
    table = features(cohort) if table is None else table
    scores = cohort.verified.set_index("student")["score"]
    top, rest = quartile_groups(scores)
    rows = []
    for column in table.columns:
        a, b = table.loc[top, column].dropna(), table.loc[rest, column].dropna()
        if a.empty or b.empty:
            continue
        spread = table[column].std(ddof=0)
        d = (a.mean() - b.mean()) / spread if spread > 0 else 0.0
        rows.append({"feature": column, "top": a.mean(), "rest": b.mean(), "difference": d})
    df = pd.DataFrame(rows, columns=["feature", "top", "rest", "difference"])
    return df.reindex(df["difference"].abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)


def duty_table(found: dict[str, Debrief]) -> pd.DataFrame:
    """Per PM duty: how many students were rated good, fair and poor (rows in the duties' order)."""
    names = [name for _, name in DUTIES]
    counts = pd.DataFrame(0, index=pd.Index(names, name="duty"), columns=list(RATINGS))
    for debrief in found.values():
        for duty in debrief.duties:
            counts.loc[duty["duty"], duty["rating"]] += 1
    return counts


def not_counted(cohort: pd.DataFrame, logs: pd.DataFrame) -> str:
    """The talking point on what the class's numbers leave out ("" if nothing): students by status, and the files
    that name no student at all (an unreadable file outside any student's folder counts for nobody)."""
    counts = cohort["status"].value_counts()
    issues = [f"{s} {int(counts[s])}" for s in ("tampered", "foreign", "unfinished", "outdated", "unreadable", "missing")
              if counts.get(s, 0)]
    nameless = int(((logs["handed_in_by"].fillna("") == "") & (logs["participant"].fillna("") == "")).sum())
    if nameless:
        issues.append(f"{nameless} file{'s' if nameless > 1 else ''} naming no student")
    return f"Not in these numbers: {', '.join(issues)} (see the end)." if issues else ""


@dataclass
class ClassDebrief:
    """Everything the class report shows, computed once."""

    cohort: Cohort
    debriefs: dict[str, Debrief]
    effects: pd.DataFrame
    differences: pd.DataFrame
    duties: pd.DataFrame
    against: pd.DataFrame
    studies: dict[str, pd.DataFrame]

    def talking_points(self) -> list[str]:
        """Plain sentences drawn from the data, for the instructor to open the discussion with."""
        c = self.cohort
        v = c.verified
        n = len(v)
        left_out = [line for line in (not_counted(c.table, c.collection.logs),) if line]
        if not n:
            return ["No verified session yet: nothing to compare.", *left_out]
        points = []
        parts = c.spread()
        parts = parts[parts["column"].str.startswith("score_")]
        if len(parts):
            wide, narrow = parts.iloc[0], parts.iloc[-1]
            points.append(f"The spread was widest in {wide['measure'].split(' (')[0]}: scores from {wide['min']:.0f} to "
                          f"{wide['max']:.0f} points, the middle half between {wide['p25']:.0f} and {wide['p75']:.0f}. "
                          f"The class was most alike in {narrow['measure'].split(' (')[0]} "
                          f"({narrow['min']:.0f}-{narrow['max']:.0f}).")
        currency = c.world.scenario.budget.currency
        points.append(f"Finish days ranged from {v['finish_day'].min():.0f} to {v['finish_day'].max():.0f} (deadline day "
                      f"{v['deadline_day'].iloc[0]:.0f}); cost from {v['cost'].min():,.0f} to {v['cost'].max():,.0f} {currency}; "
                      f"{int(v['on_time'].astype(bool).sum())} of {n} finished on time and "
                      f"{int(v['on_budget'].astype(bool).sum())} on budget.")
        beat = int((v["vs_reference"] > 0).sum())
        points.append(f"{beat} of {n} students beat the reference PM facing the same luck; the median student was "
                      f"{v['vs_reference'].median():+.1f} points against it.")
        common = self.effects[self.effects["students"] >= max(2, int(np.ceil(COMMON_SHARE * n)))]
        costly = common[common["score_effect"] < 0]
        if len(costly):
            worst = costly.iloc[0]
            points.append(f"The common decision that cost the most: '{worst['what']}' ({int(worst['students'])} students). "
                          f"Replaying each of their runs without it, on the same seed, it cost {-worst['score_effect']:.1f} "
                          f"points on average ({worst['finish_effect']:+.1f} working days, {worst['cost_effect']:+,.0f} {currency}).")
        helpful = common[common["score_effect"] > 0]
        if len(helpful):
            best = helpful.iloc[-1]
            points.append(f"The common decision that paid the most: '{best['what']}' ({int(best['students'])} students), "
                          f"{best['score_effect']:+.1f} points on average against the same run without it.")
        shown = [r for r in self.differences.to_dict("records")
                 if r["feature"] in FEATURE_WORDS and abs(r["difference"]) >= 0.3][:3]
        if shown and n >= 4:
            top, _ = quartile_groups(v.set_index("student")["score"])
            said = "; ".join(FEATURE_WORDS[r["feature"]][0].format(top=r["top"]) + " (the rest " +
                             FEATURE_WORDS[r["feature"]][1].format(rest=r["rest"]) + ")" for r in shown)
            points.append(f"What the best {len(top)} did differently: they {said}.")
        if not self.duties.empty:
            poor, good = self.duties["poor"], self.duties["good"]
            points.append(f"Duty ratings: '{poor.idxmax()}' was rated poor for {int(poor.max())} of {n} students, "
                          f"the weakest duty; '{good.idxmax()}' was rated good for {int(good.max())}.")
        return points + left_out


def analyse(collection: Collection, executor: Executor | None = None, runs: int = MC_RUNS) -> ClassDebrief:
    """Replay, debrief and compare every verified student; Monte Carlo of the yardsticks for the outcome chart."""
    cohort = Cohort(collection)
    found = debriefs(cohort, executor) if cohort.students else {}
    studies = {p: cohort.montecarlo(p, runs, executor=executor) for p in ("reference", "passive")}
    return ClassDebrief(cohort, found, decision_effects(cohort, found), differences(cohort) if found else pd.DataFrame(
        columns=["feature", "top", "rest", "difference"]), duty_table(found), cohort.against(runs, executor=executor), studies)


def _esc(text) -> str:
    return html.escape(str(text))


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"


def answers_html(summary: pd.DataFrame) -> str:
    """The answers table, one small table per event or risk (titles are the author's text: escaped)."""
    out = []
    for (title, kind), group in summary.groupby(["title", "kind"], sort=False):
        table = group.drop(columns=["title", "kind"]).rename(columns={"by_default": "by default", "mean_score": "mean score",
                                                                      "mean_finish_day": "mean finish day", "mean_cost": "mean cost"})
        out.append(f"<h3>{_esc(title)} <small>({_esc(kind)})</small></h3>" + table_html(table, "{:,.1f}"))
    return "".join(out) or "<p>No scripted event or risk needed an answer.</p>"


def render_report(d: ClassDebrief) -> str:
    """The HTML page of a class debrief."""
    c = d.cohort
    ex, world = c.exercise, c.world
    currency = world.scenario.budget.currency
    v = c.verified
    labels = {s: c.label(s) for s in c.students}
    sections = [section("Talking points", _list(d.talking_points()))]
    if len(v):
        board = c.leaderboard()
        board["on_time"] = board["on_time"].map({True: "yes", False: "no"})
        board["on_budget"] = board["on_budget"].map({True: "yes", False: "no"})
        sections += [
            section("Outcomes against the yardsticks",
                    "<p>The class (verified sessions) against Monte Carlo studies of the reference PM and of doing nothing "
                    "on the same scenario and difficulty, on other seeds.</p>"
                    + table_html(d.against.assign(success=[f"{x:.0%}" for x in d.against["success"]]), "{:,.1f}"),
                    [charts.outcomes(v, d.studies, world.calendar.deadline_day,
                                     world.scenario.budget.budget_at_completion + world.scenario.budget.management_reserve, currency)]),
            section("Leaderboard", table_html(board, "{:,.1f}")),
            section("Where the class spread", table_html(c.spread().drop(columns="column"), "{:,.1f}"),
                    [charts.spread(v, list(PARTS))]),
            section("Decisions over time", "<p>Rows are students, best first; columns are weeks.</p>",
                    [charts.decision_heat(c.activity(), labels)]),
            section("What decisions did", "<p>Each kind of decision, how many students made it and how often, and its mean "
                    "effect: each run replayed without that one decision on the same seed (positive score effect: it helped).</p>"
                    + table_html(d.effects, "{:,.2f}")),
            section("How events and risks were answered", "<p>Each scripted event and each risk that hit, every answer the "
                    "class gave (by default: left to the default), and the mean outcome of the students who gave it.</p>"
                    + answers_html(c.answer_summary())),
            section("What the best quarter did differently", table_html(d.differences, "{:,.2f}")),
            section("Duty ratings", table_html(d.duties.reset_index()), [charts.duty_ratings(d.duties)]),
        ]
        lessons = pd.DataFrame([{"student": labels[s], "lessons learned": c.lessons(s)} for s in c.students])
        lessons = lessons[lessons["lessons learned"].str.strip() != ""].head(SHOW_LESSONS)
        if len(lessons):
            sections.append(section("Lessons the students wrote", f"<p>The first {len(lessons)}, best students first.</p>"
                                    + table_html(lessons)))
    others = c.table[c.table["status"] != "verified"][["student", "name", "status", "attempts", "reason", "source"]]
    sections.append(section("Not verified", table_html(others.fillna("")) if len(others) else "<p>Every student's log was verified.</p>"))
    logs = c.collection.logs
    sections.append(section("Every log found", "<p>" + _esc(", ".join(f"{k} {n}" for k, n in logs["status"].value_counts().items()))
                            + "</p>" + table_html(logs[["source", "participant", "status", "reason"]].fillna(""))))
    meta = (f"exercise {ex.id} · {world.scenario.title} · {ex.difficulty} · {len(c.table)} students, {len(v)} verified")
    return render(f"Class debrief: {ex.title}", meta, sections)


def class_report(collection: Collection, workers: int = 2, runs: int = MC_RUNS) -> str:
    """The class debrief of a collection as a self-contained HTML page (counterfactuals on ``workers`` processes)."""
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            return render_report(analyse(collection, pool, runs))
    return render_report(analyse(collection, None, runs))



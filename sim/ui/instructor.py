"""The instructor's dashboard of a collected class, for JupyterLab and Voilà (notebooks/02_instructor.ipynb).

Tabs: the class against the yardsticks (Monte Carlo of ``reference`` and
``passive``), the leaderboard, the decision timeline heat map, how each event
and risk was answered and what each answer led to, any two students side by
side, and the logs that were not verified.  The numbers come from
``sim.classroom.Cohort`` (replays, never the files); every name and text a
user wrote is escaped.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import ipywidgets as w

from sim.classroom import CollectError, collect
from sim.classroom.charts import decision_heat, outcomes, side_by_side, spread
from sim.classroom.cohort import Cohort
from sim.classroom.demo import simulated_class
from sim.engine.measures import PARTS
from sim.results.charts import score_parts

from .parts import image
from .text import CSS, esc, frame, money, pct, table

DASHBOARD_RUNS = 100  # Monte Carlo runs of each yardstick (kept in the collection folder after the first time)
TABS = ("Overview", "Leaderboard", "Decisions", "Events & risks", "Compare two", "Not verified")


def open_class(folder: str | Path | None = None) -> Cohort:
    """The collected class in ``folder`` (written by ``itpm-sim class collect``); with None, a simulated class of 30,
    made afresh in a temporary folder (removed when the cohort is), to explore the dashboard with."""
    if folder is not None:
        try:
            return Cohort.read(folder)
        except CollectError as exc:
            raise ClassFolderError(str(exc)) from None
    made = tempfile.TemporaryDirectory(prefix="itpm-demo-class-")
    exercise, hand_ins = simulated_class(made.name, students=30)
    return DemoCohort(collect(exercise, [hand_ins], Path(made.name) / "collected"), made)


class ClassFolderError(ValueError):
    """``open_class`` was given a folder that is not a collection; shown in a notebook as its one-line message."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return [f"Cannot open the class: {self}"]


class DemoCohort(Cohort):
    """The simulated class, with the temporary folder its logs are replayed from (removed with the cohort)."""

    def __init__(self, collection, folder: tempfile.TemporaryDirectory):
        super().__init__(collection)
        self.demo_folder = folder


def summary(cohort: Cohort) -> str:
    """One paragraph on the class: who handed in what, and how the verified ones did."""
    t = cohort.table
    ex = cohort.exercise
    counts = t["status"].value_counts()
    states = ", ".join(f"{n} {s}" for s, n in counts.items())
    v = cohort.verified
    text = f"{ex.title} ({ex.id}, {cohort.world.scenario.id}, {ex.difficulty}): {len(t)} students; {states}."
    if len(v):
        text += (f" Verified scores from {v['score'].min():.1f} to {v['score'].max():.1f} (median {v['score'].median():.1f});"
                 f" {int((v['vs_reference'] > 0).sum())} beat the reference PM on the same seed;"
                 f" {int(v['on_time'].astype(bool).sum())} finished on time, {int(v['on_budget'].astype(bool).sum())} on budget.")
    return text


class InstructorDashboard:
    """The dashboard's widgets; ``widget`` is what a notebook shows."""

    def __init__(self, cohort: Cohort, runs: int = DASHBOARD_RUNS):
        self.cohort = cohort
        world = cohort.world
        self.currency = world.scenario.budget.currency
        self.budget = world.scenario.budget.budget_at_completion + world.scenario.budget.management_reserve
        self.labels = {s: cohort.label(s) for s in cohort.students}
        self.head = w.HTML(f'<div class="itpm-stage">Class dashboard: {esc(cohort.exercise.title)}</div>'
                           f'<div class="itpm-note itpm-class-summary">{esc(summary(cohort))}</div>')
        pages = [self._overview(runs), self._leaderboard(), self._decisions(), self._answers(), self._compare(),
                 self._unverified()]
        self.tabs = w.Tab(children=pages, titles=list(TABS))
        self.widget = w.VBox([w.HTML(CSS), self.head, self.tabs], layout=w.Layout(width="100%"))
        self.widget.add_class("itpm-app")
        self.widget.add_class("itpm-instructor")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------ tabs

    def _overview(self, runs: int) -> w.Widget:
        c = self.cohort
        if c.verified.empty:
            return w.HTML("<p>No verified session yet.</p>")
        studies = {p: c.montecarlo(p, runs) for p in ("reference", "passive")}
        chart = image()
        chart.value = outcomes(c.verified, studies, c.world.calendar.deadline_day, self.budget, self.currency)
        chart.add_class("itpm-chart-outcomes")
        against = c.against(runs)

        def cost(r: dict, k: str) -> str:
            return money(r[f"cost_{k}"], self.currency, compact=True)

        rows = [[r["who"], r["n"], f"{r['score_p50']:.1f} ({r['score_p10']:.0f}–{r['score_p90']:.0f})",
                 f"{r['finish_day_p50']:.0f} ({r['finish_day_p10']:.0f}–{r['finish_day_p90']:.0f})",
                 f"{cost(r, 'p50')} ({cost(r, 'p10')}–{cost(r, 'p90')})", pct(r["success"])] for r in against.to_dict("records")]
        parts = image()
        parts.value = spread(c.verified, list(PARTS))
        return w.VBox([
            w.HTML('<div class="itpm-note">The class (verified sessions) against Monte Carlo studies of the reference PM '
                   f"and of doing nothing ({runs} runs each, other seeds). Median and P10–P90.</div>"
                   + table(["who", "n", "score", "finish (working day)", "cost", "on time and budget"], rows)),
            chart, parts])

    def _leaderboard(self) -> w.Widget:
        if not self.cohort.students:
            return w.HTML("<p>No verified session yet.</p>")
        board = self.cohort.leaderboard()
        board["on_time"] = board["on_time"].map({True: "✔", False: "✘"})
        board["on_budget"] = board["on_budget"].map({True: "✔", False: "✘"})
        board["scope"] = [pct(x) for x in board["scope"]]
        board["cost"] = [money(x, self.currency) for x in board["cost"]]
        titles = {"vs_reference": "Score minus the reference PM's on the same seed (same luck): above 0 beat it.",
                  "attempts": "Sessions the student played in this exercise; the kept one is shown."}
        return w.HTML(f'<div class="itpm-scroll itpm-leaderboard">{frame(board, titles)}</div>')

    def _decisions(self) -> w.Widget:
        if not self.cohort.students:
            return w.HTML("<p>No verified session yet.</p>")
        heat = image()
        heat.value = decision_heat(self.cohort.activity(), self.labels)
        heat.add_class("itpm-chart-heat")
        return w.VBox([w.HTML('<div class="itpm-note">Students best first (top), by week: hires, overtime level, scope '
                              "cuts and risk responses bought. Darker is more.</div>"), heat])

    def _answers(self) -> w.Widget:
        summary = self.cohort.answer_summary()
        blocks = []
        for (title, kind), group in summary.groupby(["title", "kind"], sort=False):
            rows = [[r["answer"], r["students"], r["by_default"], f"{r['mean_score']:.1f}", f"{r['mean_finish_day']:.0f}",
                     money(r["mean_cost"], self.currency)] for r in group.to_dict("records")]
            blocks.append(f"<b>{esc(title)}</b> <span class='itpm-note'>({esc(kind)})</span>"
                          + table(["answer", "students", "by default", "mean score", "mean finish day", "mean cost"], rows))
        return w.HTML('<div class="itpm-note">Each scripted event and each risk that hit: how the class answered (or left '
                      "it to its default), and the mean outcome of those who answered so.</div>"
                      + ("".join(blocks) or "<p>No event or risk needed an answer.</p>"))

    def _compare(self) -> w.Widget:
        options = [(self.labels[s], s) for s in self.cohort.students]
        self.a = w.Dropdown(options=options, description="Student A", tooltip="The first student to compare.", layout=w.Layout(width="45%"))
        self.b = w.Dropdown(options=options, description="Student B", tooltip="The second student to compare.", layout=w.Layout(width="45%"))
        if len(options) > 1:
            self.b.value = options[-1][1]  # the best and the last, to start with
        self.compared = w.HTML()
        self.timelines = image()
        self.timelines.add_class("itpm-chart-compare")
        self.parts = image()
        for box in (self.a, self.b):
            box.observe(lambda _: self.compare(), "value")
        if options:
            self.compare()
        return w.VBox([w.HBox([self.a, self.b]), self.timelines, self.parts, self.compared])

    def compare(self) -> None:
        """Draw students A and B side by side (called when either changes)."""
        c, a, b = self.cohort, self.a.value, self.b.value
        both = c.compare(a, b)
        world = c.world
        self.timelines.value = side_by_side({self.labels[s]: both["timelines"][s] for s in (a, b)}, world.baseline.progress,
                                            world.scenario.budget.budget_at_completion, self.currency)
        v = c.verified.set_index("student")
        cards = {self.labels[s]: both["parts"][s] for s in (a, b)}
        reference = float(v.loc[a, "reference_score"])
        self.parts.value = score_parts(cards)
        rows = [[label, f"{v.loc[s, 'score']:.1f} ({v.loc[s, 'grade']})", f"{v.loc[s, 'vs_reference']:+.1f}",
                 f"day {v.loc[s, 'finish_day']:.0f}", money(v.loc[s, "cost"], self.currency), int(v.loc[s, "decisions"])]
                for label, s in ((self.labels[a], a), (self.labels[b], b))]
        decisions = both["decisions"]
        columns = []
        for s in (a, b):
            mine = decisions[decisions["student"] == s]
            items = "".join(f"<tr><td>{int(r.week)}</td><td>{esc(r.what)}</td><td>{esc(r.rationale)}</td></tr>"
                            for r in mine.itertuples())
            columns.append(f'<div style="flex:1 1 45%;min-width:320px"><b>{esc(self.labels[s])}</b>'
                           f'<div class="itpm-scroll"><table class="itpm-table"><thead><tr><th>week</th><th>decision</th>'
                           f"<th>reason</th></tr></thead><tbody>{items}</tbody></table></div></div>")
        self.compared.value = (table(["student", "score", "vs reference", "finished", "cost", "decisions"], rows)
                               + f'<div class="itpm-note">The reference PM on their seed scored {reference:.1f}.</div>'
                               + f'<div style="display:flex;gap:12px;flex-wrap:wrap">{"".join(columns)}</div>')

    def _unverified(self) -> w.Widget:
        t = self.cohort.table
        others = t[t["status"] != "verified"]
        rows = [[r["student"], r["name"] if isinstance(r["name"], str) else "", r["status"], int(r["attempts"]),
                 r["reason"] if isinstance(r["reason"], str) else ""] for r in others.to_dict("records")]
        logs = self.cohort.collection.logs
        counts = ", ".join(f"{n} {s}" for s, n in logs["status"].value_counts().items()) or "no logs"
        body = table(["student", "name", "status", "attempts", "reason"], rows) if rows else "<p>Every student's log was verified.</p>"
        return w.HTML(f'<div class="itpm-note">Logs found: {esc(counts)}.</div>{body}')


def dashboard(folder: str | Path | Cohort | None = None, runs: int = DASHBOARD_RUNS) -> InstructorDashboard:
    """The dashboard of a collected class (a folder, a Cohort, or None for the simulated demo class)."""
    cohort = folder if isinstance(folder, Cohort) else open_class(folder)
    return InstructorDashboard(cohort, runs)

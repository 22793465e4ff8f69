"""Stage 4, close: the close-out, the trainee's lessons learned, the debrief, and the HTML report."""

from __future__ import annotations

import base64
import datetime as dt

import ipywidgets as w

from sim.engine import TaskStatus, outcome
from sim.results import charts, store

from .parts import View, button, heading, image, message_bar
from .text import day_text, esc, markdown, money, pct, table

LESSONS_PROMPT = ("What went well? What would you do differently, and when would you have to decide it? "
                  "Which signals did you see (or miss)? What should the next PM of this kind of project know?")


HANDED_IN_TO_PANEL = "Your session is handed in to the panel. Thank you: the panel will go through it with you."
REVEALED = {
    "none": "Your session is handed in. Your instructor will go through the results with the class.",
    "outcome": "Your session is handed in. Here is how your project ended and your scorecard; your instructor will "
               "go through the rest with the class.",
}


class CloseView(View):
    """Close out, write the lessons learned (saved as you type), read the debrief and export the report.

    In an exercise, only what it reveals is shown (the model computes nothing more): nothing but the lessons,
    the outcome and scorecard, or everything.
    """

    def __init__(self, model):
        super().__init__(model)
        self.outcome = w.HTML()
        self.closure = w.HTML()
        self.lessons = w.Textarea(placeholder=LESSONS_PROMPT, rows=8, layout=w.Layout(width="98%"),
                                  tooltip="Saved with your session as you type.")
        w.link((model, "lessons"), (self.lessons, "value"))
        self.saved_to = w.HTML()
        self.scores = w.HTML()
        self.score_chart = image()
        self.explained = w.HTML()
        self.details = w.HTML()
        self.more = w.Accordion(children=[self.details], titles=["Details: every decision, risk and estimate"],
                                selected_index=None)
        self.export = button("Export the HTML report", "Write a self-contained report of the project and its debrief.", "primary")
        self.export.on_click(lambda _: self._export())
        self.download = w.HTML()
        self._charted = None
        reveal = model.reveal
        lessons = [w.HTML("<b>Lessons learned</b> (for the next team; kept with your session)"), self.lessons, self.saved_to]
        closure = [self.outcome, w.HTML("<b>Close-out: the closure tasks</b>"), self.closure]
        if reveal == "full":
            parts = [*closure, *lessons, w.HTML("<b>Debrief</b>"), self.scores, self.score_chart, self.explained, self.more,
                     w.HBox([self.export]), self.download]
        else:
            panel = getattr(getattr(model, "exercise", None), "kind", "") == "panel"
            said = HANDED_IN_TO_PANEL if panel and reveal == "none" else REVEALED[reveal]
            note = w.HTML(f'<div class="itpm-note itpm-handed-in">{esc(said)}</div>')
            parts = [note, *(closure + [self.scores, self.score_chart] if reveal == "outcome" else []), *lessons]
        self.widget = w.VBox([
            heading("4 · Close the project", "Close out, capture the lessons while they are fresh, then read the debrief."
                    if reveal == "full" else "Capture the lessons while they are fresh."),
            *parts,
            message_bar(self),
        ])
        self._saved_note()
        if reveal != "none":
            self._summary()
        if reveal == "full":
            self.watch(self._debrief, ["debrief"])
            self._debrief()
        elif reveal == "outcome":
            self._own_score()

    def _summary(self) -> None:
        model = self.model
        session = model.session
        result = outcome(session.project)
        cur = model.report.currency
        finish = dt.date.fromisoformat(result["finish_date"])  # as recorded in the log, the debrief and the reports
        self.outcome.value = table(["", "result", "target"], [
            ["finished", "abandoned by the sponsor" if result["abandoned"] else day_text(finish),
             f"original deadline {day_text(model.date(max(0.0, result['deadline_day'] - 1)))}"
             + (f" (approved {day_text(model.report.deadline)})" if result["approved_deadline_day"] != result["deadline_day"] else "")
             + (" ✔" if result["on_time"] else " ✘")],
            ["cost", money(result["cost"], cur), f"original budget + reserve {money(result['budget'] + result['reserve'], cur)}"
             + (f" (approved budget {money(result['approved_budget'], cur)})" if result["approved_budget"] != result["budget"] else "")
             + (" ✔" if result["on_budget"] else " ✘")],
            ["scope delivered", pct(result["scope"]), "100% of planned value"],
            ["incidents after go-live", result["incidents"], "as few as possible"],
            ["stakeholder satisfaction", pct(result["satisfaction"]), "content stakeholders"],
            ["resignations", result["resignations"], "none"],
        ])
        last = model.world.scenario.tasks[-1].phase
        tasks = model.report.tasks
        rows = [[t["name"], t["state"], day_text(model.date_at(t["finish"])) if t["finish"] is not None else ""]
                for t in tasks if t["phase"] == last]
        done, cut = (sum(t["state"] == state for t in tasks) for state in (TaskStatus.DONE, TaskStatus.CUT))
        open_ = len(tasks) - done - cut
        self.closure.value = (f"<p>{done} tasks done, {cut} cut"
                              + (f", <b>{open_} never finished</b>" if open_ else ", none left open") + ".</p>"
                              + table([f"{last} task", "state", "finished"], rows))

    def _saved_note(self) -> None:
        log = self.model.session.log_path
        if log is None:
            self.saved_to.value = ""
        elif getattr(self.model, "exercise", None) is not None:  # a served exercise: the server's folders stay unnamed
            self.saved_to.value = '<div class="itpm-note">Saved with your session as you type.</div>'
        else:
            self.saved_to.value = f'<div class="itpm-note">Saved as you type in {esc(store.notes_path(log))}.</div>'

    def _own_score(self) -> None:
        card = self.model.scorecard
        self.scores.value = f"<p>Your score: <b>{card.total:.1f} ({card.grade})</b>.</p>"
        self.score_chart.value = charts.score_parts({"you": (card.parts, card.total)})

    def _debrief(self, _=None) -> None:
        d = self.model.debrief
        if d is None:
            self.scores.value = '<div class="itpm-note">Preparing your debrief…</div>'
            self.export.disabled = True
            return
        you, ref = d.scorecard, d.reference
        self.scores.value = (f"<p>Your score: <b>{you.total:.1f} ({you.grade})</b>; the reference PM on the same world "
                             f"(same scenario, difficulty and seed, so the same luck): <b>{ref.total:.1f} ({ref.grade})</b>.</p>")
        if you is not self._charted:  # new lessons give a new debrief with the same scores: keep the chart
            self.score_chart.value = charts.scorecards(you.parts, ref.parts, (you.total, ref.total))
            self._charted = you
        narrative = d.to_markdown().split("\n", 2)[2]  # without its title
        self.explained.value = f'<div class="itpm-md">{markdown(narrative)}</div>'
        self.details.value = self._tables(d)
        self.export.disabled = False

    def _tables(self, d) -> str:
        """The debrief's tables in full, with units."""
        date, cur = self.model.date_at, d.currency  # dated as the decision log and the news date them
        effect = "Your run minus a re-run on the same seed without it (see 'compared with')."
        decisions = table(
            ["date", "decision", "your reason", "finish (working days)", f"cost ({cur})", "score (points)", "compared with"],
            [[day_text(date(x.day)) if x.day else "before the start", x.summary, x.rationale, f"{x.finish_effect:+.1f}", f"{x.cost_effect:+,.0f}",
              f"{x.score_effect:+.1f}", x.compared] for x in d.decisions.itertuples()],
            {"finish (working days)": effect, f"cost ({cur})": effect, "score (points)": effect})
        hit = "Your run minus a run in which this risk never struck."
        risks = table(
            ["risk", "hit", "date", "warning seen", "responses bought", f"cost ({cur})", "finish (working days)", "score (points)"],
            [[x.title, "yes" if x.hit else "no", day_text(date(x.day)) if x.hit else "", "yes" if x.warned else "no",
              x.responses, f"{x.cost_impact:+,.0f}" if x.hit else "", f"{x.finish_impact:+.1f}" if x.hit else "",
              f"{x.score_impact:+.1f}" if x.hit else ""] for x in d.risks.itertuples()],
            {f"cost ({cur})": hit, "finish (working days)": hit, "score (points)": hit})
        estimates = table(
            ["task", "phase", "PERT estimate (person-days)", "actual (person-days)", "rework (person-days)", "error"],
            [[x.name, x.phase, f"{x.estimate:.1f}", f"{x.actual_effort:.1f}", f"{x.rework:.1f}", f"{x.error:+.0%}"]
             for x in d.estimates.itertuples()],
            {"error": "Actual effort against the PERT estimate (rework not included)."})
        return (f"<b>Every decision</b>{decisions}<b>Every risk in the register</b>{risks}"
                f"<b>Every estimate</b>{estimates}")

    def _export(self) -> None:
        path = self.model.export_report()
        if path is None:
            return
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        self.download.value = (f'<a download="{esc(path.name)}" href="data:text/html;base64,{data}">⬇ Download '
                               f'{esc(path.name)}</a> <span class="itpm-note">(also saved at {esc(path)})</span>')

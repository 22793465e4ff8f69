"""Stage 4, close: the close-out, the trainee's lessons learned, the debrief, and the HTML report."""

from __future__ import annotations

import base64

import ipywidgets as w

from sim.engine import outcome

from . import charts, store
from .parts import View, button, heading, message_bar
from .text import day_text, esc, frame, money, pct, table

LESSONS_PROMPT = ("What went well? What would you do differently, and when would you have to decide it? "
                  "Which signals did you see (or miss)? What should the next PM of this kind of project know?")


class CloseView(View):
    """Close out, write the lessons learned (saved as you type), read the debrief and export the report."""

    def __init__(self, model):
        super().__init__(model)
        self.outcome = w.HTML()
        self.closure = w.HTML()
        self.lessons = w.Textarea(placeholder=LESSONS_PROMPT, rows=8, layout=w.Layout(width="98%"),
                                  tooltip="Saved with your session as you type.")
        w.link((model, "lessons"), (self.lessons, "value"))
        self.saved_to = w.HTML()
        self.scores = w.HTML()
        self.score_chart = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.explained = w.HTML()
        self.export = button("Export the HTML report", "Write a self-contained report of the project and its debrief.", "primary")
        self.export.on_click(lambda _: self._export())
        self.download = w.HTML()
        self.widget = w.VBox([
            heading("4 · Close the project", "Close out, capture the lessons while they are fresh, then read the debrief."),
            self.outcome,
            w.HTML("<b>Close-out: the closure tasks</b>"), self.closure,
            w.HTML("<b>Lessons learned</b> (for the next team; kept with your session)"), self.lessons, self.saved_to,
            w.HTML("<b>Debrief</b>"), self.scores, self.score_chart, self.explained,
            w.HBox([self.export]), self.download,
            message_bar(self),
        ])
        self.watch(self._debrief, ["debrief"])
        self._summary()
        self._debrief()

    def _summary(self) -> None:
        model = self.model
        session = model.session
        result = outcome(session.project)
        cur = model.report.currency
        finish = model.date(max(0.0, result["finish_day"] - 1))
        self.outcome.value = table(["", "result", "target"], [
            ["finished", "abandoned by the sponsor" if result["abandoned"] else day_text(finish),
             f"deadline {day_text(model.report.deadline)}" + (" ✔" if result["on_time"] else " ✘")],
            ["cost", money(result["cost"], cur), f"budget + reserve {money(result['budget'] + result['reserve'], cur)}"
             + (" ✔" if result["on_budget"] else " ✘")],
            ["scope delivered", pct(result["scope"]), "100% of planned value"],
            ["incidents after go-live", result["incidents"], "as few as possible"],
            ["stakeholder satisfaction", pct(result["satisfaction"]), "content stakeholders"],
            ["resignations", result["resignations"], "none"],
        ])
        last = model.world.scenario.tasks[-1].phase
        tasks = model.report.tasks
        rows = [[t["name"], t["state"], day_text(model.date(max(0.0, t["finish"] - 1))) if t["finish"] is not None else ""]
                for t in tasks if t["phase"] == last]
        counts = {s: sum(t["state"] == s for t in tasks) for s in ("done", "cut")}
        open_ = len(tasks) - counts["done"] - counts["cut"]
        self.closure.value = (f"<p>{counts['done']} tasks done, {counts['cut']} cut"
                              + (f", <b>{open_} never finished</b>" if open_ else ", none left open") + ".</p>"
                              + table([f"{last} task", "state", "finished"], rows))
        path = store.notes_path(session.log_path) if session.log_path else None
        self.saved_to.value = f'<div class="itpm-note">Saved as you type in {esc(path)}.</div>' if path else ""

    def _debrief(self, _=None) -> None:
        d = self.model.debrief
        if d is None:
            self.scores.value = '<div class="itpm-note">Preparing your debrief…</div>'
            self.export.disabled = True
            return
        you, ref = d.scorecard, d.reference
        rows = [[part, f"{you.weights[part]:g}", f"{you.parts[part]:.0f}", f"{ref.parts[part]:.0f}"] for part in you.parts]
        rows.append(["total (weighted)", "", f"{you.total:.1f} ({you.grade})", f"{ref.total:.1f} ({ref.grade})"])
        self.scores.value = ("<p>Your scorecard against the reference PM's on the same world (same scenario, difficulty "
                             "and seed): the difference comes from the decisions alone.</p>"
                             + table(["part", "weight", "you", "reference"], rows))
        self.score_chart.value = charts.scorecards(you.parts, ref.parts, (you.total, ref.total))
        duties = table(["duty", "rating", "evidence"], [[x["duty"], x["rating"], x["evidence"]] for x in d.duties])
        self.explained.value = (
            "<b>What your key decisions did</b> (each replayed without it, on the same luck)" + frame(d.decisions)
            + "<b>Feedback on each duty</b>" + duties
            + "<b>Risks: which hit and what they cost</b>" + frame(d.risks)
            + "<b>Estimates: how far they were off</b>" + frame(d.estimates))
        self.export.disabled = False

    def _export(self) -> None:
        path = self.model.export_report()
        if path is None:
            return
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        self.download.value = (f'<a download="{esc(path.name)}" href="data:text/html;base64,{data}">⬇ Download '
                               f'{esc(path.name)}</a> <span class="itpm-note">(also saved at {esc(path)})</span>')

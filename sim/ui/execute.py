"""Stage 3, execute: the dashboard, the week's news, decisions that are due, the decision panel, and the clock."""

from __future__ import annotations

import ipywidgets as w

from sim.results.words import describe_decision

from .dashboard import Dashboard
from .panel import DecisionPanel, RequestsView
from .parts import View, button, heading, message_bar
from .text import day_text, esc, table


class ExecuteView(View):
    """Week by week: read the status, decide, advance."""

    def __init__(self, model):
        super().__init__(model)
        self.dashboard = Dashboard(model)
        self.requests = RequestsView(model)
        self.panel = DecisionPanel(model)
        self.news = w.HTML()
        self.log = w.HTML()
        self.log.add_class("itpm-log")
        self.advance = button("Advance one week ▶", "Run to the next weekly status meeting, or earlier if an event or a "
                              "risk needs your decision.", "success", width="240px")
        self.advance.on_click(lambda _: self._advance())
        self.advance_below = button("Done deciding: advance one week ▶", "The same as the button at the top.", "success",
                                    width="100%")  # in JupyterLab the top bar scrolls away
        self.advance_below.on_click(lambda _: self._advance())
        self.message = message_bar(self)
        top = w.VBox([
            w.HBox([self.dashboard.headline, self.advance], layout=w.Layout(justify_content="space-between", align_items="center")),
            self.message,
        ])
        top.add_class("itpm-sticky")  # the week and the clock stay in sight while scrolling
        side = w.VBox([self.requests.widget, self.news, self.panel.widget, self.advance_below, self.log],
                      layout=w.Layout(flex="2 1 340px", min_width="320px", padding="0 0 0 8px", overflow="hidden"))
        side.add_class("itpm-side")  # its children fit its width (CSS): no horizontal scrollbar
        main = w.VBox([self.dashboard.widget], layout=w.Layout(flex="3 1 600px", min_width="480px"))
        self.widget = w.VBox([
            heading("3 · Run the project, week by week",
                    "Read the status, decide what you need to, then advance. Open requests not answered by their date "
                    "take their default."),
            top,
            w.HBox([main, side], layout=w.Layout(flex_flow="row wrap", align_items="flex-start", width="100%")),
        ])
        self.watch(self._news, ["report"])
        self._news()

    def close(self) -> None:
        for part in (self.dashboard, self.requests, self.panel):
            part.close()
        super().close()

    def _news(self, _=None) -> None:
        r = self.model.report
        items = "".join(f"<li>{esc(text)}</li>" for text in r.news)
        self.news.value = (f"<b>News since the last status point</b><ul>{items}</ul>" if items
                           else '<div class="itpm-note">No news since the last status point.</div>')
        self.advance.disabled = self.advance_below.disabled = r.done
        self._log()
        # Watched last, so sent after the dashboard, the requests and the panel: when it arrives, the screen is whole.
        self.dashboard.drawn.value = str(r.stop)

    def _log(self) -> None:
        """Every decision and request answer so far, newest first, with its date and reason."""
        model = self.model
        names, cur = model.names, model.report.currency
        rows = [[day_text(model.date_at(e["day"])) if e["day"] else "before the start",
                 describe_decision(e["decision"], names, cur), e["decision"].get("rationale", "")]
                for e in reversed(model.playing.decisions)]
        self.log.value = (f"<b>Your decisions so far ({len(rows)})</b>"
                          + (f'<div class="itpm-scroll" style="max-height:220px">{table(["date", "decision", "why"], rows)}</div>'
                             if rows else '<div class="itpm-note">None yet.</div>'))

    def _advance(self) -> None:
        self.advance.disabled = self.advance_below.disabled = True
        self.advance.description = "Running…"
        try:
            self.model.advance()
        finally:
            self.advance.description = "Advance one week ▶"
            self.advance.disabled = self.advance_below.disabled = self.model.report.done

"""Stage 3, execute: the dashboard, the week's news, decisions that are due, the decision panel, and the clock."""

from __future__ import annotations

import ipywidgets as w

from .dashboard import Dashboard
from .panel import DecisionPanel, RequestsView
from .parts import View, button, heading, message_bar
from .text import esc


class ExecuteView(View):
    """Week by week: read the status, decide, advance."""

    def __init__(self, model):
        super().__init__(model)
        self.dashboard = Dashboard(model)
        self.requests = RequestsView(model)
        self.panel = DecisionPanel(model)
        self.news = w.HTML()
        self.advance = button("Advance one week ▶", "Run to the next weekly status meeting, or earlier if an event or a "
                              "risk needs your decision.", "success", width="100%")
        self.advance.on_click(lambda _: self._advance())
        side = w.VBox([self.advance, message_bar(self), self.requests.widget, self.news, self.panel.widget],
                      layout=w.Layout(flex="1 1 380px", min_width="360px", padding="0 0 0 8px"))
        main = w.VBox([self.dashboard.widget], layout=w.Layout(flex="3 1 640px", min_width="560px"))
        self.widget = w.VBox([
            heading("3 · Run the project, week by week",
                    "Read the status, decide what you need to, then advance. Open requests not answered by their date "
                    "take their default."),
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
        self.advance.disabled = r.done

    def _advance(self) -> None:
        self.advance.disabled = True
        self.advance.description = "Running…"
        try:
            self.model.advance()
        finally:
            self.advance.description = "Advance one week ▶"
            self.advance.disabled = self.model.report.done

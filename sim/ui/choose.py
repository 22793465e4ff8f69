"""Stage 1, choose and read: the scenario, difficulty and seed, the briefing, and saved sessions to resume."""

from __future__ import annotations

import ipywidgets as w

from sim.schema import DIFFICULTIES

from .parts import View, button, heading, message_bar, set_options
from .text import day_text, frame, markdown, money, tip

DIFFICULTY_TIPS = {
    "easy": "More slack, fewer risks: learn the controls.",
    "standard": "A realistic project: tight but feasible.",
    "hard": "Little slack, more and bigger risks.",
}


class ChooseView(View):
    """Pick a world (or a saved session) and read its briefing."""

    def __init__(self, model):
        super().__init__(model)
        fixed = set(model.fixed)
        table = model.scenarios()
        options = [(row.title, sid) for sid, row in table.iterrows()]
        if model.scenario not in table.index:
            options.append((model.scenario, model.scenario))
        self.scenario = w.Dropdown(options=options, description="Scenario", tooltip="The IT project to run.", disabled="scenario" in fixed,
                                   layout=w.Layout(width="98%"))
        self.difficulty = w.ToggleButtons(options=list(DIFFICULTIES), description="Difficulty", tooltip="Deadline, budget, team and risks.",
                                          tooltips=[DIFFICULTY_TIPS.get(d, d) for d in DIFFICULTIES],
                                          disabled="difficulty" in fixed)
        self.seed = w.BoundedIntText(min=0, max=2**31 - 1, description="Seed", tooltip=tip("seed"),
                                     disabled="seed" in fixed, layout=w.Layout(width="220px"))
        for name in ("scenario", "difficulty", "seed"):
            # a fixed setting only shows the model's value: what a browser sends back never reaches the model
            # (which refuses it anyway), a disabled widget being no protection against a tampering client
            (w.dlink if name in fixed else w.link)((model, name), (getattr(self, name), "value"))
        self.table = w.HTML()
        self.briefing = w.HTML(layout=w.Layout(max_width="900px"))
        self.start = button("Start planning ▶", "Open a new session on this scenario, difficulty and seed.", "primary")
        self.start.on_click(lambda _: model.start())
        self.saved = w.Dropdown(description="Saved", tooltip="A session you saved in this folder.", layout=w.Layout(width="70%"))
        self.resume = button("Resume ▶", "Reopen the saved session where you stopped.", "success")
        self.resume.on_click(lambda _: self.saved.value and model.resume(self.saved.value))
        self.resume_box = w.VBox([
            w.HTML("<b>You have saved sessions.</b> Resume one where you left it, or start a new one below."),
            w.HBox([self.saved, self.resume]),
        ], layout=w.Layout(border="1px solid #0072B2", padding="6px", margin="4px 0"))
        self.fixed_note = w.HTML(
            f'<div class="itpm-note">Your instructor fixed: {", ".join(sorted(fixed))}.</div>' if fixed else "")
        self.widget = w.VBox([
            heading("1 · Choose a scenario and read the briefing",
                    "Everything you decide is saved as you go; you can stop and resume at any time."),
            self.resume_box,
            self.table,
            self.scenario, self.difficulty, self.seed, self.fixed_note,
            self.briefing,
            w.HBox([self.start]),
            message_bar(self),
        ])
        self.watch(self._world_changed, ["scenario", "difficulty"])
        self.watch(self._saved_changed, ["saved"])
        self._world_changed()
        self._saved_changed()

    def _world_changed(self, _=None) -> None:
        table = self.model.scenarios().reset_index(drop=True)  # titles, not ids
        for column in ("start", "deadline"):  # the app's one date format, not pandas' ISO dates
            table[column] = table[column].map(day_text)
        table["budget"] = [money(b, c) for b, c in zip(table.pop("budget"), table.pop("currency"), strict=True)]
        self.table.value = "<b>The scenarios</b>" + frame(table)
        self.briefing.value = markdown(self.model.briefing())

    def _saved_changed(self, _=None) -> None:
        saved = self.model.saved
        set_options(self.saved, [(s.label, str(s.path)) for s in saved])
        self.resume_box.layout.display = "flex" if saved else "none"

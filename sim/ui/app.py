"""The trainee app: one view per stage, swapped as the model moves from choosing to closing."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from .choose import ChooseView
from .close import CloseView
from .execute import ExecuteView
from .model import STAGES, PlayModel
from .parts import View
from .plan import PlanView
from .text import CSS

VIEWS = {"choose": ChooseView, "plan": PlanView, "execute": ExecuteView, "close": CloseView}
STAGE_NAMES = {"choose": "Choose and read", "plan": "Plan", "execute": "Execute", "close": "Close"}


class App:
    """The whole application: a stage bar and the current stage's view."""

    def __init__(self, model: PlayModel):
        self.model = model
        self.view: View | None = None
        self.stages = w.HTML()
        self.body = w.VBox()
        self.widget = w.VBox([w.HTML(CSS), self.stages, self.body], layout=w.Layout(width="100%"))
        self.widget.add_class("itpm-app")
        model.observe(self._show, "stage")
        self._show()

    def _show(self, _=None) -> None:
        """Replace the view with the current stage's."""
        if self.view is not None:
            self.view.close()
        stage = self.model.stage
        self.view = VIEWS[stage](self.model)
        self.body.children = [self.view.widget]
        current = STAGES.index(stage)
        self.stages.value = '<div class="itpm-kpis">' + "".join(
            f'<div class="itpm-kpi" style="{"border-color:#0072B2;border-width:2px" if i == current else "color:#555"}">'
            f'{"▶ " if i == current else "✔ " if i < current else ""}{i + 1} · {STAGE_NAMES[s]}</div>'
            for i, s in enumerate(STAGES)) + "</div>"

    def __getattr__(self, stage: str):
        """``app.choose``, ``app.plan``, ``app.execute``, ``app.close``: the current view if it is that stage's."""
        if stage in VIEWS:
            view = self.__dict__.get("view")
            return view if isinstance(view, VIEWS[stage]) else None
        raise AttributeError(stage)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def play(scenario: str | None = None, difficulty: str | None = None, seed: int | None = None,
         save_dir: str | Path = "sessions") -> App:
    """The trainee app.  Any of ``scenario``, ``difficulty`` and ``seed`` given here is fixed (for a class or a panel);
    sessions are saved in ``save_dir``."""
    return App(PlayModel(save_dir, scenario=scenario, difficulty=difficulty, seed=seed))

"""The trainee app: one view per stage, swapped as the model moves from choosing to closing."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import ipywidgets as w

from .choose import ChooseView
from .close import CloseView
from .execute import ExecuteView
from .exercise import Clock, JoinView
from .exercise_model import ExerciseModel
from .model import STAGES, PlayModel
from .parts import View
from .plan import PlanView
from .text import CSS

VIEWS = {"choose": ChooseView, "plan": PlanView, "execute": ExecuteView, "close": CloseView}
STAGE_NAMES = {"choose": "Choose and read", "plan": "Plan", "execute": "Execute", "close": "Close"}


class App:
    """The whole application: a stage bar and the current stage's view."""

    stage_names: ClassVar[dict[str, str]] = STAGE_NAMES

    def __init__(self, model: PlayModel, join: type | None = None):
        """``join`` replaces an exercise's first view (``JoinView``), as a hiring panel's access-code gate does."""
        self.model = model
        self.view: View | None = None
        self.stages = w.HTML()
        self.body = w.VBox()
        exercise = isinstance(model, ExerciseModel)
        self.views = {**VIEWS, "choose": join or JoinView} if exercise else VIEWS
        self.names = {**self.stage_names, "choose": "Join"} if exercise and join is None else self.stage_names
        timed = isinstance(model, ExerciseModel) and model.exercise is not None and bool(model.exercise.minutes)
        self.clock = Clock(model) if timed else None
        top = [self.clock.widget] if self.clock else []
        self.widget = w.VBox([w.HTML(CSS), *top, self.stages, self.body], layout=w.Layout(width="100%"))
        self.widget.add_class("itpm-app")
        if timed:
            self.widget.add_class("itpm-timed")  # the execute view's sticky bar sits below the clock
        model.observe(self._show, "stage")
        self._show()

    def _show(self, _=None) -> None:
        """Replace the view with the current stage's."""
        if self.view is not None:
            self.view.close()
        stage = self.model.stage
        self.view = self.views[stage](self.model)
        self.body.children = [self.view.widget]
        current = STAGES.index(stage)
        # A progress line, not buttons: plain text, the current stage in bold (the stages follow the project).
        self.stages.value = '<div class="itpm-stages" role="list" aria-label="Stages">' + " → ".join(
            f'<span role="listitem"{" aria-current=step" if i == current else ""} class="{"itpm-now" if i == current else ""}">'
            f'{"✔ " if i < current else ""}{i + 1} · {self.names[s]}</span>'
            for i, s in enumerate(STAGES)) + "</div>"

    def __getattr__(self, stage: str):
        """``app.choose``, ``app.plan``, ``app.execute``, ``app.close``: the current view if it is that stage's."""
        views = self.__dict__.get("views", VIEWS)
        if stage in views:
            view = self.__dict__.get("view")
            return view if isinstance(view, views[stage]) else None
        raise AttributeError(stage)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def play(scenario: str | None = None, difficulty: str | None = None, seed: int | None = None,
         save_dir: str | Path = "sessions", *, exercise: str | Path | None = None, participant: str | None = None) -> App:
    """The trainee app; sessions are saved in ``save_dir``.

    Any of ``scenario``, ``difficulty`` and ``seed`` given here is fixed.  With ``exercise`` (an exercise file, see
    ``itpm-sim class create``) the exercise fixes the world and its rules (time box, what the debrief reveals,
    required rationales), the participant identifies themselves (``participant`` or ``$JUPYTERHUB_USER`` fix it),
    and their session is resumed when they come back.
    """
    if exercise is not None:
        if any(v is not None for v in (scenario, difficulty, seed)):
            raise ValueError("give an exercise or a scenario, difficulty and seed, not both (the exercise fixes the world)")
        return App(ExerciseModel(exercise, save_dir, participant=participant))
    if participant is not None:
        raise ValueError("participant is for an exercise (give exercise= too)")
    return App(PlayModel(save_dir, scenario=scenario, difficulty=difficulty, seed=seed))

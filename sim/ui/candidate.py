"""The candidate's app in a hiring panel: the access-code gate, then the exercise app (plan, play, countdown, close).

``panel_app()`` is what the served notebook runs: it opens the panel folder
named by ``$ITPM_PANEL_DIR`` (set by ``itpm-sim panel serve``; the folder is
never inside what Voilà serves) and shows the gate.  Nothing in the page
names other candidates, the seed or the panel's files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import ipywidgets as w

from sim.panel import PanelError, open_panel
from sim.panel.signer import SIGNER_ENV, RemotePanel

from .app import App
from .candidate_model import CandidateModel
from .parts import View, button, heading, message_bar
from .text import esc, markdown

PANEL_DIR = "ITPM_PANEL_DIR"


def panel_rules(exercise) -> str:
    """The rules of the exercise as a candidate reads them (never the seed, never the other candidates)."""
    items = [f"You are the project manager of <b>{esc(exercise.world().scenario.title)}</b> (difficulty "
             f"{esc(exercise.difficulty)}). Every candidate faces exactly the same project and the same luck."]
    if exercise.minutes:
        items.append(f"You have <b>{exercise.minutes} minutes</b> from when you press Start; the countdown stays at the top. "
                     "When it runs out, decisions close and the project runs on to its end without you: every open "
                     "request takes its default.")
    if exercise.rationale == "required":
        items.append("Every decision needs a <b>one-line reason</b> (the 'Why?' boxes): the panel reads them.")
    items += ["Your session is saved after every decision. If the page reloads, enter your code again: you continue where "
              "you were, and the clock does not stop.",
              "Use one window: if you open the exercise in a second one, the first stops taking decisions.",
              "At the end your session is handed in to the panel, who will go through it with you."]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


class GateView(View):
    """Stage 1 for a candidate: the rules, the access code, then the briefing and the start."""

    def __init__(self, model: CandidateModel):
        super().__init__(model)
        ex = model.opened
        self.rules = w.HTML(f'<div class="itpm-stage">{esc(ex.title)}</div>{panel_rules(ex)}')
        self.code = w.Password(description="Access code", tooltip="The code the panel gave you.", placeholder="XXXX-XXXX-XXXX", style={"description_width": "100px"},
                               layout=w.Layout(width="340px"))
        self.enter = button("Sign in ▶", "Check the code the panel gave you.", "info")
        self.enter.on_click(lambda _: self._enter())
        self.gate = w.HBox([self.code, self.enter])
        self.welcome = w.HTML()
        self.briefing = w.HTML(layout=w.Layout(max_width="900px"))
        self.start = button("Start the exercise ▶", "Open your session: the time box starts now.", "primary")
        self.start.on_click(lambda _: model.start())
        self.widget = w.VBox([
            heading("1 · Sign in", "Enter the access code the panel gave you, read the briefing, then start."),
            self.rules, self.gate, self.welcome, self.briefing, w.HBox([self.start]), message_bar(self),
        ])
        self.watch(self._signed_in, ["participant"])
        self._signed_in()

    def _enter(self) -> None:
        code, self.code.value = self.code.value, ""
        self.model.enter_code(code)

    def _signed_in(self, _=None) -> None:
        model = self.model
        who = model.participant
        self.gate.layout.display = "none" if who else "flex"
        self.start.layout.display = "flex" if who else "none"
        self.start.disabled = not who
        if who:
            member = model.exercise.member(who)
            self.welcome.value = f"<p>Signed in as <b>{esc(member.name or who)}</b>.</p>"
            self.briefing.value = markdown(model.briefing())
        else:
            self.welcome.value = self.briefing.value = ""


class CandidateApp(App):
    """The exercise app behind the gate; once the time box has run out, the lessons box is closed too."""

    stage_names: ClassVar[dict[str, str]] = {**App.stage_names, "choose": "Sign in", "close": "Hand in"}

    model: CandidateModel

    def __init__(self, model: CandidateModel):
        super().__init__(model, join=GateView)
        model.observe(self._lock, ["seconds_left", "stage"])

    def _show(self, _=None) -> None:
        super()._show()
        self._lock()

    def _lock(self, _=None) -> None:
        close = self.close
        left = self.model.time_left() if self.model.session is not None else None
        if close is not None and left is not None and left <= 0:
            close.lessons.disabled = True


def kernel_origin() -> str:
    """Names this page's kernel in the attempt record: its id (from the connection file) and process."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).stem.removeprefix("kernel-")
    except (ImportError, RuntimeError, AttributeError):
        name = "no kernel"
    return f"kernel {name[:8]} (pid {os.getpid()})"


def panel_app(folder: str | Path | None = None):
    """The candidate's app for the panel in ``folder`` (default ``$ITPM_PANEL_DIR``), or, on a hub's panel day, the
    panel reached through its signer (``$ITPM_PANEL_SIGNER``: the kernel never reads the panel folder); else a
    message saying what is wrong."""
    folder = folder or os.environ.get(PANEL_DIR)
    signer = None if folder else os.environ.get(SIGNER_ENV)
    if not folder and not signer:
        return w.HTML("<p>This page is the candidate's app of a hiring panel. It runs when the panel serves it with "
                      "<code>itpm-sim panel serve DIR</code>.</p>")
    try:
        panel = open_panel(folder) if folder else RemotePanel(str(signer), Path.home() / "sessions")
    except PanelError:
        return w.HTML('<p class="itpm-error">The exercise cannot be opened. Please tell the panel.</p>')
    return CandidateApp(CandidateModel(panel, origin=kernel_origin()))

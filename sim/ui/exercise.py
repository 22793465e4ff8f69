"""Views of an exercise: joining it (who you are, the rules, the briefing) and the time box's countdown."""

from __future__ import annotations

import asyncio

import ipywidgets as w

from sim.classroom.pack import rules as exercise_rules

from .parts import View, button, heading, message_bar
from .text import esc, markdown

LOW_SECONDS = 5 * 60  # the countdown turns to a warning for the last five minutes


def rules(exercise) -> str:
    """The exercise's rules as an HTML list (never the seed)."""
    return "<ul>" + "".join(f"<li>{esc(rule)}</li>" for rule in exercise_rules(exercise)) + "</ul>"


class JoinView(View):
    """Stage 1 in an exercise: say who you are, read the rules and the briefing, start."""

    def __init__(self, model):
        super().__init__(model)
        ex = model.exercise
        self.title = w.HTML(f'<div class="itpm-stage">{esc(ex.title)}</div>' if ex else "")
        self.rules = w.HTML(rules(ex) if ex else "")
        self.who = w.HTML()
        self.choice = w.Dropdown(description="I am", tooltip="Your name on the class roster.", layout=w.Layout(width="60%"))
        self.typed = w.Text(description="Your id", tooltip="The id your instructor gave you.", placeholder="e.g. your student number", layout=w.Layout(width="60%"))
        self.confirm = button("That's me ▶", "Open the exercise as this participant.", "info")
        self.confirm.on_click(lambda _: self._identify())
        self.picker = w.HBox([self.choice if ex and ex.roster else self.typed, self.confirm])
        if ex and ex.roster:
            self.choice.options = [(f"{m.name} ({m.id})" if m.name else m.id, m.id) for m in ex.roster]
        self.briefing = w.HTML(markdown(model.briefing()), layout=w.Layout(max_width="900px"))
        self.start = button("Start the exercise ▶", "Open your session; the time box, if any, starts now.", "primary")
        self.start.on_click(lambda _: model.start())
        self.widget = w.VBox([
            heading("1 · Join the exercise", "Say who you are, read the rules and the briefing, then start."),
            self.title, self.rules, self.who, self.picker, self.briefing, w.HBox([self.start]), message_bar(self),
        ])
        self.watch(self._identity, ["participant"])
        self._identity()

    def _identify(self) -> None:
        self.model.identify(self.choice.value if self.model.exercise.roster else self.typed.value)

    def _identity(self, _=None) -> None:
        model = self.model
        who = model.participant
        known = bool(who)
        if known:
            member = model.exercise.member(who)
            name = f" ({esc(member.name)})" if member and member.name else ""
            self.who.value = f"<p>You are playing as <b>{esc(who)}</b>{name}.</p>"
        else:
            self.who.value = "<p><b>Who are you?</b></p>" if model.exercise else ""
        self.picker.layout.display = "none" if known or model.exercise is None else "flex"
        self.start.disabled = not known


def clock_text(model) -> str:
    """The countdown's HTML: the time box before the start, the time left, or that it is over."""
    ex = model.exercise
    if ex is None or not ex.minutes:
        return ""
    session = model.session
    if session is None:
        return f'<div class="itpm-clock">Time box: {ex.minutes} minutes, from when you start</div>'
    if session.frozen is not None:
        return '<div class="itpm-clock itpm-clock-low" role="timer">Time is up</div>'
    if session.done:
        return '<div class="itpm-clock" role="timer">Finished in time</div>'
    left = model.seconds_left or 0
    low = left <= LOW_SECONDS
    text = f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}" if left >= 3600 else f"{left // 60}:{left % 60:02d}"
    return (f'<div class="itpm-clock{" itpm-clock-low" if low else ""}" role="timer">{"⚠ " if low else ""}'
            f"Time left: {text}</div>")


class Clock(View):
    """The time box's countdown, always in sight; the kernel ticks it every second (see ``Ticker``)."""

    def __init__(self, model):
        super().__init__(model)
        self.widget = w.HTML()
        self.watch(self.refresh, ["seconds_left", "stage", "report"])
        self.refresh()
        self.ticker = Ticker(model)

    def refresh(self, _=None) -> None:
        self.widget.value = clock_text(self.model)

    def close(self) -> None:
        self.ticker.stop()
        super().close()


class Ticker:
    """Calls ``model.tick()`` every ``interval`` seconds on the kernel's event loop.

    The kernel runs an asyncio loop (ipykernel, also under Voilà), so the tick runs between messages, never in
    the middle of an action.  Outside a running loop (a plain script, a test) there is no ticking: every action
    still checks the time itself.
    """

    def __init__(self, model, interval: float = 1.0):
        self.model, self.interval = model, interval
        self.handle: asyncio.TimerHandle | None = None
        self.loop: asyncio.AbstractEventLoop | None
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None
        self._schedule()

    def _schedule(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.handle = self.loop.call_later(self.interval, self._tick)

    def _tick(self) -> None:
        self.handle = None
        session = self.model.session
        if session is not None and session.done:
            return  # nothing left to count
        self.model.tick()
        self._schedule()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

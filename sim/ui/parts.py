"""Widget parts every view uses: the view base class, headings, rationale boxes, buttons, images, messages."""

from __future__ import annotations

import html

import ipywidgets as w

from .text import tip


class View:
    """Widgets linked to a model.  ``close`` detaches the observers and closes the widgets."""

    widget: w.Widget

    def __init__(self, model):
        self.model = model
        self._watching: list[tuple] = []

    def watch(self, handler, names) -> None:
        self.model.observe(handler, names)
        self._watching.append((handler, names))

    def close(self) -> None:
        for handler, names in self._watching:
            self.model.unobserve(handler, names)
        self._watching.clear()
        close_tree(self.widget)


def close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


def heading(text: str, note: str = "") -> w.HTML:
    extra = f'<div class="itpm-note">{note}</div>' if note else ""
    return w.HTML(f'<div class="itpm-stage">{html.escape(text)}</div>{extra}')


def rationale(required: bool = False) -> w.Text:
    """A one-line 'Why?' box; an exercise may require it (the model refuses a decision without one)."""
    placeholder = "Why? (required: one line)" if required else "Why? (optional, one line)"
    return w.Text(placeholder=placeholder, tooltip=tip("rationale"), layout=w.Layout(width="98%"))


def button(label: str, tooltip: str, style: str = "", width: str = "auto") -> w.Button:
    return w.Button(description=label, tooltip=tooltip, button_style=style, layout=w.Layout(width=width))


def image() -> w.Image:
    """A chart holder: PNG bytes, shown at its natural size but never wider than its column."""
    return w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", align_self="flex-start"))


def message_bar(view: View) -> w.HTML:
    """An HTML line showing the model's latest message (an error marked with a symbol, not only colour)."""
    bar = w.HTML()

    def show(_=None):
        model = view.model
        if not model.message:
            bar.value = ""
        elif model.error:
            bar.value = f'<div class="itpm-error" role="alert">⚠ {html.escape(model.message)}</div>'
        else:
            bar.value = f'<div class="itpm-ok">✔ {html.escape(model.message)}</div>'

    view.watch(show, ["message", "error"])
    show()
    return bar


def percent_slider(description: str, high: float, tooltip: str, **layout) -> w.IntSlider:
    """A slider in whole percent (0 to ``high`` as a share): typing 10 or 10% into its readout means 10%.

    A share shown through a percent format read typed text as a share (10 became 1000%, clamped to the maximum);
    whole percents read the way a trainee types them.  The % sign is drawn by CSS (``.itpm-percent``), outside the
    editable text.  ``share`` and ``percent`` convert."""
    slider = w.IntSlider(min=0, max=round(100 * high), step=1, description=description, tooltip=tooltip,
                         continuous_update=False, style={"description_width": "110px"},
                         layout=w.Layout(**({"width": "95%"} | layout)))
    slider.add_class("itpm-percent")
    return slider


def share(percent: int) -> float:
    """A whole percent as a share: 10 -> 0.1."""
    return percent / 100


def percent(value: float) -> int:
    """A share as the nearest whole percent: 0.1 -> 10."""
    return round(100 * value)


def set_options(select: w.Dropdown, options: list[tuple[str, str | None]]) -> None:
    """Replace a dropdown's options, keeping its choice if still offered, else the first (ipywidgets leaves None)."""
    keep = select.value
    select.options = options
    values = [value for _, value in options]
    select.value = keep if keep in values else (values[0] if values else None)

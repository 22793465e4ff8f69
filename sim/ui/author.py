"""The scenario author's workbench (notebooks/03_author_scenario.ipynb): start, edit, check, draw, balance, save.

All the work is done by ``sim.classroom.author``; this is its widgets.  The
draft lives in the text box until it is saved, and saving never writes over
a file.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from sim.classroom import author
from sim.schema import DIFFICULTIES, ScenarioError

from .parts import button, image
from .text import CSS, esc, pct, table

RUNS = 200


class Workbench:
    """A draft scenario in a text box, and buttons that check, draw, balance and save it."""

    def __init__(self, source: str = "template", folder: str | Path = "my_scenarios"):
        self.folder = Path(folder)
        points = list(author.starting_points())
        self.source = w.Dropdown(options=points, value=source if source in points else points[0], description="Start from",
                                 tooltip="A bundled scenario or a template to start the draft from.",
                                 layout=w.Layout(width="360px"))
        self.load = button("Load", "Replace the draft with the chosen starting point.")
        self.load.on_click(lambda _: self.start(self.source.value))
        self.text = w.Textarea(layout=w.Layout(width="98%", height="420px"))
        self.text.add_class("itpm-yaml")
        self.difficulty = w.ToggleButtons(options=list(DIFFICULTIES), value="standard", description="Difficulty",
                                         tooltip="The difficulty the network and the balance check use.")
        self.check_button = button("Check", "Validate the draft: every problem with its line and column.", "primary")
        self.check_button.on_click(lambda _: self.check())
        self.draw_button = button("Draw the network", "The tasks at their planned dates, with the critical path.")
        self.draw_button.on_click(lambda _: self.draw())
        self.runs = w.BoundedIntText(value=RUNS, min=20, max=5000, step=20, description="Runs",
                                     tooltip="Monte Carlo runs per policy in the balance check.", layout=w.Layout(width="160px"))
        self.band = w.FloatRangeSlider(value=author.BAND, min=0, max=1, step=0.05, description="Band",
                                       tooltip="The share of runs in which doing nothing should succeed: a realistic minority.",
                                       readout_format=".0%", layout=w.Layout(width="360px"))
        self.balance_button = button("Balance check", "Monte Carlo of passive and reference: is doing nothing in the band, "
                                     "and does the reference PM do better?", "info")
        self.balance_button.on_click(lambda _: self.balance())
        self.name = w.Text(description="Save as", tooltip="A new file name in the scenarios folder.", placeholder="my_scenario.yaml", layout=w.Layout(width="360px"))
        self.save_button = button("Save", "Write the draft to a new file (never over one).", "success")
        self.save_button.on_click(lambda _: self.save())
        self.report = w.HTML()
        self.report.add_class("itpm-author-report")
        self.chart = image()
        self.chart.add_class("itpm-chart-network")
        self.widget = w.VBox([
            w.HTML(CSS + "<style>.itpm-yaml textarea { font-family: monospace; font-size: 12px; }</style>"),
            w.HBox([self.source, self.load]), self.text,
            w.HBox([self.difficulty]),
            w.HBox([self.check_button, self.draw_button]),
            w.HBox([self.runs, self.band, self.balance_button]),
            w.HBox([self.name, self.save_button]),
            self.report, self.chart,
        ], layout=w.Layout(width="100%"))
        self.widget.add_class("itpm-app")
        self.start(self.source.value)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def start(self, source: str) -> None:
        self.text.value = author.start_from(source)
        self.name.value = f"{'my_scenario' if source == 'template' else source + '_copy'}.yaml"
        self.report.value = f"<p>Loaded {esc(source)}. Edit the text, then check it.</p>"
        self.chart.value = b""

    def _world(self):
        """The draft compiled at the chosen difficulty, or None with the problems shown."""
        try:
            return author.world(self.text.value, self.name.value or author.DRAFT_NAME, self.difficulty.value)
        except ScenarioError as exc:
            self._problems(exc.problems)
            return None

    def _problems(self, problems) -> None:
        rows = [[p.line, p.column, p.path, p.message] for p in problems]
        self.report.value = (f'<div class="itpm-error" role="alert">⚠ {len(problems)} problem(s): fix them and check again.</div>'
                             + table(["line", "column", "field", "what is wrong"], rows))

    def check(self) -> bool:
        problems = author.check(self.text.value, self.name.value or author.DRAFT_NAME)
        if problems:
            self._problems(problems)
            return False
        world = self._world()
        if world is None:
            return False
        plan = author.plan_summary(world)
        rows = [[k.replace("_", " "), f"{v:,.1f}" if isinstance(v, float) else v] for k, v in plan.items()]
        self.report.value = ('<div class="itpm-ok">✔ Valid: every difficulty preset checks too.</div>'
                             + table(["the plan", ""], rows))
        return True

    def draw(self) -> None:
        world = self._world()
        if world is not None:
            self.chart.value = author.network(world)

    def balance(self) -> None:
        world = self._world()
        if world is None:
            return
        self.balance_button.disabled = True
        try:
            result = author.balance(world, runs=self.runs.value, band=tuple(self.band.value))
        finally:
            self.balance_button.disabled = False
        rows = [[r["policy"], r["runs"], pct(r["success"]), pct(r["on_time"]), pct(r["on_budget"]), f"{r['mean_score']:.1f}",
                 f"{r['p50_finish_day']:.0f}"] for r in result.table().to_dict("records")]
        verdict = ("✔ Balanced." if result.balanced else "⚠ Not balanced.")
        self.report.value = (f'<div class="{"itpm-ok" if result.balanced else "itpm-error"}">{verdict}</div>'
                             + table(["policy", "runs", "success", "on time", "on budget", "mean score", "P50 finish day"], rows)
                             + "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in result.advice()) + "</ul>")

    def save(self) -> None:
        name = Path(self.name.value.strip() or "my_scenario.yaml").name  # a name in the folder, never a path elsewhere
        try:
            path = author.save(self.text.value, self.folder / name)
        except (FileExistsError, ValueError, OSError) as exc:
            self.report.value = f'<div class="itpm-error" role="alert">⚠ {esc(exc)}</div>'
            return
        problems = author.check(self.text.value, str(path))
        note = f" It still has {len(problems)} problem(s): check it before using it." if problems else ""
        self.report.value = f'<div class="itpm-ok">✔ Saved as {esc(path)}.{esc(note)}</div>'


def workbench(source: str = "template", folder: str | Path = "my_scenarios") -> Workbench:
    """The author's workbench, starting from ``source`` (the template or a bundled scenario); saves into ``folder``."""
    return Workbench(source, folder)

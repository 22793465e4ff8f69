"""Write the kit's notebooks from their cell sources, execute them, and keep their deterministic outputs.

Run after editing this file (or after a change to the engine that moves a checked output).
Cells whose source starts with ``# NBVAL_CHECK_OUTPUT`` are compared by ``pytest --nbval-lax``;
outputs that show live widgets are dropped, since they mean nothing until the notebook runs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str, tags: tuple[str, ...] = ()):
    cell = nbformat.v4.new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


START = [
    md("""
# ITPM Sim: start here

ITPM Sim is a simulator for practising the work of an **IT project manager**. Each scenario is a realistic IT
project (a network migration, a cloud roll-out, a software build) with uncertain effort, risks, people who
get tired, fall ill or resign, vendors who slip, sponsors who cut budgets and users who want more. You plan the
project, run it week by week, decide, and see what your decisions did, with a debrief that explains why.

The model is open: every equation is in `docs/MODEL.md` with its source, and a seed fixes the world, so the
same decisions always give the same result.
"""),
    md("""
## The scenarios

Each scenario comes in three difficulties (easy, standard, hard). The table shows the standard one.
"""),
    code("""
from IPython.display import Markdown
from sim.catalog import briefing, scenario_table

scenario_table()
"""),
    md("""
## If you are a trainee

Read a briefing first: it is what the sponsor tells you on day one. Then play the scenario in
[the play notebook, `01_play.ipynb`](01_play.ipynb): it walks you through planning, weekly execution and
closure. Your session is saved after every decision, so you can stop and resume at any time. To play without
any code on screen, open it in Voilà instead: `voila notebooks/01_play.ipynb`.
"""),
    code("""
Markdown(briefing("network_migration"))
"""),
    md("""
## If you are an instructor

Give every student the same scenario, difficulty and seed: they then face exactly the same world, and the
differences in their results come from their decisions alone. Collect their session logs (`session.json`) and
replay them to check the results:

```
itpm-sim replay session.json
```

To see how a scenario plays out without a human, run a built-in policy. `reference` is a competent PM and the
yardstick in debriefs; `passive` decides nothing:
"""),
    code("""
# NBVAL_CHECK_OUTPUT
from sim.engine import Session, World
from sim.policies import make_policy
from sim.results import scorecard

world = World.from_file("software_build")
for name in ("passive", "reference"):
    session = Session(world, seed=7)
    session.run(make_policy(name))
    card = scorecard(session.project)
    print(f"{name:>9}: score {card.total:5.1f} ({card.grade})", {k: round(v) for k, v in card.parts.items()})
""", ("summary",)),
    md("""
To write a new scenario, copy one from `scenarios/`, edit it (your editor completes fields from
`scenarios/scenario.schema.json`), and check it:

```
itpm-sim validate scenarios/my_scenario.yaml
itpm-sim plan scenarios/my_scenario.yaml
```

`validate` lists every problem with its file, line and column; `plan` shows the baseline schedule against the
deadline and budget, so you can set a realistic but tight target.
"""),
    md("""
## If you run a hiring panel

`itpm-sim panel create SCENARIO --minutes 45 --candidates candidates.csv --out DIR` makes the panel's folder:
one world for every candidate (its seed drawn in secret), an access code each, and the rubric's weights.
`itpm-sim panel serve DIR` serves the candidates' app with Voilà, without any code on screen: each candidate
enters their code, plans and plays against a countdown, with a one-line reason for every decision.
`itpm-sim panel report DIR` verifies every signed session log by replaying it and writes a printable report per
candidate (the ten PM duties with evidence, the score against the reference PM on the same world, the timeline
of decisions, the attempt record, five follow-up questions) and a comparison. See the README's "Hiring panels".
"""),
]


PLAY = [
    md("""
# Play a scenario

You are the project manager. This notebook runs the whole project with you, in four stages:

1. **Choose and read.** Pick a scenario and a difficulty, and read the sponsor's briefing and objectives.
2. **Plan.** Review the work breakdown and its estimates; shape the team (release people, hire from the
   market); agree the management reserve; buy responses from the risk register; set communication and quality
   effort. Before you commit, forecast the plan: hundreds of simulated futures show its likely finish date and
   cost.
3. **Execute, week by week.** Read the status dashboard, answer the decisions that events and risks force on
   you, steer with the decision panel, and advance one week at a time.
4. **Close.** Close out, write your lessons learned, read the debrief (your score against a reference PM who
   faced exactly the same luck, what each of your decisions did, and feedback on each duty), and export the
   report.

Run every cell (menu *Run ▸ Run All Cells*), then work in the app at the bottom. Everything you decide is saved
at once in the `sessions` folder beside this notebook, with your plan and your lessons learned; when you come
back, the app offers to resume where you stopped.
"""),
    md("""
## The scenarios

Each is a realistic IT project with its own calendar, team, vendors, risks and stakeholders. The table shows
the standard difficulty.
"""),
    code("""
# NBVAL_CHECK_OUTPUT
from sim.catalog import scenario_table

scenario_table()
"""),
    md("""
## Reading the dashboard

Hover over any underlined word in the app for its meaning. The ones you will use most:

- **SPI** (schedule performance index) = earned value / planned value: below 1 means behind the plan.
- **CPI** (cost performance index) = earned value / actual cost: below 1 means each euro buys less work than
  planned.
- **EAC** (estimate at completion): the forecast final cost if the cost efficiency so far continues.
- **PERT**: the expected effort (O + 4M + P) / 6 from optimistic, most likely and pessimistic estimates.
- **P50 / P80**: half, or four in five, of the simulated futures finish by this date (or cost).
- **Critical path**: the chain of tasks that sets the finish date; a day lost on it is a day lost at the end.
- **Fast-track**: start a task before its predecessors finish; it saves time and costs rework.

Time runs in working days. A status meeting is held every week; an event or a risk that needs you stops the
clock earlier. A request you leave unanswered takes its default when it falls due: not deciding is a decision
too.
"""),
    md("""
## The app

*Instructors:* to give a class or a candidate the same world, fix it in the call below, for example
`play(scenario="software_build", difficulty="hard", seed=1234)`; the fixed settings cannot be changed in the app.
"""),
    code("""
from sim.ui import play

app = play()
app
"""),
    md("""
## After the project

Your session log (`sessions/*.session.json`) holds every decision with its time and your rationale; your plan
and lessons learned are in the `*.notes.json` beside it, and the exported report in `*.report.html`. Anyone can
re-simulate the log bit for bit:

```
itpm-sim replay sessions/<your session>.session.json
```
"""),
]

NOTEBOOKS = {"00_start_here.ipynb": START, "01_play.ipynb": PLAY}


def build(cells: list) -> nbformat.NotebookNode:
    """A notebook of ``cells``, executed in the notebooks folder, keeping only meaningful outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in cells])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids keep regenerated notebooks diff-free
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs):
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    ROOT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), ROOT / name)


if __name__ == "__main__":
    main()

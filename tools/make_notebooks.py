"""Write the kit's notebooks from their cell sources, execute them, and keep their deterministic outputs.

Run after editing this file (or after a change to the engine that moves a checked output):
``python tools/make_notebooks.py [NAME.ipynb ...]`` (all notebooks without names).
Cells whose source starts with ``# NBVAL_CHECK_OUTPUT`` are compared by ``pytest --nbval-lax``;
outputs that show live widgets are dropped, since they mean nothing until the notebook runs.
"""

from __future__ import annotations

import sys
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
any code on screen, open [the app alone, `app.ipynb`](app.ipynb) in Voilà: `.venv/bin/itpm-sim serve` (or
`voila notebooks/app.ipynb`) shows it first on the page, and it keeps your saved sessions too.
"""),
    code("""
Markdown(briefing("network_migration"))
"""),
    md("""
## If you are an instructor

Give every student the same scenario, difficulty and seed: they then face exactly the same world, and the
differences in their results come from their decisions alone. A class pack does it for you, with a time box and
a roster if you like; then collect and verify the students' session logs (each is re-simulated, so an edited log
shows), compare the class in [the instructor's dashboard, `02_instructor.ipynb`](02_instructor.ipynb), and write
the class debrief:

```
itpm-sim class create network_migration --minutes 60 --out week3
itpm-sim class collect week3/exercise.json hand-ins/ --out week3/collected
itpm-sim class report week3/collected --html week3/debrief.html
```

To see how a scenario plays out without a human, run a built-in policy. `reference` is a competent PM and the
yardstick in debriefs; `passive` decides nothing:
"""),
    code("""
# NBVAL_CHECK_OUTPUT
from sim.engine import Session, World, scorecard
from sim.policies import make_policy

world = World.from_file("software_build")
for name in ("passive", "reference"):
    session = Session(world, seed=7)
    session.run(make_policy(name))
    card = scorecard(session.project)
    print(f"{name:>9}: score {card.total:5.1f} ({card.grade})", {k: round(v) for k, v in card.parts.items()})
""", ("summary",)),
    md("""
To write a new scenario, start in [the author's notebook, `03_author_scenario.ipynb`](03_author_scenario.ipynb)
from the template or a bundled scenario, or copy one from `scenarios/`, edit it (your editor completes fields from
`scenarios/scenario.schema.json`), and check it:

```
itpm-sim validate scenarios/my_scenario.yaml
itpm-sim plan scenarios/my_scenario.yaml
itpm-sim balance scenarios/my_scenario.yaml
```

`validate` lists every problem with its file, line and column; `plan` shows the baseline schedule against the
deadline and budget, so you can set a realistic but tight target; `balance` plays it many times doing nothing and
as the reference PM, to see whether decisions matter and the target is tight enough.
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

**The traffic lights.** SPI, CPI and progress are green at 0.95 or more, amber at 0.85 or more, red below. The
finish and the cost follow the live forecast once it has arrived: green when 80% or more of its futures finish
on time (for the cost: within budget + reserve), amber at 50% or more, red below. While it is being made they
follow today's trend: the finish green by the deadline, amber up to 5% of the planned duration late, red later;
the cost green within budget, amber within budget + reserve, red over. Hover over a light to see which it
followed.

Time runs in working days. A status meeting is held every week; an event or a risk that needs you stops the
clock earlier. A request you leave unanswered takes its default when it falls due: not deciding is a decision
too. While a struck risk waits for your answer, the work it hits cannot finish.
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

INSTRUCTOR = [
    md("""
# Class dashboard

Compare a class that played the same exercise: how the class did against a competent PM and against doing
nothing, a leaderboard, who decided what and when, how each event and risk was answered and what each answer led
to, and any two students side by side. Every number comes from re-simulating the students' session logs, never
from the files they handed in.

**The loop.** Create a class pack, hand it out, collect the logs, then open this notebook (also in Voilà:
`voila notebooks/02_instructor.ipynb`):

```
itpm-sim class create network_migration --roster roster.csv --minutes 60 --out week3
itpm-sim class collect week3/exercise.json hand-ins/ --out week3/collected
itpm-sim class report week3/collected --html week3/debrief.html
```

Set `CLASS` below to the folder `class collect` wrote. Left as `None`, a simulated class of 30 students (each a
PM policy with a temperament of its own, played in a real exercise) is made for you to explore.
"""),
    code("""
CLASS = None  # for example "week3/collected"
"""),
    code("""
from sim.ui.instructor import dashboard, open_class

cohort = open_class(CLASS)
"""),
    code("""
dashboard(cohort)
"""),
    md("""
## The tables behind the dashboard

Everything above is a pandas table you can sort, filter or export, for example the leaderboard (the score
against the reference PM is on each student's own seed, so luck is the same on both sides):
"""),
    code("""
# NBVAL_CHECK_OUTPUT
cohort.leaderboard().head(10)
"""),
    md("""
`cohort.table` is `cohort.csv` (one row per student, every status), `cohort.decisions()` every decision with its
week, `cohort.answer_summary()` the answers to events and risks, and `cohort.spread()` how far apart the class
ended on each part of the score. For the debrief, `itpm-sim class report` writes one HTML page with talking points
drawn from the data: where the spread was widest, which common decision cost the most (by replaying each run
without it), what the best students did differently, and the duty ratings.
"""),
]

AUTHOR = [
    md("""
# Write a scenario

Start from the template (a small, complete project with every section commented) or from a bundled scenario;
edit it; check it with the same located errors as `itpm-sim validate`; look at its dependency network and
critical path; check its balance with a Monte Carlo of doing nothing (`passive`) and of a competent PM
(`reference`); and save it. Nothing is ever written over.

Work in the workbench below, or follow the same steps in code further down.
"""),
    code("""
from sim.ui.author import workbench

workbench("template")
"""),
    md("""
## The same steps in code

**Start** from the template or an existing scenario (`author.starting_points()` lists them):
"""),
    code("""
# NBVAL_CHECK_OUTPUT
from sim.classroom import author

print(", ".join(author.starting_points()))
draft = author.start_from("template")
print(next(line for line in draft.splitlines() if line.startswith("title:")))
"""),
    md("""
**Edit and check.** Every problem comes with its line, column and field, and what was expected. Here a
probability of 1.5 and an unknown dependency:
"""),
    code("""
# NBVAL_CHECK_OUTPUT
broken = draft.replace("probability: 0.5", "probability: 1.5").replace("depends_on: [survey]", "depends_on: [surveys]")
for problem in author.check(broken, "my_scenario.yaml"):
    print(problem)
"""),
    md("""
**Look at the plan and its network.** Boxes are tasks at their planned dates; the critical path (the chain that
sets the finish) is drawn in vermillion.
"""),
    code("""
# NBVAL_CHECK_OUTPUT
from IPython.display import Image

world = author.world(draft)
for key, value in author.plan_summary(world).items():
    print(f"{key:>22}: {value}")
"""),
    code("""
Image(author.network(world))
"""),
    md("""
**Check the balance.** Doing nothing should succeed (on time, on budget) in 20-45% of runs by default, and the
reference PM should score better than doing nothing; otherwise decisions do not matter. More runs give a steadier
answer (`itpm-sim balance FILE --runs 1000` does the same on the command line).
"""),
    code("""
# NBVAL_CHECK_OUTPUT
result = author.balance(world, runs=100, band=(0.20, 0.45))
print(result.table()[["policy", "runs", "success", "mean_score"]].round(3).to_string(index=False))
print("balanced:", result.balanced)
for line in result.advice():
    print("-", line)
"""),
    md("""
**Audit it against gaming.** A world that a simple tactic can game teaches the wrong lesson: the audit plays each
gaming tactic (fast-track everything, ask for time or money every week, the largest reserve, always the first or
cheapest option, hire everyone, cut optional scope, maximum quality or communication, 50% overtime, release
everyone, and more) on top of doing nothing and of the reference PM, on the same seeds, and flags any that beats
the reference PM at p < 0.01. Ten seeds give a first look in seconds; judge with 200
(`itpm-sim audit FILE --seeds 200 --workers 4` does the same on the command line).
"""),
    code("""
from sim.analysis.audit import table

print(table(author.audit(world, runs=10)))
"""),
    md("""
**Save** under a new name (an existing file is never written over; `free_name` finds the next free one):
"""),
    code("""
saved = author.save(draft, author.free_name("my_scenarios/office_refresh.yaml"))
print("saved as", saved)
"""),
]

APP = [
    code("""
# The app alone, for Voilà (`itpm-sim serve`): the first thing on screen. 01_play.ipynb is the same app with the
# narrative around it, for JupyterLab.
from sim.ui import play

play()
"""),
]

NOTEBOOKS = {"00_start_here.ipynb": START, "01_play.ipynb": PLAY, "app.ipynb": APP, "02_instructor.ipynb": INSTRUCTOR,
             "03_author_scenario.ipynb": AUTHOR}


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


def main(names: list[str]) -> None:
    """Write the notebooks named (all without names)."""
    unknown = [n for n in names if n not in NOTEBOOKS]
    if unknown:
        raise SystemExit(f"unknown notebook {unknown[0]!r} (expected one of: {', '.join(NOTEBOOKS)})")
    ROOT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        if not names or name in names:
            nbformat.write(build(cells), ROOT / name)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Write the kit's notebooks from their cell sources (run after editing this file)."""

from __future__ import annotations

from pathlib import Path

import nbformat

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

Read a briefing first: it is what the sponsor tells you on day one. Then play the scenario (the play notebook
walks you through planning, weekly execution and closure). Your session is saved after every decision, so you
can stop and resume at any time.
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

A candidate plays a time-boxed scenario in the play notebook (or in Voilà, without access to code). Their
session log records every decision with its simulated and wall-clock time and an optional one-line rationale.
`itpm-sim replay` re-simulates it bit for bit, so the report you receive can be verified, and
`itpm-sim run SCENARIO --decisions session.json --seed N` shows how the same decisions fare under other luck.
"""),
]


def main() -> None:
    ROOT.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=START)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, ROOT / "00_start_here.ipynb")


if __name__ == "__main__":
    main()

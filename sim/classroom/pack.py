"""A class pack: the exercise file, the students' play notebook and a one-page handout, made together.

``make_pack`` writes into a new (or empty) folder and never over a file.  The
handout is self-contained HTML (print it or send it): the briefing, the rules
of the exercise and how to hand in; every text in it is escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

import jinja2

from sim.catalog import briefing_of
from sim.engine.exercise import Exercise, make_exercise, safe_id, write_exercise
from sim.results import markup
from sim.results.store import LOG_SUFFIX, NOTES_SUFFIX
from sim.schema.files import UnreadableFile, create_file, read_bounded

EXERCISE_FILE = "exercise.json"
NOTEBOOK_FILE = "play.ipynb"
HANDOUT_FILE = "handout.html"
MAX_ROSTER_BYTES = 1024 * 1024
SEED_LIMIT = 2**31  # seeds drawn for an exercise: at most this (as the app's seed box)
REVEAL_TEXT = {
    "none": "nothing: your instructor debriefs the class",
    "outcome": "your outcome and scorecard; your instructor debriefs the rest",
    "full": "the full debrief: your score against a reference PM on the same world, and what each decision did",
}


class PackError(ValueError):
    """The pack cannot be made: a bad roster, a folder that is not new, or settings that do not fit."""


@dataclass(frozen=True)
class Pack:
    exercise: Exercise
    folder: Path
    files: tuple[Path, ...]


def read_roster(path: str | Path, teams: bool = False, ids_from_names: bool = False) -> list[dict]:
    """Roster members from a CSV file with a header row: ``id`` (required), ``name`` and ``team`` (optional;
    required of everyone with ``teams``).

    With ``ids_from_names`` (a hiring panel's list of candidates) ``name`` is required and ``id`` optional: a
    missing id is made from the name (``Ann Lee`` gives ``Ann-Lee``, a second one ``Ann-Lee-2``).
    Raises PackError with ``file:line: what is wrong (got X, expected Y)``.
    """
    path = Path(path)
    try:
        text = read_bounded(path, MAX_ROSTER_BYTES, "a readable CSV file").decode("utf-8-sig")
    except UnreadableFile as exc:
        raise PackError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PackError(f"{path}: not a text file (got byte {exc.object[exc.start]:#x} at offset {exc.start}, expected UTF-8)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    needed = "name" if ids_from_names else "id"
    if needed not in header:
        optional = "id and team" if ids_from_names else "name and team"
        raise PackError(f"{path}:1: no {needed} column (got columns {', '.join(header) or 'none'}; expected a header row with "
                        f"{needed}, and optionally {optional})")
    unknown = [h for h in header if h not in ("id", "name", "team")]
    if unknown:
        raise PackError(f"{path}:1: unknown column {unknown[0]!r} (expected id, name and team)")
    reader.fieldnames = header
    members: list[dict] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise PackError(f"{path}:{line}: too many values (got {len(header) + len(row[None])}, expected {len(header)})")
        member = {k: (v or "").strip() for k, v in row.items()}
        if not any(member.values()):
            continue
        ident = member.get("id", "")
        if ids_from_names:
            if not member["name"]:
                raise PackError(f"{path}:{line}: name: empty (got nothing, expected the candidate's name)")
            if not ident:
                ident = base = safe_id(member["name"])
                n = 1
                while ident in seen:
                    n += 1
                    ident = f"{base}-{n}"
        if ident != safe_id(ident) or not ident:
            raise PackError(f"{path}:{line}: id: badly formed (got {ident!r}, expected a letter or digit, then letters, "
                            "digits and _ . @ -, at most 64)")
        if ident in seen:
            raise PackError(f"{path}:{line}: id: appears twice (got {ident!r} again, first on line {seen[ident]})")
        seen[ident] = line
        if teams and not member.get("team"):
            raise PackError(f"{path}:{line}: team: missing (got nothing for {ident!r}, expected a team for everyone "
                            "with --seed-per-team)")
        members.append({"id": ident, "name": member.get("name", ""), "team": member.get("team", "")})
    if not members:
        raise PackError(f"{path}: no members (expected a header row and one row per participant)")
    return members


def team_seeds(members: list[dict]) -> dict[str, int]:
    """A distinct random seed for each team on the roster (read with ``teams=True``)."""
    seeds: dict[str, int] = {}
    for team in dict.fromkeys(m["team"] for m in members):
        while (seed := secrets.randbelow(SEED_LIMIT)) in seeds.values():
            pass
        seeds[team] = seed
    return seeds


def rules(exercise: Exercise) -> list[str]:
    """The exercise's rules in plain sentences, for the handout and the app (never the seed)."""
    scenario = exercise.world().scenario
    items = [f"Scenario: {scenario.title}, difficulty {exercise.difficulty}. "
             + ("Everyone faces the same world, so results can be compared." if exercise.seed is not None
                else "Each team faces a world of its own; everyone in a team faces the same one.")]
    if exercise.minutes:
        items.append(f"Time box: {exercise.minutes} minutes from when you start. When it runs out, the project runs on to "
                     "its end without you: every open request takes its default.")
    if exercise.rationale == "required":
        items.append("Give a one-line reason with every decision (the 'Why?' boxes).")
    items.append(f"At the end you see {REVEAL_TEXT[exercise.reveal]}.")
    items.append("Your session is saved after every decision; if the page reloads, it reopens where you were.")
    return items


def hand_in_file(exercise: Exercise, participant: str = "<your id>") -> str:
    """The name of a participant's session log of ``exercise`` in the app's sessions folder."""
    return f"sessions/{exercise.id}-{exercise.sha256[:8]}-{participant}{LOG_SUFFIX}"


def notes_file(exercise: Exercise, participant: str = "<your id>") -> str:
    """The name of the lessons-learned notes saved beside that log (handed in with it)."""
    return hand_in_file(exercise, participant).removesuffix(LOG_SUFFIX) + NOTES_SUFFIX


_HANDOUT = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ ex.title }}</title>
<style>
@page { size: A4; margin: 14mm; }
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; color: #222;
  line-height: 1.4; font-size: 10.5pt; }
h1 { font-size: 1.5rem; margin: 0 0 0.2rem; } h2 { font-size: 1.1rem; margin: 1rem 0 0.3rem; border-bottom: 1px solid #ccc; }
.meta { color: #555; } .brief h1 { font-size: 1.15rem; } .brief h2 { font-size: 1rem; border: none; }
code { background: #f3f3f3; padding: 0 0.2rem; } table { border-collapse: collapse; } td, th { padding: 0.1rem 0.6rem 0.1rem 0; text-align: left; }
</style></head><body>
<h1>{{ ex.title }}</h1>
<p class="meta">Exercise {{ ex.id }} · ITPM Sim {{ ex.kit_version }} · made {{ made }}</p>
<h2>The project</h2>
<table>
<tr><th>Starts</th><td>{{ start }}</td><th>Deadline</th><td>{{ deadline }}</td></tr>
<tr><th>Budget</th><td>{{ budget }}</td><th>Reserve</th><td>{{ reserve }}</td></tr>
</table>
<div class="brief">{{ briefing | safe }}</div>
<h2>The rules</h2>
<ul>{% for rule in rules %}<li>{{ rule }}</li>{% endfor %}</ul>
<h2>How to play and hand in</h2>
<ol>
<li>Open <code>{{ notebook }}</code> (in JupyterLab run all cells, or open it in Voilà if your instructor gives you a link).</li>
<li>Say who you are{% if ex.roster %} (pick your name from the class list){% else %} (type the id your instructor asks for, e.g. your student number){% endif %}, read the briefing, and start.</li>
<li>Plan, run the project week by week, and close it. Your work is saved as you go.</li>
<li>Hand in <code>{{ log }}</code> and <code>{{ notes }}</code> beside it, as your instructor asks (nbgrader's submit, an upload, or a shared folder). Do not edit them: every log is re-simulated, and an edited one shows.</li>
</ol>
</body></html>
""")


def handout(exercise: Exercise) -> str:
    """The one-page HTML handout: the project, the briefing, the rules and how to hand in."""
    world = exercise.world()
    sc = world.scenario
    def money(amount: float) -> str:
        return f"{amount:,.0f} {sc.budget.currency}"

    briefing = markup.render(briefing_of(sc))
    log = hand_in_file(exercise)
    return _HANDOUT.render(ex=exercise, rules=rules(exercise), briefing=briefing, notebook=NOTEBOOK_FILE, log=log,
                           notes=notes_file(exercise), made=f"{exercise.created:%d %b %Y}",
                           start=f"{sc.calendar.start:%a %d %b %Y}", deadline=f"{sc.calendar.deadline:%a %d %b %Y}",
                           budget=money(sc.budget.budget_at_completion), reserve=money(sc.budget.management_reserve))


def play_notebook(exercise: Exercise):
    """The students' notebook: what to do, and one cell that opens the app on the exercise."""
    import nbformat  # here, not at the top: the app imports this module in every kernel (see sim.hub)

    log, notes = hand_in_file(exercise), notes_file(exercise)
    intro = (f"# {markup.literal(exercise.title)}\n\nRun every cell (menu *Run ▸ Run All Cells*), then work in the app "
             "below: say who you are, read the rules and the briefing, and start. Everything you decide is saved at once "
             "in the `sessions` folder beside this notebook; if the page reloads, run the cells again and your session "
             f"reopens where you were.\n\nWhen you have finished, hand in `{log}` and `{notes}` beside it (your lessons learned) "
             "as your instructor asks.")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_code_cell(f'from sim.ui import play\n\nplay(exercise="{EXERCISE_FILE}")'),
    ])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def make_pack(scenario: str | Path, out: str | Path, *, id: str | None = None, title: str | None = None,
              difficulty: str = "standard", seed: int | None = None, seed_per_team: bool = False,
              roster: str | Path | None = None, minutes: int | None = None, reveal: str = "full",
              rationale: str = "optional") -> Pack:
    """Write ``out``/exercise.json, play.ipynb and handout.html for a class on ``scenario``.

    One world for everyone by default: ``seed``, or a random one recorded in the exercise.  ``seed_per_team``
    draws a seed for each team of the ``roster`` (a CSV file, see ``read_roster``).  ``out`` must be new or hold
    none of the three files.  Raises PackError, ExerciseError or ScenarioError with what is wrong.
    """
    import nbformat  # here, not at the top: see play_notebook
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PackError(f"--out {out}: got a file, expected a folder")
    taken = [name for name in (EXERCISE_FILE, NOTEBOOK_FILE, HANDOUT_FILE) if (out / name).exists()]
    if taken:
        raise PackError(f"--out {out}: holds {', '.join(taken)} already (expected a new folder: a class pack is never "
                        "written over)")
    if seed is not None and seed_per_team:
        raise PackError("give --seed or --seed-per-team, not both (one world for everyone, or one per team)")
    members = read_roster(roster, teams=seed_per_team) if roster is not None else []
    if seed_per_team and not members:
        raise PackError("--seed-per-team needs --roster (the teams are on it)")
    seeds = {"team_seeds": team_seeds(members)} if seed_per_team else \
        {"seed": seed if seed is not None else secrets.randbelow(SEED_LIMIT)}
    scenario_id = Path(str(scenario)).stem
    ident = id or safe_id(f"{scenario_id}-{dt.date.today():%Y%m%d}")
    exercise = make_exercise("class", scenario, id=ident, title=title, difficulty=difficulty, minutes=minutes,
                             reveal=reveal, rationale=rationale, roster=members, **seeds)
    out.mkdir(parents=True, exist_ok=True)
    files = [write_exercise(exercise, out / EXERCISE_FILE)]
    for name, text in ((NOTEBOOK_FILE, nbformat.writes(play_notebook(exercise))), (HANDOUT_FILE, handout(exercise))):
        path = out / name
        try:
            create_file(path, text)  # never over a file made meanwhile
        except FileExistsError:
            raise PackError(f"--out {out}: {name} appeared while the pack was made (nothing was written over)") from None
        files.append(path)
    return Pack(exercise, out, tuple(files))


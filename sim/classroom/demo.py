"""A simulated class: an exercise and the logs of students played by policies, for trying the instructor's tools.

Each simulated student is a PM policy with a temperament of their own (how
readily they buy risk responses, how much they communicate and review, when
they hire, how hard they push overtime, whether they take change requests),
drawn from the class's seed, so the class is the same every time it is made.
Their sessions are real: played by the engine in the exercise's world and
handed in as session logs with notes, as students would.
"""

from __future__ import annotations

import random
from pathlib import Path

from sim.engine import Session
from sim.engine.exercise import Exercise, make_exercise, write_exercise
from sim.policies import Reference, make_policy
from sim.results import store

NAMES = ("Ada", "Ben", "Chloé", "Dev", "Emeka", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mateo", "Nia",
         "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko",
         "Bram", "Carmen", "Dmitri")
TEAMS = ("red", "blue", "green")
BUILT_IN = ("reference", "aggressive", "cautious", "passive")  # every seventh student plays one of these as it is
LESSONS = (
    "Buy the cheap mitigations on day one; the vendor risk hit exactly as the register said.",
    "I hired too late: the new people were still ramping up when the deadline came.",
    "Overtime helped for two weeks, then fatigue ate the gain.",
    "Saying yes to the change request cost more than it was worth.",
    "",
)


class Student(Reference):
    """A simulated student: the reference PM's rules with a temperament drawn from ``rng``, and a hunch of their own
    on some of the events and risks they must answer (or no answer at all, so the default applies)."""

    def __init__(self, rng: random.Random):
        super().__init__()
        self.name = f"{rng.random():.12f}"  # seeds the hunches: the same student answers alike every time
        self.hunch = rng.choice((0.0, 0.2, 0.4, 0.6))
        self.silence = rng.choice((0.0, 0.0, 0.2, 0.5))
        self.margin = rng.choice((0.5, 1.0, 2.0, 4.0, 8.0))
        self.communication = rng.choice((0.03, 0.06, 0.1, 0.14, 0.18))
        self.quality = rng.choice((0.03, 0.06, 0.1, 0.14, 0.18))
        self.hire_before = rng.choice((0.2, 0.35, 0.6, 1.0))
        self.hire_when_late = rng.choice((0.0, 0.05, 0.1, 0.2))
        self.overtime_level = rng.choice((0.1, 0.2, 0.3))
        self.overtime_days = rng.choice((5, 10, 30))
        self.accept_changes = rng.choice((None, True, False))
        self.cut_when_late = rng.choice((5, 15, 40))

    def __call__(self, r) -> list:
        out = []
        for decision in super().__call__(r):
            if decision.type == "choose":
                draw = random.Random(f"{self.name}:{decision.request}")
                if draw.random() < self.silence:
                    continue  # no answer: the default applies when it falls due
                if draw.random() < self.hunch:
                    request = next(q for q in r.requests if q["id"] == decision.request)
                    affordable = [o["id"] for o in request["options"] if o["cost"] <= max(0.0, r.money_left)]
                    decision = decision.model_copy(update={"option": draw.choice(affordable or [decision.option])})
            out.append(decision)
        return out


def roster(students: int, teams: int = len(TEAMS)) -> list[dict]:
    """``students`` members, ids s01, s02, ..., named and spread over ``teams`` teams."""
    return [{"id": f"s{i + 1:02d}", "name": NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else f" {i // len(NAMES) + 1}"),
             "team": TEAMS[i % teams]} for i in range(students)]


def policy_of(index: int, seed: int):
    """The policy simulated student ``index`` plays: a built-in one for every seventh, else a temperament."""
    if index % 7 == 3:
        return make_policy(BUILT_IN[(index // 7) % len(BUILT_IN)])
    return Student(random.Random(f"{seed}:{index}"))


def play_student(exercise: Exercise, participant: str, policy, log: Path, lessons: str = "") -> Path:
    """One student's session in ``exercise``, played to the end and saved as a log (and notes) at ``log``."""
    session = Session(exercise.world(), exercise.seed_for(participant), exercise=exercise.ref, participant=participant)
    session.run(policy, strict=False)
    session.keep_log(log)  # written once, at the end: a real log, as the app would have saved it
    store.write_notes(log, {"lessons": lessons, "plan": {}, "committed": True})
    return log


def simulated_class(folder: str | Path, students: int = 30, scenario: str = "network_migration", seed: int = 2024,
                    team_seeds: bool = False, **settings) -> tuple[Path, Path]:
    """Make ``folder``/exercise.json and ``folder``/hand-ins/<student>/ with each student's log and notes.

    ``team_seeds`` gives each team a seed of its own (drawn from ``seed``), else everyone plays ``seed``; other
    ``settings`` (minutes, reveal, difficulty, id, title) go to the exercise.  Returns the exercise file and the
    hand-ins folder.
    """
    folder = Path(folder)
    members = roster(students)
    draw = random.Random(seed)
    seeds = {"team_seeds": {t: draw.randrange(2**31) for t in TEAMS}} if team_seeds else {"seed": seed}
    exercise = make_exercise("class", scenario, id=settings.pop("id", "demo-class"),
                             title=settings.pop("title", "A simulated class"), roster=members, **seeds, **settings)
    path = write_exercise(exercise, folder / "exercise.json")
    hand_ins = folder / "hand-ins"
    for i, member in enumerate(members):
        who = member["id"]
        play_student(exercise, who, policy_of(i, seed), hand_ins / who / f"{who}{store.LOG_SUFFIX}",
                     LESSONS[i % len(LESSONS)])
    return path, hand_ins

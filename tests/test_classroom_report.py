"""The class debrief and the instructor's dashboard on a small class whose every text is hostile: talking points
checked against numbers computed here by hand, and no text a user wrote ever runs in a page or a widget."""

from __future__ import annotations

import itertools
import re

import ipywidgets as w
import pandas as pd
import pytest
from hostile.markup import MARK, PAYLOADS, dangers
from hostile.scenarios import with_hostile_texts

from sim.classroom import collect
from sim.classroom.cohort import Cohort
from sim.classroom.demo import play_student, policy_of
from sim.classroom.report import analyse, render_report
from sim.engine import Session
from sim.engine.exercise import make_exercise
from sim.engine.measures import PARTS, scorecard
from sim.policies import DecisionPlan
from sim.results import store
from sim.results.debrief import DUTIES
from sim.ui.instructor import InstructorDashboard
from sim.ui.text import CSS, esc

STUDENTS = 6
RUNS = 20

pytestmark = pytest.mark.slow


def hostile(policy):
    """``policy`` with a hostile payload as the rationale of every decision."""
    payloads = itertools.cycle(PAYLOADS)
    return lambda report: [d.model_copy(update={"rationale": next(payloads)[:200]}) for d in policy(report)]


@pytest.fixture(scope="module")
def debrief(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    scenario = with_hostile_texts("network_migration", folder / "hostile.yaml")
    roster = [{"id": f"s{i}", "name": PAYLOADS[i % len(PAYLOADS)][:100], "team": "red"} for i in range(STUDENTS)]
    exercise = make_exercise("class", scenario, id="c1", seed=11, roster=roster, title=PAYLOADS[0])
    for i, member in enumerate(roster):
        play_student(exercise, member["id"], hostile(policy_of(i, 5)), folder / "in" / f"{member['id']}{store.LOG_SUFFIX}",
                     PAYLOADS[(i + 3) % len(PAYLOADS)])
    collection = collect(exercise, [folder / "in"], folder / "out")
    return analyse(collection, runs=RUNS)


def test_the_talking_points_say_what_the_numbers_say(debrief):
    points = debrief.talking_points()
    v = debrief.cohort.verified
    assert len(v) == STUDENTS
    widest = max(PARTS, key=lambda p: v[f"score_{p}"].std(ddof=0))
    assert points[0].startswith(f"The spread was widest in {widest}: scores from {v[f'score_{widest}'].min():.0f} to ")
    beat = int((v["score"] > v["reference_score"]).sum())
    assert any(p.startswith(f"{beat} of {STUDENTS} students beat the reference PM facing the same luck") for p in points)
    assert any(p.startswith("Duty ratings: ") for p in points)


def test_a_decisions_effect_is_its_run_replayed_without_it(debrief):
    """The effects table, checked for one kind of decision by replaying each run without it here."""
    cohort = debrief.cohort
    named = cohort.decisions()
    what = debrief.effects.iloc[0]["what"]
    effects = []
    for student, session in cohort.sessions.items():
        entries = [{"day": e["day"], "decision": e["decision"]} for e in session.decisions]
        mine = named[named["student"] == student].reset_index(drop=True)
        for i in mine.index[mine["what"] == what]:
            without = Session(cohort.world, session.seed)
            without.run(DecisionPlan(entries[:i] + entries[i + 1:]), strict=False)
            full = Session(cohort.world, session.seed)
            full.run(DecisionPlan(entries), strict=False)
            effects.append(scorecard(full.project).total - scorecard(without.project).total)
    assert effects and debrief.effects.iloc[0]["score_effect"] == pytest.approx(sum(effects) / len(effects))
    assert debrief.effects.iloc[0]["times"] == len(effects)


def test_every_duty_is_rated_for_every_student(debrief):
    duties = debrief.duties
    assert list(duties.index) == [name for _, name in DUTIES]
    assert (duties.sum(axis=1) == STUDENTS).all()


def test_the_report_shows_every_hostile_text_and_runs_none(debrief):
    page = render_report(debrief)
    css = (re.search(r"<style>(.*?)</style>", page, re.S).group(1),)
    assert dangers(page, css) == []
    assert page.count(MARK) > 20  # names, lessons, the title, event titles: shown, escaped
    for heading in ("Talking points", "Outcomes against the yardsticks", "Leaderboard", "Where the class spread",
                    "Decisions over time", "What decisions did", "How events and risks were answered",
                    "What the best quarter did differently", "Duty ratings", "Lessons the students wrote", "Every log found"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("data:image/png;base64,") == 4  # outcomes, spread, heat map, duties: all in the page


def _html_values(widget):
    if isinstance(widget, w.HTML):
        yield widget.value
    for child in getattr(widget, "children", ()):
        yield from _html_values(child)


def test_the_dashboard_shows_every_hostile_text_and_runs_none(debrief):
    board = InstructorDashboard(Cohort(debrief.cohort.collection), runs=RUNS)
    pages = list(_html_values(board.widget))
    app_css = (CSS.strip().removeprefix("<style>").removesuffix("</style>"),)
    for html in pages:
        assert dangers(html, app_css) == [], html[:300]
    assert sum(html.count(MARK) for html in pages) > 10
    assert list(board.tabs.titles) == ["Overview", "Leaderboard", "Decisions", "Events & risks", "Compare two", "Not verified"]
    board_rows = re.findall(r"<tr>", next(h for h in pages if "itpm-leaderboard" in h))
    assert len(board_rows) == STUDENTS + 1
    before = board.timelines.value
    board.b.value = board.cohort.students[1]
    assert board.timelines.value != before
    assert esc(board.cohort.label(board.cohort.students[1])) in board.compared.value


def test_the_leaderboard_is_the_cohort_sorted(debrief):
    board = debrief.cohort.leaderboard()
    assert board["score"].is_monotonic_decreasing and board["rank"].iloc[0] == 1
    assert set(board["student"]) == set(pd.read_csv(debrief.cohort.collection.folder / "cohort.csv")["student"])


def test_what_the_numbers_leave_out_counts_students_and_files_that_name_nobody():
    from sim.classroom.report import not_counted

    cohort = pd.DataFrame({"student": ["a", "b", "c", "d"], "status": ["verified", "tampered", "tampered", "missing"]})
    logs = pd.DataFrame({"handed_in_by": ["a", "b", "", None, ""], "participant": ["a", "b", "c", "", None],
                         "status": ["verified", "tampered", "tampered", "unreadable", "unreadable"]})
    assert not_counted(cohort, logs) == "Not in these numbers: tampered 2, missing 1, 2 files naming no student (see the end)."
    assert not_counted(cohort.iloc[:1], logs.iloc[:3]) == ""
    assert not_counted(cohort.iloc[:1], logs.iloc[:4]) == "Not in these numbers: 1 file naming no student (see the end)."

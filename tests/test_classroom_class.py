"""A simulated class of 30, end to end on the command line: create the pack (a seed per team), 30 sessions of mixed
policies handed in three ways (nbgrader's exchange, a zip file, plain folders), three of them doctored, then
collect and report."""

from __future__ import annotations

import csv
import json
import zipfile

import pandas as pd
import pytest

from sim.classroom.demo import play_student, policy_of, roster
from sim.engine import Session, scorecard
from sim.engine.exercise import read_exercise
from sim.results import store

pytestmark = pytest.mark.slow
STUDENTS = 30


@pytest.fixture(scope="module")
def course(tmp_path_factory, cli):
    root = tmp_path_factory.mktemp("course")
    members = roster(STUDENTS)
    with open(root / "roster.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "name", "team"])
        writer.writeheader()
        writer.writerows(members)
    made = cli("class", "create", "network_migration", "--roster", str(root / "roster.csv"), "--seed-per-team",
               "--minutes", "60", "--id", "itpm-30", "--out", str(root / "pack"))
    assert made.returncode == 0, made.stderr
    exercise = read_exercise(root / "pack" / "exercise.json")
    inbound, zipped, folders = root / "exchange" / "itpm" / "inbound", root / "upload", root / "folders"
    for i, member in enumerate(members):
        who = member["id"]
        if i < 10:  # nbgrader: inbound/<student>+<assignment>+<timestamp>/
            log = inbound / f"{who}+week3+2026-03-02 10:{i:02d}:00.000000 UTC" / "sessions" / f"x{store.LOG_SUFFIX}"
        elif i < 20:
            log = zipped / who / f"{who}{store.LOG_SUFFIX}"
        else:
            log = folders / who / f"my session{store.LOG_SUFFIX}"
        play_student(exercise, who, policy_of(i, 7), log, f"Lessons of {member['name']}.")
    doctor(inbound / "s06+week3+2026-03-02 10:05:00.000000 UTC" / "sessions" / f"x{store.LOG_SUFFIX}", edited_decision)
    doctor(zipped / "s13" / f"s13{store.LOG_SUFFIX}", edited_outcome)
    truncated = folders / "s26" / f"my session{store.LOG_SUFFIX}"
    truncated.write_bytes(truncated.read_bytes()[:3000])
    with zipfile.ZipFile(root / "upload.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(zipped.rglob("*.json")):
            archive.write(path, path.relative_to(zipped))
    out = root / "collected"
    collected = cli("class", "collect", str(root / "pack" / "exercise.json"), str(root / "exchange"),
                    str(root / "upload.zip"), str(folders), "--out", str(out), "--workers", "2")
    assert collected.returncode == 0, collected.stderr
    return {"root": root, "exercise": exercise, "members": members, "out": out, "stdout": collected.stdout}


def doctor(path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=1))


def edited_decision(data: dict) -> None:
    entry = next(e for e in data["decisions"] if e["decision"]["type"] == "set_quality")
    entry["decision"]["level"] = round(entry["decision"]["level"] + 0.05, 4)


def edited_outcome(data: dict) -> None:
    """Claim a finish a week earlier, on time: always a change (setting it to the deadline was none in the ~3% of
    worlds where the project really finished on the deadline day, which made this test fail in CI now and then)."""
    data["outcome"]["on_time"] = True
    data["outcome"]["finish_day"] -= 5


def test_the_cohort_has_one_row_per_student_and_three_that_do_not_count(course):
    cohort = pd.read_csv(course["out"] / "cohort.csv")
    assert cohort["student"].tolist() == [m["id"] for m in course["members"]]
    assert cohort["status"].value_counts().to_dict() == {"verified": 27, "tampered": 2, "unreadable": 1}
    status = cohort.set_index("student")["status"]
    assert (status["s06"], status["s13"], status["s26"]) == ("tampered", "tampered", "unreadable")
    assert cohort.loc[cohort["status"] == "verified", "score"].notna().all()
    assert cohort.loc[cohort["status"] != "verified", "score"].isna().all()
    stdout = course["stdout"]
    assert "  verified 27 · tampered 2 · unreadable 1" in stdout
    problems = [line for line in stdout.splitlines() if line.startswith(("  tampered", "  unreadable"))]
    assert len(problems) == 3 and any("s26" in p and "not a JSON session log" in p for p in problems)


def test_scores_are_the_replays_on_each_teams_seed(course):
    cohort = pd.read_csv(course["out"] / "cohort.csv").set_index("student")
    exercise = course["exercise"]
    assert len(set(exercise.team_seeds.values())) == 3  # mixed seeds: one per team
    for index in (0, 3, 17, 29):  # from the exchange, a built-in policy, the zip file, a plain folder
        who = course["members"][index]["id"]
        session = Session(exercise.world(), exercise.seed_for(who))
        session.run(policy_of(index, 7), strict=False)
        assert cohort.loc[who, "score"] == scorecard(session.project).total
        assert cohort.loc[who, "seed"] == exercise.seed_for(who)
    logs = pd.read_csv(course["out"] / "logs.csv")
    assert (logs["handed_in_by"].notna().sum(), logs["source"].str.contains("upload.zip:").sum()) == (10, 10)


def test_the_class_debrief(course, cli):
    page_path = course["root"] / "debrief.html"
    result = cli("class", "report", str(course["out"]), "--html", str(page_path))
    assert result.returncode == 0, result.stderr
    page = page_path.read_text()
    assert "<h2>Talking points</h2>" in page and "The spread was widest in " in page
    assert "Not in these numbers: tampered 2, unreadable 1" in page
    assert "27 verified" in page and page.count("data:image/png;base64,") == 4
    again = cli("class", "report", str(course["out"]), "--html", str(course["out"] / "cohort.csv"))
    assert again.returncode == 2 and "not an HTML file name" in again.stderr

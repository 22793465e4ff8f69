"""itpm-sim class create and class collect on the command line: what they write, what they print, and bad input
refused with one located line (exit 2), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from sim.classroom.demo import play_student, policy_of
from sim.engine.exercise import read_exercise
from sim.results import store

ROSTER = "id,name,team\nann,Ann Lee,red\nbob,Bob Ray,blue\ncy,Cy,red\n"


@pytest.fixture(scope="module")
def pack(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("pack")
    roster = folder / "roster.csv"
    roster.write_text(ROSTER)
    result = cli("class", "create", "network_migration", "--roster", str(roster), "--minutes", "45", "--reveal", "outcome",
                 "--rationale", "required", "--id", "itpm-101", "--title", "Week 3: the network migration",
                 "--out", str(folder / "week3"))
    assert result.returncode == 0, result.stderr
    return folder / "week3", result.stdout


def test_create_writes_the_exercise_the_notebook_and_the_handout(pack):
    folder, printed = pack
    assert sorted(p.name for p in folder.iterdir()) == ["exercise.json", "handout.html", "play.ipynb"]
    ex = read_exercise(folder / "exercise.json")
    assert (ex.id, ex.minutes, ex.reveal, ex.rationale, ex.difficulty) == ("itpm-101", 45, "outcome", "required", "standard")
    assert [m.id for m in ex.roster] == ["ann", "bob", "cy"] and ex.member("ann").name == "Ann Lee"
    assert ex.seed is not None and not ex.team_seeds  # one world for everyone by default
    assert f"seed {ex.seed}" in printed and "Time box: 45 minutes" in printed
    handout = (folder / "handout.html").read_text()
    assert "Week 3: the network migration" in handout and "Veldkamp" in handout  # the briefing
    assert "45 minutes" in handout and "one-line reason" in handout and "your outcome and scorecard" in handout
    assert f"sessions/itpm-101-{ex.sha256[:8]}-&lt;your id&gt;.session.json" in handout
    assert str(ex.seed) not in handout  # never the seed
    nb = nbformat.read(folder / "play.ipynb", 4)
    assert nb.cells[-1].source == 'from sim.ui import play\n\nplay(exercise="exercise.json")'
    for name in (f"sessions/itpm-101-{ex.sha256[:8]}-<your id>.session.json", f"sessions/itpm-101-{ex.sha256[:8]}-<your id>.notes.json"):
        assert name.replace("<", "&lt;").replace(">", "&gt;") in handout and f"`{name}`" in nb.cells[0].source  # both hand-ins, both places


def test_the_students_notebook_opens_the_exercise(pack, tmp_path):
    """The pack's notebook, run by a kernel as a student on JupyterHub would: the app opens as that student."""
    folder, _ = pack
    work = tmp_path / "student"
    work.mkdir()
    for name in ("exercise.json", "play.ipynb"):
        (work / name).write_bytes((folder / name).read_bytes())
    nb = nbformat.read(work / "play.ipynb", 4)
    nb.cells.append(nbformat.v4.new_code_cell("app = _\nprint(app.model.participant, app.model.stage, app.model.exercise.id)"))
    env = {"JUPYTERHUB_USER": "bob"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert nb.cells[-1].outputs[0]["text"] == "bob choose itpm-101\n"


def test_create_refuses_to_write_over_a_pack_and_bad_rosters(pack, tmp_path, cli):
    folder, _ = pack
    before = (folder / "exercise.json").read_bytes()
    again = cli("class", "create", "network_migration", "--out", str(folder))
    assert again.returncode == 2
    assert again.stderr.startswith(f"itpm-sim class: --out {folder}: holds exercise.json, play.ipynb, handout.html already")
    assert (folder / "exercise.json").read_bytes() == before
    roster = tmp_path / "r.csv"
    for text, message in (("name\nAnn\n", f"{roster}:1: no id column"),
                          ("id,name,team\nann,A,r\nann,B,r\n", f"{roster}:3: id: appears twice (got 'ann' again, first on line 2)"),
                          ("id,name,team\nann smith,A,r\n", f"{roster}:2: id: badly formed (got 'ann smith'"),
                          ("id,name,team\nann,A,red\nbob,B\n", f"{roster}:3: team: missing (got nothing for 'bob'"),
                          ("id,name,team\nann,A,red,x\n", f"{roster}:2: too many values (got 4, expected 3)"),
                          ("id,email\nann,a@x\n", f"{roster}:1: unknown column 'email'")):
        roster.write_text(text)
        result = cli("class", "create", "network_migration", "--roster", str(roster), "--seed-per-team",
                     "--out", str(tmp_path / "p"))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "p").exists()
    for args, message in ((["--seed", "1", "--seed-per-team"], "not allowed with argument"),
                          (["--minutes", "0"], "expected a whole number from 1 to 1,440"),
                          (["--reveal", "all"], "invalid choice: 'all'"),
                          (["--id", "two words"], "id: badly formed (got 'two words'"),
                          (["--seed-per-team"], "--seed-per-team needs --roster")):
        result = cli("class", "create", "network_migration", *args, "--out", str(tmp_path / "q"))
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def hand_ins(pack, tmp_path_factory):
    """Three students' logs in the pack's exercise (bob's truncated on the way), and a file that is not a log."""
    folder, _ = pack
    ex = read_exercise(folder / "exercise.json")
    root = tmp_path_factory.mktemp("hand-ins")
    for i, who in enumerate(("ann", "bob", "cy")):
        play_student(ex, who, policy_of(i, 1), root / who / f"{who}{store.LOG_SUFFIX}", f"lesson of {who}")
    bob = root / "bob" / f"bob{store.LOG_SUFFIX}"
    bob.write_bytes(bob.read_bytes()[:2000])
    return root


def test_collect_prints_a_summary_and_each_problem_on_one_located_line(pack, hand_ins, tmp_path, cli):
    folder, _ = pack
    out = tmp_path / "collected"
    result = cli("class", "collect", str(folder / "exercise.json"), str(hand_ins), "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("exercise 'itpm-101' (Week 3: the network migration: network_migration (standard, 45 minutes)): 3 log(s) found")
    assert lines[1] == "  verified 2 · unreadable 1"
    bad = [line for line in lines if line.startswith("  unreadable")]
    assert len(bad) == 1 and f"{hand_ins / 'bob' / 'bob.session.json'}:" in bad[0] and "not a JSON session log" in bad[0]
    assert "students: 3; 2 verified, 1 unreadable" in result.stdout
    cohort = (out / "cohort.csv").read_text().splitlines()
    assert cohort[0].startswith("student,name,team,status,reason,attempts,seed,finished,finish_day")
    assert [row.split(",")[0] for row in cohort[1:]] == ["ann", "bob", "cy"]
    again = cli("class", "collect", str(folder / "exercise.json"), str(hand_ins), "--out", str(out))
    assert again.returncode == 2 and "holds the results of a collection already" in again.stderr and "--update" in again.stderr
    update = cli("class", "collect", str(folder / "exercise.json"), str(hand_ins), "--out", str(out), "--update", "--json")
    assert update.returncode == 0 and json.loads(update.stdout)["statuses"] == {"verified": 2, "unreadable": 1}


def test_collect_refuses_bad_input_with_one_located_line(pack, hand_ins, tmp_path, cli):
    folder, _ = pack
    exercise = folder / "exercise.json"
    missing = cli("class", "collect", str(exercise), str(tmp_path / "nowhere"), "--out", str(tmp_path / "o1"))
    assert missing.returncode == 2 and f"{tmp_path / 'nowhere'}: no such file or folder" in missing.stderr
    broken = tmp_path / "exercise.json"
    broken.write_text(exercise.read_text().replace('"reveal": "outcome"', '"reveal": "most"'))
    bad = cli("class", "collect", str(broken), str(hand_ins), "--out", str(tmp_path / "o2"))
    assert bad.returncode == 2 and bad.stderr.startswith(f"itpm-sim class: {broken}:") and ": reveal: " in bad.stderr
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    a_file = tmp_path / "file"
    a_file.write_text("x")
    as_out = cli("class", "collect", str(exercise), str(hand_ins), "--out", str(a_file))
    assert as_out.returncode == 2 and "got a file, expected a folder" in as_out.stderr


def test_python_m_sim_class_needs_an_action():
    result = subprocess.run([sys.executable, "-m", "sim", "class"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "ACTION" in result.stderr


def test_a_pack_folder_given_where_a_collection_belongs_is_named_as_a_pack(pack, hand_ins, tmp_path, cli):
    """The pack and the collection both hold an exercise.json: mixing them up is told apart, with what to do."""
    folder, _ = pack
    into_pack = cli("class", "collect", str(folder / "exercise.json"), str(hand_ins), "--out", str(folder))
    assert into_pack.returncode == 2 and f"--out {folder}: is a class pack" in into_pack.stderr
    assert "holds the results of a collection" not in into_pack.stderr and "expected a new or empty folder" in into_pack.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["exercise.json", "handout.html", "play.ipynb"]
    report = cli("class", "report", str(folder), "--html", str(tmp_path / "debrief.html"))
    assert report.returncode == 2 and f"{folder}: is a class pack, not a collection: collect the students' logs first" in report.stderr
    assert "cannot be read" not in report.stderr and report.stderr.count("\n") == 1
    assert not (tmp_path / "debrief.html").exists()


def test_the_dashboard_notebook_shows_a_wrong_folder_as_one_line_not_a_traceback(pack):
    """02_instructor.ipynb opens the class with open_class(CLASS): a pack given for CLASS reads as one line."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    folder, _ = pack
    shell = InteractiveShell.instance()
    try:
        with capture_output() as shown:
            result = shell.run_cell(f"from sim.ui.instructor import open_class\nopen_class({str(folder)!r})")
    finally:
        InteractiveShell.clear_instance()
    assert result.error_in_exec is not None
    assert shown.stdout.strip() == f"Cannot open the class: {folder}: is a class pack, not a collection: collect the students' " \
                                   f"logs first (itpm-sim class collect {folder / 'exercise.json'} LOGS... --out NEWDIR), then give NEWDIR"
    assert "Traceback" not in shown.stdout + shown.stderr


def test_a_log_whose_replay_fails_is_listed_with_its_path_once(pack, hand_ins, tmp_path, cli):
    folder, _ = pack
    ann = hand_ins / "ann" / f"ann{store.LOG_SUFFIX}"
    data = json.loads(ann.read_text())
    bought = next(e for e in data["decisions"] if e["decision"]["type"] == "buy_response")
    bought["decision"]["response"] = "golden_ticket"  # a response the scenario does not offer: refused on replay
    doctored = tmp_path / "in" / "ann" / ann.name
    doctored.parent.mkdir(parents=True)
    doctored.write_text(json.dumps(data, indent=1))
    result = cli("class", "collect", str(folder / "exercise.json"), str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    listed = [line for line in result.stdout.splitlines() if line.startswith("  tampered    ")]
    assert len(listed) == 1 and listed[0].count(str(doctored)) == 1, result.stdout
    assert listed[0].startswith(f"  tampered    ann: the replay fails: {doctored}:39:3: decision 2:"), listed
    assert "golden_ticket" in listed[0] and "  tampered 1" in result.stdout.splitlines(), result.stdout

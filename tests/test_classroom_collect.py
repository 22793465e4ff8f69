"""Collecting a class: folders, zip files and nbgrader's layout; duplicates and attempts; nothing lost or overwritten."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.classroom import CollectError, collect, find_hand_ins, read_collection
from sim.classroom.handins import MAX_ZIP_DEPTH
from sim.engine import Session, replay, scorecard
from sim.engine.exercise import make_exercise, write_exercise
from sim.engine.log import MAX_LOG_BYTES
from sim.policies import make_policy
from sim.results import store

ROSTER = [{"id": who, "name": who.title(), "team": "red"} for who in ("ann", "bob", "cy", "dee", "eve")]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def exercise():
    return make_exercise("class", "network_migration", id="itpm-101", seed=31, roster=ROSTER)


def play(exercise, path: Path, who: str, policy: str = "reference", started: dt.datetime = T0, stops: int | None = None,
         lessons: str = "") -> Path:
    """A real log of ``who`` (a session started at ``started``), to the end or to ``stops``, saved at ``path``."""
    session = Session(exercise.world(), exercise.seed, exercise=exercise.ref, participant=who)
    session.started = started
    decide = make_policy(policy)
    if stops is None:
        session.run(decide)
    else:
        for _ in range(stops):
            session.step(decide(session.observe()))
    path.parent.mkdir(parents=True, exist_ok=True)
    session.keep_log(path)
    if lessons:
        store.write_notes(path, {"lessons": lessons})
    return path


@pytest.fixture(scope="module")
def class_folder(exercise, tmp_path_factory):
    """Hand-ins as a class leaves them: attempts, saves of one session, a doctored log, a copy, a broken file."""
    root = tmp_path_factory.mktemp("hand-ins")
    ann = play(exercise, root / "ann" / "ann.session.json", "ann", lessons="Order the switches early.")
    play(exercise, root / "bob" / "first.session.json", "bob", "passive", started=T0)
    play(exercise, root / "bob" / "second.session.json", "bob", "cautious", started=T0 + dt.timedelta(hours=1))
    play(exercise, root / "cy" / "early.session.json", "cy", "aggressive", stops=5)
    play(exercise, root / "cy" / "late.session.json", "cy", "aggressive")
    dee = play(exercise, root / "dee" / "dee.session.json", "dee")
    data = json.loads(dee.read_text())
    data["outcome"]["cost"] = round(data["outcome"]["cost"] / 2, 2)
    dee.write_text(json.dumps(data, indent=1))
    shutil.copy(ann, root / "ann" / "copy-of-mine.json")  # a renamed copy: found by its content, counted once
    (root / "broken").mkdir()
    (root / "broken" / "x.session.json").write_text('{"format": "itpm-sim-session/1", "kit_version": ')
    (root / "broken" / "readme.json").write_text('{"not": "a log"}')  # other JSON is not a hand-in
    return root


@pytest.fixture(scope="module")
def collected(exercise, class_folder, tmp_path_factory):
    return collect(exercise, [class_folder], tmp_path_factory.mktemp("out") / "class")


def by_student(collection) -> dict:
    return {row.student: row for row in collection.cohort.itertuples(index=False)}


def test_one_row_per_student_with_the_kept_logs_status(collected):
    rows = by_student(collected)
    assert list(rows) == ["ann", "bob", "cy", "dee", "eve"]
    assert {w: r.status for w, r in rows.items()} == {
        "ann": "verified", "bob": "verified", "cy": "verified", "dee": "tampered", "eve": "missing"}
    assert (rows["bob"].attempts, rows["cy"].attempts, rows["ann"].attempts) == (2, 1, 1)
    assert rows["bob"].source.endswith("second.session.json")  # the latest attempt is kept
    assert rows["cy"].source.endswith("late.session.json")  # the furthest save of one session
    assert "cost recorded" in rows["dee"].reason and pd.isna(rows["dee"].score)
    assert rows["eve"].reason == "no log handed in"


def test_scores_come_from_the_replay_and_are_set_against_reference_on_the_same_seed(exercise, collected):
    rows = by_student(collected)
    direct = Session(exercise.world(), exercise.seed)
    direct.run(make_policy("cautious"))
    assert rows["bob"].score == scorecard(direct.project).total
    reference = Session(exercise.world(), exercise.seed)
    reference.run(make_policy("reference"))
    assert rows["ann"].reference_score == scorecard(reference.project).total
    assert rows["ann"].vs_reference == 0.0  # ann played the reference policy itself
    assert rows["bob"].vs_reference == pytest.approx(rows["bob"].score - rows["bob"].reference_score)
    assert rows["ann"].decisions == len(reference.decisions) > 0


def test_every_log_found_has_a_status_and_a_reason(collected):
    logs = collected.logs.set_index("source")
    status = {Path(s).parent.name + "/" + Path(s).name: r for s, r in logs["status"].items()}
    assert status == {
        "ann/ann.session.json": "verified", "ann/copy-of-mine.json": "duplicate",
        "bob/first.session.json": "duplicate", "bob/second.session.json": "verified",
        "cy/early.session.json": "duplicate", "cy/late.session.json": "verified",
        "dee/dee.session.json": "tampered", "broken/x.session.json": "unreadable",
    }
    reasons = {Path(s).name: r for s, r in logs["reason"].items()}
    assert reasons["copy-of-mine.json"].startswith("an identical copy of ")
    assert reasons["first.session.json"].startswith("attempt 1 of 2 by bob (the latest is kept: ")
    assert "; this one is verified: " in reasons["first.session.json"]
    assert reasons["early.session.json"].startswith("an earlier save of the same session by cy (5 status points; ")
    assert reasons["x.session.json"].startswith(str(next(s for s in logs.index if s.endswith("x.session.json"))) + ":1:")
    assert collected.problems() == [reasons["x.session.json"]]


def test_the_folder_holds_the_tables_the_exercise_and_a_copy_of_every_log(exercise, collected):
    folder = collected.folder
    back = read_collection(folder)
    assert back.exercise == exercise
    assert back.cohort["student"].tolist() == collected.cohort["student"].tolist()
    assert back.cohort["score"].equals(collected.cohort["score"])
    stored = sorted(p.name for p in (folder / "logs").glob("*.session.json"))
    assert len(stored) == 7 and all(name.split("-")[0] in ("ann", "bob", "cy", "dee", "unknown") for name in stored)
    ann = folder / collected.cohort.set_index("student").loc["ann", "stored"]
    assert store.read_notes(ann)["lessons"] == "Order the switches early."


def test_a_folder_with_results_is_refused_unless_updated_and_an_update_loses_nothing(exercise, class_folder, tmp_path):
    out = tmp_path / "class"
    first = collect(exercise, [class_folder / "ann"], out)
    assert by_student(first)["bob"].status == "missing"
    before = {p.name: p.read_bytes() for p in (out / "logs").iterdir()}
    with pytest.raises(CollectError, match=r"holds the results of a collection already .* give --update"):
        collect(exercise, [class_folder / "bob"], out)
    later = collect(exercise, [class_folder / "bob"], out, update=True)
    rows = by_student(later)
    assert rows["ann"].status == "verified" and rows["bob"].status == "verified" and rows["bob"].attempts == 2
    assert all((out / "logs" / name).read_bytes() == data for name, data in before.items())
    again = collect(exercise, [class_folder / "bob"], out, update=True)  # the same hand-ins again: nothing doubles
    assert len(again.logs) == len(later.logs)
    other = make_exercise("class", "network_migration", id="itpm-102", seed=31)
    with pytest.raises(CollectError, match="holds the results of exercise 'itpm-101'"):
        collect(other, [class_folder], out, update=True)


@pytest.mark.parametrize("keep", ["first", "best"])
def test_which_attempt_is_kept(exercise, class_folder, keep):
    rows = by_student(collect(exercise, [class_folder / "bob"], keep=keep))
    names = ("first.session.json", "second.session.json")
    scores = {n: scorecard(replay(class_folder / "bob" / n, exercise.world()).project).total for n in names}
    assert scores["first.session.json"] != scores["second.session.json"]
    assert rows["bob"].source.endswith("first.session.json" if keep == "first" else max(names, key=scores.__getitem__))


def test_nbgrader_inbound_layout_tells_who_handed_in(exercise, class_folder, tmp_path):
    inbound = tmp_path / "exchange" / "course" / "inbound"
    for student, stamp, log in (("ann", "2026-03-02 10:00:00.000001 UTC", "ann/ann.session.json"),
                                ("bob", "2026-03-02 10:05:00.000001 UTC+Ab_c-12", "ann/ann.session.json")):
        target = inbound / f"{student}+itpm-101+{stamp}" / "sessions" / Path(log).name
        target.parent.mkdir(parents=True)
        shutil.copy(class_folder / log, target)
    collection = collect(exercise, [inbound])
    logs = collection.logs.set_index("handed_in_by")
    assert logs.loc["ann", "status"] == "verified" and logs.loc["ann", "submitted"] == "2026-03-02 10:00:00.000001 UTC"
    assert (logs.loc["bob", "status"], logs.loc["bob", "reason"]) == ("foreign", "handed in by 'bob' but played by 'ann'")
    assert by_student(collection)["bob"].status == "foreign"


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_files_are_read_in_memory_never_extracted(exercise, class_folder, tmp_path):
    ann = (class_folder / "ann" / "ann.session.json").read_bytes()
    cy = (class_folder / "cy" / "late.session.json").read_bytes()
    inner = zipped({"cy+itpm-101+2026-03-02 11:00:00 UTC/cy.session.json": cy})
    bundle = tmp_path / "moodle.zip"
    bundle.write_bytes(zipped({
        "../../escaped.session.json": ann, "/etc/absolute.session.json": ann, "folder/inner.zip": inner,
        "bomb.session.json": b"0" * (MAX_LOG_BYTES + 10), "notes/readme.txt": b"hello",
        "weird\nname.session.json": b"{",
    }))
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    out = tmp_path / "out"
    before = set(tmp_path.rglob("*"))
    collection = collect(exercise, [bundle, tmp_path / "broken.zip"], out)
    written = set(tmp_path.rglob("*")) - before
    assert all(out in p.parents or p == out for p in written)  # nothing outside the collection folder
    logs = collection.logs.set_index("source")
    assert logs.loc[f"{bundle}:../../escaped.session.json", "status"] == "verified"
    assert logs.loc[f"{bundle}:/etc/absolute.session.json", "status"] == "duplicate"
    nested = f"{bundle}:folder/inner.zip:cy+itpm-101+2026-03-02 11:00:00 UTC/cy.session.json"
    assert (logs.loc[nested, "status"], logs.loc[nested, "handed_in_by"]) == ("verified", "cy")
    assert logs.loc[f"{bundle}:bomb.session.json", "reason"].endswith(
        f"entry too large (got more than {MAX_LOG_BYTES} bytes, expected at most {MAX_LOG_BYTES})")
    assert logs.loc[f"{bundle}:weird\\nname.session.json", "status"] == "unreadable"  # shown on one line
    assert "not a readable zip file" in logs.loc[str(tmp_path / "broken.zip"), "reason"]
    assert not (tmp_path / "escaped.session.json").exists()


def test_zips_nested_too_deeply_are_reported(tmp_path):
    data = b"{}"
    name = "x.session.json"
    for _ in range(MAX_ZIP_DEPTH + 1):
        data, name = zipped({name: data}), "deeper.zip"
    (tmp_path / "deep.zip").write_bytes(data)
    found = find_hand_ins([tmp_path / "deep.zip"])
    assert len(found) == 1 and "nested too deeply" in found[0].problem


def test_a_bad_log_never_hides_a_good_one(exercise, class_folder, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(class_folder / "ann" / "ann.session.json", folder / "b.session.json")
    (folder / "a.session.json").write_bytes(b"\x00\xff not json")
    (folder / "c.session.json").mkdir()  # a folder named like a log
    rows = by_student(collect(exercise, [folder]))
    assert rows["ann"].status == "verified"


def test_write_exercise_of_a_collection_is_the_exercise(exercise, tmp_path):
    path = write_exercise(exercise, tmp_path / "exercise.json")
    collection = collect(path, [])
    assert collection.exercise == exercise and collection.logs.empty
    assert (collection.cohort["status"] == "missing").all()


def test_a_class_with_nothing_verified_still_shows_and_reports(exercise, class_folder, tmp_path):
    from sim.classroom.cohort import Cohort
    from sim.classroom.report import analyse, render_report
    from sim.ui.instructor import InstructorDashboard

    collection = collect(exercise, [class_folder / "dee", class_folder / "broken"], tmp_path / "out")
    assert set(collection.cohort["status"]) == {"tampered", "missing"}  # the broken file names nobody
    assert collection.counts() == {"tampered": 1, "unreadable": 1}
    board = InstructorDashboard(Cohort(collection), runs=4)
    assert "No verified session yet" in board.tabs.children[1].value
    debrief = analyse(collection, runs=4)
    missing = int((collection.cohort["status"] == "missing").sum())
    assert debrief.talking_points() == ["No verified session yet: nothing to compare.",  # and what is left out
                                        f"Not in these numbers: tampered 1, missing {missing}, 1 file naming no student (see the end)."]
    page = render_report(debrief)
    assert "<h2>Not verified</h2>" in page and "cost recorded" in page


def test_a_log_of_an_earlier_kit_is_sorted_as_outdated_with_its_reason(exercise, class_folder, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    data = json.loads((class_folder / "ann" / "ann.session.json").read_text())
    data["kit_version"] = "0.1.0"  # what kit 0.1.0 wrote had no approved targets in its outcome
    for key in ("approved_deadline_day", "approved_budget", "sponsor_requests", "sponsor_refusals"):
        data["outcome"].pop(key)
    (folder / "ann.session.json").write_text(json.dumps(data, indent=1))
    collection = collect(exercise, [folder])
    row = by_student(collection)["ann"]
    assert row.status == "outdated"
    assert row.reason.endswith(f"recorded with ITPM Sim 0.1.0, whose model differs from this kit's {sim.__version__}: "
                               "replay it with that version")
    assert collection.counts() == {"outdated": 1}


@pytest.mark.parametrize("keep", ["first", "latest"])
def test_two_sessions_started_in_one_second_are_two_attempts_not_two_saves(exercise, class_folder, tmp_path, keep):
    """Saves of one session share its start and its decisions; two sessions that only share the start second (two
    machines, or a start time edited to merge attempts) are two attempts, and --keep first keeps the one that ran first."""
    folder = tmp_path / "bob"
    folder.mkdir()
    for name in ("first.session.json", "second.session.json"):
        shutil.copy(class_folder / "bob" / name, folder / name)
    second = folder / "second.session.json"
    data = json.loads(second.read_text())
    data["started"] = json.loads((folder / "first.session.json").read_text())["started"]
    for entry in data["decisions"]:  # played an hour after the first, as its start said before the edit
        entry["wall_time"] = (dt.datetime.fromisoformat(entry["wall_time"]) + dt.timedelta(hours=1)).isoformat()
    second.write_text(json.dumps(data, indent=1))
    collection = collect(exercise, [folder], keep=keep)
    logs = collection.logs.set_index(collection.logs["source"].str.rsplit("/", n=1).str[-1])
    assert by_student(collection)["bob"].attempts == 2
    assert not logs["reason"].str.contains("earlier save").any()
    dropped = "second.session.json" if keep == "first" else "first.session.json"
    assert logs.loc[dropped, "status"] == "duplicate"
    assert logs.loc[dropped, "reason"].startswith(f"attempt {1 if keep == 'latest' else 2} of 2 by bob (the {keep} is kept")

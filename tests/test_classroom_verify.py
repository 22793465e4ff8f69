"""Verification of one log: each status from a real log made by the engine, then doctored as a student might."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

import sim
from sim.classroom import verify_log
from sim.engine import Session, World, scorecard
from sim.engine.exercise import make_exercise
from sim.policies import make_policy

ROSTER = [{"id": "ann", "name": "Ann", "team": "red"}, {"id": "bob", "name": "Bob", "team": "blue"},
          {"id": "cy", "name": "Cy", "team": "red"}]


@pytest.fixture(scope="module")
def exercise():
    return make_exercise("class", "network_migration", id="itpm-101", seed=4242, roster=ROSTER)


def play(exercise, folder: Path, who: str, policy: str = "reference", seed: int | None = None, stops: int | None = None,
         world: World | None = None, ref=None) -> Path:
    """A real session log of ``who`` in ``exercise`` (or another world, seed or exercise), to the end or ``stops``."""
    log = folder / f"{who}-{policy}-{seed}-{stops}.session.json"
    session = Session(world or exercise.world(), exercise.seed if seed is None else seed, log,
                      exercise=ref or exercise.ref, participant=who)
    decide = make_policy(policy)
    if stops is None:
        session.run(decide)
    else:
        for _ in range(stops):
            session.step(decide(session.observe()))
    return log


@pytest.fixture(scope="module")
def logs(exercise, tmp_path_factory):
    folder = tmp_path_factory.mktemp("logs")
    return {
        "reference": play(exercise, folder, "ann"),
        "cautious": play(exercise, folder, "bob", "cautious"),
        "seed": play(exercise, folder, "cy", seed=7),
        "unfinished": play(exercise, folder, "cy", stops=6),
    }


def doctored(src: Path, folder: Path, edit) -> Path:
    """A copy of the log ``src`` after ``edit`` changed its JSON data in place."""
    data = json.loads(src.read_text())
    edit(data)
    out = folder / f"doctored-{src.name}"
    out.write_text(json.dumps(data, indent=1))
    return out


def test_an_untouched_log_is_verified_and_its_numbers_come_from_the_replay(exercise, logs):
    verdict = verify_log(logs["reference"], exercise, keep_session=True)
    assert (verdict.status, verdict.participant, verdict.finished) == ("verified", "ann", True)
    direct = Session(exercise.world(), 4242)
    direct.run(make_policy("reference"))
    assert verdict.result["score"] == scorecard(direct.project).total
    assert verdict.result["decisions"] == len(direct.decisions) > 0
    assert f"score {verdict.result['score']:.1f}" in verdict.reason
    assert verdict.session.done and verdict.session.participant == "ann"


def test_an_edited_decision_is_tampered(exercise, logs, tmp_path):
    def edit(data):
        entry = next(e for e in data["decisions"] if e["decision"]["type"] == "set_communication")
        entry["decision"]["level"] = 0.3

    path = doctored(logs["reference"], tmp_path, edit)
    verdict = verify_log(path, exercise)
    assert verdict.status == "tampered" and verdict.result is None
    # the higher level changes the run, so a later decision no longer falls on the day the log says
    assert re.match(rf"the replay fails: {re.escape(str(path))}:\d+:\d+: decision \d+: made at stop \d+ on day [\d.]+, "
                    r"but the replay is on day [\d.]+ at that stop$", verdict.reason), verdict.reason


def test_a_decision_edited_into_one_the_engine_refuses_is_tampered_at_its_line(exercise, logs, tmp_path):
    def edit(data):
        next(e for e in data["decisions"] if e["decision"]["type"] == "buy_response")["decision"]["response"] = "golden_ticket"

    path = doctored(logs["reference"], tmp_path, edit)
    verdict = verify_log(path, exercise)
    assert verdict.status == "tampered"
    assert verdict.reason.startswith(f"the replay fails: {path}:")
    assert "refused on replay" in verdict.reason and "golden_ticket" in verdict.reason


def test_an_edited_outcome_is_tampered_and_the_reason_names_the_field(exercise, logs, tmp_path):
    data = json.loads(logs["reference"].read_text())
    cost = data["outcome"]["cost"]

    def edit(data):
        data["outcome"]["cost"] = round(cost * 0.8, 2)
        data["outcome"]["on_budget"] = True

    verdict = verify_log(doctored(logs["reference"], tmp_path, edit), exercise)
    assert verdict.status == "tampered"
    assert f"cost recorded {cost * 0.8:,.2f}, replayed {cost:,.2f}" in verdict.reason


def test_another_seed_is_foreign_and_a_seed_edited_to_the_exercises_is_tampered(exercise, logs, tmp_path):
    verdict = verify_log(logs["seed"], exercise)
    assert (verdict.status, verdict.reason) == ("foreign", "played with another seed (got 7, expected 4242)")
    claimed = verify_log(doctored(logs["seed"], tmp_path, lambda d: d.update(seed=4242)), exercise)
    assert claimed.status == "tampered"


def test_another_scenario_version_is_foreign(exercise, logs, tmp_path):
    edited = tmp_path / "network_migration.yaml"
    edited.write_bytes(World.from_file("network_migration").raw + b"\n# a later edit\n")
    other = make_exercise("class", edited, id="itpm-101", seed=4242, roster=ROSTER)
    verdict = verify_log(play(other, tmp_path, "ann"), exercise)
    assert verdict.status == "foreign" and verdict.reason.startswith("played in another version of exercise 'itpm-101'")

    def edit(data):
        data["scenario"]["sha256"] = other.scenario.sha256

    verdict = verify_log(doctored(logs["reference"], tmp_path, edit), exercise)
    assert verdict.status == "foreign"
    assert verdict.reason.startswith("played on another version of scenario 'network_migration' (sha256 "
                                     f"{other.scenario.sha256[:12]}..., expected {exercise.scenario.sha256[:12]}...)")


def test_another_class_difficulty_roster_or_hand_in_is_foreign(exercise, logs, tmp_path):
    other = make_exercise("class", "network_migration", id="itpm-102", seed=4242, roster=ROSTER)
    assert verify_log(play(other, tmp_path, "ann", ref=other.ref), exercise).reason == \
        "played in class exercise 'itpm-102', not in class exercise 'itpm-101'"
    free = tmp_path / "free.session.json"
    Session(exercise.world(), 4242, free).run(make_policy("passive"))
    assert verify_log(free, exercise).reason.startswith("not played in an exercise (a free session of network_migration)")
    hard = doctored(logs["reference"], tmp_path, lambda d: d.update(difficulty="hard"))
    assert verify_log(hard, exercise).reason == "played at difficulty 'hard', expected 'standard'"
    stranger = doctored(logs["reference"], tmp_path, lambda d: d.update(participant="zed"))
    assert verify_log(stranger, exercise).reason == "participant 'zed' is not on the exercise's roster"
    verdict = verify_log(logs["reference"], exercise, handed_in_by="bob")
    assert (verdict.status, verdict.reason) == ("foreign", "handed in by 'bob' but played by 'ann'")


def test_an_unfinished_log_is_replayed_to_where_it_stopped(exercise, logs):
    verdict = verify_log(logs["unfinished"], exercise)
    assert verdict.status == "unfinished" and not verdict.finished
    assert verdict.result["stops"] == 6 and "score" not in verdict.result
    assert verdict.reason.startswith("stopped at status point 6 (working day ")


def test_a_truncated_file_is_unreadable_at_its_line(exercise, logs, tmp_path):
    text = logs["cautious"].read_bytes()
    cut = tmp_path / "cut.session.json"
    cut.write_bytes(text[: len(text) // 2])
    verdict = verify_log(cut, exercise, name="hand-in.zip:bob/cut.session.json")
    assert verdict.status == "unreadable"
    assert verdict.reason.startswith("hand-in.zip:bob/cut.session.json:")
    assert "not a JSON session log" in verdict.reason and str(tmp_path) not in verdict.reason


def test_a_copy_verifies_wherever_it_lies(exercise, logs, tmp_path):
    copy = tmp_path / "elsewhere" / "x.json"
    copy.parent.mkdir()
    shutil.copy(logs["cautious"], copy)
    verdict = verify_log(copy, exercise)
    assert (verdict.status, verdict.participant) == ("verified", "bob")


def test_a_decision_after_the_time_box_is_tampered(tmp_path):
    boxed = make_exercise("class", "network_migration", id="timed", seed=4242, minutes=30, roster=ROSTER)
    log = play(boxed, tmp_path, "ann")
    assert verify_log(log, boxed).status == "verified"  # played at once: every decision well inside 30 minutes

    def edit(data):
        started = dt.datetime.fromisoformat(data["started"])
        data["decisions"][-1]["wall_time"] = (started + dt.timedelta(minutes=35)).isoformat()

    verdict = verify_log(doctored(log, tmp_path, edit), boxed)
    last = len(json.loads(log.read_text())["decisions"]) - 1
    assert verdict.status == "tampered"
    assert re.fullmatch(rf"decision {last} was made at \d\d:\d\d:\d\d, 5 minute\(s\) after the 30-minute time box ran out "
                        r"\(the app takes no decision then\)", verdict.reason), verdict.reason


def test_a_log_of_an_earlier_model_is_outdated_and_names_its_kit(exercise, logs, tmp_path):
    def edit(data):  # what kit 0.1.0 wrote: its outcome had no approved targets
        data["kit_version"] = "0.1.0"
        for key in ("approved_deadline_day", "approved_budget", "sponsor_requests", "sponsor_refusals"):
            data["outcome"].pop(key)

    path = doctored(logs["reference"], tmp_path, edit)
    verdict = verify_log(path, exercise)
    assert verdict.status == "outdated" and verdict.result is None
    assert verdict.reason == (f"{path}: recorded with ITPM Sim 0.1.0, whose model differs from this kit's {sim.__version__}: "
                              "replay it with that version")

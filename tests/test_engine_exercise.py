"""Exercises: a world pinned for a class or a panel, read back exactly, refused when edited or malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.engine import (
    DecisionError,
    LogError,
    Session,
    SetOvertime,
    World,
    read_log,
    replay,
)
from sim.engine.exercise import (
    ExerciseError,
    make_exercise,
    read_exercise,
    safe_id,
    write_exercise,
)
from sim.policies import make_policy
from sim.schema import ScenarioError


@pytest.fixture(scope="module")
def exercise():
    roster = [{"id": "ann", "name": "Ann", "team": "red"}, {"id": "bob", "name": "Bob", "team": "blue"}]
    return make_exercise("class", "network_migration", id="itpm-101", seed=90817, minutes=60, reveal="outcome", roster=roster)


def test_the_exercise_round_trips_and_pins_the_bundled_world(exercise, tmp_path):
    path = write_exercise(exercise, tmp_path / "exercise.json")
    back = read_exercise(path)
    assert back == exercise and back.sha256 == exercise.sha256
    bundled = World.from_file("network_migration")
    assert back.world().scenario_hash == bundled.scenario_hash
    assert back.world().scenario == bundled.scenario
    assert back.seed_for("ann") == back.seed_for("bob") == 90817  # one world for everyone
    assert "60 minutes" in back.describe() and "90817" not in back.describe()  # the seed is never shown


def test_an_edit_of_the_scenario_file_after_creation_cannot_change_the_exercise(tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_bytes(Path(World.from_file("software_build").path).read_bytes())
    ex = make_exercise("class", source, id="c1", seed=3)
    source.write_text(source.read_text().replace("software_build", "changed_id", 1))
    assert ex.world().scenario.id == "software_build"
    assert ex.scenario.file == "mine.yaml"


def test_a_session_in_the_exercise_records_it_and_its_replay_keeps_it(exercise, tmp_path):
    log = tmp_path / "ann.session.json"
    session = Session(exercise.world(), exercise.seed_for("ann"), log, exercise=exercise.ref, participant="ann")
    session.run(make_policy("reference"))
    data = json.loads(log.read_text())
    assert data["exercise"] == {"kind": "class", "id": "itpm-101", "sha256": exercise.sha256}
    assert data["participant"] == "ann"
    again = replay(log)
    assert again.exercise == exercise.ref and again.participant == "ann"
    assert again.log()["outcome"] == data["outcome"]


def test_seeds_per_team(tmp_path):
    roster = [{"id": "ann", "team": "red"}, {"id": "bob", "team": "blue"}]
    ex = make_exercise("class", "cloud_rollout", id="c2", team_seeds={"red": 1, "blue": 2}, roster=roster)
    assert (ex.seed_for("ann"), ex.seed_for("bob")) == (1, 2)
    with pytest.raises(ExerciseError, match="'eve' is not on its roster"):
        ex.seed_for("eve")
    with pytest.raises(ExerciseError, match=r"roster\[1\]\.team: has no seed \(got team 'blue'"):
        make_exercise("class", "cloud_rollout", id="c3", team_seeds={"red": 1}, roster=roster)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["scenario"].update(text=d["scenario"]["text"] + "\n# edited"), r":\d+:\d+: scenario\.sha256: does not match the embedded text"),
    (lambda d: d.update(seed=None), r":\d+:\d+: seed: exactly one of seed and team_seeds must be given \(got neither"),
    (lambda d: d.update(team_seeds={"red": 1}), r":\d+:\d+: seed: exactly one of seed and team_seeds must be given \(got both"),
    (lambda d: d.update(reveal="everything"), r":\d+:\d+: reveal: "),
    (lambda d: d.update(minutes=0), r":\d+:\d+: minutes: "),
    (lambda d: d.update(rationale="sometimes"), r":\d+:\d+: rationale: "),
    (lambda d: d["roster"].append(dict(d["roster"][0])), r":\d+:\d+: roster\[2\]\.id: appears twice \(got 'ann' again"),
    (lambda d: d.update(format="itpm-sim-session/1"), r"not a exercise file \(got format 'itpm-sim-session/1'"),
    (lambda d: d.update(extra=1), r":\d+:\d+: extra: "),
])
def test_a_doctored_exercise_file_is_refused_at_its_line(exercise, tmp_path, edit, message):
    data = exercise.model_dump(mode="json")
    edit(data)
    path = tmp_path / "exercise.json"
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(ExerciseError, match=message) as caught:
        read_exercise(path)
    assert str(caught.value).startswith(str(path))


def test_an_exercise_is_never_overwritten(exercise, tmp_path):
    path = write_exercise(exercise, tmp_path / "exercise.json")
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="never overwritten"):
        write_exercise(exercise, path)
    assert path.read_bytes() == before


def test_a_broken_scenario_or_bad_settings_are_refused_when_the_exercise_is_made(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n")
    with pytest.raises(ScenarioError):
        make_exercise("class", broken, id="c1", seed=1)
    with pytest.raises(ExerciseError, match=r"^id: badly formed \(got 'two words'"):
        make_exercise("class", "network_migration", id="two words", seed=1)
    with pytest.raises(ScenarioError, match="unknown difficulty"):
        make_exercise("class", "network_migration", id="c1", seed=1, difficulty="brutal")


@pytest.mark.parametrize(("text", "expected"), [("Ann Smith", "Ann-Smith"), ("  ", "x"), ("-x", "x"), ("é", "x"), ("a" * 80, "a" * 64)])
def test_safe_id(text, expected):
    assert safe_id(text) == expected


def test_a_frozen_session_takes_no_decision_runs_on_defaults_and_replays_frozen(exercise, tmp_path):
    log = tmp_path / "frozen.session.json"
    session = Session(exercise.world(), exercise.seed_for("ann"), log, exercise=exercise.ref, participant="ann")
    reference = make_policy("reference")
    for _ in range(5):
        session.step(reference(session.observe()))
    session.freeze("the 45-minute time box ran out")
    with pytest.raises(DecisionError, match=r"frozen since stop 5 \(day \d+\): the 45-minute time box ran out"):
        session.decide(SetOvertime(level=0.1))
    session.run(make_policy("passive"))
    data = json.loads(log.read_text())
    assert data["frozen"]["stop"] == 5 and data["frozen"]["reason"] == "the 45-minute time box ran out"
    assert data["started"] == session.started.isoformat()
    again = replay(log)
    assert again.frozen == session.frozen and again.started == session.started
    assert again.log()["outcome"] == data["outcome"]


def test_a_log_with_a_decision_after_its_freeze_is_refused(exercise, tmp_path):
    log = tmp_path / "x.session.json"
    session = Session(exercise.world(), 1, log)
    session.advance()
    session.freeze("time is up")
    session.run(make_policy("passive"))
    data = json.loads(log.read_text())
    data["decisions"].append({"stop": data["frozen"]["stop"] + 1, "day": 99.0, "wall_time": data["started"],
                              "decision": {"type": "set_overtime", "level": 0.1, "rationale": ""}})
    log.write_text(json.dumps(data, indent=1))
    with pytest.raises(LogError, match=r"x\.session\.json:\d+:\d+: decisions\[0\]\.stop: after the freeze"):
        read_log(log)

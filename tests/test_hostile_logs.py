"""Session logs as a hostile user writes them: a log never chooses the file that is read, and never leaks one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.engine import (
    LogError,
    Session,
    SetOvertime,
    World,
    fingerprint,
    replay,
    resume,
)
from sim.policies import make_policy
from sim.schema import ScenarioError, bundled_scenarios

SCENARIO = "network_migration"
SECRET = "root:$6$SECRET-HASH-0123456789:19000:0:99999:7:::"


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> tuple[Path, str]:
    """A finished session log of the bundled scenario and its fingerprint."""
    log = tmp_path_factory.mktemp("played") / "s.session.json"
    session = Session(World.from_file(SCENARIO), 5, log)
    session.run(make_policy("reference"))
    return log, fingerprint(session)


@pytest.fixture()
def secret(tmp_path) -> Path:
    """A file that is not a scenario, as /etc/shadow is: its content must never appear in a message."""
    path = tmp_path / "shadow"
    path.write_text(f"{SECRET}\ndaemon:*:19000:0:99999:7:::\n")
    return path


def _with_scenario(log: Path, tmp_path: Path, **ref) -> Path:
    data = json.loads(log.read_text())
    data["scenario"].update(ref)
    out = tmp_path / "tampered.session.json"
    out.write_text(json.dumps(data, indent=1))
    return out


def test_the_file_a_log_names_is_never_read(played, tmp_path, secret):
    log, expected = played
    changed = tmp_path / f"{SCENARIO}.yaml"  # beside the log, under the bundled file's name: the old lookup read it
    changed.write_text(next(p for p in bundled_scenarios() if p.stem == SCENARIO).read_text() + "\n# edited\n")
    for path in (secret, changed):
        tampered = _with_scenario(log, tmp_path, path=str(path))
        assert fingerprint(replay(tampered)) == expected  # played in the bundled scenario whose id the log records
        assert resume(tampered).world.path != str(path)


def test_a_log_naming_a_scenario_that_is_not_bundled_asks_for_the_file(played, tmp_path, secret, cli):
    tampered = _with_scenario(played[0], tmp_path, id="shadow", path=str(secret))
    with pytest.raises(LogError) as caught:
        replay(tampered)
    text = str(caught.value)
    assert f"{tampered}:" in text and "scenario.id: not a bundled scenario (got 'shadow', expected one of: " in text
    assert "give the scenario file the session was played on" in text and SECRET not in text
    result = cli("replay", str(tampered))
    assert result.returncode == 2 and "not a bundled scenario" in result.stderr
    assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("through", ["api", "replay", "report", "resume"])
def test_a_file_that_is_not_the_scenario_is_refused_by_its_hash_and_never_shown(played, tmp_path, secret, cli, through):
    log = played[0]
    if through == "api":
        with pytest.raises(LogError) as caught:
            replay(log, secret)
        text = str(caught.value)
    elif through == "resume":
        with pytest.raises(LogError) as caught:
            resume(log, str(secret))
        text = str(caught.value)
    else:
        args = ("replay", str(log)) if through == "replay" else ("report", str(log), "--html", str(tmp_path / "r.html"))
        result = cli(*args, "--scenario", str(secret))
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stdout == ""
        text = result.stderr
        assert len(text.strip().splitlines()) == 1
    assert f"scenario.sha256: {secret} is not the scenario the session was played on" in text
    assert "(got sha256 " in text and SECRET not in text and "daemon" not in text


def test_a_scenario_of_ones_own_replays_from_the_file_the_caller_gives(tmp_path, cli):
    mine = tmp_path / "my_build.yaml"
    text = next(p for p in bundled_scenarios() if p.stem == "software_build").read_text()
    mine.write_text(text.replace("id: software_build", "id: my_build", 1))
    log = tmp_path / "mine.session.json"
    session = Session.start(mine, seed=3, log_path=log)
    session.run(make_policy("reference"))
    with pytest.raises(LogError, match=r"not a bundled scenario \(got 'my_build'.*it was played on '.*my_build.yaml'"):
        replay(log)
    assert fingerprint(replay(log, mine)) == fingerprint(replay(log, World.from_file(mine))) == fingerprint(session)
    result = cli("replay", str(log), "--scenario", str(mine))
    assert result.returncode == 0 and result.stdout.startswith("MATCH"), result.stderr
    with pytest.raises(LogError, match=r"difficulty: the session was played at another difficulty \(got a world at 'hard', expected one at 'standard'\)"):
        replay(log, World.from_file(mine, "hard"))


def test_an_old_log_with_the_path_field_and_a_new_one_without_it_both_replay(played, tmp_path):
    log, expected = played
    data = json.loads(log.read_text())
    assert data["scenario"]["path"]  # still written, for information
    del data["scenario"]["path"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data))
    assert fingerprint(replay(bare)) == expected


def test_a_missing_scenario_file_given_by_the_caller_is_a_scenario_error(played, tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        replay(played[0], tmp_path / "gone.yaml")
    shutil.copy(played[0], tmp_path / "copy.json")
    with pytest.raises(TypeError, match="expected the path of a scenario file or a bundled scenario id"):
        replay(tmp_path / "copy.json", 5)


def test_replay_reads_the_log_for_positions_only_to_locate_an_error(played, tmp_path, monkeypatch):
    """Reading positions takes the pure-Python YAML reader; once per decision made replay quadratic (issue 13)."""
    import sim.engine.log

    reads = []
    real = sim.engine.log.read_yaml
    monkeypatch.setattr(sim.engine.log, "read_yaml", lambda *args: reads.append(args[1]) or real(*args))
    log, expected = played
    assert fingerprint(replay(log)) == expected and resume(log).stops == json.loads(log.read_text())["stops"]
    assert reads == []
    data = json.loads(log.read_text())
    made = data["decisions"]
    # a decision from the middle of the log whose day, a day later, is still in order with the next one's
    i = next(i for i in range(len(made) // 2, len(made)) if i + 1 == len(made) or made[i + 1]["day"] >= made[i]["day"] + 1)
    made[i]["day"] += 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, indent=1))
    lines = bad.read_text().splitlines()
    starts = [n for n, text in enumerate(lines, 1) if text == "  {"]  # each decision's object, at indent 1
    with pytest.raises(LogError) as caught:
        replay(bad)
    assert str(caught.value).startswith(f"{bad}:{starts[i]}:3: decision {i}: made at stop ")
    assert reads == [str(bad)]


def test_an_unfinished_log_has_its_own_exit_status_and_message(played, tmp_path, cli):
    log = tmp_path / "half.session.json"
    session = Session(World.from_file(SCENARIO), 2, log)
    for _ in range(4):
        session.step([SetOvertime(level=0.1, rationale="catch up")])
    day = session.project.now
    result = cli("replay", str(log))
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith(f"unfinished: 4 decisions, stopped at day {day:g} (stop 4)")
    assert "MATCH" not in result.stdout
    as_json = cli("replay", str(log), "--json")
    assert as_json.returncode == 3 and json.loads(as_json.stdout)["match"] is False
    data = json.loads(played[0].read_text())  # the case: a finished log edited to say it is not
    data.update(finished=False, stops=20)
    del data["outcome"]
    data["decisions"] = [e for e in data["decisions"] if e["stop"] <= 20]
    edited = tmp_path / "edited.session.json"
    edited.write_text(json.dumps(data))
    result = cli("replay", str(edited))
    assert result.returncode == 3 and result.stdout.startswith(f"unfinished: {len(data['decisions'])} decisions, stopped at day ")

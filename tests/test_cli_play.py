"""The run, replay, plan, montecarlo and report commands, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import shutil

import pandas as pd
import pytest

from sim.results import store


def test_run_writes_tables_and_a_log_that_replays(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("run", "network_migration", "--seed", "4", "--policy", "reference", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["scenario"] == "network_migration" and summary["seed"] == 4
    assert {"finish_day", "cost", "scope", "incidents", "satisfaction", "score", "grade"} <= set(summary)
    for name in ("timeline.csv", "tasks.csv", "events.csv", "decisions.csv", "session.json", "outcome.json"):
        assert (out / name).exists(), name
    replayed = cli("replay", str(out / "session.json"), "--json")
    assert replayed.returncode == 0, replayed.stderr
    data = json.loads(replayed.stdout)
    assert data["match"] is True and data["replayed"]["fingerprint"] == summary["fingerprint"]


def test_run_prints_a_readable_outcome(cli):
    result = cli("run", "software_build", "--seed", "1", "--policy", "passive")
    assert result.returncode == 0
    assert "software_build (standard, seed 1)" in result.stdout
    assert "score" in result.stdout and "grade" in result.stdout


def test_replay_detects_a_tampered_outcome(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("run", "network_migration", "--seed", "2", "--out", str(out)).returncode == 0
    log = out / "session.json"
    data = json.loads(log.read_text())
    data["outcome"]["cost"] += 1
    log.write_text(json.dumps(data))
    result = cli("replay", str(log))
    assert result.returncode == 1
    assert "MISMATCH" in result.stdout and "cost" in result.stdout


def test_decisions_log_drives_another_seed(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("run", "network_migration", "--seed", "2", "--out", str(out)).returncode == 0
    result = cli("run", "network_migration", "--seed", "3", "--decisions", str(out / "session.json"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["seed"] == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (("run", "nowhere"), "argument SCENARIO: unknown scenario 'nowhere' (expected a scenario file or one of: "
                             "cloud_rollout, network_migration, software_build)"),
        (("plan", ""), "argument SCENARIO: empty scenario name (expected a scenario file or one of: cloud_rollout,"),
        (("run", "nowhere.yaml"), "nowhere.yaml:1:1: (document): cannot read file (got no such file or directory"),
        (("run", "network_migration", "--seed", "x"), "expected a whole number >= 0"),
        (("run", "network_migration", "--seed", "1_000"), "expected a whole number >= 0 with at most 4300 digits, written with 0-9 (got '1_000')"),
        (("run", "network_migration", "--seed", "\u0663"), "written with 0-9 (got '\u0663')"),
        (("run", "network_migration", "--seed", "9" * 4301), "with at most 4300 digits, written with 0-9 (got '99999999999999999999'... (4301 characters))"),
        (("montecarlo", "network_migration", "--runs", "2", "--workers", "9" * 20), "argument --workers: expected a whole number from 1 to"),
        (("montecarlo", "network_migration", "--runs", "2", "--workers", "100000"), "CPUs, or 64 if larger), written with 0-9 (got '100000')"),
        (("montecarlo", "network_migration", "--runs", "1_0"), "argument --runs: expected a whole number from 1 to 1,000,000"),
        (("montecarlo", "network_migration", "--runs", "2", "--dask", ""), "argument --dask: empty address (expected a Dask scheduler address"),
        (("montecarlo", "network_migration", "--runs", "2", "--dask", "not a url"), "--dask 'not a url': not a Dask scheduler address (got "),
        (("montecarlo", "network_migration", "--runs", "2", "--dask", "bogus://x:1"), "--dask 'bogus://x:1': not a Dask scheduler address (got "),
        (("run", "network_migration", "--policy", "lazy"), "invalid choice: 'lazy'"),
        (("run", "network_migration", "--difficulty", "brutal"), "invalid choice: 'brutal'"),
        (("replay", "missing.json"), "missing.json: cannot read file (got no such file or directory, expected a readable session log)"),
        (("montecarlo", "network_migration", "--runs", "0"), "expected a whole number from 1 to 1,000,000, written with 0-9 (got '0')"),
        (("montecarlo", "network_migration"), "the following arguments are required: --runs"),
        (("report", "nothing-here", "--html", "x.html"), "cannot read file (got no such file or directory, expected a readable session log)"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(cli, args, message):
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_replay_refuses_a_named_pipe_without_waiting_for_it(cli, tmp_path):
    pipe = tmp_path / "session.json"
    os.mkfifo(pipe)
    result = cli("replay", str(pipe))  # cli() times out if the reader blocks
    assert result.returncode == 2 and "cannot read file (got a named pipe, expected a regular file)" in result.stderr


def test_bad_log_exits_2(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    result = cli("replay", str(bad))
    assert result.returncode == 2 and "not a session log" in result.stderr and "Traceback" not in result.stderr


def test_plan_shows_slack(cli):
    result = cli("plan", "software_build", "--json")
    data = json.loads(result.stdout)
    assert data["schedule_slack_days"] == data["deadline_day"] - data["planned_finish_day"]


def test_montecarlo_serial_equals_workers_and_reports(cli, tmp_path):
    serial = cli("montecarlo", "network_migration", "--runs", "12", "--seed", "3", "--json")
    pooled = cli("montecarlo", "network_migration", "--runs", "12", "--seed", "3", "--workers", "2", "--json", "--out", str(tmp_path / "mc"))
    assert serial.returncode == pooled.returncode == 0, pooled.stderr
    a, b = json.loads(serial.stdout), json.loads(pooled.stdout)
    assert a == b
    assert set(a["percentiles"]) == {"P10", "P50", "P80", "P90"}
    html = tmp_path / "mc.html"
    assert cli("report", str(tmp_path / "mc"), "--html", str(html)).returncode == 0
    text = html.read_text()
    assert "data:image/png;base64," in text and "Risk tornado" in text and "Criticality" in text
    assert 'src="http' not in text


def test_session_report_is_self_contained(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("run", "network_migration", "--seed", "8", "--out", str(out)).returncode == 0
    store.write_notes(out / "session.json", {"lessons": "Order the switches in week one."})
    html = tmp_path / "r.html"
    html.write_text("an earlier report")  # regenerating a report replaces it
    result = cli("report", str(out / "session.json"), "--html", str(html))
    assert result.returncode == 0, result.stderr
    text = html.read_text()
    assert text.count("data:image/png;base64,") >= 5
    assert "Your duties as PM" in text and "Order the switches in week one." in text
    assert 'src="http' not in text


@pytest.fixture(scope="module")
def hard_log(cli, tmp_path_factory):
    """A finished cloud_rollout session log, played hard on seed 42."""
    out = tmp_path_factory.mktemp("hard") / "keep"
    result = cli("run", "cloud_rollout", "--difficulty", "hard", "--seed", "42", "--policy", "cautious", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "session.json"


def test_run_never_writes_over_a_session_log(cli, hard_log):
    before = hard_log.read_bytes()
    result = cli("run", "software_build", "--decisions", str(hard_log), "--out", str(hard_log.parent))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"--out {hard_log.parent}: {hard_log} exists already and a run never writes over a session log" in result.stderr
    assert hard_log.read_bytes() == before


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: (d / "afile").write_text("x") and d / "afile", "got a file, expected a folder"),
        (lambda d: (d / "afile").write_text("x") and d / "afile" / "sub", "sub: Not a directory"),
        (lambda d: (d / "o" / "session.json").mkdir(parents=True) or d / "o", "session.json exists already"),
    ],
)
def test_run_out_must_be_a_folder_without_a_session_log(cli, tmp_path, make, message):
    out = make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = cli("run", "software_build", "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"itpm-sim run: --out {out}: " in result.stderr and message in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_run_with_a_log_plays_its_seed_and_difficulty_and_says_what_did_not_apply(cli, hard_log):
    result = cli("run", "software_build", "--decisions", str(hard_log), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["seed"], summary["difficulty"]) == (42, "hard")
    assert f"using the seed 42 and difficulty hard of {hard_log}" in result.stderr
    assert "is a session of 'cloud_rollout', not 'software_build'" in result.stderr
    skipped = summary["not_applied"]
    assert summary["refused_decisions"] == len(skipped) > 0
    assert all({"day", "decision", "reason"} == set(x) for x in skipped)
    assert any("unknown risk" in x["reason"] for x in skipped)  # cloud_rollout's risks, as the reserve it justified, are not software_build's
    given = cli("run", "cloud_rollout", "--decisions", str(hard_log), "--seed", "3", "--json")
    assert json.loads(given.stdout)["seed"] == 3 and "using the difficulty hard of" in given.stderr
    assert "seed 42" not in given.stderr and "warning" not in given.stderr


def _edit(log, tmp_path, edit):
    data = json.loads(log.read_text())
    edit(data)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "command, edit, message",
    [
        ("run", lambda d: d["decisions"][0]["decision"].update(type="teleport"), "decisions[0].decision.type: unknown type (got 'teleport'"),
        ("run", lambda d: d["decisions"][1]["decision"].update(level="high"), "decisions[1].decision.level: wrong type (got 'high', expected a number)"),
        ("run", lambda d: d["decisions"][0].pop("day"), "decisions[0].day: missing required field (got nothing, expected a value)"),
        ("montecarlo", lambda d: d["decisions"][0].update(day=None), "decisions[0].day: wrong type (got None, expected a number)"),
        ("replay", lambda d: d.update(outcome="x"), "outcome: wrong type (got 'x', expected a mapping)"),
        ("replay", lambda d: d.update(outcome={}), "outcome.finish_day: missing required field (got nothing, expected a value)"),
        ("replay", lambda d: d["scenario"].update(sha256=123), "scenario.sha256: wrong type (got 123, expected text)"),
        ("report", lambda d: d.update(seed=True), "seed: wrong type (got True, expected a whole number)"),
    ],
)
def test_bad_logs_exit_2_naming_the_field(cli, tmp_path, hard_log, command, edit, message):
    log = _edit(hard_log, tmp_path, edit)
    args = {"run": ("run", "cloud_rollout", "--decisions", str(log)), "replay": ("replay", str(log)),
            "montecarlo": ("montecarlo", "cloud_rollout", "--runs", "2", "--decisions", str(log)),
            "report": ("report", str(log), "--html", str(tmp_path / "r.html"))}[command]
    result = cli(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(re.escape(f"itpm-sim {command}: {log}:") + r"1:\d+: " + re.escape(message), result.stderr)  # one-line JSON


def test_replay_of_a_tampered_stop_count_is_a_mismatch(cli, tmp_path, hard_log):
    log = _edit(hard_log, tmp_path, lambda d: d.update(stops=d["stops"] + 1))
    result = cli("replay", str(log))
    assert result.returncode == 1 and "MISMATCH" in result.stdout
    assert f"stops: recorded {json.loads(log.read_text())['stops']}" in result.stdout


@pytest.fixture(scope="module")
def played(cli, tmp_path_factory):
    """A finished session log."""
    out = tmp_path_factory.mktemp("played")
    assert cli("run", "software_build", "--seed", "1", "--out", str(out)).returncode == 0
    return out / "session.json"


@pytest.mark.parametrize(
    "target, message",
    [
        ("{log}", "is the report's source (expected another file, so that {log} is kept)"),
        ("{link}", "is the report's source"),
        ("{dir}/report.json", "not an HTML file name (got '.json', expected a name ending in .html or .htm)"),
        ("{dir}/report", "not an HTML file name (got no suffix, expected a name ending in .html or .htm)"),
        ("{dir}/folder.html", "is a folder (expected a file name)"),
        ("{dir}/missing/r.html", "no such folder '{dir}/missing' (expected an existing folder)"),
    ],
)
def test_report_never_replaces_its_source_or_writes_a_non_html_file(cli, played, tmp_path, target, message):
    (tmp_path / "folder.html").mkdir()
    (tmp_path / "link.html").symlink_to(played)
    before = played.read_bytes()
    names = {"log": played, "link": tmp_path / "link.html", "dir": tmp_path}
    result = cli("report", str(played), "--html", target.format(**names))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message.format(**names) in result.stderr
    assert played.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.html", "link.html"]


def test_montecarlo_out_never_replaces_a_file_or_an_earlier_study(cli, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "summary.json").write_text("an earlier study")
    cases = [
        (afile, f"--out {afile}: not a folder (got a file, expected a folder for runs.csv and summary.json)"),
        (afile / "sub", f"--out {afile / 'sub'}: cannot write the study here (got not a directory, expected a writable folder)"),
        (earlier, f"--out {earlier}: already holds summary.json from an earlier study"),
    ]
    for out, message in cases:
        result = cli("montecarlo", "network_migration", "--runs", "2", "--out", str(out))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert message in result.stderr and result.stdout == ""
    assert afile.read_text() == "mine"
    assert [p.name for p in earlier.iterdir()] == ["summary.json"] and (earlier / "summary.json").read_text() == "an earlier study"


@pytest.fixture(scope="module")
def study(cli, tmp_path_factory):
    """A small Monte Carlo folder."""
    out = tmp_path_factory.mktemp("study") / "mc"
    assert cli("montecarlo", "network_migration", "--runs", "4", "--out", str(out)).returncode == 0
    return out


def _on_time_maybe(folder):
    runs = pd.read_csv(folder / "runs.csv")
    runs["on_time"] = runs["on_time"].astype(object)
    runs.loc[0, "on_time"] = "maybe"
    runs.to_csv(folder / "runs.csv", index=False)


def _replace_runs_with_folder(folder):
    (folder / "runs.csv").unlink()
    (folder / "runs.csv").mkdir()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "summary.json").write_text((d / "summary.json").read_text()[:40]),
         "summary.json:3:14: not JSON (got unterminated string starting at, expected the summary montecarlo writes)"),
        (lambda d: (d / "summary.json").write_text("[1]"), "summary.json: not a summary (got a JSON list, expected a JSON object)"),
        (lambda d: (d / "summary.json").write_bytes(b"\xff{}"), "summary.json: not UTF-8 text (got byte 0xff at offset 0, expected UTF-8)"),
        (lambda d: (d / "summary.json").write_text((d / "summary.json").read_text().replace('"seed": 0', '"seed": "0"')),
         "summary.json: seed: input should be a valid integer (got '0'); expected the summary montecarlo writes"),
        (lambda d: (d / "runs.csv").write_text(""), "runs.csv: not a CSV table of runs (got No columns to parse from file, expected the runs.csv montecarlo writes)"),
        (lambda d: (d / "runs.csv").write_text("a,b\n1,2\n"),
         "runs.csv: missing column(s) finish_day, cost, on_time, on_budget, abandoned (got a, b; expected the columns montecarlo writes)"),
        (_on_time_maybe,
         "runs.csv: column on_time (got str values, expected true/false values)"),
        (lambda d: (d / "runs.csv").write_text("\n".join((d / "runs.csv").read_text().splitlines()[:3])),
         "runs.csv: 2 runs (expected 4, as summary.json says)"),
        (_replace_runs_with_folder, "runs.csv: cannot read file (got a folder, expected a regular file)"),
    ],
)
def test_report_of_a_damaged_study_folder_says_which_file_and_what_is_wrong(cli, study, tmp_path, damage, message):
    folder = tmp_path / "mc"
    shutil.copytree(study, folder)
    damage(folder)
    result = cli("report", str(folder), "--html", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"itpm-sim report: {folder}/{message}" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_the_seed_bound_is_the_engines():
    from sim.cli.common import SEED_DIGITS, seed_type
    from sim.engine import Session, World

    world = World.from_file("software_build")
    largest = 10**SEED_DIGITS - 1
    assert seed_type(str(largest)) == largest
    assert Session(world, largest).seed == largest
    with pytest.raises(ValueError):
        Session(world, largest + 1)


def test_never_more_workers_than_runs():
    from sim.cli.study import executor_for

    with executor_for(64, None, 3) as pool:
        assert pool._max_workers == 3
    with executor_for(8, None, 1) as pool:
        assert pool is None


def test_a_failed_study_leaves_no_empty_folder_behind(tmp_path, monkeypatch):
    import sim.analysis
    from sim.cli import main

    def broken(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user stopped it, or a cluster went away

    monkeypatch.setattr(sim.analysis, "run_montecarlo", broken)
    new, kept = tmp_path / "new" / "study", tmp_path / "kept"
    kept.mkdir()
    for out in (new, kept):
        assert main(["montecarlo", "network_migration", "--runs", "2", "--out", str(out)]) == 130
    assert not new.exists() and (tmp_path / "new").is_dir()  # only the folder the study made for itself goes
    assert kept.is_dir()  # a folder the user made stays, even empty

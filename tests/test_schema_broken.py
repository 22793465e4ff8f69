"""The broken-scenario corpus: each file in tests/broken is the valid base with one fault.

``NAME.expected`` holds exactly what ``itpm-sim validate NAME.yaml`` prints when
run with tests/broken as the working directory (a relative name keeps the text
stable).  Faults that need a big or binary file are generated here instead.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.schema import DIFFICULTIES, ScenarioError, check_file, load_scenario
from sim.schema.safe_yaml import MAX_BYTES

BROKEN = Path(__file__).parent / "broken"
BASE = BROKEN / "_valid_base.yaml"
CASES = sorted(p.stem for p in BROKEN.glob("*.yaml") if not p.name.startswith("_"))

# Faults the corpus must keep covering (file stem -> what is broken).
REQUIRED = {
    "unknown_key_top": "unknown top-level key, with did-you-mean",
    "unknown_key_nested": "unknown nested key, with did-you-mean",
    "wrong_type": "wrong type",
    "unknown_task_dependency": "depends_on names an unknown task",
    "unknown_task_skill": "a task needs an unknown skill",
    "unknown_person_skill": "a person holds an unknown skill",
    "unknown_lose_person": "lose_person names an unknown person",
    "unknown_after_risk": "after_risk names an unknown risk",
    "unknown_risk_task": "a risk's during names an unknown task",
    "cutover_never_gets_a_window": "change freezes leave a cutover no window, not even an emergency one",
    "unknown_stakeholder": "favoured_by names an unknown stakeholder",
    "dependency_cycle": "a dependency cycle",
    "dependency_cycle_by_one_edit": "a cycle made by one edit is reported at the line of the edge that closed it",
    "skill_nobody_holds": "a skill nobody holds",
    "probability_above_one": "probability > 1",
    "probability_negative": "probability < 0",
    "estimate_optimistic_above_likely": "three-point O > M",
    "estimate_likely_above_pessimistic": "three-point M > P",
    "deadline_before_start": "deadline before start",
    "freeze_end_before_start": "change freeze ends before it starts",
    "duplicate_task_id": "duplicate task id",
    "duplicate_person_id": "duplicate person id",
    "duplicate_yaml_key": "duplicate YAML key",
    "yaml_tag": "a YAML tag",
    "yaml_anchor": "a YAML anchor",
    "yaml_alias": "a YAML alias",
    "yaml_syntax_error": "a YAML syntax error",
    "unknown_event_default": "an event default naming an unknown option",
    "trigger_two_conditions": "a trigger with two conditions",
    "unknown_task_kind": "an unknown task kind",
    "broken_hard_preset": "the hard preset sets a probability to 2",
    "not_a_mapping": "a list, not a mapping",
    "empty": "an empty file",
    "infinite_number": "an infinite estimate",
    "yes_for_a_number": "YAML 1.1's yes where a number belongs",
    "boolean_for_a_number": "true where a number belongs",
    "quoted_number": "a number in quotes",
    "sexagesimal_number": "YAML 1.1's base-60 1:00:00",
    "empty_name": "an empty name",
    "duplicate_dependency": "the same dependency twice",
    "preset_item_without_id": "a preset list item without the id to merge by",
    "preset_same_id_twice": "a preset list that changes the same item twice",
    "risk_never_strikes": "a risk window after the project would be stopped",
    "event_never_fires": "an event dated after the project would be stopped",
    "hex_number_too_large": "a hexadecimal number of 5,000 digits (Python refuses to print it)",
    "deadline_in_year_9999": "a deadline on 9999-12-31 (the calendar would run past Python's last date)",
    "calendar_in_year_9999": "a calendar starting in the year 9999",
    "status_interval_zero": "status meetings every 0 days (a division by zero)",
    "runaway_duration": "a sponsor who waits 1e7 times the plan (a run that never ends)",
    "rate_near_the_float_limit": "a daily rate of 1e308 (costs that overflow to infinity)",
    "deadline_past_the_calendar": "a deadline past the engine calendar's 2,500 working days",
    "estimate_too_large": "a task of 1e9 person-days",
    "sponsor_stop_past_the_calendar": "a sponsor's last day past the engine's calendar",
    "period_too_long": "a change freeze of two years",
    "line_separator_in_a_value": "U+2028 and U+2029 in a value, which YAML 1.1 readers count as line ends",
    "name_too_long": "a name of 600 characters",
}
LINE = re.compile(
    r"^(?P<file>[\w.]+\.yaml):(?P<line>\d+):(?P<column>\d+): (?P<path>\S+): .+\(.*expected .+\)"
    r"( \[in difficulty preset '(easy|standard|hard)'\])?$"
)


def expected(name: str) -> str:
    return (BROKEN / f"{name}.expected").read_text("utf-8")


@pytest.fixture(scope="module")
def runs(cli):
    """``validate`` run on every corpus file, in parallel to keep the suite fast."""
    with ThreadPoolExecutor(max_workers=max(4, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(cli, "validate", f"{name}.yaml", cwd=BROKEN) for name in CASES}
        return {name: future.result() for name, future in futures.items()}


def test_corpus_covers_every_required_fault():
    assert set(REQUIRED) <= set(CASES), f"missing corpus files: {sorted(set(REQUIRED) - set(CASES))}"


def test_every_corpus_file_has_expected_output_and_vice_versa():
    outputs = {p.stem for p in BROKEN.glob("*.expected")}
    assert outputs == set(CASES)


@pytest.mark.parametrize("name", [c for c in CASES if c != "empty"])
def test_corpus_file_says_what_is_broken(name):
    assert (BROKEN / f"{name}.yaml").read_text("utf-8").startswith("# Broken: ")


@pytest.mark.parametrize("name", CASES)
def test_expected_output_is_one_located_line(name):
    lines = expected(name).splitlines()
    assert len(lines) == 1, lines
    match = LINE.match(lines[0])
    assert match, lines[0]
    assert match["file"] == f"{name}.yaml"
    line, column = int(match["line"]), int(match["column"])
    text = (BROKEN / f"{name}.yaml").read_text("utf-8").split("\n")  # not splitlines(): U+2028 ends no line in an editor
    if text != [""]:  # the position exists in the file
        assert 1 <= line <= len(text) and 1 <= column <= len(text[line - 1]) + 1


@pytest.mark.parametrize("name", CASES)
def test_cli_prints_exactly_the_expected_problem(runs, name):
    run = runs[name]
    assert "Traceback" not in run.stderr
    assert run.stderr == ""
    assert run.stdout == expected(name)
    assert run.returncode == 2


@pytest.mark.parametrize("name", CASES)
def test_api_raises_the_same_problems(monkeypatch, name):
    monkeypatch.chdir(BROKEN)
    want = expected(name).splitlines()
    assert [str(p) for p in check_file(f"{name}.yaml")] == want
    with pytest.raises(ScenarioError) as caught:
        load_scenario(f"{name}.yaml")
    assert [str(p) for p in caught.value.problems] == want
    assert str(caught.value) == "\n".join(want)


def test_base_is_valid_on_the_command_line(cli):
    run = cli("validate", BASE.name, cwd=BROKEN)
    assert (run.returncode, run.stdout, run.stderr) == (0, "1 scenario file(s) valid\n", "")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_base_loads_in_every_difficulty(difficulty):
    scenario = load_scenario(BASE, difficulty)
    assert scenario.id == "base"
    assert [t.id for t in scenario.tasks] == ["design", "buy", "verify", "switch", "done"]
    assert scenario.difficulty == {}  # presets are applied, not kept


# ---------------------------------------------------------------- generated faults


def test_oversized_file_is_refused_in_one_line(cli, tmp_path):
    text = BASE.read_text("utf-8")
    padding = "# padding\n" * ((MAX_BYTES - len(text)) // 10 + 1)
    (tmp_path / "huge.yaml").write_text(text + padding, "utf-8")
    size = (tmp_path / "huge.yaml").stat().st_size
    assert size > MAX_BYTES
    run = cli("validate", "huge.yaml", cwd=tmp_path)
    assert run.stdout == f"huge.yaml:1:1: (document): file too large (got {size} bytes, expected at most {MAX_BYTES})\n"
    assert (run.returncode, run.stderr) == (2, "")


def test_non_utf8_file_is_refused_at_the_bad_byte(cli, tmp_path):
    text = BASE.read_text("utf-8").replace("    name: Ben\n", "    name: Benoît\n")
    (tmp_path / "latin1.yaml").write_bytes(text.encode("latin-1"))
    line = text.splitlines().index("    name: Benoît") + 1
    run = cli("validate", "latin1.yaml", cwd=tmp_path)
    assert run.stdout == f"latin1.yaml:{line}:15: (document): not UTF-8 text (got byte 0xee, expected UTF-8)\n"
    assert (run.returncode, run.stderr) == (2, "")


def test_control_character_is_refused_at_its_position(cli, tmp_path):
    text = BASE.read_text("utf-8").replace("title: Base scenario", "title: Base\x07scenario")
    (tmp_path / "bell.yaml").write_text(text, "utf-8")
    run = cli("validate", "bell.yaml", cwd=tmp_path)
    assert run.stdout == "bell.yaml:4:12: (document): character not allowed in YAML (got U+0007, expected printable text)\n"
    assert (run.returncode, run.stderr) == (2, "")


def test_deep_nesting_is_refused_without_recursion_error(cli, tmp_path):
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    run = cli("validate", "deep.yaml", cwd=tmp_path)
    assert run.stdout == "deep.yaml:1:1003: (document): nested too deeply (got more than 1,000 levels, expected at most 64)\n"
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100 + "]" * 100 + "\n", "utf-8")  # within libyaml's own limit
    run = cli("validate", "deep.yaml", cwd=tmp_path)
    assert run.stdout == "deep.yaml:1:67: (document): nested too deeply (got more than 64 levels, expected at most 64)\n"
    assert (run.returncode, run.stderr) == (2, "")

"""The scenario format: bundled scenarios, JSON Schema, parameters, presets, safety and the CLI."""

from __future__ import annotations

import copy
import functools
import itertools
import json
import operator
import os
import re
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.schema import (
    DIFFICULTIES,
    Parameters,
    ScenarioError,
    bundled_scenarios,
    check_file,
    files,
    load_scenario,
    safe_yaml,
)
from sim.schema.loading import SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[1]
BROKEN = Path(__file__).parent / "broken"
BASE_TEXT = (BROKEN / "_valid_base.yaml").read_text("utf-8")
REQUIRED_BUNDLED = ("network_migration", "cloud_rollout", "software_build")
BUNDLED = sorted(set(REQUIRED_BUNDLED) | {p.stem for p in bundled_scenarios()})
MODELINE = "# yaml-language-server: $schema=scenario.schema.json"


def variant(tmp_path: Path, *edits: tuple[str, str], name: str = "variant.yaml") -> Path:
    """The valid base with each ``(old, new)`` edit applied once; old must occur exactly once."""
    text = BASE_TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def line_of(path: Path, fragment: str) -> int:
    """1-based number of the only line containing ``fragment``."""
    hits = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if fragment in line]
    assert len(hits) == 1, (fragment, hits)
    return hits[0]


@functools.cache
def bundled(scenario_id: str, difficulty: str):
    """A bundled scenario, loaded once per difficulty for the whole module."""
    return load_scenario(scenario_id, difficulty)


def problems(path: Path) -> list[str]:
    return [str(p) for p in check_file(path)]


# ---------------------------------------------------------------- bundled scenarios


def test_the_three_bundled_scenarios_exist():
    found = {p.stem for p in bundled_scenarios()}
    assert set(REQUIRED_BUNDLED) <= found, f"missing bundled scenarios: {sorted(set(REQUIRED_BUNDLED) - found)}"


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_bundled_scenario_validates_on_the_command_line(scenario_id, capsys):
    path = SCENARIO_DIR / f"{scenario_id}.yaml"
    code = main(["validate", str(path)])
    assert capsys.readouterr().out == "1 scenario file(s) valid\n"
    assert code == 0


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_bundled_scenario_loads_in_every_difficulty(scenario_id):
    loaded = {d: bundled(scenario_id, d) for d in DIFFICULTIES}
    assert {s.id for s in loaded.values()} == {scenario_id}, "a bundled scenario's id must equal its file name"
    assert loaded["easy"].model_dump() != loaded["hard"].model_dump(), "the easy and hard presets change nothing"


@pytest.mark.parametrize("scenario_id", BUNDLED)
def test_bundled_scenario_meets_the_content_minimums(scenario_id):
    path = SCENARIO_DIR / f"{scenario_id}.yaml"
    text = path.read_text("utf-8")
    assert text.splitlines()[0] == MODELINE
    scenario = bundled(scenario_id, "standard")
    assert len(scenario.tasks) >= 25
    assert len(scenario.team) >= 8
    assert len(scenario.market) >= 1
    assert len(scenario.risks) >= 10
    assert len(scenario.events) >= 3
    assert set(yaml.safe_load(text)["difficulty"]) == {"easy", "standard", "hard"}


# ---------------------------------------------------------------- JSON Schema and packaging


@pytest.fixture(scope="module")
def schema_run(cli):
    return cli("schema")


def test_python_m_sim_schema_prints_json_with_a_schema_key(schema_run):
    assert (schema_run.returncode, schema_run.stderr) == (0, "")
    schema = json.loads(schema_run.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Scenario"
    assert {"tasks", "team", "risks", "events", "difficulty"} <= set(schema["properties"])


def test_committed_json_schema_is_current(schema_run):
    committed = (ROOT / "scenarios" / "scenario.schema.json").read_text("utf-8")
    assert committed == schema_run.stdout, (
        "scenarios/scenario.schema.json is stale: regenerate it with "
        "`itpm-sim schema > scenarios/scenario.schema.json`"
    )


def _requirements(specs: list[str], skip: set[str]) -> dict[str, str]:
    """Normalised name -> lower bound for specs like ``PyYAML>=6.0`` or ``name[extra] >= 1``."""
    out = {}
    for spec in specs:
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:>=\s*([0-9][0-9.]*))?\s*", spec)
        assert match, f"cannot parse dependency {spec!r}"
        name = re.sub(r"[-_.]+", "-", match[1]).lower()
        if name not in skip:
            assert match[2], f"dependency {spec!r} has no lower bound (>=)"
            out[name] = match[2]
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = _requirements(project["dependencies"] + functools.reduce(operator.iadd, extras.values(), []), skip={project["name"]})
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))["dependencies"]
    conda = [d for d in env if isinstance(d, str) and not re.match(r"(python|pip)\b", d)]
    assert _requirements(conda, skip=set()) == wanted
    assert {"pydantic", "pyyaml", "pytest", "hypothesis", "dask"} <= set(wanted)
    python = next(d for d in env if isinstance(d, str) and d.startswith("python"))
    version = tuple(int(x) for x in re.search(r"\d+(\.\d+)*", python)[0].split("."))
    minimum = tuple(int(x) for x in project["requires-python"].removeprefix(">=").split("."))
    assert version >= minimum, (python, project["requires-python"])
    assert {"pip": ["-e ."]} in env, "environment.yml must install the kit itself"


# ---------------------------------------------------------------- parameters


@pytest.fixture(scope="module")
def defaults_file() -> dict:
    return yaml.safe_load((ROOT / "sim" / "schema" / "defaults.yaml").read_text("utf-8"))


def test_every_default_is_documented(defaults_file):
    assert defaults_file
    for group, entries in defaults_file.items():
        assert entries, group
        for name, spec in entries.items():
            assert set(spec) == {"value", "range", "unit", "doc", "source"}, f"{group}.{name}"
            assert isinstance(spec["value"], (int, float)) and not isinstance(spec["value"], bool), f"{group}.{name}"
            low, high = spec["range"]
            assert 0 <= low <= spec["value"] <= high, f"{group}.{name}"
            assert type(low) is type(high) is type(spec["value"]), f"{group}.{name}: a whole number's range is whole"
            if spec["unit"].startswith(("share", "probability", "ratio", "proficiency", "morale")):
                assert high <= 1, f"{group}.{name}"
            for text in ("unit", "doc", "source"):
                assert isinstance(spec[text], str) and spec[text].strip(), f"{group}.{name}.{text}"


def test_parameters_equal_the_defaults_file(defaults_file):
    params = Parameters()
    assert set(type(params).model_fields) == set(defaults_file)
    for group, entries in defaults_file.items():
        model = getattr(params, group)
        assert set(type(model).model_fields) == set(entries), group
        for name, spec in entries.items():
            value = getattr(model, name)
            assert value == spec["value"] and type(value) is type(spec["value"]), f"{group}.{name}"


def test_overriding_one_parameter_keeps_the_others(tmp_path):
    path = variant(tmp_path, ("difficulty:\n", "parameters:\n  overtime: {max_level: 0.3}\ndifficulty:\n"))
    got = load_scenario(path).parameters.model_dump()
    assert got["overtime"]["max_level"] == 0.3
    got["overtime"]["max_level"] = Parameters().overtime.max_level
    assert got == Parameters().model_dump()


def test_parameter_overrides_are_checked(tmp_path):
    path = variant(
        tmp_path,
        (
            "difficulty:\n",
            "parameters:\n  overtime: {max_levle: 0.3}\n  communication: {warning_visibility: 1.5}\n"
            "  quality: {rework_days: -1}\ndifficulty:\n",
        ),
    )
    line = line_of(path, "max_levle")
    overtime = ", ".join(sorted(type(Parameters().overtime).model_fields))
    assert problems(path) == [
        f"{path}:{line}:14: parameters.overtime.max_levle: unknown key; did you mean 'max_level'? "
        f"(got 'max_levle', expected one of: {overtime})",
        f"{path}:{line + 1}:39: parameters.communication.warning_visibility: out of range (got 1.5, expected a value <= 1.0)",
        f"{path}:{line + 2}:26: parameters.quality.rework_days: out of range (got -1, expected a value >= 0.0)",
    ]


def test_parameter_overrides_are_finite_numbers_of_the_right_kind(tmp_path):
    path = variant(
        tmp_path,
        ("difficulty:\n", "parameters:\n  attrition: {base_hazard: .inf}\n  decisions: {status_interval: 5.0, defer_days: true}\ndifficulty:\n"),
    )
    line = line_of(path, "base_hazard")
    assert problems(path) == [
        f"{path}:{line}:28: parameters.attrition.base_hazard: not a finite number (got inf, expected a finite number)",
        f"{path}:{line + 1}:32: parameters.decisions.status_interval: wrong type (got 5.0, expected a whole number)",
        f"{path}:{line + 1}:49: parameters.decisions.defer_days: wrong type (got True, expected a whole number)",
    ]


# ---------------------------------------------------------------- presets


def test_hard_preset_changes_only_the_risk_it_names():
    path = BROKEN / "_valid_base.yaml"
    easy, standard, hard = (load_scenario(path, d).model_dump() for d in DIFFICULTIES)
    assert [r["probability"] for r in standard["risks"]] == [0.3, 0.1]
    assert [r["probability"] for r in hard["risks"]] == [0.6, 0.1]
    assert [r["probability"] for r in easy["risks"]] == [0.1, 0.1]
    hard["risks"][0]["probability"] = easy["risks"][0]["probability"] = 0.3
    assert hard == standard == easy


def test_empty_standard_preset_equals_no_presets(tmp_path):
    without = variant(tmp_path, (BASE_TEXT[BASE_TEXT.index("difficulty:"):], ""))
    assert load_scenario(without, "standard") == load_scenario(BROKEN / "_valid_base.yaml", "standard")
    assert load_scenario(without, "hard") == load_scenario(without, "easy")


def test_preset_merges_items_by_id_and_appends_new_ids(tmp_path):
    path = variant(
        tmp_path,
        (
            "      - {id: late_delivery, probability: 0.6}\n",
            "      - {id: late_delivery, window: {end: 50}}\n"
            "      - {id: flood, title: Flood, category: external, probability: 0.05, window: {start: 0, end: 40},"
            " impacts: [{type: cost, amount: 2000}]}\n"
            "    team:\n"
            "      - {id: dan, name: Dan, role: Engineer, skills: {net: 0.5}, daily_rate: 450}\n",
        ),
    )
    standard, hard = load_scenario(path, "standard"), load_scenario(path, "hard")
    assert [r.id for r in hard.risks] == ["late_delivery", "resignation", "flood"]
    assert [p.id for p in hard.team] == ["ana", "ben", "dan"]
    assert (hard.risks[0].window.start, hard.risks[0].window.end) == (5, 50)  # merged key by key
    assert hard.risks[0].probability == 0.3  # not named in the preset: kept
    assert hard.risks[:2] != standard.risks[:2] and hard.risks[1] == standard.risks[1]
    assert [r.id for r in standard.risks] == ["late_delivery", "resignation"]


def test_preset_replaces_lists_without_ids(tmp_path):
    path = variant(tmp_path, ("  hard:\n", "  hard:\n    objectives: [Finish early.]\n"))
    assert load_scenario(path, "hard").objectives == ["Finish early."]
    assert load_scenario(path, "easy").objectives == ["Finish by the deadline."]


def test_problems_in_an_appended_preset_item_point_at_the_preset(tmp_path):
    path = variant(
        tmp_path,
        (
            "      - {id: late_delivery, probability: 0.6}\n",
            "      - {id: flood, title: Flood, category: weather, probability: 0.05, window: {start: 0, end: 40},"
            " impacts: [{type: delay, task: moving, days: 3}]}\n",
        ),
    )
    line = line_of(path, "id: flood")
    text = path.read_text("utf-8").splitlines()[line - 1]
    category, task = text.index("weather") + 1, text.index("moving") + 1
    assert problems(path) == [
        f"{path}:{line}:{category}: risks[2].category: not an allowed value (got 'weather', expected 'technical', 'vendor', "
        "'people', 'organisational', 'external', 'security', 'financial' or 'scope') [in difficulty preset 'hard']",
        f"{path}:{line}:{task}: risks[2].impacts[0].task: unknown task (got 'moving', expected a task id defined in this file)"
        " [in difficulty preset 'hard']",
    ]


def test_problems_in_a_replaced_preset_list_point_at_the_preset_not_the_base(tmp_path):
    path = variant(tmp_path, ("  hard:\n", "  hard:\n    calendar:\n      change_freezes:\n        - {start: 2027-02-01}\n"))
    line = line_of(path, "        - {start: 2027-02-01}")
    assert problems(path) == [
        f"{path}:{line}:11: calendar.change_freezes[0].end: missing required field (got nothing, expected a value)"
        " [in difficulty preset 'hard']"
    ]


def test_the_same_fault_in_two_presets_is_reported_for_each(tmp_path):
    path = variant(
        tmp_path,
        ("{id: late_delivery, probability: 0.1}", "{id: late_delivery, probability: 3}"),
        ("{id: late_delivery, probability: 0.6}", "{id: late_delivery, probability: 2}"),
    )
    easy, hard = line_of(path, "probability: 3}"), line_of(path, "probability: 2}")
    assert problems(path) == [
        f"{path}:{easy}:42: risks[0].probability: out of range (got 3, expected a value <= 1.0) [in difficulty preset 'easy']",
        f"{path}:{hard}:42: risks[0].probability: out of range (got 2, expected a value <= 1.0) [in difficulty preset 'hard']",
    ]


def test_unknown_preset_and_difficulty_names_are_refused(tmp_path):
    path = variant(tmp_path, ("  standard: {}\n", "  extreme: {}\n"))
    line = line_of(path, "extreme")
    assert problems(path) == [
        f"{path}:{line}:3: difficulty.extreme: not an allowed value (got 'extreme', expected 'easy', 'standard' or 'hard')"
    ]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BROKEN / "_valid_base.yaml", "extreme")
    assert str(caught.value) == (
        f"{BROKEN / '_valid_base.yaml'}:1:1: difficulty: unknown difficulty (got 'extreme', expected one of: easy, standard, hard)"
    )


# ---------------------------------------------------------------- safety


def test_file_over_the_size_limit_is_refused_in_one_line_without_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: [" + b"1, " * (safe_yaml.MAX_BYTES // 3) + b"1]\n")
    start = time.perf_counter()
    found = problems(path)
    assert time.perf_counter() - start < 1
    size = path.stat().st_size
    assert found == [f"{path}:1:1: (document): file too large (got {size} bytes, expected at most {4 * 1024 * 1024})"]


def test_size_limit_is_inclusive(tmp_path, monkeypatch):
    path = variant(tmp_path)
    size = len(BASE_TEXT.encode())
    monkeypatch.setattr(safe_yaml, "MAX_BYTES", size)
    assert problems(path) == []
    monkeypatch.setattr(safe_yaml, "MAX_BYTES", size - 1)
    assert problems(path) == [f"{path}:1:1: (document): file too large (got {size} bytes, expected at most {size - 1})"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_anything_but_a_regular_file_is_refused_without_reading(cli, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would wait for a writer forever
    run = cli("validate", "pipe.yaml", "/dev/null", ".", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stdout.splitlines() == [
        "pipe.yaml:1:1: (document): cannot read file (got a named pipe, expected a regular file)",
        "/dev/null:1:1: (document): cannot read file (got a character device, expected a regular file)",
        ".:1:1: (document): cannot read file (got a folder, expected a regular file)",
    ]


def test_at_most_the_limit_and_one_byte_is_read(tmp_path, monkeypatch):
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"x" * 10)
    asked = []
    real_read, real_fstat = os.read, os.fstat
    monkeypatch.setattr(os, "read", lambda fd, n: asked.append(n) or real_read(fd, n))
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 0, *real_fstat(fd)[7:])))  # claims empty
    with pytest.raises(files.UnreadableFile, match=r"^file too large \(got more than 4 bytes, expected at most 4\)$"):
        files.read_bounded(path, 4)
    assert sum(asked) <= 5


def test_billion_laughs_is_refused_quickly(tmp_path):
    levels = "abcdefghi"
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{x}: &{x} [{', '.join([f'*{prev}'] * 9)}]" for prev, x in itertools.pairwise(levels)]
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    start = time.perf_counter()
    found = check_file(path)
    assert time.perf_counter() - start < 1
    assert len(found) == 9 + 8 * 9  # every anchor and every alias, nothing else
    assert all("YAML anchors and aliases are not allowed" in p.message for p in found)
    assert str(found[0]) == f"{path}:1:4: (document): YAML anchors and aliases are not allowed (got anchor 'a', expected plain values)"
    assert str(found[1]) == f"{path}:2:4: (document): YAML anchors and aliases are not allowed (got anchor 'b', expected plain values)"
    assert str(found[2]) == f"{path}:2:8: (document): YAML anchors and aliases are not allowed (got alias 'a', expected plain values)"


def test_duplicate_keys_name_the_first_occurrence(tmp_path):
    path = variant(tmp_path, ("title: Base scenario\n", "title: Base scenario\nid: again\n"))
    assert problems(path) == [
        f"{path}:5:1: id: duplicate key (got 'id' again, expected each key once; first at line 3)"
    ]
    flow = variant(tmp_path, ("{net: 0.8}", "{net: 0.8, net: 0.9}"), name="flow.yaml")
    line = line_of(flow, "net: 0.8, net: 0.9")
    assert problems(flow) == [
        f"{flow}:{line}:24: team[0].skills.net: duplicate key (got 'net' again, expected each key once; first at line {line})"
    ]


@pytest.mark.parametrize("tag", ["!!str", "!custom", "!!python/object:os.system", "!<tag:yaml.org,2002:int>"])
def test_every_yaml_tag_is_refused(tmp_path, tag):
    path = variant(tmp_path, ("title: Base scenario", f"title: {tag} Base"))
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:4:8: (document): YAML tags are not allowed (got ")


def test_a_copied_task_with_the_same_id_is_one_problem_not_a_cycle(tmp_path):
    path = variant(tmp_path, ("  - id: verify\n", "  - id: buy\n"), ("depends_on: [verify]", "depends_on: [buy]"))
    line = [i for i, text in enumerate(path.read_text("utf-8").splitlines(), 1) if text == "  - id: buy"][1]
    assert problems(path) == [
        f"{path}:{line}:9: tasks[2].id: duplicate task id (got 'buy' again, expected unique ids; first at tasks[1])"
    ]


# ---------------------------------------------------------------- command line


def test_validate_reports_every_file(monkeypatch, capsys):
    monkeypatch.chdir(BROKEN)
    code = main(["validate", "wrong_type.yaml", "_valid_base.yaml", "unknown_key_top.yaml"])
    want = (BROKEN / "wrong_type.expected").read_text("utf-8") + (BROKEN / "unknown_key_top.expected").read_text("utf-8")
    assert (code, capsys.readouterr().out) == (2, want)


def test_validate_exits_0_when_all_files_are_valid(tmp_path, capsys):
    first, second = variant(tmp_path, name="one.yaml"), variant(tmp_path, name="two.yaml")
    code = main(["validate", str(first), str(second)])
    assert (code, capsys.readouterr().out) == (0, "2 scenario file(s) valid\n")


def test_validate_missing_file_is_one_line_without_traceback(cli, tmp_path):
    run = cli("validate", "missing.yaml", cwd=tmp_path)
    assert run.stdout == "missing.yaml:1:1: (document): cannot read file (got no such file or directory, expected a readable YAML file)\n"
    assert "Traceback" not in run.stderr
    assert run.returncode == 2


# ---------------------------------------------------------------- robustness


def _leaves(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [path] + [leaf for k, v in node.items() for leaf in _leaves(v, path + (k,))]
    if isinstance(node, list):
        return [path] + [leaf for i, v in enumerate(node) for leaf in _leaves(v, path + (i,))]
    return [path]


BASE_DATA = yaml.safe_load(BASE_TEXT)
BASE_PATHS = _leaves(BASE_DATA)[1:]
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "ana", "design", "late_delivery", "x y", "2027-13-01"]),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.sampled_from(["id", "kind", "type", "zz"]), st.sampled_from(["work", "delay", "a"]), max_size=2),
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(BASE_PATHS), value=ODD_VALUES, drop=st.booleans())
def test_any_single_change_gives_located_problems_or_a_valid_scenario(fuzz_dir, where, value, drop):
    data = copy.deepcopy(BASE_DATA)
    parent = functools.reduce(lambda node, part: node[part], where[:-1], data)
    if drop:
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    path = fuzz_dir / "fuzz.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    lines = path.read_text("utf-8").count("\n")
    found = check_file(path)
    for problem in found:
        assert 1 <= problem.line <= max(lines, 1) and problem.column >= 1, problem
        assert re.search(r"\(got .*expected .*\)|\(expected .*\)", problem.message), problem
    if not found:
        for difficulty in DIFFICULTIES:
            load_scenario(path, difficulty)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab: -[]{},&*!#'\"\n\t|>?%@`\x07é")), max_size=60))
def test_arbitrary_text_never_raises(text):
    located, found = safe_yaml.read_yaml(text, "t.yaml")
    assert located is not None or found  # refused input always says why
    for problem in found:
        assert problem.line >= 1 and problem.column >= 1
        assert str(problem).startswith(f"t.yaml:{problem.line}:{problem.column}: ")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_reach_check_counts_working_days_as_the_engine_does(difficulty):
    from sim.engine import World
    from sim.schema.references import working_days_to

    for scenario_id in BUNDLED:
        world = World(bundled(scenario_id, difficulty), difficulty)
        calendar = world.scenario.calendar
        assert calendar.holidays, "a bundled calendar without holidays would not test them"
        assert working_days_to(calendar, calendar.deadline) == world.calendar.deadline_day

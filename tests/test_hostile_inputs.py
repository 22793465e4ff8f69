"""Inputs that used to crash or run away: too large to commit, they are made here (tests/hostile) at test time.

Each gets a located message and exit 2 at ``validate`` (at most MAX_SHOWN problems and a count of the rest), or
a sane, bounded run.  The small ones are in the broken-scenario corpus (tests/broken).
"""

from __future__ import annotations

import json
import math

import pytest
from hostile import scenarios
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import Session, World
from sim.policies import make_policy
from sim.schema import Parameters, ScenarioError, check_file, defaults, load_scenario
from sim.schema.models import LIMITS
from sim.schema.problems import MAX_SHOWN
from sim.schema.safe_yaml import MAX_BYTES, MAX_VALUES


def _validate(cli, path):
    run = cli("validate", path.name, cwd=path.parent)
    assert run.returncode == 2 and run.stderr == "", run.stderr[-2000:]
    return run.stdout.splitlines()


@pytest.mark.parametrize("make", [scenarios.unknown_keys, scenarios.many_skills])
def test_a_4_mb_file_of_keys_is_refused_once_past_the_most_values_any_scenario_holds(cli, tmp_path, make):
    path = make(tmp_path / "big.yaml")
    assert path.stat().st_size <= MAX_BYTES and path.read_text().count("\n") > 300_000
    lines = _validate(cli, path)
    assert len(lines) == 1
    assert lines[0].startswith("big.yaml:")
    assert f": (document): too many values (got more than {MAX_VALUES:,} keys and values, expected at most {MAX_VALUES:,}" in lines[0]
    line = int(lines[0].split(":")[1])
    assert 40_000 < line < 60_000  # where the 100,001st key or value stands, not the end of the file


def test_thousands_of_problems_print_the_first_50_and_a_count(cli, tmp_path):
    path = scenarios.unknown_keys_within_the_cap(tmp_path / "keys.yaml", 30_000)
    lines = _validate(cli, path)
    assert len(lines) == MAX_SHOWN + 1
    assert lines[0].startswith("keys.yaml:123:1: k0: unknown key (got 'k0', expected one of: briefing, budget,")
    assert lines[-1] == f"... and {30_000 - MAX_SHOWN:,} more problems (fix these first: one mistake often causes several)"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert len(caught.value.problems) == 30_000 and str(caught.value).splitlines()[-1] == lines[-1]


def test_thousands_of_certain_risks_are_refused_at_the_list(cli, tmp_path):
    path = scenarios.certain_risks(tmp_path / "risks.yaml", 5000)
    lines = _validate(cli, path)
    line = path.read_text().splitlines().index("risks:") + 2  # the list's value: its first item
    assert lines == [f"risks.yaml:{line}:1: risks: too many items (got 5,000, expected at most {LIMITS['risks']})"]


def test_a_chain_of_1200_tasks_listed_last_first_runs(cli, tmp_path):
    path = scenarios.reversed_chain(tmp_path / "chain.yaml", 1200)
    assert check_file(path) == []
    world = World.from_file(path)
    order = world.topological_order()
    assert order[:3] == ["t0", "t1", "t2"] and len(order) == 1200
    assert world.baseline.duration >= 1200  # one task after the other, a day each
    run = cli("run", str(path), "--seed", "1", "--policy", "passive", "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout)
    assert outcome["finish_day"] >= 1200 and not outcome["abandoned"]


# ---------------------------------------------------------------- every parameter in its range


def _ends(draw_from):
    """A parameter group override with each parameter at one end of its range or at its default."""
    groups = {}
    for group, entries in defaults().items():
        chosen = {}
        for name, spec in entries.items():
            which = draw_from(st.sampled_from(["low", "high", "default"]))
            if which != "default":
                chosen[name] = spec["range"][0 if which == "low" else 1]
        groups[group] = chosen
    return groups


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**31 - 1), policy=st.sampled_from(["reference", "aggressive", "passive"]))
def test_any_parameters_in_their_ranges_give_a_bounded_run_with_finite_results(data, seed, policy):
    base = World.from_file("network_migration")
    overrides = _ends(data.draw)
    scenario_data = base.scenario.model_dump()
    scenario_data["parameters"] = {g: {**scenario_data["parameters"][g], **v} for g, v in overrides.items()}
    c, q = scenario_data["parameters"]["communication"], scenario_data["parameters"]["quality"]
    if c["nominal_effort"] + q["nominal_effort"] + c["max_overhead"] > 0.9:
        with pytest.raises(ValueError, match="leave no time for the work"):
            type(base.scenario).model_validate(scenario_data)
        c["max_overhead"] = max(0.0, 0.89 - c["nominal_effort"] - q["nominal_effort"])
    world = World(type(base.scenario).model_validate(scenario_data), "standard")
    session = Session(world, seed)
    session.run(make_policy(policy), strict=False)
    project = session.project
    assert project.ended and project.now <= 2500
    out = session.log()["outcome"]
    numbers = [v for v in out.values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers), out
    json.loads(json.dumps(out), parse_constant=lambda c: pytest.fail(f"{c} in the outcome"))


def test_the_parameter_ranges_are_in_the_schema():
    schema = Parameters.model_json_schema()
    group = schema["$defs"]["DecisionsParameters"]["properties"]["status_interval"]
    assert (group["minimum"], group["maximum"]) == tuple(defaults()["decisions"]["status_interval"]["range"]) == (1, 60)


# ---------------------------------------------------------------- strict JSON everywhere


def _strict(text: str):
    """``text`` read by a strict JSON parser: NaN, Infinity and -Infinity are not JSON."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))


def test_strict_json_writes_null_for_what_is_not_a_number():
    from sim.schema.files import strict_json

    nan, inf = float("nan"), float("inf")
    assert strict_json({"a": nan, "b": [inf, -inf, 1.5, (2, nan)], "c": "NaN"}) == '{"a": null, "b": [null, null, 1.5, [2, null]], "c": "NaN"}'


def test_every_json_the_kit_writes_is_strict(cli, tmp_path):
    from sim.results import store

    out, mc = tmp_path / "run", tmp_path / "mc"
    run = cli("run", "network_migration", "--seed", "3", "--out", str(out), "--json")
    assert run.returncode == 0, run.stderr
    texts = {"run --json": run.stdout, "outcome.json": (out / "outcome.json").read_text(),
             "session.json": (out / "session.json").read_text()}
    for args in (("replay", str(out / "session.json"), "--json"), ("plan", "network_migration", "--json"),
                 ("montecarlo", "network_migration", "--runs", "3", "--out", str(mc), "--json")):
        result = cli(*args)
        assert result.returncode == 0, result.stderr
        texts[" ".join(args[:1]) + " --json"] = result.stdout
    texts["summary.json"] = (mc / "summary.json").read_text()
    texts["schema"] = cli("schema").stdout
    texts["notes.json"] = store.write_notes(out / "session.json", {"lessons": "x", "plan": {"reserve": float("nan")}}).read_text()
    for name, text in texts.items():
        assert _strict(text), name
    summary = _strict(texts["summary.json"])
    assert any(row["cruciality"] is None for row in summary["most_critical"])  # three runs: no spread to correlate
    assert _strict(texts["notes.json"])["plan"]["reserve"] is None
    assert cli("report", str(mc), "--html", str(tmp_path / "mc.html")).returncode == 0  # the study with nulls reads back


# ---------------------------------------------------------------- the README's promise


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Session logs a hostile user could hand to replay, report, run --decisions and montecarlo --decisions."""
    folder = tmp_path_factory.mktemp("logs")
    good = folder / "good.json"
    Session(World.from_file("network_migration"), 1, good).step([])
    text = good.read_text()
    made = {"good": good}
    for name, content in {
        "infinite": text.replace('"seed": 1', '"seed": 1e999'),
        "hex": text.replace('"seed": 1', '"seed": 0x1F'),
        "nan": text.replace('"stops": 1', '"stops": NaN'),
        "list": "[]",
        "huge_int": text.replace('"seed": 1', '"seed": ' + "9" * 5000),
        "not_utf8": "\udcff",
    }.items():
        path = folder / f"{name}.json"
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
        made[name] = path
    return made


@pytest.mark.parametrize("args", [
    ("run", "{broken}/hex_number_too_large.yaml"),
    ("plan", "{broken}/calendar_in_year_9999.yaml"),
    ("montecarlo", "{broken}/runaway_duration.yaml", "--runs", "2"),
    ("run", "{broken}/status_interval_zero.yaml"),
    ("run", "/dev/zero"),
    ("plan", "{broken}"),
    ("replay", "{infinite}"), ("replay", "{hex}"), ("replay", "{nan}"), ("replay", "{list}"), ("replay", "{huge_int}"),
    ("replay", "{not_utf8}"), ("replay", "/dev/zero"),
    ("replay", "{good}", "--scenario", "{broken}"),
    ("replay", "{good}", "--scenario", "{broken}/_valid_base.yaml"),
    ("report", "{good}", "--html", "{tmp}/r.html", "--scenario", "/dev/null"),
    ("run", "network_migration", "--decisions", "{broken}/_valid_base.yaml"),
    ("montecarlo", "network_migration", "--runs", "2", "--decisions", "{infinite}"),
    ("run", "network_migration", "--seed", "0x10"),
])
def test_bad_arguments_files_and_logs_get_one_line_and_exit_2(cli, logs, tmp_path, args):
    from pathlib import Path

    broken = Path(__file__).parent / "broken"
    args = [a.format(broken=broken, tmp=tmp_path, **logs) for a in args]
    result = cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    message = (result.stderr + result.stdout).strip().splitlines()
    assert len(message) == 1, message

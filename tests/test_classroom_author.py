"""Writing a scenario: start, check with located errors, the network, save without writing over anything; the
workbench's widgets, headless."""

from __future__ import annotations

import pytest

from sim.classroom import author
from sim.engine import World, plan_critical_path
from sim.results.charts.network import lanes
from sim.ui.author import Workbench


def test_starting_points_are_the_template_and_the_bundled_scenarios():
    points = author.starting_points()
    assert list(points) == ["template", "cloud_rollout", "network_migration", "software_build"]
    assert author.start_from("software_build") == points["software_build"].read_text("utf-8")
    template = author.start_from("template")
    assert author.check(template) == []
    assert {"risks:", "events:", "stakeholders:", "difficulty:", "market:"} <= {line.split(" ")[0] for line in template.splitlines()}


def test_a_draft_is_checked_in_memory_with_located_errors():
    draft = author.start_from("template")
    broken = draft.replace("max_people: 3, depends_on: [order_kit, cabling]", "max_people: 0, depends_on: [order_kit, cables]")
    problems = [str(p) for p in author.check(broken, "mine.yaml")]
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "depends_on: [order_kit, cables]" in text)
    assert any(p.startswith(f"mine.yaml:{line}:") and "tasks[4].depends_on[1]: unknown task" in p for p in problems), problems
    assert any("tasks[4].max_people: out of range" in p for p in problems), problems


def test_the_plan_and_its_network():
    world = author.world(author.start_from("template"))
    plan = author.plan_summary(world)
    assert plan["planned_finish_day"] == world.baseline.duration and plan["deadline_day"] == world.calendar.deadline_day
    assert plan["budget_slack"] == pytest.approx(plan["budget_at_completion"] - plan["planned_labour_cost"] - plan["procurement_cost"])
    path = plan_critical_path(world)
    assert path[0] == "survey" and world.baseline.finish[path[-1]] == max(world.baseline.finish.values())
    assert author.network(world).startswith(b"\x89PNG")


def test_lanes_never_overlap():
    # hand-placed spans: a and b overlap, c starts where a ends, d overlaps everything before 5
    assert lanes({"a": (0, 5), "b": (2, 4), "c": (5, 8), "d": (3, 6)}) == {"a": 0, "b": 1, "c": 0, "d": 2}


def test_saving_never_writes_over_a_file(tmp_path):
    draft = author.start_from("template")
    path = author.save(draft, tmp_path / "mine.yaml")
    assert path.read_text("utf-8") == draft
    with pytest.raises(FileExistsError, match="never written over"):
        author.save("changed", path)
    assert path.read_text("utf-8") == draft
    assert author.free_name(path) == tmp_path / "mine-2.yaml"
    with pytest.raises(ValueError, match=r"expected \.yaml or \.yml"):
        author.save(draft, tmp_path / "mine.txt")


def test_the_workbench(tmp_path):
    bench = Workbench("template", tmp_path / "saved")
    assert bench.text.value == author.start_from("template") and bench.name.value == "my_scenario.yaml"
    assert bench.check() and "Valid" in bench.report.value and "planned finish day" in bench.report.value
    bench.text.value = bench.text.value.replace("probability: 0.5", "probability: 1.5")
    assert not bench.check()
    assert "⚠ 2 problem(s)" in bench.report.value and "risks[0].probability" in bench.report.value
    bench.draw()  # a broken draft draws nothing and says why
    assert bench.chart.value == b"" and "problem(s)" in bench.report.value
    bench.source.value = "cloud_rollout"
    bench.load.click()
    assert bench.name.value == "cloud_rollout_copy.yaml"
    bench.draw_button.click()
    assert bytes(bench.chart.value).startswith(b"\x89PNG")
    bench.name.value = "../../escape.yaml"  # saved by its name in the folder, never elsewhere
    bench.save_button.click()
    assert (tmp_path / "saved" / "escape.yaml").read_text("utf-8") == bench.text.value
    bench.save_button.click()
    assert "exists already" in bench.report.value
    bench.runs.value = 20
    bench.balance_button.click()
    assert ("Balanced" in bench.report.value) != ("Not balanced" in bench.report.value)
    assert "passive" in bench.report.value and "reference" in bench.report.value


def test_a_world_built_from_a_draft_is_the_saved_files(tmp_path):
    draft = author.start_from("template")
    path = author.save(draft, tmp_path / "office.yaml")
    assert author.world(draft, "office.yaml").scenario == World.from_file(path).scenario

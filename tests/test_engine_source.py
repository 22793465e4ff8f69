"""A world without a file (an exercise's embedded scenario) is rebuilt in worker processes from its bytes."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.analysis import Study, run_montecarlo
from sim.engine import Session, World
from sim.engine.exercise import make_exercise
from sim.engine.world import Source
from sim.policies import make_policy
from sim.results.debrief import make_debrief


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    """An exercise on a scenario file that is deleted afterwards: only the embedded text is left."""
    source = tmp_path_factory.mktemp("gone") / "mine.yaml"
    source.write_bytes(World.from_file("network_migration").raw)
    ex = make_exercise("class", source, id="c1", seed=5, difficulty="hard")
    source.unlink()
    return ex


def test_a_source_rebuilds_the_world_it_was_taken_from(exercise):
    world = exercise.world()
    assert world.source == Source(exercise.scenario.text.encode("utf-8"), "mine.yaml")
    again = world.source.world("hard")
    assert again is world  # compiled once per process
    assert again.scenario_hash == exercise.scenario.sha256
    assert World(world.scenario).source is None  # a world built from a Scenario object has no bytes to ship


def test_debrief_counterfactuals_of_an_exercise_world_run_in_workers(exercise):
    session = Session(exercise.world(), exercise.seed)
    session.run(make_policy("aggressive"))
    serial = make_debrief(session)
    with ProcessPoolExecutor(2) as pool:
        parallel = make_debrief(session, pool)
    assert len(serial.decisions) > 3
    assert serial.decisions[["finish_effect", "cost_effect", "score_effect"]].equals(
        parallel.decisions[["finish_effect", "cost_effect", "score_effect"]])
    assert serial.risks.equals(parallel.risks)


def test_monte_carlo_of_a_source_matches_the_file(exercise):
    on_file = run_montecarlo(Study("network_migration", "hard", "passive"), 6, seed=3)
    with ProcessPoolExecutor(2) as pool:
        on_source = run_montecarlo(Study(exercise.world().source, "hard", "passive"), 6, seed=3, executor=pool, chunk_size=2)
    assert on_source.attrs["scenario"] == "mine.yaml"
    assert on_source.equals(on_file)

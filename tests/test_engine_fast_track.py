"""Fast-tracking as real overlap (docs/MODEL.md, Work): only work overlaps work, from a threshold, with rework
growing with the overlap, and never a finish before the work it overlaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import DecisionError, Session, World
from sim.engine.decisions import FastTrack

STARTER = Path(__file__).resolve().parents[1] / "scenarios" / "templates" / "starter.yaml"


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file(STARTER)


def _run(world: World, seed: int, fast: tuple[str, ...]) -> Session:
    session = Session(world, seed)  # decided on day 0, before the first status meeting
    for task in fast:
        session.decide(FastTrack(task=task))
    session.run(lambda report: [])
    return session


@pytest.mark.parametrize("task, reason", [
    ("wifi_build", r"cannot overlap what must be finished first: order_kit \(a procurement\)"),  # never before a delivery
    ("acceptance", r"cannot be fast-tracked .* a test"),  # never a test before its object
    ("switch_over", r"cannot be fast-tracked .* a cutover"),  # never a cutover before its readiness
])
def test_only_work_may_overlap_work(world, task, reason):
    session = Session(world, 1)
    with pytest.raises(DecisionError, match=reason):
        session.decide(FastTrack(task=task))


def test_a_fast_tracked_task_starts_at_the_threshold_and_redoes_work_in_proportion_to_the_overlap(world):
    threshold, k = world.params.quality.fast_track_threshold, world.params.quality.fast_track_rework
    for seed in range(1, 6):
        plain, fast = _run(world, seed, ()), _run(world, seed, ("design",))
        survey, design = fast.project.tasks["survey"], fast.project.tasks["design"]
        assert design.start < survey.finish  # it did overlap
        assert plain.project.tasks["design"].start >= plain.project.tasks["survey"].finish
        # It started only once the survey had done the threshold of its work, and redid k x the overlap of its effort.
        overlap = design.rework / (k * design.effort)
        assert 0 < overlap <= 1 - threshold + 1e-9
        assert design.finish >= survey.finish  # never finished before the work it overlapped
        news = [e["text"] for e in fast.project.events if e["kind"] == "rework" and e["ref"] == "design"]
        assert news == [f"Wi-Fi site survey and room audit finished: fast-tracked Wireless and room design needs {design.rework:.1f} person-days of rework."]


def test_a_fast_tracked_task_whose_work_ends_first_waits_for_its_predecessor(edited, world):
    def short_design(data):  # a tiny successor of a long predecessor, with people enough for both
        tasks = {t["id"]: t for t in data["tasks"]}
        tasks["survey"]["effort"] = {"optimistic": 30, "most_likely": 30, "pessimistic": 30}
        tasks["survey"]["max_people"] = 1
        tasks["design"]["effort"] = {"optimistic": 1, "most_likely": 1, "pessimistic": 1}
        tasks["design"]["max_people"] = 1

    short = edited(world, short_design)
    session = _run(short, 3, ("design",))
    survey, design = session.project.tasks["survey"], session.project.tasks["design"]
    assert design.start < survey.finish
    assert design.finish >= survey.finish  # its own day of work was done long before, but it finished only with its rework
    assert design.rework > 0

"""A busy classroom on one server: many sessions started at the same moment, each keeping its own log."""

from __future__ import annotations

import multiprocessing
import os
import traceback

import pytest

from sim.engine import Session, SetOvertime, World, read_log
from sim.policies import make_policy
from sim.results import store

SCENARIO = "network_migration"
SEED = 7
PROCESSES = 16
TRIALS = 3


@pytest.fixture(scope="module")
def world() -> World:
    return World.from_file(SCENARIO)


def _tagged(tag: str):
    """The reference policy, every decision carrying ``tag`` as its rationale (so a log shows whose play it holds)."""
    reference = make_policy("reference")
    return lambda report: [d.model_copy(update={"rationale": tag}) for d in reference(report)]


def _play(world: World, folder, worker: int, barrier, results) -> None:
    """One trainee clicking Start: a new session in the shared folder, played to the end with a play of its own."""
    tag = f"worker {worker}"
    try:
        barrier.wait(timeout=60)
        session = store.new_session(folder, world, SEED)
        session.decide(SetOvertime(level=round(0.01 * (worker + 1), 2)), rationale=tag)
        session.run(_tagged(tag))
        results.put((worker, str(session.log_path), session.log()["outcome"], None))
    except BaseException:
        results.put((worker, None, None, traceback.format_exc()))


def _claim(world: World, path, worker: int, barrier, results) -> None:
    """Start a session on one given path at the same moment as every other worker."""
    try:
        barrier.wait(timeout=60)
        session = Session(world, SEED, path)
        session.decide(SetOvertime(level=0.1), rationale=f"worker {worker}")
        results.put((worker, "claimed", None))
    except FileExistsError as exc:
        results.put((worker, "refused", str(exc)))
    except BaseException:
        results.put((worker, "failed", traceback.format_exc()))


def _all_at_once(target, *args) -> list[tuple]:
    """Run ``target(*args, worker, barrier, results)`` in PROCESSES processes released by one barrier."""
    ctx = multiprocessing.get_context("fork")  # the world compiled once here; every worker starts at once
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, worker, barrier, results)) for worker in range(PROCESSES)]
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    return sorted(out)


def test_sessions_started_in_the_same_second_each_keep_their_own_log(world, tmp_path):
    for trial in range(TRIALS):
        folder = tmp_path / f"trial{trial}"
        results = _all_at_once(_play, world, folder)
        failures = [error for *_, error in results if error]
        assert not failures, failures[0]
        paths = [path for _, path, _, _ in results]
        assert len(set(paths)) == PROCESSES
        assert sorted(p.name for p in folder.iterdir()) == sorted(os.path.basename(p) for p in paths)  # no stray file
        for worker, path, outcome, _ in results:
            log = read_log(path)
            assert (log.scenario.id, log.seed, log.finished) == (SCENARIO, SEED, True)
            assert {e.decision.rationale for e in log.decisions} == {f"worker {worker}"}, path
            assert log.decisions[0].decision.level == round(0.01 * (worker + 1), 2)
            assert log.outcome.model_dump(mode="json") == outcome


def test_of_sessions_claiming_one_path_at_once_exactly_one_gets_it(world, tmp_path):
    path = tmp_path / "class.session.json"
    results = _all_at_once(_claim, world, path)
    assert [r for r in results if r[1] == "failed"] == []
    winners = [worker for worker, what, _ in results if what == "claimed"]
    assert len(winners) == 1
    assert all("exists already and a new session never writes over it" in text for _, what, text in results if what == "refused")
    assert [e.decision.rationale for e in read_log(path).decisions] == [f"worker {winners[0]}"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_new_session_names_tell_the_world_and_count_on_a_clash(world, tmp_path):
    first = store.new_session(tmp_path, world, SEED)
    second = store.new_session(tmp_path, world, SEED)
    stem = first.log_path.name.removesuffix(store.LOG_SUFFIX)
    assert stem.startswith(f"{SCENARIO}-standard-seed{SEED}-")
    if second.log_path.name.startswith(stem):  # the same second
        assert second.log_path.name == f"{stem}-2{store.LOG_SUFFIX}"
    assert read_log(first.log_path).decisions == read_log(second.log_path).decisions == ()


def test_a_log_claimed_but_not_yet_written_is_not_listed_as_unreadable(world, tmp_path):
    done = store.new_session(tmp_path, world, SEED)
    (tmp_path / f"other{store.LOG_SUFFIX}").touch()  # another trainee's Start, between the claim and the first save
    found, problems = store.saved_sessions(tmp_path)
    assert [s.path for s in found] == [done.log_path] and problems == []


def _left_behind(folder, prefix: str, age: float):
    """A temporary file as a writer killed ``age`` seconds ago leaves it (the name mkstemp gives the kit's writers)."""
    import tempfile
    import time

    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    os.write(fd, b'{"format": "itpm-sim-session/1", "decisions": [')
    os.close(fd)
    os.utime(name, (time.time() - age, time.time() - age))
    return os.path.basename(name)


def test_what_killed_writers_left_is_removed_when_the_folder_is_next_used(world, tmp_path):
    from sim.ui.model import PlayModel

    mine = store.new_session(tmp_path, world, SEED).log_path.name
    hour = store.STALE_SECONDS
    stale = [_left_behind(tmp_path, ".session-", hour + 60), _left_behind(tmp_path, f".{mine.replace('.session.json', '.notes.json')}-", 2 * hour)]
    claimed = tmp_path / f"dead{store.LOG_SUFFIX}"
    claimed.touch()
    os.utime(claimed, (0, 0))
    live = [_left_behind(tmp_path, ".session-", 5), _left_behind(tmp_path, ".s.json-", hour - 60)]
    users = [".my-notes.tmp", "draft.tmp", ".session-short.tmp"]  # not names the kit's writers make
    for name in users:
        (tmp_path / name).write_text("mine")
        os.utime(tmp_path / name, (0, 0))
    model = PlayModel(tmp_path)  # a trainee opens the app on the folder
    assert model.message == "" and [s.path.name for s in model.saved] == [mine]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine, *live, *users])
    assert not set(stale) & {p.name for p in tmp_path.iterdir()}
    assert store.sweep(tmp_path) == []


def test_a_study_folder_is_swept_when_a_new_study_is_prepared(tmp_path):
    from sim.results import studies

    stale = _left_behind(tmp_path, ".summary.json-", store.STALE_SECONDS + 1)
    fresh = _left_behind(tmp_path, ".runs.csv-", 1)
    studies.prepare(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [fresh] and stale != fresh

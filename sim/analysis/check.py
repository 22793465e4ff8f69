"""``check_determinism``: proof that a seed fixes the world, in this and any other process."""

from __future__ import annotations

import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.engine import Session, World, fingerprint, replay
from sim.policies import make_policy


def _play(path: str, difficulty: str, seed: int, policy_name: str) -> str:
    session = Session(World.from_file(path, difficulty), seed)
    session.run(make_policy(policy_name))
    return fingerprint(session)


def check_determinism(scenario: str, difficulty: str = "standard", seed: int = 0, policy: str = "reference") -> str:
    """Run the same world three ways and by replay; raise AssertionError unless all are bit-identical.

    The ways: twice in this process, once in a freshly spawned interpreter, and
    by replaying the first run's session log.  Returns the common fingerprint.
    """
    first = _play(scenario, difficulty, seed, policy)
    again = _play(scenario, difficulty, seed, policy)
    assert first == again, f"two runs in one process differ ({first[:12]} != {again[:12]})"
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        other = pool.submit(_play, str(World.from_file(scenario, difficulty).path), difficulty, seed, policy).result()
    assert first == other, f"a run in another process differs ({first[:12]} != {other[:12]})"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "session.json"
        session = Session(World.from_file(scenario, difficulty), seed, log)
        session.run(make_policy(policy))
        replayed = fingerprint(replay(log, scenario))
    assert first == replayed, f"the replay of the session log differs ({first[:12]} != {replayed[:12]})"
    return first

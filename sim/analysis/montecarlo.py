"""Monte Carlo: N replications of a policy or a decision plan, on any executor.

Child seeds come from numpy's ``SeedSequence`` so replications are
independent, and each replication depends only on its own child seed: the
result is identical whatever the executor and the number of workers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine import Session, World, cached_world, critical_path, outcome, scorecard
from sim.engine.world import Source
from sim.policies import DecisionPlan, make_policy


@dataclass(frozen=True)
class Study:
    """What to replicate: a scenario (a file, or a world's ``Source``), its difficulty, and a policy name or a decision plan."""

    scenario: str | Source
    difficulty: str = "standard"
    policy: str = "reference"
    plan: tuple = field(default=())  # session-log decision entries; used instead of ``policy`` when given
    strict: bool = True  # a policy's refused decision raises; False skips it (a plan's always are)

    def make_policy(self):
        return DecisionPlan(list(self.plan)) if self.plan else make_policy(self.policy)

    @property
    def label(self) -> str:
        return f"plan of {len(self.plan)} decisions" if self.plan else self.policy


def study_world(study: Study) -> World:
    """The study's world, compiled once per process (a worker rebuilds it from the file or the source's bytes)."""
    if isinstance(study.scenario, Source):
        return study.scenario.world(study.difficulty)
    return cached_world(study.scenario, study.difficulty)


def child_seeds(seed: int, runs: int) -> list[int]:
    """``runs`` independent seeds derived from ``seed`` (numpy SeedSequence.spawn)."""
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in np.random.SeedSequence(seed).spawn(runs)]


def replicate_one(study: Study, seed: int) -> dict:
    """One replication: the outcome, score, risks that hit and the critical path."""
    session = Session(study_world(study), seed)
    session.project.recording = False  # the row reads no daily timeline: its scorecard reads ``team_days``
    session.run(study.make_policy(), strict=study.strict and not study.plan)
    project = session.project
    card = scorecard(project)
    row = {"seed": seed, **outcome(project), "score": card.total, "grade": card.grade,
           **{f"score_{k}": v for k, v in card.parts.items()}, "surprises": project.surprises,
           "labour_cost": project.costs["labour"], "refused": len(session.refused)}
    for risk in project.risks.values():
        row[f"risk:{risk.id}"] = risk.hit
    path = set(critical_path(project))
    for task in project.baseline_tasks:
        row[f"critical:{task.id}"] = task.id in path
        row[f"duration:{task.id}"] = (task.finish - task.start) if task.finish is not None and task.start is not None else np.nan
    return row


def _chunk(study: Study, seeds: Sequence[int]) -> list[dict]:
    return [replicate_one(study, s) for s in seeds]


def run_montecarlo(
    study: Study,
    runs: int,
    seed: int = 0,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """A tidy DataFrame, one row per replication, in seed order.

    ``executor`` is any ``concurrent.futures.Executor`` (a process pool, or a
    Dask client's ``get_executor()``); serial when None.  ``progress`` is called
    with the number of replications finished in each completed chunk.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1 (got {runs})")
    if not isinstance(study.scenario, Source):
        study = dataclasses.replace(study, scenario=str(Path(cached_world(study.scenario, study.difficulty).path)), plan=tuple(study.plan))
    seeds = child_seeds(seed, runs)
    size = chunk_size or max(1, min(200, runs // 16 or 1))
    chunks = [seeds[i:i + size] for i in range(0, runs, size)]
    rows: list[list[dict]] = []
    if executor is None:
        for chunk in chunks:
            rows.append(_chunk(study, chunk))
            if progress:
                progress(len(chunk))
    else:
        futures = [executor.submit(_chunk, study, chunk) for chunk in chunks]
        for future, chunk in zip(futures, chunks, strict=True):
            rows.append(future.result())
            if progress:
                progress(len(chunk))
    df = pd.DataFrame([row for chunk in rows for row in chunk])
    df.insert(0, "run", range(runs))
    name = study.scenario.name if isinstance(study.scenario, Source) else study.scenario
    df.attrs.update({"scenario": name, "difficulty": study.difficulty, "policy": study.label, "seed": seed})
    return df

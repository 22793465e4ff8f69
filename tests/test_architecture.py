"""Rules about the code itself that keep it honest: checked on the source, so a slip fails at once."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"


def _functions_assigning(attribute: str) -> list[str]:
    """Every function in sim/ that assigns ``x.<attribute> = ...`` (or augments it), as 'file:function'."""
    found = []
    for path in sorted(SIM.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
                if any(isinstance(t, ast.Attribute) and t.attr == attribute for t in targets):
                    found.append(f"{path.relative_to(SIM.parent)}:{func.name}")
    return found


def test_a_task_changes_state_only_through_set_state():
    # Project.set_state also invalidates the caches; a task built in TaskState.__init__ starts waiting.
    assert sorted(set(_functions_assigning("state"))) == ["sim/engine/entities.py:__init__", "sim/engine/project.py:set_state"]


def test_a_task_is_fast_tracked_only_through_project_fast_track():
    # Project.fast_track also lists the task for the rework its predecessors' finishes cause.
    assert sorted(set(_functions_assigning("fast_tracked"))) == ["sim/engine/entities.py:__init__", "sim/engine/project.py:fast_track"]

"""The open model: every parameter is documented in docs/MODEL.md, and the README's commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from sim.schema import defaults

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_is_explained_in_the_model_document():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    missing = [f"{g}.{n}" for g, entries in defaults().items() for n in entries if f"`{g}.{n}`" not in text]
    assert not missing, f"docs/MODEL.md does not mention: {', '.join(missing)}"


def test_model_document_names_no_parameter_that_does_not_exist():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    known = {f"{g}.{n}" for g, entries in defaults().items() for n in entries}
    groups = set(defaults())
    named = {m for m in re.findall(r"`([a-z_]+\.[a-z_]+)`", text) if m.split(".")[0] in groups}
    assert named <= known, f"unknown parameters in docs/MODEL.md: {sorted(named - known)}"


def test_readme_gives_exactly_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```\n(.+?)\n```", setup)
    assert commands == ["./kit lab", "./kit test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "exec ./kit test"

"""The open model: every parameter is documented in docs/MODEL.md, and the README's commands exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
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


def _python_for_venv(python: str) -> subprocess.CompletedProcess:
    """Run the kit's interpreter choice on its own (the function, not the install)."""
    script = f'set -euo pipefail; source <(sed -n "/^python_for_venv()/,/^}}/p" kit); PYTHON={shlex.quote(python)} python_for_venv'
    return subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True)


def test_kit_builds_its_environment_on_the_python_it_is_given():
    chosen = _python_for_venv(sys.executable)
    assert chosen.returncode == 0 and chosen.stdout.strip() == sys.executable


def test_kit_refuses_an_unusable_python_with_a_clear_message():
    refused = _python_for_venv("/nonexistent/python3.11")
    assert refused.returncode == 2
    assert "needs Python 3.11 or newer" in refused.stderr and "/nonexistent/python3.11" in refused.stderr


def test_every_rule_of_thumb_of_the_reference_pm_is_explained_in_the_model_document():
    from sim import policies

    text = (ROOT / "docs" / "MODEL.md").read_text()
    rules = [f"Reference.{name}" for name, value in vars(policies.Reference).items()
             if not name.startswith("_") and not callable(value)]
    rules += [name for name, value in vars(policies).items() if name.isupper() and isinstance(value, (int, float))]
    assert len(rules) > 20
    missing = [rule for rule in rules if f"`{rule}`" not in text]
    assert not missing, f"docs/MODEL.md does not explain: {', '.join(missing)}"


def test_readme_states_every_limit_of_the_scenario_format():
    from sim.schema import models, safe_yaml

    readme = (ROOT / "README.md").read_text()
    writing = readme.split("## Writing scenarios", 1)[1].split("\n## ", 1)[0]
    missing = [f"`{name}` {limit:,}" for name, limit in models.LIMITS.items() if f"`{name}` {limit:,}" not in writing]
    assert not missing, f"README's Writing scenarios does not state: {missing}"
    for text in (f"{models.FIRST_DATE} to {models.LAST_DATE}", f"{models.MAX_PERIOD_DAYS} days", f"{models.CALENDAR_DAYS:,} working days",
                 "0 to 1e12", "at most 1e6", f"0 to {models.MAX_ESTIMATE:,}", f"{models.MAX_TEXT} characters",
                 f"descriptions {models.MAX_DESCRIPTION:,}", f"the briefing {models.MAX_BRIEFING:,}",
                 f"{safe_yaml.MAX_VALUES:,} keys and values", f"{safe_yaml.MAX_DEPTH} levels", f"at most {safe_yaml.MAX_DIGITS} digits"):
        assert text in writing, text

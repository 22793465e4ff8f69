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


def test_every_link_in_the_documents_resolves_inside_the_repository():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            path = (page.parent / target).resolve()
            if not path.exists() or ROOT.resolve() not in path.parents:
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken
    sources = [p for p in ROOT.joinpath("sim").rglob("*.py")] + pages
    assert not [str(p) for p in sources if "../shared" in p.read_text()]



# ------------------------------------------------------------ every equation names its function, and its test

PROSE_SECTIONS = {"The ITPM Sim model", "Calibration and departures from the sources", "What the model teaches, and the evidence",
                  "Sources"}
RULE_MODULES = ("rules", "evm", "measures")


def _sections() -> dict[str, str]:
    """MODEL.md's sections by heading, each with its text up to the next heading."""
    text = (ROOT / "docs" / "MODEL.md").read_text()
    parts = re.split(r"^#{1,3} (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _code_names(body: str) -> list[str]:
    """The names on the *Code:* paragraphs of a section (up to the paragraph's worked example)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.startswith("*Code:*")]
    return [name for p in paragraphs for name in re.findall(r"`([\w.]+)`", p.split("Example:")[0])]


def _resolve(name: str):
    """The object a *Code:* name stands for: ``sim.a.b`` as written, ``x.y`` as ``sim.engine.x.y``."""
    import importlib

    parts = name.split(".")
    module_parts = parts if parts[0] == "sim" else ["sim", "engine", *parts]
    for cut in range(len(module_parts), 1, -1):
        try:
            obj = importlib.import_module(".".join(module_parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in module_parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def _test_names() -> set[str]:
    import ast

    return {node.name for path in (ROOT / "tests").glob("test_*.py") for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_section_of_the_model_names_the_functions_of_its_equations():
    sections = _sections()
    assert len(sections) > 15
    unnamed = [title for title, body in sections.items() if title not in PROSE_SECTIONS and not _code_names(body)]
    assert not unnamed, f"sections of docs/MODEL.md without a *Code:* line: {unnamed}"
    for title in PROSE_SECTIONS:  # prose only: an equation there would name no function
        assert not re.search(r"^    \S", sections[title], flags=re.M), f"{title} holds an equation"


def test_every_function_the_model_names_exists():
    missing = []
    for name in {n for body in _sections().values() for n in _code_names(body)}:
        try:
            assert callable(_resolve(name))
        except (ModuleNotFoundError, AttributeError, AssertionError):
            missing.append(name)
    assert not missing, f"docs/MODEL.md names functions that do not exist: {sorted(missing)}"


def test_every_rule_is_in_the_model_and_has_its_test_by_name():
    """The one-minute test: from an equation to its function and from the function to its test, by name."""
    import importlib
    import inspect

    named = {n for body in _sections().values() for n in _code_names(body)}
    tests = _test_names()
    undocumented, untested = [], []
    for module in RULE_MODULES:
        mod = importlib.import_module(f"sim.engine.{module}")
        for name, obj in vars(mod).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != mod.__name__:
                continue
            if f"{module}.{name}" not in named:
                undocumented.append(f"{module}.{name}")
            if not any(t == f"test_{name}" or t.startswith(f"test_{name}_") for t in tests):
                untested.append(f"{module}.{name}")
    for name in named:
        if name.startswith("rng."):
            short = name.split(".")[-1]
            if not any(t == f"test_{short}" or t.startswith(f"test_{short}_") for t in tests):
                untested.append(name)
    assert not undocumented, f"rules that docs/MODEL.md does not name: {undocumented}"
    assert not untested, f"rules without a test_<name> test: {untested}"


def test_the_linters_run_offline_from_the_kits_own_environment():
    import tomllib

    import yaml

    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing to fetch from the network
    assert {hook["language"] for hook in hooks} == {"system"}
    assert all(hook["entry"].startswith(".venv/bin/") for hook in hooks)
    # every tool a hook or `./kit lint` runs is installed by the test extras, and CI runs the linters first
    extras = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"])
    assert all(tool in extras for tool in ("ruff", "mypy", "import-linter", "pre-commit", "pandas-stubs", "types-PyYAML"))
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.index("./kit lint") < ci.index("exec ./kit test")


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

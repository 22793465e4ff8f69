"""Scenario files made at test time from a bundled one: hostile texts, and sizes at and past the kit's limits."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

from sim.schema import bundled_scenarios
from sim.schema.safe_yaml import MAX_BYTES

from .markup import PAYLOADS

# Free texts a scenario author writes, by the key that holds them (ids, kinds and roles of stakeholders are not free).
TEXT_KEYS = {"title", "name", "description", "briefing", "phase", "vendor", "label", "signal", "reason"}


def bundled(scenario_id: str) -> dict:
    """The data of a bundled scenario, as plain YAML reads it."""
    path = next(p for p in bundled_scenarios() if p.stem == scenario_id)
    return yaml.safe_load(path.read_text("utf-8"))


def write(data: dict, path: Path) -> Path:
    """``data`` as a plain YAML scenario file (no tags, anchors or aliases)."""

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True

    path.write_text(yaml.dump(data, Dumper=Plain, allow_unicode=True, sort_keys=False, width=10_000), "utf-8")
    return path


def with_hostile_texts(scenario_id: str, path: Path) -> Path:
    """The bundled scenario with a hostile payload added to every free text (names, titles, descriptions, the
    briefing and objectives, phases, vendors, option labels, warning signals, reasons, skill descriptions)."""
    payloads = itertools.cycle(PAYLOADS)

    def spoil(node, key=None, parent=None):
        if isinstance(node, dict):
            return {k: spoil(v, k, key) for k, v in node.items()}
        if isinstance(node, list):
            if key == "objectives":
                return [f"{item} {next(payloads)}" for item in node]
            return [spoil(item, key, parent) for item in node]
        if isinstance(node, str) and (key in TEXT_KEYS or (key == "role" and parent == "team") or parent == "skills"):
            return f"{node} {next(payloads)}"
        return node

    data = spoil(bundled(scenario_id))
    data.pop("difficulty", None)  # presets would overlay some texts with clean ones
    return write(data, path)


BASE = Path(__file__).resolve().parents[1] / "broken" / "_valid_base.yaml"


def base() -> dict:
    """The small valid scenario the broken corpus is made from."""
    return yaml.safe_load(BASE.read_text("utf-8"))


def reversed_chain(path: Path, length: int = 1200) -> Path:
    """A chain of ``length`` work tasks, each depending on the one before, listed last-first."""
    data = base()
    data["tasks"] = [
        {"id": f"t{i}", "kind": "work", "name": f"Step {i}", "phase": "Build", "skill": "net",
         "effort": {"optimistic": 1, "most_likely": 1, "pessimistic": 1}, **({"depends_on": [f"t{i - 1}"]} if i else {})}
        for i in reversed(range(length))
    ]
    data["risks"], data["events"] = [], []
    data.pop("difficulty")
    data["calendar"]["deadline"] = data["calendar"]["start"].replace(year=data["calendar"]["start"].year + 3)
    return write(data, path)


def unknown_keys(path: Path) -> Path:
    """The base scenario with as many unknown top-level keys as fit in the 4 MB a scenario may have (about 415,000)."""
    text = BASE.read_text("utf-8")
    room = MAX_BYTES - len(text.encode())
    lines, size = [], 0
    for i in itertools.count():
        line = f"k{i:x}: 0\n"
        if size + len(line) > room:
            break
        lines.append(line)
        size += len(line)
    return _append(path, text, lines)


def many_skills(path: Path, count: int = 330_000) -> Path:
    """The base scenario with ``count`` skills in its catalogue."""
    text = BASE.read_text("utf-8").replace("skills:\n  net: Network engineering.\n", "skills:\n  net: Network engineering.\n"
                                            + "".join(f"  s{i}: x\n" for i in range(count)), 1)
    path.write_text(text, "utf-8")
    return path


def certain_risks(path: Path, count: int = 5000) -> Path:
    """The base scenario with ``count`` risks that strike for certain, each costing a little."""
    data = base()
    data["risks"] = [{"id": f"r{i}", "title": f"Risk {i}", "category": "technical", "probability": 1.0,
                      "window": {"start": 1, "end": 30}, "impacts": [{"type": "cost", "amount": 10}]} for i in range(count)]
    data.pop("difficulty")
    data["events"] = []
    return write(data, path)


def _append(path: Path, text: str, lines) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(text)
        out.writelines(lines)
    return path


def unknown_keys_within_the_cap(path: Path, count: int = 30_000) -> Path:
    """The base scenario with ``count`` unknown top-level keys: few enough values to be read in full."""
    return _append(path, BASE.read_text("utf-8"), (f"k{i:x}: 0\n" for i in range(count)))


def at_the_limits(path: Path) -> Path:
    """A scenario as large as the limits allow where it costs a run the most: the most tasks, all open at once,
    the most people, and the most risks, all certain, with status meetings every day."""
    from sim.schema.models import LIMITS

    data = base()
    data.pop("difficulty")
    data["calendar"]["deadline"] = data["calendar"]["start"].replace(year=data["calendar"]["start"].year + 1)
    data["team"] = [{"id": f"p{i}", "name": f"Person {i}", "role": "Engineer", "skills": {"net": 0.7, "test": 0.5},
                     "daily_rate": 500} for i in range(LIMITS["team"])]
    data["tasks"] = [{"id": f"t{i}", "kind": "work", "name": f"Task {i}", "phase": "Build", "skill": "net",
                      "effort": {"optimistic": 1, "most_likely": 2, "pessimistic": 3}} for i in range(LIMITS["tasks"])]
    data["risks"] = [{"id": f"r{i}", "title": f"Risk {i}", "category": "technical", "probability": 1.0,
                      "window": {"start": 1, "end": 200}, "impacts": [{"type": "extra_effort", "tasks": [f"t{i}"], "share": 0.1}]}
                     for i in range(LIMITS["risks"])]
    data["events"] = []
    data["parameters"] = {"decisions": {"status_interval": 1}}
    return write(data, path)

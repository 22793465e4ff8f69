"""Scenario files made at test time from a bundled one: hostile texts, and sizes at and past the kit's limits."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

from sim.schema import bundled_scenarios

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

"""The risk heat map shows every risk: numbered as in the plan's register, none hidden under another."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from sim.engine import Session, World
from sim.results.charts import heat_map, risk_impacts
from sim.results.charts.risks import STYLES, spread, state


def test_a_marker_alone_stays_where_it_is():
    assert spread([(10.0, 10.0), (100.0, 100.0)], 14) == [(0, 0), (0, 0)]


def test_markers_on_the_same_spot_are_moved_apart_by_a_marker_width():
    offsets = spread([(10.0, 10.0), (10.0, 10.0), (11.0, 10.0)], 14)
    assert offsets == [(0, 0), (14, 0), (0, 14)]  # right of the first; then above it, as the right is taken
    placed = [(10 + dx, 10 + dy) for dx, dy in offsets[:2]] + [(11 + offsets[2][0], 10 + offsets[2][1])]
    assert min(math.dist(a, b) for i, a in enumerate(placed) for b in placed[i + 1:]) >= 14


def test_a_risk_that_has_hit_is_drawn_as_hit_even_when_it_was_warned_of():
    risk = {"id": "R", "hit": True, "bought": ["x"]}
    assert state(risk, {"R"}) == "has hit"
    assert state(risk | {"hit": False}, {"R"}) == "early warning"
    assert state(risk | {"hit": False}, set()) == "response bought"
    assert state(risk | {"hit": False, "bought": []}, set()) == "open"


def _colour_share(png: bytes, hex_colour: str) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(pixels - rgb).sum(axis=1) < 12).mean())


def test_the_map_marks_each_state_in_its_colour():
    report = Session(World.from_file("network_migration"), seed=1).observe()
    risks = report.risks
    plain = heat_map(risks, risk_impacts(report, risks), set(), "EUR")
    assert _colour_share(plain, STYLES["has hit"]["color"]) < _colour_share(plain, STYLES["open"]["color"])
    struck = [r | {"hit": True} for r in risks]
    hit = heat_map(struck, risk_impacts(report, struck), set(), "EUR")
    assert _colour_share(hit, STYLES["has hit"]["color"]) > 10 * max(_colour_share(plain, STYLES["has hit"]["color"]), 1e-4)
    assert _colour_share(hit, STYLES["open"]["color"]) < _colour_share(plain, STYLES["open"]["color"]) / 5

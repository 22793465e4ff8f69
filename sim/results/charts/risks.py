"""The risk heat map: probability against a rough money impact, with warnings, hits and responses marked."""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

from sim.policies import impact_money

from .base import OKABE_ITO, compact, figure, styled

# A single-hue ramp (white to vermillion) reads the same with any colour-vision deficiency.
HEAT = LinearSegmentedColormap.from_list("heat", ["#FFFFFF", "#F6D7B8", "#E69F00", "#D55E00"])
MARKER = 13  # points across: room for a two-digit number inside
# Where a marker that would cover another goes instead, in markers across: right, left, up, down, then the corners.
NUDGES = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1), (2, 0), (-2, 0), (0, 2), (0, -2)]
STYLES = {  # shape as well as colour, so that no state depends on seeing colour
    "open": {"marker": "o", "color": OKABE_ITO["blue"], "text": "white"},
    "response bought": {"marker": "o", "color": OKABE_ITO["green"], "text": "white"},
    "early warning": {"marker": "^", "color": OKABE_ITO["orange"], "text": "black"},
    "has hit": {"marker": "s", "color": OKABE_ITO["vermillion"], "text": "white"},
}


def risk_impacts(report, risks: list[dict]) -> dict[str, float]:
    """A rough money impact per risk (the reference PM's valuation), scaled by the responses in ``bought``."""
    return {r["id"]: impact_money(report, r["impacts"]) * math.prod(
        x["impact_factor"] for x in r["responses"] if x["id"] in r["bought"]) for r in risks}


def spread(points: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """Offsets (in the points' own units) that keep every marker at least ``gap`` from those placed before it.

    Two risks with the same probability and impact would otherwise draw one marker over the other and hide it; a
    marker that would cover another moves to the first free place around its true position (a thin line joins them).
    """
    placed: list[tuple[float, float]] = []
    offsets = []
    for x, y in points:
        for dx, dy in [(0, 0), *NUDGES]:
            at = (x + dx * gap, y + dy * gap)
            if all(math.dist(at, other) >= gap for other in placed):
                break
        placed.append(at)
        offsets.append((at[0] - x, at[1] - y))
    return offsets


def state(risk: dict, warned: set[str]) -> str:
    if risk["hit"]:
        return "has hit"
    if risk["id"] in warned:
        return "early warning"
    return "response bought" if risk["bought"] else "open"


@styled
def heat_map(risks: list[dict], impacts: dict[str, float], warned: set[str], currency: str):
    """Each risk at (probability, money if it hits), numbered as in the key beside it; the background darkens with
    probability × impact."""
    fig = figure(7.4, 3.6)
    ax, key = fig.subplots(1, 2, width_ratios=[1.45, 1])
    top = max([*impacts.values(), 1.0]) * 1.15
    xs, ys = np.meshgrid(np.linspace(0, 1, 60), np.linspace(0, top, 60))
    ax.imshow(xs * ys / top, origin="lower", extent=(0, 1, 0, top), aspect="auto", cmap=HEAT, alpha=0.55, vmin=0, vmax=1)
    width, height = 7.4 * 72 * 0.55, 3.6 * 72 * 0.75  # the plot area in points, near enough to tell markers apart
    where = [(r["probability"] * width, impacts[r["id"]] / top * height) for r in risks]
    for n, (risk, (dx, dy), (x, y)) in enumerate(zip(risks, spread(where, MARKER + 1), where, strict=True), start=1):
        style = STYLES[state(risk, warned)]
        at = offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points")
        px, py = x / width, y / height * top
        if dx or dy:
            ax.plot([px, px + dx / width], [py, py + dy / height * top], color="#555555", linewidth=0.6)
        ax.plot([px], [py], linestyle="none", marker=style["marker"], color=style["color"], markersize=MARKER,
                markeredgecolor="black", markeredgewidth=0.5, transform=at, clip_on=False)
        ax.text(px, py, str(n), transform=at, ha="center", va="center_baseline", fontsize=7, fontweight="bold",
                color=style["text"], clip_on=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top)
    ax.set_xlabel("probability of striking (after responses bought)")
    ax.set_ylabel(f"rough cost if it hits ({currency})")
    ax.yaxis.set_major_formatter(lambda v, _: compact(v))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title("Risk heat map: act on the top right first")
    key.axis("off")
    lines = [textwrap.shorten(f"{n}  {r['title']}", 50, placeholder="…") for n, r in enumerate(risks, start=1)]
    key.text(0, 1, "\n".join(lines), va="top", fontsize=7, linespacing=1.45, transform=key.transAxes)
    key.legend(handles=[Line2D([], [], linestyle="none", marker=s["marker"], color=s["color"], markeredgecolor="black",
                               markeredgewidth=0.5, markersize=8, label=name) for name, s in STYLES.items()],
               loc="lower left", fontsize=7, frameon=False, ncols=2)
    return fig

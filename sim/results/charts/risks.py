"""The risk heat map: probability against a rough money impact, with warnings, hits and responses marked."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D

from sim.policies import impact_money

from .base import OKABE_ITO, compact, figure, styled

# A single-hue ramp (white to vermillion) reads the same with any colour-vision deficiency.
HEAT = LinearSegmentedColormap.from_list("heat", ["#FFFFFF", "#F6D7B8", "#E69F00", "#D55E00"])


def risk_impacts(report, risks: list[dict]) -> dict[str, float]:
    """A rough money impact per risk (the reference PM's valuation), scaled by the responses in ``bought``."""
    return {r["id"]: impact_money(report, r["impacts"]) * math.prod(
        x["impact_factor"] for x in r["responses"] if x["id"] in r["bought"]) for r in risks}


@styled
def heat_map(risks: list[dict], impacts: dict[str, float], warned: set[str], currency: str):
    """Each risk at (probability, money if it hits); the background darkens with probability × impact."""
    fig = figure(7.4, 3.6)
    ax = fig.add_subplot()
    top = max([*impacts.values(), 1.0]) * 1.15
    xs, ys = np.meshgrid(np.linspace(0, 1, 60), np.linspace(0, top, 60))
    ax.imshow(xs * ys / top, origin="lower", extent=(0, 1, 0, top), aspect="auto", cmap=HEAT, alpha=0.55, vmin=0, vmax=1)
    for risk in risks:
        x, y = risk["probability"], impacts[risk["id"]]
        if risk["hit"]:
            style = {"marker": "X", "color": OKABE_ITO["vermillion"], "markersize": 10}
        elif risk["id"] in warned:
            style = {"marker": "^", "color": OKABE_ITO["orange"], "markersize": 10, "markeredgecolor": "black"}
        elif risk["bought"]:
            style = {"marker": "o", "color": OKABE_ITO["green"], "markersize": 8}
        else:
            style = {"marker": "o", "color": OKABE_ITO["blue"], "markersize": 8}
        ax.plot([x], [y], linestyle="none", **style)  # type: ignore[arg-type]  # the stubs cannot match **kwargs to keywords
        ax.annotate(risk["id"], (x, y), xytext=(5, 3), textcoords="offset points", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top)
    ax.set_xlabel("probability of striking (after responses bought)")
    ax.set_ylabel(f"rough cost if it hits ({currency})")
    ax.yaxis.set_major_formatter(lambda v, _: compact(v))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(handles=[
        Line2D([], [], marker="o", linestyle="none", color=OKABE_ITO["blue"], label="open"),
        Line2D([], [], marker="o", linestyle="none", color=OKABE_ITO["green"], label="response bought"),
        Line2D([], [], marker="^", linestyle="none", color=OKABE_ITO["orange"], markeredgecolor="black", label="early warning"),
        Line2D([], [], marker="X", linestyle="none", color=OKABE_ITO["vermillion"], label="has hit"),
    ], loc="upper left", fontsize=7, frameon=True)
    ax.set_title("Risk heat map: act on the top right first")
    return fig

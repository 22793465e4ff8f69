"""Static matplotlib charts rendered to PNG bytes: they show alike in JupyterLab, Voilà and HTML reports."""

from .base import OKABE_ITO, png
from .money import budget_burn, earned_value, forecast_spread
from .network import network
from .people import defects, stakeholders, team
from .risks import heat_map, risk_impacts
from .schedule import GanttPainter, gantt
from .score import score_parts, scorecards
from .study import s_curves, tornado

__all__ = [
    "OKABE_ITO",
    "GanttPainter",
    "budget_burn",
    "defects",
    "earned_value",
    "forecast_spread",
    "gantt",
    "heat_map",
    "network",
    "png",
    "risk_impacts",
    "s_curves",
    "score_parts",
    "scorecards",
    "stakeholders",
    "team",
    "tornado",
]

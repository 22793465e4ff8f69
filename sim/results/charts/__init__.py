"""Static matplotlib charts rendered to PNG bytes: they show alike in JupyterLab, Voilà and HTML reports."""

from .base import OKABE_ITO, png
from .money import budget_burn, earned_value, forecast_spread
from .people import defects, stakeholders, team
from .risks import heat_map, risk_impacts
from .schedule import gantt, plan_critical_path
from .score import score_parts, scorecards
from .study import s_curves, tornado

__all__ = [
    "OKABE_ITO", "budget_burn", "defects", "earned_value", "forecast_spread", "gantt", "heat_map", "plan_critical_path",
    "png", "risk_impacts", "s_curves", "score_parts", "scorecards", "stakeholders", "team", "tornado",
]

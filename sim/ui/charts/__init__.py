"""Static matplotlib charts rendered to PNG bytes, so they show alike in JupyterLab and Voilà."""

from .base import OKABE_ITO, png
from .money import budget_burn, earned_value, forecast_spread
from .people import defects, stakeholders, team
from .risks import heat_map, risk_impacts
from .schedule import gantt, plan_critical_path
from .score import scorecards

__all__ = [
    "OKABE_ITO", "budget_burn", "defects", "earned_value", "forecast_spread", "gantt", "heat_map", "plan_critical_path",
    "png", "risk_impacts", "scorecards", "stakeholders", "team",
]

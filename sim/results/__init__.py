"""Results and analysis: tables, scorecards and studies built from finished sessions."""

from .scorecard import Scorecard, scorecard
from .tables import Results

__all__ = ["Results", "Scorecard", "scorecard"]

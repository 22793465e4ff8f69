"""Analysis across runs: Monte Carlo studies and their summaries."""

from .check import check_determinism
from .montecarlo import Study, child_seeds, replicate_one, run_montecarlo
from .summary import chances, criticality, percentiles, s_curve, summarise, tornado

__all__ = [
    "Study", "chances", "check_determinism", "child_seeds", "criticality", "percentiles", "replicate_one",
    "run_montecarlo", "s_curve", "summarise", "tornado",
]

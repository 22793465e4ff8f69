"""Analysis across runs: Monte Carlo studies and their summaries."""

from .montecarlo import Study, child_seeds, critical_path, replicate_one, run_montecarlo

__all__ = ["Study", "child_seeds", "critical_path", "replicate_one", "run_montecarlo"]

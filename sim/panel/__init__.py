"""Hiring panels: a fair, time-boxed, tamper-evident interview exercise and an evidence-based report.

``create_panel`` makes the panel folder (exercise, secret, access codes, rubric), ``open_panel`` reads it,
``sim.panel.review`` verifies and reports.  No widget is imported here: the candidate's app is in ``sim.ui``,
the command in ``sim.cli.panel``.
"""

from .errors import PanelError
from .folder import Panel, create_panel, open_panel, read_candidates

__all__ = ["Panel", "PanelError", "create_panel", "open_panel", "read_candidates"]

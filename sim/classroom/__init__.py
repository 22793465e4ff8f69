"""The instructor's kit: class exercises, collecting and verifying a cohort's logs, comparing and debriefing.

No widget is imported here; the instructor's views are in ``sim.ui``.
"""

from .verify import STATUSES, Verdict, result_row, verify_log

__all__ = ["STATUSES", "Verdict", "result_row", "verify_log"]

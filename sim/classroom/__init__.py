"""The instructor's kit: class exercises, collecting and verifying a cohort's logs, comparing and debriefing.

No widget is imported here; the instructor's views are in ``sim.ui``.
"""

from .collect import CollectError, Collection, collect, read_collection
from .handins import HandIn, find_hand_ins
from .verify import STATUSES, Verdict, result_row, verify_log

__all__ = ["STATUSES", "CollectError", "Collection", "HandIn", "Verdict", "collect", "find_hand_ins", "read_collection",
           "result_row", "verify_log"]

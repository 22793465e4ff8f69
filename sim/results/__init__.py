"""Results of finished sessions and studies: tables, the debrief, charts and HTML reports."""

from .tables import Results

__all__ = ["Results"]

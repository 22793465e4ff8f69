"""ITPM Sim: an IT project-management simulator and training kit."""

__version__ = "0.3.1"

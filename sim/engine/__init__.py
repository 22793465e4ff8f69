"""The simulation engine: a SimPy model of an IT project steered by a PM."""

from . import evm, rules
from .decisions import (
    DECISION,
    BuyResponse,
    Choose,
    CutScope,
    Decision,
    DecisionError,
    FastTrack,
    Hire,
    Prioritise,
    Release,
    RequestBudget,
    RequestTime,
    RestoreScope,
    SetCommunication,
    SetOvertime,
    SetQuality,
    SetReserve,
)
from .entities import TaskStatus, TimelineRow
from .log import LogError, read_log
from .measures import (
    Scorecard,
    approved_changes,
    critical_path,
    fingerprint,
    outcome,
    plan_critical_path,
    scorecard,
)
from .report import StatusReport
from .session import Session, replay, resume
from .world import World, cached_world

__all__ = [
    "DECISION", "BuyResponse", "Choose", "CutScope", "Decision", "DecisionError", "FastTrack", "Hire", "LogError",
    "Prioritise", "Release", "RequestBudget", "RequestTime", "RestoreScope", "Scorecard", "Session", "SetCommunication",
    "SetOvertime", "SetQuality", "SetReserve", "StatusReport", "TaskStatus", "TimelineRow", "World", "approved_changes", "cached_world",
    "critical_path", "evm", "fingerprint", "outcome", "plan_critical_path", "read_log", "replay", "resume", "rules",
    "scorecard",
]

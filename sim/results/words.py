"""Plain words for what a trainee reads: names instead of ids, and each decision as a sentence.

The debrief, the report and the app's decision log all describe a decision with ``describe_decision``, so a
decision reads the same wherever it is shown.
"""

from __future__ import annotations

import datetime as dt
import math

from sim.engine import World, effects
from sim.engine.calendar import day_text  # noqa: F401  (written from here too)
from sim.engine.effects import signed_money  # noqa: F401  (written from here too)
from sim.results.charts.base import compact as compact_amount

SETTINGS = {"set_overtime": "overtime", "set_communication": "communication effort", "set_quality": "quality effort"}


def money(amount: float, currency: str, compact: bool = False) -> str:
    """``EUR 1,234,567`` (``effects.money``, as the news writes it), or ``EUR 1.23M`` / ``EUR 82k`` when ``compact``."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "n/a"
    return f"{currency} {compact_amount(amount)}" if compact else effects.money(amount, currency)


def short_day(date: dt.date) -> str:
    """``15 Jan``: a date in a table of one year's plan (``day_text`` in full everywhere else)."""
    return f"{date.day} {date:%b}"


def names(world: World) -> dict[str, str]:
    """Every id a trainee may meet and its name: tasks, people, market profiles, stakeholders, risks, responses,
    requests (``risk:ID``, ``event:ID``) and request options (``REQUEST/OPTION``)."""
    s = world.scenario
    found = {t.id: t.name for t in s.tasks} | {p.id: p.name for p in s.team} | {m.id: m.title for m in s.market}
    found |= {x.id: x.name for x in s.stakeholders} | {r.id: r.title for r in s.risks}
    found |= {x.id: x.description for r in s.risks for x in r.responses}
    found |= {f"risk:{r.id}": r.title for r in s.risks} | {f"event:{e.id}": e.title for e in s.events}
    found |= {f"risk:{r.id}/{x.id}": f"{x.strategy}: {x.description}" for r in s.risks for x in r.responses}
    found |= {f"risk:{r.id}/accept": "accept the impact" for r in s.risks}
    found |= {f"event:{e.id}/{o.id}": o.label for e in s.events for o in e.options}
    return found


def describe_decision(decision: dict, names: dict[str, str], currency: str) -> str:
    """One decision as a sentence: ``Overtime set to 10%``, ``Hire: Network engineer (contract)``."""
    kind = decision["type"]

    def name(key: str) -> str:
        value = str(decision.get(key, ""))
        return names.get(value, value)

    if kind in SETTINGS:
        return f"{SETTINGS[kind].capitalize()} set to {100 * float(decision['level']):.0f}%"
    if kind == "set_reserve":
        return f"Management reserve set to {currency} {float(decision['amount']):,.0f}"
    if kind == "hire":
        return f"Hire: {name('profile')}"
    if kind == "release":
        return f"Release {name('person')}"
    if kind == "buy_response":
        return f"Buy a response to “{name('risk')}”: {name('response')}"
    if kind == "choose":
        request = str(decision["request"])
        option = names.get(f"{request}/{decision['option']}", str(decision["option"]))
        return f"“{names.get(request, request)}”: {option}"
    if kind == "cut_scope":
        return f"Cut {name('task')}"
    if kind == "restore_scope":
        return f"Restore {name('task')}"
    if kind == "fast_track":
        return f"Fast-track {name('task')}"
    if kind == "prioritise":
        return f"Priority {int(decision['priority']):+d} for {name('task')}"
    if kind == "request_budget":
        return f"Ask the sponsor for {currency} {float(decision['amount']):,.0f} more budget"
    if kind == "request_time":
        return f"Ask the sponsor for {int(decision['days'])} more working days"
    return kind.replace("_", " ").capitalize()

"""Cross-reference checks on raw scenario data.

They run on the parsed YAML, not on the validated model, so that a wrong type
in one place never hides a broken reference in another: every problem is
reported in one pass.  Missing or mistyped parts are simply skipped here; the
schema reports them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from .explain import SUGGESTIONS, did_you_mean
from .models import CALENDAR_DAYS, WEEKDAYS
from .problems import Path, format_path, show

Finding = tuple[Path, bool, str]  # path, at the key?, message

def _items(data: object, *path: str | int) -> Iterator[tuple[Path, dict]]:
    """(path, item) for each mapping in the list at ``path``."""
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                yield tuple(path) + (i,), item


def _ids(items: list[tuple[Path, dict]], what: str, findings: list[Finding]) -> set[str]:
    seen: dict[str, Path] = {}
    for path, item in items:
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            findings.append((path + ("id",), False, f"duplicate {what} id (got {show(ident)} again, expected unique ids; first at {_fmt(seen[ident])})"))
        else:
            seen[ident] = path
    return set(seen)


def _fmt(path: Path) -> str:
    return format_path(path)


def _ref(value: object, path: Path, known: set[str], what: str, findings: list[Finding], key: bool = False) -> None:
    if isinstance(value, str) and value not in known:
        hint = did_you_mean(value, sorted(known)) if len(findings) < SUGGESTIONS else ""
        findings.append((path, key, f"unknown {what}{hint} (got {show(value)}, expected {'an' if what[0] in 'aeiou' else 'a'} {what} id defined in this file)"))


def _all_impacts(data: dict) -> list[tuple[Path, dict]]:
    out = []
    for rpath, risk in _items(data, "risks"):
        out += [((*rpath, *p), i) for p, i in _items(risk, "impacts")]
    for epath, event in _items(data, "events"):
        for opath, option in _items(event, "options"):
            out += [((*epath, *opath, *p), i) for p, i in _items(option, "effects")]
    return out


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One dependency cycle, as a list of ids that starts and ends on the same task."""
    state: dict[str, int] = {}
    for root in sorted(graph):
        if state.get(root):
            continue
        stack = [(root, iter(graph[root]))]
        trail = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                trail.pop()
            elif child in graph and state.get(child) == 1:
                return trail[trail.index(child):] + [child]
            elif child in graph and not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph[child])))
                trail.append(child)
    return None


def check_references(data: object) -> list[Finding]:
    """Every broken reference, duplicate id, cycle and unstaffable skill."""
    if not isinstance(data, dict):
        return []
    findings: list[Finding] = []
    impacts = _all_impacts(data)
    added = [((*p, "task"), i["task"]) for p, i in impacts if i.get("type") == "add_task" and isinstance(i.get("task"), dict)]
    tasks = list(_items(data, "tasks")) + added
    task_ids = _ids(tasks, "task", findings)
    people = list(_items(data, "team"))
    profiles = list(_items(data, "market"))
    person_ids = _ids(people, "person", findings)
    _ids(profiles, "market profile", findings)
    risk_ids = _ids(list(_items(data, "risks")), "risk", findings)
    events = list(_items(data, "events"))
    _ids(events, "event", findings)
    stakeholder_ids = _ids(list(_items(data, "stakeholders")), "stakeholder", findings)
    skills = data.get("skills")
    skill_ids = set(skills) if isinstance(skills, dict) else set()

    staffed: set[str] = set()
    for path, holder in people + profiles:
        held = holder.get("skills")
        if isinstance(held, dict):
            for skill, level in held.items():
                if skill_ids:
                    _ref(skill, path + ("skills", skill), skill_ids, "skill", findings, key=True)
                if isinstance(level, (int, float)) and level > 0:
                    staffed.add(skill)

    graph: dict[str, list[str]] = {}
    for path, task in tasks:
        deps = task.get("depends_on", [])
        deps = deps if isinstance(deps, list) else []
        for i, dep in enumerate(deps):
            _ref(dep, path + ("depends_on", i), task_ids, "task", findings)
        if isinstance(task.get("id"), str) and task["id"] not in graph:  # a duplicate is reported, not merged
            graph[task["id"]] = [d for d in deps if isinstance(d, str)]
        covers = task.get("covers", [])
        for i, covered in enumerate(covers if isinstance(covers, list) else []):
            _ref(covered, path + ("covers", i), task_ids, "task", findings)
        skill = task.get("skill")
        if isinstance(skill, str) and skill_ids:
            if skill not in skill_ids:
                _ref(skill, path + ("skill",), skill_ids, "skill", findings)
            elif skill not in staffed:
                findings.append((path + ("skill",), False, f"nobody in the team or the market has this skill (got {show(skill)}, expected a skill someone holds above 0)"))

    for path, impact in impacts:
        if isinstance(impact.get("task"), str):
            _ref(impact["task"], path + ("task",), task_ids, "task", findings)
        for i, t in enumerate(impact["tasks"] if isinstance(impact.get("tasks"), list) else []):
            _ref(t, path + ("tasks", i), task_ids, "task", findings)
        if impact.get("person") is not None:
            _ref(impact["person"], path + ("person",), person_ids, "person", findings)
        if impact.get("stakeholder") is not None:
            _ref(impact["stakeholder"], path + ("stakeholder",), stakeholder_ids, "stakeholder", findings)

    for path, risk in _items(data, "risks"):
        _ids([((*path, *p), r) for p, r in _items(risk, "responses")], "response", findings)
        if risk.get("during") is not None:
            _ref(risk["during"], path + ("during",), task_ids, "task", findings)

    for path, event in events:
        options = [((*path, *p), o) for p, o in _items(event, "options")]
        option_ids = _ids(options, "option", findings)
        _ref(event.get("default"), path + ("default",), option_ids, "option", findings)
        trigger = event.get("trigger")
        if isinstance(trigger, dict):
            _ref(trigger.get("after_task"), path + ("trigger", "after_task"), task_ids, "task", findings)
            _ref(trigger.get("after_risk"), path + ("trigger", "after_risk"), risk_ids, "risk", findings)
        favoured = event.get("favoured_by", [])
        for i, s in enumerate(favoured if isinstance(favoured, list) else []):
            _ref(s, path + ("favoured_by", i), stakeholder_ids, "stakeholder", findings)

    closed = _closing_edge(graph, _cycle(graph))
    if closed:
        task, dep, cycle = closed
        where = next(p for p, t in tasks if t.get("id") == task)
        findings.append((where + ("depends_on", graph[task].index(dep)), False,
                         f"dependency cycle (got {' -> '.join(cycle)}, expected no cycles)"))
    return findings


def _closing_edge(graph: dict[str, list[str]], cycle: list[str] | None) -> tuple[str, str, list[str]] | None:
    """The edge that closes ``cycle`` and the shortest cycle through it: the dependency on a task written later in
    the file (files list tasks after what they need, so that is the edge an edit most likely added), the first such."""
    if not cycle:
        return None
    order = {t: i for i, t in enumerate(graph)}
    edges = list(itertools.pairwise(cycle))
    task, dep = min((e for e in edges if order[e[1]] >= order[e[0]]), key=lambda e: order[e[0]], default=edges[0])
    back: dict[str, str] = {dep: dep}  # breadth-first from dep along dependencies, back to task
    queue = [dep]
    while queue and task not in back:
        node = queue.pop(0)
        for nxt in graph.get(node, []):
            if nxt in graph and nxt not in back:
                back[nxt] = node
                queue.append(nxt)
    path = [task]
    while path[-1] != dep:
        path.append(back[path[-1]])
    return task, dep, [task, *path[::-1]]


def working_days_to(calendar, date) -> int:
    """Working days from the calendar's start up to and including ``date`` (the engine's deadline day), counted up
    to one past the engine calendar's CALENDAR_DAYS (a later date is past its end whatever the exact count)."""
    weekdays = {WEEKDAYS.index(d) for d in calendar.working_days}
    holidays = set(calendar.holidays)
    day, count = calendar.start, 0
    while day <= date and count <= CALENDAR_DAYS:
        count += day.weekday() in weekdays and day not in holidays
        day += dt.timedelta(days=1)
    return count


def _any_window(calendar, limit: float) -> bool:
    """Whether any cutover can happen before working day ``limit``: a dated window or a weekly cutover day (or, for an
    emergency window when none is named, a Saturday) outside every change freeze (sim.engine.calendar's rules)."""
    weekdays = {WEEKDAYS.index(d) for d in calendar.working_days}
    cutover = {WEEKDAYS.index(d) for d in calendar.weekly_cutover_days or ["sat"]}
    holidays = set(calendar.holidays)
    dated = {p.start + dt.timedelta(days=i) for p in calendar.cutover_windows for i in range((p.end - p.start).days + 1)}
    day, count = calendar.start, 0
    while count <= limit:
        frozen = any(p.start <= day <= p.end for p in calendar.change_freezes)
        if not frozen and (day.weekday() in cutover or day in dated):
            return True
        count += day.weekday() in weekdays and day not in holidays
        day += dt.timedelta(days=1)
    return False


def check_reach(scenario) -> list[Finding]:
    """Dates and days the engine's calendar must hold: the deadline and the sponsor's last day within its
    CALENDAR_DAYS, and no risk window or dated event after the sponsor would have stopped any project (it would
    never happen)."""
    factor = scenario.parameters.decisions.max_duration_factor
    deadline = working_days_to(scenario.calendar, scenario.calendar.deadline)
    stop = factor * max(1, deadline)
    findings: list[Finding] = []
    span = f"the engine's calendar spans {CALENDAR_DAYS:,} working days from the start"
    if deadline > CALENDAR_DAYS:
        findings.append((("calendar", "deadline"), False, f"the deadline is past the end of the engine's calendar (got more than "
                         f"{CALENDAR_DAYS:,} working days from the start, expected at most {CALENDAR_DAYS:,})"))
    elif stop > CALENDAR_DAYS:
        findings.append((("calendar", "deadline"), False, f"the sponsor would stop the project after the end of the engine's "
                         f"calendar (got day {stop:g}, decisions.max_duration_factor {factor:g} x the {deadline} working days to "
                         f"the deadline, expected at most day {CALENDAR_DAYS:,}: {span}; bring the deadline closer or lower "
                         "the factor)"))
    limit = min(stop, CALENDAR_DAYS)
    why = (f"expected at most day {limit:g}: the sponsor stops a project at decisions.max_duration_factor {factor:g} x the "
           f"{deadline} working days to the deadline" if limit == stop else f"expected at most day {CALENDAR_DAYS:,}: {span}")
    cutovers = [i for i, t in enumerate(scenario.tasks) if t.kind == "cutover"]
    if cutovers and not _any_window(scenario.calendar, limit):
        findings.append((("tasks", cutovers[0], "kind"), False, f"the cutover can never get a window (got none before day {limit:g}, "
                         "when any project would have ended; expected a cutover window, a weekly cutover day or, for an "
                         "emergency window, a Saturday outside every change freeze)"))
    for i, risk in enumerate(scenario.risks):
        if risk.window.start > limit and risk.during is None:
            findings.append((("risks", i, "window", "start"), False, f"the risk can never strike (got day {risk.window.start:g}, {why})"))
    for i, event in enumerate(scenario.events):
        if event.trigger.day is not None and event.trigger.day > limit:
            findings.append((("events", i, "trigger", "day"), False, f"the event can never fire (got day {event.trigger.day:g}, {why})"))
    return findings

"""Freezes and the cutover weekdays hold for every cutover window, emergency ones included (docs/MODEL.md, Task kinds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.engine import Session, World

STARTER = Path(__file__).resolve().parents[1] / "scenarios" / "templates" / "starter.yaml"


def test_an_emergency_window_keeps_to_the_freezes_and_the_cutover_weekday(edited):
    def dated_windows_all_frozen(data):  # no weekly day; two dated windows, both inside a long freeze
        cal = data["calendar"]
        cal["weekly_cutover_days"] = []
        cal["cutover_windows"] = [{"start": dt.date(2027, 7, 3), "end": dt.date(2027, 7, 4)}]
        cal["change_freezes"] = [{"start": dt.date(2027, 6, 28), "end": dt.date(2027, 9, 30), "reason": "Audit season"}]

    world = edited(World.from_file(STARTER), dated_windows_all_frozen)
    assert world.calendar.cutover_days == []  # the only scheduled window is frozen
    session = Session(world, 2)
    session.run(lambda report: [])
    p = session.project
    live = next(e for e in p.events if e["kind"] == "cutover" and e.get("success"))
    window = int(live["day"])
    assert window in world.calendar.emergency_days
    saturday = world.calendar.date(window) - dt.timedelta(days=2)  # the window opens at the boundary after a Saturday
    assert saturday.weekday() == 5 and saturday > dt.date(2027, 9, 30)
    assert any(e["kind"] == "cutover" and "operations grant an extra one" in e["text"] for e in p.events)

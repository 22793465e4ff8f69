"""Working-day calendar: the engine counts time in working days from the start."""

from __future__ import annotations

import bisect
import datetime as dt
import math

from sim.schema.models import WEEKDAYS, Calendar, Period


def day_text(date: dt.date) -> str:
    """``Fri 15 Jan 2027``: the one way a date is written, in the news and everywhere else (``sim.results.words``)."""
    return f"{date:%a} {date.day} {date:%b %Y}"


EMERGENCY_WEEKDAY = "sat"
"""An emergency cutover window falls on this weekday when the scenario names no weekly cutover days."""


class WorkCalendar:
    """Maps working-day indices to dates, and locates windows and freezes."""

    def __init__(self, calendar: Calendar, horizon_days: int):
        self.spec = calendar
        working = {WEEKDAYS.index(d) for d in calendar.working_days}
        holidays = set(calendar.holidays)
        self.dates: list[dt.date] = []
        day = calendar.start
        while len(self.dates) < horizon_days:
            if day.weekday() in working and day not in holidays:
                self.dates.append(day)
            day += dt.timedelta(days=1)
        self.last = day
        self.freezes = _merged(calendar.change_freezes)
        self.deadline_day = self.index_of(calendar.deadline, after=True)
        self.cutover_days = self._windows(calendar)
        self.emergency_days = self._weekly(set(calendar.weekly_cutover_days) or {EMERGENCY_WEEKDAY})

    def date(self, index: float) -> dt.date:
        """The calendar date of working day ``index`` (0 is the start date)."""
        i = max(0, min(int(index), len(self.dates) - 1))
        return self.dates[i]

    def date_at(self, instant: float) -> dt.date:
        """The date of an instant, ``instant`` working days after the start: the day under way, or the one just
        ended at a whole number (a decision at the status meeting after 10 days' work, or a task finished then, is
        dated on the 10th working day, as the status it answered; at 10.4 the 11th day is under way)."""
        return self.date(max(0, math.ceil(instant) - 1))

    def index_of(self, date: dt.date, after: bool = False) -> int:
        """Working days before ``date``; with ``after``, counting ``date`` itself."""
        return bisect.bisect_right(self.dates, date) if after else bisect.bisect_left(self.dates, date)

    def _windows(self, calendar: Calendar) -> list[int]:
        """Sorted working-day indices at which a cutover window opens (freezes excluded).

        A window on a non-working day (a Saturday) opens at the boundary before
        the next working day.
        """
        periods: list[Period] = list(calendar.cutover_windows)
        dated: set[dt.date] = set()  # each date once, however many windows overlap on it
        for p in periods:
            dated.update(p.start + dt.timedelta(days=i) for i in range((p.end - p.start).days + 1))
        days = {self.index_of(d) for d in dated if not self._frozen(d)}
        days.update(self._weekly(set(calendar.weekly_cutover_days)))
        return sorted(days)

    def _weekly(self, weekdays: set[str]) -> list[int]:
        """Sorted working-day indices at which a window on each of ``weekdays`` opens, outside every freeze."""
        weekly = {WEEKDAYS.index(d) for d in weekdays}
        days = set()
        d = self.spec.start
        while weekly and d < self.last:
            if d.weekday() in weekly and not self._frozen(d):
                days.add(self.index_of(d))
            d += dt.timedelta(days=1)
        return sorted(days)

    def _frozen(self, date: dt.date) -> bool:
        i = bisect.bisect_right(self.freezes, (date, dt.date.max)) - 1
        return i >= 0 and self.freezes[i][0] <= date <= self.freezes[i][1]

    def next_window(self, now: float) -> int | None:
        """The first cutover window at or after working day ``now``."""
        i = bisect.bisect_left(self.cutover_days, now)
        return self.cutover_days[i] if i < len(self.cutover_days) else None

    def emergency_window(self, earliest: float) -> int | None:
        """The first emergency cutover window at or after working day ``earliest``: on one of the scenario's weekly
        cutover days (a Saturday when it names none), never in a change freeze; None if the calendar holds none."""
        i = bisect.bisect_left(self.emergency_days, earliest)
        return self.emergency_days[i] if i < len(self.emergency_days) else None


def _merged(periods: list[Period]) -> list[tuple[dt.date, dt.date]]:
    """The dates ``periods`` cover, as sorted, disjoint (start, end) pairs: a date is looked up in log time."""
    out: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted((p.start, p.end) for p in periods):
        if out and start <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out

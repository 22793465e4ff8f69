"""What every chart shares: the colour-blind-safe palette, figure size, date and money axes, PNG output."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any, Literal

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.ticker import FuncFormatter

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999",
}
DPI = 96
STYLE: dict[str, Any] = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False, "grid.color": "#EEEEEE",
         "axes.prop_cycle": cycler(color=[OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky")])}

DateOf = Callable[[float], dt.date]


def figure(width: float = 7.4, height: float = 3.0, layout: Literal["constrained"] | None = "constrained") -> Figure:
    """A new figure, not tied to pyplot (safe in any kernel or thread); ``layout=None`` for one placed by hand."""
    return Figure(figsize=(width, height), dpi=DPI, layout=layout)


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def styled(draw):
    """Draw a chart under the kit's style and return it as PNG bytes."""
    def wrapper(*args, **kwargs) -> bytes:
        with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # the stubs list rc keys as literals, not str
            return png(draw(*args, **kwargs))

    wrapper.__doc__, wrapper.__name__ = draw.__doc__, draw.__name__
    return wrapper


def when(date_of: DateOf, day: float) -> float:
    """A working day (fractions allowed) as a matplotlib date number."""
    whole = int(day)
    return mdates.date2num(date_of(whole)) + (day - whole)


def date_axis(ax) -> None:
    """Calendar dates on the x axis, labelled concisely."""
    ax.set_xlabel("date")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def compact(amount: float) -> str:
    size = abs(amount)
    if size >= 1e6:
        return f"{amount / 1e6:.2f}M"
    if size >= 1e3:
        return f"{amount / 1e3:.0f}k"
    return f"{amount:.0f}"


def money_axis(ax, currency: str, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(currency)


def timeline_dates(df: pd.DataFrame) -> np.ndarray:
    """The ``date`` column of a results timeline as matplotlib date numbers."""
    return mdates.date2num(pd.to_datetime(df["date"]).dt.to_pydatetime())

"""Located validation problems and the one exception type that carries them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Render ('tasks', 3, 'effort') as ``tasks[3].effort``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def show(value: object, limit: int = 40) -> str:
    """A short, quoted rendering of an offending value for a message (a date as written, a huge number by its size)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"  # repr would refuse past 4,300 digits
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario file, at a line and column (1-based)."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"


MAX_SHOWN = 50  # problems printed at once; the rest are counted (the first ones usually cause many of the others)


def shown(problems: list[Problem]) -> list[str]:
    """The lines to print for ``problems``: the first MAX_SHOWN, then how many more there are."""
    lines = [str(p) for p in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        rest = len(problems) - MAX_SHOWN
        lines.append(f"... and {rest:,} more problem{'s' if rest > 1 else ''} (fix these first: one mistake often causes several)")
    return lines


class ScenarioError(Exception):
    """A scenario file is invalid; ``problems`` lists every problem found (its text shows the first MAX_SHOWN)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(shown(self.problems)))

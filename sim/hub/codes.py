"""The hub's login codes: the class code students type, and the instructor code (kept in the state folder, 0600)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from sim.engine.log import read_json_model
from sim.schema.params import Frozen

CODES_FILE = "codes.json"
CODES_FORMAT = "itpm-sim-hub-codes/1"
# Letters and digits that cannot be mistaken for one another when read aloud or from a board.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class CodesError(ValueError):
    """The codes file cannot be read."""


class Codes(Frozen):
    format: str = CODES_FORMAT
    class_code: str
    instructor_code: str


def class_code() -> str:
    """A fresh class code: three groups of four characters (about 59 bits), e.g. ``k7pq-3mzx-r2ta``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def instructor_code() -> str:
    """A fresh instructor code: 43 URL-safe characters (256 bits; JupyterHub asks for at least 32)."""
    return secrets.token_urlsafe(32)


def read_codes(state: str | Path) -> Codes:
    return read_json_model(Path(state) / CODES_FILE, Codes, CODES_FORMAT, "hub codes file", CodesError, 64 * 1024)


def ensure_codes(state: str | Path) -> Codes:
    """The codes of the state folder, made (mode 0600, never overwritten) on first use."""
    path = Path(state) / CODES_FILE
    codes = Codes(class_code=class_code(), instructor_code=instructor_code())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return read_codes(state)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(codes.model_dump(), out, indent=1)
        out.write("\n")
    return codes

"""Who may use the hub, in which role, under which system account: the roster in the hub's state folder.

The roster is the one list the hub reads at every login and every spawn, so a user added or removed while
the hub runs takes effect at once.  Each hub user has a system account of their own (``itpm-NAME``): the
account, not a setting, is what keeps one user's files from another's (see deploy/README.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import AwareDatetime, Field

from sim.engine.log import read_json_model
from sim.schema.params import Frozen

Role = Literal["trainee", "candidate", "instructor"]
ROLES: tuple[Role, ...] = get_args(Role)
ROSTER_FORMAT: Final = "itpm-sim-hub-roster/1"
ROSTER_FILE = "roster.json"
ACCOUNT_PREFIX = "itpm-"
MAX_ROSTER_BYTES = 4 * 1024 * 1024  # some 20,000 users
# A hub name becomes part of a Linux account name ("itpm-" + name), which must be at most 32 characters of
# lower-case letters, digits and hyphens starting with a letter; JupyterHub lower-cases names at login.
_NAME = re.compile(r"[a-z][a-z0-9-]{0,26}")


class RosterError(ValueError):
    """A roster that cannot be read or a name or role that cannot be used; the message says what was expected."""


class Member(Frozen):
    """One hub user: their role, their system account, and when they were added."""

    role: Role
    account: str
    added: AwareDatetime


class Roster(Frozen):
    """Every hub user by name."""

    format: Literal["itpm-sim-hub-roster/1"] = ROSTER_FORMAT
    users: dict[str, Member] = Field(default_factory=dict)

    def named(self, role: str) -> set[str]:
        """The names of the users in ``role``."""
        return {name for name, member in self.users.items() if member.role == role}


def check_name(name: str) -> str:
    """``name`` if it can be a hub user's name; raises RosterError saying what a name must be."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RosterError(f"cannot use the name {name!r} (expected 1 to 27 lower-case letters, digits or hyphens, "
                          "starting with a letter)")
    return name


def check_role(role: str) -> Role:
    """``role`` if it is one of ROLES; raises RosterError listing them."""
    for known in ROLES:
        if role == known:
            return known
    raise RosterError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")


def roster_path(state: str | Path) -> Path:
    return Path(state) / ROSTER_FILE


def read_roster(state: str | Path) -> Roster:
    """The roster in the state folder ``state``; an empty one if there is no file yet; RosterError if unreadable."""
    path = roster_path(state)
    if not path.exists():
        return Roster()
    return read_json_model(path, Roster, ROSTER_FORMAT, "hub roster", RosterError, MAX_ROSTER_BYTES)


def write_roster(state: str | Path, roster: Roster) -> None:
    """Replace the roster atomically (a reader sees the old or the new file, never half of one), mode 0600."""
    path = roster_path(state)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".roster-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(roster.model_dump(mode="json"), out, indent=1, sort_keys=True)
            out.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def with_member(roster: Roster, name: str, role: str, account: str) -> Roster:
    """``roster`` with ``name`` added; RosterError if the name is taken."""
    check_name(name)
    check_role(role)
    if name in roster.users:
        raise RosterError(f"{name!r} is already a {roster.users[name].role} (expected a new name)")
    member = Member(role=check_role(role), account=account, added=dt.datetime.now(dt.timezone.utc))
    return roster.model_copy(update={"users": {**roster.users, name: member}})


def without_member(roster: Roster, name: str) -> Roster:
    """``roster`` without ``name``; RosterError if there is no such user."""
    if name not in roster.users:
        raise RosterError(f"no hub user is named {name!r} (expected one of: {', '.join(sorted(roster.users)) or 'none yet'})")
    return roster.model_copy(update={"users": {k: v for k, v in roster.users.items() if k != name}})

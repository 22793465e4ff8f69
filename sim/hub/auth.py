"""Who may log in to the hub: JupyterHub's own authenticators, held to the kit's roster.

Two choices for a classroom, both maintained by the JupyterHub project (the choice and its trade-offs are in
deploy/README.md):

- ``class-code`` (the default): JupyterHub's SharedPasswordAuthenticator.  Every student logs in with their name
  and the class code; instructors with their name and the instructor code (at least 32 characters), which
  makes them hub admins.  Simple for a one-day class; anyone with the class code can log in under any
  student's name, so it is no proof of identity.
- ``native``: NativeAuthenticator.  Each user signs up once with a password of their own (stored as a bcrypt
  hash in the hub's database); only names on the roster are accepted, and instructors are admins.

In both, the roster is read at every login: a name added or removed with ``./kit hub adduser|deluser`` counts
at once, without restarting the hub.  For a learning-management system (Moodle, Canvas, Blackboard...), use
LTI 1.3 with ``ltiauthenticator`` instead: see deploy/README.md.
"""

from __future__ import annotations

from jupyterhub.auth import Authenticator
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from nativeauthenticator import NativeAuthenticator
from traitlets import Unicode

from .roster import RosterError, read_roster


class RosterMixin(Authenticator):
    """Allowed users and admins come from the roster, read again at every login."""

    state_dir = Unicode(help="The hub's state folder, holding the roster.").tag(config=True)

    def refresh(self) -> bool:
        """Load the roster's names; False (and nobody may log in) if it cannot be read."""
        try:
            roster = read_roster(self.state_dir)
        except RosterError as exc:
            self.log.error("Nobody can log in: %s", exc)
            self.allowed_users, self.admin_users = set(), set()
            return False
        self.admin_users = roster.named("instructor")
        self.allowed_users = set(roster.users)
        return True

    def check_allowed(self, username, authentication=None):
        return self.refresh() and username in self.allowed_users

    async def authenticate(self, handler, data):
        if not self.refresh():
            return None
        return await super().authenticate(handler, data)


class ClassCodeAuthenticator(RosterMixin, SharedPasswordAuthenticator):
    """A roster name and the class code (students) or the instructor code (instructors, who are admins)."""


class RosterNativeAuthenticator(RosterMixin, NativeAuthenticator):
    """Personal passwords chosen at sign-up, for roster names only."""


AUTHENTICATORS = {"class-code": ClassCodeAuthenticator, "native": RosterNativeAuthenticator}

"""The hub's ``collect`` service: an instructor collects every student's session logs from the browser.

JupyterHub starts it (as root, beside the hub) at ``/services/collect/``, and its login is the hub's own
(OAuth): only users holding ``access:services``, that is the hub's admins, who are the roster's instructors,
get in.  A click copies the logs into a new ``collected-...`` folder in the instructor's home, by the
audited path of sim.hub.collect, and the page lists what came from whom and every problem.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
from pathlib import Path
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

from .collect import AUDIT_FILE, collect, exercise_of
from .roster import read_roster

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Collect session logs · ITPM Sim</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}}
.problem{{color:#a40000}}button{{font-size:1em;padding:.4em 1em}}</style></head><body>
<h1>Collect the session logs</h1>
<p>Signed in as <b>{user}</b>. One click copies every student's session logs and notes into a new folder
<code>collected-&lt;date&gt;-&lt;time&gt;</code> in your home; nothing in a student's home is changed, and every
collection is recorded in the hub's audit log.</p>
<form method="post">{xsrf}<button type="submit">Collect every student's logs now</button></form>
{result}
<h2>Students ({count})</h2><table><tr><th>name</th><th>role</th></tr>{students}</table>
<h2>Your earlier collections</h2>{history}
<p><a href="{hub}">Back to the hub</a></p></body></html>"""


class CollectHandler(HubOAuthenticated, web.RequestHandler):
    """GET shows the page; POST collects into the signed-in instructor's home."""

    def initialize(self, state: Path, exercise: Path | None):
        self.state, self.exercise = state, exercise

    def _page(self, result: str = "") -> str:
        user = self.get_current_user()["name"]
        roster = read_roster(self.state)
        students = [(n, m.role) for n, m in sorted(roster.users.items()) if m.role != "instructor"]
        rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{r}</td></tr>" for n, r in students)
        return PAGE.format(user=html.escape(user), xsrf=self.xsrf_form_html(), result=result, count=len(students),
                           students=rows or "<tr><td colspan=2>none yet</td></tr>",
                           history=_history(self.state, user), hub=html.escape(self.hub_auth.hub_prefix))

    @web.authenticated
    def get(self):
        self.write(self._page())

    @web.authenticated
    async def post(self):
        user = self.get_current_user()["name"]
        try:
            done = await asyncio.to_thread(collect, self.state, user, None, f"{user} (hub service)",
                                           exercise=self.exercise)
        except (OSError, ValueError) as exc:
            self.set_status(500)
            self.write(self._page(f'<p class="problem">Nothing was collected: {html.escape(str(exc))}</p>'))
            return
        rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{len(f)}</td></tr>" for n, f in sorted(done.files.items()))
        problems = "".join(f'<li class="problem">{html.escape(p)}</li>' for p in done.problems)
        self.write(self._page(
            f"<h2>Collected {done.count} file(s) into <code>{html.escape(str(done.folder))}</code></h2>"
            f"<table><tr><th>student</th><th>files</th></tr>{rows}</table>"
            + (f"<p>Problems:</p><ul>{problems}</ul>" if problems else "")
            + (f"<h3>Verified by replay (itpm-sim class collect)</h3><pre>{html.escape(done.verified)}</pre>"
               if done.verified else "")))


def _history(state: Path, user: str) -> str:
    """The collections ``user`` made, newest first, from the audit log."""
    entries = []
    path = state / AUDIT_FILE
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("action") == "collect" and entry.get("by") == f"{user} (hub service)":
                count = sum(len(f) for f in entry["files"].values())
                entries.append(f"<li>{html.escape(entry['time'])}: {count} file(s) into "
                               f"<code>{html.escape(entry['to'])}</code></li>")
    return f"<ul>{''.join(reversed(entries))}</ul>" if entries else "<p>none yet</p>"


def main() -> None:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    state = Path(os.environ["ITPM_HUB_STATE"])
    exercise = exercise_of(Path(os.environ["ITPM_HUB_NOTEBOOKS"]))
    app = web.Application([
        (prefix, CollectHandler, {"state": state, "exercise": exercise}),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=os.urandom(32), xsrf_cookies=True)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    if url.port is None:
        raise SystemExit(f"JUPYTERHUB_SERVICE_URL names no port (got {url.geturl()!r})")
    HTTPServer(app).listen(url.port, url.hostname or "")
    loop = IOLoop.current()
    signal.signal(signal.SIGTERM, lambda *_: loop.add_callback_from_signal(loop.stop))
    loop.start()


if __name__ == "__main__":
    main()

"""One trainee's memory as on the hub, without the hub: their server, their Voilà kernel and its forecast worker.

    .venv/bin/python benchmarks/kernel_memory.py [--weeks 10] [--env NAME=VALUE ...] [--bare] [--json FILE]

Starts the server a trainee gets on the hub (``sim.hub.start``'s command: ``jupyterhub-singleuser`` with the
kit's flags, and the environment the hub's spawner adds, ``sim.hub.config.server_environment``) on loopback, in
a fresh home provisioned as the hub does, behind a stand-in for the hub's API that knows one user and one token
(JupyterHub itself, its proxy and the system accounts are left out).  Then it plays as ``benchmarks/hub_load.py``
does, with the same websocket client: opens ``voila/render/01_play.ipynb``, starts planning, commits the plan and
advances ``--weeks`` weeks, waiting after each for the live forecast (so a forecast worker runs each week).

Every 0.2 s it reads ``/proc/PID/smaps_rollup`` of the server and all its descendants (the kernel, a forecast
worker while it runs) and reports, per process and for the three together, the peak PSS (what hub_load.py sums
per user), Private (clean + dirty: the part no other process shares, which no number of users divides) and RSS.
PSS here is higher than on a hub of 30: the shared libraries' pages are divided among this user's processes only.

``--lab`` opens JupyterLab's page first, as a trainee does on the hub; ``--env NAME=VALUE`` adds to the server's environment (to try a setting before it goes into the spawner's);
``--bare`` only measures a Python that imports the play app (``from sim.ui import play``) and builds it.
Runs as any user (as root, the server gets ``--allow-root``).  Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import tornado.web

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub_load import ADVANCE, COMMIT, START, User, free_port

from sim.hub.config import server_environment
from sim.hub.start import command, provision

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAME = "trainee"
FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty")


def rollup(pid: int) -> dict[str, float] | None:
    """The process's memory in MB from /proc/PID/smaps_rollup (None once it has ended)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    kb = {}
    for line in text.splitlines()[1:]:
        key, _, value = line.partition(":")
        if key in FIELDS:
            kb[key] = int(value.split()[0])
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024,
            "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, "private_dirty": kb["Private_Dirty"] / 1024}


def role(proc: psutil.Process, server: int) -> str:
    if proc.pid == server:
        return "server"
    try:
        return "kernel" if proc.ppid() == server else "forecast worker"
    except psutil.NoSuchProcess:
        return "gone"


class Sampler:
    """Peaks of each role's memory and of the whole tree's, read every ``interval`` seconds."""

    def __init__(self, server: int, interval: float = 0.2):
        self.server, self.interval = server, interval
        self.peak: dict[str, dict[str, float]] = {}
        self.total: dict[str, float] = {}
        self.last: dict[str, dict[str, float]] = {}
        self.processes: dict[int, dict] = {}  # pid -> its role, when first seen (s) and peak memory
        self.started = time.monotonic()

    def sample(self) -> None:
        try:
            procs = [psutil.Process(self.server), *psutil.Process(self.server).children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        now: dict[str, dict[str, float]] = {}
        for proc in procs:
            m = rollup(proc.pid)
            r = role(proc, self.server)
            if m is None or r == "gone":
                continue
            for key, value in m.items():
                now.setdefault(r, {}).setdefault(key, 0.0)
                now[r][key] += value
            seen = self.processes.get(proc.pid)
            if seen is None:
                try:
                    cmd = " ".join(proc.cmdline())[:200]
                except psutil.Error:
                    cmd = ""
                seen = self.processes[proc.pid] = {"role": r, "first_seen_s": round(time.monotonic() - self.started, 1), "cmd": cmd}
            for key, value in m.items():
                seen[key] = max(seen.get(key, 0.0), value)
        for r, m in now.items():
            peak = self.peak.setdefault(r, {})
            for key, value in m.items():
                peak[key] = max(peak.get(key, 0.0), value)
        for key in ("rss", "pss", "private", "private_dirty"):
            self.total[key] = max(self.total.get(key, 0.0), sum(m[key] for m in now.values()))
        self.last = now

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)


class HubAPI(tornado.web.RequestHandler):
    """The few answers of JupyterHub's API a single-user server needs: its version, who a token is, activity."""

    def initialize(self, token: str):
        self.token = token

    def set_default_headers(self):
        import jupyterhub

        self.set_header("X-JupyterHub-Version", jupyterhub.__version__)

    def get(self, path: str | None):
        if (path or "").strip("/") == "user":
            if self.request.headers.get("Authorization", "") != f"token {self.token}":
                raise tornado.web.HTTPError(403)
            self.write({"kind": "user", "name": NAME, "admin": False, "groups": [], "session_id": None,
                        "scopes": ["access:servers!user=" + NAME, "read:users:name!user=" + NAME]})
        else:
            self.write({})

    def post(self, path: str | None):
        self.set_status(204)  # activity reports


async def play(args: argparse.Namespace) -> dict:
    token = secrets.token_hex(16)
    hub_port, port = free_port(), free_port()
    hub = tornado.web.Application([(r"/hub/api(/.*)?", HubAPI, {"token": token})]).listen(hub_port, "127.0.0.1")
    home = Path(tempfile.mkdtemp(prefix="itpm-memory-home-"))
    prefix = f"/user/{NAME}/"
    env = {**os.environ, "HOME": str(home), **server_environment(f"itpm-sim-memory-{secrets.token_hex(4)}", os.cpu_count() or 1),
           "JUPYTERHUB_API_TOKEN": token, "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub_port}/hub/api",
           "JUPYTERHUB_CLIENT_ID": f"jupyterhub-user-{NAME}", "JUPYTERHUB_USER": NAME, "JUPYTERHUB_BASE_URL": "/",
           "JUPYTERHUB_SERVICE_PREFIX": prefix, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}{prefix}",
           "JUPYTERHUB_OAUTH_CALLBACK_URL": prefix + "oauth_callback",
           "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps([f"access:servers!user={NAME}"]),
           "JUPYTERHUB_OAUTH_SCOPES": json.dumps([f"access:servers!user={NAME}"]),
           "JUPYTERHUB_ACTIVITY_URL": f"http://127.0.0.1:{hub_port}/hub/api/users/{NAME}/activity"}
    env.pop("JUPYTER_CONFIG_DIR", None)
    env.update(dict(kv.split("=", 1) for kv in args.env))
    provision(home, NOTEBOOKS, "trainee")
    argv = command("trainee", home, NOTEBOOKS) + (["--allow-root"] if os.geteuid() == 0 else [])
    log = home / "server.log"
    server = subprocess.Popen(argv, cwd=home, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    sampler = Sampler(server.pid)
    sampling = asyncio.ensure_future(sampler.run())
    user = User(f"http://127.0.0.1:{port}", NAME, "", "trainee", args.timeout)
    user.headers = {"Authorization": f"token {token}"}
    report: dict = {"weeks": args.weeks, "env": args.env, "stages": {}}
    try:
        for _ in range(300):
            try:
                if (await user.fetch(prefix + "api/status")).code == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit("the server stopped; its log ends:\n" + "\n".join(log.read_text().splitlines()[-15:]))
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        sampler.sample()
        report["stages"]["server up"] = sampler.last
        if args.lab:  # where a trainee lands on the hub (hub_load.py goes to the Voilà page directly)
            page = await user.fetch(prefix + "lab/tree/01_play.ipynb")
            if page.code != 200:
                raise SystemExit(f"JupyterLab's page answered {page.code}")
        await user.open_app()
        await asyncio.sleep(2)
        sampler.sample()
        report["stages"]["app open"] = sampler.last
        await user.click(START)
        await user.until(lambda: user.button(COMMIT) is not None, "the plan's Commit button")
        await user.click(COMMIT)
        await user.until(lambda: user.button(ADVANCE) is not None, "the Advance button")
        forecasts = 0
        for _ in range(args.weeks):
            before = user.outlook_day()
            advance = await user.advance()
            forecasts += await user.forecast(before, advance["clicked"], args.timeout) is not None
            await asyncio.sleep(args.think)
        sampler.sample()
        report["stages"][f"after {args.weeks} weeks"] = sampler.last
        report["forecasts_arrived"] = forecasts
        report["peak"] = sampler.peak
        report["peak_total"] = sampler.total
        report["processes"] = sampler.processes
    finally:
        sampling.cancel()
        await user.close()
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        hub.stop()
        shutil.rmtree(home, ignore_errors=True)
    return report


BARE = """
import os, sys, time
from pathlib import Path
def rollup():
    kb = {l.split(':')[0]: int(l.split()[1]) for l in Path('/proc/self/smaps_rollup').read_text().splitlines()[1:]}
    return {'rss': kb['Rss'] / 1024, 'pss': kb['Pss'] / 1024, 'private': (kb['Private_Clean'] + kb['Private_Dirty']) / 1024,
            'private_dirty': kb['Private_Dirty'] / 1024}
out = {'python': rollup()}
from sim.ui import play
out['imported'] = rollup()
os.chdir(sys.argv[1])
app = play()
out['built'] = rollup()
out['modules'] = len(sys.modules)
print(__import__('json').dumps(out))
"""


def bare(args: argparse.Namespace) -> dict:
    folder = tempfile.mkdtemp(prefix="itpm-memory-bare-")
    try:
        done = subprocess.run([sys.executable, "-c", BARE, folder], capture_output=True, text=True, timeout=300,
                              env={**os.environ, **dict(kv.split("=", 1) for kv in args.env)}, check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(report: dict) -> str:
    def row(name: str, m: dict) -> str:
        return f"  {name:<22} PSS {m['pss']:6.1f}  private {m['private']:6.1f}  (dirty {m['private_dirty']:6.1f})  RSS {m['rss']:6.1f}"

    if "stages" not in report:
        return "\n".join(row(k, v) for k, v in report.items() if isinstance(v, dict)) + f"\n  modules: {report['modules']}"
    lines = []
    for stage, procs in report["stages"].items():
        lines.append(f"{stage}:")
        lines += [row(r, m) for r, m in procs.items()]
    lines.append(f"peaks over the run (MB; forecasts arrived: {report['forecasts_arrived']} of {report['weeks']}):")
    lines += [row(r, m) for r, m in report["peak"].items()]
    lines.append(row("all together", report["peak_total"]))
    workers = [p for p in report["processes"].values() if p["role"] == "forecast worker"]
    if workers:
        lines.append(f"{len(workers)} forecast workers; the largest:")
        lines.append(row("forecast worker", max(workers, key=lambda p: p["private"])))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weeks", type=int, default=10, choices=range(1, 53), metavar="W", help="1 to 52 (default 10)")
    p.add_argument("--think", type=float, default=1.0, help="seconds between a forecast's arrival and the next click")
    p.add_argument("--timeout", type=float, default=300, help="seconds any one step may take (default 300)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="add to the server's environment")
    p.add_argument("--lab", action="store_true", help="open JupyterLab's page before the Voilà page")
    p.add_argument("--bare", action="store_true", help="only a Python that imports and builds the play app")
    p.add_argument("--json", metavar="FILE", help="also write the report here")
    args = p.parse_args(argv)
    report = bare(args) if args.bare else asyncio.run(play(args))
    print(summary(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

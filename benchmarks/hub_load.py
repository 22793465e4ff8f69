"""A class at once on one server: N users against the kit's JupyterHub on loopback.

Run as root (it makes N system accounts, and removes them at the end):

    .venv/bin/python benchmarks/hub_load.py [--users 30] [--weeks 10] [--think 5-15] [--seed 1]
                                            [--deadline 1500] [--json FILE]

Each simulated user (a trainee) logs in (the class code), starts their server, opens the play notebook in Voilà
(``/user/NAME/voila/render/01_play.ipynb``), clicks
"Start planning", commits the plan and advances ``--weeks`` weeks, reading the dashboard for a random
``--think`` seconds (uniform, seeded) before each click, as a class does.  A user is a websocket client that
sends the widget messages a browser sends (a ``click`` on the button's model) and watches the updates the
kernel sends back, so the load on the server is a browser's, without 30 browsers competing for the two cores.

Reported (JSON on stdout, a summary on stderr):
- week advance: from the click to the headline update ("headline"), and to the whole dashboard updated (the
  chart drawn and the button enabled again: "dashboard"); p50, p95, max; bytes received per advance;
- the live forecast: from the click to its first figures for the new week on screen (its line for the new day,
  from the first futures), and to all of it (no longer "updating"), p50 and p95 of those that arrived, and how
  many had not arrived when the user clicked again (a forecast the next click overtakes is cancelled);
- time to first usable page: from the login to the app's state received (the Start button usable);
- memory per user: the peak PSS (and RSS) of each user's processes (server and kernel), and the machine's
  memory in use before and at the peak;
- failures, each with its user and reason; the load average before, during and after.

Everything stays on 127.0.0.1; every wait has a timeout and the whole run a deadline (``--deadline`` s).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parents[1]
START, COMMIT, ADVANCE = "Start planning ▶", "Commit the plan and start the project ▶", "Advance one week ▶"
TARGETS = {"users": 30, "week_advance_p95_ms": 500, "failures": 0, "memory_per_user_mb": 250}


class Failure(Exception):
    """One user's run stopped: the message says where."""


class User:
    """One simulated user: HTTP with cookies, then the kernel's websocket with the widget protocol."""

    def __init__(self, base: str, name: str, code: str, role: str, timeout: float):
        self.base, self.name, self.code, self.role, self.timeout = base, name, code, role, timeout
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request (benchmarks/kernel_memory.py: a token)
        self.http = AsyncHTTPClient()
        self.models: dict[str, dict] = {}
        self.changed = asyncio.Event()
        self.received = 0
        self.session = uuid.uuid4().hex
        self.ws = None
        self.reader = None

    # -- HTTP ------------------------------------------------------------------------------------------
    async def fetch(self, path: str, body: dict | None = None, timeout: float | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **self.headers}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = HTTPRequest(self.base + path, method="POST" if body is not None else "GET", headers=headers,
                              body=urlencode(body) if body is not None else None, follow_redirects=False,
                              request_timeout=timeout or self.timeout, connect_timeout=30)
        response = await self.http.fetch(request, raise_error=False)
        for header in response.headers.get_list("Set-Cookie"):
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response

    async def login(self) -> None:
        await self.fetch("/hub/login")
        r = await self.fetch("/hub/login", {"username": self.name, "password": self.code,
                                            "_xsrf": self.cookies.get("_xsrf", "")})
        if r.code != 302:
            raise Failure(f"login answered {r.code}")
        await self.fetch("/hub/spawn")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            r = await self.fetch(f"/hub/spawn-pending/{self.name}")
            if r.code == 302 and f"/user/{self.name}/" in r.headers.get("Location", ""):
                return
            await asyncio.sleep(1)
        raise Failure("the server did not start in time")

    async def open_app(self) -> None:
        path = f"/user/{self.name}/" + ("" if self.role == "candidate" else "voila/render/01_play.ipynb")
        for _ in range(5):  # the OAuth hand-shake with the user's server: a few redirects
            r = await self.fetch(path)
            if r.code != 302:
                break
            location = r.headers["Location"]
            path = location[len(self.base):] if location.startswith("http") else location
        if r.code != 200:
            raise Failure(f"the Voilà page answered {r.code}")
        kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', r.body.decode())
        if not kernel:
            raise Failure("the Voilà page names no kernel")
        url = (self.base.replace("http", "ws") + f"/user/{self.name}/api/kernels/{kernel.group(1)}/channels"
               f"?session_id={self.session}")
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Origin": self.base, **self.headers}
        self.ws = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=self.timeout),
                                          max_message_size=64 * 1024 * 1024)
        self.reader = asyncio.ensure_future(self._read())
        control = uuid.uuid4().hex
        await self._send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                         {"version": "1.0.0"})
        await self._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        await self.until(lambda: self.button(START) is not None, "the app's Start button")

    # -- the widget protocol ---------------------------------------------------------------------------
    async def _send(self, kind: str, content: dict, metadata: dict | None = None) -> None:
        header = {"msg_id": uuid.uuid4().hex, "username": self.name, "session": self.session, "msg_type": kind,
                  "version": "5.3", "date": dt.datetime.now(dt.timezone.utc).isoformat()}
        await self.ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {},
                                                "content": content, "buffers": [], "channel": "shell"}))

    async def _read(self) -> None:
        while (frame := await self.ws.read_message()) is not None:
            self.received += len(frame)
            msg = json.loads(frame) if isinstance(frame, str) else _binary(frame)
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.models[content["comm_id"]] = dict(content["data"]["state"])
            elif kind == "comm_msg":
                data = content["data"]
                if data.get("method") == "update" and content["comm_id"] in self.models:
                    self.models[content["comm_id"]].update(data["state"])
                elif data.get("method") == "update_states":
                    for model_id, model in data["states"].items():
                        self.models[model_id] = {**model["state"], "_model_name": model["model_name"]}
            elif kind == "comm_close":
                self.models.pop(content["comm_id"], None)
            self.changed.set()

    def button(self, description: str) -> str | None:
        """The model id of the enabled button labelled ``description`` (the newest, if several)."""
        found = [m for m, s in self.models.items() if s.get("_model_name") == "ButtonModel"
                 and s.get("description") == description and not s.get("disabled")]
        return found[-1] if found else None

    def outlook_day(self, whole: bool = True) -> str:
        """The day of the live forecast on screen: all of it (``whole``), or its first futures too; "" if none."""
        found = [s.get("value") or "" for s in self.models.values() if "itpm-outlook" in (s.get("_dom_classes") or ())]
        if not found or (whole and "itpm-updating" in found[-1]):
            return ""
        day = re.search(r'data-day="([^"]+)"', found[-1])
        return day.group(1) if day else ""

    async def forecast(self, before: str, clicked: float, within: float) -> dict[str, float | None]:
        """Milliseconds from the click to the first figures of a forecast for another day than ``before`` on screen
        ("first_ms"), and to all of it ("forecast_ms"); None for those that did not come within ``within`` seconds
        (the user clicks on, and that forecast is cancelled)."""
        out: dict[str, float | None] = {"first_ms": None, "forecast_ms": None}
        deadline = time.monotonic() + within
        for key, whole in (("first_ms", False), ("forecast_ms", True)):
            try:
                arrived = await asyncio.wait_for(self.until(lambda whole=whole: self.outlook_day(whole) not in ("", before),
                                                            "forecast"), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
            out[key] = (arrived - clicked) * 1e3
        return out

    def headline(self) -> str | None:
        found = [s.get("value") for s in self.models.values() if "itpm-headline" in (s.get("_dom_classes") or ())]
        return found[-1] if found else None

    async def until(self, ready, what: str) -> float:
        """Wait until ``ready()``; the monotonic time it became true."""
        deadline = time.monotonic() + self.timeout
        while not ready():
            if self.reader.done():
                raise Failure(f"the websocket closed while waiting for {what}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                raise Failure(f"no {what} within {self.timeout:.0f} s") from None
        return time.monotonic()

    async def click(self, description: str) -> float:
        model = self.button(description)
        if model is None:
            raise Failure(f"no enabled button {description!r}")
        t = time.monotonic()
        await self._send("comm_msg", {"comm_id": model, "data": {"method": "custom", "content": {"event": "click"}}})
        return t

    async def advance(self) -> dict:
        """One week: the click, the new headline, then the button enabled again (the whole dashboard drawn)."""
        before, received = self.headline(), self.received
        t = await self.click(ADVANCE)
        # The kernel disables the button before it moves the headline, and messages arrive in order: once the
        # headline has changed, the button's next "enabled" is the end of this advance.
        headline = await self.until(lambda: self.headline() != before, "new headline")
        done = await self.until(lambda: self.button(ADVANCE) is not None, "the advance button enabled again")
        return {"clicked": t, "headline_ms": (headline - t) * 1e3, "dashboard_ms": (done - t) * 1e3,
                "bytes": self.received - received}

    async def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


def _binary(frame: bytes) -> dict:
    """A kernel message in Jupyter's binary websocket framing (JSON first, then the buffers, which we skip)."""
    (count,) = struct.unpack("!I", frame[:4])
    offsets = struct.unpack(f"!{count}I", frame[4:4 + 4 * count])
    end = offsets[1] if count > 1 else len(frame)
    return json.loads(frame[offsets[0]:end])


async def play(user: User, weeks: int, think: tuple[float, float], rng: random.Random, result: dict) -> None:
    t = time.monotonic()
    try:
        await user.login()
        result["server_ready_s"] = time.monotonic() - t
        await user.open_app()
        result["first_usable_page_s"] = time.monotonic() - t
        result["usable_at"] = time.monotonic()
        await user.click(START)
        await user.until(lambda: user.button(COMMIT) is not None, "the plan's Commit button")
        await asyncio.sleep(rng.uniform(*think))
        await user.click(COMMIT)
        await user.until(lambda: user.button(ADVANCE) is not None, "the Advance button")
        result["advances"] = []
        wait = rng.uniform(*think)
        for _ in range(weeks):
            await asyncio.sleep(wait)
            before = user.outlook_day(whole=False)
            advance = await user.advance()
            wait = rng.uniform(*think)  # reading the new week, the forecast arriving meanwhile, or not
            t = time.monotonic()
            advance.update(await user.forecast(before, advance["clicked"], wait))
            wait = max(0.0, wait - (time.monotonic() - t))
            result["advances"].append(advance)
    except (TimeoutError, Failure, OSError, HTTPClientError) as exc:  # a timed-out request is a failure too
        result["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        await user.close()


# ---- the hub and its users -------------------------------------------------------------------------------------

def kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "hub", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=1800)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_by_uid(uids: set[int]) -> dict[int, dict[str, float]]:
    """PSS and RSS in MB of every process of each uid."""
    out = {uid: {"pss_mb": 0.0, "rss_mb": 0.0, "processes": 0} for uid in uids}
    for proc in psutil.process_iter(["uids"]):
        uid = proc.info["uids"].real if proc.info["uids"] else None
        if uid in out:
            try:
                full = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            out[uid]["pss_mb"] += full.pss / 2**20
            out[uid]["rss_mb"] += full.rss / 2**20
            out[uid]["processes"] += 1
    return out


def used_mb() -> float:
    vm = psutil.virtual_memory()
    return (vm.total - vm.available) / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


async def run(args: argparse.Namespace) -> dict:
    AsyncHTTPClient.configure(None, max_clients=4 * args.users)
    tag = secrets.token_hex(2)
    names = [f"bench{tag}-{i:02d}" for i in range(1, args.users + 1)]
    state = Path(tempfile.mkdtemp(prefix="itpm-bench-state-", dir="/tmp"))
    homes = Path(tempfile.mkdtemp(prefix="itpm-bench-homes-", dir="/tmp"))
    homes.chmod(0o755)
    hub = None
    report: dict = {"users": args.users, "weeks": args.weeks, "role": args.role, "think_s": args.think,
                    "seed": args.seed, "cpus": os.cpu_count(), "memory_total_mb": psutil.virtual_memory().total / 2**20,
                    "load_before": os.getloadavg(), "started": dt.datetime.now().isoformat(timespec="seconds")}
    try:
        done = kit("adduser", *names, "--role", args.role, "--state", str(state), "--homes", str(homes))
        if done.returncode:
            raise SystemExit(f"adduser failed: {done.stderr}")
        code = json.loads((state / "codes.json").read_text())["class_code"]
        uids = {pwd.getpwnam(f"itpm-{n}").pw_uid for n in names}
        port = free_port()
        log = state / "hub.log"
        hub = subprocess.Popen([sys.executable, "-m", "sim", "hub", "start", "--state", str(state), "--port", str(port),
                                "--idle-minutes", "0"], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        probe = User(base, "-", "", args.role, 5)
        for _ in range(120):
            try:
                if (await probe.fetch("/hub/login")).code == 200:
                    break
            except OSError:
                pass
            if hub.poll() is not None:
                break
            await asyncio.sleep(0.5)
        else:
            hub.terminate()
            hub.wait(10)
        if hub.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise SystemExit("the hub did not start (`./kit hub` installs its proxy); its log ends:\n  " + "\n  ".join(tail))
        baseline = used_mb()
        rng = random.Random(args.seed)
        results = [{"user": n} for n in names]
        users = [User(base, n, code, args.role, args.timeout) for n in names]
        peak = {uid: {"pss_mb": 0.0, "rss_mb": 0.0} for uid in uids}
        peak_used, loads = baseline, []

        async def sample():
            nonlocal peak_used
            while True:
                for uid, m in memory_by_uid(uids).items():
                    for key in ("pss_mb", "rss_mb"):
                        peak[uid][key] = max(peak[uid][key], m[key])
                peak_used = max(peak_used, used_mb())
                loads.append(os.getloadavg()[0])
                await asyncio.sleep(5)

        sampler = asyncio.ensure_future(sample())
        t = time.monotonic()
        jobs = [play(u, args.weeks, tuple(args.think), random.Random(rng.random()), r) for u, r in zip(users, results, strict=True)]
        try:
            await asyncio.wait_for(asyncio.gather(*jobs), args.deadline)
        except TimeoutError:
            for r in results:
                r.setdefault("failure", f"the run's deadline of {args.deadline} s passed")
        sampler.cancel()
        report["wall_s"] = time.monotonic() - t
        advances = [a for r in results for a in r.get("advances", [])]
        failures = [f"{r['user']}: {r['failure']}" for r in results if "failure" in r]
        # once every user has their page: the class at work, without the start-up of the others' kernels
        settled = max((r["usable_at"] for r in results if "usable_at" in r), default=float("inf"))
        steady = [a for a in advances if a["clicked"] > settled]
        pss = [p["pss_mb"] for p in peak.values()]
        rss = [p["rss_mb"] for p in peak.values()]
        first = [r["first_usable_page_s"] for r in results if "first_usable_page_s" in r]
        report.update({
            "week_advance": {
                "count": len(advances),
                "dashboard_ms": {"p50": pct([a["dashboard_ms"] for a in advances], 50),
                                 "p95": pct([a["dashboard_ms"] for a in advances], 95),
                                 "max": max((a["dashboard_ms"] for a in advances), default=float("nan"))},
                "headline_ms": {"p50": pct([a["headline_ms"] for a in advances], 50),
                                "p95": pct([a["headline_ms"] for a in advances], 95)},
                **{key: {"p50": pct([a[key] for a in advances if a[key] is not None], 50),
                         "p95": pct([a[key] for a in advances if a[key] is not None], 95),
                         "not_before_next_click": sum(a[key] is None for a in advances)}
                   for key in ("first_ms", "forecast_ms")},
                "bytes_median": statistics.median([a["bytes"] for a in advances]) if advances else None,
                "after_every_page_is_up": {"count": len(steady),
                                           "dashboard_ms": {"p50": pct([a["dashboard_ms"] for a in steady], 50),
                                                            "p95": pct([a["dashboard_ms"] for a in steady], 95)}},
                "by_week_dashboard_p95_ms": [pct([r["advances"][i]["dashboard_ms"] for r in results
                                                  if len(r.get("advances", [])) > i], 95) for i in range(args.weeks)],
            },
            "first_usable_page_s": {"p50": pct(first, 50), "p95": pct(first, 95), "max": max(first, default=float("nan"))},
            "memory_per_user_mb": {"pss_mean": statistics.mean(pss), "pss_max": max(pss),
                                   "rss_mean": statistics.mean(rss), "rss_max": max(rss)},
            "machine_memory_mb": {"before": baseline, "peak": peak_used,
                                  "per_user": (peak_used - baseline) / args.users},
            "load_during": {"mean": statistics.mean(loads) if loads else None, "max": max(loads, default=None)},
            "failures": failures,
        })
    finally:
        if hub is not None and hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(180)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
        for n in names:
            subprocess.run(["userdel", "--remove", f"itpm-{n}"], capture_output=True)
        shutil.rmtree(homes, ignore_errors=True)
        if report.get("failures") and (state / "hub.log").exists():  # kept, to find out why
            kept = Path(tempfile.mkstemp(prefix="itpm-bench-hub-", suffix=".log", dir="/tmp")[1])
            shutil.copyfile(state / "hub.log", kept)
            report["hub_log"] = str(kept)
        shutil.rmtree(state, ignore_errors=True)
        report["load_after"] = os.getloadavg()
    return report


def summary(r: dict) -> str:
    wa, mem = r["week_advance"], r["memory_per_user_mb"]
    return "\n".join([
        f"{r['users']} {r['role']}s, {r['weeks']} weeks each, think {r['think_s'][0]:g}-{r['think_s'][1]:g} s, "
        f"{r['cpus']} cores; load {r['load_before'][0]:.1f} before, {r['load_during']['mean'] or 0:.1f} mean during",
        f"week advance to the whole dashboard: p50 {wa['dashboard_ms']['p50']:.0f} ms, p95 {wa['dashboard_ms']['p95']:.0f} ms, "
        f"max {wa['dashboard_ms']['max']:.0f} ms over {wa['count']} (headline p50 {wa['headline_ms']['p50']:.0f}, "
        f"p95 {wa['headline_ms']['p95']:.0f} ms; {wa['bytes_median'] or 0:,.0f} bytes each)",
        f"live forecast on screen from the click, its first figures: p50 {wa['first_ms']['p50']:.0f} ms, p95 "
        f"{wa['first_ms']['p95']:.0f} ms, {wa['first_ms']['not_before_next_click']} of {wa['count']} not there before the next "
        f"click; all of it: p50 {wa['forecast_ms']['p50']:.0f} ms, p95 {wa['forecast_ms']['p95']:.0f} ms, "
        f"{wa['forecast_ms']['not_before_next_click']} not there before the next click",
        f"  once every page was up: p50 {wa['after_every_page_is_up']['dashboard_ms']['p50']:.0f} ms, "
        f"p95 {wa['after_every_page_is_up']['dashboard_ms']['p95']:.0f} ms over {wa['after_every_page_is_up']['count']}",
        f"first usable page: p50 {r['first_usable_page_s']['p50']:.1f} s, p95 {r['first_usable_page_s']['p95']:.1f} s",
        f"memory per user: PSS mean {mem['pss_mean']:.0f} MB (max {mem['pss_max']:.0f}), RSS mean {mem['rss_mean']:.0f} MB; "
        f"machine {r['machine_memory_mb']['per_user']:.0f} MB per user",
        f"failures: {len(r['failures'])}" + "".join(f"\n  {f}" for f in r["failures"])
        + (f"\n  the hub's log is kept in {r['hub_log']}" if r.get("hub_log") else ""),
    ])


def think_type(text: str) -> list[float]:
    low, _, high = text.partition("-")
    try:
        pair = [float(low), float(high or low)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds as LOW-HIGH, e.g. 5-15 (got {text!r})") from None
    if not 0 <= pair[0] <= pair[1] <= 600:
        raise argparse.ArgumentTypeError(f"expected 0 <= LOW <= HIGH <= 600 (got {text!r})")
    return pair


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=30, choices=range(1, 101), metavar="N", help="1 to 100 (default 30)")
    p.add_argument("--weeks", type=int, default=10, choices=range(1, 53), metavar="W", help="1 to 52 (default 10)")
    p.add_argument("--think", type=think_type, default=[5.0, 15.0], metavar="LOW-HIGH",
                   help="seconds a user reads before each click, uniform (default 5-15)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=600, help="seconds any one step may take (default 600)")
    p.add_argument("--deadline", type=float, default=1500, help="seconds the whole run may take (default 1500)")
    p.add_argument("--json", metavar="FILE", help="also write the report here")
    args = p.parse_args(argv)
    args.role = "trainee"  # a panel candidate's Voilà-only server is not driven by this client yet
    if os.geteuid() != 0:
        p.error("run as root: each simulated user gets a system account, as on a real hub")
    report = asyncio.run(run(args))
    print(summary(report), file=sys.stderr)
    text = json.dumps(report, indent=1, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0 if not report["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""The kit on JupyterHub, as a class uses it: three users in a real browser, isolation, collection, clean stop.

The hub is started by the real command (``python -m sim hub start``) on loopback, with users made by
``python -m sim hub adduser`` (real system accounts, private homes under a temporary folder), and the real
proxy from deploy/jupyterhub/node_modules.  It is a panel day too (``--panel``, a panel made by ``python -m sim
panel create``).  Two trainees play in JupyterLab and a panel candidate in the panel's app in Voilà (access
code, start, plan, one week) in Chromium; then each must find their log in their own home and nowhere else,
the candidate's signed log must be in the panel folder for ``panel verify`` and ``report``, nobody may reach
another's files, the panel folder or its secret by any URL (nor the candidate's own account, by any code), and
the hub must stop with every process it started.  Screenshots go to $ITPM_SCREENSHOT_DIR if set.

It needs root (to make accounts), Chromium, and the proxy installed by ``./kit test``; the tests run in
file order, the last one stopping the hub.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_ui_browser import CHROMIUM, VIEWPORT, answers, free_port, run_all_cells

ROOT = Path(__file__).resolve().parents[1]
WAIT = 240_000  # ms: three servers and kernels starting at once on two busy cores

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
sync_api = pytest.importorskip("playwright.sync_api")
requests = pytest.importorskip("requests")
psutil = pytest.importorskip("psutil")


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "the hub test makes system accounts: run as root"
    if not CHROMIUM.exists():
        return "Chromium is not installed (./kit test installs it as root)"
    from sim.hub.accounts import usable_by
    from sim.hub.config import PROXY

    if not PROXY.exists():
        return f"the proxy is not installed at {PROXY} (./kit test runs npm ci)"
    why = usable_by("nobody", sys.executable)
    return f"other accounts cannot run the kit from this checkout ({why})" if why else None


def kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "hub", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


class Hub:
    """A hub on a free loopback port with its own state folder and users; ``stop`` ends it."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.names = {"a": f"t{tag}a", "b": f"t{tag}b", "c": f"t{tag}c", "i": f"t{tag}i"}
        self.state = Path(tempfile.mkdtemp(prefix="itpm-hub-state-", dir="/tmp"))
        self.homes = Path(tempfile.mkdtemp(prefix="itpm-hub-homes-", dir="/tmp"))
        self.homes.chmod(0o755)
        self.panel_parent = Path(tempfile.mkdtemp(prefix="itpm-hub-panel-", dir="/tmp"))  # root's, mode 0700
        self.panel = self.panel_parent / "panel"
        roster = self.panel_parent / "candidates.csv"
        roster.write_text("id,name\ncy,Cy Example\ndi,Di Other\n")
        done = subprocess.run([sys.executable, "-m", "sim", "panel", "create", "software_build", "--candidates", str(roster),
                               "--minutes", "45", "--out", str(self.panel)], capture_output=True, text=True, cwd=ROOT,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        with (self.panel / "access-codes.csv").open() as handout:
            self.access_codes = {row["id"]: row["code"] for row in csv.DictReader(handout)}
        self.added: list[str] = []
        self.proc = None
        for role, keys in (("trainee", "ab"), ("candidate", "c"), ("instructor", "i")):
            done = kit("adduser", *(self.names[k] for k in keys), "--role", role, "--state", str(self.state),
                       "--homes", str(self.homes))
            self.added += [self.names[k] for k in keys]
            assert done.returncode == 0, done.stderr
            assert "warning" not in done.stderr, done.stderr
        codes = json.loads((self.state / "codes.json").read_text())
        self.class_code, self.instructor_code = codes["class_code"], codes["instructor_code"]
        for key in "ab":  # render every cell, so that the browser sees the app at the bottom
            self._settings(key, "@jupyterlab/notebook-extension/tracker.jupyterlab-settings", {"windowingMode": "none"})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.state.parent / f"{self.state.name}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "sim", "hub", "start", "--state", str(self.state),
                                      "--port", str(self.port), "--panel", str(self.panel)], cwd=ROOT, stdout=self.log.open("w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while not answers(f"{self.url}/hub/login"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the hub did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def account(self, key: str) -> pwd.struct_passwd:
        return pwd.getpwnam("itpm-" + self.names[key])

    def home(self, key: str) -> Path:
        return Path(self.account(key).pw_dir)

    def _settings(self, key: str, name: str, value: dict) -> None:
        path = self.home(key) / ".jupyter/lab/user-settings" / name
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(value))
        entry = self.account(key)
        for folder in [self.home(key) / ".jupyter", *path.parents]:
            if self.home(key) in folder.parents:
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def session(self, key: str) -> requests.Session:
        """A logged-in HTTP session for user ``key``."""
        s = requests.Session()
        s.get(f"{self.url}/hub/login", timeout=30)
        code = self.instructor_code if key == "i" else self.class_code
        r = s.post(f"{self.url}/hub/login", data={"username": self.names[key], "password": code,
                                                    "_xsrf": s.cookies.get("_xsrf")}, allow_redirects=False, timeout=30)
        assert r.status_code == 302, f"login of {key} failed: {r.status_code} {r.text[:300]}"
        return s

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def remove(self) -> None:
        """Delete the test's accounts, homes and state (whatever happened)."""
        from sim.hub.accounts import end_processes

        for name in self.added:
            try:
                entry = pwd.getpwnam("itpm-" + name)
            except KeyError:
                continue
            end_processes(entry.pw_uid)
            subprocess.run(["userdel", "--remove", entry.pw_name], capture_output=True)
        shutil.rmtree(self.homes, ignore_errors=True)
        shutil.rmtree(self.panel_parent, ignore_errors=True)
        shutil.rmtree(self.state, ignore_errors=True)
        self.log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def hub():
    why = _why_not()
    if why:
        pytest.skip(why)
    hub = Hub()
    try:
        yield hub
    finally:
        hub.stop()
        hub.remove()


def login(browser, hub: Hub, key: str):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    # JupyterLab asks which kernel to use when its list of kernels arrives after the notebook opened (three servers
    # starting at once on two cores); the notebook's own kernel, Python 3, is preselected: accept it, as a user would.
    page.add_locator_handler(page.locator(".jp-Dialog").filter(has_text="Select Kernel"),
                             lambda dialog: dialog.locator(".jp-mod-accept").click())
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", hub.names[key])
    page.fill("#password_input", hub.class_code)
    page.click("#login_submit")
    return page


def shots(tmp: Path) -> Path:
    folder = Path(os.environ.get("ITPM_SCREENSHOT_DIR") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def advance_one_week(page, start: str = "Start planning ▶") -> None:
    page.get_by_role("button", name=start).click()
    page.get_by_role("button", name="Commit the plan and start the project ▶").click()
    advance = page.get_by_role("button", name="Advance one week ▶", exact=True)
    headline = page.locator(".itpm-headline")
    sync_api.expect(headline).to_contain_text("Week 0", timeout=WAIT)
    advance.click()
    sync_api.expect(headline).to_contain_text("Week 1", timeout=WAIT)


def test_three_users_each_play_a_week_in_their_own_folder(hub, browser, tmp_path):
    folder = shots(tmp_path)
    pages = {key: login(browser, hub, key) for key in "abc"}  # the three servers start at once
    try:
        for key in "ab":
            page = pages[key]
            page.wait_for_url(f"**/user/{hub.names[key]}/lab/tree/01_play.ipynb", timeout=WAIT)
            page.locator(".jp-Notebook").wait_for()
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
            run_all_cells(page, wait=WAIT)
            advance_one_week(page)
        page = pages["c"]  # a panel candidate: the panel's app in Voilà, behind the access code
        page.wait_for_url(f"**/user/{hub.names['c']}/", timeout=WAIT)
        page.get_by_role("button", name="Sign in ▶").wait_for()
        page.screenshot(path=str(folder / "hub-candidate-gate.png"))
        page.locator("input[type=password]").fill(hub.access_codes["cy"].lower())
        page.get_by_role("button", name="Sign in ▶").click()
        sync_api.expect(page.locator("body")).to_contain_text("Signed in as Cy Example", timeout=WAIT)
        advance_one_week(page, start="Start the exercise ▶")
        sync_api.expect(page.locator(".itpm-clock")).to_contain_text("left", timeout=WAIT)
        page.screenshot(path=str(folder / "hub-candidate-week-1.png"), full_page=True)
        # the candidate's page holds the app, never the notebook's code
        content = page.content()
        assert "panel_app" not in content and "sim.ui.candidate" not in content
        assert page.locator(".jp-InputArea-editor, .cm-editor, .CodeMirror").count() == 0  # no code cell at all
        assert page.locator(".itpm-error").count() == 0, page.locator(".itpm-error").all_inner_texts()
    except sync_api.Error as exc:
        for key, page in pages.items():
            page.screenshot(path=str(folder / f"failure-{key}.png"))
        pytest.fail(f"{exc}\nscreenshots in {folder}\n{hub.log.read_text()[-3000:]}")
    finally:
        for page in pages.values():
            page.context.close()
    for key in "abc":
        logs = list((hub.home(key) / "sessions").glob("*.session.json"))
        assert len(logs) == 1, f"{key}: expected one session log in their own folder, found {logs}"
        info = logs[0].stat()
        assert (info.st_uid, info.st_mode & 0o777) == (hub.account(key).pw_uid, 0o600)
        log = json.loads(logs[0].read_text())
        assert log["stops"] >= 1 and log["finished"] is False
        assert oct(hub.home(key).stat().st_mode & 0o777) == oct(0o700)


def test_the_candidates_signed_log_is_in_the_panel_folder_for_verify_and_report(hub):
    from sim.panel import open_panel
    from sim.panel.attempts import ATTEMPTS_FILE, read_record

    panel = open_panel(hub.panel)
    own = next((hub.home("c") / "sessions").glob("*.session.json"))
    kept = panel.sessions / own.name
    assert kept.read_bytes() == own.read_bytes() and panel.key.check(kept) == ""  # the same bytes, signed by the signer
    for path in (kept, kept.with_name(kept.name + ".sig"), panel.root / "secret.key"):
        info = path.stat()
        assert (info.st_uid, info.st_mode & 0o777) == (0, 0o600), path  # the panel owner's alone
    assert json.loads(kept.read_text())["participant"] == "cy"
    events, broken = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    assert broken == "" and [(e.event, e.candidate) for e in events] == [("start", "cy")]
    assert events[0].origin.startswith(f"hub user {hub.names['c']}, kernel ")
    done = subprocess.run([sys.executable, "-m", "sim", "panel", "verify", str(hub.panel), "--json"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    logs = {row["candidate"]: row for row in json.loads(done.stdout)["logs"]}
    assert (logs["cy"]["status"], logs["cy"]["file"]) == ("unfinished", own.name), logs  # signed and replayed
    assert logs["di"]["status"] == "absent"
    done = subprocess.run([sys.executable, "-m", "sim", "panel", "report", str(hub.panel), "--band-runs", "3",
                           "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "cy: unfinished" in done.stdout and (hub.panel / "reports" / "comparison.csv").exists()


def _status(s: requests.Session, url: str) -> int:
    return s.get(url, timeout=60).status_code


def test_no_user_reaches_another_users_files_or_the_panel_secret(hub):
    a, b, c = (hub.names[k] for k in "abc")
    log_b = next((hub.home("b") / "sessions").glob("*.session.json")).name
    log_a = next((hub.home("a") / "sessions").glob("*.session.json")).name
    secret = hub.panel / "secret.key"
    panel_log = next((hub.panel / "sessions").glob("*.session.json"))
    s = hub.session("a")
    assert _status(s, f"{hub.url}/user/{a}/files/sessions/{log_a}") == 200  # A's own log: the control
    up = "%2E%2E/"
    blocked = [
        f"/user/{b}/files/sessions/{log_b}", f"/user/{b}/api/contents/sessions/{log_b}", f"/user/{b}/lab",
        f"/user/{c}/", f"/user/{a}/files/{up}itpm-{b}/sessions/{log_b}",
        f"/user/{a}/api/contents/{up}{up}{up}{str(secret).lstrip('/')}",
        f"/user/{a}/files/{up * 6}{str(secret).lstrip('/')}", f"/user/{a}/api/contents/{up}itpm-{b}/sessions",
        "/services/collect/", "/services/panel-signer/",
    ]
    for path in blocked:
        assert _status(s, hub.url + path) in (403, 404), path
    # the candidate, through their own server, reaches neither the panel folder nor another's files
    sc = hub.session("c")
    for path in [f"/user/{c}/voila/files/{up * 8}{str(secret).lstrip('/')}",
                 f"/user/{c}/voila/render/{up * 8}{str(hub.panel / 'panel.json').lstrip('/')}",
                 f"/user/{c}/voila/files/{up * 8}{str(panel_log).lstrip('/')}",
                 f"/user/{c}/voila/templates/{up * 8}{str(secret).lstrip('/')}",
                 f"/user/{c}/files/sessions/{panel_log.name}", f"/user/{a}/files/sessions/{log_a}", f"/user/{b}/lab",
                 f"/user/{c}/voila/files/sessions/{panel_log.name}", f"/user/{c}/api/contents/sessions"]:
        assert _status(sc, hub.url + path) in (403, 404), path
    # and the operating system, whatever A's kernel runs: another's home and the hub's state are closed to A
    # and the candidate's account, whatever code it ran, reads neither the secret nor the panel's copy of its own log
    for key, target in (("a", hub.home("b") / "sessions" / log_b), ("a", secret), ("c", secret), ("c", panel_log)):
        done = subprocess.run(["cat", str(target)], user=hub.account(key).pw_uid, group=hub.account(key).pw_gid,
                              extra_groups=[], capture_output=True, text=True)
        assert done.returncode != 0 and "Permission denied" in done.stderr, (key, target)


def test_a_candidate_gets_voila_alone(hub, browser):
    c = hub.names["c"]
    s = hub.session("c")
    page = s.get(f"{hub.url}/user/{c}/", timeout=120)
    assert page.status_code == 200 and "panel_app" not in page.text
    for path in ("lab", "tree", "api/contents", "api/contents/panel.ipynb", "files/panel.ipynb", "api/kernels",
                 "api/sessions", "api/terminals", "voila/files/panel.ipynb", "voila/files/sessions",
                 "voila/render/panel.ipynb", "notebooks/panel.ipynb", "edit/panel.ipynb", "voila/files/01_play.ipynb"):
        r = s.get(f"{hub.url}/user/{c}/{path}", timeout=60, allow_redirects=False)
        assert r.status_code in (403, 404, 405) or ("panel_app" not in r.text and r.status_code != 200), (
            path, r.status_code)
    # code sent to the candidate's kernel by hand is dropped: only widget messages pass
    runtime = hub.home("c") / ".local/share/jupyter/runtime"
    kernel = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(p.name for p in runtime.rglob("kernel-*.json")))
    assert kernel, "no kernel is running for the candidate"
    marker = hub.home("c") / "executed"
    context = browser.new_context()
    context.add_cookies([{"name": k, "value": v, "url": hub.url} for k, v in s.cookies.items()])
    p = context.new_page()
    p.goto(f"{hub.url}/user/{c}/voila/static/")  # any page of the server, for the origin
    sent = p.evaluate("""async ([url, code]) => {
        const ws = new WebSocket(url);
        await new Promise((ok, no) => { ws.onopen = ok; ws.onerror = no; });
        const msg = {header: {msg_id: crypto.randomUUID(), msg_type: 'execute_request', username: '', session: 'x',
                              version: '5.3', date: new Date().toISOString()},
                     parent_header: {}, metadata: {}, channel: 'shell',
                     content: {code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false}};
        ws.send(JSON.stringify(msg));
        await new Promise(r => setTimeout(r, 4000));
        ws.close();
        return true;
    }""", [f"{hub.url.replace('http', 'ws')}/user/{c}/api/kernels/{kernel.group(1)}/channels",
           f"open({str(marker)!r}, 'w').write('ran')"])
    context.close()
    assert sent and not marker.exists(), "the candidate's kernel ran code sent by hand"


def test_the_instructor_collects_every_students_logs(hub):
    s = hub.session("i")
    page = s.get(f"{hub.url}/services/collect/", timeout=60)
    assert page.status_code == 200 and "Collect every student" in page.text
    assert all(hub.names[k] in page.text for k in "abc")
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    done = s.post(f"{hub.url}/services/collect/", data={"_xsrf": xsrf}, timeout=300)
    # each student's session log and the notes beside it
    assert done.status_code == 200 and "Collected 6 file(s)" in done.text, done.text[-2000:]
    assert all(f"<td>{hub.names[k]}</td><td>2</td>" in done.text for k in "abc")
    folder = next(hub.home("i").glob("collected-*"))
    assert folder.stat().st_uid == hub.account("i").pw_uid
    for key in "abc":
        original = next((hub.home(key) / "sessions").glob("*.session.json"))
        copy = folder / hub.names[key] / original.name
        assert copy.read_bytes() == original.read_bytes()
        assert copy.stat().st_uid == hub.account("i").pw_uid
    audit = [json.loads(line) for line in (hub.state / "audit.log").read_text().splitlines()]
    last = audit[-1]
    assert last["action"] == "collect" and last["by"] == f"{hub.names['i']} (hub service)"
    assert last["to"] == str(folder) and sorted(last["files"]) == sorted(hub.names[k] for k in "abc")


def test_stopping_the_hub_stops_every_process_it_started(hub):
    started = hub.descendants()
    users = {hub.account(k).pw_uid for k in "abci"}
    assert len(started) >= 5  # the proxy, two services, three servers (and their kernels)
    assert {p.uids().real for p in started if p.is_running()} >= {hub.account(k).pw_uid for k in "abc"}
    t = time.monotonic()
    hub.stop()
    assert hub.proc.returncode == 0, hub.log.read_text()[-3000:]
    assert time.monotonic() - t < 90
    alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, [p.cmdline() for p in alive]
    from sim.hub.accounts import processes_of

    assert not [p for uid in users for p in processes_of(uid)]


def test_removing_a_user_for_good_keeps_their_logs(hub):
    """After the class: ``deluser --purge`` deletes the account and home, and keeps the logs in the state folder."""
    name = hub.names["b"]
    logs = sorted(p.name for p in (hub.home("b") / "sessions").glob("*.json"))
    done = kit("deluser", name, "--purge", "--state", str(hub.state))
    assert done.returncode == 0, done.stderr
    kept = next((hub.state / "removed").glob("collected-*")) / name
    assert sorted(p.name for p in kept.iterdir()) == logs and logs
    with pytest.raises(KeyError):
        pwd.getpwnam("itpm-" + name)
    roster = json.loads((hub.state / "roster.json").read_text())
    assert name not in roster["users"]
    assert f"removed {name}: {len(logs)} log file(s) kept in" in done.stdout

"""The play notebook in a real browser: JupyterLab and Voilà, driven by Playwright on Debian's Chromium.

Each server runs on 127.0.0.1 on a free port with a random token and temporary
config, data, runtime and settings folders, and is stopped at the end.  The
trainee starts a session, commits the plan, advances two weeks, hires someone,
and the dashboard must change.  A 1280x800 screenshot of each is kept (in
$ITPM_SCREENSHOT_DIR if set) for a person to look at.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
WAIT = 90_000  # ms: a cold kernel start plus the first charts

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (./kit test installs it as root)"),
]
sync_api = pytest.importorskip("playwright.sync_api")
sync_api.expect.set_options(timeout=WAIT)  # a kernel on a loaded machine can take far more than the default 5 s to answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str | int) -> bool:
    """Whether ``url`` answers 200 (or, for a port number, whether the port accepts connections)."""
    try:
        if isinstance(url, int):
            socket.create_connection(("127.0.0.1", url), timeout=2).close()
            return True
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_up(url: str | int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        if answers(url):
            return
        time.sleep(0.3)
    pytest.fail(f"the server did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


class Server:
    """A Jupyter server process with its own folders; ``stop`` ends it (and only it)."""

    def __init__(self, args: list[str], home: Path, url: str, probe: str | int):
        self.home, self.url = home, url
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg"}
        self.log = home / "server.log"
        self.proc = subprocess.Popen(args, cwd=home / "work", env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        try:
            wait_until_up(probe, self.proc, self.log)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _home(tmp_path: Path) -> Path:
    for name in ("config", "data", "runtime", "work", "settings/@jupyterlab/notebook-extension",
                 "settings/@jupyterlab/apputils-extension", "workspaces"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "notebooks" / "01_play.ipynb", tmp_path / "work" / "01_play.ipynb")
    # Render every cell (no windowing) and keep news and update checks from popping up.
    (tmp_path / "settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True}))  # never ask which kernel to start
    (tmp_path / "settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return tmp_path


@pytest.fixture()
def page(browser, tmp_path):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    yield page
    context.close()


def shots() -> Path | None:
    folder = os.environ.get("ITPM_SCREENSHOT_DIR")
    return Path(folder) if folder else None


def play_two_weeks(page, name: str, tmp_path: Path) -> None:
    """Start, commit, advance twice, hire; the dashboard's headline and Gantt chart must change."""
    page.get_by_role("button", name="Start planning ▶").click()
    commit = page.get_by_role("button", name="Commit the plan and start the project ▶")
    commit.wait_for()
    folder = shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.locator(".itpm-stage", has_text="2 · Plan the project").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(folder / f"{name}-plan.png"))
    # the plan's risk register is usable here too: a response's box is clicked as a trainee clicks it (Playwright
    # refuses a box that another element covers, as the squeezed register's blocks once did)
    page.locator(".itpm-app .lm-TabBar-tab", has_text="Risks").first.click()
    register = page.locator(".itpm-risk-register")
    sync_api.expect(register).to_be_visible()
    register.locator("input[type=checkbox]").nth(1).check()
    sync_api.expect(page.locator(".itpm-app").get_by_text(re.compile(r"Your plan: \d+ decisions?"))).to_contain_text(
        "Your plan: 1 decision,")
    sync_api.expect(register.locator(".itpm-risk-block").nth(1)).to_contain_text("expected loss avoided")
    register.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(folder / f"{name}-plan-risks.png"))
    commit.click()
    advance = page.get_by_role("button", name="Advance one week ▶", exact=True)
    advance.wait_for()
    headline = page.locator(".itpm-headline")
    gantt = page.locator("img.itpm-chart-schedule")
    sync_api.expect(headline).to_contain_text("Week 0")
    before = gantt.get_attribute("src")
    assert before, "the Gantt chart has no image"
    advance.click()
    sync_api.expect(headline).to_contain_text("Week 1")
    sync_api.expect(advance).to_be_enabled()
    advance.click()
    sync_api.expect(headline).to_contain_text("Week 2 · working day 10")
    page.locator(".itpm-panel .lm-TabBar-tab", has_text="Team").click()
    page.locator(".itpm-panel").get_by_role("button", name="Hire", exact=True).click()
    sync_api.expect(page.locator(".itpm-ok").first).to_contain_text("Hiring")
    assert gantt.get_attribute("src") != before, "the Gantt chart did not change after two weeks"
    folder = shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    headline.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(folder / f"{name}-dashboard.png"))
    page.locator(".itpm-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / f"{name}-decisions.png"))


def run_all_cells(page, attempts: int = 3, wait: int = WAIT) -> None:
    """Run All Cells from the menu until the app appears.

    A run requested while the fresh kernel's connection is still settling can be
    dropped by JupyterLab (the cells stay unexecuted), so it is asked again.
    """
    start = page.get_by_role("button", name="Start planning ▶")
    for attempt in range(attempts):
        page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
        page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
        try:
            start.wait_for(timeout=wait // attempts)
            return
        except sync_api.TimeoutError:
            if attempt == attempts - 1:
                raise


@contextlib.contextmanager
def serving(server: Server, page, name: str, home: Path, tmp_path: Path):
    """Drive ``page`` against ``server``: on failure show a screenshot and the server log; stop the server; expect a saved session."""
    try:
        yield
    except sync_api.Error as exc:
        page.screenshot(path=str(tmp_path / "failure.png"))
        pytest.fail(f"{name}: {exc}\nscreenshot: {tmp_path / 'failure.png'}\n{server.log.read_text()[-2000:]}")
    finally:
        server.stop()
    assert list((home / "work" / "sessions").glob("*.session.json")), "no session was saved"


def test_play_notebook_in_jupyterlab(page, tmp_path):
    home = _home(tmp_path)
    port, token = free_port(), secrets.token_hex(16)
    server = Server([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                     f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                     f"--ServerApp.root_dir={home / 'work'}", f"--LabApp.user_settings_dir={home / 'settings'}",
                     f"--LabApp.workspaces_dir={home / 'workspaces'}", "--ServerApp.open_browser=False",
                     *(["--allow-root"] if os.geteuid() == 0 else [])],
                    home, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/api/status?token={token}")
    # Should JupyterLab still ask which kernel to use (the notebook names it), accept its choice: Python 3.
    page.add_locator_handler(page.locator(".jp-Dialog").filter(has_text="Select Kernel"),
                             lambda dialog: dialog.locator(".jp-mod-accept").click())
    with serving(server, page, "JupyterLab", home, tmp_path):
        page.goto(f"http://127.0.0.1:{port}/lab/tree/01_play.ipynb?token={token}")
        page.locator(".jp-Notebook").wait_for()
        sync_api.expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1)
        run_all_cells(page)
        play_two_weeks(page, "jupyterlab", tmp_path)


def test_play_notebook_in_voila(page, tmp_path):
    home = _home(tmp_path)
    port, token = free_port(), secrets.token_hex(16)
    server = Server([sys.executable, "-m", "voila", "01_play.ipynb", "--no-browser", "--Voila.ip=127.0.0.1",
                     f"--port={port}", "--Voila.port_retries=0", f"--token={token}"],
                    home, f"http://127.0.0.1:{port}", port)  # the page itself runs the notebook: probe the port only
    with serving(server, page, "Voilà", home, tmp_path):
        page.goto(f"http://127.0.0.1:{port}/?token={token}")
        play_two_weeks(page, "voila", tmp_path)


def show_dashboard(page) -> None:
    """Scroll the dashboard's title to the top of the window (the notebook's text is above it)."""
    page.locator(".itpm-instructor").evaluate("e => e.scrollIntoView({block: 'start'})")


def test_instructor_dashboard_in_voila(page, tmp_path):
    """The class dashboard of a simulated class of 30, in Voilà: every tab shows what it should, and picking another
    student to compare redraws the comparison in the kernel."""
    home = _home(tmp_path)
    shutil.copy(ROOT / "notebooks" / "02_instructor.ipynb", home / "work" / "02_instructor.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    server = Server([sys.executable, "-m", "voila", "02_instructor.ipynb", "--no-browser", "--Voila.ip=127.0.0.1",
                     f"--port={port}", "--Voila.port_retries=0", f"--token={token}"], home, f"http://127.0.0.1:{port}", port)
    folder = shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=4 * WAIT)
        summary = page.locator(".itpm-class-summary")
        summary.wait_for(timeout=4 * WAIT)  # a class of 30 is simulated, collected and replayed first
        sync_api.expect(summary).to_contain_text("30 students; 30 verified", timeout=WAIT)
        overview = page.locator("img.itpm-chart-outcomes")
        sync_api.expect(overview).to_have_attribute("src", re.compile(r"^(data:image/png|blob:)"), timeout=WAIT)
        assert page.locator(".itpm-instructor .itpm-table").first.inner_text().startswith("who")
        show_dashboard(page)
        page.screenshot(path=str(folder / "instructor-overview.png"))
        tabs = page.locator(".itpm-instructor .lm-TabBar-tab")
        tabs.filter(has_text="Leaderboard").click()
        board = page.locator(".itpm-leaderboard table tbody tr")
        sync_api.expect(board).to_have_count(30, timeout=WAIT)
        assert board.first.locator("td").nth(0).inner_text() == "1"
        show_dashboard(page)
        page.screenshot(path=str(folder / "instructor-leaderboard.png"))
        tabs.filter(has_text="Decisions").click()
        sync_api.expect(page.locator("img.itpm-chart-heat")).to_be_visible(timeout=WAIT)
        show_dashboard(page)
        page.screenshot(path=str(folder / "instructor-decisions.png"))
        tabs.filter(has_text="Events & risks").click()
        event = page.locator(".itpm-instructor").get_by_text("Firewall HA pair put on allocation", exact=True)
        sync_api.expect(event).to_be_visible(timeout=WAIT)
        show_dashboard(page)
        page.screenshot(path=str(folder / "instructor-answers.png"))
        tabs.filter(has_text="Compare two").click()
        chart = page.locator("img.itpm-chart-compare")
        sync_api.expect(chart).to_be_visible(timeout=WAIT)
        before = chart.get_attribute("src")
        student_b = page.locator(".itpm-instructor select").nth(1)
        student_b.select_option(index=5)
        sync_api.expect(chart).not_to_have_attribute("src", before, timeout=WAIT)
        show_dashboard(page)
        page.screenshot(path=str(folder / "instructor-compare.png"))
        tabs.filter(has_text="Not verified").click()
        verified = page.locator(".itpm-instructor").get_by_text("Every student's log was verified.")
        sync_api.expect(verified).to_be_visible(timeout=WAIT)
    except sync_api.Error as exc:
        page.screenshot(path=str(tmp_path / "failure.png"))
        pytest.fail(f"Voilà dashboard: {exc}\nscreenshot: {tmp_path / 'failure.png'}\n{server.log.read_text()[-3000:]}")
    finally:
        server.stop()


def test_an_exercise_in_voila_counts_down_and_reopens_on_reload(page, tmp_path):
    """A class pack's notebook in Voilà for a JupyterHub user: the countdown ticks in the kernel, the seed is never in
    the page, and a reload (a new kernel) reopens the same session."""
    from sim.classroom.pack import make_pack

    home = _home(tmp_path)
    pack = make_pack("network_migration", tmp_path / "pack", id="week3", seed=987654, minutes=30, reveal="outcome")
    for name in ("exercise.json", "play.ipynb"):
        shutil.copy(pack.folder / name, home / "work" / name)
    port, token = free_port(), secrets.token_hex(16)
    os.environ["JUPYTERHUB_USER"] = "s1234"  # the server's kernels inherit it, as on JupyterHub
    try:
        server = Server([sys.executable, "-m", "voila", "play.ipynb", "--no-browser", "--Voila.ip=127.0.0.1",
                         f"--port={port}", "--Voila.port_retries=0", f"--token={token}"], home, f"http://127.0.0.1:{port}", port)
    finally:
        del os.environ["JUPYTERHUB_USER"]
    folder = shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    with serving(server, page, "Voilà exercise", home, tmp_path):
        page.goto(f"http://127.0.0.1:{port}/?token={token}")
        sync_api.expect(page.get_by_text("You are playing as")).to_contain_text("s1234", timeout=WAIT)
        clock = page.locator(".itpm-clock")
        sync_api.expect(clock).to_contain_text("Time box: 30 minutes, from when you start", timeout=WAIT)
        page.screenshot(path=str(folder / "exercise-join.png"))
        page.get_by_role("button", name="Start the exercise ▶").click()
        sync_api.expect(clock).to_contain_text(re.compile(r"Time left: 2\d:\d\d"), timeout=WAIT)
        first = clock.inner_text()
        sync_api.expect(clock).not_to_have_text(first, timeout=30_000)  # the kernel ticks it, nothing is clicked
        assert "987654" not in page.content()
        page.get_by_role("button", name="Commit the plan and start the project ▶").click()
        advance = page.get_by_role("button", name="Advance one week ▶", exact=True)
        advance.click()
        sync_api.expect(page.locator(".itpm-headline")).to_contain_text("Week 1", timeout=WAIT)
        page.screenshot(path=str(folder / "exercise-execute.png"))
        page.reload()
        sync_api.expect(page.locator(".itpm-headline")).to_contain_text("Week 1", timeout=WAIT)  # the same session, reopened
        sync_api.expect(page.locator(".itpm-ok").first).to_contain_text("Welcome back", timeout=WAIT)
    logs = list((home / "work" / "sessions").glob("*.session.json"))
    assert [p.name for p in logs] == [f"week3-{pack.exercise.sha256[:8]}-s1234.session.json"]

"""Shared test helpers: run the real command line in a subprocess."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` from this checkout, with its output captured."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="session")
def cli():
    """The ``run_cli`` helper."""
    return run_cli


def edit_world(world, edit):
    """A copy of ``world`` whose scenario data went through ``edit`` (a function that changes a dict in place)."""
    from sim.engine import World
    from sim.schema.models import Scenario

    data = world.scenario.model_dump()
    edit(data)
    return World(Scenario.model_validate(data), world.difficulty)


@pytest.fixture(scope="session")
def edited():
    """The ``edit_world`` helper."""
    return edit_world


class FakeClock:
    """A wall clock the test moves by hand, from the real time now (when a new session records its start)."""

    def __init__(self):
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def wait(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (see test_ui_browser), one per test module that asks for it."""
    from test_ui_browser import CHROMIUM, FLAGS, sync_api

    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield chromium
        chromium.close()


IN_PROCESS_FUTURES = 4
"""Futures in each live forecast of an app built inside the test process.  The app's 100 fork from the whole
pytest process after every week and decision; measured on four UI test files, that was 9 of their 7.5 minutes in
the kernel (fork and page copying).  A few futures still run every line of the live forecast; test_ui_outlook
checks what it forecasts, and the browser tests run the app's real 100 in a real kernel."""


@pytest.fixture(autouse=True)
def few_live_futures(monkeypatch):
    """Each in-process app forecasts ``IN_PROCESS_FUTURES`` futures, and forecasts still under way when the test ends
    are cancelled (a test's app is dropped, not closed, so its last forecast would go on beside the next tests)."""
    from sim.engine import outlook
    from sim.ui.model import PlayModel

    started: list = []
    real_start = outlook.start

    def start(*args, **kwargs):
        running = real_start(*args, **kwargs)
        started.append(running)
        return running

    monkeypatch.setattr(PlayModel, "live_runs", IN_PROCESS_FUTURES)
    monkeypatch.setattr(outlook, "start", start)
    yield
    for running in started:
        running.cancel()

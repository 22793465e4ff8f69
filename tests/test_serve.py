"""``itpm-sim serve``: Voilà with idle kernels culled, stopped cleanly by SIGTERM; page loads in a real browser."""

from __future__ import annotations

import signal
import socket
import sys
import time

import psutil
import pytest
from test_ui_browser import (
    CHROMIUM,
    FLAGS,
    VIEWPORT,
    WAIT,
    Server,
    _home,
    free_port,
    sync_api,
)

from sim.serve import LOOPBACK, ServeError, serve, voila_arguments

CULL_AFTER, CULL_EVERY = 8, 2  # seconds: short, so that the test waits past them
LOADS = 5


def kernels(server: Server) -> list[psutil.Process]:
    """The kernels the server runs: its child processes that are ipykernel."""
    children = psutil.Process(server.proc.pid).children(recursive=True)
    return [p for p in children if any("ipykernel" in part for part in _cmdline(p))]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _load(browser, url: str):
    """A page load that gets as far as the app (a kernel ran the notebook), in a context of its own."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Start planning ▶").wait_for()
    assert "import" not in page.locator("body").inner_text()  # the code is not on the page
    return context


def _wait_for(count: int, server: Server, seconds: float) -> list[psutil.Process]:
    deadline = time.monotonic() + seconds
    while True:
        found = kernels(server)
        if len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.mark.timeout(900)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (./kit test installs it as root)")
def test_served_pages_have_their_idle_kernels_culled_and_sigterm_stops_everything(tmp_path):
    home = _home(tmp_path)
    port = free_port()
    url = f"http://{LOOPBACK}:{port}/"
    server = Server([sys.executable, "-m", "sim", "serve", "01_play.ipynb", "--port", str(port),
                     "--cull-idle-timeout", str(CULL_AFTER), "--cull-interval", str(CULL_EVERY)], home, url, port)
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
            for _ in range(LOADS):  # pages left without saying goodbye: a closed laptop, a dropped connection
                _load(browser, url).close()
            loaded = kernels(server)
            assert 1 <= len(loaded) <= LOADS  # one per load, less any already culled
            still_open = _load(browser, url)
            survivors = _wait_for(1, server, CULL_AFTER + 3 * CULL_EVERY + 30)
            assert len(survivors) == 1, f"{len(survivors)} kernels left {CULL_AFTER} s after their pages went away"
            assert not any(k.pid in {s.pid for s in survivors} for k in loaded)  # the open page's kernel is the one kept
            time.sleep(CULL_AFTER + 2 * CULL_EVERY)
            assert [k.pid for k in kernels(server)] == [k.pid for k in survivors]  # a page still open keeps its kernel
            still_open.close()
            browser.close()
        everything = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(recursive=True)]
        start = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(30)
        took = time.monotonic() - start
        assert code == 0, server.log.read_text()[-2000:]
        assert took < 15, f"SIGTERM took {took:.1f} s"
        _gone, alive = psutil.wait_procs(everything, timeout=5)
        assert alive == [], f"left behind: {[(p.pid, _cmdline(p)) for p in alive]}"
    finally:
        server.stop()
    assert "Stopping on signal SIGTERM" in server.log.read_text()


def test_serve_refuses_what_it_cannot_serve(tmp_path):
    notebook = tmp_path / "play.ipynb"
    notebook.write_text("{}")
    with pytest.raises(ServeError, match=r"not a notebook \(expected an existing .ipynb file\)"):
        serve(tmp_path / "missing.ipynb")
    with pytest.raises(ServeError, match="out of range"):
        serve(notebook, 70000)
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=rf"127.0.0.1:{port}: cannot listen there \(got in use, expected a free port\)"):
            serve(notebook, port)


def test_voila_gets_the_culling_the_loopback_and_hidden_code(tmp_path):
    args = voila_arguments(tmp_path / "n.ipynb", 9000, cull_idle_timeout=30, cull_interval=5, extra=["--VoilaConfiguration.file_allowlist=[]"])
    assert args[0] == str(tmp_path / "n.ipynb")
    for expected in ("--Voila.ip=127.0.0.1", "--Voila.port=9000", "--Voila.port_retries=0", "--MappingKernelManager.cull_idle_timeout=30",
                     "--MappingKernelManager.cull_interval=5", "--MappingKernelManager.cull_connected=False",
                     "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.file_allowlist=[]", "--Voila.open_browser=False"):
        assert expected in args

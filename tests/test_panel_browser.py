"""A panel day in a real browser: `itpm-sim panel serve` (Voilà) driven by Playwright on Debian's Chromium.

The leak test plants unique markers in a test scenario (a comment in the
file, every scripted event's texts, the seed, the panel's folder, another
candidate's name and rationale) and records every websocket message and HTTP
response each candidate's browser receives; none may hold a hidden item, nor
the hidden draws of the engine (risk timings and uniforms, effort and lead
time draws, resignation thresholds) or the reference PM's outcome.  A marker
the candidate may see (an event that fires while they play) must be found, so
the recording is known to work.  The URL test asks for the notebook, the
scenario, the logs and the secret every way it can, path traversal included.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_ui_browser import CHROMIUM, free_port, wait_until_up

from sim.engine import Session, World, outcome, read_log, replay, scorecard
from sim.panel import create_panel, open_panel
from sim.panel.attempts import ATTEMPTS_FILE, read_record
from sim.panel.review import log_path
from sim.policies import Reference
from sim.results.tables import Results
from sim.schema import resolve

ROOT = Path(__file__).resolve().parents[1]
MINUTES = 4  # room for a loaded machine to start kernels and play a week before the box runs out
WAIT = 240_000  # ms: a kernel started on a loaded machine, then the first render
TAG = secrets.token_hex(4).upper()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (./kit test installs it as root)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def marker(kind: str) -> str:
    return f"LEAKMARK-{kind}-{TAG}"


def leak_scenario(folder: Path) -> Path:
    """network_migration with markers: a comment in the file, every event's texts, and an event on day 3 the candidate sees."""
    data = yaml.safe_load(resolve("network_migration").read_text())
    for event in data["events"]:
        event["title"] = f"{event['title']} {marker('EVT-' + event['id'])}"
        event["description"] = f"{event['description']} {marker('EVT-' + event['id'])}"
        for option in event["options"]:
            option["label"] = f"{option['label']} {marker('EVT-' + event['id'])}"
    data["events"].append({
        "id": "EV-SEEN", "type": "other", "title": f"Kick-off feedback {marker('SEEN')}",
        "description": "The sponsor asks how the kick-off went.", "trigger": {"day": 3},
        "options": [{"id": "note", "label": "Send a short note"}, {"id": "call", "label": "Call the sponsor"}],
        "default": "note",
    })
    path = folder / "leak_scenario.yaml"
    path.write_text(f"# {marker('FILE')}: this comment is in the scenario file only\n"
                    + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def hidden_numbers(world: World, seed: int, played: Session, frozen_day: float) -> list[tuple[str, str]]:
    """The engine's pre-drawn luck a candidate must never receive, as the strings a leak would carry.

    ``played`` is the candidate's session replayed: what happened before ``frozen_day`` (a risk that struck, a task
    that started or a delivery that arrived while the candidate played) is left out, as the candidate saw it happen.
    """
    fresh = Session(world, seed).project  # every draw is made when the project is built
    events = Results(played).events
    seen_risks = set(events[(events["kind"] == "risk") & (events["day"] < frozen_day)]["ref"])
    tasks = {t.id: t for t in played.project.tasks.values()}
    out = {}
    for risk in fresh.risks.values():
        if risk.id not in seen_risks:
            for name in ("u_occur", "u_time", "u_seen", "u_pick", "time"):
                out[f"risk {risk.id} {name}"] = getattr(risk, name)
    for task in fresh.tasks.values():
        start, finish = tasks[task.id].start, tasks[task.id].finish
        if task.planned_effort and (start is None or start >= frozen_day):
            out[f"task {task.id} effort draw"] = task.effort
        if task.lead_time and (finish is None or finish >= frozen_day):
            out[f"task {task.id} lead time draw"] = task.lead_time
    for person in fresh.people.values():
        out[f"person {person.id} resignation threshold"] = person.threshold
    reference = Session(world, seed)
    reference.run(Reference())
    out["reference PM's score"] = scorecard(reference.project).total
    out["reference PM's cost"] = outcome(reference.project)["cost"]
    forms = [(what, text) for what, value in out.items() for text in _forms(value)]
    return forms + [("reference PM's cost, as shown", f"{outcome(reference.project)['cost']:,.0f}")]


def number_in(text: str, data: bytes) -> list[str]:
    """Where ``data`` holds ``text`` as a whole number, with 30 bytes either side.

    A number is whole when no digit or point joins it on either side: the figures sent to a browser hold many
    floats, and one of them written as 31.2049213 holds the hidden 1.20492 by chance, not as a leak.
    """
    needle = text.encode()
    if needle not in data:  # a plain search first: the regex's lookbehind tries every byte of ~12 MB
        return []
    pattern = rb"(?<![\d.])" + re.escape(needle) + rb"(?![\d])"
    return [data[max(m.start() - 30, 0):m.end() + 30].decode(errors="replace") for m in re.finditer(pattern, data)]


def _forms(value: float) -> list[str]:
    """A float as a leak would write it: to 6 up to 17 significant digits, each form that is distinctive."""
    forms = {f"{value:.{digits}g}" for digits in range(6, 18)} | {repr(float(value))}
    return sorted(f for f in forms if len(f.replace(".", "").replace("-", "").lstrip("0")) >= 6)


class Recorder:
    """Every websocket frame and HTTP response body one page receives."""

    def __init__(self, page):
        self.chunks: list[bytes] = []
        self.unread: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("response", self._response)

    def _frame(self, payload) -> None:
        self.chunks.append(payload if isinstance(payload, bytes) else payload.encode("utf-8"))

    def _response(self, response) -> None:
        if 300 <= response.status < 400 or response.status == 204:
            self.chunks.append(f"{response.status} {response.url}".encode())
            return
        try:
            self.chunks.append(response.body())
        except sync_api.Error as exc:
            if "/voila/api/shutdown/" not in response.url:  # Voilà's bodiless answer to the page's unload, read too late
                self.unread.append(f"{response.url}: {exc}")

    @property
    def data(self) -> bytes:
        return b"\n".join(self.chunks)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """A panel on the leak scenario with a secret 63-bit seed; bob has played part of it (headless); served by Voilà."""
    base = tmp_path_factory.mktemp("panelday")
    root = base / f"panel-{marker('DIR')}"
    seed = secrets.randbelow(2**63 - 2**62) + 2**62  # 19 digits: found nowhere by chance
    candidates = [{"id": "ann", "name": "Ann Example"}, {"id": "cy", "name": "Cy Example"},
                  {"id": "bob", "name": f"Bob {marker('OTHER-NAME')}"}]
    panel, codes = create_panel(root, leak_scenario(base), seed=seed, minutes=MINUTES, candidates=candidates,
                                panel_id="leak-panel")
    from sim.ui.candidate_model import CandidateModel

    bob = CandidateModel(panel, origin="headless")
    assert bob.enter_code(codes["bob"]) and bob.start() and bob.commit_plan(), bob.message
    assert bob.decide({"type": "set_overtime", "level": 0.1}, f"bob's reason {marker('OTHER-RATIONALE')}"), bob.message
    home = base / "home"
    for name in ("data", "runtime"):
        (home / name).mkdir(parents=True)
    port = free_port()
    env = {**os.environ, "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    log = base / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "panel", "serve", str(root), "--port", str(port)], cwd=base,
                            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(port, proc, log)
        yield {"root": root, "panel": panel, "codes": codes, "seed": seed, "url": f"http://127.0.0.1:{port}", "log": log,
               "proc": proc, "base": base}
    finally:
        if proc.poll() is None:
            proc.terminate()  # the command forwards it: Voilà shuts its kernels down
            proc.wait(60)


def shots(tmp: Path) -> Path:
    folder = Path(os.environ.get("ITPM_SCREENSHOT_DIR") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, code: str) -> None:
    page.get_by_role("button", name="Sign in ▶").wait_for()
    page.locator(".widget-password input, input[type=password]").fill(code)
    page.get_by_role("button", name="Sign in ▶").click()


def test_a_candidate_session_in_the_browser_leaks_nothing(day, browser, tmp_path):
    folder = shots(tmp_path)
    sync_api.expect.set_options(timeout=WAIT)  # every change comes from a kernel on a machine that may be loaded
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(WAIT)
    ann, cy = (context.new_page() for context in contexts)
    seen = {"ann": Recorder(ann), "cy": Recorder(cy)}
    ann.goto(day["url"] + "/", wait_until="commit")  # Voilà streams the page as the kernel renders it
    cy.goto(day["url"] + "/", wait_until="commit")  # two candidates at once, each with a kernel of their own
    sign_in(ann, "  " + day["codes"]["ann"].lower() + " ")
    sign_in(cy, day["codes"]["cy"])
    start = ann.get_by_role("button", name="Start the exercise ▶")
    start.wait_for()
    sync_api.expect(ann.locator("body")).to_contain_text("Signed in as Ann Example")
    ann.screenshot(path=str(folder / "panel-candidate-gate.png"))
    start.click()
    cy.get_by_role("button", name="Start the exercise ▶").click()
    commit = ann.get_by_role("button", name="Commit the plan and start the project ▶")
    commit.click()
    advance = ann.get_by_role("button", name="Advance one week ▶", exact=True)
    advance.click()
    decide = ann.get_by_role("button", name="Decide")  # the day-3 event asks for a decision
    sync_api.expect(ann.locator("body")).to_contain_text("Kick-off feedback")
    decide.click()
    sync_api.expect(ann.locator(".itpm-error").first).to_contain_text("one-line reason")  # required, refused in the kernel
    why = ann.get_by_placeholder("Why? (required: one line)").first  # the request's own box comes first
    why.fill("The sponsor prefers a call <b>today</b>")
    why.press("Tab")
    decide.click()
    sync_api.expect(ann.locator(".itpm-note", has_text="No decision is waiting for you.")).to_be_visible()
    # the clock's HTML is rewritten every second, so a located element can go stale: scroll in one JS step
    ann.evaluate("document.querySelector('.itpm-clock').scrollIntoView({block: 'center'})")
    ann.screenshot(path=str(folder / "panel-candidate-execute.png"))
    ann.reload(wait_until="commit")  # a reload: a new kernel; the same code resumes the same session
    sign_in(ann, day["codes"]["ann"])
    sync_api.expect(ann.get_by_role("button", name="Advance one week ▶", exact=True)).to_be_visible()
    sync_api.expect(ann.locator(".itpm-clock")).to_contain_text("left")
    ann.get_by_role("button", name="Advance one week ▶", exact=True).click()
    sync_api.expect(ann.locator(".itpm-clock")).to_contain_text("Time is up", timeout=(MINUTES * 60 + 90) * 1000)
    sync_api.expect(ann.locator(".itpm-handed-in")).to_contain_text("handed in to the panel")
    ann.screenshot(path=str(folder / "panel-candidate-time-up.png"))
    sync_api.expect(cy.locator(".itpm-clock")).to_contain_text("Time is up", timeout=WAIT)
    for context in contexts:
        context.close()

    panel = open_panel(day["root"])
    log = read_log(log_path(panel, "ann"))
    assert log.finished and log.frozen is not None and log.frozen.reason == f"the {MINUTES}-minute time box ran out"
    assert any(e.decision.rationale == "The sponsor prefers a call <b>today</b>" for e in log.decisions)
    attempts = [a for a in read_record(panel.sessions / ATTEMPTS_FILE, panel.key)[0] if a.candidate in ("ann", "cy")]
    ann_events = [a for a in attempts if a.candidate == "ann"]
    assert [a.event for a in ann_events if a.event != "taken over"] == ["start", "resume", "time up"]
    assert ann_events[0].origin != ann_events[1].origin  # the reload ran in a new kernel
    # the first page's kernel, if still running when the clock ran out, found its session continued elsewhere
    assert all(a.origin == ann_events[0].origin for a in ann_events if a.event == "taken over")
    assert len({a.origin for a in attempts if a.event == "start"}) == 2  # ann and cy: a kernel each

    # what the browser received: the visible marker, so the recording works; no hidden item
    world = panel.exercise.world()
    played = replay(log_path(panel, "ann"), world)
    events = Results(played).events
    fired = events[events["kind"] == "event"]
    before = set(fired[fired["day"] < log.frozen.day]["ref"])
    later = set(fired[fired["day"] >= log.frozen.day]["ref"]) - before
    assert later, "no marked event fired in the weeks run frozen: the test would prove less than it claims"
    hidden = {marker("FILE"): "the scenario file", str(day["seed"]): "the seed", marker("DIR"): "the panel folder",
              marker("OTHER-NAME"): "another candidate's name", marker("OTHER-RATIONALE"): "another candidate's rationale",
              day["codes"]["bob"]: "another candidate's code", panel.key.secret.hex(): "the panel secret"}
    hidden |= {marker("EVT-" + e.id): f"the future event {e.id}" for e in world.scenario.events
               if e.id != "EV-SEEN" and e.id not in before}
    numbers = hidden_numbers(world, day["seed"], played, log.frozen.day)
    for who, recorder in seen.items():
        data = recorder.data
        assert not recorder.unread, recorder.unread
        assert len(data) > 100_000, f"{who}: too little was recorded to be the app"
        found = [f"{what} ({text})" for text, what in hidden.items() if text.encode() in data]
        found += [f"{what} ({text}) in …{context}…" for what, text in numbers
                  for context in number_in(text, data)]
        assert not found, f"{who}'s browser received hidden items: {found}"
        assert b"panel_app" not in data and b"from sim" not in data, f"{who}: code reached the browser"
    assert marker("SEEN").encode() in seen["ann"].data  # the event ann saw was recorded: the recorder works

    # the report of the browser session says the time box ran out, and how much was played and run frozen
    done = subprocess.run([sys.executable, "-m", "sim", "panel", "report", str(day["root"]), "--band-runs", "4", "--workers", "1"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    html = " ".join((panel.reports / "ann.report.html").read_text().split())
    interval = world.params.decisions.status_interval
    assert f"<b>The time box ran out</b> on working day {log.frozen.day:.0f}" in html
    assert f"the candidate played {log.frozen.day / interval:.1f} weeks" in html
    assert f"remaining {(log.outcome.finish_day - log.frozen.day) / interval:.1f} weeks ran frozen" in html
    assert "The sponsor prefers a call &lt;b&gt;today&lt;/b&gt;" in html
    _screenshot_report(browser, panel.reports / "ann.report.html", folder)


def _screenshot_report(browser, report: Path, folder: Path) -> None:
    """The printable report as Chromium renders it, on screen and printed on A4 and Letter (no page wider than the paper)."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(report.as_uri())
    page.screenshot(path=str(folder / "panel-report.png"))
    page.emulate_media(media="print")
    for paper, width_mm in (("A4", 210), ("Letter", 215.9)):
        printable = (width_mm - 24) / 25.4 * 96  # the page's side margins are 12 mm each; 96 CSS px to the inch
        page.set_viewport_size({"width": int(printable), "height": 1000})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the report is {overflow}px wider than {paper} paper"
        pdf = page.pdf(format=paper, path=str(folder / f"panel-report-{paper}.pdf"))
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 1
    page.close()


PANEL_FILES = ("panel.json", "secret.key", "codes.json", "access-codes.csv", "rubric.yaml", "sessions/attempts.jsonl",
               "leak_scenario.yaml")


def _urls(day) -> list[str]:
    root = day["root"]
    log = log_path(open_panel(root), "bob")
    names = list(PANEL_FILES) + [f"sessions/{log.name}", f"sessions/{log.name}.sig", "panel.ipynb"]
    absolute = [str(root / n) for n in names]
    urls = ["/panel.ipynb", "/voila/render/panel.ipynb", "/voila/files/panel.ipynb", "/files/panel.ipynb",
            "/notebooks/panel.ipynb", "/api/contents", "/api/contents/panel.ipynb", "/voila/api/contents",
            "/voila/api/contents/panel.ipynb", "/voila/tree", "/tree", "/lab", "/api/kernels", "/api/sessions",
            "/api/kernelspecs", "/voila/query/x", "/voila/files/", "/voila/files/.", "/static/../panel.ipynb"]
    for name in names:
        urls += [f"/{name}", f"/voila/files/{name}", f"/voila/render/{name}", f"/files/{name}", f"/api/contents/{name}"]
    for path in absolute:
        quoted = urllib.request.quote(path)
        urls += [f"/voila/files/{quoted}", f"/voila/files//{path.lstrip('/')}", f"/voila/render/{quoted}",
                 f"/voila/files/{'..%2F' * 12}{quoted.lstrip('/')}", f"/voila/files/{'../' * 12}{path.lstrip('/')}",
                 f"/voila/static/{'..%2F' * 12}{quoted.lstrip('/')}", f"/voila/templates/{'..%2F' * 12}{quoted.lstrip('/')}",
                 f"/voila/labextensions/{'..%2F' * 12}{quoted.lstrip('/')}", f"/voila/files/{'%2e%2e%2f' * 12}{quoted.lstrip('/')}",
                 f"/voila/files/{'..%252F' * 12}{quoted.lstrip('/')}", f"/{'..%2F' * 12}{quoted.lstrip('/')}"]
    return urls


def test_no_url_serves_the_notebook_the_scenario_a_log_or_the_secret(day):
    panel = open_panel(day["root"])
    secrets_seen = [panel.key.secret.hex().encode(), str(day["seed"]).encode(), marker("FILE").encode(),
                    marker("OTHER-RATIONALE").encode(), day["codes"]["bob"].encode(), b"panel_app"]
    wrong = []
    for url in _urls(day):
        request = urllib.request.Request(day["url"] + url, headers={"Accept": "*/*"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # follows redirects
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        leaked = [s.decode() for s in secrets_seen if s in body]
        if status not in (403, 404) or leaked:
            wrong.append(f"{url}: {status} {leaked or ''}")
    assert not wrong, "\n".join(wrong)
    with urllib.request.urlopen(day["url"] + "/", timeout=120) as response:  # the app itself: code stripped
        page = response.read()
    assert response.status == 200 and b"panel_app" not in page and b"from sim" not in page
    assert not any(s in page for s in secrets_seen)


def test_a_hidden_number_is_found_whole_and_not_inside_another():
    static = b"<svg transform='translate(1.179640,0.705068)'/> 31.17964 \"v\": 1.17964, 2.1796401"
    found = number_in("1.17964", static)
    assert len(found) == 1 and '"v": 1.17964,' in found[0]  # the JSON value; not the SVG's, 31.17964's or 2.1796401's
    assert _forms(1.179640234) == ["1.17964", "1.1796402", "1.17964023", "1.179640234", "1.1796402340000001"]  # %.6g to %.17g

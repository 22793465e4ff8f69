"""Hiring panels, headless: the panel folder, access codes, signed logs and the tamper tests, the attempt record,
the time box, the rubric and the reports.  The browser side (Voilà, the leak test, URLs) is in test_panel_browser.py."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import stat

import pandas as pd
import pytest

from conftest import FakeClock
from sim.engine import Session, World, read_log
from sim.panel import PanelError, create_panel, open_panel, read_candidates
from sim.panel.attempts import ATTEMPTS_FILE, read_record
from sim.panel.folder import CODES_FILE, HANDOUT_FILE, SECRET_FILE, normalise_code
from sim.panel.review import check, check_all, close_expired, log_path, write_reports
from sim.panel.rubric import DUTY_KEYS, measure, read_weights
from sim.panel.signing import Key, signature_path
from sim.policies import make_policy
from sim.ui.candidate_model import MAX_WRONG_CODES, CandidateModel

CANDIDATES = [{"id": "ann", "name": "Ann <script>alert('x')</script> Lee"}, {"id": "bob", "name": "Bob"}]


def signed_in(panel, code: str, clock=None, origin: str = "kernel-1") -> CandidateModel:
    model = CandidateModel(panel, origin=origin, clock=clock or FakeClock())
    assert model.enter_code(code), model.message
    return model


def play(model: CandidateModel, weeks: int | None = None, why: str = "keeps the plan <b>safe</b>") -> None:
    """Start (if needed), commit the plan and play the reference PM's decisions, each with a rationale."""
    if model.session is None:
        assert model.start(), model.message
        model.session.started = model.clock()
    if model.stage == "plan":
        assert model.commit_plan(), model.message
    policy = make_policy("reference")
    played = 0
    while model.stage == "execute" and (weeks is None or played < weeks):
        for decision in policy(model.report):
            data = decision.model_dump(mode="json")
            data.pop("rationale")
            model.decide(data, rationale=f"{why} ({data['type']})")
        model.advance()
        played += 1


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """A panel with two candidates: ann finished her exercise (with a reload in the middle), bob never came."""
    root = tmp_path_factory.mktemp("panel") / "itpm-panel-1"
    panel, codes = create_panel(root, "network_migration", seed=31337, minutes=45, candidates=CANDIDATES)
    clock = FakeClock()
    ann = signed_in(panel, codes["ann"], clock)
    play(ann, weeks=3)
    again = signed_in(panel, codes["ann"], clock, origin="kernel-2")  # a reload: a new kernel, the same code
    assert again.session.stops == ann.session.stops and again.stage == "execute"
    play(again)
    again.lessons = "Escalate the <carrier> early."
    return {"root": root, "panel": panel, "codes": codes, "log": log_path(panel, "ann"), "clock": clock}


# ---------------------------------------------------------------- the folder


def test_create_writes_a_private_panel_folder(day):
    root, panel, codes = day["root"], day["panel"], day["codes"]
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    for name in (SECRET_FILE, CODES_FILE, HANDOUT_FILE):
        assert stat.S_IMODE(os.stat(root / name).st_mode) == 0o600, name
    ex = panel.exercise
    assert (ex.kind, ex.minutes, ex.rationale, ex.reveal, ex.seed) == ("panel", 45, "required", "none", 31337)
    assert [m.id for m in ex.roster] == ["ann", "bob"]
    stored = (root / CODES_FILE).read_text()
    assert all(normalise_code(c) not in stored.replace("-", "") and c not in stored for c in codes.values())  # hashes only
    handout = list(csv.DictReader((root / HANDOUT_FILE).open()))
    assert {r["id"]: r["code"] for r in handout} == codes
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", codes["ann"])
    assert panel.candidate(codes["bob"].lower().replace("-", " ")).id == "bob"
    assert panel.candidate(codes["bob"][:-1] + ("A" if codes["bob"][-1] != "A" else "B")) is None
    assert read_weights(root / "rubric.yaml") == {k: 1.0 for k in DUTY_KEYS}


def test_the_seed_is_drawn_with_secrets_unless_given(tmp_path):
    seeds = {create_panel(tmp_path / f"p{i}", "cloud_rollout", candidates=CANDIDATES[:1])[0].exercise.seed for i in range(3)}
    assert len(seeds) == 3 and all(s > 2**32 for s in seeds)  # 63-bit draws: three equal, or all small, would be absurd luck


def test_a_folder_holding_anything_is_never_written_over(day, tmp_path):
    before = {p.name: p.read_bytes() for p in day["root"].iterdir() if p.is_file()}
    with pytest.raises(PanelError, match="holds a panel already; a panel is never written over"):
        create_panel(day["root"], "network_migration", candidates=CANDIDATES)
    assert {p.name: p.read_bytes() for p in day["root"].iterdir() if p.is_file()} == before
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(PanelError, match="exists and is not an empty folder"):
        create_panel(tmp_path / "used", "network_migration")
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine" and not list(tmp_path.glob(".used-*"))
    (tmp_path / "empty").mkdir()
    panel, codes = create_panel(tmp_path / "empty", "network_migration")
    assert len(codes) == 4 and next(m.id for m in panel.exercise.roster) == "candidate-1"


def test_a_secret_others_can_read_is_refused(day, tmp_path):
    root = tmp_path / "p"
    create_panel(root, "network_migration", candidates=CANDIDATES[:1])
    os.chmod(root / SECRET_FILE, 0o644)
    with pytest.raises(PanelError, match=r"secret\.key: the panel secret can be read by others \(mode 0644, expected 0600"):
        open_panel(root)


@pytest.mark.parametrize(("text", "message"), [
    ("name,email\nAnn,a@x\n", r":1: unknown column 'email' \(expected id, name and team\)"),
    ("id\nann\n", r":1: no name column \(got columns id; expected a header row with name, and optionally id and team\)"),
    ("name,id\nAnn,ann\nBob,ann\n", r":3: id: appears twice \(got 'ann' again, first on line 2\)"),
    ("name,id\nAnn,two words\n", r":2: id: badly formed \(got 'two words'"),
    ("name,id\nAnn,ann\n ,bob\n", r":3: name: empty"),
    ("name\nAnn,extra\n", r":2: too many values \(got 2, expected 1\)"),
    ("", r":1: no name column \(got columns none"),
    ("name\n", r"no members \(expected a header row and one row per participant\)"),
])
def test_a_bad_candidate_list_is_refused_at_its_line(tmp_path, text, message):
    path = tmp_path / "list.csv"
    path.write_text(text)
    with pytest.raises(PanelError, match=message) as caught:
        read_candidates(path)
    assert str(caught.value).startswith(str(path))


def test_candidate_ids_are_made_from_names_and_a_bom_is_fine(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("\ufeffName\nAnn Lee\nAnn Lee\nZoë Ångström\n".encode())
    assert read_candidates(path) == [{"id": "Ann-Lee", "name": "Ann Lee"}, {"id": "Ann-Lee-2", "name": "Ann Lee"},
                                     {"id": "Zo-ngstr-m", "name": "Zoë Ångström"}]
    path.write_bytes(b"name\n\xff\n")
    with pytest.raises(PanelError, match=r"not a text file \(got byte 0xff"):
        read_candidates(path)


def test_a_bad_rubric_is_refused_at_every_line(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text("format: itpm-sim-rubric/1\nweights:\n  scope: '1'\n  planing: 1\n  budget: -2\n")
    with pytest.raises(PanelError) as caught:
        read_weights(path)
    lines = str(caught.value).splitlines()
    assert f"{path}:3:10: weights.scope: wrong type (got '1', expected a number)" in lines
    assert any(line.startswith(f"{path}:4:3: weights.planing: unknown key; did you mean 'planning'?") for line in lines)
    assert f"{path}:5:11: weights.budget: out of range (got -2, expected a value >= 0.0)" in lines
    assert any("weights.closure: missing required field" in line for line in lines)
    text = "format: itpm-sim-rubric/1\nweights:\n" + "".join(f"  {k}: 0\n" for k in DUTY_KEYS)
    path.write_text(text)
    with pytest.raises(PanelError, match=r"rubric\.yaml:3:3: weights: all zero"):
        read_weights(path)


def test_the_command_creates_a_panel_and_never_prints_the_seed(cli, tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("name,id\nAnn Lee,ann\nBob,bob\n")
    done = cli("panel", "create", "software_build", "--seed", "987654321", "--minutes", "50", "--candidates", str(listing),
               "--out", str(tmp_path / "p"))
    assert done.returncode == 0, done.stderr
    codes = {r["id"]: r["code"] for r in csv.DictReader((tmp_path / "p" / HANDOUT_FILE).open())}
    assert codes["ann"] in done.stdout and codes["bob"] in done.stdout and "987654321" not in done.stdout
    assert "50 minutes" in done.stdout
    again = cli("panel", "create", "software_build", "--out", str(tmp_path / "p"))
    assert again.returncode == 2 and "holds a panel already" in again.stderr and not again.stdout
    bad = cli("panel", "create", "software_build", "--candidates", str(tmp_path / "none.csv"), "--out", str(tmp_path / "q"))
    assert bad.returncode == 2 and "none.csv: cannot read file" in bad.stderr and not (tmp_path / "q").exists()


# ---------------------------------------------------------------- the gate and the attempt record


def test_only_an_access_code_lets_a_candidate_in(day):
    panel = day["panel"]
    model = CandidateModel(panel, origin="kernel-x", clock=FakeClock())
    assert not model.identify("bob") and model.message == "Enter your access code first." and model.participant == ""
    assert not model.start() and model.session is None
    for _ in range(MAX_WRONG_CODES):
        assert not model.enter_code("AAAA-AAAA-AAAA")
    assert not model.enter_code(day["codes"]["bob"]) and "Too many wrong codes" in model.message  # not even checked now
    attempts, problem = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)
    refused = [a for a in attempts if a.event == "refused" and a.origin == "kernel-x"]
    assert problem == "" and len(refused) == MAX_WRONG_CODES and refused[-1].candidate is None


def test_a_second_start_with_a_used_code_resumes_the_same_session_and_is_recorded(day):
    panel = day["panel"]
    attempts = [a for a in read_record(panel.sessions / ATTEMPTS_FILE, panel.key)[0] if a.candidate == "ann"]
    assert [a.event for a in attempts][:2] == ["start", "resume"]
    assert attempts[0].origin == "kernel-1" and attempts[1].origin == "kernel-2"
    assert attempts[1].detail.startswith("status point 3, working day 15")
    assert attempts[-1].event == "finish"
    assert [p.name for p in panel.sessions.glob("*.session.json")] == [day["log"].name]  # one session, never a second
    third = signed_in(panel, day["codes"]["ann"], day["clock"], origin="kernel-3")
    assert third.stage == "close" and third.session.done
    assert read_record(panel.sessions / ATTEMPTS_FILE, panel.key)[0][-1].event == "resume"


def test_an_edited_attempt_record_is_caught_at_its_line(day, tmp_path):
    panel = day["panel"]
    lines = (panel.sessions / ATTEMPTS_FILE).read_text().splitlines()
    doctored = tmp_path / "attempts.jsonl"
    doctored.write_text("\n".join(lines[:1] + [lines[1].replace('"resume"', '"start"')] + lines[2:]) + "\n")
    assert read_record(doctored, panel.key)[1] == f"{doctored}:2: edited after it was written, or written under another secret (its MAC does not match)"
    doctored.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    assert read_record(doctored, panel.key)[1].startswith(f"{doctored}:2: the line before it was removed")


def test_every_save_is_signed_and_a_log_failing_its_signature_is_never_reopened(day, tmp_path):
    panel, log = day["panel"], day["log"]
    assert panel.key.check(log) == "" and json.loads(signature_path(log).read_text())["panel"] == "itpm-panel-1"
    notes = log.with_name(log.name.replace(".session.json", ".notes.json"))
    assert panel.key.check(notes) == "" and "carrier" in notes.read_text()
    root = tmp_path / "p"
    other, codes = create_panel(root, "network_migration", candidates=CANDIDATES[:1])
    model = signed_in(other, codes["ann"])
    play(model, weeks=1)
    path = model.session.log_path
    data = json.loads(path.read_text())
    data["decisions"][0]["decision"]["rationale"] = "a better reason, written later"
    path.write_text(json.dumps(data, indent=1))
    back = CandidateModel(other, origin="kernel-9", clock=FakeClock())
    assert not back.enter_code(codes["ann"]) and "does not pass the panel's signature check" in back.message
    assert back.session is None
    assert read_record(other.sessions / ATTEMPTS_FILE, other.key)[0][-1].event == "blocked"


# ---------------------------------------------------------------- the tamper tests


def _copy_panel_log(day, tmp_path, edit=None, key=None, sign=True):
    """A panel folder like the day's, holding ann's log, edited and (re)signed as asked."""
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(day["root"], root)
    panel = open_panel(root)
    path = log_path(panel, "ann")
    if edit:
        data = json.loads(path.read_text())
        edit(data)
        path.write_text(json.dumps(data, indent=1))
    if key is not None:
        key.sign_file(path)
    if not sign:
        signature_path(path).unlink()
    return panel, path


def test_the_untouched_log_verifies(day):
    found = check(day["panel"], day["log"])
    assert found.status == "verified" and found.reason.startswith("the replay reproduces the recorded outcome")


@pytest.mark.parametrize(("case", "status", "reason"), [
    ("edited decision", "tampered", "edited after it was signed: its bytes do not match its signature"),
    ("edited outcome", "tampered", "edited after it was signed: its bytes do not match its signature"),
    ("another secret", "foreign", "signed with another secret"),
    ("unsigned", "unsigned", "unsigned: there is no signature"),
    ("another panel", "foreign", "signed with another secret"),
    ("edited and re-signed", "tampered", "the replay differs from the log: cost recorded"),
])
def test_an_edited_foreign_or_unsigned_log_is_flagged_and_never_scored(day, tmp_path, case, status, reason):
    def decision(data):
        data["decisions"][2]["decision"]["rationale"] = "written afterwards"

    def cost(data):
        data["outcome"]["cost"] -= 100000

    stranger = Key(os.urandom(32), "itpm-panel-1")
    if case == "another panel":
        other, codes = create_panel(tmp_path / "other", "network_migration", seed=31337, candidates=CANDIDATES[:1],
                                    panel_id="itpm-panel-1")
        model = signed_in(other, codes["ann"])
        play(model)
        panel, path = _copy_panel_log(day, tmp_path)
        path.write_bytes(model.session.log_path.read_bytes())
        signature_path(path).write_bytes(signature_path(model.session.log_path).read_bytes())
    else:
        edit = {"edited decision": decision, "edited outcome": cost, "edited and re-signed": cost}.get(case)
        key = {"another secret": stranger, "edited and re-signed": None}.get(case)
        panel, path = _copy_panel_log(day, tmp_path, edit, key, sign=case != "unsigned")
        if case == "edited and re-signed":  # only someone holding this panel's secret could do this
            panel.key.sign_file(path)
    found = check(panel, path)
    assert found.status == status and reason in found.reason
    done = write_reports(panel.root, band_runs=0)
    row = done["table"].set_index("candidate").loc["ann"]
    assert row["status"] == status and reason in row["reason"] and pd.isna(row["rubric total"])
    html = (panel.reports / "ann.report.html").read_text()
    assert "Not scored" in html and "Rubric" not in html


def test_a_copy_of_a_log_beside_the_real_one_is_a_duplicate_and_never_scored(day, tmp_path):
    panel, path = _copy_panel_log(day, tmp_path)
    copy = path.with_name("copy-of-ann.session.json")
    copy.write_bytes(path.read_bytes())
    signature_path(copy).write_text(signature_path(path).read_text().replace(path.name, copy.name))
    mine, others = check_all(panel)
    assert mine["ann"].status == "verified"
    assert [(o.path.name, o.status) for o in others] == [(copy.name, "tampered")]  # the signature names the real file
    panel.key.sign_file(copy)
    assert check_all(panel)[1][0].status == "duplicate"


def test_the_verify_command_exits_1_when_a_log_is_flagged(day, cli, tmp_path):
    assert cli("panel", "verify", str(day["root"])).returncode == 0
    panel, _path = _copy_panel_log(day, tmp_path, sign=False)
    done = cli("panel", "verify", str(panel.root))
    assert done.returncode == 1 and "unsigned  ann: unsigned: there is no signature" in done.stdout and "1 flagged" in done.stdout


# ---------------------------------------------------------------- the time box


def test_a_one_minute_box_freezes_completes_and_the_report_says_so(tmp_path):
    root = tmp_path / "p"
    panel, codes = create_panel(root, "software_build", minutes=1, candidates=CANDIDATES)
    clock = FakeClock()
    model = signed_in(panel, codes["bob"], clock)
    play(model, weeks=2)
    clock.wait(0.5)
    play(model, weeks=1)
    clock.wait(0.6)
    model.tick()  # what the page's ticker does every second
    assert model.stage == "close" and model.session.done and model.session.frozen.stop == 3
    assert not model.decide({"type": "set_overtime", "level": 0.1}, "too late") and "Time is up" in model.message
    with pytest.raises(Exception, match="lessons learned can no longer change"):
        model.lessons = "written after the time ran out"
    log = read_log(model.session.log_path)
    assert log.finished and log.frozen.reason == "the 1-minute time box ran out" and panel.key.check(model.session.log_path) == ""
    done = write_reports(root, band_runs=0)
    row = done["table"].set_index("candidate").loc["bob"]
    interval = model.session.project.p.decisions.status_interval
    assert row["status"] == "verified" and row["weeks played"] == round(log.frozen.day / interval, 1) == 3.0
    assert row["weeks frozen"] == round((log.outcome.finish_day - log.frozen.day) / interval, 1) > 0
    html = " ".join((root / "reports" / "bob.report.html").read_text().split())
    assert "<b>The time box ran out</b> on working day 15" in html and "the candidate played 3.0 weeks" in html
    assert f"the remaining {row['weeks frozen']:.1f} weeks ran frozen" in html
    events = [a.event for a in read_record(panel.sessions / ATTEMPTS_FILE, panel.key)[0]]
    assert events == ["start", "time up"]


def test_a_box_that_ran_out_with_no_page_open_is_closed_where_the_candidate_stopped(tmp_path):
    root = tmp_path / "p"
    panel, codes = create_panel(root, "network_migration", minutes=30, candidates=CANDIDATES[:1])
    clock = FakeClock()
    model = signed_in(panel, codes["ann"], clock)
    play(model, weeks=2)
    stops = model.session.stops
    assert close_expired(panel, clock.now + dt.timedelta(minutes=29)) == []  # still running
    assert close_expired(panel, clock.now + dt.timedelta(minutes=31)) == ["ann"]
    log = read_log(model.session.log_path)
    assert log.finished and log.frozen.stop == stops and panel.key.check(model.session.log_path) == ""
    assert check(panel, model.session.log_path).status == "verified"
    last = read_record(panel.sessions / ATTEMPTS_FILE, panel.key)[0][-1]
    assert (last.event, last.origin) == ("time up", "panel report") and "no page had the session open" in last.detail


# ---------------------------------------------------------------- the rubric and the reports


def test_the_rubric_measures_by_hand(tmp_path):
    session = Session(World.from_file("software_build"), 5)
    session.run(make_policy("passive"))
    m = measure(session)
    assert m.scores["risk"] == 0.0 and m.risk_value == 0.0  # no risk decision: nothing avoided
    assert m.scores["change"] == 0.0 and m.changes and all(not c["by_you"] for c in m.changes)  # every request left to default
    assert m.scores["monitoring"] == 0.0 and len(m.slips) > 0
    assert m.scores["closure"] == 62.5  # closed, no lessons: the middle of fair
    weights = {k: 0.0 for k in DUTY_KEYS} | {"planning": 3.0, "quality": 1.0}
    assert m.total(weights) == pytest.approx((3 * m.scores["planning"] + m.scores["quality"]) / 4)
    with_lessons = measure(session, "Plan the cutover earlier.")
    assert with_lessons.scores["closure"] == (100.0 if session.project.finished is not None else 62.5)


def test_the_report_escapes_what_people_wrote_and_prints_on_a4_and_letter(day):
    done = write_reports(day["root"], band_runs=4)
    reports = day["panel"].reports
    html = (reports / "ann.report.html").read_text()
    assert "<script>" not in html and "Ann &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Lee" in html
    assert "keeps the plan &lt;b&gt;safe&lt;/b&gt;" in html and "Escalate the &lt;carrier&gt; early." in html
    assert "@page" in html and "@media print" in html and "break-inside: avoid" in html
    for part in ("Headline", "Rubric", "Score against the reference PM", "Timeline of decisions", "Time used",
                 "Follow-up questions for the interview", "Attempt record"):
        assert f"<h2>{part}</h2>" in html
    assert len(re.findall(r"<li>", html.split("Follow-up questions")[1].split("</ol>")[0])) == 5
    assert "31337" not in html.replace("itpm-panel-1", "")  # the seed stays in the panel's files
    table = pd.read_csv(reports / "comparison.csv")
    assert table["candidate"].tolist() == ["ann", "bob"] and table["status"].tolist() == ["verified", "absent"]
    assert set(DUTY_KEYS) <= {c for c in done["table"].columns} | set(DUTY_KEYS) and "Control changes" in table.columns
    assert table.loc[0, "rubric total"] == pytest.approx(done["table"].loc[0, "rubric total"])
    comparison = " ".join((reports / "comparison.html").read_text().split())
    assert "<script>" not in comparison and "Ann &lt;script&gt;" in comparison
    refused = [a for a in read_record(day["panel"].sessions / ATTEMPTS_FILE, day["panel"].key)[0] if a.event == "refused"]
    assert f"Wrong access codes entered: {len(refused)}" in comparison


def _widget_text() -> str:
    """The state of every live widget, as the browser would receive it."""
    import ipywidgets as w

    instances = getattr(w.widgets.widget, "_instances", None) or w.Widget.widgets
    return json.dumps([x.get_state() for x in list(instances.values())], default=str)


def test_the_candidate_app_never_holds_the_seed_the_folder_or_other_candidates(tmp_path):
    import ipywidgets as w

    from sim.ui.candidate import CandidateApp

    w.Widget.close_all()  # a kernel holds only this app's widgets, not those of earlier tests in this process
    root = tmp_path / "panel-FOLDERMARK"
    panel, codes = create_panel(root, "network_migration", seed=8_765_432_198_765_432, minutes=30,
                                candidates=[{"id": "ann", "name": "Ann"}, {"id": "bob", "name": "Bob OTHERMARK"}])
    clock = FakeClock()
    app = CandidateApp(CandidateModel(panel, origin="kernel-1", clock=clock))
    model = app.model
    seen_stages = []
    model.observe(lambda change: seen_stages.append(model.stage), "report")
    texts = [_widget_text()]
    assert app.choose is not None and "OTHERMARK" not in texts[0] and "bob" not in texts[0]
    app.choose.code.value = codes["ann"]
    app.choose.enter.click()
    assert app.choose.code.value == "" and "Signed in as <b>Ann</b>" in app.choose.welcome.value
    texts.append(_widget_text())
    app.choose.start.click()
    play(model, weeks=2)
    texts.append(_widget_text())
    seen_stages.clear()
    clock.wait(31)
    model.tick()
    assert model.stage == "close" and seen_stages == ["close"]  # the final report came once the dashboard was gone
    texts.append(_widget_text())
    assert app.close.lessons.disabled and "handed in to the panel" in texts[-1]
    for text in texts:
        for hidden in ("8765432198765432", "FOLDERMARK", "OTHERMARK", panel.key.secret.hex(), codes["bob"], "sessions/"):
            assert hidden not in text

"""Play whole scenarios through the app's widgets, headless: set ``.value``, ``.click()``, check the state."""

from __future__ import annotations

import pytest

from sim.engine import read_log
from sim.results import store
from sim.ui import play


def _start(tmp_path, **fixed):
    app = play(save_dir=tmp_path, **fixed)
    app.choose.start.click()
    assert app.model.stage == "plan", app.model.message
    return app


def _commit(app):
    app.plan.commit.click()
    assert app.model.stage == "execute", app.model.message
    return app.execute


def test_choose_stage_shows_the_briefing_of_the_chosen_world(tmp_path):
    app = play(save_dir=tmp_path)
    view = app.choose
    view.scenario.value = "cloud_rollout"
    assert app.model.scenario == "cloud_rollout"
    first = view.briefing.value
    assert "<h2>Objectives</h2>" in first
    view.scenario.value = "network_migration"
    assert view.briefing.value != first and "Network Refresh 2027 at Veldkamp Foodservice" in view.table.value
    assert "<th>id</th>" not in view.table.value and "EUR 1,015,000" in view.table.value  # titles, and money as written
    assert view.briefing.value.count("<h1>") == 1 and "<h1>Network Refresh 2027 — Veldkamp" in view.briefing.value
    assert "Mon 1 Feb 2027" in view.table.value and "2027-02-01" not in view.table.value  # the app's date format
    assert "<h1>Leaving Harbour Lane" in first  # a briefing without a title of its own gets the scenario's
    view.seed.value = 11
    view.difficulty.value = "hard"
    view.start.click()
    assert (app.model.stage, app.model.seed, app.model.difficulty) == ("plan", 11, "hard")
    assert app.choose is None and app.plan is not None


def test_instructor_fixed_settings_cannot_be_changed(tmp_path):
    app = play(scenario="network_migration", seed=1234, save_dir=tmp_path)
    assert app.choose.seed.disabled and app.choose.scenario.disabled and not app.choose.difficulty.disabled
    assert app.choose.seed.value == 1234
    assert "fixed: scenario, seed" in app.choose.fixed_note.value


def _from_browser(widget, method: str = "update", **data) -> None:
    """A message on the widget's comm, as the frontend (or a client that tampers with it) sends one."""
    widget._handle_msg({"content": {"data": {"method": method, **data}}, "buffers": []})


def test_a_tampering_browser_cannot_change_what_the_instructor_fixed(tmp_path):
    app = play(scenario="network_migration", difficulty="hard", seed=1234, save_dir=tmp_path)
    view = app.choose
    other = next(i for i, (_, value) in enumerate(view.scenario.options) if value == "cloud_rollout")
    for widget, state in ((view.scenario, {"index": other}), (view.difficulty, {"index": 0}), (view.seed, {"value": 99})):
        _from_browser(widget, state={"disabled": False})
        _from_browser(widget, state=state, buffer_paths=[])
    assert (view.scenario.value, view.difficulty.value, view.seed.value) == ("cloud_rollout", "easy", 99)  # what it shows
    assert (app.model.scenario, app.model.difficulty, app.model.seed) == ("network_migration", "hard", 1234)
    _from_browser(view.start, "custom", content={"event": "click"})
    session = app.model.session
    assert app.model.stage == "plan", app.model.message
    assert (session.world.scenario.id, session.world.difficulty, session.seed) == ("network_migration", "hard", 1234)
    log = read_log(session.log_path)
    assert (log.scenario.id, log.difficulty, log.seed) == ("network_migration", "hard", 1234)


def test_plan_stage_edits_the_draft_and_forecasts_it(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=2)
    view, draft = app.plan, app.model.draft
    assert "PERT" in view.wbs.value and "◆" in view.wbs.value
    profile = next(iter(view.hires))
    view.hires[profile].value = 1
    view.communication.value = 14  # whole percents, as typed into the readout
    view.reserve.value = view.reserve.value - 10_000  # the sponsor caps the reserve at what the register justifies
    key = next(iter(view.responses))
    heat = view.heat.value
    view.responses[key].value = True
    view.team_why.value = "cover the survey peak"
    assert draft.hires == {profile: 1} and draft.communication == 0.14 and draft.responses == [key]
    assert view.heat.value != heat  # the heat map shows the response bought
    assert "Forecast it" in view.forecast_text.value
    view.forecast_button.click()
    text = view.forecast_text.value
    assert "P50" in text and "P80" in text and "on time" in text and "2027" in text
    assert view.forecast_chart.value and view.forecast_chart.layout.display == "block"
    assert "changed since" not in text
    view.quality.value = 20
    assert "changed since" in view.forecast_text.value
    execute = _commit(app)
    log = read_log(app.model.session.log_path).decisions
    assert [e.decision.type for e in log] == ["hire", "set_reserve", "set_communication", "set_quality", "buy_response"]
    assert log[0].decision.rationale == "cover the survey peak"
    assert execute.dashboard.headline.value


def test_week_by_week_decisions_and_requests(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    execute = _commit(app)
    board = execute.dashboard
    headline, kpis, gantt = board.headline.value, board.kpis.value, board.images["Schedule"].value
    execute.advance.click()
    execute.advance_below.click()
    assert app.model.report.day == 10
    assert "Week 2" in board.headline.value and board.headline.value != headline
    assert board.kpis.value != kpis and board.images["Schedule"].value != gantt

    panel = execute.panel
    panel.overtime.value = 15
    panel.pace_why.value = "recover the survey slip"
    panel.apply_pace.click()
    assert not app.model.error, app.model.message
    last = read_log(app.model.session.log_path).decisions[-1]
    assert last.decision.model_dump() == {"type": "set_overtime", "level": 0.15, "rationale": "recover the survey slip"}
    assert panel.pace_why.value == "" and app.model.report.settings["overtime"] == 0.15

    panel.task.value = next(t["id"] for t in app.model.report.tasks if t["scope"] == "must" and t["state"] != "done")
    panel.cut.click()
    assert app.model.error and "must-have" in app.model.message
    assert "⚠" in execute.message.value and "must-have" in execute.message.value

    panel.hire.click()  # the first profile on offer
    assert not app.model.error, app.model.message
    assert read_log(app.model.session.log_path).decisions[-1].decision.type == "hire"
    assert app.model.report.arrivals

    for index, name in enumerate(board.tabs.titles):  # each chart is drawn when its tab is opened
        board.tabs.selected_index = index
        assert bytes(board.images[name].value).startswith(b"\x89PNG"), name
    while not app.model.report.requests:
        execute.advance.click()
    request = app.model.report.requests[0]
    choice, why, go = execute.requests.forms[request["id"]]
    choice.value = choice.options[-1][1]
    why.value = "answering on time"
    go.click()
    assert not app.model.error, app.model.message
    entry = read_log(app.model.session.log_path).decisions[-1].decision
    assert entry.model_dump() == {"type": "choose", "request": request["id"], "option": choice.options[-1][1], "rationale": "answering on time"}
    assert request["id"] not in execute.requests.forms

    while app.model.report.reason != "event":  # an event's stop: the headline asks until it is answered
        execute.advance.click()
    assert board.headline.value.endswith("· an event needs your decision</div>"), board.headline.value
    for request in app.model.report.requests:
        choice, why, go = execute.requests.forms[request["id"]]
        go.click()
    assert not app.model.report.requests and "needs your decision" not in board.headline.value
    assert board.headline.value.endswith("· an event, answered</div>"), board.headline.value


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """An app played to the end through the widgets, answering every request with its default."""
    folder = tmp_path_factory.mktemp("finished")
    app = _start(folder, scenario="network_migration", seed=4)
    app.plan.quality.value = 12
    execute = _commit(app)
    for _ in range(200):
        if app.model.stage != "execute":
            break
        for form in list(execute.requests.forms.values()):
            form[2].click()
        execute.advance.click()
    return app


def test_close_stage_shows_the_debrief_and_keeps_the_lessons(finished):
    app = finished
    assert app.model.stage == "close" and app.model.session.done
    view = app.close
    assert "reference PM" in view.scores.value and f"{app.model.debrief.scorecard.total:.1f}" in view.scores.value
    assert view.score_chart.value
    assert "What your decisions did" in view.explained.value and "Your duties as PM" in view.explained.value
    assert "Every decision" in view.details.value and "Quality effort set to 12%" in view.details.value
    assert "Closure" in view.closure.value or "task" in view.closure.value
    assert "no lessons learned written yet" in view.explained.value
    view.lessons.value = "Order the long-lead hardware in week one."
    assert "lessons learned written." in view.explained.value  # the duty table reads them at once, not on export
    assert "no lessons learned written yet" not in view.explained.value
    notes = store.read_notes(app.model.session.log_path)
    assert notes["lessons"] == "Order the long-lead hardware in week one."
    view.export.click()
    assert not app.model.error, app.model.message
    report = next(app.model.session.log_path.parent.glob("*.report.html")).read_text()
    assert "Order the long-lead hardware in week one." in report
    assert "data:text/html;base64," in view.download.value


def test_reopening_offers_to_resume_the_finished_session(finished):
    folder = finished.model.session.log_path.parent
    again = play(save_dir=folder)
    view = again.choose
    assert view.resume_box.layout.display == "flex"
    assert "finished" in view.saved.options[0][0]
    view.resume.click()
    assert again.model.stage == "close"
    assert again.close.lessons.value == finished.model.lessons


@pytest.mark.parametrize("granted", [False, True])
def test_the_sponsors_no_reads_as_a_warning_and_a_yes_as_done(tmp_path, monkeypatch, granted):
    from sim.engine import pm

    app = _commit(_start(tmp_path, scenario="network_migration", seed=1))
    monkeypatch.setattr(pm, "_sponsor_answer", lambda project: granted)
    assert app.model.decide({"type": "request_budget", "amount": 20_000})
    assert app.model.error is not granted
    assert app.model.message.startswith(f"The sponsor {'granted' if granted else 'refused'} EUR 20,000 more budget")


@pytest.mark.parametrize(("typed", "reserve"), [("30000", 30_000), ("30,000", 30_000), ("EUR 25,000", 25_000), ("25k", 25_000),
                                                 (" eur 0 ", 0)])
def test_the_reserve_reads_an_amount_as_a_trainee_types_it(tmp_path, typed, reserve):
    plan = _start(tmp_path, scenario="network_migration", seed=1).plan
    plan.reserve_text.value = typed
    assert plan.draft.reserve == reserve and plan.reserve.value == reserve
    assert plan.reserve_text.value == f"{reserve:,.0f}" and not plan.model.error


@pytest.mark.parametrize(("typed", "said"), [("thirty", "'thirty' is not an amount: type it as 30000, 30,000, EUR 30,000 or 30k"),
                                             ("-5", "'-5' is not an amount of money (expected 0 or more)"),
                                             ("1M", "the sponsor agrees to a reserve of at most EUR ")])
def test_a_reserve_that_cannot_be_read_is_refused_with_why(tmp_path, typed, said):
    plan = _start(tmp_path, scenario="network_migration", seed=1).plan
    before = plan.draft.reserve
    plan.reserve_text.value = typed
    assert plan.draft.reserve == before and plan.reserve_text.value == f"{before:,.0f}"
    assert plan.model.error and plan.model.message.startswith(f"Reserve not changed: {said}")


def test_the_plan_lists_its_work_by_number_and_names_no_id(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    wbs = app.plan.wbs.value
    scenario = app.model.world.scenario
    assert "depends on (#)" in wbs and not any(f">{t.id}<" in wbs or f"{t.id}," in wbs for t in scenario.tasks)
    milestone = next(t for t in scenario.tasks if t.kind == "milestone" and t.depends_on)
    row = wbs.split(f"{milestone.name}</td>")[1].split("</tr>")[0]
    assert "–" not in row  # a milestone has one date, not a range that ends before it starts


def test_the_decision_panel_offers_nothing_to_buy_that_does_nothing_and_preselects_nobody(tmp_path):
    panel = _commit(_start(tmp_path, scenario="network_migration", seed=1)).panel
    assert panel.release_person.value == "" and panel.release_person.label == "— choose who to release —"
    assert panel.response.options and not any("(EUR 0)" in label for label, _ in panel.response.options)
    panel.release.click()
    assert panel.model.error and panel.model.message == "Choose what the decision applies to first."

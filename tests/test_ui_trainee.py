"""The trainee app's second pass (issue 14): each fix tested against what the trainee sees, with hand-computed values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.engine import Session, World
from sim.policies import DecisionPlan, expected_saving
from sim.results.debrief import corrections, make_debrief
from sim.results.words import describe_decision, names
from sim.ui import play
from sim.ui.parts import percent, share


def _start(tmp_path, **fixed):
    app = play(save_dir=tmp_path, **fixed)
    app.choose.start.click()
    assert app.model.stage == "plan", app.model.message
    return app


# ---------------------------------------------------------------- 1. the plan's risk register


def test_expected_saving_by_hand():
    """Chance 30%, rough impact EUR 10,000: a response cutting the chance to 40% of it avoids 0.3 · 10,000 · 0.6."""
    assert expected_saving({"probability_factor": 0.4, "impact_factor": 1.0}, 10_000, 0.3) == pytest.approx(1_800)
    assert expected_saving({"probability_factor": 1.0, "impact_factor": 0.5}, 10_000, 0.3) == pytest.approx(1_500)


def test_plan_risk_register_shows_every_response_whole_with_its_cost_and_saving(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=2)
    view = app.plan
    risks = view.tabs.children[3]
    register = next(c for c in risks.children if "itpm-risk-register" in c._dom_classes)
    blocks = register.children
    assert len(blocks) == len(app.model.report.risks)
    for block in blocks:  # natural height: a squeezed block grew its own scrollbar and hid its checkboxes
        assert block.layout.flex == "0 0 auto"
        assert all(row.layout.flex == "0 0 auto" for row in block.children)
    tac = view.responses["R-FIRMWARE/RSP-FW-TAC"]
    row = next(r for b in blocks for r in b.children[1:] if r.children[0] is tac)
    text = row.children[1].value
    assert "costs EUR 14,000" in text and "halves the impact" in text and "expected loss avoided EUR" in text
    assert "R-FIRMWARE/RSP-FW-ACCEPT" not in view.responses  # accepting is not something to buy
    head = blocks[[r["id"] for r in app.model.report.risks].index("R-FIRMWARE")].children[0].value
    assert "R-FIRMWARE" not in head and "STAGE-SW" not in head  # names, not ids
    tac.value = True
    assert app.model.draft.responses == ["R-FIRMWARE/RSP-FW-TAC"]


# ---------------------------------------------------------------- 4. typing a percent


def test_percent_conversions():
    assert percent(0.1) == 10 and share(10) == 0.1 and percent(0.075) == 8


def test_pace_sliders_are_whole_percents_and_apply_as_shares(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.commit.click()
    panel = app.execute.panel
    assert (panel.overtime.min, panel.overtime.max, panel.overtime.step) == (0, 50, 1)  # 0-50%: "10" reads as 10%
    assert "itpm-percent" in panel.overtime._dom_classes  # the % sign drawn beside the readout
    panel.overtime.value = 10
    panel.apply_pace.click()
    assert not app.model.error, app.model.message
    assert app.model.report.settings["overtime"] == 0.1
    assert app.model.session.decisions[-1]["decision"]["level"] == 0.1


# ---------------------------------------------------------------- 5. debrief attributions


def test_a_correction_is_compared_with_never_making_the_change():
    entries = ({"day": 5, "decision": {"type": "set_overtime", "level": 0.5}},
               {"day": 6, "decision": {"type": "hire", "profile": "x"}},
               {"day": 10, "decision": {"type": "set_overtime", "level": 0.1}},
               {"day": 15, "decision": {"type": "set_overtime", "level": 0.2}})
    assert corrections(entries, {"overtime": 0.1, "communication": 0.1, "quality": 0.1}) == {2: 0}
    assert corrections(entries, {"overtime": 0.0, "communication": 0.1, "quality": 0.1}) == {}


def test_debrief_credits_a_correction_against_the_level_before_the_mistake():
    world = World.from_file("software_build", "standard")
    session = Session(world, 3)
    session.decide({"type": "set_overtime", "level": 0.5})
    for _ in range(2):
        session.advance()
    session.decide({"type": "set_overtime", "level": 0.0})
    while not session.done:
        session.advance()
    d = make_debrief(session)
    fix = d.decisions.iloc[1]
    plain = Session(world, 3)
    plain.run(DecisionPlan([]))
    from sim.engine import scorecard
    assert fix["score_effect"] == pytest.approx(d.scorecard.total - scorecard(plain.project).total)
    assert fix["compared"].startswith("never making the change made before the start")
    assert "against never making the change made before the start" in d.to_markdown()


def test_the_duty_table_reads_lessons_as_soon_as_they_are_written():
    world = World.from_file("software_build", "easy")
    session = Session(world, 1)
    while not session.done:
        session.advance()
    d = make_debrief(session)
    closure = next(x for x in d.duties if x["key"] == "closure")
    assert "no lessons learned written yet" in closure["evidence"]
    later = d.with_lessons("Order early.")
    assert "lessons learned written." in next(x for x in later.duties if x["key"] == "closure")["evidence"]
    assert "Order early." in later.to_markdown() and later.scorecard is d.scorecard  # no re-run


def test_an_answer_waits_for_its_request_to_open():
    """Replayed without an earlier decision, a request may open later: its answer must still be given to it."""
    plan = DecisionPlan([{"day": 5, "decision": {"type": "choose", "request": "event:X", "option": "reject"}},
                         {"day": 5, "decision": {"type": "set_overtime", "level": 0.1}}])
    first = plan(SimpleNamespace(day=5, requests=[]))
    assert [d.type for d in first] == ["set_overtime"]
    assert plan(SimpleNamespace(day=10, requests=[{"id": "event:Y"}])) == []
    later = plan(SimpleNamespace(day=15, requests=[{"id": "event:X"}]))
    assert [(d.type, d.request, d.option) for d in later] == [("choose", "event:X", "reject")]


def test_decisions_read_as_sentences_with_names():
    world = World.from_file("network_migration", "standard")
    named = names(world)
    assert describe_decision({"type": "set_overtime", "level": 0.1}, named, "EUR") == "Overtime set to 10%"
    assert (describe_decision({"type": "choose", "request": "risk:R-FIRMWARE", "option": "RSP-FW-TAC"}, named, "EUR")
            == "“Firmware bug found during staging (stacking or PoE)”: transfer: "
               "Buy premium vendor support with a resident engineer during staging.")
    assert describe_decision({"type": "request_budget", "amount": 5000}, named, "EUR") == \
        "Ask the sponsor for EUR 5,000 more budget"


# ---------------------------------------------------------------- 6. one-option "decisions" are news


def test_a_request_with_one_option_is_news_not_a_stop():
    """R-SCOPE-BRANCH has no response that acts once it strikes: only "Accept the impact" is left."""
    world = World.from_file("network_migration", "standard")
    hits = 0
    for seed in range(6):
        session = Session(world, seed)
        seen = []
        while not session.done:
            report = session.advance()
            assert all(len(q["options"]) > 1 for q in report.requests)
            assert report.reason != "risk" or report.requests
            seen += report.news
        if session.project.risks["R-SCOPE-BRANCH"].hit:
            hits += 1
            assert any(text.startswith("Depot managers add ports") and "Accept the impact" in text for text in seen)
    assert hits  # the case happened in these seeds


# ---------------------------------------------------------------- 2. a struck risk's request, and the play screen


def test_a_struck_risks_request_lists_what_still_acts_with_the_cost_of_accepting(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.commit.click()
    execute = app.execute
    while app.model.stage == "execute":
        risk = next((q for q in app.model.report.requests if q["kind"] == "risk"), None)
        if risk is not None:
            break
        for form in list(execute.requests.forms.values()):
            form[2].click()
        execute.advance.click()
    assert risk is not None, "no risk request in this game"
    choice = execute.requests.forms[risk["id"]][0]
    labels = dict((v, k) for k, v in choice.options)
    accept = next(o for o in risk["options"] if o["id"] == "accept")
    assert labels["accept"] == f"Accept the impact (impact worth about EUR {accept['loss']:,.0f})"
    for option in risk["options"][1:]:
        assert f"costs EUR {option['cost']:,.0f}, impact worth about EUR {option['loss']:,.0f}" in labels[option["id"]]
        assert option["loss"] < accept["loss"]  # only what still acts on the impact is offered


def test_an_open_requests_chosen_option_and_rationale_survive_another_decision(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.commit.click()
    execute = app.execute
    while app.model.stage == "execute" and not app.model.report.requests:
        execute.advance.click()
    request = app.model.report.requests[0]
    choice, why, _go = execute.requests.forms[request["id"]]
    other = next(v for _, v in choice.options if v != request["default"])
    choice.value, why.value = other, "Half typed, then I looked at the team"
    execute.panel.overtime.value = 10  # another decision first: a new report, and the forms are drawn again
    execute.panel.apply_pace.click()
    assert app.model.report.settings["overtime"] == 0.1, app.model.message
    choice, why, _go = execute.requests.forms[request["id"]]
    assert (choice.value, why.value) == (other, "Half typed, then I looked at the team")


def test_the_decision_log_cut_and_release_controls(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.communication.value = 12
    app.plan.commit.click()
    execute = app.execute
    assert "Your decisions so far (1)" in execute.log.value and "Communication effort set to 12%" in execute.log.value
    panel = execute.panel
    assert panel.release_person.value == "" and panel.release_person.label.startswith("— choose")  # nobody pre-selected
    panel.release.click()
    assert app.model.error and "Choose" in app.model.message
    must = next(t for t in app.model.report.tasks if t["scope"] == "must" and t["state"] != "done")
    could = next(t for t in app.model.report.tasks if t["scope"] != "must" and t["state"] != "done")
    panel.task.value = must["id"]
    assert panel.cut.disabled and panel.restore.disabled
    panel.task.value = could["id"]
    assert not panel.cut.disabled
    panel.scope_why.value = "not needed for go-live"
    panel.cut.click()
    assert not app.model.error, app.model.message
    assert panel.cut.disabled and not panel.restore.disabled  # now it can be brought back
    assert f"Cut {could['name']}" in execute.log.value and "not needed for go-live" in execute.log.value
    panel.restore.click()
    assert not app.model.error, app.model.message
    assert execute.log.value.index(f"Restore {could['name']}") < execute.log.value.index(f"Cut {could['name']}")  # newest first


# ---------------------------------------------------------------- the dashboard at a glance


def test_progress_is_earned_value_over_bac_and_agrees_with_spi(tmp_path):
    from sim.ui.dashboard import progress_shares, rag_index

    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.commit.click()
    execute = app.execute
    for _ in range(8):
        execute.advance.click()
    r = app.model.report
    earned, planned = progress_shares(app.model.world.baseline, r)
    assert earned / planned == pytest.approx(r.spi)  # the two say the same thing
    kpis = execute.dashboard.kpis.value
    assert f"{100 * earned:.1f}%" in kpis and f"plan {100 * planned:.1f}%" in kpis
    assert "earned value / budget at completion" in kpis  # the definition, as a tooltip
    assert (rag_index(0.95), rag_index(0.9), rag_index(0.84)) == ("green", "amber", "red")
    assert f"itpm-{rag_index(r.spi)}" in kpis and "Finish at today&#x27;s pace" in kpis


# ---------------------------------------------------------------- 3. which task a risk is about


def test_the_plan_and_the_register_say_which_task_a_risk_is_about(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    risks = app.plan.tabs.children[3]
    register = next(c for c in risks.children if "itpm-risk-register" in c._dom_classes)
    firmware = next(b for b in register.children if "Firmware bug" in b.children[0].value).children[0].value
    assert "only while <b>Stage, upgrade firmware and configure the switches</b> runs" in firmware
    app.plan.commit.click()
    board = app.execute.dashboard
    text = board.register.value
    assert "Stage, upgrade firmware and configure the switches (waiting)" in text
    assert text.count("<tr>") == len(app.model.report.risks) + 1


# ---------------------------------------------------------------- layout: no label's tooltip reads "null"


def _described_without_tooltip(widget, found: list) -> list:
    """Every labelled widget in the tree with no tooltip: ipywidgets 8 writes its tooltip into the label's title, so
    a missing one showed "null" when the trainee pointed at the label."""
    from ipywidgets.widgets.widget_description import DescriptionWidget

    if isinstance(widget, DescriptionWidget) and widget.description and widget.tooltip is None:
        found.append(widget.description)
    for child in getattr(widget, "children", ()):
        _described_without_tooltip(child, found)
    return found


def test_every_labelled_control_of_every_stage_has_a_tooltip(tmp_path):
    from sim.ui.author import workbench

    app = play(save_dir=tmp_path, scenario="network_migration", seed=1)
    assert _described_without_tooltip(app.widget, []) == []  # choose: Scenario, Difficulty, Seed, Saved
    app.choose.start.click()
    assert _described_without_tooltip(app.widget, []) == []  # plan: Release, Reserve, Quality, ...
    app.plan.commit.click()
    assert app.model.stage == "execute", app.model.message
    seen = set()
    while app.model.stage == "execute" and not (seen >= {"risk", "event"}):
        seen |= {q["kind"] for q in app.model.report.requests}
        assert _described_without_tooltip(app.widget, []) == []  # the panel: Profile, Person, Response, Task, Amount, ...
        app.execute.advance.click()
    assert seen >= {"risk", "event"}, "the request forms were checked"
    assert _described_without_tooltip(workbench(folder=tmp_path).widget, []) == []


def test_the_panel_sells_no_response_to_a_risk_that_can_no_longer_strike(tmp_path):
    app = _start(tmp_path, scenario="network_migration", seed=1)
    app.plan.commit.click()
    offered = {v.split("/")[0] for _, v in app.execute.panel.response.options}
    assert "R-PRICE-RISE" in offered  # at the start: the price rise (days 12 to 35) is for sale
    while app.model.stage == "execute" and app.model.report.day < 40:
        for form in list(app.execute.requests.forms.values()):
            form[2].click()
        app.execute.advance.click()
    offered = {v.split("/")[0] for _, v in app.execute.panel.response.options}
    assert "R-PRICE-RISE" not in offered and offered  # its window is over; others are still for sale
    price = next(x for x in app.model.report.risks if x["id"] == "R-PRICE-RISE")
    register = app.execute.dashboard.register.value
    row = register[register.index("Hardware prices rise"):].split("</tr>")[0]
    assert ("has hit" if price["hit"] else "can no longer strike") in row, row

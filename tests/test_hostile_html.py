"""Stored script injection: every text a user wrote (scenario texts, rationales, lessons) is shown, never run,
in every HTML the kit writes: the reports and every widget of the app."""

from __future__ import annotations

import itertools
import json
import re

import ipywidgets as w
import pytest
from hostile.markup import MARK, PAYLOADS, dangers
from hostile.scenarios import with_hostile_texts

from sim.engine import Session, World
from sim.policies import make_policy
from sim.results import markup, store
from sim.results.debrief import make_debrief
from sim.results.report import html_report, study_report
from sim.ui import play
from sim.ui.text import CSS, markdown

APP_CSS = (CSS.strip().removeprefix("<style>").removesuffix("</style>"),)


def _report_css(page: str) -> tuple[str, ...]:
    """The report template's own style sheet (the first <style> of the page, written before any user text)."""
    return (re.search(r"<style>(.*?)</style>", page, re.S).group(1),)


def _rationales(policy):
    """``policy`` with a hostile payload as the rationale of every decision."""
    payloads = itertools.cycle(PAYLOADS)
    return lambda report: [d.model_copy(update={"rationale": next(payloads)[:500]}) for d in policy(report)]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return with_hostile_texts("network_migration", tmp_path_factory.mktemp("hostile") / "hostile.yaml")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_markdown_renders_no_html_of_its_own(payload):
    for html in (markup.render(payload), markdown(payload), markup.render(markup.literal(payload))):
        assert dangers(html) == [], html
        assert MARK in html
    assert "\n" not in markup.literal(payload)


def test_the_session_report_shows_every_hostile_text_and_runs_none(hostile, tmp_path, cli):
    log = tmp_path / "s.session.json"
    session = Session(World.from_file(hostile), 3, log)
    session.run(_rationales(make_policy("reference")))
    lessons = "\n\n".join(PAYLOADS)
    page = html_report(session, make_debrief(session, lessons=lessons))
    assert dangers(page, _report_css(page)) == []
    assert page.count(MARK) > 20  # the texts are there, escaped
    assert "&lt;script&gt;alert(&#x27;PWNED&#x27;)&lt;/script&gt;" in page or "&lt;script&gt;alert('PWNED')&lt;/script&gt;" in page
    store.write_notes(log, {"lessons": lessons})
    out = tmp_path / "r.html"
    result = cli("report", str(log), "--html", str(out), "--scenario", str(hostile))
    assert result.returncode == 0, result.stderr
    written = out.read_text()
    assert dangers(written, _report_css(written)) == [] and written.count(MARK) > 20


def test_the_study_report_runs_no_text_it_is_given(hostile, tmp_path, cli):
    folder = tmp_path / "mc"
    assert cli("montecarlo", str(hostile), "--runs", "6", "--out", str(folder)).returncode == 0
    out = tmp_path / "mc.html"
    result = cli("report", str(folder), "--html", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert dangers(page, _report_css(page)) == []
    from sim.results import studies

    runs, summary = studies.read(folder)
    runs.attrs["scenario"] = PAYLOADS[0]
    page = study_report(runs, summary.deadline_day, summary.budget, PAYLOADS[1])
    assert dangers(page, _report_css(page)) == [] and "&lt;script&gt;alert(" in page


def _html_of(widget) -> list[str]:
    """The HTML every widget in the tree renders (and no widget may render its description as HTML)."""
    assert not getattr(widget, "description_allow_html", False), widget
    out = [widget.value] if isinstance(widget, (w.HTML, w.HTMLMath)) else []
    for child in getattr(widget, "children", ()):
        out += _html_of(child)
    return out


def _check(app) -> int:
    pages = _html_of(app.widget)
    for page in pages:
        assert dangers(page, APP_CSS) == [], page[:300]
    return sum(page.count(MARK) for page in pages)


def test_every_widget_of_the_app_shows_hostile_texts_and_runs_none(hostile, tmp_path):
    payloads = itertools.cycle(PAYLOADS)
    app = play(scenario=str(hostile), seed=2, save_dir=tmp_path)
    assert _check(app) >= 5  # the title, briefing and objectives
    app.choose.start.click()
    assert app.model.stage == "plan", app.model.message
    plan = app.plan
    plan.team_why.value = next(payloads)
    plan.quality.value = 0.12
    plan.forecast_button.click()
    assert _check(app) > 10  # team, market, risks and responses, the work breakdown
    plan.commit.click()
    execute = app.execute
    seen = 0
    for week in range(200):
        if app.model.stage != "execute":
            break
        if week % 10 == 0:  # every tab of the dashboard (its charts are images; the lists under them are HTML)
            for index, _ in enumerate(execute.dashboard.tabs.titles):
                execute.dashboard.tabs.selected_index = index
        seen = max(seen, _check(app))
        for _choice, why, go in list(execute.requests.forms.values()):
            why.value = next(payloads)[:500]
            go.click()
        if week % 4 == 0:
            execute.panel.pace_why.value = next(payloads)[:500]
            execute.panel.overtime.value = 0.05 if execute.panel.overtime.value != 0.05 else 0.0
            execute.panel.apply_pace.click()
            _check(app)  # the message bar after a decision
        execute.advance.click()
    assert seen > 0  # event and risk texts, news and the lists
    close = app.close
    close.lessons.value = "\n\n".join(PAYLOADS)
    close.export.click()
    assert not app.model.error, app.model.message
    assert _check(app) > 20  # the debrief with the rationales and lessons, the tables, the download link
    page = next(tmp_path.glob("*.report.html")).read_text()
    assert dangers(page, _report_css(page)) == [] and page.count(MARK) > 20


def test_the_class_handout_runs_no_scenario_text_or_title(hostile):
    from sim.classroom.pack import handout
    from sim.engine.exercise import make_exercise

    exercise = make_exercise("class", hostile, id="hostile-class", title=PAYLOADS[1], seed=3)
    page = handout(exercise)
    assert dangers(page, _report_css(page)) == [] and page.count(MARK) >= 5


def test_the_exercise_app_runs_no_title_name_or_scenario_text(hostile, tmp_path):
    from sim.engine.exercise import make_exercise, write_exercise

    roster = [{"id": f"s{i}", "name": payload[:100], "team": "red"} for i, payload in enumerate(PAYLOADS)]
    exercise = make_exercise("class", hostile, id="hostile-class", title=PAYLOADS[1], seed=3, minutes=30, roster=roster)
    app = play(exercise=write_exercise(exercise, tmp_path / "exercise.json"), save_dir=tmp_path / "sessions")
    assert _check(app) >= 3  # the title, the briefing, the roster's names in the picker's page
    view = app.choose
    view.choice.value = "s1"
    view.confirm.click()
    assert MARK in view.who.value  # the name the student picked, shown escaped
    view.start.click()
    assert app.model.stage == "plan", app.model.message
    assert _check(app) > 10


def test_the_authors_workbench_runs_no_text_of_a_draft(hostile, tmp_path):
    from sim.ui.author import Workbench

    bench = Workbench("template", tmp_path / "saved")
    css = APP_CSS + (".itpm-yaml textarea { font-family: monospace; font-size: 12px; }",)
    bench.text.value = "title: x\n" + "".join(f"{json.dumps(p)}: 1\n" for p in PAYLOADS)  # unknown keys, named back
    assert not bench.check()
    pages = _html_of(bench.widget)
    assert all(dangers(page, css) == [] for page in pages) and sum(page.count(MARK) for page in pages) >= len(PAYLOADS)
    bench.text.value = hostile.read_text("utf-8")
    bench.name.value = "hostile.yaml"
    assert bench.check(), bench.report.value[:500]
    bench.save()
    bench.name.value = PAYLOADS[0]  # saved under its last part, shown escaped
    bench.save()
    assert all(dangers(page, css) == [] for page in _html_of(bench.widget))

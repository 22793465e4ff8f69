"""The trainee app's model, draft plan and saved files, without widgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import traitlets

from sim.engine import read_log
from sim.results import store
from sim.ui.draft import substance
from sim.ui.model import PlayModel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def model(tmp_path) -> PlayModel:
    m = PlayModel(tmp_path, scenario="network_migration", seed=3)
    assert m.start(), m.message
    return m


def test_start_opens_a_saved_session_in_the_plan_stage(model, tmp_path):
    assert model.stage == "plan" and model.report.day == 0
    assert model.session.log_path.parent == tmp_path
    assert read_log(model.session.log_path).seed == 3
    assert store.read_notes(model.session.log_path)["committed"] is False


def test_draft_emits_only_what_changed_in_a_fixed_order(model):
    draft = model.draft
    assert draft.decisions() == []
    person = model.report.team[0]["id"]
    profile = model.report.market[0]["id"]
    risk = model.report.risks[0]
    draft.responses = [f"{risk['id']}/{risk['responses'][0]['id']}"]
    draft.quality = 0.15
    draft.hires = {profile: 2}
    draft.releases = [person]
    draft.rationale = {"team": "  too many\nanalysts  "}
    kinds = [d["type"] for d in draft.decisions()]
    assert kinds == ["release", "hire", "hire", "set_quality", "buy_response"]
    assert draft.decisions()[0]["rationale"] == "too many analysts"
    assert all(e["day"] == 0 for e in draft.entries())
    draft.rationale = {"team": "another reason"}
    assert substance(draft.entries()) == [{k: v for k, v in d.items() if k != "rationale"} for d in draft.decisions()]


def test_commit_is_all_or_nothing(model):
    model.draft.communication = 0.2
    model.draft.reserve = 10 * model.world.scenario.budget.budget_at_completion  # more than the sponsor agrees to
    assert not model.commit_plan()
    assert model.error and "reserve" in model.message
    assert model.stage == "plan" and model.session.decisions == []
    assert read_log(model.session.log_path).decisions == ()
    model.draft.reserve = model.world.scenario.budget.management_reserve
    assert model.commit_plan(), model.message
    assert model.stage == "execute"
    assert [e.decision.type for e in read_log(model.session.log_path).decisions] == ["set_communication"]
    assert store.read_notes(model.session.log_path)["committed"] is True


def test_refused_decision_says_why_and_changes_nothing(model):
    model.commit_plan()
    must = next(t["id"] for t in model.report.tasks if t["scope"] == "must")
    before = model.report
    assert not model.decide({"type": "cut_scope", "task": must}, "try")
    assert model.error and "must-have" in model.message
    assert model.report is before and model.session.decisions == []
    assert not model.decide({"type": "request_budget", "amount": -5})
    assert model.error and "malformed" in model.message


def test_latent_defects_stay_hidden_until_the_end(model):
    model.commit_plan()
    model.advance()
    assert "latent_defects" not in model.timeline().columns
    assert "defects_found" in model.timeline().columns


def test_forecast_summarises_the_draft_plan(model):
    model.draft.quality = 0.14
    model.run_forecast(runs=12)
    f = model.forecast
    assert f.runs == 12 and len(f.finish_days) == 12
    assert f.p50_finish <= f.p80_finish and f.p50_cost <= f.p80_cost
    assert 0 <= f.on_time <= 1 and f.limit == pytest.approx(model.report.budget + model.report.reserve)
    assert substance(f.plan) == [{"type": "set_quality", "level": 0.14}]


def test_notes_are_written_atomically_on_every_change(model):
    path = store.notes_path(model.session.log_path)
    model.draft.quality = 0.13
    assert json.loads(path.read_text())["plan"]["quality"] == 0.13
    model.lessons = "Buy the vendor response early."
    assert json.loads(path.read_text())["lessons"] == "Buy the vendor response early."
    assert not list(path.parent.glob("*.tmp"))


def test_resume_restores_session_and_notes(model, tmp_path):
    model.draft.quality = 0.12
    model.commit_plan()
    model.advance()
    model.advance()
    model.decide({"type": "set_overtime", "level": 0.1}, "short burst")
    model.lessons = "draft lesson"
    again = PlayModel(tmp_path)
    assert [s.path for s in again.saved] == [model.session.log_path]
    assert again.resume(again.saved[0].path), again.message
    assert again.stage == "execute" and again.report.day == 10
    assert again.report.settings["overtime"] == 0.1 and again.lessons == "draft lesson"
    assert (again.scenario, again.seed) == ("network_migration", 3)


def test_unreadable_notes_are_kept_aside_and_the_session_resumes(model, tmp_path):
    model.draft.quality = 0.15
    model.commit_plan()
    notes = store.notes_path(model.session.log_path)
    notes.write_text("{ not json")
    again = PlayModel(tmp_path)
    assert again.resume(model.session.log_path)
    assert again.error and "kept as" in again.message
    assert again.stage == "execute"
    assert notes.with_name(notes.name + ".unreadable").read_text() == "{ not json"


def test_unreadable_logs_are_reported_not_raised(tmp_path):
    (tmp_path / "broken.session.json").write_text("[]")
    m = PlayModel(tmp_path)
    assert m.saved == [] and m.error and "broken.session.json" in m.message
    assert not m.resume(tmp_path / "missing.session.json")
    assert m.error and "missing.session.json" in m.message


def test_a_bad_scenario_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: x\n")
    m = PlayModel(tmp_path, scenario=str(bad))
    assert "cannot be read" in m.briefing()
    assert not m.start() and m.error and m.stage == "choose"


def test_a_fixed_setting_refuses_any_change_and_starts_as_fixed(tmp_path):
    m = PlayModel(tmp_path, scenario="network_migration", difficulty="hard", seed=5)
    for name, value in (("scenario", "cloud_rollout"), ("difficulty", "easy"), ("seed", 6)):
        with pytest.raises(traitlets.TraitError, match=f"{name} is fixed by the instructor"):
            setattr(m, name, value)
    with pytest.raises(traitlets.TraitError):
        m.fixed = []
    assert m.fixed == ["scenario", "difficulty", "seed"]
    assert m.start(), m.message
    world = m.session.world
    assert (world.scenario.id, world.difficulty, m.session.seed) == ("network_migration", "hard", 5)
    free = PlayModel(tmp_path, seed=5)
    free.scenario, free.difficulty = "cloud_rollout", "easy"
    with pytest.raises(traitlets.TraitError):
        free.seed = 6


def test_only_sessions_of_the_fixed_world_are_offered_or_resumed(model, tmp_path):
    model.commit_plan()
    model.advance()
    path = model.session.log_path
    other = PlayModel(tmp_path, scenario="network_migration", seed=4)
    assert other.saved == []
    assert not other.resume(path)
    assert other.error and "not played with the seed your instructor fixed" in other.message
    assert other.session is None and other.stage == "choose"
    same = PlayModel(tmp_path, scenario=str(ROOT / "scenarios" / "network_migration.yaml"), seed=3)
    assert [s.path for s in same.saved] == [path]
    assert same.resume(path), same.message
    assert same.report.day == 5 and same.scenario.endswith("network_migration.yaml")

"""The trainee app in an exercise: the pinned world, who plays, one session each, the time box, what is revealed,
required rationales; every rule checked in the kernel, headless."""

from __future__ import annotations

import json

import pytest
from traitlets import TraitError

from conftest import FakeClock
from sim.classroom import verify_log
from sim.engine import World, read_log
from sim.engine.exercise import make_exercise, write_exercise
from sim.ui import App, play
from sim.ui.exercise import clock_text
from sim.ui.exercise_model import ExerciseModel

ROSTER = [{"id": "ann", "name": "Ann Lee", "team": "red"}, {"id": "bob", "name": "Bob", "team": "blue"}]

def exercise_file(folder, **settings):
    settings = {"id": "itpm-101", "seed": 77, **settings}
    return write_exercise(make_exercise("class", "network_migration", **settings), folder / f"{settings['id']}.json")


def started(folder, clock=None, participant="ann", **settings) -> ExerciseModel:
    """A model in an exercise, its participant identified and the session started at the fake clock's time."""
    model = ExerciseModel(exercise_file(folder, **settings), folder / "sessions", participant=participant,
                          clock=clock or FakeClock())
    assert model.start(), model.message
    model.session.started = model.clock()  # the session's wall clock is the fake one
    model.tick()
    return model


def finish(model) -> None:
    assert model.commit_plan(), model.message
    finish_execution(model)


def test_the_exercise_fixes_the_world_and_the_log_records_who_played(tmp_path):
    path = exercise_file(tmp_path, difficulty="hard", roster=ROSTER)
    app = play(exercise=path, save_dir=tmp_path / "sessions")
    view = app.choose
    assert "Who are you?" in view.who.value and view.start.disabled
    assert [o[1] for o in view.choice.options] == ["ann", "bob"] and view.choice.options[0][0] == "Ann Lee (ann)"
    assert "77" not in view.rules.value + view.briefing.value  # the seed is never shown
    view.start.click()  # a start sent before identifying is refused in the kernel, whatever the button shows
    assert app.model.session is None and app.model.message == "Say who you are first."
    for name, value in (("seed", 5), ("scenario", "software_build"), ("difficulty", "easy")):
        with pytest.raises(TraitError, match=f"{name} is fixed"):  # as a tampering client might send
            setattr(app.model, name, value)
    view.choice.value = "bob"
    view.confirm.click()
    assert "You are playing as <b>bob</b> (Bob)" in view.who.value and not view.start.disabled
    view.start.click()
    assert app.model.stage == "plan", app.model.message
    log = read_log(app.model.session.log_path)
    ex = app.model.exercise
    assert (log.seed, log.difficulty, log.scenario.sha256, log.participant) == (77, "hard", ex.scenario.sha256, "bob")
    assert log.exercise == ex.ref
    assert app.model.session.log_path.name == f"itpm-101-{ex.sha256[:8]}-bob.session.json"


def test_who_may_play(tmp_path, monkeypatch):
    path = exercise_file(tmp_path, roster=ROSTER)
    model = ExerciseModel(path, tmp_path)
    assert not model.identify("zed") and "not on this exercise's roster" in model.message
    assert not model.identify("two words") and "cannot be a participant id" in model.message
    assert model.participant == ""
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    hub = ExerciseModel(path, tmp_path)
    assert hub.participant == "bob" and not hub.identify("ann") and "signed in as bob" in hub.message
    with pytest.raises(Exception, match="participant is fixed"):
        hub.participant = "ann"
    monkeypatch.setenv("JUPYTERHUB_USER", "eve")
    assert "'eve' is not on this exercise's roster" in ExerciseModel(path, tmp_path).message
    free = ExerciseModel(exercise_file(tmp_path, id="open"), tmp_path, participant="s1234")
    assert free.participant == "s1234" and free.start()


def test_a_seed_per_team(tmp_path):
    model = started(tmp_path, participant="bob", seed=None, team_seeds={"red": 1, "blue": 2}, roster=ROSTER)
    assert model.session.seed == 2


def test_a_reload_resumes_the_participants_session(tmp_path):
    first = started(tmp_path)
    assert first.commit_plan()
    first.advance()
    first.decide({"type": "set_overtime", "level": 0.1}, "behind on the survey")
    again = play(exercise=tmp_path / "itpm-101.json", save_dir=tmp_path / "sessions", participant="ann")
    model = again.model
    assert model.stage == "execute" and model.message == "Welcome back: your session is open where you left it."
    assert model.session.log_path == first.session.log_path
    assert [e["decision"]["type"] for e in model.session.decisions][-1] == "set_overtime"
    assert model.session.stops == first.session.stops
    other = ExerciseModel(tmp_path / "itpm-101.json", tmp_path / "sessions", participant="bob")
    assert other.stage == "choose" and other.session is None  # bob has no session yet


def test_a_session_continued_in_another_window_is_never_written_over(tmp_path):
    a = started(tmp_path)
    assert a.commit_plan()
    b = ExerciseModel(tmp_path / "itpm-101.json", tmp_path / "sessions", participant="ann", clock=a.clock)
    assert b.stage == "execute"
    assert a.advance()
    before = a.session.log_path.read_bytes()
    assert not b.advance() and "continued in another window" in b.message
    assert not b.decide({"type": "set_overtime", "level": 0.1}, "x")
    assert a.session.log_path.read_bytes() == before
    assert a.decide({"type": "set_quality", "level": 0.15}, "more reviews")


def test_the_time_box_freezes_the_session_and_runs_it_on_defaults(tmp_path):
    clock = FakeClock()
    model = started(tmp_path, clock=clock, minutes=45)
    app = App(model)
    assert clock_text(model) == '<div class="itpm-clock" role="timer">Time left: 45:00</div>'
    assert model.commit_plan()
    model.advance()
    clock.wait(41)
    model.tick()
    assert model.seconds_left == 240 and "⚠ Time left: 4:00" in app.clock.widget.value and "itpm-clock-low" in app.clock.widget.value
    stops = model.session.stops
    clock.wait(4.5)
    assert not model.decide({"type": "set_overtime", "level": 0.2}, "push")  # checked in the kernel on every action
    assert model.stage == "close" and model.session.done and "Time is up" in model.message
    log = json.loads(model.session.log_path.read_text())
    assert log["frozen"]["stop"] == stops and log["frozen"]["reason"] == "the 45-minute time box ran out"
    assert log["finished"] and all(e["decision"]["type"] != "set_overtime" or e["stop"] <= stops for e in log["decisions"])
    assert "Time is up" in app.clock.widget.value and app.close is not None
    assert verify_log(model.session.log_path, model.exercise).status == "verified"


def test_the_countdown_ends_the_session_without_any_action(tmp_path):
    clock = FakeClock()
    model = started(tmp_path, clock=clock, minutes=10)
    clock.wait(11)
    model.tick()  # what the kernel's ticker calls every second
    assert model.stage == "close" and model.session.frozen.stop == 0 and model.session.done


def test_coming_back_after_the_time_box_finishes_the_session_where_it_stopped(tmp_path):
    clock = FakeClock()
    model = started(tmp_path, clock=clock, minutes=30)
    assert model.commit_plan()
    model.advance()
    stops = model.session.stops
    clock.wait(90)  # the kernel died; the student comes back an hour later
    again = ExerciseModel(tmp_path / "itpm-101.json", tmp_path / "sessions", participant="ann", clock=clock)
    assert again.stage == "close" and again.session.frozen.stop == stops and again.session.done


@pytest.mark.parametrize("reveal", ["none", "outcome", "full"])
def test_the_close_stage_reveals_only_what_the_exercise_allows(tmp_path, reveal):
    model = started(tmp_path, reveal=reveal)
    finish(model)
    app = App(model)
    view = app.close
    shown = view.widget
    texts = " ".join(c.value for c in _leaves(shown) if hasattr(c, "value") and isinstance(c.value, str))
    if reveal == "none":
        assert model.scorecard is None and model.debrief is None
        assert "handed in" in texts and "Your score" not in texts and "scope delivered" not in texts
        assert "debrief" not in model.message
    elif reveal == "outcome":
        assert model.debrief is None and model.scorecard is not None
        assert f"Your score: <b>{model.scorecard.total:.1f}" in texts and "reference PM" not in texts
        assert view.score_chart.value
        assert not model.export_report() and "given by your instructor" in model.message
    else:
        assert model.debrief is not None and "reference PM" in texts


def _leaves(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _leaves(child)


def test_a_required_rationale_is_enforced_in_the_kernel(tmp_path):
    model = started(tmp_path, rationale="required")
    app = App(model)
    profile = model.report.market[0]["id"]
    model.draft.hires = {profile: 1}
    model.draft.quality = 0.15
    model.draft.rationale = {"effort": "fewer defects"}
    assert not model.commit_plan()
    assert model.message == ("This exercise asks for a one-line reason with every decision: write one for the team "
                             "changes (Team tab).")
    model.draft.rationale = {"effort": "fewer defects", "team": "a second engineer for the survey"}
    assert model.commit_plan(), model.message
    assert app.execute.panel.pace_why.placeholder == "Why? (required: one line)"
    assert not model.decide({"type": "set_overtime", "level": 0.1}, "   ")
    assert "one-line reason" in model.message
    assert model.decide({"type": "set_overtime", "level": 0.1}, "recover the slip")
    assert all(e.decision.rationale for e in read_log(model.session.log_path).decisions)


def test_an_unreadable_exercise_is_shown_not_raised(tmp_path):
    bad = tmp_path / "exercise.json"
    bad.write_text('{"format": "itpm-sim-exercise/1", "kind": "class"')
    app = play(exercise=bad, save_dir=tmp_path)
    assert app.model.error and "The exercise cannot be opened" in app.model.message and str(bad) in app.model.message
    assert not app.model.start() and app.model.session is None
    with pytest.raises(ValueError, match="not both"):
        play(exercise=bad, seed=3)


def test_an_authors_briefing_is_shown_as_text_never_run(tmp_path):
    source = tmp_path / "mine.yaml"
    text = World.from_file("software_build").raw.decode()
    source.write_text(text.replace("briefing: |\n", "briefing: |\n  <img src=x onerror=alert(1)>\n", 1))
    ex = write_exercise(make_exercise("class", source, id="c1", seed=1, title="<b>Week 3</b>"), tmp_path / "ex.json")
    view = play(exercise=ex, save_dir=tmp_path).choose
    assert "&lt;img src=x onerror=alert(1)&gt;" in view.briefing.value and "<img" not in view.briefing.value
    assert "&lt;b&gt;Week 3&lt;/b&gt;" in view.title.value


def test_an_exercise_on_an_authors_scenario_plays_resumes_and_verifies_without_the_file(tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_bytes(World.from_file("cloud_rollout").raw + b"\n# the author's copy\n")
    path = write_exercise(make_exercise("class", source, id="own", seed=9), tmp_path / "own.json")
    source.unlink()  # only the exercise's embedded text is left
    model = ExerciseModel(path, tmp_path / "sessions", participant="ann")
    assert model.start() and model.commit_plan()
    model.advance()
    again = ExerciseModel(path, tmp_path / "sessions", participant="ann")
    assert again.stage == "execute" and again.session.stops == model.session.stops
    finish_execution(again)
    assert verify_log(again.session.log_path, again.exercise).status == "verified"


def finish_execution(model) -> None:
    while model.stage == "execute":
        model.advance()


def test_an_exercise_with_team_seeds_and_no_roster_cannot_be_played(tmp_path):
    path = exercise_file(tmp_path, id="teams", seed=None, team_seeds={"red": 1})
    model = ExerciseModel(path, tmp_path, participant="ann")
    assert model.participant == "" and model.error and "cannot be played" in model.message
    assert not model.start() and model.session is None

"""Each rule of the model against MODEL.md's worked example, and the engine's inlined day against the rules.

A rule ``rules.NAME`` is tested by ``test_NAME`` (or ``test_NAME_...``) here: a reader who starts from an equation
in docs/MODEL.md finds its function and its test by name.  The numbers are the examples MODEL.md gives, worked
by hand at the defaults of sim/schema/defaults.yaml.
"""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import World, rules
from sim.engine.entities import TaskStatus
from sim.engine.project import Project
from sim.engine.rng import beta_pert, pert_shapes, poisson, stream, uniforms

# ------------------------------------------------------------ a person's output


def test_communication_overhead():
    # 8 people at work: 0.0006 x 7^2 = 0.0294; one person talks to nobody; 40 people hit the cap of 0.6
    assert rules.communication_overhead(8, 0.0006, 0.6) == pytest.approx(0.0294)
    assert rules.communication_overhead(1, 0.0006, 0.6) == 0.0
    assert rules.communication_overhead(0, 0.0006, 0.6) == 0.0
    assert rules.communication_overhead(40, 0.0006, 0.6) == 0.6


def test_nominal_time_share():
    # k0 for a starting team of 8 at c0 = q0 = 10%: 1 - 0.1 - 0.1 - 0.0294
    assert rules.nominal_time_share(0.1, 0.1, 0.0294) == pytest.approx(0.7706)


def test_productive_share():
    # the same team at 12% communication and 12% quality: (1 - 0.0294 - 0.24) / 0.7706
    assert rules.productive_share(0.0294, 0.12, 0.12, 0.7706) == pytest.approx(0.7306 / 0.7706)
    assert rules.productive_share(0.0294, 0.1, 0.1, 0.7706) == pytest.approx(1.0)  # the estimates' assumption
    assert rules.productive_share(0.6, 0.5, 0.5, 0.7706) == 0.0  # no time left is no time, not negative


def test_hours_factor():
    # 50-hour weeks: 1.25 x (1 - 0.3 x 0.25) = 1.15625, 7.5% less per hour; 20% overtime: 1.2 x 0.94
    assert rules.hours_factor(0.25, 0.3) == pytest.approx(1.15625)
    assert rules.hours_factor(0.2, 0.3) == pytest.approx(1.128)
    assert rules.hours_factor(0.0, 0.3) == 1.0


def test_capacity():
    # availability 0.8, proficiency 0.9: 0.8 x (0.4 + 0.6 x 0.9) / (0.4 + 0.6 x 0.7) = 0.8 x 0.94 / 0.82
    assert rules.capacity(0.8, 0.9, 0.4, 0.7) == pytest.approx(0.917073, abs=1e-6)
    assert rules.capacity(1.0, 0.7, 0.4, 0.7) == 1.0  # a nominal person delivers the estimates
    assert rules.capacity(1.0, 0.0, 0.4, 0.7) == pytest.approx(0.4 / 0.82)  # no skill: the floor


def test_morale_factor():
    assert rules.morale_factor(0.6, 0.75, 0.4) == pytest.approx(0.94)
    assert rules.morale_factor(0.75, 0.75, 0.4) == 1.0


def test_fatigue_factor():
    assert rules.fatigue_factor(0.4, 0.5) == pytest.approx(0.8)


def test_ramp_up_factor():
    # half-way through a 20-day ramp-up from 25%: 0.25 + 0.75 x 0.5
    assert rules.ramp_up_factor(10, 20, 0.25) == pytest.approx(0.625)
    assert rules.ramp_up_factor(0, 20, 0.25) == 0.25


def test_mentoring_load():
    # 2 hires ramping over 4 experienced people: 0.25 x 2 / 4 = 0.125 of each one's time
    assert rules.mentoring_load(2, 4, 0.25, 0.9) == pytest.approx(0.125)
    assert rules.mentoring_load(8, 1, 0.25, 0.9) == 0.9  # capped
    assert rules.mentoring_load(3, 0, 0.25, 0.9) == 0.0  # nobody experienced at work: nobody mentors


def test_person_output():
    # a nominal person (capacity 1) at morale 0.6 (0.94), fatigue 0.4 (0.8), 20% overtime (1.128), share 1,
    # mentoring 0.125 of the time (R = 0.875): 0.94 x 0.8 x 1.128 x 0.875 = 0.742224 person-days
    assert rules.person_output(1.0, 0.94, 0.8, 1.128, 1.0, 0.875) == pytest.approx(0.742224)
    assert rules.person_output(1.0, 0.94, -0.2, 1.0, 1.0, 1.0) == 0.0  # never negative


# ------------------------------------------------------------ overtime, fatigue, morale, pay


def test_overtime_debt():
    # one day at 20% from rested: 4 (1 - e^-0.05) = 0.195083
    assert rules.overtime_debt(0.0, 0.2, 0.05) == pytest.approx(0.195083, abs=1e-6)
    assert rules.overtime_debt(2.0, 0.0, 0.05) == pytest.approx(2 * math.exp(-0.05))  # rest: the debt decays


def test_overtime_debt_and_fatigue_after_two_and_eight_weeks_at_20_percent():
    # MODEL.md: two weeks at 20% leave F ~ 0.04; eight weeks, F ~ 0.4 (D = 4 (1 - e^(-0.05 t)), F = (D / 4.7)^3)
    debt, after = 0.0, {}
    for day in range(1, 41):
        debt = rules.overtime_debt(debt, 0.2, 0.05)
        after[day] = rules.fatigue_from_debt(debt, 4.7, 3.0)
    assert after[10] == pytest.approx(((4 * (1 - math.exp(-0.5))) / 4.7) ** 3) and after[10] == pytest.approx(0.0376, abs=1e-4)
    assert after[40] == pytest.approx(((4 * (1 - math.exp(-2.0))) / 4.7) ** 3) and after[40] == pytest.approx(0.3985, abs=1e-4)


def test_fatigue_from_debt():
    assert rules.fatigue_from_debt(2.35, 4.7, 3.0) == pytest.approx(0.125)
    assert rules.fatigue_from_debt(4.7, 4.7, 3.0) == 1.0
    assert rules.fatigue_from_debt(9.4, 4.7, 3.0) == 1.0  # capped


def test_morale_drift():
    # morale 0.6, fatigue 0.4, starting morale 0.75: 0.6 - 0.005 x 0.4 + 0.02 x 0.15 = 0.601
    assert rules.morale_drift(0.6, 0.4, 0.75, 0.005, 0.02) == pytest.approx(0.601)
    assert rules.morale_drift(0.001, 1.0, 0.0, 0.005, 0.02) == 0.0
    assert rules.morale_drift(1.0, 0.0, 1.0, 0.005, 0.02) == 1.0


def test_daily_pay():
    # 800 a day at 20% overtime with a 50% premium: 800 x (1 + 0.2 x 1.5)
    assert rules.daily_pay(800, 1.0, 0.2, 0.5) == pytest.approx(1040)
    assert rules.daily_pay(800, 0.5, 0.0, 0.5) == 400


# ------------------------------------------------------------ absence and attrition


def test_sick_spell():
    assert rules.sick_spell(0.3) == 1.0 and rules.sick_spell(2.6) == 3.0


def test_resignation_threshold():
    assert rules.resignation_threshold(0.5) == pytest.approx(math.log(2))
    assert rules.resignation_threshold(1 - math.exp(-1)) == pytest.approx(1.0)


def test_resignation_hazard():
    # morale 0.55 (0.2 below nominal), fatigue 0.2: 0.0004 x (1 + 4 x 0.2) x (1 + 3 x 0.2) = 0.001152
    assert rules.resignation_hazard(0.55, 0.2, 0.0004, 4.0, 3.0, 0.75) == pytest.approx(0.001152)
    assert rules.resignation_hazard(0.9, 0.0, 0.0004, 4.0, 3.0, 0.75) == 0.0004  # content and rested: the base


# ------------------------------------------------------------ defects and rework


def test_skill_defect_factor():
    assert rules.skill_defect_factor(0.4, 1.0, 0.7, 0.2) == pytest.approx(1.3)
    assert rules.skill_defect_factor(1.0, 1.0, 0.7, 0.2) == pytest.approx(0.7)
    assert rules.skill_defect_factor(1.0, 3.0, 0.7, 0.2) == 0.2  # floored


def test_new_hire_defects():
    # five days into a 20-day ramp-up: 1 + 1.0 x 0.75
    assert rules.new_hire_defects(5, 20, 1.0) == pytest.approx(1.75)


def test_person_defects():
    # the person of test_person_output (0.742224), proficiency 0.4 (1.3), fatigue 0.4: x 1.3 x 1.4
    assert rules.person_defects(0.742224, 1.3, 0.4, 1.0, 1.0) == pytest.approx(1.35084768)


def test_defect_rate():
    # pressure 1.5, quality effort 12%, communication 5%: 0.15 x 1.25 x e^(-0.16) x (1 + 0.6 x 0.5) = 0.20771
    assert rules.defect_rate(0.15, 1.5, 0.5, 0.12, 0.1, 8.0, 0.05, 0.1, 0.6) == pytest.approx(0.207710, abs=1e-6)
    assert rules.defect_rate(0.15, 0.8, 0.5, 0.1, 0.1, 8.0, 0.2, 0.1, 0.6) == pytest.approx(0.15)  # nominal or better


def test_injected_defects():
    # 2.0 person-defect units at a rate of 0.15, the task took 1.5 of 2.0 person-days of output
    assert rules.injected_defects(2.0, 0.15, 1.5, 2.0) == pytest.approx(0.225)


def test_detected():
    assert rules.detected(12.0, 0.7) == pytest.approx(8.4)


def test_rework_effort():
    assert rules.rework_effort(8.4, 0.5) == pytest.approx(4.2)


def test_may_overlap():
    assert rules.may_overlap("work", "work")
    for rigid in ("procurement", "test", "cutover", "milestone"):  # a delivery, a test's object, a cutover's readiness
        assert not rules.may_overlap("work", rigid)
        assert not rules.may_overlap(rigid, "work")


def test_overlap_ready():
    assert not rules.overlap_ready(0.49, 0.5)
    assert rules.overlap_ready(0.5, 0.5)


def test_impact_money():
    # a burn of 4,000 a day and a mean rate of 800: 10 days of delay at 0.5 of the burn = 20,000; 20% more effort on a
    # 50 person-day task = 10 · 800 = 8,000; 3,000 of cost; 4 defects at 0.5 day = 1,600; a person at 20 days = 16,000;
    # morale −0.1 at 0.2 of the burn for 10 days = 800; a deadline impact has no money value
    impacts = [{"type": "delay", "days": 10}, {"type": "extra_effort", "tasks": ["a", "gone"], "share": 0.2},
               {"type": "cost", "amount": 3000}, {"type": "defects", "count": 4}, {"type": "lose_person"},
               {"type": "morale", "delta": -0.1}, {"type": "deadline", "days": 5}]
    total = rules.impact_money(impacts, {"a": 50.0}, 4000.0, 800.0, 0.5, 0.5, 20, 10, 0.2)
    assert total == pytest.approx(20_000 + 8_000 + 3_000 + 1_600 + 16_000 + 800)
    assert rules.impact_money([{"type": "scope_change", "task": "a", "share": -0.5}], {"a": 50.0}, 4000.0, 800.0, 0.5, 0.5, 20, 10, 0.2) == 0.0


def test_justified_reserve():
    # a register whose expected losses are 0.5 · 40,000 and 0.25 · 100,000 justifies 45,000 above a reserve of 30,000
    assert rules.justified_reserve(30_000.0, [0.5 * 40_000, 0.25 * 100_000]) == pytest.approx(45_000)
    assert rules.justified_reserve(70_000.0, [0.5 * 40_000, 0.25 * 100_000]) == 70_000.0


def test_task_strike_time():
    # a risk whose window is days 0 to 10 of its task, which started on day 42, with u_time 0.25: day 44.5
    assert rules.task_strike_time(42.0, 0.0, 10.0, 0.25) == 44.5
    assert rules.task_strike_time(42.0, 0.0, 10.0, 0.5) == 47.5  # a whole day moves to the middle of that day


def test_backfill_rate():
    # the highest rate for the skill is 900: at a premium of 0.5 the PMO's contractor costs 1,350 a day
    assert rules.backfill_rate(900.0, 0.5) == pytest.approx(1350.0)


def test_refusal_probability():
    # the third request (two made) to a sponsor at satisfaction 0.6: 0.1 + 0.15 · 2 + 0.5 · 0.4 = 0.6
    assert rules.refusal_probability(2, 0.6, 0.1, 0.15, 0.5) == pytest.approx(0.6)
    assert rules.refusal_probability(0, 1.0, 0.1, 0.15, 0.5) == pytest.approx(0.1)
    assert rules.refusal_probability(9, 0.0, 0.1, 0.15, 0.5) == 1.0


def test_refused():
    assert rules.refused(0.59, 0.6)
    assert not rules.refused(0.6, 0.6)


def test_fast_track_rework():
    # a 20 person-day task started when its predecessor had 40% of its work to do redoes 0.8 · 0.4 · 20 = 6.4
    assert rules.fast_track_rework(20.0, 0.8, 0.4) == pytest.approx(6.4)
    assert rules.fast_track_rework(20.0, 0.8, 0.0) == 0.0


def test_schedule_pressure():
    # 60 planned days to go (100 - 40) with 60 days left: 1; with 20 left: 3, capped at 2.5
    assert rules.schedule_pressure(100, 40, 110, 50, 2.5) == 1.0
    assert rules.schedule_pressure(100, 40, 70, 50, 2.5) == 2.5
    assert rules.schedule_pressure(100, 99, 50, 60, 2.5) == 1.0  # past the deadline the divisor is 1
    assert rules.schedule_pressure(100, 120, 110, 50, 2.5) == 0.0  # ahead of the plan


def test_incidents():
    # 20 escaped defects at 0.1: Poisson(2), whose CDF is 0.135, 0.406, 0.677 at 0, 1, 2
    assert rules.incidents(0.5, 20.0, 0.1) == 2
    assert rules.incidents(0.1, 20.0, 0.1) == 0
    assert rules.incidents(0.9, 0.0, 0.1) == 0


# ------------------------------------------------------------ risks and cutovers


def test_strike_time():
    assert rules.strike_time(10, 20, 0.25) == 12.5
    assert rules.strike_time(10, 20, 0.5) == 15.5  # a whole day: the middle of it


def test_mitigated():
    # probability 0.4 after responses with factors 0.5 and 0.6
    assert rules.mitigated(0.4, [0.5, 0.6]) == pytest.approx(0.12)
    assert rules.mitigated(0.4, []) == 0.4


def test_strikes():
    assert rules.strikes(0.1, 0.12) and not rules.strikes(0.12, 0.12)


def test_warning_visibility():
    assert rules.warning_visibility(0.1, 0.1, 0.8) == pytest.approx(0.8)
    assert rules.warning_visibility(0.05, 0.1, 0.8) == pytest.approx(0.4)
    assert rules.warning_visibility(0.2, 0.1, 0.8) == 1.0


def test_loses_person():
    assert rules.loses_person(0.2, 0.3) and not rules.loses_person(0.5, 0.3)
    assert rules.loses_person(0.99, 1.0)  # an unmitigated impact always takes someone


def test_cutover_succeeds():
    assert rules.cutover_succeeds(0.3, 0.85) and not rules.cutover_succeeds(0.9, 0.85)


# ------------------------------------------------------------ stakeholders and money


def test_transparency():
    # a week at 15% communication against 10% nominal: 0.04 x 1 x 0.05 / 0.1 = +0.02
    assert rules.transparency(1.0, 0.04, 1.0, 0.15, 0.1) == pytest.approx(0.02)
    assert rules.transparency(1.0, 0.04, 1.0, 0.0, 0.1) == pytest.approx(-0.04)


def test_go_live_outcome():
    assert rules.go_live_outcome(True, False, 0.9) == pytest.approx(1.9 / 3)


def test_satisfaction():
    assert rules.satisfaction(0.95, 0.1) == 1.0 and rules.satisfaction(0.02, -0.05) == 0.0
    assert rules.satisfaction(0.5, 0.1) == pytest.approx(0.6)


def test_reserve_penalty():
    # reserve raised from 100,000 to 150,000 on a budget of 1,000,000: -0.06 x 50,000 / (0.25 x 1,000,000)
    assert rules.reserve_penalty(150_000, 100_000, 0.25, 1_000_000, 0.06) == pytest.approx(-0.012)
    assert rules.reserve_penalty(50_000, 100_000, 0.25, 1_000_000, 0.06) == pytest.approx(0.012)


def test_hiring_fee():
    assert rules.hiring_fee(None, 5.0, 800.0) == 4000.0 and rules.hiring_fee(2500.0, 5.0, 800.0) == 2500.0


def test_abandon_day():
    assert rules.abandon_day(3.0, 120.0) == 360.0 and rules.abandon_day(3.0, 0.0) == 3.0


# ------------------------------------------------------------ draws


def test_pert_shapes():
    # O = 2, M = 4, P = 12: a = 1 + 4 x 2 / 10 = 1.8, b = 1 + 4 x 8 / 10 = 4.2; the mean (O + 4M + P) / 6 = 5
    assert pert_shapes(2, 4, 12) == pytest.approx((1.8, 4.2))
    a, b = pert_shapes(2, 4, 12)
    assert 2 + 10 * a / (a + b) == pytest.approx((2 + 16 + 12) / 6)


def test_beta_pert():
    rng = stream(7, "test")
    draws = [beta_pert(rng, 2, 4, 12) for _ in range(20_000)]
    assert min(draws) >= 2 and max(draws) <= 12
    assert sum(draws) / len(draws) == pytest.approx(5.0, abs=0.05)  # the PERT mean
    assert beta_pert(rng, 3, 3, 3) == 3


def test_poisson():
    # Poisson(2): P(0) = e^-2 = 0.1353, P(<=1) = 3e^-2 = 0.406
    assert poisson(0.13, 2.0) == 0 and poisson(0.14, 2.0) == 1 and poisson(0.41, 2.0) == 2
    assert poisson(0.9, 0.0) == 0


# ------------------------------------------------------------ the engine's inlined day against the rules

WORLD = World.from_file("software_build")
people_states = st.fixed_dictionaries({
    "morale": st.floats(0, 1), "fatigue": st.floats(0, 1), "debt": st.floats(0, 8) | st.just(0.0),
    "availability": st.floats(0.1, 1), "proficiency": st.floats(0, 1), "sick": st.booleans(),
    "ramping": st.booleans(), "days_in": st.floats(0, 19.5), "base_morale": st.floats(0, 1),
})
team_states = st.fixed_dictionaries({
    "people": st.lists(people_states, min_size=1, max_size=6),
    "overtime": st.floats(0, 0.5) | st.just(0.0), "communication": st.floats(0, 0.5), "quality": st.floats(0, 0.5),
    "pressure": st.floats(0, 2.5),
})


def _set_up(state: dict) -> tuple[Project, object, float]:
    """A software_build project whose whole team, in the generated states, works on one active task on day 30."""
    day = 30.0
    project = Project(WORLD, seed=0)
    task = next(t for t in project.tasks.values() if t.kind == "work")
    project.set_state(task, TaskStatus.ACTIVE)
    task.remaining = 1e6
    project.overtime, project.communication, project.quality, project.pressure = (
        state["overtime"], state["communication"], state["quality"], state["pressure"])
    for person in project.staff[len(state["people"]):]:
        project.depart(person, "left", shock=False)
    for person, s in zip(project.staff, state["people"], strict=True):
        person.morale, person.fatigue, person.debt, person.base_morale = s["morale"], s["fatigue"], s["debt"], s["base_morale"]
        person.availability = s["availability"]
        person.skills[task.skill] = s["proficiency"]
        person.fit.clear()
        person.ramp_days = 20
        person.joined = day - s["days_in"] if s["ramping"] else 0.0
        person.sick_until = day + 1 if s["sick"] else -1.0
        person.next_sick, person.threshold = math.inf, math.inf
        person.task = task
    task.people = list(project.staff)
    return project, task, day


def _expected(project: Project, task, day: float) -> dict:
    """The same day composed from the rules, one call per equation."""
    p = project.p
    pr, ot, q, c, ru, a = p.productivity, p.overtime, p.quality, p.communication, p.ramp_up, p.attrition
    staff = list(project.staff)
    hazards = [x.hazard + rules.resignation_hazard(x.morale, x.fatigue, a.base_hazard, a.morale_hazard, a.fatigue_hazard,
                                                   pr.nominal_morale) for x in staff]
    working = [x for x in staff if x.sick_until <= day]
    ramping = [x for x in working if day - x.joined < x.ramp_days]
    mentor = rules.mentoring_load(len(ramping), len(working) - len(ramping), ru.mentoring_share, ru.max_mentoring)
    overhead = rules.communication_overhead(len(working), c.overhead_coefficient, c.max_overhead)
    share = rules.productive_share(overhead, project.communication, project.quality, project.k0)
    h = project.overtime
    hours = rules.hours_factor(h, ot.hourly_loss)
    rate = rules.defect_rate(q.defects_per_day, project.pressure, q.pressure_defects, project.quality, q.nominal_effort,
                             q.effort_effect, project.communication, c.nominal_effort, c.misunderstanding_defects)
    total = defects = 0.0
    for x in working:
        prof = x.skills[task.skill]
        if x in ramping:
            ramp = rules.ramp_up_factor(day - x.joined, x.ramp_days, ru.start_productivity)
            novice = rules.new_hire_defects(day - x.joined, x.ramp_days, ru.defect_multiplier)
        else:
            ramp, novice = 1 - mentor, 1.0
        out = rules.person_output(rules.capacity(x.availability, prof, pr.proficiency_floor, pr.nominal_proficiency),
                                  rules.morale_factor(x.morale, pr.nominal_morale, pr.morale_weight),
                                  rules.fatigue_factor(x.fatigue, ot.fatigue_productivity), hours, share, ramp)
        total += out
        defects += rules.person_defects(out, rules.skill_defect_factor(prof, q.skill_defects, pr.nominal_proficiency, q.min_skill_factor),
                                        x.fatigue, ot.fatigue_defects, novice)
    latent = rules.injected_defects(defects, rate, total, total) if total > 0 else 0.0
    people, pay = [], 0.0
    for x in staff:
        hx = h if x.sick_until <= day else 0.0
        debt, fatigue = x.debt, x.fatigue
        if hx or debt:
            debt = rules.overtime_debt(debt, hx, ot.fatigue_recovery)
            fatigue = rules.fatigue_from_debt(debt, ot.fatigue_reference, ot.fatigue_exponent)
        morale = x.morale
        if fatigue or morale != x.base_morale:
            morale = rules.morale_drift(morale, fatigue, x.base_morale, ot.fatigue_morale, p.morale.recovery)
        people.append((debt, fatigue, morale))
        pay += rules.daily_pay(x.rate, x.availability, hx, project.scenario.budget.overtime_premium)
    return {"done": total if total > 0 else 0.0, "latent": latent, "hazards": hazards, "people": people, "labour": pay}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=team_states)
def test_the_engines_inlined_day_gives_the_rules_numbers_to_the_bit(state):
    project, task, day = _set_up(state)
    expected = _expected(project, task, day)
    project._work(day)
    assert task.done == expected["done"]
    assert task.latent == expected["latent"]
    assert [x.hazard for x in project.staff] == expected["hazards"]
    assert [(x.debt, x.fatigue, x.morale) for x in project.staff] == expected["people"]
    assert project.costs["labour"] == expected["labour"]


def test_stream():
    # the same seed and key give the same draws in any order and process; another key, others
    assert stream(42, "task", "T1").random() == stream(42, "task", "T1").random() != stream(42, "task", "T2").random()
    import random

    assert stream(42, "task", "T1").random() == random.Random(int.from_bytes(hashlib.sha256(repr((42, "task", "T1")).encode()).digest()[:16], "big")).random()


def test_uniforms():
    # the first 53-bit slice of SHA-256 of repr((seed, *key)), as a share of 2^53
    digest = hashlib.sha256(repr((7, "quit", "p1")).encode()).digest()
    assert uniforms(7, "quit", "p1") == [(int.from_bytes(digest[:8], "big") >> 11) / 2**53]
    assert len(uniforms(7, "risk", "R1", n=4)) == 4 and all(0 <= u < 1 for u in uniforms(7, "risk", "R1", n=4))

"""The stepwise solver: one group part at a time against what the rest of the week holds."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from checker import check
from ortools.sat.python import cp_model
from tiny import (group, patient, patients, program, room, roster, slots, staff,
                  two_groups_one_therapist)

from scheduler.generate import generate, write_generated
from scheduler.output import schedule_json
from scheduler.reader import read_roster
from scheduler.solver.patterns import Fixed, PatternModel
from scheduler.solver.pinned import PinnedSection
from scheduler.solver.plan import make_plan
from scheduler.solver.split import SectionDraft, bucket_values
from scheduler.solver.stepwise import STEP_GAP, Stepwise
from scheduler.solver.variables import complete_hint, hint_is_complete


def search(model, limit, work):
    """One worker and a fixed amount of work, with the parameters solve.py gives the steps."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.max_deterministic_time = work
    solver.parameters.linearization_level = 2
    solver.parameters.absolute_gap_limit = STEP_GAP
    if hint_is_complete(model):
        solver.parameters.hint_conflict_limit = 0
    return solver.solve(model), solver, False


def solved(model: PatternModel):
    status, solver, _ = search(model.model, 10, 5)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return solver


def part_of(plan, name: str) -> int:
    return next(i for i, gp in enumerate(plan.groups) if gp.group.name == name)


def test_a_step_keeps_clear_of_what_the_rest_of_the_week_holds():
    r = two_groups_one_therapist()
    plan = make_plan(r, extra_sections=2)
    monday = next(s.index for s in r.slots if s.day == 0)
    fixed = Fixed(staff_busy={("S1", monday)})
    model = PatternModel(plan, {part_of(plan, "B")}, fixed)
    values = bucket_values(model, solved(model))
    assert [v.bucket.pattern.slots for v in values] == [(monday + 1,)]


def test_without_the_fixed_part_both_slots_are_open():
    r = two_groups_one_therapist()
    plan = make_plan(r, extra_sections=2)
    model = PatternModel(plan, {part_of(plan, "B")})
    assert sorted(b.pattern.slots for b in model.buckets) == [(0,), (1,)]


def test_a_relaxed_step_prices_a_missed_group_instead_of_failing():
    r = two_groups_one_therapist()
    plan = make_plan(r, extra_sections=2)
    taken = {("S1", 0), ("S1", 1)}  # the only therapist leads something else at both times
    strict = PatternModel(plan, {part_of(plan, "B")}, Fixed(staff_busy=taken))
    status, _, _ = search(strict.model, 10, 5)
    assert status == cp_model.INFEASIBLE
    relaxed = PatternModel(plan, {part_of(plan, "B")}, Fixed(staff_busy=taken), relax=True)
    solver = solved(relaxed)
    assert sum(solver.value(v) for v in relaxed.missed.values()) == 3


def test_day_caps_count_what_the_fixed_part_already_holds():
    r = roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:15-11:15", "Tue 9:00-10:00"),
        programs=[program(max_per_day=1)],
        groups=[group("A"), group("B")],
        staff_list=[staff("S1"), staff("S2")],
        rooms=[room("R1"), room("R2")],
        patient_list=patients(2),
    )
    plan = make_plan(r, extra_sections=2)
    fixed = Fixed(patient_busy={("P1", 0), ("P2", 0)},
                  patient_day=Counter({("P1", 0): 1, ("P2", 0): 1}))
    model = PatternModel(plan, {part_of(plan, "B")}, fixed)
    values = bucket_values(model, solved(model))
    assert [v.bucket.pattern.slots for v in values] == [(2,)]  # Tuesday: Monday is full


@pytest.mark.parametrize("held, chosen", [(0, 1), (3, 2)])
def test_a_step_keeps_a_patients_day_compact_around_what_the_rest_holds(held, chosen):
    """Compact days: P1 already has a session at slot `held` of a four-slot Monday; A's one
    meeting goes right next to it, whichever end of the day that is."""
    r = roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00",
                        "Mon 12:00-13:00"),
        groups=[group("A")], patient_list=patients(1),
    )
    plan = make_plan(r, extra_sections=1)
    fixed = Fixed(patient_busy={("P1", held)}, patient_day=Counter({("P1", 0): 1}),
                  patient_minutes=Counter({"P1": 60}))
    model = PatternModel(plan, {part_of(plan, "A")}, fixed)
    values = bucket_values(model, solved(model))
    assert [v.bucket.pattern.slots for v in values] == [(chosen,)]


def test_stepwise_places_two_groups_that_share_a_therapist():
    r = two_groups_one_therapist()
    plan = make_plan(r, extra_sections=2)
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    steps.place()
    assert steps.repair()
    data = json.loads(schedule_json(r, steps.schedule()))
    assert check(r, data) == []
    assert sorted(m["day"] for m in data["meetings"]) == ["Mon", "Tue"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("stepwise") / "g40.xlsx"
    write_generated(generate(40, 4, 3, days=5, seed=3), path)
    return read_roster(path)


def run(r, seed=0, polish=False):
    steps = Stepwise(make_plan(r, extra_sections=2), search, time.perf_counter() + 120,
                     seed=seed)
    steps.place()
    complete = steps.repair()
    if complete and polish:
        steps.polish()
    return steps, complete


def test_a_generated_center_gets_a_week_the_independent_checker_accepts(generated):
    steps, complete = run(generated, polish=True)
    assert complete, steps.missing()
    data = json.loads(schedule_json(generated, steps.schedule()))
    assert check(generated, data) == []
    assert steps.missing() == [] and steps.lost() == 0


def test_polish_never_makes_the_week_worse(generated):
    from scheduler.quality import measure

    steps, complete = run(generated)
    assert complete
    before = measure(generated, steps.schedule()).objective
    told = []  # what the progress line is told
    steps.on_better = told.append
    steps.polish()
    after = measure(generated, steps.schedule()).objective
    assert steps.stats.polished > 0 and len(told) == steps.stats.polished
    assert told[-1] == after
    data = json.loads(schedule_json(generated, steps.schedule()))
    assert check(generated, data) == []
    # Each step is optimised in the pattern model's own terms; the report's measure
    # may differ by rounding (fair load), never by much.
    assert after <= before + 1


def test_same_roster_and_seed_give_the_same_week(generated):
    first, _ = run(generated, seed=5)
    second, _ = run(generated, seed=5)
    assert first.drafts() == second.drafts()


def test_a_repair_step_that_leaves_more_missing_is_undone():
    r = two_groups_one_therapist()
    steps = Stepwise(make_plan(r, extra_sections=2), search, time.perf_counter() + 30)
    steps.place()
    assert steps.repair()
    week = steps.week

    def worse() -> bool:  # as a step stopped by its work limit might end: a section gone
        part = next(iter(steps.week))
        steps.week = {**steps.week, part: []}
        return True

    steps._no_worse(worse, steps.lost())
    assert steps.week is week and steps.stats.reverted == 1

    def better() -> bool:
        steps.week = dict(steps.week)
        return True

    steps._no_worse(better, steps.lost())
    assert steps.week is not week and steps.stats.reverted == 1


def test_an_incomplete_week_says_whose_places_are_missing_and_what_is_in_the_way():
    # S1 may lead one meeting a week and a section seats 2: the third patient has no place.
    from scheduler.solver.lacking import lacking

    r = roster(slot_list=slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               groups=[group("A", max_size=2)], staff_list=[staff("S1", max_per_week=1)],
               rooms=[room("R1")], patient_list=patients(3))
    steps = Stepwise(make_plan(r, extra_sections=2), search, time.perf_counter() + 30)
    steps.place()
    assert not steps.repair()
    [text] = lacking(steps)
    assert text.startswith("A: 1 patient(s) not placed: P")
    assert "All 1 of its sections are full (Max size 2)." in text
    assert "Facilitators with the skill 'cbt': S1 leads 1 of Max per week 1." in text


def test_a_complete_week_lacks_nothing():
    from scheduler.solver.lacking import lacking

    steps = Stepwise(make_plan(two_groups_one_therapist(), extra_sections=2), search,
                     time.perf_counter() + 30)
    steps.place()
    assert steps.repair() and lacking(steps) == []


def two_therapists(therapists: dict[str, str]):
    """A therapy group meeting once; S1 and S2 can both lead it; sections seat 2."""
    return roster(slot_list=slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
                  groups=[group("A", max_size=2)], staff_list=[staff("S1"), staff("S2")],
                  rooms=[room("R1"), room("R2")],
                  patient_list=[patient(pid, therapist=sid) for pid, sid in therapists.items()])


def week_of(r, sections):
    """A Stepwise holding exactly these (facilitator, slot, room, members) sections."""
    from scheduler.solver.split import SectionDraft

    steps = Stepwise(make_plan(r, extra_sections=2), search, time.perf_counter() + 30)
    steps.week = {0: [SectionDraft("A", (t,), (room_name,), sid, tuple(members))
                      for sid, t, room_name, members in sections]}
    return steps


def test_two_patients_each_in_the_other_therapists_section_change_places():
    from scheduler.solver.swaps import therapist_swaps

    r = two_therapists({"P1": "S1", "P2": "S2"})
    steps = week_of(r, [("S2", 0, "R1", ["P1"]), ("S1", 1, "R2", ["P2"])])
    assert therapist_swaps(steps, lambda: False) == 1
    assert {d.facilitator: d.members for d in steps.week[0]} == {"S1": ("P1",), "S2": ("P2",)}
    data = json.loads(schedule_json(r, steps.schedule()))
    assert check(r, data) == []


def test_no_exchange_takes_a_patient_away_from_their_own_therapist():
    from scheduler.solver.swaps import therapist_swaps

    # P2 sees S1 already; moving P1 alone would leave S2's section empty (Min size 1).
    r = two_therapists({"P1": "S1", "P2": "S1"})
    steps = week_of(r, [("S2", 0, "R1", ["P1"]), ("S1", 1, "R2", ["P2"])])
    assert therapist_swaps(steps, lambda: False) == 0
    assert {d.facilitator: d.members for d in steps.week[0]} == {"S2": ("P1",), "S1": ("P2",)}


def test_a_patient_moves_to_their_therapists_section_when_it_has_room():
    from scheduler.solver.swaps import therapist_swaps

    r = two_therapists({"P1": "S1", "P2": "S1", "P3": "S2"})
    steps = week_of(r, [("S2", 0, "R1", ["P1", "P3"]), ("S1", 1, "R2", ["P2"])])
    assert therapist_swaps(steps, lambda: False) == 1
    assert {d.facilitator: d.members for d in steps.week[0]} == {"S2": ("P3",),
                                                                 "S1": ("P1", "P2")}


def test_a_patient_seeing_their_therapist_in_two_groups_keeps_one_after_two_exchanges():
    from scheduler.solver.swaps import therapist_swaps

    # O sees T in A and in B; P and Q, also T's patients, are in S1's one-seat sections.
    # The first exchange (O for P in A) leaves O only B's section of T: the second must not
    # take that too (who sees whom is counted again after each change).
    r = roster(slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00",
                               "Tue 10:00-11:00"),
               groups=[group("A", max_size=1), group("B", max_size=1)],
               staff_list=[staff("S1"), staff("T")], rooms=[room("R1"), room("R2")],
               patient_list=[patient(pid, therapist="T") for pid in ("O", "P", "Q")])
    plan = make_plan(r, extra_sections=2)
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    steps.week = {a: [SectionDraft("A", (0,), ("R1",), "S1", ("P",)),
                      SectionDraft("A", (1,), ("R2",), "T", ("O",))],
                  b: [SectionDraft("B", (2,), ("R1",), "S1", ("Q",)),
                      SectionDraft("B", (3,), ("R2",), "T", ("O",))]}
    assert therapist_swaps(steps, lambda: False) == 1
    assert any("O" in d.members and d.facilitator == "T" for ds in steps.week.values()
               for d in ds)


def evening_therapist(a_staff=("S1", "S2")):
    """A can meet Mon 9:00 or 18:00; B's patients only come at 18:00. S1 works both times but
    leads one meeting a week; S2 works mornings only."""
    team = [staff("S1", max_per_week=1), staff("S2", available="Mon 9:00-10:00")]
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 18:00-19:00"),
        groups=[group("A", programs=("Res",)), group("B", programs=("IOP",))],
        programs=[program(), program("IOP", attends="Mon 18:00-19:00")],
        staff_list=[s for s in team if s.id in a_staff],
        rooms=[room("R1"), room("R2")],
        patient_list=patients(3) + patients(3, prefix="I", program="IOP"),
    )


def test_placing_a_part_leaves_a_later_part_the_therapist_it_cannot_do_without():
    r = evening_therapist()
    plan = make_plan(r, extra_sections=1)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    model = PatternModel(plan, {a}, relax=True, lean=True, later=(b,))
    values = bucket_values(model, solved(model))
    assert [(v.bucket.pattern.slots, v.leads) for v in values] == [((0,), ["S2"])]


def test_a_part_still_takes_the_only_therapist_it_has_rather_than_miss_its_patients():
    r = evening_therapist(a_staff=("S1",))
    plan = make_plan(r, extra_sections=1)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    model = PatternModel(plan, {a}, relax=True, lean=True, later=(b,))
    solver = solved(model)
    assert sum(solver.value(v) for v in model.missed.values()) == 0
    assert [v.leads for v in bucket_values(model, solver)] == [["S1"]]


def test_a_partial_hint_is_completed_with_the_hinted_values_kept():
    m = cp_model.CpModel()
    x, y = m.new_bool_var("x"), m.new_bool_var("y")
    total = m.new_int_var(0, 2, "total")  # an auxiliary a step's hint leaves out
    m.add(total == x + y)
    m.minimize(total)
    m.add_hint(x, 1)
    m.add_hint(y, 1)
    assert complete_hint(m)
    hint = dict(zip(m.proto.solution_hint.vars, m.proto.solution_hint.values))
    assert hint == {x.index: 1, y.index: 1, total.index: 2}


def test_an_infeasible_hint_is_left_as_it_was():
    m = cp_model.CpModel()
    x, y = m.new_bool_var("x"), m.new_bool_var("y")
    m.add_bool_or([~x, ~y])
    m.new_int_var(0, 2, "unhinted")
    m.add_hint(x, 1)
    m.add_hint(y, 1)
    assert not complete_hint(m)
    assert len(m.proto.solution_hint.vars) == 2


def test_placing_a_part_keeps_a_later_pinned_section_its_room_and_facilitator():
    r = two_groups_one_therapist()
    plan = make_plan(r, extra_sections=2)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    # B's section A is pinned to Tue 9:00 with S1, the time A would otherwise take.
    pin = PinnedSection("B", "A", b, "S1", "R1", (frozenset({1}),))
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    steps.pins = [pin]
    steps.decide({a}, relax=True, lean=True, later=(b,))
    assert [(d.slots, d.facilitator) for d in steps.week[a]] == [((0,), "S1")]
    steps.decide({b}, relax=True, lean=True)
    assert not steps.unheld()


def test_an_incomplete_week_names_the_pinned_section_it_could_not_hold():
    from scheduler.solver.lacking import lacking

    r = roster(slot_list=slots("Mon 9:00-10:00", "Tue 9:00-10:00"), groups=[group("A")],
               staff_list=[staff("S1", available="Tue 9:00-10:00")], rooms=[room("R1")],
               patient_list=patients(2))
    plan = make_plan(r, extra_sections=2)
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    # Pinned to Monday with S1, who works Tuesdays only.
    steps.pins = [PinnedSection("A", "A", part_of(plan, "A"), "S1", "R1", (frozenset({0}),),
                                rows=(2,))]
    steps.place()
    assert not steps.repair()
    assert lacking(steps)[0].startswith("A section A as pinned on the Fixed sheet (row 2): ")

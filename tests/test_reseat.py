"""Re-seating one patient among the sections there are (reseat.py), and what a place step
counts on from parts still to come (patterns.PatternModel._minutes_to_come)."""

from __future__ import annotations

import json
import time

from checker import check
from test_stepwise import part_of, search, solved
from tiny import group, patient, program, room, roster, slots, staff

from scheduler.output import schedule_json
from scheduler.solver.patterns import PatternModel
from scheduler.solver.plan import make_plan
from scheduler.solver.reseat import reseat_missing
from scheduler.solver.split import SectionDraft
from scheduler.solver.stepwise import Stepwise

MORNING, EVENING = "Mon 9:00-10:00", "Mon 18:00-19:30"


def hours_roster(min_size=1, max_size=3, kind="therapy", n=3):
    """Group A meets Mon 9:00 (1 h) or Mon 18:00 (1.5 h); P1's program asks for 1.5 h."""
    return roster(
        slot_list=slots(MORNING, EVENING),
        programs=[program(), program("IOP", min_hours=1.5)],
        groups=[group("A", kind=kind, min_size=min_size, max_size=max_size,
                      skill="peer" if kind == "peer" else "cbt")],
        staff_list=[staff("S1", skills=("cbt", "peer")), staff("S2", skills=("cbt", "peer"))],
        rooms=[room("R1"), room("R2")],
        patient_list=[patient("P1", program="IOP")] + [patient(f"P{i}") for i in
                                                       range(2, n + 1)],
    )


def week_of(r, sections: dict[str, list]) -> Stepwise:
    """A Stepwise holding these sections: group -> [(facilitator, slot, room, members)]."""
    plan = make_plan(r, extra_sections=2)
    steps = Stepwise(plan, search, time.perf_counter() + 30)
    steps.week = {part_of(plan, g): [SectionDraft(g, (t,), (rm,), sid, tuple(members))
                                     for sid, t, rm, members in ds]
                  for g, ds in sections.items()}
    return steps


def exchanged(r, sections: dict[str, list], run_pass):
    """Run an exchange pass over a week of these sections (as week_of); the week must still
    pass the checker. Returns the Stepwise and what the pass counted."""
    steps = week_of(r, sections)
    made = run_pass(steps, lambda: False)
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []
    return steps, made


def members(steps) -> dict[tuple[str, int], tuple[str, ...]]:
    return {(d.group, d.slots[0]): d.members for ds in steps.week.values() for d in ds}


def test_a_patient_short_of_hours_moves_to_the_longer_section_with_room():
    r = hours_roster()
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3"])]})
    assert reseat_missing(steps) == 1
    assert members(steps) == {("A", 0): ("P2",), ("A", 1): ("P1", "P3")}
    assert steps.missing() == []
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []


def test_a_full_section_is_not_joined():
    r = hours_roster(max_size=2, n=4)
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3", "P4"])]})
    assert reseat_missing(steps) == 0
    assert members(steps) == {("A", 0): ("P1", "P2"), ("A", 1): ("P3", "P4")}


def test_nobody_leaves_a_section_that_would_fall_below_its_min_size():
    r = hours_roster(min_size=1)
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1"]), ("S2", 1, "R2", ["P2", "P3"])]})
    assert reseat_missing(steps) == 0
    assert members(steps)[("A", 0)] == ("P1",)


def test_the_only_role_model_does_not_leave_a_peer_section():
    r = hours_roster(kind="peer")
    r.patients[0] = patient("P1", program="IOP", role_model=True)
    r.patients[1] = patient("P2", role_model=False)
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3"])]})
    assert reseat_missing(steps) == 0
    # With a second role model in the morning section, P1 may go.
    r.patients[1] = patient("P2", role_model=True)
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3"])]})
    assert reseat_missing(steps) == 1


def test_a_patient_changes_section_to_free_the_time_of_a_group_they_miss():
    """B meets only Mon 9:00, when P1's section of A meets; A also meets at 18:00."""
    r = roster(
        slot_list=slots(MORNING, EVENING),
        programs=[program(), program("Day")],
        groups=[group("A"), group("B", skill="dbt", programs=("Res",))],
        staff_list=[staff("S1"), staff("S2"), staff("S3", skills=("dbt",))],
        rooms=[room("R1"), room("R2"), room("R3")],
        patient_list=[patient("P1"), patient("P2", program="Day"), patient("P3"),
                      patient("P4")],
    )
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3", "P4"])],
                        "B": [("S3", 0, "R3", ["P3", "P4"])]})
    assert steps.missing() == [("P1", part_of(steps.plan, "B"))]
    assert reseat_missing(steps) == 1
    assert members(steps) == {("A", 0): ("P2",), ("A", 1): ("P1", "P3", "P4"),
                              ("B", 0): ("P1", "P3", "P4")}
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []


def later_roster(b_required=True):
    """P1 needs 2.5 h: A gives at most 1.5 h, and B, placed later, at most 1.5 h."""
    return roster(
        slot_list=slots(EVENING, "Tue 9:00-10:00"),
        programs=[program(min_hours=2.5)],
        groups=[group("A"), group("B", skill="dbt", required=b_required)],
        staff_list=[staff("S1"), staff("S2", skills=("dbt",))],
        patient_list=[patient("P1")],
    )


def short_price(model: PatternModel) -> int:
    solver = solved(model)
    return sum(w * solver.value(units) for w, units in model.lost)


def test_a_place_step_counts_the_hours_a_later_required_group_still_gives():
    plan = make_plan(later_roster(), extra_sections=1)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    assert short_price(PatternModel(plan, {a}, relax=True, lean=True, later=(b,))) == 0
    # Without B to come, A alone leaves P1 an hour short, and that is priced.
    assert short_price(PatternModel(plan, {a}, relax=True, lean=True)) > 0


def test_a_place_step_does_not_count_on_an_elective_still_to_come():
    plan = make_plan(later_roster(b_required=False), extra_sections=1)
    a, b = part_of(plan, "A"), part_of(plan, "B")
    assert short_price(PatternModel(plan, {a}, relax=True, lean=True, later=(b,))) > 0


def therapist_roster():
    """P1's therapist S2 leads A on Monday evening, when P1 is in B; B also meets Tuesday."""
    return roster(
        slot_list=slots(MORNING, EVENING, "Tue 9:00-10:00"),
        groups=[group("A"), group("B", skill="dbt")],
        staff_list=[staff("S1"), staff("S2"), staff("S3", skills=("dbt",)),
                    staff("S4", skills=("dbt",))],
        rooms=[room("R1"), room("R2"), room("R3")],
        patient_list=[patient("P1", therapist="S2"), patient("P2"), patient("P3")],
    )


def test_a_patient_changes_two_sections_to_join_their_therapists():
    from scheduler.solver.reseat import reseat_for_therapists

    r = therapist_roster()
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 1, "R2", ["P3"])],
                        "B": [("S3", 1, "R3", ["P1", "P2"]), ("S4", 2, "R3", ["P3"])]})
    assert reseat_for_therapists(steps, lambda: False) == 1
    assert members(steps) == {("A", 0): ("P2",), ("A", 1): ("P1", "P3"),
                              ("B", 1): ("P2",), ("B", 2): ("P1", "P3")}
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []


def test_no_patient_gives_up_a_required_group_to_join_their_therapist():
    from scheduler.solver.reseat import reseat_for_therapists

    r = therapist_roster()
    # B's only section meets when S2's section of A does: P1 would have to leave B.
    steps = week_of(r, {"A": [("S1", 0, "R1", ["P1", "P2"]), ("S2", 2, "R2", ["P3"])],
                        "B": [("S3", 2, "R3", ["P1", "P2", "P3"])]})
    assert reseat_for_therapists(steps, lambda: False) == 0
    assert members(steps) == {("A", 0): ("P1", "P2"), ("A", 2): ("P3",),
                              ("B", 2): ("P1", "P2", "P3")}


def full_roster(p2_therapist=None, n=4):
    """P1's therapist S2 leads the elective A on Monday evening, full with P2 and P3; S1's
    section of A on Tuesday has a seat. Everyone is in B on Monday morning."""
    return roster(
        slot_list=slots(MORNING, EVENING, "Tue 9:00-10:00"),
        groups=[group("A", max_size=2, required=False), group("B", skill="dbt")],
        staff_list=[staff("S1"), staff("S2"), staff("S3", skills=("dbt",))],
        rooms=[room("R1"), room("R2"), room("R3")],
        patient_list=[patient("P1", therapist="S2"), patient("P2", therapist=p2_therapist),
                      patient("P3", therapist="S2")] + [patient(f"P{i}") for i in range(4, n + 1)],
    )


def full_week(r):
    return week_of(r, {"A": [("S2", 1, "R1", ["P2", "P3"]), ("S1", 2, "R2", ["P4"])],
                       "B": [("S3", 0, "R3", ["P1", "P2", "P3", "P4"])]})


def test_a_member_moves_over_so_a_patient_joins_their_therapists_full_section():
    from scheduler.solver.reseat import make_room_for_therapists, reseat_for_therapists

    r = full_roster()
    steps = full_week(r)
    assert reseat_for_therapists(steps, lambda: False) == 0  # S2's section is full
    assert make_room_for_therapists(steps, lambda: False) == 1
    # P2 (no therapist of theirs there) moved to S1's section; P3 keeps S2.
    assert members(steps) == {("A", 1): ("P1", "P3"), ("A", 2): ("P2", "P4"),
                              ("B", 0): ("P1", "P2", "P3", "P4")}
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []


def test_nobody_leaves_their_own_therapist_to_make_a_seat():
    from scheduler.solver.reseat import _make_room

    r = full_roster(p2_therapist="S2")  # both members of S2's section need S2
    steps = full_week(r)
    before = members(steps)
    # The pass itself, without the week's measure that would undo such a change anyway.
    assert _make_room(steps, lambda: False) == 0
    assert members(steps) == before


def test_nobody_is_moved_into_a_full_section_or_out_of_a_group_to_make_a_seat():
    from scheduler.solver.reseat import make_room_for_therapists

    r = full_roster(n=5)
    # S1's section of A is full too: P2 could only make the seat by dropping A.
    steps = week_of(r, {"A": [("S2", 1, "R1", ["P2", "P3"]), ("S1", 2, "R2", ["P4", "P5"])],
                        "B": [("S3", 0, "R3", ["P1", "P2", "P3", "P4", "P5"])]})
    before = members(steps)
    assert make_room_for_therapists(steps, lambda: False) == 0
    assert members(steps) == before


def test_a_member_who_sees_their_therapist_there_does_not_leave_it():
    from scheduler.solver.reseat import Reseater

    r = full_roster()
    steps = full_week(r)
    (s2,) = [d for ds in steps.week.values() for d in ds if d.facilitator == "S2"]
    # P3 could take the seat in S1's section, but would lose S2, their therapist.
    assert not Reseater(steps).leave("P3", s2)
    assert Reseater(steps).leave("P2", s2)

"""Re-deciding a therapist's sections with those of their patients who miss them
(regroup.py): S2, the therapist of P1 to P4, spends their one meeting a week on group A
at 9:00; only S3, who comes at 10:00, could take A over, so A must move for S2 to lead B."""

from __future__ import annotations

from test_reseat import exchanged, week_of
from tiny import group, patient, program, room, roster, slots, staff

from scheduler.solver import regroup
from scheduler.solver.opening import open_for_therapists
from scheduler.solver.regroup import regroup_for_therapists


def own_roster(weights=None, s3_comes="Mon 10:00-11:00"):
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00"),
        programs=[program("Res"), program("IOP")],
        groups=[group("A", skill="psy", programs=("Res",)), group("B", programs=("IOP",))],
        staff_list=[staff("S1"), staff("S2", skills=("cbt", "psy"), max_per_week=1),
                    staff("S3", skills=("psy",), available=s3_comes)],
        rooms=[room("R1"), room("R2")],
        patient_list=[patient("Q1"), patient("Q2"),
                      # Four of them: a step stops within STEP_GAP (50 points) of its bound.
                      *[patient(f"P{i}", program="IOP", therapist="S2") for i in range(1, 5)]],
        weights=weights)


WEEK = {"A": [("S2", 0, "R1", ["Q1", "Q2"])], "B": [("S1", 1, "R2", ["P1", "P2", "P3", "P4"])]}


def leaders(steps) -> dict[str, str]:
    return {d.group: d.facilitator for ds in steps.week.values() for d in ds}


def test_a_therapists_sections_move_aside_so_they_lead_their_patients_group():
    steps, made = exchanged(own_roster(), WEEK, regroup_for_therapists)
    assert made == 1
    assert leaders(steps) == {"A": "S3", "B": "S2"}
    assert {d.slots for ds in steps.week.values() for d in ds if d.group == "A"} == {(1,)}


def test_opening_a_section_cannot_do_it():
    # The pass before it: S2 has no meeting left in the week to open one with.
    steps, made = exchanged(own_roster(), WEEK, open_for_therapists)
    assert made == 0 and leaders(steps) == {"A": "S2", "B": "S1"}


def test_nothing_is_re_decided_when_own_therapist_weighs_nothing():
    steps, made = exchanged(own_roster({"own_therapist": 0}), WEEK, regroup_for_therapists)
    assert made == 0 and leaders(steps) == {"A": "S2", "B": "S1"}
    assert steps.stats.steps == 0


def test_a_step_that_gains_nothing_is_undone_and_not_tried_again():
    # S3 never comes: only S2 can lead A, so nothing lets S2 lead B.
    r = own_roster(s3_comes="Tue 9:00-10:00")
    steps, made = exchanged(r, WEEK, regroup_for_therapists)
    assert made == 0 and steps.week == week_of(r, WEEK).week
    decided = steps.stats.steps
    assert decided == 1
    assert regroup_for_therapists(steps, lambda: False) == 0
    assert steps.stats.steps == decided


def test_with_last_week_nothing_is_re_decided():
    steps = week_of(own_roster(), WEEK)
    steps.last = {("A", "A"): steps.week[next(iter(steps.week))][0]}
    assert regroup_for_therapists(steps, lambda: False) == 0 and steps.stats.steps == 0


def test_a_step_is_kept_only_when_more_patients_see_their_therapist(monkeypatch):
    # As if the step had gained points elsewhere while all four still missed S2.
    scores = iter([(100.0, 4), (50.0, 4)])
    monkeypatch.setattr(regroup, "_measure", lambda steps: next(scores))
    r = own_roster()
    steps = week_of(r, WEEK)
    assert regroup_for_therapists(steps, lambda: False) == 0
    assert steps.week == week_of(r, WEEK).week

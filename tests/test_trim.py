"""Giving up electives that Min hours do not need (trim.py), on two groups: the required B
at Mon 9:00 (1 h) and the elective A at Mon 10:00 (1 h)."""

from __future__ import annotations

from test_reseat import exchanged, members
from tiny import group, patient, program, room, roster, slots, staff

from scheduler.solver.trim import drop_unneeded_electives


def elective_roster(min_hours=1.0, min_size=1, kind="therapy", extra=(), therapist=None,
                    weights=None, role_model=None):
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00"),
        programs=[program("Res", min_hours=min_hours)],
        groups=[group("A", kind=kind, skill="peer" if kind == "peer" else "cbt",
                      required=False, min_size=min_size), group("B", skill="dbt")],
        staff_list=[staff("S1", ("cbt", "peer")), staff("S2", ("dbt",))],
        rooms=[room("R1"), room("R2")],
        patient_list=[patient("P1", extra=extra, therapist=therapist, role_model=role_model),
                      patient("P2", role_model=False if role_model else None)],
        weights=weights)


def run(r, a=("P1", "P2")):
    return exchanged(r, {"A": [("S1", 1, "R1", list(a))], "B": [("S2", 0, "R2", ["P1", "P2"])]},
                     drop_unneeded_electives)


def test_an_elective_the_hours_do_not_need_is_given_up():
    steps, made = run(elective_roster())
    assert made == 1  # P1 leaves; P2 keeps A so that it still meets
    assert members(steps)[("A", 1)] == ("P2",)


def test_an_elective_the_hours_need_is_kept():
    steps, made = run(elective_roster(min_hours=2.0))
    assert made == 0 and members(steps)[("A", 1)] == ("P1", "P2")


def test_a_prescribed_extra_group_is_kept():
    steps, made = run(elective_roster(extra=("A",)))
    assert made == 1 and members(steps)[("A", 1)] == ("P1",)  # only P2's was not prescribed


def test_nobody_leaves_the_section_of_their_own_therapist():
    # Even where the week's measure would call it a gain.
    steps, made = run(elective_roster(therapist="S1", weights={"right_amount": 50}))
    assert made == 1 and members(steps)[("A", 1)] == ("P1",)


def test_a_section_at_its_min_size_keeps_its_members():
    steps, made = run(elective_roster(min_size=2))
    assert made == 0 and members(steps)[("A", 1)] == ("P1", "P2")


def test_a_peer_section_keeps_its_one_role_model():
    steps, made = run(elective_roster(kind="peer", role_model=True))
    assert made == 1 and members(steps)[("A", 1)] == ("P1",)  # P2 leaves; P1 is the model

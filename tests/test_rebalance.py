"""Handing sections over to idle colleagues (rebalance.py), on two one-meeting groups."""

from __future__ import annotations

import json

import pytest
from checker import check
from test_reseat import week_of
from tiny import group, patient, program, roster, slots, staff

from scheduler.output import schedule_json
from scheduler.quality import measure
from scheduler.solver.rebalance import rebalance_facilitators


def two_groups(s2=None, therapists=None):
    """A (program Res: P1) meets Mon 9:00 and B (program Day: P2) Tue 9:00; S2 has cbt too."""
    therapists = therapists or {}
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
        programs=[program("Res"), program("Day")],
        groups=[group("A", programs=("Res",)), group("B", programs=("Day",))],
        staff_list=[staff("S1"), staff("S2", **(s2 or {}))],
        patient_list=[patient("P1", therapist=therapists.get("P1")),
                      patient("P2", program="Day", therapist=therapists.get("P2"))],
    )


def leaders(steps) -> dict[str, str]:
    return {d.group: d.facilitator for ds in steps.week.values() for d in ds}


def run(r, s1_leads=("A", "B")):
    sections = {"A": (0, "P1"), "B": (1, "P2")}
    steps = week_of(r, {g: [("S1" if g in s1_leads else "S2", t, "R1", [pid])]
                        for g, (t, pid) in sections.items()})
    before = measure(r, steps.schedule()).objective
    made = rebalance_facilitators(steps, lambda: False)
    after = measure(r, steps.schedule()).objective
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []
    assert after <= before
    return steps, made, before - after


def test_a_section_goes_from_a_fully_booked_facilitator_to_an_idle_colleague():
    steps, made, gain = run(two_groups())
    assert made == 1 and sorted(leaders(steps).values()) == ["S1", "S2"]
    assert gain == 5.0  # fair load: a 100-point gap closed, at 0.05 a point


def test_nothing_moves_when_the_colleague_is_away_then_or_lacks_the_skill():
    for s2 in ({"available": "Wed"}, {"skills": ("dbt",)}):
        steps, made, _ = run(two_groups(s2))
        assert made == 0 and leaders(steps) == {"A": "S1", "B": "S1"}


def test_nothing_moves_past_the_colleagues_weekly_maximum():
    steps, made, _ = run(two_groups({"max_per_week": 0}))
    assert made == 0


@pytest.mark.parametrize("own_weight", [None, 1])
def test_nobody_loses_their_own_therapist_to_a_hand_over(own_weight):
    # P1 sees S1 only in A: B is the one to hand over, even when own therapist weighs
    # less (1) than what handing A over gains in fair load (5).
    r = two_groups(therapists={"P1": "S1"})
    if own_weight is not None:
        r.weights["own_therapist"] = own_weight
    steps, made, _ = run(r)
    assert made == 1 and leaders(steps) == {"A": "S1", "B": "S2"}


def test_a_hand_over_can_bring_a_patient_their_own_therapist():
    # S1 leads B, S2 leads A. B goes to S2, P2's therapist; then A goes to S1, since S2
    # leading both would leave S1 idle.
    steps, made, gain = run(two_groups(therapists={"P2": "S2"}), s1_leads=("B",))
    assert made == 2 and leaders(steps) == {"A": "S1", "B": "S2"}
    assert gain == 20.0

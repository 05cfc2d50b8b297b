"""Spreading newcomers and role models by exchange (mix.py), on one peer group of two
sections: A at Mon 10:00 in R1 (S1) and at Mon 11:00 in R2 (S2)."""

from __future__ import annotations

import json

from checker import check
from test_reseat import exchanged, members, week_of
from tiny import NEWCOMER, group, patient, program, room, roster, slots, staff

from scheduler.output import schedule_json
from scheduler.quality import measure
from scheduler.solver.mix import mix_swaps


def model(pid, **kw):
    return patient(pid, role_model=True, **kw)


def new(pid, **kw):
    return patient(pid, admitted=NEWCOMER, role_model=False, **kw)


def plain(pid, **kw):
    return patient(pid, role_model=False, **kw)


def peer_roster(people, weights=None, with_b=False, max_size=4):
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00"),
        programs=[program("Res"), program("Day")],
        groups=[group("A", kind="peer", skill="peer", max_size=max_size)]
        + ([group("B", programs=("Day",))] if with_b else []),
        staff_list=[staff("S1", ("peer", "cbt")), staff("S2", ("peer",))],
        rooms=_rooms(),
        patient_list=people, weights=weights)


def _rooms():
    return [room("R1"), room("R2")]


def run(r, x, y, b=None):
    sections = {"A": [("S1", 1, "R1", x), ("S2", 2, "R2", y)]}
    if b:
        sections["B"] = [("S1", 0, "R1", b)]
    steps = week_of(r, sections)
    before = measure(r, steps.schedule()).objective
    made = mix_swaps(steps, lambda: False)
    assert check(r, json.loads(schedule_json(r, steps.schedule()))) == []
    assert measure(r, steps.schedule()).objective <= before
    return steps, made


def test_clustered_newcomers_are_spread_over_the_sections():
    r = peer_roster([model("M1"), new("N1"), new("N2"), model("M2"), plain("P1")])
    steps, made = run(r, ["M1", "N1", "N2"], ["M2", "P1"])
    assert made == 1
    x, y = members(steps)[("A", 1)], members(steps)[("A", 2)]
    assert sum(p.startswith("N") for p in x) == 1 and sum(p.startswith("N") for p in y) == 1


def test_newcomers_stay_together_when_the_other_section_meets_when_they_are_away():
    away = "Mon 11:00-12:00"
    r = peer_roster([model("M1"), new("N1", unavailable=away), new("N2", unavailable=away),
                     model("M2"), plain("P1")])
    steps, made = run(r, ["M1", "N1", "N2"], ["M2", "P1"])
    assert made == 0 and members(steps)[("A", 1)] == ("M1", "N1", "N2")


def test_a_section_of_many_gets_a_second_role_model():
    # Seven members with one role model are short of one (one per six).
    r = peer_roster([model("M1"), model("M2"), model("M3")]
                    + [plain(f"P{i}") for i in range(1, 7)], max_size=7)
    steps, made = run(r, ["M1", "P1", "P2", "P3", "P4", "P5", "P6"], ["M2", "M3"])
    assert made >= 1
    for section in members(steps).values():  # a second role model, or one member fewer
        assert sum(p.startswith("M") for p in section) * 6 >= len(section)


def test_no_exchange_leaves_a_peer_section_without_a_role_model():
    # With role-model mix off, moving M2 to Mon 10:00 would close its gap after B at 9:00,
    # but it is A Mon 11:00's only role model, and M1 cannot come at 11:00 to swap.
    r = peer_roster([model("M1", unavailable="Mon 11:00-12:00"), plain("P1"),
                     model("M2", program="Day"), plain("P2")],
                    weights={"role_model_mix": 0}, with_b=True)
    steps, made = run(r, ["M1", "P1"], ["M2", "P2"], b=["M2"])
    assert made == 0 and members(steps)[("A", 2)] == ("M2", "P2")


def therapy_roster(p2_therapist=None, weights=None):
    """Therapy group A at Mon 10:00 (S1) and 11:00 (S2); P2 is also in B at 9:00."""
    return roster(
        slot_list=slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00"),
        programs=[program("Res"), program("Day")],
        groups=[group("A", max_size=4), group("B", skill="dbt", programs=("Day",))],
        staff_list=[staff("S1"), staff("S2"), staff("S3", ("dbt",))],
        rooms=[room("R1"), room("R2"), room("R3")],
        patient_list=[plain("P1"), plain("P2", program="Day", therapist=p2_therapist),
                      plain("P3")], weights=weights)


def run_therapy(r):
    return exchanged(r, {"A": [("S1", 1, "R1", ["P1"]), ("S2", 2, "R2", ["P2", "P3"])],
                         "B": [("S3", 0, "R3", ["P2"])]}, mix_swaps)


def test_a_patient_moves_to_a_therapy_section_that_closes_their_idle_gap():
    steps, made = run_therapy(therapy_roster())
    assert made == 1  # B at 9:00, A at 10:00: no hour waiting before A at 11:00
    assert members(steps)[("A", 1)] == ("P1", "P2") and members(steps)[("A", 2)] == ("P3",)


def test_nobody_leaves_their_own_therapists_section_for_a_shorter_day():
    # Even where the week's measure would call it a gain.
    steps, made = run_therapy(therapy_roster(p2_therapist="S2", weights={"compact_days": 50}))
    assert made == 0 and members(steps)[("A", 2)] == ("P2", "P3")


def tied_roster(compact_weight):
    """N1 also has B at 9:00, so moving to A's 11:00 section leaves them waiting an hour; N2
    and N3 cannot come at 11:00."""
    late = "Mon 11:00-12:00"
    return peer_roster([model("M1"), new("N1", program="Day"), new("N2", unavailable=late),
                        new("N3", unavailable=late), model("M2"), plain("P1")],
                       weights={"compact_days": compact_weight}, with_b=True)


def test_at_equal_penalty_a_newcomer_moves_to_where_fewer_newcomers_are():
    # Two pairs of newcomers fewer (3 pairs to 1: 2 x 4 points) against one idle gap (8).
    steps, made = run(tied_roster(8), ["M1", "N1", "N2", "N3"], ["M2", "P1"], b=["N1"])
    assert made == 1 and members(steps)[("A", 2)] == ("M2", "N1", "P1")


def test_a_newcomer_stays_where_moving_costs_more_than_it_gains():
    steps, made = run(tied_roster(9), ["M1", "N1", "N2", "N3"], ["M2", "P1"], b=["N1"])
    assert made == 0 and members(steps)[("A", 1)] == ("M1", "N1", "N2", "N3")


def test_no_tie_break_for_a_rule_the_weights_sheet_turned_off():
    r = tied_roster(8)
    r.weights["role_model_mix"] = 0
    steps, made = run(r, ["M1", "N1", "N2", "N3"], ["M2", "P1"], b=["N1"])
    assert made == 0

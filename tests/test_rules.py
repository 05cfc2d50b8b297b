"""Each hard rule on a tiny instance: the solver routes around the one breaking option,
or refuses (exit code 1 territory) when breaking the rule is the only way."""

from tiny import (
    NEWCOMER,
    group,
    meetings_of,
    patient,
    patients,
    program,
    room,
    roster,
    slots,
    solve_checked,
    staff,
    when,
)

TWO_SLOTS = slots("Mon 9:00-10:00", "Tue 9:00-10:00")


# --- rule 1: sessions per week, distinct slots ---------------------------------------------

def test_rule1_section_meets_sessions_per_week_at_distinct_slots():
    data = solve_checked(roster(TWO_SLOTS, groups=[group(sessions=2)]))
    ms = meetings_of(data, "G")
    assert sorted(when(m) for m in ms) == ["Mon 09:00", "Tue 09:00"]


def test_rule1_refuses_when_the_facilitator_is_free_for_fewer_slots_than_sessions():
    r = roster(TWO_SLOTS, groups=[group(sessions=2)], staff_list=[staff(available="Mon")])
    assert solve_checked(r) is None


# --- rule 2: membership and section sizes ---------------------------------------------------

def test_rule2_splits_a_group_into_sections_within_size_limits():
    r = roster(groups=[group(min_size=2, max_size=3)], staff_list=[staff("S1"), staff("S2")],
               rooms=[room("R1"), room("R2")], patient_list=patients(5))
    data = solve_checked(r)
    sizes = sorted(len(m["patients"]) for m in meetings_of(data, "G"))
    assert sizes == [2, 3]


def test_rule2_refuses_when_no_split_fits_the_sizes():
    # 5 patients, sections of exactly 3: no way to place everyone once.
    r = roster(groups=[group(min_size=3, max_size=3)], staff_list=[staff("S1"), staff("S2")],
               rooms=[room("R1"), room("R2")], patient_list=patients(5))
    assert solve_checked(r) is None


def test_rule2_never_places_a_patient_in_a_group_of_another_program():
    r = roster(programs=[program("Res"), program("IOP")],
               groups=[group(programs=("Res",), required=False, min_size=1)],
               patient_list=[patient("P1", program="Res", extra=("G",)), patient("P2", program="IOP")])
    data = solve_checked(r)
    assert [m["patients"] for m in meetings_of(data, "G")] == [["P1"]]


# --- rule 3: nobody in two places at once ---------------------------------------------------

def test_rule3_one_facilitator_leads_two_groups_at_different_times():
    r = roster(TWO_SLOTS, groups=[group("A"), group("B")],
               rooms=[room("R1"), room("R2")],
               patient_list=[patient("P1", extra=()), patient("P2")])
    data = solve_checked(r)
    assert when(meetings_of(data, "A")[0]) != when(meetings_of(data, "B")[0])


def test_rule3_refuses_two_groups_for_the_same_patient_in_one_slot():
    r = roster(groups=[group("A", skill="cbt"), group("B", skill="dbt")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",))],
               rooms=[room("R1"), room("R2")])
    assert solve_checked(r) is None


def test_rule3_one_room_hosts_two_groups_at_different_times():
    r = roster(TWO_SLOTS,
               programs=[program("A"), program("B")],
               groups=[group("GA", programs=("A",)), group("GB", programs=("B",), skill="dbt")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",))],
               patient_list=[patient("P1", program="A"), patient("P2", program="B")])
    data = solve_checked(r)
    assert when(meetings_of(data, "GA")[0]) != when(meetings_of(data, "GB")[0])


# --- rule 4: patients' windows, unavailability, daily cap, minimum hours ---------------------

def test_rule4_meets_only_when_the_program_attends():
    r = roster(TWO_SLOTS, programs=[program(attends="Tue")])
    assert [when(m) for m in meetings_of(solve_checked(r), "G")] == ["Tue 09:00"]


def test_rule4_avoids_a_patients_unavailable_time():
    r = roster(TWO_SLOTS, patient_list=[patient("P1", unavailable="Mon 9:30-11:00")])
    assert [when(m) for m in meetings_of(solve_checked(r), "G")] == ["Tue 09:00"]


def test_rule4_spreads_meetings_to_respect_max_per_day():
    r = roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00"),
               programs=[program(max_per_day=1)],
               groups=[group("A"), group("B", skill="dbt")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",))])
    data = solve_checked(r)
    days = {meetings_of(data, g)[0]["day"] for g in ("A", "B")}
    assert days == {"Mon", "Tue"}


def test_rule4_refuses_when_max_per_day_cannot_hold_the_required_groups():
    r = roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00"), programs=[program(max_per_day=1)],
               groups=[group("A"), group("B", skill="dbt")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",))])
    assert solve_checked(r) is None


def test_rule4_adds_an_elective_to_reach_min_hours():
    r = roster(TWO_SLOTS, programs=[program(min_hours=2)],
               groups=[group("Core"), group("Elective", required=False, skill="dbt")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",))])
    data = solve_checked(r)
    assert meetings_of(data, "Elective")[0]["patients"] == ["P1"]


def test_rule4_refuses_when_min_hours_cannot_be_reached():
    r = roster(TWO_SLOTS, programs=[program(min_hours=2)], groups=[group("Core")])
    assert solve_checked(r) is None


# --- rule 5: facilitators -----------------------------------------------------------------

def test_rule5_only_a_qualified_facilitator_leads():
    r = roster(groups=[group(skill="trauma")],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("trauma",))])
    assert meetings_of(solve_checked(r), "G")[0]["facilitator"] == "S2"


def test_rule5_meets_when_the_facilitator_is_available():
    r = roster(TWO_SLOTS, staff_list=[staff(available="Tue")])
    assert [when(m) for m in meetings_of(solve_checked(r), "G")] == ["Tue 09:00"]


def test_rule5_respects_max_per_week_by_using_a_colleague():
    r = roster(TWO_SLOTS, groups=[group(sessions=2)],
               staff_list=[staff("S1", max_per_week=1), staff("S2")])
    assert {m["facilitator"] for m in meetings_of(solve_checked(r), "G")} == {"S2"}


def test_rule5_refuses_when_max_per_day_leaves_too_few_meetings():
    r = roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00"),
               groups=[group("A", programs=("Res",)), group("B", programs=("Res",))],
               staff_list=[staff("S1", max_per_day=1)], rooms=[room("R1"), room("R2")])
    assert solve_checked(r) is None


# --- rule 6: rooms ----------------------------------------------------------------------------

def test_rule6_uses_a_room_large_enough():
    r = roster(rooms=[room("Small", 2), room("Big", 5)], patient_list=patients(4))
    assert meetings_of(solve_checked(r), "G")[0]["room"] == "Big"


def test_rule6_uses_a_room_with_the_groups_features():
    r = roster(groups=[group(room_needs=("mats",))],
               rooms=[room("Plain"), room("Studio", features=("mats",))])
    assert meetings_of(solve_checked(r), "G")[0]["room"] == "Studio"


def test_rule6_uses_a_room_with_every_members_needs():
    r = roster(rooms=[room("Stairs"), room("Ground", features=("accessible",))],
               patient_list=[patient("P1"), patient("P2", needs=("accessible",))])
    assert meetings_of(solve_checked(r), "G")[0]["room"] == "Ground"


def test_rule6_avoids_a_rooms_unavailable_time():
    r = roster(TWO_SLOTS, rooms=[room(unavailable="Mon")])
    assert [when(m) for m in meetings_of(solve_checked(r), "G")] == ["Tue 09:00"]


def test_rule6_refuses_when_no_room_seats_the_section():
    r = roster(groups=[group(min_size=4)], rooms=[room(capacity=3)], patient_list=patients(4))
    assert solve_checked(r) is None


# --- rule 7: keep apart -----------------------------------------------------------------------

def test_rule7_keep_apart_pair_goes_to_different_sections():
    ps = patients(4)
    ps[0] = patient("P1", keep_apart=("P2",))
    r = roster(groups=[group(min_size=1, max_size=4)], staff_list=[staff("S1"), staff("S2")],
               rooms=[room("R1"), room("R2")], patient_list=ps)
    data = solve_checked(r)
    sections = {m["section"]: set(m["patients"]) for m in meetings_of(data, "G")}
    assert len(sections) == 2
    assert not any({"P1", "P2"} <= members for members in sections.values())


def test_rule7_refuses_when_a_pair_can_only_share_the_one_section():
    ps = [patient("P1", keep_apart=("P2",)), patient("P2")]
    assert solve_checked(roster(patient_list=ps)) is None


# --- rule 8: role models in peer sections -----------------------------------------------------

def test_rule8_each_peer_section_gets_a_role_model():
    ps = [patient("P1"), patient("P2")] + patients(2, prefix="N", admitted=NEWCOMER)
    r = roster(groups=[group(kind="peer", skill="peer support", min_size=2, max_size=2)],
               staff_list=[staff("S1", ("peer support",)), staff("S2", ("peer support",))],
               rooms=[room("R1"), room("R2")], patient_list=ps)
    data = solve_checked(r)
    for m in meetings_of(data, "G"):
        assert len({"P1", "P2"} & set(m["patients"])) == 1


def test_rule8_refuses_a_peer_group_of_newcomers_only():
    r = roster(groups=[group(kind="peer", skill="peer support")],
               staff_list=[staff("S1", ("peer support",))],
               patient_list=patients(3, admitted=NEWCOMER))
    assert solve_checked(r) is None


def test_rule8_role_model_column_overrides_the_admission_date():
    r = roster(groups=[group(kind="peer", skill="peer support")],
               staff_list=[staff("S1", ("peer support",))],
               patient_list=[patient("P1", admitted=NEWCOMER, role_model=True),
                             patient("P2", admitted=NEWCOMER)])
    assert solve_checked(r) is not None


def test_rule8_refuses_when_keep_apart_would_leave_a_newcomer_only_section():
    # Two role models allow two sections, but N1 may sit with neither of them.
    ps = [patient("P1"), patient("P2"), patient("N1", admitted=NEWCOMER, keep_apart=("P1", "P2")),
          patient("N2", admitted=NEWCOMER)]
    r = roster(groups=[group(kind="peer", skill="peer support", min_size=2, max_size=2)],
               staff_list=[staff("S1", ("peer support",)), staff("S2", ("peer support",))],
               rooms=[room("R1"), room("R2")], patient_list=ps)
    assert solve_checked(r) is None

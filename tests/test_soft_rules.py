"""Each soft rule as a pair of tiny weeks (Timefold style): in the first the rule is met at the
proven optimum; in the second the roster forces the worse choice, and the objective rises by
exactly weight x units. A rule missing from the objective cannot pass both."""

import datetime as dt
from dataclasses import replace

import pytest
from tiny import (
    NEWCOMER,
    WEEK_OF,
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
    units,
    when,
)

from scheduler.check import check_schedule
from scheduler.quality import measure
from scheduler.rules import RULE_BY_KEY, SOFT_RULES

SETTLED = WEEK_OF - dt.timedelta(days=10)  # neither newcomer nor role model


def solved(r):
    data = solve_checked(r, optimal=True)
    # At the optimum the report's recount equals what the solver minimised.
    assert data["quality"]["objective"] == pytest.approx(data["objective"])
    return data


def points(data) -> float:
    """The objective the solver minimised (not the report's recount)."""
    return data["objective"]


def assert_penalised(good, bad, rule, extra_units):
    assert units(bad, rule) - units(good, rule) == extra_units
    assert points(bad) - points(good) == pytest.approx(RULE_BY_KEY[rule].weight * extra_units)


# --- own therapist ------------------------------------------------------------------------

def own_therapist_roster(s2_available=""):
    return roster(groups=[group(skill="cbt")],
                  staff_list=[staff("S1", ("cbt",)), staff("S2", ("cbt",), available=s2_available)],
                  patient_list=[patient("P1", therapist="S2")], weights={"fair_load": 0})


def test_own_therapist_leads_the_patients_group():
    data = solved(own_therapist_roster())
    assert meetings_of(data, "G")[0]["facilitator"] == "S2"
    assert units(data, "own_therapist") == 0


def test_own_therapist_missed_when_the_therapist_is_away():
    good = solved(own_therapist_roster())
    bad = solved(own_therapist_roster(s2_available="Tue"))
    assert_penalised(good, bad, "own_therapist", 1)
    miss = next(r for r in bad["quality"]["rules"] if r["rule"] == "own_therapist")["misses"][0]
    assert "never available" in miss["unavoidable"]


def test_own_therapist_missed_when_seeing_them_would_put_two_meetings_on_one_day():
    # S2 comes only on Monday, and G meets twice a week: S1 leads it on Monday and Tuesday.
    def twice_a_week(s2_available):
        return roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00"),
                      groups=[group(skill="cbt", sessions=2)],
                      staff_list=[staff("S1", ("cbt",)),
                                  staff("S2", ("cbt",), available=s2_available)],
                      patient_list=[patient("P1", therapist="S2")], weights={"fair_load": 0})

    good = solved(twice_a_week("Mon, Tue"))
    bad = solved(twice_a_week("Mon"))
    assert {m["facilitator"] for m in meetings_of(good, "G")} == {"S2"}
    assert {m["facilitator"] for m in meetings_of(bad, "G")} == {"S1"}
    assert_penalised(good, bad, "own_therapist", 1)
    miss = next(r for r in bad["quality"]["rules"] if r["rule"] == "own_therapist")["misses"][0]
    assert "only on Mon" in miss["unavoidable"] and "twice on one day" in miss["unavoidable"]
    # With both days the miss would have been one to improve, not a forced one.
    assert units(good, "own_therapist") == 0


def test_own_therapist_outweighs_fair_load():
    # S2 already leads Other; fair load alone would give G to S1.
    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               programs=[program("Res"), program("Other")],
               groups=[group("G", skill="cbt", programs=("Res",)),
                       group("Other", skill="dbt", programs=("Other",))],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("cbt", "dbt"))],
               patient_list=[patient("P1", therapist="S2"), patient("P2", program="Other")])
    assert meetings_of(solved(r), "G")[0]["facilitator"] == "S2"


# --- spread -------------------------------------------------------------------------------

def spread_roster(day_slots, available=""):
    return roster(slots(*day_slots), groups=[group(sessions=2)],
                  staff_list=[staff(available=available)])


def test_spread_avoids_two_meetings_on_one_day():
    three = ("Mon 9:00-10:00", "Mon 10:00-11:00", "Wed 9:00-10:00")
    good = solved(spread_roster(three))
    assert sorted(m["day"] for m in meetings_of(good, "G")) == ["Mon", "Wed"]
    assert units(good, "spread") == 0
    assert_penalised(good, solved(spread_roster(three, available="Mon")), "spread", 30)


def test_spread_prefers_a_day_between_meetings():
    three = ("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-10:00")
    good = solved(spread_roster(three))
    assert sorted(m["day"] for m in meetings_of(good, "G")) == ["Mon", "Wed"]
    bad = solved(spread_roster(three, available="Mon-Tue"))
    assert_penalised(good, bad, "spread", 1)
    rule = next(x for x in bad["quality"]["rules"] if x["rule"] == "spread")
    assert rule["satisfied"] == 1  # as well as the week allows
    assert "only all free on Mon, Tue" in rule["misses"][0]["unavoidable"]


# --- same room ----------------------------------------------------------------------------

def same_room_roster(r2_closed=""):
    return roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"), groups=[group(sessions=2)],
                  rooms=[room("R1", unavailable="Tue"), room("R2", unavailable=r2_closed)])


def test_same_room_keeps_a_section_in_one_room():
    good = solved(same_room_roster())
    assert {m["room"] for m in meetings_of(good, "G")} == {"R2"}
    bad = solved(same_room_roster(r2_closed="Mon"))
    assert_penalised(good, bad, "same_room", 1)


# --- shared experience --------------------------------------------------------------------

def track_roster(apart=False):
    ps = [patient("A1", track="alcohol", keep_apart=("A2",) if apart else ()),
          patient("O1", track="opioids", keep_apart=("O2",) if apart else ()),
          patient("A2", track="alcohol"), patient("O2", track="opioids")]
    return roster(groups=[group(kind="peer", skill="peer support", min_size=2, max_size=2)],
                  staff_list=[staff("S1", ("peer support",)), staff("S2", ("peer support",))],
                  rooms=[room("R1"), room("R2")], patient_list=ps)


def test_shared_experience_groups_peers_by_track():
    good = solved(track_roster())
    sections = sorted(sorted(m["patients"]) for m in meetings_of(good, "G"))
    assert sections == [["A1", "A2"], ["O1", "O2"]]
    assert_penalised(good, solved(track_roster(apart=True)), "shared_experience", 2)


# --- role-model mix -----------------------------------------------------------------------

def newcomer_roster(cluster=False):
    ps = [patient("R1"), patient("R2"), patient("X1", admitted=SETTLED),
          patient("X2", admitted=SETTLED),
          patient("N1", admitted=NEWCOMER, keep_apart=("R2", "X1", "X2") if cluster else ()),
          patient("N2", admitted=NEWCOMER)]
    return roster(groups=[group(kind="peer", skill="peer support", min_size=3, max_size=3)],
                  staff_list=[staff("S1", ("peer support",)), staff("S2", ("peer support",))],
                  rooms=[room("R1"), room("R2")], patient_list=ps)


def test_role_model_mix_spreads_newcomers():
    good = solved(newcomer_roster())
    for m in meetings_of(good, "G"):
        assert len({"N1", "N2"} & set(m["patients"])) == 1
    assert_penalised(good, solved(newcomer_roster(cluster=True)), "role_model_mix", 1)


def test_role_model_mix_gives_a_large_section_two_role_models():
    # 13 patients in sections of 6 and 7: the 7-member section needs 2 of the 3 role models.
    ps = patients(3, prefix="R") + patients(10, prefix="N", admitted=SETTLED)
    r = roster(groups=[group(kind="peer", skill="peer support", min_size=6, max_size=7)],
               staff_list=[staff("S1", ("peer support",)), staff("S2", ("peer support",))],
               rooms=[room("R1"), room("R2")], patient_list=ps)
    data = solved(r)
    for m in meetings_of(data, "G"):
        models = sum(pid.startswith("R") for pid in m["patients"])
        assert models >= (2 if len(m["patients"]) == 7 else 1)
    assert units(data, "role_model_mix") == 0


# --- fair load ----------------------------------------------------------------------------

def fair_load_roster(patient_only_monday=False):
    # S1 can lead 2 meetings a week, S2 3 (Tue-Thu): one meeting is 50% of S1 or 33% of S2.
    return roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-10:00", "Thu 9:00-10:00"),
                  staff_list=[staff("S1", max_per_week=2), staff("S2", available="Tue-Thu")],
                  patient_list=[patient("P1", unavailable="Tue-Thu" if patient_only_monday else "")])


def test_fair_load_uses_the_colleague_with_more_room():
    good = solved(fair_load_roster())
    assert meetings_of(good, "G")[0]["facilitator"] == "S2"
    assert units(good, "fair_load") == 33
    assert_penalised(good, solved(fair_load_roster(patient_only_monday=True)), "fair_load", 17)


# --- compact days -------------------------------------------------------------------------

def compact_roster(a_at="", b_at=""):
    return roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00"),
                  groups=[group("A"), group("B", skill="dbt")],
                  staff_list=[staff("S1", ("cbt",), available=a_at),
                              staff("S2", ("dbt",), available=b_at)])


def test_compact_days_puts_sessions_back_to_back():
    good = solved(compact_roster())
    times = sorted(when(meetings_of(good, g)[0]) for g in ("A", "B"))
    assert times != ["Mon 09:00", "Mon 11:00"]
    bad = solved(compact_roster(a_at="Mon 9:00-10:00", b_at="Mon 11:00-12:00"))
    assert_penalised(good, bad, "compact_days", 1)


# --- right amount -------------------------------------------------------------------------

def elective_roster(track_group_staff_available=""):
    return roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-10:00"),
                  programs=[program(min_hours=2)],
                  groups=[group("Core"),
                          group("General", required=False, skill="dbt"),
                          group("Opioid Recovery", required=False, skill="trauma",
                                track="opioids")],
                  staff_list=[staff("S1", ("cbt",)), staff("S2", ("dbt",)),
                              staff("S3", ("trauma",), available=track_group_staff_available)],
                  rooms=[room("R1"), room("R2")],
                  patient_list=[patient("P1", track="opioids")])


def test_right_amount_adds_only_the_electives_needed_and_prefers_the_own_track():
    good = solved(elective_roster())
    assert meetings_of(good, "General") == []
    assert [m["patients"] for m in meetings_of(good, "Opioid Recovery")] == [["P1"]]
    assert units(good, "right_amount") == 1
    assert_penalised(good, solved(elective_roster(track_group_staff_available="Sat")),
                     "right_amount", 1)


# --- few sections -------------------------------------------------------------------------

def sections_roster(apart=False):
    ps = patients(4)
    if apart:
        ps[0] = patient("P1", keep_apart=("P2",))
    return roster(groups=[group(max_size=4)], staff_list=[staff("S1"), staff("S2")],
                  rooms=[room("R1"), room("R2")], patient_list=ps, weights={"fair_load": 0})


def test_few_sections_fills_one_section_rather_than_two():
    good = solved(sections_roster())
    assert len(meetings_of(good, "G")) == 1
    assert_penalised(good, solved(sections_roster(apart=True)), "few_sections", 1)


# --- weights ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", [r.key for r in SOFT_RULES])
def test_every_rule_at_weight_zero_leaves_the_objective(rule):
    r = roster(patient_list=patients(2, therapist="S1"), weights={rule: 0})
    data = solved(r)
    assert rule not in data["stats"]["objective_units"]
    assert any(x["rule"] == rule and x["weight"] == 0 for x in data["quality"]["rules"])


def test_weight_zero_lets_another_rule_win():
    # Own therapist off: fair load now decides, and gives the group to idle S1.
    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               programs=[program("Res"), program("Other")],
               groups=[group("G", skill="cbt", programs=("Res",)),
                       group("Other", skill="dbt", programs=("Other",))],
               staff_list=[staff("S1", ("cbt",)), staff("S2", ("cbt", "dbt"))],
               patient_list=[patient("P1", therapist="S2"), patient("P2", program="Other")], weights={"own_therapist": 0})
    data = solved(r)
    assert meetings_of(data, "G")[0]["facilitator"] == "S1"
    assert units(data, "own_therapist") == 1


# --- own therapist: what stands in the way (the report's reason for an improvable miss) -----

def own_therapist_week(p1=None, p2=None, s2=None, second_group=False, s2_elsewhere=False,
                       b_members=("P2",)):
    """P1's therapist is S2. G A (S1, Mon 9) has P1 unless P1 is in b_members; G B (Tue 9)
    has b_members and is led by S2, or with s2_elsewhere by S1 while S2 leads K, a group of
    another program. With second_group, H (S3, Tue 9) has P1 too."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               programs=[program("Res"), program("Other")],
               groups=[group("G", max_size=2), group("H", skill="dbt"),
                       group("K", skill="cbt", programs=("Other",))],
               staff_list=[staff("S1"), staff("S2", **(s2 or {})), staff("S3", ("dbt",))],
               rooms=[room("R1"), room("R2", features=("ramp",))],
               patient_list=[patient("P1", therapist="S2", **(p1 or {})),
                             patient("P2", **(p2 or {})), patient("P3", program="Other")])
    meetings = [Meeting("G", "B", 1, 540, 600, "R2", "S1" if s2_elsewhere else "S2", b_members),
                Meeting("K", "", 0, 540, 600, "R2", "S2" if s2_elsewhere else "S1", ("P3",))]
    if "P1" not in b_members:
        meetings.append(Meeting("G", "A", 0, 540, 600, "R1", "S1", ("P1",)))
    if second_group:
        meetings.append(Meeting("H", "", 1, 540, 600, "R1", "S3", ("P1",)))
    return r, Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=meetings)


@pytest.mark.parametrize("week, detail", [
    ({}, "Has a seat at times this patient is free: G B."),
    ({"p1": {"needs": ("quiet",)}},
     "Meets in a room without the features this patient needs: G B."),
    ({"p1": {"keep_apart": ("P2",)}}, "Has someone this patient is kept apart from: G B."),
    ({"p1": {"unavailable": "Tue"}}, "Meets when this patient is not available: G B."),
    ({"second_group": True}, "Meets at the same time as their H: G B."),
])
def test_an_improvable_own_therapist_miss_says_what_stands_in_the_way(week, detail):
    from scheduler.quality import measure

    r, s = own_therapist_week(**week)
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert miss.unavoidable is None and miss.detail == detail


def test_a_full_section_of_the_therapist_is_named():
    from scheduler.quality import measure

    r, s = own_therapist_week(b_members=("P2", "P3"))
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert (miss.cause, miss.detail) == ("full", "Full: G B.")


def test_a_full_section_that_also_clashes_with_the_patients_other_group_names_both():
    from scheduler.quality import measure

    r, s = own_therapist_week(b_members=("P2", "P3"), second_group=True)
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert (miss.cause, miss.detail) == (
        "full", "Full, and meets at the same time as their H: G B.")


@pytest.mark.parametrize("s2, tail", [
    ({}, ""),
    ({"max_per_week": 1}, ", and already leads as many sessions as their weekly maximum (1)"),
])
def test_a_therapist_who_leads_none_of_the_patients_groups_is_named(s2, tail):
    from scheduler.quality import measure

    r, s = own_therapist_week(s2=s2, s2_elsewhere=True)
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert miss.detail == ("Staff S2 leads no section of the therapy groups open to this "
                           "patient" + tail + ".")


def test_a_full_section_the_patient_cannot_attend_anyway_is_named_by_its_times():
    from scheduler.quality import measure

    r, s = own_therapist_week(b_members=("P2", "P3"), p1={"unavailable": "Tue"})
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert miss.detail == "Meets when this patient is not available: G B."


@pytest.mark.parametrize("week, detail", [
    ({"b_members": ("P2", "P3"), "p1": {"unavailable": "Mon"}},
     "Full: G B. They are both free only on Tue, when Staff S2 already leads 1 meeting, "
     "their Max per day."),
    ({"s2_elsewhere": True, "p1": {"unavailable": "Tue"}},
     "Staff S2 leads no section of the therapy groups open to this patient. They are both "
     "free only on Mon, when Staff S2 already leads 1 meeting, their Max per day."),
])
def test_a_therapist_at_their_max_per_day_on_every_common_day_is_named(week, detail):
    from scheduler.quality import measure

    r, s = own_therapist_week(s2={"max_per_day": 1}, **week)
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert miss.detail == detail


def test_a_therapist_below_their_max_per_day_gets_no_such_sentence():
    from scheduler.quality import measure

    r, s = own_therapist_week(s2={"max_per_day": 2}, b_members=("P2", "P3"),
                              p1={"unavailable": "Mon"})
    (miss,) = measure(r, s).rule("own_therapist").misses
    assert miss.detail == "Full: G B."


def test_a_patient_with_their_therapist_has_no_miss_and_no_detail():
    from scheduler.quality import measure

    r, s = own_therapist_week(b_members=("P1", "P2"))
    assert measure(r, s).rule("own_therapist").misses == []


def one_day_week(s2_leads_g=False, n=1, weights=None):
    """G meets twice a week; S2, the therapist of P1 (and of P2.. with n), is free only on
    Monday. S1 leads G on Mon and Tue for them, or with s2_leads_g S2 leads a second section
    on Mon 9 and Mon 10 with a seat to spare."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00"),
               groups=[group("G", sessions=2)],
               staff_list=[staff("S1"), staff("S2", available="Mon")],
               rooms=[room("R1"), room("R2")],
               patient_list=[patient(f"P{i}", therapist="S2") for i in range(1, n + 1)]
               + [patient("P9")], weights=weights)
    mine = tuple(f"P{i}" for i in range(1, n + 1))
    meetings = [Meeting("G", "A", 0, 540, 600, "R1", "S1", mine),
                Meeting("G", "A", 1, 540, 600, "R1", "S1", mine)]
    if s2_leads_g:
        meetings += [Meeting("G", "B", 0, 540, 600, "R2", "S2", ("P9",)),
                     Meeting("G", "B", 0, 600, 660, "R2", "S2", ("P9",))]
    return r, Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=meetings)


def test_a_therapist_free_on_one_day_for_a_twice_weekly_group_is_an_unavoidable_miss():
    from scheduler.quality import measure

    (miss,) = measure(*one_day_week()).rule("own_therapist").misses
    assert miss.unavoidable == ("Staff S2 and this patient are both free only on Mon, and the "
                                "groups the therapist can lead for them meet at least twice a "
                                "week: seeing the therapist would take a section meeting twice "
                                "on one day")


def test_a_section_of_the_therapist_that_fits_the_one_day_makes_the_miss_improvable():
    from scheduler.quality import measure

    (miss,) = measure(*one_day_week(s2_leads_g=True)).rule("own_therapist").misses
    assert miss.unavoidable is None
    assert miss.detail == "Has a seat at times this patient is free: G B."


@pytest.mark.parametrize("n, weights", [(8, None), (1, {"own_therapist": 200})])
def test_a_one_day_miss_is_improvable_when_the_weights_favour_meeting_twice(n, weights):
    # 8 patients x 20 outweigh one second meeting on a day (150); so does a weight of 200.
    from scheduler.quality import measure

    misses = measure(*one_day_week(n=n, weights=weights)).rule("own_therapist").misses
    assert len(misses) == n and all(m.unavoidable is None for m in misses)


# --- fair load: why the idle colleague took none of the busy one's sections ----------------

def fair_load_week(s2=None, skill="cbt", therapist=None, s2_leads_c=False):
    """S1 leads A (P1, Mon 9) and B (P2, Tue 9); S2, who shares cbt with S1, leads nothing,
    or with s2_leads_c C (P3, Mon 9)."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               groups=[group("A", skill=skill), group("B", skill=skill), group("C")],
               staff_list=[staff("S1", ("cbt", "dbt")), staff("S2", **(s2 or {}))],
               rooms=[room("R1"), room("R2")],
               patient_list=[patient("P1", therapist=therapist), patient("P2"), patient("P3")])
    meetings = [Meeting("A", "", 0, 540, 600, "R1", "S1", ("P1",)),
                Meeting("B", "", 1, 540, 600, "R1", "S1", ("P2",))]
    if s2_leads_c:
        meetings.append(Meeting("C", "", 0, 540, 600, "R2", "S2", ("P3",)))
    return r, Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=meetings)


@pytest.mark.parametrize("week, detail", [
    ({}, "For each, nothing in the week stops Staff S2 taking it over."),
    ({"s2": {"available": "Mon"}}, "For 1, Staff S2 is not available at all its times "
                                   "(available Mon); "
                                   "for 1, nothing in the week stops Staff S2 taking it over."),
    # Then S2 would be at 100 % and S1 at 50 %: the gap the other way.
    ({"s2_leads_c": True}, "For 1, Staff S2 leads another group at one of its times; "
                           "for 1, taking it over would leave the cbt team 50 points apart "
                           "(Staff S2 at 100%, Staff S1 at 50%)."),
    ({"therapist": "S1"}, "For 1, a patient in it would lose Staff S1 as their therapist in "
                          "group; for 1, nothing in the week stops Staff S2 taking it over."),
])
def test_an_unbalanced_team_says_why_the_idle_member_took_nothing_over(week, detail):
    from scheduler.quality import measure

    r, s = fair_load_week(**week)
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.text.startswith("cbt: Staff S1 at 100% of capacity, Staff S2 at ")
    assert miss.detail == "Staff S2 has the skill for both sections Staff S1 leads. " + detail


def test_an_idle_member_without_the_skill_of_the_busy_ones_groups_is_named():
    from scheduler.quality import measure

    r, s = fair_load_week(skill="dbt")
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.detail == ("Staff S2 has the skill for none of the groups Staff S1 leads "
                           "(they need dbt).")


def test_of_two_members_at_the_top_the_one_whose_groups_the_idle_one_could_lead_is_named():
    """S1 (dbt groups A, B) and S3 (cbt group C) are both at 100 %; S2 has cbt only."""
    from scheduler.quality import measure
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               groups=[group("A", skill="dbt"), group("B", skill="dbt"), group("C")],
               staff_list=[staff("S1", ("cbt", "dbt")), staff("S2"),
                           staff("S3", available="Mon")],
               rooms=[room("R1"), room("R2")],
               patient_list=[patient("P1"), patient("P2"), patient("P3")])
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("A", "", 0, 540, 600, "R1", "S1", ("P1",)),
        Meeting("B", "", 1, 540, 600, "R1", "S1", ("P2",)),
        Meeting("C", "", 0, 540, 600, "R2", "S3", ("P3",))])
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.text == "cbt: Staff S3 at 100% of capacity, Staff S2 at 0%"
    # S1 stays at 100 %, so taking C over would only bring S3 to 0 %.
    assert miss.detail == ("Staff S2 has the skill for the one section Staff S3 leads. "
                           "Taking it over would leave the cbt team 100 points apart "
                           "(Staff S1 at 100%, Staff S3 at 0%).")


def handing_over_week(s2_skills, s3_skills, s1_leads):
    """Mon-Fri 9:00, one slot a day (everyone's capacity 5). S1 (cbt) leads one-patient
    cbt sections {group: days}; S2 leads T (trauma) on Thu and S3 U (trauma) on Fri."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots(*(f"{d} 9:00-10:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri"))),
               groups=[group(g) for g in s1_leads] + [group("T", skill="trauma"),
                                                      group("U", skill="trauma")],
               staff_list=[staff("S1"), staff("S2", s2_skills), staff("S3", s3_skills)],
               rooms=[room("R1")], patient_list=[patient("P1"), patient("P2"), patient("P3")])
    meetings = [Meeting(g, "", day, 540, 600, "R1", "S1", ("P1",))
                for g, days in s1_leads.items() for day in days]
    meetings += [Meeting("T", "", 3, 540, 600, "R1", "S2", ("P2",)),
                 Meeting("U", "", 4, 540, 600, "R1", "S3", ("P3",))]
    return r, Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=meetings)


def test_a_hand_over_that_would_unbalance_another_team_names_it():
    """cbt: S1 at 60 %, S2 at 20 %. Handing over B (one meeting) balances cbt and keeps
    trauma (S2, S3) within 30 points; handing over A (two) puts S2 at 60 % beside S3 at 20 %
    and cbt 40 points apart the other way (trauma named: of equal gaps, the later skill)."""
    from scheduler.quality import measure

    r, s = handing_over_week(("cbt", "trauma"), ("trauma",), {"A": (0, 1), "B": (2,)})
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.text == "cbt: Staff S1 at 60% of capacity, Staff S2 at 20%"
    assert miss.detail == (
        "Staff S2 has the skill for both sections Staff S1 leads. For 1, nothing in "
        "the week stops Staff S2 taking it over; for 1, taking it over would leave the trauma "
        "team 40 points apart (Staff S2 at 60%, Staff S3 at 20%).")


def test_a_hand_over_that_would_leave_the_teams_as_far_apart_in_all_says_so():
    """cbt 40 points apart (S1 60 %, S2 20 %). Handing over any section brings cbt to 0, but
    S2 then stands 20 points above S3 in both trauma and dbt: 40 points in all, as before."""
    from scheduler.quality import measure

    r, s = handing_over_week(("cbt", "trauma", "dbt"), ("trauma", "dbt"),
                             {"A": (0,), "B": (1,), "C": (2,)})
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.detail == (
        "Staff S2 has the skill for all 3 sections Staff S1 leads. For each, taking it "
        "over would not narrow the gaps of their skill teams (40 points in all before, 40 "
        "after).")


def test_a_hand_over_that_would_put_the_teams_further_apart_in_all_says_widen():
    """As above, with S2 and S3 sharing a third skill: 40 points in all before, 60 after."""
    from scheduler.quality import measure

    r, s = handing_over_week(("cbt", "trauma", "dbt", "family"), ("trauma", "dbt", "family"),
                             {"A": (0,), "B": (1,), "C": (2,)})
    (miss,) = measure(r, s).rule("fair_load").misses
    assert miss.detail == (
        "Staff S2 has the skill for all 3 sections Staff S1 leads. For each, taking it "
        "over would widen the gaps of their skill teams (40 points in all before, 60 after).")


# --- role-model mix and spread: what a miss that could be improved says --------------------

def peer_week(x, y, people, min_size=1, weights=None):
    """Peer group A: section A at Mon 9:00 with x, section B at Tue 9:00 with y."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00"),
               groups=[group("A", kind="peer", skill="peer", min_size=min_size)],
               staff_list=[staff("S1", ("peer",))], patient_list=people, weights=weights)
    return r, Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("A", "A", 0, 540, 600, "R1", "S1", tuple(x)),
        Meeting("A", "B", 1, 540, 600, "R1", "S1", tuple(y))])


def newcomer(pid, **kw):
    return patient(pid, admitted=NEWCOMER, role_model=False, **kw)


@pytest.mark.parametrize("away, min_size, weights, p1_away, told", [
    ("", 1, None, "Mon", "3 are free at the times of a section with fewer newcomers (B): for "
     "all 3, the best move there lowers the week's penalty (for example, patient N1 to B: shared "
     "experience +3, role-model mix -8)"),
    ("Tue", 1, None, "Mon", "none is free at the times of a section with fewer newcomers (B)"),
    # A section of 4 at its Min size: nobody may leave, and B's members are away on Monday.
    ("", 4, None, "Mon", "3 are free at the times of a section with fewer newcomers (B): for "
     "all 3, every move there, or exchange with a member who could take their place, breaks a "
     "rule (the right groups and section sizes)"),
    # ... unless P1 is free then, to change places.
    ("", 4, None, "", "3 are free at the times of a section with fewer newcomers (B): for all "
     "3, the best move there lowers the week's penalty (for example, patient N1 to B in place "
     "of patient P1: shared experience +6, role-model mix -8)"),
    ("", 1, {"shared_experience": 10}, "Mon", "3 are free at the times of a section with fewer "
     "newcomers (B): for all 3, the best move there costs more than it gains (the cheapest, "
     "patient N1 to B: shared experience +10, role-model mix -8)"),
    ("", 1, {"shared_experience": 8}, "Mon", "3 are free at the times of a section with fewer "
     "newcomers (B): for all 3, the best move there costs as much as it gains (for example, "
     "patient N1 to B: shared experience +8, role-model mix -8)"),
])
def test_clustered_newcomers_say_what_moving_them_would_do(away, min_size, weights, p1_away,
                                                           told):
    """A: M1 and newcomers N1-N3 (alcohol); B: M2 and P1 (opioids); M2 away on Monday."""
    from scheduler.quality import measure

    people = ([patient("M1", role_model=True, track="alcohol"),
               patient("M2", role_model=True, track="opioids", unavailable="Mon"),
               patient("P1", role_model=False, track="opioids", unavailable=p1_away)]
              + [newcomer(f"N{i}", unavailable=away, track="alcohol") for i in (1, 2, 3)])
    r, s = peer_week(["M1", "N1", "N2", "N3"], ["M2", "P1"], people, min_size, weights)
    miss = next(m for m in measure(r, s).rule("role_model_mix").misses if "newcomers" in m.text)
    assert miss.unavoidable is None
    assert miss.detail == f"Of its 3 newcomers, {told}."


def test_a_move_that_leaves_a_newcomer_waiting_between_groups_counts_the_idle_gap():
    """M1 and newcomers N1-N3 have T at Mon 9:00 and peer section A at 10:00; B meets at
    11:00, so moving there leaves an hour's wait. B's members have U at 10:00, which counts
    towards their two hours although no mover is in it."""
    from scheduler.quality import measure
    from scheduler.solution import Meeting, Schedule

    new = ("N1", "N2", "N3")
    r = roster(slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00"),
               programs=[program(min_hours=2)],
               groups=[group("T", required=False), group("U", required=False),
                       group("A", kind="peer", skill="peer")],
               staff_list=[staff("S1", ("cbt", "peer")), staff("S2")],
               rooms=[room("R1"), room("R2")],
               patient_list=[patient("M1", role_model=True), patient("M2", role_model=True),
                             patient("P1", role_model=False)] + [newcomer(n) for n in new])
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("T", "", 0, 540, 600, "R1", "S1", ("M1",) + new),
        Meeting("U", "", 0, 600, 660, "R2", "S2", ("M2", "P1")),
        Meeting("A", "A", 0, 600, 660, "R1", "S1", ("M1",) + new),
        Meeting("A", "B", 0, 660, 720, "R1", "S1", ("M2", "P1"))])
    assert check_schedule(r, s) == []
    (miss,) = measure(r, s).rule("role_model_mix").misses
    assert miss.detail.endswith("for all 3, the best move there lowers the week's penalty (for "
                                "example, patient N1 to B: compact days +2, role-model mix -8).")


def test_the_solver_scores_weeks_without_trying_other_members():
    from scheduler.quality import measure

    people = [patient("M1", role_model=True), patient("M2", role_model=True),
              patient("P1", role_model=False)] + [newcomer(f"N{i}") for i in (1, 2, 3)]
    r, s = peer_week(["M1", "N1", "N2", "N3"], ["M2", "P1"], people)
    brief, full = measure(r, s, explain=False), measure(r, s)
    assert brief.objective == full.objective
    (miss,) = brief.rule("role_model_mix").misses
    assert miss.detail == "Of its 3 newcomers, 3 are free at the times of a section with fewer " \
                          "newcomers (B)."


def test_a_section_short_of_role_models_says_how_many_others_could_spare():
    from scheduler.quality import measure

    people = ([patient(f"M{i}", role_model=True) for i in (1, 2, 3, 4)]
              + [patient(f"P{i}", role_model=False) for i in range(1, 7)])
    r, s = peer_week(["M1"] + [f"P{i}" for i in range(1, 7)], ["M2", "M3", "M4"], people)
    (miss,) = measure(r, s).rule("role_model_mix").misses
    # B needs one of its three.
    assert miss.detail == "Of the 2 role model(s) other sections could spare, 2 are free at its times."


ONE_MOVE = "Only one meeting could move to space it better"


@pytest.mark.parametrize("wed, h_at, max_per_day, rooms_off, told", [
    ((), None, None, "", f"{ONE_MOVE}: Tue 9:00 to Wed 9:00, which lowers the week's "
     "penalty (spread -5)."),
    ((), 540, None, "", f"{ONE_MOVE}, and it would clash with another group of a "
     "member or the facilitator."),
    ((), None, None, "Wed", f"{ONE_MOVE}, and no suitable room is free then."),
    # S1 is away from Wed 10:00. With H at 10:00 a second group that day is one too many...
    (("Wed 10:00-11:00",), 600, 1, "", f"{ONE_MOVE}, and that would break a rule (patients' "
     "times and hours)."),
    # ... and with H at 11:00, Wed 9:00 leaves P1 an idle hour before it.
    (("Wed 10:00-11:00", "Wed 11:00-12:00"), 660, None, "", f"{ONE_MOVE}: Tue 9:00 to Wed "
     "9:00, which costs more than it gains (compact days +10, spread -5)."),
])
def test_a_section_on_neighbouring_days_says_what_moving_a_meeting_would_do(
        wed, h_at, max_per_day, rooms_off, told):
    r, s = neighbouring_days(wed, h_at, max_per_day, rooms_off)
    (miss,) = measure(r, s).rule("spread").misses
    assert miss.unavoidable is None
    assert miss.detail == ("Its members and facilitator have free time in common on Mon, Tue, "
                           f"Wed. {told}")


def test_moving_a_meeting_the_fixed_sheet_pins_breaks_a_rule():
    from scheduler.domain import Pin

    r, s = neighbouring_days()
    r.pins.append(Pin("G", "", day=1, row=2))
    (miss,) = measure(r, s).rule("spread").misses
    assert miss.detail.endswith(f"{ONE_MOVE}, and that would break a rule (sessions as "
                                "pinned on the Fixed sheet).")


def test_what_if_sees_the_room_taken_at_the_new_time():
    from scheduler.quality import _Week
    from scheduler.solution import Meeting

    r, s = neighbouring_days(h_at=540)  # H at Wed 9:00 in R2, P1 in it
    s = replace(s, meetings=[replace(m, patients=("P2",)) if m.group == "H" else m
                             for m in s.meetings])
    r.patients.append(patient("P2"))
    week = _Week(r, s)
    g = next(sec for sec in week.sections if sec.group == "G")
    moved = [replace(g.meetings[1], day=2, room="R2"), g.meetings[0]]
    labels, cost = week.what_if({g: moved})
    assert labels == ["nobody in two places at once"]  # R2 twice at Wed 9:00
    assert cost == {"spread": -5, "same_room": RULE_BY_KEY["same_room"].weight}


def test_what_if_sees_what_a_new_facilitator_leads_at_the_same_time():
    """G passes from S1 to S2, who leads H (other patients) at Mon 9:00 too."""
    from scheduler.quality import _Week
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00"),
               groups=[group(required=False), group("H", required=False)],
               staff_list=[staff("S1"), staff("S2")], rooms=[room("R1"), room("R2")],
               patient_list=[patient("P1"), patient("P2")])
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("G", "", 0, 540, 600, "R1", "S1", ("P1",)),
        Meeting("H", "", 0, 540, 600, "R2", "S2", ("P2",))])
    assert check_schedule(r, s) == []
    week = _Week(r, s)
    g = next(sec for sec in week.sections if sec.group == "G")
    labels, _ = week.what_if({g: [replace(g.meetings[0], facilitator="S2")]})
    assert labels == ["nobody in two places at once"]


def test_what_if_does_not_blame_a_change_for_a_rule_the_week_already_breaks():
    """P1 has 2 of their program's 3 hours before and 1.5 after G's Tuesday meeting moves to
    a shorter Wednesday slot: the sentence changes, the broken rule is the week's own."""
    from scheduler.quality import _Week
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-9:30"),
               programs=[program(min_hours=3)], groups=[group(sessions=2)],
               patient_list=[patient("P1")])
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("G", "", d, 540, 600, "R1", "S1", ("P1",)) for d in (0, 1)])
    before = [v.text for v in check_schedule(r, s)]
    week = _Week(r, s)
    (g,) = week.sections
    moved = [g.meetings[0], replace(g.meetings[1], day=2, end=570)]
    after = [v.text for v in check_schedule(r, replace(s, meetings=moved))]
    assert len(before) == len(after) == 1 and before != after  # reworded
    labels, cost = week.what_if({g: moved})
    assert labels == []
    assert cost == {"spread": -5}


def test_what_if_blames_a_change_for_a_second_break_of_a_rule_the_week_already_breaks():
    """A1 is kept apart from B1 and C1, and already shares section A with B1; bringing C1 in
    breaks the rule once more. P1 is already in H and A at Mon 9:00; P3 joining A is new."""
    from scheduler.quality import _Week
    from scheduler.solution import Meeting

    people = [patient("A1", keep_apart=("B1", "C1")), patient("B1"), patient("C1"),
              patient("P1"), patient("P3")]
    r, s = peer_week(["A1", "B1", "P1"], ["C1", "P3"], people)
    r.groups.append(group("H", required=False))
    r.staff.append(staff("S2"))
    r.rooms.append(room("R2"))
    s = replace(s, meetings=s.meetings + [Meeting("H", "", 0, 540, 600, "R2", "S2",
                                                  ("P1", "P3"))])
    week = _Week(r, s)
    a, b = sorted((sec for sec in week.sections if sec.group == "A"), key=lambda x: x.name)
    assert "keep apart" in week.change_members({a: ("A1", "B1", "C1", "P1"),
                                                b: ("P3",)}).labels
    assert "nobody in two places at once" in week.change_members(
        {a: ("A1", "B1", "P1", "P3"), b: ("C1",)}).labels
    assert week.change_members({a: ("A1", "B1", "P1"), b: ("C1", "P3")}).labels == []


def test_rules_broken_are_those_of_the_newcomers_who_cannot_move():
    """A (Mon) holds M1 and newcomers N1-N3; B (Tue) and C (Wed) none. N1 is kept apart from
    M2 in B and away on Wednesday; B's members are away on Monday, so N1 cannot change places.
    C's room seats one: N2 and N3 break that moving to C, but not moving to B."""
    from scheduler.quality import measure
    from scheduler.solution import Meeting, Schedule

    people = [patient("M1", role_model=True), patient("M2", role_model=True, unavailable="Mon"),
              patient("P1", role_model=False, unavailable="Mon"), patient("M3", role_model=True),
              newcomer("N1", keep_apart=("M2",), unavailable="Wed"), newcomer("N2"),
              newcomer("N3")]
    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-10:00"),
               groups=[group("A", kind="peer", skill="peer")], staff_list=[staff("S1", ("peer",))],
               rooms=[room("R1"), room("R2", capacity=1)], patient_list=people)
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("A", "A", 0, 540, 600, "R1", "S1", ("M1", "N1", "N2", "N3")),
        Meeting("A", "B", 1, 540, 600, "R1", "S1", ("M2", "P1")),
        Meeting("A", "C", 2, 540, 600, "R2", "S1", ("M3",))])
    assert check_schedule(r, s) == []
    miss = next(m for m in measure(r, s).rule("role_model_mix").misses if "newcomers" in m.text)
    assert miss.detail.startswith("Of its 3 newcomers, 3 are free at the times of a section "
                                  "with fewer newcomers (B, C): for 1, every move there, or "
                                  "exchange with a member who could take their place, breaks a "
                                  "rule (keep apart); ")


def neighbouring_days(wed=(), h_at=None, max_per_day=None, rooms_off=""):
    """G meets Mon and Tue 9:00 in R1; P1 may also have dbt group H on Wednesday (in R2)."""
    from scheduler.solution import Meeting, Schedule

    r = roster(slots("Mon 9:00-10:00", "Tue 9:00-10:00", "Wed 9:00-10:00", *wed),
               programs=[program(max_per_day=max_per_day)],
               groups=[group(sessions=2), group("H", skill="dbt", required=False)],
               staff_list=[staff("S1", available="Mon-Tue, Wed 9:00-10:00"),
                           staff("S2", ("dbt",))],
               rooms=[room("R1", unavailable=rooms_off), room("R2", unavailable=rooms_off)],
               weights={"compact_days": 10})
    s = Schedule(status="feasible", week_of=WEEK_OF, center="Tiny", meetings=[
        Meeting("G", "", d, 540, 600, "R1", "S1", ("P1",)) for d in (0, 1)]
        + ([Meeting("H", "", 2, h_at, h_at + 60, "R2", "S2", ("P1",))] if h_at else []))
    assert check_schedule(r, s) == []
    return r, s


@pytest.mark.parametrize("away, told", [("", "1 is free"), ("Tue", "none is free")])
def test_a_mixed_peer_section_says_whether_its_odd_one_out_could_join_their_track(away, told):
    from scheduler.quality import measure

    people = [patient("M1", role_model=True, track="alcohol"),
              patient("P1", role_model=False, track="alcohol"),
              patient("P2", role_model=False, track="opioids", unavailable=away),
              patient("M2", role_model=True, track="opioids"),
              patient("P3", role_model=False, track="opioids")]
    r, s = peer_week(["M1", "P1", "P2"], ["M2", "P3"], people)
    (miss,) = measure(r, s).rule("shared_experience").misses
    assert miss.detail == ("The group's 2 sections hold 2 tracks (opioids 3, alcohol 2). Of the 1 "
                           f"member here outside its main track (alcohol), {told} at the times of "
                           "a section where theirs is the main one.")

"""`scheduler check` and `render`: one hand edit breaking each hard rule is named in one
sentence; a solved week edited in schedule.xlsx round-trips through check and render."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import openpyxl
import pytest
from builders import write_workbook
from click.testing import CliRunner
from tiny import NEWCOMER, group, patient, program, room, roster, slots, staff

from scheduler.check import check_schedule
from scheduler.cli import main
from scheduler.domain import Pin
from scheduler.solution import Meeting, Schedule
from scheduler.summary import STATUS_TEXT

# --- a small sound week to break one rule at a time ---------------------------------------

SLOTS = slots("Mon 9:00-10:00", "Mon 10:00-11:00", "Tue 9:00-10:00", "Tue 10:00-11:00",
              "Wed 9:00-10:00", "Wed 10:00-11:00", "Thu 9:00-10:00")
MON9, MON10, TUE9, TUE10, WED9, WED10, THU9 = ((s.day, s.start, s.end) for s in SLOTS)


def center(programs=None, groups=None, staff_list=None, rooms=None, patient_list=None):
    """Four patients, a peer group in two sections, CBT in two sections, an optional Women group."""
    return roster(
        SLOTS,
        programs=programs or [program("Res", min_hours=2, max_per_day=1)],
        groups=groups or [
            group("Peer", kind="peer", sessions=2, min_size=1, max_size=4, skill="peer"),
            group("CBT", sessions=1, min_size=1, max_size=4, skill="cbt"),
            group("Women", sessions=1, min_size=1, max_size=4, skill="cbt", gender="F",
                  required=False),
        ],
        staff_list=staff_list or [
            named(staff("S1", skills=("peer",)), "Dana Ortiz"),
            named(staff("S2", skills=("cbt",), available="Mon-Wed", max_per_day=2,
                        max_per_week=4), "Alex Kim"),
            named(staff("S3", skills=("peer", "cbt")), "Sam Lee"),
        ],
        rooms=rooms or [room("R1", 4), room("R2", 4, features=("accessible",), unavailable="Thu"),
                        room("R3", 2)],
        patient_list=patient_list or [
            patient("P1", gender="F"), patient("P2", gender="M", admitted=NEWCOMER),
            patient("P3", gender="F", admitted=NEWCOMER), patient("P4", gender="M"),
        ],
    )


def named(person, name):
    return dataclasses.replace(person, name=name)


def meet(group_name, section, slot, room_name, facilitator, *patient_ids) -> Meeting:
    day, start, end = slot
    return Meeting(group_name, section, day, start, end, room_name, facilitator,
                   tuple(sorted(patient_ids)))


def sound_week() -> dict[str, Meeting]:
    return {
        "peer_a_mon": meet("Peer", "A", MON9, "R1", "S1", "P1", "P2"),
        "peer_a_tue": meet("Peer", "A", TUE9, "R1", "S1", "P1", "P2"),
        "peer_b_mon": meet("Peer", "B", MON10, "R2", "S1", "P3", "P4"),
        "peer_b_tue": meet("Peer", "B", TUE10, "R2", "S1", "P3", "P4"),
        "cbt_a": meet("CBT", "A", WED9, "R2", "S2", "P1", "P2"),
        "cbt_b": meet("CBT", "B", WED10, "R2", "S2", "P3", "P4"),
    }


def broken(r=None, **edits):
    """Violations of the sound week with some meetings replaced (None removes one)."""
    week = sound_week()
    week.update(edits)
    schedule = Schedule("edited", [m for m in week.values() if m is not None])
    return check_schedule(r or center(), schedule)


def only(violations, rule: int):
    """The single violation, which must be of this rule."""
    assert len(violations) == 1, [v.text for v in violations]
    v = violations[0]
    assert v.rule == rule, v.text
    assert f"(rule {rule}: " in v.text and v.text.endswith(").")
    return v


def moved(m: Meeting, slot=None, **changes) -> Meeting:
    if slot is not None:
        changes.update(day=slot[0], start=slot[1], end=slot[2])
    return dataclasses.replace(m, **changes)


def test_the_sound_week_breaks_nothing():
    assert broken() == []


# --- rule 1 --------------------------------------------------------------------------------

def test_rule1_a_section_meeting_fewer_times_than_sessions_per_week():
    v = only(broken(peer_a_tue=None), 1)
    assert v.text.startswith("Mon 9:00 Peer A: ")
    assert "meets once" in v.text and "Sessions per week is 2" in v.text


def test_rule1_a_meeting_with_other_members():
    week = sound_week()
    v = only(broken(peer_a_tue=moved(week["peer_a_tue"], patients=("P1",))), 1)
    assert v.text.startswith("Tue 9:00 Peer A: ") and "P2 missing" in v.text
    assert v.meeting.day == 1


def test_rule1_a_meeting_with_another_facilitator():
    week = sound_week()
    v = only(broken(peer_a_tue=moved(week["peer_a_tue"], facilitator="S3")), 1)
    assert v.text.startswith("Tue 9:00 Peer A: ")
    assert "S3 (Sam Lee)" in v.text and "S1 (Dana Ortiz)" in v.text
    assert v.staff == "S3"


def test_rule1_a_meeting_outside_the_slots():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], start=11 * 60, end=12 * 60)), 1)
    assert v.text.startswith("Wed 11:00 CBT B: ") and "not one of the week's slots" in v.text


# --- rule 2 --------------------------------------------------------------------------------

def test_rule2_a_patient_in_a_group_they_are_not_eligible_for():
    v = only(broken(women=meet("Women", "A", THU9, "R1", "S3", "P2")), 2)
    assert v.text.startswith("Thu 9:00 Women: patient P2 may not join")
    assert "Gender" in v.text and v.patient == "P2"


def test_rule2_a_patient_missing_a_required_group():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], patients=("P3",))), 2)
    assert v.meeting is None and v.patient == "P4" and v.group == "CBT"
    assert v.text.startswith("Patient P4 is in no section of CBT, which is Required for them")


def test_rule2_a_patient_missing_an_extra_group():
    r = center()
    r.patients[1] = dataclasses.replace(r.patients[1], extra_groups=("Women",), gender="F")
    v = only(broken(r), 2)
    assert v.text.startswith("Patient P2 is in no section of Women, which is one of their Extra")


def test_rule2_a_patient_in_two_sections_of_one_group():
    r = center(programs=[program("Res", min_hours=2, max_per_day=2)])
    week = sound_week()
    v = only(broken(r, peer_b_mon=moved(week["peer_b_mon"], patients=("P1", "P3", "P4")),
                    peer_b_tue=moved(week["peer_b_tue"], patients=("P1", "P3", "P4"))), 2)
    assert v.text.startswith("Mon 10:00 Peer B: patient P1 is also in Peer A")


def test_rule2_a_section_above_max_size():
    r = center()
    r.groups[1] = dataclasses.replace(r.groups[1], max_size=2)
    week = sound_week()
    v = only(broken(r, cbt_a=moved(week["cbt_a"], patients=("P1", "P2", "P3")),
                    cbt_b=moved(week["cbt_b"], patients=("P4",))), 2)
    assert v.text.startswith("Wed 9:00 CBT A: 3 members") and "Max size of 2" in v.text


def test_rule2_a_section_below_min_size():
    r = center()
    r.groups[1] = dataclasses.replace(r.groups[1], min_size=2)
    week = sound_week()
    v = only(broken(r, cbt_a=moved(week["cbt_a"], patients=("P1", "P2", "P3")),
                    cbt_b=moved(week["cbt_b"], patients=("P4",))), 2)
    assert v.text.startswith("Wed 10:00 CBT B: 1 member,") and "Min size of 2" in v.text


# --- rule 3 --------------------------------------------------------------------------------

def test_rule3_a_facilitator_in_two_places():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], WED9, room="R3")), 3)
    assert v.text == ("Wed 9:00 CBT B: facilitator S2 (Alex Kim) also leads CBT A at that time "
                      "(rule 3: nobody in two places at once).")
    assert v.staff == "S2" and (v.meeting.group, v.meeting.section) == ("CBT", "B")


def test_rule3_patients_in_two_places():
    r = center(programs=[program("Res", min_hours=2, max_per_day=2)])
    week = sound_week()
    v = only(broken(r, cbt_b=moved(week["cbt_b"], MON10, room="R1")), 3)
    assert v.text.startswith("Mon 10:00 Peer B: patients P3, P4 are also in CBT B at that time")
    assert v.patient == "P3"


def test_rule3_a_room_booked_twice():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], WED9, facilitator="S3")), 3)
    assert v.text.startswith("Wed 9:00 CBT B: R2 is also booked for CBT A at that time")
    assert v.room == "R2"


def test_rule3_overlapping_times_count_even_when_the_starts_differ():
    week = sound_week()
    half_past = moved(week["cbt_b"], start=9 * 60 + 30, end=10 * 60 + 30, room="R3")
    rules = sorted(v.rule for v in broken(cbt_b=half_past))
    assert rules == [1, 3]  # off the slots, and S2 still in CBT A until 10:00


# --- rule 4 --------------------------------------------------------------------------------

def test_rule4_a_meeting_outside_the_programs_attends():
    r = center(programs=[program("Res", min_hours=2, max_per_day=1),
                         program("Days", min_hours=2, max_per_day=1, attends="Mon-Tue")])
    r.patients[3] = dataclasses.replace(r.patients[3], program="Days")
    v = only(broken(r), 4)
    assert v.text.startswith("Wed 10:00 CBT B: patient P4 is in the Days program, which "
                             "attends only 'Mon-Tue'")


def test_rule4_a_meeting_in_a_patients_unavailable_time():
    r = center()
    r.patients[2] = patient("P3", gender="F", admitted=NEWCOMER, unavailable="Wed 10:00-11:00")
    v = only(broken(r), 4)
    assert v.text.startswith("Wed 10:00 CBT B: patient P3 is marked Unavailable")


def test_rule4_more_meetings_a_day_than_the_program_allows():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], TUE9)), 4)
    assert v.text.startswith("Tue 10:00 Peer B: this is the 2nd group on Tue for patients P3, "
                             "P4, but the Res program's Max per day is 1")


def test_rule4_fewer_hours_than_the_program_requires():
    r = center(programs=[program("Res", min_hours=2, max_per_day=1),
                         program("IOP", min_hours=3.5, max_per_day=1)])
    r.patients[3] = dataclasses.replace(r.patients[3], program="IOP")
    v = only(broken(r), 4)
    assert v.meeting is None and v.patient == "P4"
    assert v.text.startswith("Patient P4 has 3 h of groups this week, but the IOP program's "
                             "Min hours is 3.5 h")


# --- rule 5 --------------------------------------------------------------------------------

def test_rule5_a_facilitator_without_the_skill():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], facilitator="S1")), 5)
    assert v.text.startswith("Wed 10:00 CBT B: facilitator S1 (Dana Ortiz) does not have the "
                             "skill 'cbt'")


def test_rule5_a_facilitator_outside_their_available_times():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], THU9, room="R1")), 5)
    assert v.text.startswith("Thu 9:00 CBT B: facilitator S2 (Alex Kim) is available only "
                             "'Mon-Wed'")


def test_rule5_more_meetings_a_day_than_max_per_day():
    r = center()
    r.staff[1] = dataclasses.replace(r.staff[1], max_per_day=1)
    v = only(broken(r), 5)
    assert v.text.startswith("Wed 10:00 CBT B: this is the 2nd meeting on Wed led by "
                             "facilitator S2 (Alex Kim), whose Max per day is 1")


def test_rule5_more_meetings_a_week_than_max_per_week():
    r = center()
    r.staff[1] = dataclasses.replace(r.staff[1], max_per_week=1)
    v = only(broken(r), 5)
    assert v.text.startswith("Wed 10:00 CBT B: this is the 2nd meeting this week led by "
                             "facilitator S2 (Alex Kim), whose Max per week is 1")


# --- rule 6 --------------------------------------------------------------------------------

def test_rule6_more_patients_than_the_room_seats():
    r = center(rooms=[room("R1", 4), room("R2", 4, features=("accessible",)), room("R3", 1)])
    week = sound_week()
    v = only(broken(r, cbt_a=moved(week["cbt_a"], room="R3")), 6)
    assert v.text.startswith("Wed 9:00 CBT A: 2 patients in R3, which seats 1") and v.room == "R3"


def test_rule6_a_room_without_the_groups_room_needs():
    r = center()
    r.groups[1] = dataclasses.replace(r.groups[1], room_needs=frozenset({"accessible"}))
    week = sound_week()
    v = only(broken(r, cbt_b=moved(week["cbt_b"], room="R1")), 6)
    assert v.text.startswith("Wed 10:00 CBT B: the group's Room needs include accessible, "
                             "which R1 does not have")


def test_rule6_a_room_without_a_patients_needs():
    r = center()
    r.patients[2] = patient("P3", gender="F", admitted=NEWCOMER, needs=("accessible",))
    week = sound_week()
    v = only(broken(r, cbt_b=moved(week["cbt_b"], room="R1")), 6)
    assert v.text.startswith("Wed 10:00 CBT B: patient P3 needs accessible, which R1 does not")
    assert v.patient == "P3"


def test_rule6_a_room_used_while_unavailable():
    week = sound_week()
    v = only(broken(cbt_b=moved(week["cbt_b"], THU9, facilitator="S3")), 6)
    assert v.text.startswith("Thu 9:00 CBT B: R2 is marked Unavailable 'Thu'")


# --- rules 7 and 8 -------------------------------------------------------------------------

def test_rule7_keep_apart_patients_in_one_section():
    r = center()
    r.patients[2] = patient("P3", gender="F", admitted=NEWCOMER, keep_apart=("P1",))
    week = sound_week()
    v = only(broken(r, cbt_a=moved(week["cbt_a"], patients=("P1", "P2", "P3")),
                    cbt_b=moved(week["cbt_b"], patients=("P4",))), 7)
    assert v.text.startswith("Wed 9:00 CBT A: patients P1 and P3 are in this section together")


def test_rule8_a_peer_section_without_a_role_model():
    r = center()
    r.patients[3] = dataclasses.replace(r.patients[3], role_model=False)
    v = only(broken(r), 8)
    assert v.text.startswith("Mon 10:00 Peer B: no role model among its members (P3, P4)")


# --- rule 9: the Fixed sheet ----------------------------------------------------------------

def pinned(*pins):
    r = center()
    r.pins = list(pins)
    return r


def test_rule9_pins_the_week_keeps_break_nothing():
    r = pinned(Pin("CBT", "A", day=2, start=9 * 60, room="R2", facilitator="S2", row=2),
               Pin("Peer", "B", room="R2", row=3))
    assert broken(r) == []


def test_rule9_a_pinned_meeting_moved_by_hand():
    week = sound_week()
    r = pinned(Pin("CBT", "A", day=2, start=9 * 60, room="R2", row=2))
    v = only(broken(r, cbt_a=moved(week["cbt_a"], room="R1")), 9)
    assert v.text == ("CBT A (Fixed row 2) is pinned to meet Wed at 9:00 in R2, but no meeting "
                      "of it does (rule 9: sessions as pinned on the Fixed sheet).")


def test_rule9_a_pinned_facilitator_and_room_for_the_whole_section():
    week = sound_week()
    r = pinned(Pin("Peer", "A", room="R1", facilitator="S1", row=4))
    found = broken(r, peer_a_tue=moved(week["peer_a_tue"], facilitator="S3", room="R3"))
    assert sorted(v.rule for v in found) == [1, 9, 9]  # rule 1: one facilitator per section
    texts = [v.text for v in found if v.rule == 9]
    assert any("led by S3, but Fixed row 4 pins S1 (Dana Ortiz)" in t for t in texts)
    assert any("in R3, but Fixed row 4 pins every meeting of Peer A to R1" in t for t in texts)


def test_rule9_a_pinned_section_that_does_not_run():
    v = only(broken(pinned(Pin("Women", "A", day=3, row=5))), 9)
    assert v.text.startswith("Women A (Fixed row 5) is pinned but does not run")


# --- names, order ----------------------------------------------------------------------------

def test_names_the_roster_does_not_have_are_reported_once_per_section():
    week = sound_week()
    found = broken(peer_b_mon=moved(week["peer_b_mon"], facilitator="S9"),
                   peer_b_tue=moved(week["peer_b_tue"], facilitator="S9"),
                   cbt_b=moved(week["cbt_b"], room="Gym", patients=("P3", "P4", "X7")),
                   yoga=meet("Yoga", "A", THU9, "R1", "S3"))
    texts = [v.text for v in found if v.rule == 0]
    assert texts == [
        "Mon 10:00 Peer B: facilitator 'S9' is not on the Staff sheet (names must match the roster).",
        "Wed 10:00 CBT B: patient 'X7' is not on the Patients sheet (names must match the roster).",
        "Wed 10:00 CBT B: there is no room 'Gym' on the Rooms sheet (names must match the roster).",
        "Thu 9:00 Yoga: there is no group 'Yoga' on the Groups sheet (names must match the roster).",
    ]


def test_violations_come_in_week_order_then_whole_week_findings():
    r = center(programs=[program("Res", min_hours=3.5, max_per_day=1)])
    week = sound_week()
    found = broken(r, cbt_b=moved(week["cbt_b"], facilitator="S1"),
                   peer_a_tue=moved(week["peer_a_tue"], facilitator="S3"))
    heads = [v.text.split(":")[0] + ":" + v.text.split(":")[1][:2] for v in found]
    assert heads[:2] == ["Tue 9:00", "Wed 10:00"]
    assert [v.patient for v in found[2:]] == ["P1", "P2", "P3", "P4"]
    assert found == broken(r, cbt_b=moved(week["cbt_b"], facilitator="S1"),
                           peer_a_tue=moved(week["peer_a_tue"], facilitator="S3"))


# --- round trip: solve, edit schedule.xlsx by hand, check, render -------------------------------

def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def roundtrip_roster() -> dict:
    """One facilitator for two one-meeting groups (one per program), three slots, two rooms."""
    return {
        "Settings": [["Setting", "Value"], ["Center", "Round Trip"],
                     ["Week of", dt.date(2024, 3, 4)], ["Time limit", 10]],
        "Slots": [["Day", "Start", "End"], ["Mon", "9:00", "10:00"], ["Mon", "10:00", "11:00"],
                  ["Tue", "9:00", "10:00"]],
        "Programs": [["Program", "Min hours", "Max per day", "Attends"], ["Day", 0, None, None],
                     ["Evening", 0, None, None]],
        "Groups": [["Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill",
                    "Programs", "Required"],
                   ["CBT Skills", "therapy", 1, 1, 8, "CBT", "Day", "yes"],
                   ["Relapse Prevention", "therapy", 1, 1, 8, "CBT", "Evening", "yes"]],
        "Staff": [["ID", "Name", "Skills"], ["S02", "Dana Ortiz", "CBT"]],
        "Rooms": [["Room", "Capacity"], ["Room A", 10], ["Room B", 10]],
        "Patients": [["ID", "Name", "Program", "Admitted"],
                     ["P01", "Ann", "Day", dt.date(2024, 1, 2)],
                     ["P02", "Bob", "Evening", dt.date(2024, 1, 2)]],
    }


def sessions_rows(path):
    book = openpyxl.load_workbook(path)
    sheet = book["Sessions"]
    header = [c.value for c in sheet[1]]
    return book, sheet, header


def staff_text(out) -> str:
    html = (out / "staff.html").read_text()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def solved(tmp_path):
    roster_path = write_workbook(tmp_path / "roster.xlsx", roundtrip_roster())
    out = tmp_path / "out"
    result = run("solve", roster_path, "--out", out, "--no-pdf", "--quiet", "--time-limit", 10,
                 "--workers", 1)
    assert result.exit_code == 0, result.output
    return roster_path, out


def test_roundtrip_a_hand_edit_is_checked_and_rendered(tmp_path, solved):
    roster_path, out = solved
    assert run("check", roster_path, out / "schedule.xlsx").output.startswith(
        "No broken rules: the schedule can be printed.")

    # Move Relapse Prevention onto the time of CBT Skills, where Dana already leads; only the
    # Day and Start cells are edited (End left stale), in the way people type them.
    book, sheet, header = sessions_rows(out / "schedule.xlsx")
    rows = {r[header.index("Group")].value: r for r in sheet.iter_rows(min_row=2)}
    cbt, relapse = rows["CBT Skills"], rows["Relapse Prevention"]
    day = {"Mon": "Monday", "Tue": "Tuesday"}[cbt[header.index("Day")].value]
    start = cbt[header.index("Start")].value
    relapse[header.index("Day")].value = day
    relapse[header.index("Start")].value = start.strftime("%I:%M %p")  # text, 09:00 AM
    other_room = "Room B" if cbt[header.index("Room")].value == "Room A" else "Room A"
    relapse[header.index("Room")].value = other_room
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    result = run("check", roster_path, edited)
    assert result.exit_code == 1, result.output
    when = f"{day[:3]} {start.hour}:{start.minute:02d}"
    assert result.output.splitlines() == [
        "1 broken rule:",
        f"  - {when} Relapse Prevention: facilitator S02 (Dana Ortiz) also leads CBT Skills at "
        "that time (rule 3: nobody in two places at once).",
    ]

    # render refuses without --force and writes nothing ...
    printed = tmp_path / "printed"
    result = run("render", roster_path, edited, "--out", printed, "--no-pdf")
    assert result.exit_code == 1
    assert "Nothing was written" in result.output and not printed.exists()

    # ... and with --force prints the edited week, saying what it breaks on every printout.
    result = run("render", roster_path, edited, "--out", printed, "--no-pdf", "--force")
    assert result.exit_code == 1, result.output
    assert "Printing anyway" in result.output
    text = staff_text(printed)
    assert "EDITED BY HAND: BREAKS 1 RULE." in text
    assert f"{when} Relapse Prevention: facilitator S02 (Dana Ortiz)" in text
    data = json.loads((printed / "schedule.json").read_text())
    assert data["status"] == "edited"
    relapse_json = next(m for m in data["meetings"] if m["group"] == "Relapse Prevention")
    assert (relapse_json["day"], relapse_json["room"]) == (day[:3], other_room)
    assert relapse_json["start"] == f"{start.hour:02d}:{start.minute:02d}"
    assert any("(rule 3: nobody in two places at once)" in w for w in data["warnings"])
    assert data["objective"] == data["quality"]["objective"]


def test_roundtrip_a_sound_edit_renders_with_the_new_time(tmp_path, solved):
    roster_path, out = solved
    bound = json.loads((out / "schedule.json").read_text())["best_bound"]
    book, sheet, header = sessions_rows(out / "schedule.xlsx")
    taken = {(r[header.index("Day")].value, r[header.index("Start")].value.strftime("%H:%M"))
             for r in sheet.iter_rows(min_row=2)}
    free = next(s for s in [("Mon", "09:00"), ("Mon", "10:00"), ("Tue", "09:00")]
                if s not in taken)
    relapse = next(r for r in sheet.iter_rows(min_row=2)
                   if r[header.index("Group")].value == "Relapse Prevention")
    start = relapse[header.index("Start")].value
    before = f"{relapse[header.index('Day')].value} {start.hour}:{start.minute:02d}"
    assert before in staff_text(out)
    relapse[header.index("Day")].value = free[0]
    relapse[header.index("Start")].value = dt.time(int(free[1][:2]), 0)
    book.save(out / "schedule.xlsx")

    result = run("check", roster_path, out / "schedule.xlsx")
    assert result.exit_code == 0, result.output
    result = run("render", roster_path, out / "schedule.xlsx", "--out", out, "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "Rendered the edited week" in result.output
    when = f"{free[0]} {int(free[1][:2])}:00"
    text = staff_text(out)
    assert when in text and before not in text
    assert "EDITED BY HAND" not in text
    data = json.loads((out / "schedule.json").read_text())
    assert (data["status"], data["best_bound"]) == ("edited", bound)  # same roster: it holds
    assert STATUS_TEXT["edited"] in (out / "report.html").read_text()
    # The re-rendered schedule.xlsx reads back to the same week.
    assert run("check", roster_path, out / "schedule.xlsx").exit_code == 0


def test_the_roster_fingerprint_survives_saving_again_but_not_a_changed_cell(tmp_path):
    from scheduler.reader import read_roster

    path = write_workbook(tmp_path / "roster.xlsx", roundtrip_roster())
    first = read_roster(path).fingerprint
    book = openpyxl.load_workbook(path)
    book["Slots"]["F9"].font = openpyxl.styles.Font(bold=True)  # used range grown, no value
    book.save(path)
    assert read_roster(path).fingerprint == first
    book["Slots"]["C4"].value = "10:30"
    book.save(path)
    assert read_roster(path).fingerprint != first


@pytest.mark.parametrize("name", ["schedule.xlsx", "schedule.json"])
def test_roundtrip_an_untouched_week_is_reprinted_as_solved(tmp_path, solved, name):
    roster_path, out = solved
    solved_json = json.loads((out / "schedule.json").read_text())
    printed = tmp_path / "printed"
    result = run("render", roster_path, out / name, "--out", printed, "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "Rendered the week as solved (not edited since)" in result.output
    data = json.loads((printed / "schedule.json").read_text())
    assert (data["status"], data["best_bound"]) == (solved_json["status"],
                                                   solved_json["best_bound"])
    assert data["stats"]["total_seconds"] == solved_json["stats"]["total_seconds"]
    report = (printed / "report.html").read_text()
    assert "edited by hand" not in report and STATUS_TEXT[data["status"]] in report


def test_roundtrip_an_untouched_week_for_a_changed_roster_is_printed_as_edited(tmp_path,
                                                                               solved):
    roster_path, out = solved
    book = openpyxl.load_workbook(roster_path)
    book["Settings"]["B2"].value = "Round Trip Clinic"  # the Center's name
    book.save(roster_path)
    result = run("render", roster_path, out / "schedule.xlsx", "--out", out, "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "the roster has changed since it was solved" in result.output
    data = json.loads((out / "schedule.json").read_text())
    assert (data["status"], data["best_bound"], data["stats"]) == ("edited", None, {})
    # Once printed as edited, the week stays so.
    result = run("render", roster_path, out / "schedule.xlsx", "--out", out, "--no-pdf")
    assert "Rendered the edited week" in result.output


def test_check_bad_schedule_cell_exits_2_naming_row_and_column(tmp_path, solved):
    roster_path, out = solved
    book, sheet, header = sessions_rows(out / "schedule.xlsx")
    sheet.cell(3, header.index("Start") + 1).value = "25:00"
    book.save(out / "schedule.xlsx")
    result = run("check", roster_path, out / "schedule.xlsx")
    assert result.exit_code == 2
    assert "schedule.xlsx, Sessions sheet, row 3, column 'Start': '25:00' is not a time" in \
        result.output
    assert "Traceback" not in result.output

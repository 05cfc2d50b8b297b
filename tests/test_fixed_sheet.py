"""The Fixed sheet: pins read into Roster.pins; impossible or clashing pins are located problems.

The minimal roster has slots Mon/Tue 9:00 and 11:00, groups Peer Support (2 a week, skill
peer support) and CBT Skills (once a week, skill CBT), staff S1 Dana Reyes (peer support)
and S2 Alex Kim (CBT, Mon-Fri 8:00-17:00), rooms Room A (10) and Room B (8, accessible).
"""

import datetime as dt

import openpyxl
import pytest
from builders import add_row, minimal_roster, read_sheets, roster_problems, set_cell

from scheduler.domain import Pin, Roster, Settings
from scheduler.errors import RosterError
from scheduler.reader import read_roster
from scheduler.template_workbook import HEADER_ROW, write_template

COLUMNS = ["Group", "Section", "Day", "Start", "Room", "Facilitator"]


def with_pins(*rows, sheets=None):
    """The minimal roster (or `sheets`) with a Fixed sheet of these rows (Group first)."""
    sheets = sheets or minimal_roster()
    sheets["Fixed"] = [COLUMNS, *[list(r) + [None] * (len(COLUMNS) - len(r)) for r in rows]]
    return sheets


def fixed_problem(tmp_path, sheets, row, column):
    """The only problem of the roster, which must be on the Fixed sheet at row/column."""
    problems = roster_problems(tmp_path, sheets)
    listing = "\n".join(str(p) for p in problems)
    assert len(problems) == 1, listing
    problem = problems[0]
    assert (problem.sheet, problem.row, problem.column) == ("Fixed", row, column), listing
    return problem


# --- reading --------------------------------------------------------------------------------


def test_pins_read_with_names_resolved_and_times_in_every_form(tmp_path):
    sheets = with_pins(
        ["peer support", None, "mon", "9:00", "room a", "s1"],
        ["PEER SUPPORT", "a", "Tuesday", "11:00 AM"],
        ["cbt skills", "b", "Tue", dt.time(9, 0), None, "Alex Kim"],
        ["CBT Skills", "B", None, None, "ROOM B"],
        [" Peer  Support ", "C", "Mon"],
    )
    roster = read_sheets(tmp_path, sheets)
    assert roster.warnings == []
    assert roster.pins == [
        Pin("Peer Support", "A", 0, 9 * 60, "Room A", "S1", 2),
        Pin("Peer Support", "A", 1, 11 * 60, None, None, 3),
        Pin("CBT Skills", "B", 1, 9 * 60, None, "S2", 4),
        Pin("CBT Skills", "B", None, None, "Room B", None, 5),
        Pin("Peer Support", "C", 0, None, None, None, 6),
    ]


def test_pin_defaults():
    assert Pin("Family Program") == Pin("Family Program", "A", None, None, None, None, None)


def test_no_fixed_sheet_means_no_pins(tmp_path):
    assert read_sheets(tmp_path, minimal_roster()).pins == []


def test_fixed_sheet_with_only_headers_means_no_pins(tmp_path):
    assert read_sheets(tmp_path, with_pins()).pins == []


def test_roster_built_in_code_has_no_pins():
    assert Roster(Settings(), [], [], [], [], [], []).pins == []


def test_header_row_below_a_title_and_staff_ids_typed_as_numbers(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Staff", 2, "ID", 1001)
    set_cell(sheets, "Patients", 2, "Primary therapist", "S2")
    sheets["Fixed"] = [["Decided by the team"], COLUMNS,
                       ["Peer Support", None, None, None, None, 1001.0]]
    assert read_sheets(tmp_path, sheets).pins == [Pin("Peer Support", facilitator="1001", row=3)]


def test_the_template_has_an_empty_fixed_sheet_and_still_reads(tmp_path):
    path = write_template(tmp_path / "blank.xlsx")
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["Fixed"][HEADER_ROW]] == COLUMNS
    instructions = " ".join(str(c.value) for row in book["Instructions"].iter_rows()
                            for c in row if c.value)
    assert "Fixed sheet (optional sheet)" in instructions and "Family Program" in instructions
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert {p.sheet for p in caught.value.problems} == {
        "Slots", "Programs", "Groups", "Staff", "Rooms", "Patients"}  # the empty required sheets


def test_a_pin_typed_into_the_template_is_read(tmp_path):
    path = write_template(tmp_path / "roster.xlsx")
    book = openpyxl.load_workbook(path)
    minimal = minimal_roster()
    for name, rows in minimal.items():
        headers = [c.value for c in book[name][HEADER_ROW]]
        if name == "Settings":
            book[name]["B4"] = dt.date(2024, 3, 4)
            continue
        for offset, row in enumerate(rows[1:], start=1):
            for column, value in zip(rows[0], row):
                book[name].cell(HEADER_ROW + offset, headers.index(column) + 1, value)
    for column, value in zip(COLUMNS, ["CBT Skills", None, "Tue", dt.time(11), "Room B", "S2"]):
        book["Fixed"].cell(HEADER_ROW + 1, COLUMNS.index(column) + 1, value)
    book.save(path)
    assert read_roster(path).pins == [Pin("CBT Skills", "A", 1, 11 * 60, "Room B", "S2", 3)]


# --- what a row can get wrong on its own -------------------------------------------------------


def test_group_is_required(tmp_path):
    problem = fixed_problem(tmp_path, with_pins([None, "A", "Mon"]), 2, "Group")
    assert "the cell is empty" in problem.message


def test_unknown_group(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["Yoga", None, "Mon"]), 2, "Group")
    assert problem.value == "Yoga"
    assert "'Yoga' is not a group on the Groups sheet" in problem.message


def test_unknown_room(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["CBT Skills", None, None, None, "Gym"]), 2, "Room")
    assert "'Gym' is not a room on the Rooms sheet (rooms: Room A, Room B)" in problem.message


def test_unknown_facilitator(tmp_path):
    sheets = with_pins(["CBT Skills", None, None, None, None, "S9"])
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert "'S9' is not a staff ID on the Staff sheet (IDs: S1, S2)" in problem.message


def test_section_must_be_a_letter(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["CBT Skills", 2]), 2, "Section")
    assert "is not a section letter" in problem.message


def test_start_without_day(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["CBT Skills", None, None, "9:00"]), 2, "Day")
    assert "a pinned Start needs its day" in problem.message


def test_unreadable_day_and_time(tmp_path):
    problems = roster_problems(tmp_path, with_pins(["CBT Skills", None, "Mnday", "9:75"]))
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("Fixed", 2, "Day"), ("Fixed", 2, "Start")]


def test_day_without_slots(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["CBT Skills", None, "Sat", "9:00"]), 2, "Day")
    assert problem.message == "the Slots sheet has no slots on Sat (days with slots: Mon, Tue)."


def test_start_that_is_not_a_slot_start_that_day(tmp_path):
    problem = fixed_problem(tmp_path, with_pins(["CBT Skills", None, "Mon", "10:00"]), 2, "Start")
    assert problem.value == "10:00"
    assert problem.message == (
        "no slot on the Slots sheet starts at 10:00 on Mon; slots on Mon start at 09:00, 11:00.")


def test_facilitator_without_the_groups_skill(tmp_path):
    sheets = with_pins(["Peer Support", None, None, None, None, "S2"])
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert problem.message.startswith("S2 (Alex Kim) cannot lead Peer Support: it needs the "
                                      "skill 'peer support'")


def test_facilitator_not_available_at_the_pinned_slot(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Tue", "9:00", None, "S2"]),
                      "Staff", 3, "Available", "Mon")
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert problem.message == (
        "S2 (Alex Kim) is not available at Tue 09:00 (Available 'Mon' on Staff row 3).")


def test_facilitator_not_available_on_the_pinned_day(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Tue", None, None, "S2"]),
                      "Staff", 3, "Available", "Mon")
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert "is not available at any slot on Tue" in problem.message


def test_facilitator_of_the_section_not_available_at_another_rows_time(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, None, None, None, "S2"],
                                ["CBT Skills", None, "Tue", "9:00"]),
                      "Staff", 3, "Available", "Mon")
    problem = fixed_problem(tmp_path, sheets, 3, "Start")
    assert problem.message == (
        "S2 (Alex Kim), who leads CBT Skills section A by Fixed row 2, is not available at "
        "Tue 09:00 (Available 'Mon' on Staff row 3).")


def test_facilitator_max_per_week_below_the_groups_sessions(tmp_path):
    sheets = set_cell(with_pins(["Peer Support", None, None, None, None, "S1"]),
                      "Staff", 2, "Max per week", 1)
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert "may lead at most 1 meeting a week (Max per week on Staff row 2)" in problem.message
    assert "Peer Support meets 2 times a week" in problem.message


def test_facilitator_available_for_fewer_slots_than_the_groups_sessions(tmp_path):
    sheets = set_cell(with_pins(["Peer Support", None, None, None, None, "S1"]),
                      "Staff", 2, "Available", "Mon 9:00-10:30")
    problem = fixed_problem(tmp_path, sheets, 2, "Facilitator")
    assert "can lead at most 1 meeting a week" in problem.message


def test_room_without_the_groups_room_needs(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Mon", "9:00", "Room A"]),
                      "Groups", 3, "Room needs", "accessible")
    problem = fixed_problem(tmp_path, sheets, 2, "Room")
    assert problem.message.startswith("Room A lacks what CBT Skills needs: accessible")


def test_room_unavailable_at_the_pinned_slot(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Mon", "9:00", "Room B"]),
                      "Rooms", 3, "Unavailable", "Mon 10:00-11:00")
    problem = fixed_problem(tmp_path, sheets, 2, "Room")
    assert problem.message == ("Room B is unavailable at Mon 09:00 (Unavailable "
                               "'Mon 10:00-11:00' on Rooms row 3).")


def test_room_of_the_whole_section_unavailable_at_a_pinned_meeting(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, None, None, "Room B"],
                                ["CBT Skills", None, "Mon", "9:00"]),
                      "Rooms", 3, "Unavailable", "Mon")
    problem = fixed_problem(tmp_path, sheets, 3, "Start")
    assert "Room B, where CBT Skills section A meets by Fixed row 2, is unavailable" in \
        problem.message


def test_room_of_the_whole_section_free_too_rarely(tmp_path):
    sheets = set_cell(with_pins(["Peer Support", None, None, None, "Room B"]),
                      "Rooms", 3, "Unavailable", "Mon; Tue 11:00-12:30")
    problem = fixed_problem(tmp_path, sheets, 2, "Room")
    assert "Room B is free at only 1 slot a week" in problem.message


def test_room_smaller_than_the_groups_min_size(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, None, None, "Room B"]),
                      "Groups", 3, "Min size", 9)
    set_cell(sheets, "Groups", 3, "Max size", 9)
    problem = fixed_problem(tmp_path, sheets, 2, "Room")
    assert problem.message == ("Room B seats 8 (Capacity on Rooms row 3), fewer than the Min "
                               "size of CBT Skills, 9.")


def test_slot_no_program_of_the_group_attends(tmp_path):
    sheets = set_cell(with_pins(["Peer Support", None, "Mon", "11:00"]),
                      "Programs", 2, "Attends", "Mon 9:00-10:30; Tue")
    problem = fixed_problem(tmp_path, sheets, 2, "Start")
    assert problem.message == (
        "no patient could attend Peer Support at Mon 11:00: it is outside the Attends of every "
        "program the group is open to (Residential: 'Mon 9:00-10:30; Tue').")


def test_day_no_program_of_the_group_attends(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Mon"]), "Programs", 2, "Attends", "Tue")
    problem = fixed_problem(tmp_path, sheets, 2, "Day")
    assert "no patient could attend CBT Skills on Mon" in problem.message


# --- rows of one section that cannot all hold ----------------------------------------------------


def test_more_pinned_times_than_sessions_per_week(tmp_path):
    sheets = with_pins(["CBT Skills", None, "Mon", "9:00"], ["CBT Skills", "A", "Tue"])
    problem = fixed_problem(tmp_path, sheets, 3, "Day")
    assert problem.message == (
        "CBT Skills meets once a week (Sessions per week on Groups row 3), and Fixed row 2 "
        "already pins it for CBT Skills section A; each row with a Day is one meeting.")


def test_the_same_section_pinned_to_the_same_slot_twice(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00"], ["peer support", "a", "MON", "9 AM"])
    problem = fixed_problem(tmp_path, sheets, 3, "Start")
    assert problem.message == ("Peer Support section A is already pinned at Mon 09:00 on Fixed "
                               "row 2; a section meets once per slot.")


def test_more_pinned_meetings_on_a_day_than_it_has_slots(tmp_path):
    sheets = set_cell(with_pins(["Peer Support", None, "Mon"],
                                ["Peer Support", None, "Mon", "9:00"],
                                ["Peer Support", None, "Mon"]),
                      "Groups", 2, "Sessions per week", 3)
    problem = fixed_problem(tmp_path, sheets, 4, "Day")
    assert problem.message.startswith("Mon has only 2 slots, and Fixed rows 2 and 3 already pin")


def test_two_facilitators_for_one_section(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00", None, "S1"],
                       ["Peer Support", None, None, None, None, "S3"])
    add_row(sheets, "Staff", {"ID": "S3", "Name": "Sam Cole", "Skills": "peer support"})
    problem = fixed_problem(tmp_path, sheets, 3, "Facilitator")
    assert problem.message == ("Peer Support section A is already led by S1 (Dana Reyes) on "
                               "Fixed row 2; a section has one facilitator all week.")


def test_two_rooms_for_every_meeting_of_one_section(tmp_path):
    sheets = with_pins(["CBT Skills", None, None, None, "Room A"],
                       ["CBT Skills", None, "Mon", "9:00", "Room B"])
    problem = fixed_problem(tmp_path, sheets, 3, "Room")
    assert problem.message.startswith("Fixed row 2 puts every meeting of CBT Skills section A "
                                      "in Room A")


def test_room_of_the_whole_section_after_a_meeting_in_another_room(tmp_path):
    sheets = with_pins(["CBT Skills", None, "Mon", "9:00", "Room B"],
                       ["CBT Skills", None, None, None, "Room A"])
    problem = fixed_problem(tmp_path, sheets, 3, "Room")
    assert "but Fixed row 2 pins one of its meetings in Room B" in problem.message


def test_the_same_section_may_meet_in_different_rooms(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00", "Room A"],
                       ["Peer Support", None, "Tue", "9:00", "Room B"])
    assert len(read_sheets(tmp_path, sheets).pins) == 2


# --- sections that clash ------------------------------------------------------------------------


def test_two_sections_in_one_room_at_the_same_slot(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00", "Room A"],
                       ["CBT Skills", None, "Mon", "9:00", "room a"])
    problem = fixed_problem(tmp_path, sheets, 3, "Room")
    assert problem.value == "Room A"
    assert problem.message == ("Room A is already pinned for Peer Support section A at Mon 09:00 "
                               "on Fixed row 2; a room holds one section at a time.")


def test_sections_of_one_group_in_one_room_at_the_same_slot(tmp_path):
    sheets = with_pins(["Peer Support", "A", "Mon", "9:00", "Room A"],
                       ["Peer Support", "B", "Mon", "9:00", "Room A"])
    fixed_problem(tmp_path, sheets, 3, "Room")


def test_room_of_a_whole_section_taken_at_its_pinned_slot(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00", "Room A"],
                       ["CBT Skills", None, None, None, "Room A"],
                       ["CBT Skills", None, "Mon", "9:00"])
    problem = fixed_problem(tmp_path, sheets, 4, "Start")
    assert problem.message.startswith("CBT Skills section A meets in Room A by Fixed row 3, but "
                                      "Room A is already pinned for Peer Support section A")


def test_one_facilitator_for_two_sections_at_the_same_slot(tmp_path):
    sheets = with_pins(["Peer Support", "A", "Mon", "9:00", None, "S1"],
                       ["Peer Support", "B", "Mon", "9:00", None, "s1"])
    problem = fixed_problem(tmp_path, sheets, 3, "Facilitator")
    assert problem.message == (
        "S1 (Dana Reyes) is already pinned to lead Peer Support section A at Mon 09:00 on Fixed "
        "row 2; one person leads one section at a time.")


def test_facilitator_pinned_to_more_sections_than_max_per_week(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", "A", None, None, None, "S2"],
                                ["CBT Skills", "B", None, None, None, "S2"]),
                      "Staff", 3, "Max per week", 1)
    problem = fixed_problem(tmp_path, sheets, 3, "Facilitator")
    assert "but the sections pinned to them meet 2 times" in problem.message


def test_facilitator_pinned_to_more_meetings_in_a_day_than_max_per_day(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", "A", "Mon", "9:00", None, "S2"],
                                ["CBT Skills", "B", "Mon", "11:00", None, "S2"]),
                      "Staff", 3, "Max per day", 1)
    problem = fixed_problem(tmp_path, sheets, 3, "Day")
    assert problem.message == (
        "S2 (Alex Kim) may lead at most 1 group a day (Max per day on Staff row 3), and Fixed "
        "row 2 already pins them to lead 1 on Mon; this row would be one more.")


def test_different_sections_at_the_same_slot_in_different_rooms_are_fine(tmp_path):
    sheets = with_pins(["Peer Support", None, "Mon", "9:00", "Room A", "S1"],
                       ["CBT Skills", None, "Mon", "9:00", "Room B", "S2"])
    assert len(read_sheets(tmp_path, sheets).pins) == 2


# --- no cascades --------------------------------------------------------------------------


def test_a_bad_row_elsewhere_is_not_blamed_on_the_pin(tmp_path):
    sheets = set_cell(with_pins(["CBT Skills", None, "Mon", "9:00", "Room B"]),
                      "Rooms", 3, "Capacity", "ten")
    problems = roster_problems(tmp_path, sheets)
    assert [(p.sheet, p.row, p.column) for p in problems] == [("Rooms", 3, "Capacity")]


def test_a_pin_with_an_unreadable_cell_is_still_checked_for_names_only(tmp_path):
    sheets = with_pins(["CBT Skills", None, "Mon", "10:30 XM", "Gym"],
                       ["CBT Skills", None, "Mon", "9:00"])
    problems = roster_problems(tmp_path, sheets)
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("Fixed", 2, "Start"), ("Fixed", 2, "Room")]

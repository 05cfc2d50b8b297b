"""read_roster: accepted forms, every class of bad input (located), whole-file failures, template."""

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import (
    add_row,
    minimal_roster,
    read_sheets,
    roster_problems,
    set_cell,
    write_workbook,
)

from scheduler.domain import KINDS
from scheduler.errors import RosterError, WorkbookUnreadable
from scheduler.reader import SHEETS, read_roster
from scheduler.template_workbook import HEADER_ROW, write_template

DATA = Path(__file__).parent / "data"


def only(problems, sheet, row, column):
    """The one problem located at sheet/row/column (fails with the full list otherwise)."""
    found = [p for p in problems if (p.sheet, p.row, p.column) == (sheet, row, column)]
    listing = "\n".join(str(p) for p in problems)
    assert len(found) == 1, f"expected one problem at {sheet}/{row}/{column}, got:\n{listing}"
    return found[0]


def one_problem(tmp_path, sheets, sheet, row, column):
    """The roster has exactly one problem, at sheet/row/column; returns it."""
    problems = roster_problems(tmp_path, sheets)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return only(problems, sheet, row, column)


# --- the minimal roster and accepted forms ------------------------------------------------


def test_minimal_roster_reads_cleanly(tmp_path):
    roster = read_sheets(tmp_path, minimal_roster())
    assert roster.warnings == []
    assert roster.settings.center == "Hillside Recovery"
    assert roster.settings.week_of == dt.date(2024, 3, 4)
    assert roster.settings.time_limit == 10
    assert [str(s) for s in roster.slots] == [
        "Mon 09:00-10:30", "Mon 11:00-12:30", "Tue 09:00-10:30", "Tue 11:00-12:30"]
    assert [g.name for g in roster.groups] == ["Peer Support", "CBT Skills"]
    assert roster.groups[1].skill == "cbt"
    assert [s.id for s in roster.staff] == ["S1", "S2"]
    assert roster.rooms[1].features == {"accessible"}
    assert [p.id for p in roster.patients] == ["P01", "P02", "P03", "P04", "P05", "P06"]
    assert [roster.is_role_model(p) for p in roster.patients] == [True] * 3 + [False] * 3
    assert roster.patients[3].keep_apart == ("P05",)
    assert roster.patients[0].primary_therapist == "S2"
    assert roster.patients[0].row == 2
    assert roster.source.endswith("roster.xlsx")


def test_slots_sorted_by_day_and_start_and_indexed(tmp_path):
    sheets = minimal_roster()
    sheets["Slots"][1:] = [["Wed", "9:00", "10:00"], ["Mon", "13:00", "14:00"], ["Mon", "9:00", "10:00"]]
    roster = read_sheets(tmp_path, sheets)
    assert [(s.index, str(s), s.row) for s in roster.slots] == [
        (0, "Mon 09:00-10:00", 4), (1, "Mon 13:00-14:00", 3), (2, "Wed 09:00-10:00", 2)]


def test_times_in_every_accepted_form(tmp_path):
    sheets = minimal_roster()
    sheets["Slots"][1:] = [
        ["Mon", dt.time(8, 0), dt.time(8, 50)],
        ["Mon", dt.datetime(1899, 12, 30, 9, 0), 0.40625],  # datetime cell; 9:45 as a day fraction
        ["Mon", "10:00 AM", "10:45am"],
        ["Mon", "11am", "11:50 AM"],
        ["Mon", "5:30 pm", "18:20"],
        ["Mon", "07:00 PM", "19:50"],
    ]
    roster = read_sheets(tmp_path, sheets)
    assert [(s.start_text, s.end_text) for s in roster.slots] == [
        ("08:00", "08:50"), ("09:00", "09:45"), ("10:00", "10:45"), ("11:00", "11:50"),
        ("17:30", "18:20"), ("19:00", "19:50")]


def test_days_in_every_accepted_form(tmp_path):
    sheets = minimal_roster()
    days = ["monday", "TUES", "Wed", "Thurs", "friday", "Sat", "SUNDAY"]
    sheets["Slots"][1:] = [[d, "9:00", "10:00"] for d in days]
    roster = read_sheets(tmp_path, sheets)
    assert [s.day_name for s in roster.slots] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), ("Y", True), ("x", True), (1, True), ("Yes", True), ("TRUE", True),
     (False, False), ("no", False), ("n", False), (0, False), (None, False), ("", False)],
)
def test_yes_no_forms(tmp_path, value, expected):
    sheets = set_cell(minimal_roster(), "Groups", 3, "Required", value)
    assert read_sheets(tmp_path, sheets).groups[1].required is expected


def test_role_model_column_blank_means_not_given(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Patients", 2, "Role model", "no")
    set_cell(sheets, "Patients", 7, "Role model", "yes")
    roster = read_sheets(tmp_path, sheets)
    assert [p.role_model for p in roster.patients] == [False, None, None, None, None, True]
    assert [roster.is_role_model(p) for p in roster.patients] == [
        False, True, True, False, False, True]


def test_lists_with_commas_and_semicolons(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Staff", 3, "Skills", "CBT; DBT, motivational interviewing;")
    set_cell(sheets, "Rooms", 2, "Features", "projector;  whiteboard ")
    roster = read_sheets(tmp_path, sheets)
    assert roster.staff[1].skills == {"cbt", "dbt", "motivational interviewing"}
    assert roster.rooms[0].features == {"projector", "whiteboard"}


def test_header_row_below_a_title_and_blank_rows_skipped(tmp_path):
    sheets = minimal_roster()
    sheets["Patients"] = [["Patients this week"], [], [None, None]] + sheets["Patients"]
    sheets["Patients"].insert(6, [None] * 12)  # a blank row between patients (row 7)
    sheets["Patients"].insert(7, ["  ", None, ""])  # only spaces: blank too
    roster = read_sheets(tmp_path, sheets)
    assert [p.id for p in roster.patients] == ["P01", "P02", "P03", "P04", "P05", "P06"]
    assert [p.row for p in roster.patients] == [5, 6, 9, 10, 11, 12]


def test_sheet_names_and_headers_ignore_case_and_spaces(tmp_path):
    sheets = minimal_roster()
    sheets["  patients "] = sheets.pop("Patients")
    sheets["GROUPS"] = sheets.pop("Groups")
    sheets["GROUPS"][0][2] = "  sessions   PER week "
    sheets["  patients "][0][2] = "PROGRAM"
    sheets["  patients "][0][6] = "Primary Therapist"
    roster = read_sheets(tmp_path, sheets)
    assert roster.groups[0].sessions == 2
    assert roster.patients[0].program == "Residential"
    assert roster.patients[0].primary_therapist == "S2"


def test_names_match_ignoring_case_and_resolve_to_the_defining_spelling(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Patients", 2, "Program", "  residential ")
    set_cell(sheets, "Groups", 2, "Programs", "RESIDENTIAL")
    set_cell(sheets, "Groups", 2, "Skill", "Peer  Support")
    set_cell(sheets, "Patients", 3, "Extra groups", "cbt skills")
    set_cell(sheets, "Patients", 3, "Needs", "Accessible")
    set_cell(sheets, "Patients", 3, "Primary therapist", "s2")
    roster = read_sheets(tmp_path, sheets)
    assert roster.patients[0].program == "Residential"
    assert roster.groups[0].programs == {"Residential"}
    assert roster.patients[1].extra_groups == ("CBT Skills",)
    assert roster.patients[1].primary_therapist == "S2"
    assert roster.groups[0].skill in roster.staff[0].skills


def test_primary_therapist_may_be_given_by_name(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 2, "Primary therapist", "alex kim")
    assert read_sheets(tmp_path, sheets).patients[0].primary_therapist == "S2"


def test_ids_stored_as_numbers_become_text(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Patients", 2, "ID", 1001)
    set_cell(sheets, "Patients", 3, "ID", 1002.0)
    set_cell(sheets, "Patients", 4, "Keep apart", 1001.0)
    set_cell(sheets, "Staff", 2, "ID", 7)
    set_cell(sheets, "Patients", 3, "Primary therapist", 7.0)
    roster = read_sheets(tmp_path, sheets)
    assert [p.id for p in roster.patients[:3]] == ["1001", "1002", "P03"]
    assert roster.patients[2].keep_apart == ("1001",)
    assert roster.patients[1].primary_therapist == "7"


def test_time_expressions_are_read(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Programs", 2, "Attends", "Mon-Tue 8:00-13:00")
    set_cell(sheets, "Patients", 2, "Unavailable", "Mon 9:30-10:00")
    roster = read_sheets(tmp_path, sheets)
    patient = roster.patients[0]
    assert [str(s) for s in roster.patient_slots(patient)] == [
        "Mon 11:00-12:30", "Tue 09:00-10:30", "Tue 11:00-12:30"]


def test_unknown_columns_and_sheets_are_ignored_with_a_warning(tmp_path):
    sheets = minimal_roster()
    sheets["Rooms"][0].append("Notes")
    sheets["Rooms"][1].append("near the lobby")
    sheets["Instructions"] = [["How to fill this in"], ["Whatever the admin wrote"]]
    sheets["Scratch"] = [["Anything", 1, 2]]
    roster = read_sheets(tmp_path, sheets)
    assert len(roster.rooms) == 2
    assert roster.warnings == [
        "Rooms sheet, row 1, column 'Notes': this column is not used by the scheduler and was ignored."
    ]


def test_misspelt_column_warning_suggests_the_real_one(tmp_path):
    sheets = minimal_roster()
    sheets["Patients"][0][6] = "Primary therapst"
    roster = read_sheets(tmp_path, sheets)
    assert "Did you mean 'Primary therapist'?" in roster.warnings[0]
    assert roster.patients[0].primary_therapist is None


def test_settings_are_optional_with_defaults_and_a_week_of_warning(tmp_path):
    sheets = minimal_roster()
    del sheets["Settings"]
    roster = read_sheets(tmp_path, sheets)
    assert roster.settings.role_model_days == 30
    assert roster.settings.time_limit == 60
    assert roster.settings.paper == "Letter"
    assert len(roster.warnings) == 1
    assert "role models are counted from today" in roster.warnings[0]


def test_settings_forms(tmp_path):
    sheets = minimal_roster()
    sheets["Settings"][1:] = [
        ["center", 42], ["Week of:", "2024-03-11"], ["ROLE MODEL DAYS", "14"],
        ["Time limit (seconds)", 2.5], ["Paper", "a4"], ["Theme", "dark"], [None, None],
    ]
    roster = read_sheets(tmp_path, sheets)
    s = roster.settings
    assert (s.center, s.week_of, s.role_model_days, s.time_limit, s.paper) == (
        "42", dt.date(2024, 3, 11), 14, 2.5, "A4")
    assert roster.warnings == [
        "Settings sheet, row 7, column 'Setting': 'Theme' is not a setting the scheduler knows "
        "and was ignored."
    ]


def test_blank_week_of_warns_on_its_row(tmp_path):
    sheets = set_cell(minimal_roster(), "Settings", 3, "Value", None)
    roster = read_sheets(tmp_path, sheets)
    assert roster.settings.week_of is None
    assert roster.warnings[0].startswith("Settings sheet, row 3, column 'Value': 'Week of' is not given")


def test_formula_with_saved_result_is_read(tmp_path):
    path = tmp_path / "roster.xlsx"
    write_workbook(path, minimal_roster())
    # Emulate Excel: a formula cell with its cached result, written into the XML.
    book = openpyxl.load_workbook(path)
    book["Rooms"]["B2"] = "=5*2"
    book.save(path)
    _set_cached_value(path, "xl/worksheets/sheet6.xml", "B2", "10")
    assert read_roster(path).rooms[0].capacity == 10


def _set_cached_value(path: Path, member: str, cell: str, value: str) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts[member].decode()
    start = xml.index(f'<c r="{cell}"')
    end = xml.index("</c>", start)
    old = xml[start:end]
    new = old.replace("<v></v>", "").replace("<v />", "").replace("<v/>", "") + f"<v>{value}</v>"
    parts[member] = (xml[:start] + new + xml[end:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_input_file_is_not_modified(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    stamp = path.stat().st_mtime_ns
    read_roster(path)
    set_cell(minimal_roster(), "Patients", 2, "Program", "Nope")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime_ns == stamp


def test_any_file_extension_is_fine_when_the_content_is_a_workbook(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    renamed = path.rename(tmp_path / "roster.backup")
    assert len(read_roster(renamed).patients) == 6


# --- missing sheets and columns -----------------------------------------------------------


def test_missing_sheet(tmp_path):
    sheets = minimal_roster()
    del sheets["Rooms"]
    problem = one_problem(tmp_path, sheets, "Rooms", None, None)
    assert "the workbook has no 'Rooms' sheet" in problem.message
    assert "Room, Capacity" in problem.message


def test_missing_required_column(tmp_path):
    sheets = minimal_roster()
    sheets["Groups"][0][5] = "Skil"
    problem = one_problem(tmp_path, sheets, "Groups", 1, "Skill")
    assert "the header row has no 'Skill' column" in problem.message
    assert "'Skil'" in problem.message  # points at the likely typo


def test_missing_sheet_does_not_cascade_into_reference_problems(tmp_path):
    sheets = minimal_roster()
    del sheets["Programs"]
    problems = roster_problems(tmp_path, sheets)
    assert [(p.sheet, p.row) for p in problems] == [("Programs", None)]


def test_no_header_row_at_all(tmp_path):
    sheets = minimal_roster()
    sheets["Staff"] = [["Who works here"], ["Dana", "peer support"]]
    problem = one_problem(tmp_path, sheets, "Staff", None, None)
    assert "no header row found" in problem.message


def test_column_given_twice(tmp_path):
    sheets = minimal_roster()
    sheets["Rooms"][0].append("capacity")
    problem = only(roster_problems(tmp_path, sheets), "Rooms", 1, "Capacity")
    assert "two 'Capacity' columns (B and E)" in problem.message


def test_two_sheets_with_the_same_name(tmp_path):
    sheets = minimal_roster()
    sheets["rooms "] = sheets["Rooms"]
    problem = one_problem(tmp_path, sheets, "Rooms", None, None)
    assert "2 sheets named like 'Rooms'" in problem.message


# --- duplicates and references -------------------------------------------------------------


def test_duplicate_patient_id_names_the_first_row(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 7, "ID", "p02")
    problem = one_problem(tmp_path, sheets, "Patients", 7, "ID")
    assert problem.message == "'p02' is already used on row 3; each patient needs a different ID."


def test_duplicate_group_name(tmp_path):
    sheets = set_cell(minimal_roster(), "Groups", 3, "Group", "peer support")
    problem = one_problem(tmp_path, sheets, "Groups", 3, "Group")
    assert "already used on row 2" in problem.message


def test_duplicate_staff_id_room_and_program(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Staff", 3, "ID", "S1")
    set_cell(sheets, "Rooms", 3, "Room", "ROOM A")
    add_row(sheets, "Programs", {"Program": "Residential"})
    problems = roster_problems(tmp_path, sheets)
    assert "row 2" in only(problems, "Staff", 3, "ID").message
    assert "row 2" in only(problems, "Rooms", 3, "Room").message
    assert "row 2" in only(problems, "Programs", 3, "Program").message


def test_unknown_program_of_a_patient(tmp_path):
    sheets = minimal_roster()
    add_row(sheets, "Programs", {"Program": "IOP"})
    add_row(sheets, "Programs", {"Program": "PHP"})
    set_cell(sheets, "Patients", 14, "ID", "P13")
    set_cell(sheets, "Patients", 14, "Program", "Residental")
    problem = one_problem(tmp_path, sheets, "Patients", 14, "Program")
    assert str(problem) == (
        "Patients sheet, row 14, column 'Program': 'Residental' is not a program on the Programs "
        "sheet (programs: IOP, PHP, Residential). Did you mean 'Residential'?")
    assert problem.value == "Residental"


def test_unknown_program_of_a_group(tmp_path):
    sheets = set_cell(minimal_roster(), "Groups", 3, "Programs", "Residential, IOP")
    problem = one_problem(tmp_path, sheets, "Groups", 3, "Programs")
    assert problem.message.startswith("'IOP' is not a program on the Programs sheet")


def test_unknown_primary_therapist(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 4, "Primary therapist", "S9")
    problem = one_problem(tmp_path, sheets, "Patients", 4, "Primary therapist")
    assert "'S9' is not a staff ID on the Staff sheet (IDs: S1, S2)" in problem.message


def test_unknown_extra_group(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 5, "Extra groups", "CBT Skills; Yoga")
    problem = one_problem(tmp_path, sheets, "Patients", 5, "Extra groups")
    assert problem.message == (
        "'Yoga' is not a group on the Groups sheet (groups: CBT Skills, Peer Support).")


def test_unknown_keep_apart_patient(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 5, "Keep apart", "P01, P99")
    problem = one_problem(tmp_path, sheets, "Patients", 5, "Keep apart")
    assert problem.message == "no patient on the Patients sheet has the ID 'P99'."


def test_keep_apart_listing_the_patient_themself(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 5, "Keep apart", "P04")
    problem = one_problem(tmp_path, sheets, "Patients", 5, "Keep apart")
    assert "lists the patient's own ID 'P04'" in problem.message


def test_skill_nobody_has(tmp_path):
    sheets = set_cell(minimal_roster(), "Groups", 3, "Skill", "CBTT")
    problem = one_problem(tmp_path, sheets, "Groups", 3, "Skill")
    assert "no staff member on the Staff sheet has the skill 'cbtt'" in problem.message


def test_room_feature_nobody_has(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Groups", 2, "Room needs", "projecter")
    set_cell(sheets, "Patients", 3, "Needs", "wheelchair")
    problems = roster_problems(tmp_path, sheets)
    assert "'projecter' is not a feature of any room" in only(problems, "Groups", 2, "Room needs").message
    assert "(features: accessible)" in only(problems, "Patients", 3, "Needs").message


# --- unreadable cells -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sheet, row, column, value, expected",
    [
        ("Rooms", 3, "Capacity", "ten", "'ten' is not a number; expected a whole number like 2"),
        ("Slots", 2, "Start", "9:75", "'9:75' is not a time; expected a time like 9:00 or 5:30 PM"),
        ("Slots", 3, "Day", "Mnday", "'Mnday' is not a day; expected a day like Mon"),
        ("Patients", 4, "Admitted", "last week", "'last week' is not a date; expected a date like 2024-03-04"),
        ("Staff", 3, "Available", "Mon 9-5:00 PX", "'Mon 9-5:00 PX' cannot be read: '5:00 PX' is not a time"),
        ("Groups", 2, "Required", "maybe", "'maybe' is not yes or no; expected yes or no"),
        ("Patients", 2, "Role model", "sometimes", "'sometimes' is not yes or no"),
        ("Programs", 2, "Min hours", "lots", "'lots' is not a number; expected a number"),
        ("Rooms", 2, "Unavailable", 5, "5 is not a list of days and times"),
    ],
)
def test_unparsable_cells(tmp_path, sheet, row, column, value, expected):
    sheets = set_cell(minimal_roster(), sheet, row, column, value)
    problem = one_problem(tmp_path, sheets, sheet, row, column)
    assert expected in problem.message
    assert problem.value == value


def test_formula_without_saved_result(tmp_path):
    # openpyxl never calculates, so a formula it writes has no saved result.
    sheets = set_cell(minimal_roster(), "Rooms", 2, "Capacity", "=4+4")
    problem = one_problem(tmp_path, sheets, "Rooms", 2, "Capacity")
    assert problem.message == (
        "has a formula (=4+4) with no saved result; open and save the file in Excel or "
        "LibreOffice so the result is stored.")


def test_error_value_cell(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 6, "Program", "#REF!")
    problem = one_problem(tmp_path, sheets, "Patients", 6, "Program")
    assert problem.message.startswith("holds the error value #REF!")


def test_formula_and_error_in_ignored_columns_do_not_matter(tmp_path):
    sheets = minimal_roster()
    sheets["Rooms"][0].append("Notes")
    sheets["Rooms"][1].append("=A1")
    sheets["Rooms"][2].append("#N/A")
    assert len(read_sheets(tmp_path, sheets).rooms) == 2


# --- value checks -------------------------------------------------------------------------------


def test_end_not_after_start(tmp_path):
    sheets = set_cell(minimal_roster(), "Slots", 3, "End", "11:00")
    problem = one_problem(tmp_path, sheets, "Slots", 3, "End")
    assert "ends at 11:00, which is not after its start 11:00" in problem.message


def test_overlapping_slots_name_both_rows(tmp_path):
    sheets = minimal_roster()
    add_row(sheets, "Slots", {"Day": "Mon", "Start": "10:00", "End": "11:00"})
    problem = one_problem(tmp_path, sheets, "Slots", 6, "Start")
    assert problem.message == (
        "Mon 10:00-11:00 overlaps Mon 09:00-10:30 on row 2; periods of one day must not overlap.")


def test_min_size_more_than_max_size(tmp_path):
    sheets = set_cell(minimal_roster(), "Groups", 2, "Min size", 9)
    problem = one_problem(tmp_path, sheets, "Groups", 2, "Min size")
    assert problem.message == "Min size 9 is more than Max size 8; Min size must not be more than Max size."


@pytest.mark.parametrize(
    "sheet, row, column, value, expected",
    [
        ("Groups", 2, "Min size", 0, "0 is too small; expected a whole number of at least 1"),
        ("Groups", 3, "Sessions per week", 0, "at least 1"),
        ("Groups", 3, "Sessions per week", 1.5, "1.5 is not a whole number"),
        ("Rooms", 2, "Capacity", 0, "at least 1"),
        ("Staff", 2, "Max per week", -1, "-1 is negative; expected a whole number of 0 or more"),
        ("Staff", 3, "Max per day", "2.5", "is not a whole number"),
        ("Programs", 2, "Max per day", 0, "at least 1"),
        ("Programs", 2, "Min hours", -3, "at least 0"),
        ("Groups", 2, "Kind", "support", "'support' is not a kind of group; expected 'peer' or 'therapy'"),
    ],
)
def test_counts_and_kinds(tmp_path, sheet, row, column, value, expected):
    sheets = set_cell(minimal_roster(), sheet, row, column, value)
    problem = one_problem(tmp_path, sheets, sheet, row, column)
    assert expected in problem.message


def test_more_sessions_than_slots(tmp_path):
    sheets = set_cell(minimal_roster(), "Groups", 2, "Sessions per week", 5)
    problem = one_problem(tmp_path, sheets, "Groups", 2, "Sessions per week")
    assert problem.message.startswith("5 sessions a week, but the Slots sheet has only 4 slots")


def test_no_slots(tmp_path):
    sheets = minimal_roster()
    sheets["Slots"] = sheets["Slots"][:1]
    problem = one_problem(tmp_path, sheets, "Slots", 2, None)
    assert problem.message.startswith("there are no slots")


@pytest.mark.parametrize(
    "sheet, row, column, expected",
    [
        ("Groups", 2, "Skill", "the cell is empty; enter the skill its facilitator must have"),
        ("Staff", 2, "Skills", "the cell is empty; list the groups' skills"),
        ("Patients", 3, "Program", "the cell is empty; enter the patient's program"),
        ("Patients", 3, "ID", "the cell is empty; every patient needs an ID"),
        ("Groups", 3, "Kind", "the cell is empty; enter peer"),
        ("Groups", 3, "Max size", "the cell is empty; enter a whole number"),
        ("Rooms", 3, "Capacity", "the cell is empty"),
        ("Slots", 2, "End", "the cell is empty; enter the end time"),
        ("Programs", 2, "Program", "the cell is empty; every program needs a name"),
    ],
)
def test_required_cells_left_blank(tmp_path, sheet, row, column, expected):
    sheets = set_cell(minimal_roster(), sheet, row, column, None)
    problems = roster_problems(tmp_path, sheets)
    assert only(problems, sheet, row, column).message.startswith(expected)


@pytest.mark.parametrize(
    "column, value, extra, reason",
    [
        ("Programs", "IOP", None, "the group is only for the program IOP and this patient is in Residential"),
        ("Gender", "F", None, "the group is only for Gender 'F' and this patient's Gender is 'M'"),
        ("Track", "opioids", None, "the group is only for Track 'opioids' and this patient's Track is 'alcohol'"),
    ],
)
def test_extra_group_the_patient_may_not_join(tmp_path, column, value, extra, reason):
    sheets = minimal_roster()
    add_row(sheets, "Programs", {"Program": "IOP"})
    add_row(sheets, "Groups", {"Group": "Women's Trauma", "Kind": "therapy", "Sessions per week": 1,
                               "Min size": 1, "Max size": 6, "Skill": "CBT", column: value})
    set_cell(sheets, "Patients", 3, "Extra groups", "women's trauma")  # P02: M, alcohol
    problem = one_problem(tmp_path, sheets, "Patients", 3, "Extra groups")
    assert problem.message == f"\"Women's Trauma\" is not open to this patient: {reason}."


def test_settings_problems(tmp_path):
    sheets = minimal_roster()
    sheets["Settings"][1:] = [
        ["Week of", "someday"], ["Role model days", -1], ["Time limit", 0], ["Paper", "Legal"],
        ["week of", dt.date(2024, 3, 4)],
    ]
    problems = roster_problems(tmp_path, sheets)
    assert "'someday' is not a date" in only(problems, "Settings", 2, "Value").message
    assert "negative" in only(problems, "Settings", 3, "Value").message
    assert "above 0" in only(problems, "Settings", 4, "Value").message
    assert "expected 'Letter' or 'A4'" in only(problems, "Settings", 5, "Value").message
    assert "already set on row 2" in only(problems, "Settings", 6, "Setting").message
    assert len(problems) == 5


def test_every_problem_is_reported_at_once_in_sheet_order(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Patients", 7, "Program", "Residental")
    set_cell(sheets, "Slots", 3, "End", "10:00")
    set_cell(sheets, "Groups", 3, "Min size", 20)
    set_cell(sheets, "Rooms", 2, "Capacity", "lots")
    set_cell(sheets, "Patients", 2, "Admitted", "yesterday")
    set_cell(sheets, "Patients", 2, "Keep apart", "P01")
    sheets["Staff"][0][2] = "Skillz"
    problems = roster_problems(tmp_path, sheets)
    located = [(p.sheet, p.row, p.column) for p in problems]
    assert located == [
        ("Slots", 3, "End"),
        ("Groups", 3, "Min size"),
        ("Staff", 1, "Skills"),
        ("Rooms", 2, "Capacity"),
        ("Patients", 2, "Admitted"),
        ("Patients", 2, "Keep apart"),
        ("Patients", 7, "Program"),
    ]
    error = pytest.raises(RosterError, read_sheets, tmp_path, sheets).value
    assert str(error).count("\n") == len(problems) - 1


def test_one_row_with_several_problems_reports_them_all(tmp_path):
    sheets = minimal_roster()
    add_row(sheets, "Groups", {"Group": "Bad", "Kind": "x", "Sessions per week": "two",
                               "Min size": -1, "Max size": None, "Skill": None})
    problems = roster_problems(tmp_path, sheets)
    assert {p.column for p in problems if p.row == 4} == {
        "Kind", "Sessions per week", "Min size", "Max size", "Skill"}


# --- whole-file failures ------------------------------------------------------------------------


def unreadable(path) -> str:
    with pytest.raises(WorkbookUnreadable) as caught:
        read_roster(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_missing_file(tmp_path):
    assert "does not exist" in unreadable(tmp_path / "nope.xlsx")


def test_folder_instead_of_file(tmp_path):
    assert "is a folder" in unreadable(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"")
    assert "is empty (0 bytes)" in unreadable(path)


def test_renamed_csv(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("ID,Name,Program\nP01,Ann,IOP\n")
    message = unreadable(path)
    assert "is a text file (for example CSV), not an Excel workbook" in message
    assert "save it as an Excel Workbook (.xlsx)" in message


def test_renamed_pdf(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert "is a PDF document" in unreadable(path)


def test_truncated_workbook(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "is damaged (the file looks cut off or corrupted)" in unreadable(path)


def test_corrupted_member_inside_the_zip(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 40] = b"\x00" * 40  # damage compressed data, keep the directory
    path.write_bytes(bytes(data))
    assert "damaged" in unreadable(path)


def test_password_protected(tmp_path):
    path = tmp_path / "roster.xlsx"
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(ole2 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100)
    message = unreadable(path)
    assert "is password-protected" in message
    assert "save it without one" in message


def test_old_xls_format(tmp_path):
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + "Workbook".encode("utf-16-le"))
    message = unreadable(path)
    assert "old Excel 97-2003 format (.xls)" in message
    assert "save it as an Excel Workbook (.xlsx)" in message


@pytest.mark.parametrize(
    "members, expected",
    [
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
         "an OpenDocument spreadsheet (.ods)"),
        ({"word/document.xml": "<x/>"}, "a Word document"),
        ({"notes.txt": "hello"}, "a zip archive"),
    ],
)
def test_zip_files_that_are_not_workbooks(tmp_path, members, expected):
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    assert expected in unreadable(path)


def test_binary_junk(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    assert "is not an Excel workbook (.xlsx)" in unreadable(path)


# --- the template -----------------------------------------------------------------------------


def test_blank_template_has_only_empty_sheet_problems(tmp_path):
    path = write_template(tmp_path / "blank.xlsx")
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    problems = caught.value.problems
    assert [(p.sheet, p.row) for p in problems] == [
        (name, HEADER_ROW + 1) for name in ("Slots", "Programs", "Groups", "Staff", "Rooms", "Patients")]
    assert problems[0].message.startswith("there are no slots")
    assert all("no " in p.message and "yet" in p.message for p in problems[1:])


def test_template_filled_with_minimal_rows_validates_cleanly(tmp_path):
    path = write_template(tmp_path / "roster.xlsx")
    book = openpyxl.load_workbook(path)
    minimal = minimal_roster()
    for spec in SHEETS:
        if spec.name == "Settings":
            book["Settings"]["B4"] = dt.date(2024, 3, 4)  # Week of
            continue
        if spec.name not in minimal:
            continue  # e.g. Weights: the template's defaults stay
        headers = [book[spec.name].cell(HEADER_ROW, c).value for c in range(1, len(spec.columns) + 1)]
        source_headers = minimal[spec.name][0]
        for offset, row in enumerate(minimal[spec.name][1:], start=1):
            for column, value in zip(source_headers, row):
                book[spec.name].cell(HEADER_ROW + offset, headers.index(column) + 1, value)
    book.save(path)
    roster = read_roster(path)
    assert roster.warnings == []
    assert len(roster.patients) == 6 and len(roster.slots) == 4
    from scheduler.rules import default_weights

    assert roster.weights == default_weights()  # the template's prefilled weights
    assert roster.settings.role_model_days == 30 and roster.settings.time_limit == 60


def test_template_layout(tmp_path):
    path = write_template(tmp_path / "blank.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["blank.xlsx"]  # no temporary file left
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Instructions"] + [spec.name for spec in SHEETS]
    for spec in SHEETS:
        sheet = book[spec.name]
        headers = [sheet.cell(HEADER_ROW, c + 1) for c in range(len(spec.columns))]
        assert [h.value for h in headers] == list(spec.columns)
        assert all(h.font.bold for h in headers)
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    validations = {
        (sheet, str(rule.sqref).split(":")[0][0]): rule.formula1
        for sheet in ("Slots", "Groups", "Patients")
        for rule in book[sheet].data_validations.dataValidation
    }
    assert validations[("Slots", "A")] == '"Mon,Tue,Wed,Thu,Fri,Sat,Sun"'
    assert validations[("Groups", "B")] == f'"{",".join(KINDS)}"'
    assert validations[("Groups", "H")] == '"yes,no"'
    assert validations[("Patients", "C")] == "Programs!$A$3:$A$1000"
    instructions = " ".join(str(c.value) for row in book["Instructions"].iter_rows() for c in row if c.value)
    assert "Mon-Thu 17:30-21:00" in instructions and "Unavailable" in instructions


def test_template_replaces_an_existing_file_atomically(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("old")
    write_template(path)
    assert zipfile.is_zipfile(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.xlsx"]


def test_template_into_a_missing_folder_is_a_clear_error(tmp_path):
    from scheduler.errors import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        write_template(tmp_path / "nowhere" / "roster.xlsx")


# --- a file saved by LibreOffice ------------------------------------------------------------------


def test_roster_saved_by_libreoffice_reads_cleanly():
    roster = read_roster(DATA / "libreoffice_roster.xlsx")
    assert roster.warnings == []
    assert [str(s) for s in roster.slots] == ["Mon 09:00-10:30", "Mon 11:00-12:30", "Tue 09:00-10:30"]
    assert [g.required for g in roster.groups] == [True, False]
    assert roster.rooms[0].capacity == 10  # a formula, with the result LibreOffice saved
    assert [p.id for p in roster.patients][:2] == ["1001", "1002"]
    assert roster.patients[0].admitted == dt.date(2024, 1, 2)
    assert roster.patients[5].role_model is True
    assert roster.settings.week_of == dt.date(2024, 3, 4)


# --- warnings and helpers --------------------------------------------------------------------------


def test_attends_and_available_covering_no_slot_warn(tmp_path):
    sheets = minimal_roster()
    set_cell(sheets, "Programs", 2, "Attends", "Sat")
    set_cell(sheets, "Staff", 2, "Available", "Mon 13:00-17:00")
    roster = read_sheets(tmp_path, sheets)
    assert roster.warnings == [
        "Programs sheet, row 2, column 'Attends': 'Sat' covers none of the slots on the Slots "
        "sheet, so patients of this program cannot attend any group.",
        "Staff sheet, row 2, column 'Available': 'Mon 13:00-17:00' covers none of the slots on "
        "the Slots sheet, so this staff member cannot lead any group.",
    ]


def test_why_not_eligible_agrees_with_roster_eligible(tmp_path):
    from scheduler.reader import why_not_eligible

    sheets = minimal_roster()
    add_row(sheets, "Programs", {"Program": "IOP"})
    for gender, track, programs in [("F", None, None), (None, "alcohol", None), (None, None, "IOP"),
                                    ("m", "ALCOHOL", "residential, IOP")]:
        add_row(sheets, "Groups", {"Group": f"G {gender} {track} {programs}", "Kind": "therapy",
                                   "Sessions per week": 1, "Min size": 1, "Max size": 5,
                                   "Skill": "CBT", "Gender": gender, "Track": track,
                                   "Programs": programs})
    roster = read_sheets(tmp_path, sheets)
    for patient in roster.patients:
        for group in roster.groups:
            assert (why_not_eligible(patient, group) is None) == roster.eligible(patient, group)


ODD_VALUES = [
    True, -1, 0, 1e300, float("nan"), 3.7, "", " ", "#N/A", "=1/0", "☃", "x" * 500,
    dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 9), dt.time(9), dt.timedelta(hours=30), "-", ";;",
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_odd_values_in_every_cell_give_problems_not_crashes(tmp_path, value):
    sheets = minimal_roster()
    for name, rows in sheets.items():
        rows[1] = [value] * len(rows[0])
    try:
        read_sheets(tmp_path, sheets)
    except RosterError as error:
        assert all(p.sheet and p.message for p in error.problems)


# --- the Weights sheet ------------------------------------------------------------------------


def with_weights(*rows):
    sheets = minimal_roster()
    sheets["Weights"] = [["Rule", "Weight"], *[list(r) for r in rows]]
    return sheets


def test_weights_default_when_the_sheet_is_missing(tmp_path):
    from scheduler.rules import default_weights

    assert read_sheets(tmp_path, minimal_roster()).weights == default_weights()


def test_weights_match_names_loosely_and_zero_turns_a_rule_off(tmp_path):
    roster = read_sheets(tmp_path, with_weights(("role model mix", 8), ("OWN THERAPIST", 0),
                                                ("fair_load", "0.5")))
    assert roster.weights["role_model_mix"] == 8
    assert roster.weights["own_therapist"] == 0
    assert roster.weights["fair_load"] == 0.5
    assert roster.weights["spread"] == 5  # not listed: default


def test_unknown_rule_is_located(tmp_path):
    problem = one_problem(tmp_path, with_weights(("Spred", 4)), "Weights", 2, "Rule")
    assert "'Spred' is not a rule the scheduler knows" in problem.message
    assert "Spread" in problem.message


def test_rule_given_twice_is_located(tmp_path):
    problem = one_problem(tmp_path, with_weights(("Spread", 4), ("spread", 6)), "Weights", 3, "Rule")
    assert "already has a weight on row 2" in problem.message


def test_negative_or_missing_weight_is_located(tmp_path):
    problems = roster_problems(tmp_path, with_weights(("Spread", -1), ("Same room", None)))
    assert only(problems, "Weights", 2, "Weight")
    assert only(problems, "Weights", 3, "Weight")

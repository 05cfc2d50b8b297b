"""Reading a week back: schedule.json, and schedule.xlsx with its Sessions sheet edited by hand."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from openpyxl.packaging.custom import StringProperty
from builders import write_workbook
from test_check import MON9, TUE9, WED10, center, meet, sound_week

from scheduler.errors import ScheduleFileError
from scheduler.schedule_reader import read_schedule
from scheduler.solution import Schedule
from scheduler.writers.xlsx import SESSIONS_COLUMNS, render_xlsx

HEADER = list(SESSIONS_COLUMNS)


def sessions(tmp_path, *rows, header=HEADER, name="schedule.xlsx"):
    return write_workbook(tmp_path / name, {"Sessions": [header, *rows]})


def error_of(path, roster=None) -> str:
    with pytest.raises(ScheduleFileError) as caught:
        read_schedule(path, roster)
    return str(caught.value)


def test_schedule_xlsx_as_written_reads_back_to_the_same_week(tmp_path):
    r = center()
    week = Schedule("optimal", list(sound_week().values()))
    render_xlsx(r, week, tmp_path / "schedule.xlsx")
    back = read_schedule(tmp_path / "schedule.xlsx", r)
    assert back.meetings == week.meetings
    assert back.status == "optimal"  # untouched: re-printed as solved


def test_schedule_xlsx_keeps_how_the_week_was_found_in_its_document_properties(tmp_path):
    r = center()
    week = Schedule("feasible", list(sound_week().values()), objective=4.25, best_bound=3.5,
                    stats={"total_seconds": 61.2, "interrupted": True, "solutions": 4},
                    roster_fingerprint="abc")
    render_xlsx(r, week, tmp_path / "schedule.xlsx")
    back = read_schedule(tmp_path / "schedule.xlsx", r)
    assert (back.status, back.objective, back.best_bound, back.roster_fingerprint) == (
        "feasible", 4.25, 3.5, "abc")
    assert back.stats == {"total_seconds": 61.2, "interrupted": True}


def test_a_schedule_xlsx_edited_by_hand_reads_as_edited(tmp_path):
    r = center()
    render_xlsx(r, Schedule("optimal", list(sound_week().values()), best_bound=2.0),
                tmp_path / "schedule.xlsx")
    book = openpyxl.load_workbook(tmp_path / "schedule.xlsx")
    sheet = book["Sessions"]
    room = [c.value for c in sheet[1]].index("Room") + 1
    sheet.cell(2, room).value = "Another room"
    book.save(tmp_path / "schedule.xlsx")  # the document properties survive the save
    back = read_schedule(tmp_path / "schedule.xlsx", r)
    assert back.meetings[0].room == "Another room" and back.status == "edited"
    assert back.best_bound == 2.0  # an edited week's bound still holds for its roster


@pytest.mark.parametrize("prop, value", [("Scheduler bound", None),
                                         ("Scheduler bound", "20"),
                                         ("Scheduler status", "optimal")])
def test_a_schedule_xlsx_whose_figures_were_changed_or_lost_reads_as_edited(tmp_path, prop,
                                                                           value):
    r = center()
    render_xlsx(r, Schedule("feasible", list(sound_week().values()), objective=5.0,
                            best_bound=2.0), tmp_path / "schedule.xlsx")
    book = openpyxl.load_workbook(tmp_path / "schedule.xlsx")
    props = book.custom_doc_props
    kept = [p for p in props.props if p.name != prop]
    props.props = kept
    if value is not None:
        props.append(StringProperty(name=prop, value=value))
    book.save(tmp_path / "schedule.xlsx")
    assert read_schedule(tmp_path / "schedule.xlsx", r).status == "edited"


def test_a_sessions_sheet_without_the_solvers_properties_reads_as_edited(tmp_path):
    path = sessions(tmp_path, ["G", "A", "Mon", "9:00", "10:00", "R1", "S1", "", "P1", 1])
    back = read_schedule(path)
    assert back.status == "edited" and back.best_bound is None and back.stats == {}


def test_schedule_json_reads_back_to_the_same_week(tmp_path):
    week = Schedule("feasible", list(sound_week().values()), best_bound=3.0,
                    roster_fingerprint="abc")
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(week.to_dict()))
    back = read_schedule(path)
    assert back.meetings == week.meetings and back.best_bound == 3.0
    assert back.status == "feasible" and back.roster_fingerprint == "abc"


@pytest.mark.parametrize("edit", ["meeting", "fingerprint", "partial", "status", "bound"])
def test_a_schedule_json_edited_or_without_its_fingerprint_or_partial_reads_as_edited(
        tmp_path, edit):
    data = Schedule("feasible", list(sound_week().values()), best_bound=3.0).to_dict()
    if edit == "meeting":
        data["meetings"][0]["room"] = "Another room"
    elif edit == "fingerprint":
        del data["fingerprint"]  # written before fingerprints were
    elif edit == "partial":
        data["status"] = "partial"  # render recounts the week, not what it leaves unmet
    elif edit == "status":
        data["status"] = "optimal"
    else:
        data["best_bound"] = None
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(data))
    assert read_schedule(path).status == "edited"


def test_hand_edits_are_read_as_people_type_them(tmp_path):
    path = sessions(
        tmp_path,
        # Day in full, Start as text with AM, End left stale: the slot's End wins.
        ["cbt", "B", "Monday", "9:00 AM", dt.time(11, 30), "r2", "s2", "(stale)", "P3; P4", 9],
        [None] * 10,  # blank rows are skipped
        # A datetime cell, names in other capitals, IDs separated by commas and semicolons.
        [" Peer ", "A", "tue", dt.datetime(1899, 12, 30, 9, 0), "10:00", "R1", "S1", None,
         "p2, P1;", None],
        header=[h.upper() for h in HEADER],
    )
    back = read_schedule(path, center())
    assert back.meetings == sorted([
        meet("CBT", "B", MON9, "R2", "S2", "P3", "P4"),
        meet("Peer", "A", TUE9, "R1", "S1", "P1", "P2"),
    ], key=lambda m: m.sort_key)


def test_an_end_off_the_slots_is_kept_and_needed(tmp_path):
    path = sessions(tmp_path, ["CBT", "B", "Wed", "11:00", "12:15", "R2", "S2", "", "P3", 1],
                    ["CBT", "A", "Wed", "10:00", None, "R2", "S2", "", "P1", 1])
    assert read_schedule(path, center()).meetings[0] == meet("CBT", "A", WED10, "R2", "S2", "P1")
    assert read_schedule(path, center()).meetings[1].end == 12 * 60 + 15
    # Without the roster no slot can supply the missing End.
    assert error_of(path) == ("schedule.xlsx, Sessions sheet, row 3, column 'End': is blank; "
                              "expected a time like 10:30.")


def test_every_bad_cell_is_named_by_row_and_column(tmp_path):
    path = sessions(tmp_path,
                    ["CBT", "A", "Mon", "9:00", "10:00", "R2", "S2", "", "P1", 1],
                    ["CBT", "B", "Mon", "25:00", "10:00", "R2", "S2", "", "P3", 1],
                    ["CBT", "B", "Someday", "9:00", "10:00", "R2", "S2", "", "P3", 1],
                    [None, "B", "Mon", "9:00", "10:00", "R2", "S2", "", "P3", 1],
                    ["CBT", "B", "Mon", "10:00", "9:00", "R2", "S2", "", "P3", 1])
    lines = error_of(path).splitlines()
    assert lines[0].startswith("schedule.xlsx, Sessions sheet, row 3, column 'Start': "
                               "'25:00' is not a time")
    assert lines[1].startswith("schedule.xlsx, Sessions sheet, row 4, column 'Day': "
                               "'Someday' is not a day")
    assert lines[2] == ("schedule.xlsx, Sessions sheet, row 5, column 'Group': is blank; "
                        "expected the group's name as on the roster's Groups sheet.")
    assert lines[3].startswith("schedule.xlsx, Sessions sheet, row 6, column 'End': '9:00' is "
                               "not after the Start time")
    assert len(lines) == 4


def test_a_missing_column_or_sheet_is_named(tmp_path):
    header = [h for h in HEADER if h != "Facilitator ID"]
    path = sessions(tmp_path, header=header)
    assert error_of(path).startswith("schedule.xlsx, Sessions sheet, row 1: the column "
                                     "'Facilitator ID' is missing")
    # The derived columns may go.
    path = sessions(tmp_path, ["CBT", "A", "Mon", "9:00", "10:00", "R2", "S2", "P1"],
                    header=[h for h in HEADER if h not in ("Size", "Facilitator name")],
                    name="slim.xlsx")
    assert len(read_schedule(path).meetings) == 1
    path = write_workbook(tmp_path / "other.xlsx", {"Attendance": [["Patient ID"]]})
    assert error_of(path).startswith("other.xlsx has no Sessions sheet (found: Attendance)")


@pytest.mark.parametrize("name, content, expected", [
    ("week.csv", "Group,Section\n", "'week.csv' is not a schedule file"),
    ("schedule.xlsx", "Group,Section\n", "schedule.xlsx could not be read as an Excel workbook"),
    ("schedule.json", "{\"meetings\": [", "schedule.json is not valid JSON (line 1"),
    ("schedule.json", "{\"meetings\": [{\"group\": \"CBT\"}]}",
     "schedule.json, meeting 1 lacks section"),
])
def test_unusable_files_get_one_sentence(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    assert error_of(path).startswith(expected)


def test_a_missing_file_is_named(tmp_path):
    assert "does not exist" in error_of(tmp_path / "nowhere.xlsx")

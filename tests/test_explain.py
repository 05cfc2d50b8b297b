"""Conflict explanation: small infeasible rosters, each naming exactly the rows in conflict."""

from __future__ import annotations

from builders import minimal_roster, read_sheets, set_cell
from scheduler.solver import SolveOptions, solve
from scheduler.solver.explain import explain


def rows_of(conflict) -> set[tuple[str, int, str]]:
    return {(r.sheet, r.row, r.column) for r in conflict.rows}


def test_patient_too_busy_for_their_groups(tmp_path):
    # P03 (row 4) is only free Tuesday: two slots for three meetings.
    sheets = set_cell(minimal_roster(), "Patients", 4, "Unavailable", "Mon")
    conflict = explain(read_sheets(tmp_path, sheets))
    assert rows_of(conflict) == {("Patients", 4, "Unavailable"), ("Patients", 4, "Program")}
    text = str(conflict)
    assert "P03" in text and "'Mon'" in text and "Peer Support" in text and "CBT Skills" in text


def test_facilitator_availability_and_day_cap(tmp_path):
    # S1 (Staff row 2), the only peer specialist, is there Monday only, one session a day:
    # Peer Support meets twice a week.
    sheets = minimal_roster()
    set_cell(sheets, "Staff", 2, "Available", "Mon")
    set_cell(sheets, "Staff", 2, "Max per day", 1)
    conflict = explain(read_sheets(tmp_path, sheets))
    rows = rows_of(conflict)
    assert {("Staff", 2, "Available"), ("Staff", 2, "Max per day")} <= rows
    # Small: no room, program or other staff row, and one patient is enough to open the group.
    assert all(sheet in ("Staff", "Patients") for sheet, _, _ in rows)
    assert sum(sheet == "Patients" for sheet, _, _ in rows) == 1
    assert "S1 (Dana Reyes) is available only 'Mon' (Staff row 2, Available)" in str(conflict)


def test_room_capacity_against_min_size(tmp_path):
    # CBT Skills (Groups row 3) needs 4 per section; both rooms seat 3.
    sheets = minimal_roster()
    set_cell(sheets, "Groups", 3, "Min size", 4)
    set_cell(sheets, "Rooms", 2, "Capacity", 3)
    set_cell(sheets, "Rooms", 3, "Capacity", 3)
    set_cell(sheets, "Patients", 5, "Keep apart", None)
    conflict = explain(read_sheets(tmp_path, sheets))
    rows = rows_of(conflict)
    assert {("Groups", 3, "Min size"), ("Rooms", 2, "Capacity"), ("Rooms", 3, "Capacity")} <= rows
    assert not any(sheet == "Staff" for sheet, _, _ in rows)


def test_keep_apart_pair_forces_two_sections_that_min_size_cannot_fill(tmp_path):
    # P04/P05 (row 5) kept apart: CBT Skills needs two sections of 4 from 6 patients.
    sheets = set_cell(minimal_roster(), "Groups", 3, "Min size", 4)
    conflict = explain(read_sheets(tmp_path, sheets))
    assert rows_of(conflict) == {("Groups", 3, "Min size"), ("Patients", 5, "Keep apart"),
                                 ("Patients", 5, "Program"), ("Patients", 6, "Program")}


def test_min_hours_against_program_day_cap(tmp_path):
    # Residential (Programs row 2): 9 hours but 1 session a day on 2 days of 1.5 h slots.
    sheets = minimal_roster()
    set_cell(sheets, "Programs", 2, "Min hours", 9)
    set_cell(sheets, "Programs", 2, "Max per day", 1)
    conflict = explain(read_sheets(tmp_path, sheets))
    assert ("Programs", 2, "Min hours") in rows_of(conflict)
    assert not any(sheet in ("Rooms", "Staff") for sheet, _, _ in rows_of(conflict))


def test_feasible_roster_has_nothing_to_explain(tmp_path):
    assert explain(read_sheets(tmp_path, minimal_roster())) is None


def test_solve_reports_the_conflict_when_no_week_exists(tmp_path):
    sheets = set_cell(minimal_roster(), "Patients", 4, "Unavailable", "Mon")
    result = solve(read_sheets(tmp_path, sheets), SolveOptions(time_limit=10, workers=1))
    assert result.status == "infeasible"
    assert len(result.conflicts) == 1
    assert ("Patients", 4, "Unavailable") in rows_of(result.conflicts[0])

"""Pre-checks: small infeasible rosters, one per kind of conflict, each naming exactly its rows.

Every roster below is minimal_roster() (tests/builders.py) with a few cells changed; the
comment on each says why no week can exist. Row numbers are as Excel shows them:
Groups row 2 Peer Support, row 3 CBT Skills; Staff row 2 S1 (peer support), row 3 S2 (CBT,
DBT); Rooms row 2 Room A, row 3 Room B (accessible); Patients rows 2-7 are P01-P06.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import add_row, minimal_roster, read_sheets, set_cell, write_workbook
from click.testing import CliRunner

from scheduler.cli import main
from scheduler.generate import generate, write_generated
from scheduler.precheck import largest_clique, precheck
from scheduler.reader import read_roster

SAMPLE = Path(__file__).parent.parent / "sample_data" / "roster.xlsx"


def conflicts_of(tmp_path, sheets):
    return precheck(read_sheets(tmp_path, sheets))


def the_conflict(tmp_path, sheets):
    """The one conflict the roster has (a second one would make the explanation too big)."""
    found = conflicts_of(tmp_path, sheets)
    assert len(found) == 1, [c.message for c in found]
    return found[0]


def rows_of(conflict) -> set[tuple[str, int]]:
    return {(r.sheet, r.row) for r in conflict.rows}


def edit(*cells):
    """minimal_roster() with (sheet, row, column, value) cells changed."""
    sheets = minimal_roster()
    for sheet, row, column, value in cells:
        set_cell(sheets, sheet, row, column, value)
    return sheets


# --- one roster per kind of conflict ---------------------------------------------------------


def test_skill_coverage_names_the_group_and_its_only_facilitator(tmp_path):
    # Max size 3 splits the 6 patients into 2 Peer Support sections of 2 meetings: 4 meetings,
    # but S1, the only peer specialist, may lead 2 a week.
    sheets = edit(("Groups", 2, "Max size", 3), ("Staff", 2, "Max per week", 2))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "skill_coverage"
    assert rows_of(conflict) == {("Groups", 2), ("Staff", 2)}
    text = conflict.message
    for phrase in ("Peer Support (Groups row 2)", "skill 'peer support'", "4 meetings a week",
                   "2 sections × 2", "only S1 (Staff row 2) has that skill",
                   "Max per week 2", "Max size"):
        assert phrase in text, phrase


def test_skill_coverage_across_groups_sharing_a_skill(tmp_path):
    # CBT Skills and Coping Skills (one meeting each) both need skill CBT; S2 may lead one.
    sheets = edit(("Staff", 3, "Max per week", 1), ("Patients", 2, "Extra groups", "Coping Skills"),
                  ("Patients", 5, "Keep apart", None))
    add_row(sheets, "Groups", {"Group": "Coping Skills", "Kind": "therapy", "Sessions per week": 1,
                               "Min size": 2, "Max size": 8, "Skill": "CBT",
                               "Programs": "Residential", "Required": "no"})
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "skill_coverage"
    assert rows_of(conflict) == {("Groups", 3), ("Groups", 4), ("Staff", 3)}
    assert "2 meetings a week" in conflict.message and "only 1" in conflict.message


def test_facilitator_availability_for_the_whole_program(tmp_path):
    # S1 is only there Monday 9:00; Peer Support meets twice with one facilitator.
    conflict = the_conflict(tmp_path, edit(("Staff", 2, "Available", "Mon 9:00-10:30")))
    assert conflict.kind == "staff_time"
    assert rows_of(conflict) == {("Groups", 2), ("Staff", 2)}
    assert "Available 'Mon 9:00-10:30'" in conflict.message
    assert "Peer Support (Groups row 2)" in conflict.message
    assert "2 meetings" in conflict.message


def test_facilitator_availability_for_one_patient(tmp_path):
    # S1 works Tuesdays only; P05 (row 6) is busy Tuesday 11:00, so only one Tuesday slot left.
    sheets = edit(("Staff", 2, "Available", "Tue"), ("Patients", 5, "Keep apart", None))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "staff_time"
    assert rows_of(conflict) == {("Patients", 6), ("Groups", 2), ("Staff", 2)}
    assert "P05 (Patients row 6)" in conflict.message
    assert "Unavailable 'Tue 11:00-12:30'" in conflict.message


def test_room_feature_no_room_has_all_of_a_groups_needs(tmp_path):
    sheets = edit(("Groups", 3, "Room needs", "accessible, projector"),
                  ("Rooms", 2, "Features", "projector"))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "room_feature"
    assert rows_of(conflict) == {("Groups", 3), ("Rooms", 2), ("Rooms", 3)}
    assert "accessible and projector (Room needs)" in conflict.message
    assert "Room A (Rooms row 2) has projector" in conflict.message


def test_room_feature_patient_needs_and_group_needs_never_in_one_room(tmp_path):
    # CBT Skills needs the projector in Room A; P06 (row 7) needs Room B's access.
    sheets = edit(("Groups", 3, "Room needs", "projector"), ("Rooms", 2, "Features", "projector"))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "room_feature"
    assert rows_of(conflict) == {("Patients", 7), ("Groups", 3), ("Rooms", 2), ("Rooms", 3)}
    assert "P06 (Patients row 7) needs a room with accessible (Needs)" in conflict.message


def test_room_capacity_below_min_size(tmp_path):
    sheets = edit(("Groups", 3, "Min size", 4), ("Rooms", 2, "Capacity", 3),
                  ("Rooms", 3, "Capacity", 3))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "room_capacity"
    assert rows_of(conflict) == {("Groups", 3), ("Rooms", 2), ("Rooms", 3)}
    assert "at least 4 members per section (Min size)" in conflict.message
    assert "seat at most 3" in conflict.message


def test_room_capacity_seats_over_the_week(tmp_path):
    # 6 patients x 3 meetings = 18 seats; two rooms of 2 seats over 4 slots = 16.
    sheets = edit(("Rooms", 2, "Capacity", 2), ("Rooms", 3, "Capacity", 2))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "room_capacity"
    assert rows_of(conflict) == {("Rooms", 2), ("Rooms", 3)}
    assert "18 seats" in conflict.message and "at most 16" in conflict.message


def test_attends_window_too_small_for_min_hours(tmp_path):
    # Residential attends Monday only: 2 slots of 1.5 hours, but Min hours is 4.
    sheets = edit(("Groups", 3, "Required", "no"), ("Programs", 2, "Attends", "Mon"),
                  ("Programs", 2, "Min hours", 4), ("Patients", 5, "Keep apart", None))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "min_hours"
    assert rows_of(conflict) == {("Programs", 2)}
    assert "at least 4 hours" in conflict.message and "at most 3" in conflict.message
    assert "Attends 'Mon'" in conflict.message


def test_min_hours_beyond_what_the_groups_offer(tmp_path):
    # 5 hours, but the two groups open to Residential meet 3 times (4.5 hours).
    conflict = the_conflict(tmp_path, edit(("Programs", 2, "Min hours", 5)))
    assert conflict.kind == "min_hours"
    assert rows_of(conflict) == {("Programs", 2), ("Groups", 2), ("Groups", 3)}
    assert "at most 4.5" in conflict.message


def test_day_cap_against_sessions(tmp_path):
    # One session a day on two days, but 3 required meetings a week.
    conflict = the_conflict(tmp_path, edit(("Programs", 2, "Max per day", 1)))
    assert conflict.kind == "day_cap"
    assert rows_of(conflict) == {("Programs", 2), ("Groups", 2), ("Groups", 3)}
    assert "at most 1 a day (Programs row 2, Max per day)" in conflict.message
    assert "3 meetings a week" in conflict.message


def test_patient_too_busy_for_their_groups(tmp_path):
    # P03 (row 4) is only free Tuesday: two slots for three meetings.
    conflict = the_conflict(tmp_path, edit(("Patients", 4, "Unavailable", "Mon")))
    assert conflict.kind == "patient_time"
    assert rows_of(conflict) == {("Patients", 4), ("Groups", 2), ("Groups", 3)}
    assert "P03 (Patients row 4)" in conflict.message and "Unavailable 'Mon'" in conflict.message


def test_too_few_eligible_patients_for_min_size(tmp_path):
    conflict = the_conflict(tmp_path, edit(("Groups", 3, "Min size", 7)))
    assert conflict.kind == "min_size"
    assert rows_of(conflict) == {("Groups", 3)}
    assert "at least 7 members" in conflict.message and "only 6 patients" in conflict.message


def test_no_role_model_for_a_peer_group(tmp_path):
    sheets = edit(*[("Patients", row, "Role model", "no") for row in (2, 3, 4)])
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "role_model"
    assert rows_of(conflict) == {("Groups", 2)}
    assert "Peer Support (Groups row 2) is a peer group" in conflict.message


def test_no_role_model_at_the_programs_times(tmp_path):
    # Evening-style split: IOP attends Tuesday, and every role model is away on Tuesday.
    sheets = edit(("Groups", 3, "Required", "no"), ("Groups", 2, "Programs", "Residential, IOP"),
                  *[("Patients", row, "Unavailable", "Tue") for row in (2, 3, 4)])
    add_row(sheets, "Programs", {"Program": "IOP", "Min hours": 0, "Max per day": 2,
                                 "Attends": "Tue"})
    for pid in ("P07", "P08"):
        add_row(sheets, "Patients", {"ID": pid, "Program": "IOP", "Admitted": dt.date(2024, 3, 1)})
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "role_model"
    assert rows_of(conflict) == {("Programs", 3), ("Groups", 2)}
    assert "IOP patients (P07 and P08)" in conflict.message
    assert "Attends 'Tue'" in conflict.message


def test_keep_apart_clique_larger_than_the_sections_possible(tmp_path):
    # P01, P02, P03 must all be apart: 3 Peer Support sections, but S1 can lead only 2.
    sheets = edit(("Patients", 2, "Keep apart", "P02, P03"), ("Patients", 3, "Keep apart", "P03"))
    conflict = the_conflict(tmp_path, sheets)
    assert conflict.kind == "keep_apart"
    assert rows_of(conflict) == {("Patients", 2), ("Patients", 3), ("Patients", 4),
                                 ("Groups", 2), ("Staff", 2)}
    text = conflict.message
    assert "P01, P02 and P03 (Patients rows 2, 3 and 4, Keep apart)" in text
    assert "needs 3 sections" in text and "at most 2" in text and "S1 (Staff row 2)" in text


# --- small and sound -------------------------------------------------------------------------


def test_explanation_leaves_out_unrelated_rows(tmp_path):
    # The skill-coverage roster plus a staff member with other skills, free all week.
    sheets = edit(("Groups", 2, "Max size", 3), ("Staff", 2, "Max per week", 2))
    add_row(sheets, "Staff", {"ID": "S3", "Name": "Sam Lee", "Skills": "DBT, family"})
    conflict = the_conflict(tmp_path, sheets)
    assert rows_of(conflict) == {("Groups", 2), ("Staff", 2)}
    for unrelated in ("S2", "S3", "Staff row 3", "Staff row 4", "Rooms", "Patients", "P0"):
        assert unrelated not in conflict.message, unrelated


def test_every_row_named_in_the_message_is_listed_and_vice_versa(tmp_path):
    sheets = edit(("Patients", 2, "Keep apart", "P02, P03"), ("Patients", 3, "Keep apart", "P03"))
    conflict = the_conflict(tmp_path, sheets)
    for sheet, row in rows_of(conflict):
        assert f"{sheet} row {row}" in conflict.message or f" {row}" in conflict.message


def test_minimal_roster_has_no_conflicts(tmp_path):
    assert conflicts_of(tmp_path, minimal_roster()) == []


def test_sample_roster_has_no_conflicts():
    assert precheck(read_roster(SAMPLE)) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_rosters_have_no_conflicts(tmp_path, seed):
    # Schedulable by construction (a valid week is planted first), so no check may fire.
    path = write_generated(generate(40, 4, 3, seed=seed), tmp_path / "roster.xlsx")
    assert precheck(read_roster(path)) == []


def test_largest_clique():
    adjacent = {"a": {"b", "c", "d"}, "b": {"a", "c"}, "c": {"a", "b"}, "d": {"a"}}
    assert largest_clique(adjacent) == ["a", "b", "c"]
    assert largest_clique({}) == []


# --- the command line ------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_validate_lists_the_rows_to_change(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", edit(("Programs", 2, "Max per day", 1)))
    result = run("validate", path)
    assert result.exit_code == 1
    assert "This roster cannot be scheduled. Change these rows and run again:" in result.output
    assert "  - 6 Residential patients" in result.output
    assert "Traceback" not in result.output


def test_solve_stops_before_solving(tmp_path):
    path = write_workbook(tmp_path / "roster.xlsx", edit(("Groups", 3, "Min size", 7)))
    out = tmp_path / "out"
    result = run("solve", path, "--out", out)
    assert result.exit_code == 1
    assert "This roster cannot be scheduled" in result.output
    assert "CBT Skills (Groups row 3)" in result.output
    assert "Solving" not in result.output  # the solver never ran
    assert not out.exists()

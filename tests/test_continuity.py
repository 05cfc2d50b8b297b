"""Week to week: --previous keeps continuing patients with their peers; names stay stable."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
from dataclasses import replace

import pytest

from builders import add_row, minimal_roster, read_sheets, set_cell
from checker import check

from scheduler.changes import compare
from scheduler.generate import generate, write_generated
from scheduler.output import schedule_json
from scheduler.reader import read_roster
from scheduler.solution import Schedule
from scheduler.solver import SolveOptions, solve


# Continuing patients of the generated center who may move when 3 leave and 3 arrive.
# Measured: 26 of 57 on the stepwise path (24 with the exact model); its sections are small,
# so the repairs around the closed ones reach further than on the 300-patient benchmark.
MOVED_AT_MOST = 30


@pytest.fixture(params=["exact", "stepwise"])
def solver(request, monkeypatch):
    """Both ways of keeping last week: the exact model's continuity term, and the stepwise
    solver's carry-over (carry.py) that large rosters use (forced here)."""
    if request.param == "stepwise":
        monkeypatch.setattr(importlib.import_module("scheduler.solver.solve"), "EXACT_LIMIT", 0)
    return request.param


def week(tmp_path, sheets, previous=None, name="roster.xlsx", solver=None) -> Schedule:
    roster = read_sheets(tmp_path, sheets, name)
    result = solve(roster, SolveOptions(time_limit=10, workers=1, previous=previous))
    assert result.found
    if solver is not None:
        assert result.stats["exact_model"] is (solver == "exact")
    return result.schedule


def sections_of(schedule: Schedule) -> dict[tuple[str, str], tuple]:
    return {(s.group, s.name): (s.facilitator, s.patients, tuple((m.day, m.start, m.room)
                                                                 for m in s.meetings))
            for s in schedule.sections}


def section_of(schedule: Schedule, pid: str, group: str) -> str:
    return next(s.name for s in schedule.sections if s.group == group and pid in s.patients)


def test_same_roster_again_changes_nothing(tmp_path, solver):
    first = week(tmp_path, minimal_roster())
    again = week(tmp_path, minimal_roster(), previous=first, name="again.xlsx", solver=solver)
    assert again.meetings == first.meetings
    # Round trip through schedule.json, as the CLI does.
    from_json = Schedule.from_dict(first.to_dict())
    assert week(tmp_path, minimal_roster(), previous=from_json, name="json.xlsx").meetings \
        == first.meetings


def test_admitting_patients_moves_no_continuing_patient(tmp_path, solver):
    sheets = minimal_roster()
    first = week(tmp_path, sheets)
    for i, track in enumerate(("opioids", "alcohol", "stimulants"), start=7):
        add_row(sheets, "Patients", {"ID": f"P0{i}", "Name": f"New {i}", "Program": "Residential",
                                     "Admitted": dt.date(2024, 3, 3), "Track": track})
    second = week(tmp_path, sheets, previous=first, name="second.xlsx", solver=solver)
    before, after = sections_of(first), sections_of(second)
    for (group, name), (facilitator, members, meetings) in before.items():
        now = after[(group, name)]
        assert now[0] == facilitator and now[2] == meetings
        assert set(members) <= set(now[1])  # continuing members stay together
    placed = {pid for s in second.sections for pid in s.patients}
    assert {"P07", "P08", "P09"} <= placed


def test_discharged_patient_simply_leaves(tmp_path, solver):
    sheets = minimal_roster()
    first = week(tmp_path, sheets)
    del sheets["Patients"][7 - 1]  # P06 (row 7) discharged
    second = week(tmp_path, sheets, previous=first, name="second.xlsx", solver=solver)
    for pid in ("P01", "P02", "P03", "P04", "P05"):
        for group in ("Peer Support", "CBT Skills"):
            assert section_of(second, pid, group) == section_of(first, pid, group)


def test_step_down_moves_only_that_patient(tmp_path, solver):
    # P03 (row 4) steps down from Residential to IOP, which only attends late mornings;
    # everyone else keeps their sections.
    sheets = minimal_roster()
    first = week(tmp_path, sheets)
    add_row(sheets, "Programs", {"Program": "IOP", "Min hours": 3, "Max per day": 1,
                                 "Attends": "Mon-Fri 11:00-12:30"})
    set_cell(sheets, "Groups", 2, "Programs", "Residential, IOP")
    set_cell(sheets, "Groups", 3, "Programs", "Residential")
    set_cell(sheets, "Patients", 4, "Program", "IOP")
    second = week(tmp_path, sheets, previous=first, name="second.xlsx", solver=solver)
    moved = [pid for pid in ("P01", "P02", "P04", "P05", "P06")
             for g in ("Peer Support", "CBT Skills")
             if section_of(second, pid, g) != section_of(first, pid, g)]
    assert moved == []
    assert not any("P03" in s.patients for s in second.sections if s.group == "CBT Skills")


def checked(tmp_path, sheets, schedule: Schedule, name: str) -> Schedule:
    """The week, after the independent checker (hard rules and pins) found nothing."""
    roster = read_sheets(tmp_path, sheets, name)
    assert check(roster, json.loads(schedule_json(roster, schedule))) == []
    return schedule


def test_pinned_sessions_are_honoured_under_their_letters(tmp_path, solver):
    sheets = minimal_roster()
    sheets["Fixed"] = [["Group", "Section", "Day", "Start", "Room", "Facilitator"],
                       ["CBT Skills", "A", "Tue", "9:00", "Room A", "S2"],
                       ["Peer Support", "B", "Mon", "9:00", "Room B", None]]
    schedule = checked(tmp_path, sheets, week(tmp_path, sheets, solver=solver), "c1.xlsx")
    at = {(m.group, m.section, m.day, m.start): m for m in schedule.meetings}
    cbt = at[("CBT Skills", "A", 1, 9 * 60)]
    assert (cbt.room, cbt.facilitator) == ("Room A", "S2")
    assert at[("Peer Support", "B", 0, 9 * 60)].room == "Room B"
    # Pins survive the next week too (continuity keeps the letters).
    again = week(tmp_path, sheets, previous=schedule, name="again.xlsx", solver=solver)
    assert again.meetings == schedule.meetings


def test_a_section_pinned_to_new_times_keeps_its_members(tmp_path, solver):
    # Last week unpinned; this week the administrator pins Peer Support's section of
    # P01 to Tuesday 11:00 in Room A with S1: its members move with it, as one section.
    sheets = minimal_roster()
    first = week(tmp_path, sheets)
    letter = section_of(first, "P01", "Peer Support")
    members = next(s.patients for s in first.sections if s.name == letter
                   and s.group == "Peer Support")
    sheets["Fixed"] = [["Group", "Section", "Day", "Start", "Room", "Facilitator"],
                       ["Peer Support", letter, "Tue", "11:00", "Room A", "S1"]]
    second = checked(tmp_path, sheets, week(tmp_path, sheets, previous=first, name="p.xlsx",
                                            solver=solver), "c2.xlsx")
    pinned = next(s for s in second.sections if s.group == "Peer Support" and s.name == letter)
    assert set(members) <= set(pinned.patients)
    assert any((m.day, m.start, m.room) == (1, 11 * 60, "Room A") for m in pinned.meetings)


def test_cli_previous_week_reports_no_changes_and_writes_changes_html(tmp_path):
    import json

    from click.testing import CliRunner

    from builders import write_workbook
    from scheduler.cli import main

    roster = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    run = CliRunner().invoke
    assert run(main, ["solve", str(roster), "--out", str(tmp_path / "w1"), "--no-pdf", "-q"]) \
        .exit_code == 0
    second = run(main, ["solve", str(roster), "--out", str(tmp_path / "w2"), "--no-pdf", "-q",
                        "--previous", str(tmp_path / "w1" / "schedule.json")])
    assert second.exit_code == 0, second.output
    assert "6 patients unchanged, 0 moved, 0 new, 0 discharged" in second.output
    data = json.loads((tmp_path / "w2" / "schedule.json").read_text())
    assert data["changes"]["summary"].startswith("6 patients unchanged")
    assert (tmp_path / "w2" / "changes.html").exists()


def test_render_writes_changes_html_again_only_with_previous(tmp_path):
    """Printing the week again drops the old comparison (it may be of the week before an
    edit) and says so; with --previous it compares last week with the week as printed now."""
    import json

    from test_check import run

    from builders import write_workbook

    roster = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    assert run("solve", roster, "--out", tmp_path / "w1", "--no-pdf", "-q").exit_code == 0
    assert run("solve", roster, "--out", tmp_path / "w2", "--no-pdf", "-q",
               "--previous", tmp_path / "w1" / "schedule.json").exit_code == 0
    assert (tmp_path / "w2" / "changes.html").exists()

    plain = run("render", roster, tmp_path / "w2" / "schedule.json", "--out", tmp_path / "w2",
                "--no-pdf")
    assert plain.exit_code == 0, plain.output
    assert not (tmp_path / "w2" / "changes.html").exists()
    assert ("Removed from " in plain.output and ": changes.html. To print the comparison "
            "with last week again, add --previous" in plain.output), plain.output
    assert "changes" not in json.loads((tmp_path / "w2" / "schedule.json").read_text())

    again = run("render", roster, tmp_path / "w2" / "schedule.json", "--out", tmp_path / "w2",
                "--no-pdf", "--previous", tmp_path / "w1" / "schedule.json")
    assert again.exit_code == 0, again.output
    assert "Changes:  6 patients unchanged" in again.output
    assert "Removed" not in again.output
    assert (tmp_path / "w2" / "changes.html").exists()
    data = json.loads((tmp_path / "w2" / "schedule.json").read_text())
    assert data["changes"]["summary"].startswith("6 patients unchanged")

    # The week printed is not its own last week; a week that is not earlier gets a note
    # (both of this test's weeks are of the same Week of).
    itself = run("render", roster, tmp_path / "w2" / "schedule.json", "--out", tmp_path / "w2",
                 "--no-pdf", "--previous", tmp_path / "w2" / "schedule.json")
    assert itself.exit_code == 2 and "not this week's" in itself.output, itself.output
    same_week = run("render", roster, tmp_path / "w2" / "schedule.json", "--out",
                    tmp_path / "w3", "--no-pdf", "--previous", tmp_path / "w1" / "schedule.json")
    assert same_week.exit_code == 0 and "not a week before this one" in same_week.output


def test_a_run_that_leaves_out_earlier_pdfs_names_them(tmp_path):
    from test_check import run

    from builders import write_workbook

    roster = write_workbook(tmp_path / "roster.xlsx", minimal_roster())
    out = tmp_path / "out"
    out.mkdir()
    (out / "staff.pdf").write_bytes(b"%PDF-1.7 from an earlier run")
    first = run("solve", roster, "--out", out, "--no-pdf", "-q")
    assert first.exit_code == 0 and not (out / "staff.pdf").exists()
    assert ": staff.pdf. Leave out --no-pdf to write the PDFs." in first.output, first.output
    second = run("solve", roster, "--out", out, "--no-pdf", "-q")
    assert "Removed" not in second.output


def test_a_week_kept_from_last_week_is_scored_by_the_rules_alone(tmp_path):
    """The roundtrip roster with Room A renamed: its section moves room, which the exact
    model's continuity term counts. schedule.json's objective is the report's score (that
    term left out), and the solver's bound, which counts it, is kept apart."""
    from test_check import roundtrip_roster, run

    from builders import write_workbook

    sheets = roundtrip_roster()
    first = write_workbook(tmp_path / "roster.xlsx", sheets)
    assert run("solve", first, "--out", tmp_path / "w1", "--no-pdf", "-q", "--time-limit", 10,
               "--workers", 1).exit_code == 0
    sheets["Rooms"] = [["Room", "Capacity"], ["Room C", 10], ["Room B", 10]]
    second = write_workbook(tmp_path / "roster2.xlsx", sheets)
    result = run("solve", second, "--out", tmp_path / "w2", "--no-pdf", "-q", "--time-limit", 10,
                 "--workers", 1, "--previous", tmp_path / "w1" / "schedule.json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "w2" / "schedule.json").read_text())
    assert data["stats"]["objective_units"]["continuity"] >= 1
    assert data["objective"] == data["quality"]["objective"]
    assert data["best_bound"] is None
    assert data["stats"]["bound_with_last_week"] > data["objective"]
    assert "also counted the changes" in (tmp_path / "w2" / "report.html").read_text()
    # Printed again untouched, from either file, it is still the week as solved.
    for name in ("schedule.json", "schedule.xlsx"):
        printed = run("render", second, tmp_path / "w2" / name, "--out", tmp_path / "w3",
                      "--no-pdf")
        assert "Rendered the week as solved" in printed.output, printed.output
        assert "also counted the changes" in (tmp_path / "w3" / "report.html").read_text()


def test_a_generated_center_keeps_its_week_on_the_stepwise_path(tmp_path, monkeypatch):
    # 60 patients through the same path as large rosters (forced): the same roster again
    # changes nothing; 3 discharged and 3 admitted leave most continuing patients' weeks
    # as they were, and the new week passes the independent checker.
    monkeypatch.setattr(importlib.import_module("scheduler.solver.solve"), "EXACT_LIMIT", 0)
    generated = generate(60, 6, 4, days=5, seed=3)
    path = tmp_path / "week1.xlsx"
    write_generated(generated, path)
    roster = read_roster(path)
    options = SolveOptions(time_limit=20, workers=1)
    first = solve(roster, options).schedule
    again = solve(roster, replace(options, previous=first)).schedule
    assert again.meetings == first.meetings

    rows = copy.deepcopy(generated.sheets["Patients"])
    col = {name: i for i, name in enumerate(rows[0])}
    gone = {rows[i][col["ID"]] for i in (5, 25, 45)}
    kept = [r for r in rows[1:] if r[col["ID"]] not in gone]
    for r in kept:
        apart = [x.strip() for x in str(r[col["Keep apart"]] or "").split(",") if x.strip()]
        r[col["Keep apart"]] = ", ".join(x for x in apart if x not in gone) or None
    new = []
    for i, source in enumerate((kept[2], kept[20], kept[40])):
        r = list(source)
        r[col["ID"]], r[col["Name"]], r[col["Keep apart"]] = f"N{i + 1}", f"New {i + 1}", None
        new.append(r)
    sheets = {**generated.sheets, "Patients": [rows[0]] + kept + new}
    path2 = tmp_path / "week2.xlsx"
    write_generated(replace(generated, sheets=sheets), path2)
    roster2 = read_roster(path2)
    second = solve(roster2, replace(options, previous=first)).schedule
    assert check(roster2, json.loads(schedule_json(roster2, second))) == []
    changes = compare(first, second, roster2)
    assert {c.patient for c in changes.patients if c.status == "discharged"} == gone
    assert {c.patient for c in changes.patients if c.status == "new"} == {"N1", "N2", "N3"}
    moved = [c.patient for c in changes.patients if c.status == "changed"]
    assert len(changes.unchanged) >= len(kept) - MOVED_AT_MOST, moved

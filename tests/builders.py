"""Small helpers to write roster workbooks for tests.

A workbook is described as {sheet name: list of rows}; each row is a list of
cell values and, unless a test puts title rows above, the first row holds the
headers. `minimal_roster()` returns a small valid roster to copy and tweak:

    sheets = minimal_roster()
    set_cell(sheets, "Patients", 3, "Program", "Residental")   # row 3 as Excel shows it
    problems = roster_problems(tmp_path, sheets)
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from scheduler.errors import Problem, RosterError
from scheduler.reader import read_roster

Sheets = dict[str, list[list[Any]]]


def write_workbook(path: Path, sheets: Sheets) -> Path:
    """Write the sheets (in dict order) to an .xlsx file and return its path."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return Path(path)


def minimal_roster() -> Sheets:
    """A small valid, schedulable roster: 4 slots, 1 program, 2 groups, 2 staff, 2 rooms, 6 patients.

    P01..P03 were admitted long before Week of (role models), P04..P06 recently.
    """
    return copy.deepcopy(_MINIMAL)


_MINIMAL: Sheets = {
    "Settings": [
        ["Setting", "Value"],
        ["Center", "Hillside Recovery"],
        ["Week of", dt.date(2024, 3, 4)],
        ["Role model days", 30],
        ["Time limit", 10],
    ],
    "Slots": [
        ["Day", "Start", "End", "Label"],
        ["Mon", "9:00", "10:30", "Morning"],
        ["Mon", "11:00", "12:30", "Late morning"],
        ["Tue", "9:00", "10:30", "Morning"],
        ["Tue", "11:00", "12:30", "Late morning"],
    ],
    "Programs": [
        ["Program", "Min hours", "Max per day", "Attends"],
        ["Residential", 3, 2, ""],
    ],
    "Groups": [
        ["Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill", "Programs",
         "Required", "Gender", "Track", "Room needs"],
        ["Peer Support", "peer", 2, 2, 8, "peer support", "Residential", "yes", None, None, None],
        ["CBT Skills", "therapy", 1, 2, 8, "CBT", None, "yes", None, None, None],
    ],
    "Staff": [
        ["ID", "Name", "Skills", "Available", "Max per day", "Max per week"],
        ["S1", "Dana Reyes", "peer support", None, 3, 10],
        ["S2", "Alex Kim", "CBT, DBT", "Mon-Fri 8:00-17:00", 3, 10],
    ],
    "Rooms": [
        ["Room", "Capacity", "Features", "Unavailable"],
        ["Room A", 10, None, None],
        ["Room B", 8, "accessible", "Wed"],
    ],
    "Patients": [
        ["ID", "Name", "Program", "Gender", "Admitted", "Track", "Primary therapist",
         "Extra groups", "Unavailable", "Keep apart", "Needs", "Role model"],
        ["P01", "Ann", "Residential", "F", dt.date(2024, 1, 2), "opioids", "S2", None, None, None, None, None],
        ["P02", "Bob", "Residential", "M", dt.date(2024, 1, 10), "alcohol", "S2", None, None, None, None, None],
        ["P03", "Cy", "Residential", "M", dt.date(2024, 1, 20), "stimulants", None, None, None, None, None, None],
        ["P04", "Di", "Residential", "F", dt.date(2024, 2, 28), "opioids", "S2", None, None, "P05", None, None],
        ["P05", "Ed", "Residential", "M", dt.date(2024, 3, 1), "alcohol", None, None, "Tue 11:00-12:30", None, None, None],
        ["P06", "Flo", "Residential", "F", dt.date(2024, 3, 2), "alcohol", None, None, None, None, "accessible", None],
    ],
}


def column_index(sheets: Sheets, sheet: str, column: str, header_row: int = 1) -> int:
    """0-based position of a column, found by its header (as in the builder rows)."""
    return sheets[sheet][header_row - 1].index(column)


def set_cell(sheets: Sheets, sheet: str, row: int, column: str, value: Any,
             header_row: int = 1) -> Sheets:
    """Set one cell by spreadsheet row number (1-based) and header name; returns sheets."""
    rows = sheets[sheet]
    while len(rows) < row:
        rows.append([None] * len(rows[header_row - 1]))
    cells = rows[row - 1]
    index = column_index(sheets, sheet, column, header_row)
    while len(cells) <= index:
        cells.append(None)
    cells[index] = value
    return sheets


def add_row(sheets: Sheets, sheet: str, values: dict[str, Any], header_row: int = 1) -> int:
    """Append a row given as {header: value}; returns its spreadsheet row number."""
    headers = sheets[sheet][header_row - 1]
    sheets[sheet].append([values.get(h) for h in headers])
    unknown = set(values) - set(headers)
    assert not unknown, f"no such columns on {sheet}: {unknown}"
    return len(sheets[sheet])


def read_sheets(tmp_path: Path, sheets: Sheets, name: str = "roster.xlsx"):
    """Write the sheets and read them back as a Roster (raises on problems)."""
    return read_roster(write_workbook(tmp_path / name, sheets))


def roster_problems(tmp_path: Path, sheets: Sheets, name: str = "roster.xlsx") -> list[Problem]:
    """Write the sheets and return every problem read_roster reports (fails if none)."""
    try:
        read_sheets(tmp_path, sheets, name)
    except RosterError as error:
        return error.problems
    raise AssertionError("expected the roster to have problems, but it read cleanly")

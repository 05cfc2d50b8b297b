"""schedule.xlsx: the week as lists (Sessions, Attendance) and one weekly grid per staff member.

The Sessions sheet is also an input: a later feature reads a hand-edited copy
back in, so its columns (names and order) are a contract. Change them only
together with that reader.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.packaging.custom import BoolProperty, FloatProperty, StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..domain import Roster
from ..solution import Schedule
from .html import Cell, day_heads, grid_rows, natural_key, patient_name, staff_name, week_text

SESSIONS_COLUMNS = (
    "Group",
    "Section",
    "Day",
    "Start",
    "End",
    "Room",
    "Facilitator ID",
    "Facilitator name",
    "Patients",
    "Size",
)
ATTENDANCE_COLUMNS = (
    "Patient ID",
    "Patient name",
    "Program",
    "Group",
    "Section",
    "Day",
    "Start",
    "End",
    "Room",
    "Facilitator",
)

SHEET_NAME_MAX = 31
# Excel refuses these in sheet names; "History" is reserved by Excel itself.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES = ("sessions", "attendance", "history")

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")
OFF_FILL = PatternFill("solid", fgColor="D9D9D9")  # no such slot that day
BLOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")  # the staff member is not available
PEER_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
TIME_FORMAT = "h:mm"
MAX_WIDTH = 60
# Custom document properties (in Excel: File > Info > Properties > Advanced Properties >
# Custom), kept by Excel and LibreOffice when saving: render re-prints an untouched week with
# the solver's figures.
STATUS_PROPERTY = "Scheduler status"
OBJECTIVE_PROPERTY = "Scheduler penalty"
BOUND_PROPERTY = "Scheduler bound"
ROSTER_PROPERTY = "Scheduler roster fingerprint"  # Roster.fingerprint of the roster solved for
FINGERPRINT_PROPERTY = "Scheduler week fingerprint"  # Schedule.fingerprint() as written
SEARCHED_PROPERTY = "Scheduler searched (s)"
LAST_WEEK_BOUND_PROPERTY = "Scheduler bound with last week"  # stats["bound_with_last_week"]
STOPPED_PROPERTY = "Scheduler stopped by hand"


def render_xlsx(roster: Roster, schedule: Schedule, path: str | Path) -> None:
    """Write schedule.xlsx to path (the caller moves it into place atomically)."""
    book = Workbook()
    sessions = book.active
    sessions.title = "Sessions"
    write_list(sessions, SESSIONS_COLUMNS, session_rows(roster, schedule))
    attendance = book.create_sheet("Attendance")
    write_list(attendance, ATTENDANCE_COLUMNS, attendance_rows(roster, schedule))
    taken = set(RESERVED_SHEET_NAMES)
    for staff_id in staff_ids(roster, schedule):
        title = sheet_name(f"{staff_id} {staff_name(roster, staff_id)}", taken)
        write_staff_grid(book.create_sheet(title), roster, schedule, staff_id)
    write_properties(book, schedule)
    book.save(str(path))


def write_properties(book: Workbook, schedule: Schedule) -> None:
    """How the week was found, for render to read back (see STATUS_PROPERTY)."""
    props = book.custom_doc_props
    props.append(StringProperty(name=STATUS_PROPERTY, value=schedule.status))
    for name, value in ((OBJECTIVE_PROPERTY, schedule.objective),
                        (BOUND_PROPERTY, schedule.best_bound)):
        if value is not None:  # rounded as the fingerprint counts it
            props.append(FloatProperty(name=name, value=round(float(value), 6)))
    if schedule.roster_fingerprint:
        props.append(StringProperty(name=ROSTER_PROPERTY, value=schedule.roster_fingerprint))
    props.append(StringProperty(name=FINGERPRINT_PROPERTY, value=schedule.fingerprint()))
    searched = schedule.stats.get("total_seconds") or schedule.stats.get("solve_seconds")
    if searched:
        props.append(FloatProperty(name=SEARCHED_PROPERTY, value=float(searched)))
    if schedule.stats.get("interrupted"):
        props.append(BoolProperty(name=STOPPED_PROPERTY, value=True))
    if schedule.stats.get("bound_with_last_week") is not None:
        props.append(FloatProperty(name=LAST_WEEK_BOUND_PROPERTY,
                                   value=float(schedule.stats["bound_with_last_week"])))


# --- rows ----------------------------------------------------------------------------


def clock_cell(minutes: int) -> dt.time:
    """A real time cell, so spreadsheets sort and edit it as a time (24:00 has no such cell)."""
    if minutes >= 24 * 60:
        return dt.time(23, 59)
    return dt.time(minutes // 60, minutes % 60)


def session_rows(roster: Roster, schedule: Schedule) -> list[list[Any]]:
    """One row per meeting, in week order."""
    return [
        [
            m.group,
            m.section,
            m.day_name,
            clock_cell(m.start),
            clock_cell(m.end),
            m.room,
            m.facilitator,
            staff_name(roster, m.facilitator),
            ", ".join(m.patients),
            len(m.patients),
        ]
        for m in schedule.meetings
    ]


def attendance_rows(roster: Roster, schedule: Schedule) -> list[list[Any]]:
    """One row per patient per meeting, by patient, then in week order."""
    pairs = [(pid, m) for m in schedule.meetings for pid in m.patients]
    pairs.sort(key=lambda pair: (natural_key(pair[0]), pair[1].sort_key))
    rows = []
    for pid, m in pairs:
        patient = roster.patient_by_id.get(pid)
        rows.append(
            [
                pid,
                patient_name(roster, pid),
                patient.program if patient else "",
                m.group,
                m.section,
                m.day_name,
                clock_cell(m.start),
                clock_cell(m.end),
                m.room,
                staff_name(roster, m.facilitator),
            ]
        )
    return rows


def staff_ids(roster: Roster, schedule: Schedule) -> list[str]:
    """Everyone on the staff printout, in ID order: tab names start with the ID."""
    ids = {s.id for s in roster.staff} | {m.facilitator for m in schedule.meetings}
    return sorted(ids, key=natural_key)


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A legal, unique (case-insensitively, as Excel compares) sheet name; records it in taken."""
    base = SHEET_NAME_FORBIDDEN.sub("-", " ".join(wanted.split())).strip("'").strip()
    base = base[:SHEET_NAME_MAX].rstrip() or "Staff"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


# --- sheets --------------------------------------------------------------------------


def write_list(sheet: Worksheet, columns: Iterable[str], rows: list[list[Any]]) -> None:
    """A plain table: bold frozen header, autofilter, widths that fit the content."""
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.time):
                cell.number_format = TIME_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    fit_widths(sheet)


def fit_widths(sheet: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            text = value.strftime("%H:%M") if isinstance(value, dt.time) else str(value or "")
            longest = max((len(line) for line in text.split("\n")), default=0)
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        # +4 leaves room for the autofilter button next to the header text
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 4, MAX_WIDTH)


def write_staff_grid(sheet: Worksheet, roster: Roster, schedule: Schedule, staff_id: str) -> None:
    """Days as columns, slot times as rows; each cell holds group label and room."""
    staff = roster.staff_by_id.get(staff_id)
    rows = grid_rows(
        roster,
        schedule,
        schedule.for_staff(staff_id),
        blocked=(lambda s: not staff.available.covers(s)) if staff else None,
        blocked_note="not available",
    )
    days = day_heads(roster, schedule)
    title = f"{staff_name(roster, staff_id)} ({staff_id}) \u2013 {week_text(roster, schedule)}"
    sheet.append([title])
    sheet["A1"].font = TITLE
    sheet.append(["Time"] + [f"{d.name} {d.date}".strip() for d in days])
    for cell in sheet[2]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        sheet.append([row.band.time] + [cell_text(c) for c in row.cells])
        excel_row = sheet.max_row
        sheet.cell(excel_row, 1).font = BOLD
        sheet.cell(excel_row, 1).alignment = TOP_WRAP
        sheet.cell(excel_row, 1).border = BOX
        lines = 1
        for i, c in enumerate(row.cells, start=2):
            target = sheet.cell(excel_row, i)
            style_grid_cell(target, c)
            lines = max(lines, str(target.value or "").count("\n") + 1)
        sheet.row_dimensions[excel_row].height = 15 * lines + 2
    sheet.freeze_panes = "B3"
    sheet.column_dimensions["A"].width = 13
    for i in range(len(days)):
        sheet.column_dimensions[get_column_letter(i + 2)].width = 26


def cell_text(cell: Cell) -> str:
    if cell.entries:
        return "\n".join(f"{e.label}\n{e.room}" for e in cell.entries)
    return cell.note if cell.state == "blocked" else ""


def style_grid_cell(target, cell: Cell) -> None:
    target.alignment = TOP_WRAP
    target.border = BOX
    if cell.state == "off":
        target.fill = OFF_FILL
    elif cell.state == "blocked":
        target.fill = BLOCKED_FILL
        target.font = Font(italic=True, color="808080")
    elif cell.entries and cell.entries[0].peer:
        target.fill = PEER_FILL


"""Read a week back in: schedule.json, or schedule.xlsx with its Sessions sheet edited by hand.

The Sessions sheet's header row (SESSIONS_COLUMNS in writers/xlsx.py) is the
contract. Hand edits are accepted as people make them: Day as Mon or Monday,
times as time cells or text like 9:00 or 9:00 AM, patients separated by commas or
semicolons, blank rows anywhere. The derived columns (Facilitator name, Size)
are ignored. A cell that cannot be read raises ScheduleFileError naming the file,
sheet, row and column.
"""

from __future__ import annotations

import dataclasses
import io
import json
import warnings
from pathlib import Path
from typing import Any

import openpyxl

from .domain import Roster, key
from .errors import ScheduleFileError
from .parsing import ParseError, is_blank, parse_day, parse_list, parse_text, parse_time, show
from .solution import Meeting, Schedule
from .writers.xlsx import (BOUND_PROPERTY, FINGERPRINT_PROPERTY, LAST_WEEK_BOUND_PROPERTY,
                           OBJECTIVE_PROPERTY, ROSTER_PROPERTY, SEARCHED_PROPERTY,
                           SESSIONS_COLUMNS, STATUS_PROPERTY, STOPPED_PROPERTY)

SHEET = "Sessions"
# Statuses a week keeps while its meetings are as written. A partial week is re-printed as
# edited: render recounts the week but not what it leaves unmet.
SOLVED = ("optimal", "feasible")
DERIVED = ("Facilitator name", "Size")  # written for reading only; recomputed on render
NEEDED = tuple(c for c in SESSIONS_COLUMNS if c not in DERIVED)
EXPECTED = {
    "Group": "the group's name as on the roster's Groups sheet",
    "Section": "the section letter, like A",
    "Day": "a day like Mon",
    "Start": "a time like 9:00",
    "End": "a time like 10:30",
    "Room": "the room's name as on the Rooms sheet",
    "Facilitator ID": "the staff ID as on the Staff sheet, like S02",
}


def read_schedule(path: str | Path, roster: Roster | None = None) -> Schedule:
    """schedule.json or schedule.xlsx, by suffix; with a roster, names are matched to it.

    Given the roster, names typed in another case match the roster's spelling, and a
    Sessions row whose Start is one of that day's slots takes its End from the slot
    (so End may be left stale after moving a meeting).

    The week keeps the status it was solved with (optimal, feasible) only while its
    meetings and figures are as written (Schedule.fingerprint); otherwise it is "edited".
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        schedule, written = read_schedule_json(path)
    elif suffix in (".xlsx", ".xlsm"):
        schedule, written = read_schedule_xlsx(path, roster)
    else:
        raise ScheduleFileError(
            f"'{path.name}' is not a schedule file: give the schedule.xlsx or schedule.json "
            "that 'scheduler solve' wrote."
        )
    if roster is not None:
        schedule = match_roster(schedule, roster)
    if schedule.status not in SOLVED or written != schedule.fingerprint():
        schedule.status = "edited"
    return schedule


def read_schedule_json(path: Path) -> tuple[Schedule, str | None]:
    """A schedule.json as written by solve (or render), possibly edited by hand, and its
    fingerprint as written."""
    text = _read_bytes(path).decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleFileError(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    schedule = Schedule.from_dict(data, source=path.name)
    return schedule, data.get("fingerprint")


def read_schedule_xlsx(path: Path, roster: Roster | None = None
                       ) -> tuple[Schedule, str | None]:
    """The Sessions sheet of a schedule.xlsx, one meeting per non-blank row, with how the
    week was found as far as the document properties tell, and its fingerprint as
    written."""
    data = _read_bytes(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it drops; irrelevant
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        except Exception:  # openpyxl raises many kinds on damaged or foreign files
            raise ScheduleFileError(
                f"{path.name} could not be read as an Excel workbook; open it in Excel or "
                "LibreOffice and save it as an Excel Workbook (.xlsx)."
            ) from None
    sheet = next((book[n] for n in book.sheetnames if key(n) == key(SHEET)), None)
    if sheet is None:
        raise ScheduleFileError(
            f"{path.name} has no {SHEET} sheet (found: {', '.join(book.sheetnames)}); "
            "use the schedule.xlsx that 'scheduler solve' wrote."
        )
    rows = list(sheet.iter_rows(values_only=True))
    where = f"{path.name}, {SHEET} sheet"
    columns = _columns(rows[0] if rows else (), where)
    slot_end = {(s.day, s.start): s.end for s in roster.slots} if roster else {}
    meetings, errors = [], []
    for number, cells in enumerate(rows[1:], start=2):
        values = {name: cells[i] if i < len(cells) else None for name, i in columns.items()}
        if all(is_blank(v) for v in values.values()):
            continue
        try:
            meetings.append(_meeting(values, slot_end))
        except _CellError as exc:
            errors.append(f"{where}, row {number}, column {exc.column!r}: {exc.message}")
    if errors:
        raise ScheduleFileError("\n".join(errors))
    return _as_found(meetings, {p.name: p.value for p in book.custom_doc_props.props})


def _as_found(meetings: list[Meeting], props: dict) -> tuple[Schedule, str | None]:
    """The week with the figures schedule.xlsx's document properties give (see
    writers.xlsx.write_properties); a property missing or of the wrong kind is left out."""
    def text(name: str) -> str | None:
        value = props.get(name)
        return value if isinstance(value, str) else None

    def number(name: str) -> float | None:
        value = props.get(name)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if numeric else None

    searched = number(SEARCHED_PROPERTY)
    stats = {"total_seconds": searched} if searched else {}
    if props.get(STOPPED_PROPERTY) is True:
        stats["interrupted"] = True
    if number(LAST_WEEK_BOUND_PROPERTY) is not None:
        stats["bound_with_last_week"] = number(LAST_WEEK_BOUND_PROPERTY)
    schedule = Schedule(status=text(STATUS_PROPERTY) or "edited", meetings=meetings,
                        objective=number(OBJECTIVE_PROPERTY), best_bound=number(BOUND_PROPERTY),
                        stats=stats, roster_fingerprint=text(ROSTER_PROPERTY))
    return schedule, text(FINGERPRINT_PROPERTY)


class _CellError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _columns(header: tuple, where: str) -> dict[str, int]:
    """Column positions by header name (case and spaces ignored); every needed one present."""
    found = {key(parse_text(v)): i for i, v in reversed(list(enumerate(header))) if not is_blank(v)}
    missing = [c for c in NEEDED if key(c) not in found]
    if missing:
        raise ScheduleFileError(
            f"{where}, row 1: the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} {'are' if len(missing) > 1 else 'is'} "
            f"missing; row 1 must keep the headers {', '.join(SESSIONS_COLUMNS)}."
        )
    return {c: found[key(c)] for c in NEEDED}


def _meeting(values: dict[str, Any], slot_end: dict[tuple[int, int], int]) -> Meeting:
    text = {c: parse_text(values[c]) for c in ("Group", "Section", "Room", "Facilitator ID")}
    for column, value in text.items():
        if not value:
            raise _CellError(column, f"is blank; expected {EXPECTED[column]}.")
    day = _cell(values, "Day", parse_day)
    start = _cell(values, "Start", parse_time)
    if start >= 24 * 60:
        raise _CellError("Start", f"{show(values['Start'])} is too late; a meeting must start "
                                  "before midnight.")
    if (day, start) in slot_end:
        end = slot_end[(day, start)]  # the slot's own end, whatever the (maybe stale) cell says
    else:
        end = _cell(values, "End", parse_time)
        if end <= start:
            raise _CellError("End", f"{show(values['End'])} is not after the Start time; "
                                    f"expected {EXPECTED['End']}.")
    patients = sorted({pid for pid in parse_list(values["Patients"])})
    return Meeting(text["Group"], text["Section"], day, start, end, text["Room"],
                   text["Facilitator ID"], tuple(patients))


def _cell(values: dict[str, Any], column: str, parse) -> int:
    value = values[column]
    if is_blank(value):
        raise _CellError(column, f"is blank; expected {EXPECTED[column]}.")
    try:
        return parse(value)
    except ParseError as exc:
        raise _CellError(column, f"{exc}.") from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ScheduleFileError(f"The schedule file '{path}' does not exist.") from None
    except IsADirectoryError:
        raise ScheduleFileError(f"'{path}' is a folder, not a schedule file.") from None
    except OSError as exc:
        raise ScheduleFileError(f"'{path}' cannot be read: {exc.strerror or exc}.") from None


def match_roster(schedule: Schedule, roster: Roster) -> Schedule:
    """The same week with names typed in another case or spacing spelled as on the roster."""
    groups = {key(g.name): g.name for g in roster.groups}
    staff = {key(s.id): s.id for s in roster.staff}
    rooms = {key(r.name): r.name for r in roster.rooms}
    patients = {key(p.id): p.id for p in roster.patients}

    def spelled(names: dict[str, str], name: str) -> str:
        return names.get(key(name), name)

    meetings = [
        dataclasses.replace(
            m,
            group=spelled(groups, m.group),
            facilitator=spelled(staff, m.facilitator),
            room=spelled(rooms, m.room),
            patients=tuple(sorted({spelled(patients, p) for p in m.patients})),
        )
        for m in schedule.meetings
    ]
    return dataclasses.replace(schedule, meetings=meetings)

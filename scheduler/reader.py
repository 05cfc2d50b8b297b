"""Reading the roster workbook into a Roster, reporting every problem at once.

Reading happens in three steps:
1. open the file (anything that is not a readable .xlsx gets one sentence: WorkbookUnreadable);
2. read each sheet by its SheetSpec: find the header row, then turn every non-blank
   row into a domain object with that sheet's row parser;
3. check what one sheet says about another (program names, staff IDs, ...) and
   resolve references to the spelling of the sheet that defines them.
Problems are collected along the way and raised together as one RosterError.
See docs/roster-format.md for the contract this implements.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from .domain import (
    KINDS,
    Group,
    Patient,
    Pin,
    Program,
    Room,
    Roster,
    Settings,
    Slot,
    Staff,
    TimeExpr,
    hhmm,
    key,
)
from .errors import Problem, RosterError, WorkbookUnreadable
from .pins import check_pins
from .rules import SOFT_RULES, default_weights, rule_named
from .parsing import (
    ParseError,
    is_blank,
    parse_bool,
    parse_choice,
    parse_date,
    parse_day,
    parse_int,
    parse_list,
    parse_number,
    parse_optional_bool,
    parse_section,
    parse_text,
    parse_time,
    parse_time_expr,
    show,
)

PAPER_SIZES = ("Letter", "A4")
_BAD = object()  # a cell already reported (error value, formula without a result)


# --- collecting problems ------------------------------------------------------------------


@dataclass
class Report:
    """Problems and warnings found so far."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, message: str, sheet=None, row=None, column=None, value=None) -> None:
        self.problems.append(Problem(message, sheet, row, column, value))

    def warn(self, message: str, sheet=None, row=None, column=None, value=None) -> None:
        self.warnings.append(Problem(message, sheet, row, column, value))

    def count(self, sheet: str) -> int:
        return sum(1 for p in self.problems if p.sheet == sheet)


@dataclass
class Row:
    """One data row of a sheet: its cells by column name, and where to report trouble."""

    sheet: str
    number: int
    cells: dict[str, Any]
    report: Report

    def problem(self, column: str, message: str, value: Any = None) -> None:
        self.report.problem(message, self.sheet, self.number, column, value)

    def read(self, column: str, parser: Callable, *, required: str = "", default=None, **options):
        """The parsed cell, or `default` when it is blank or wrong (wrong is reported).

        `required` is the hint shown when a required cell is empty.
        """
        value = self.cells.get(column)
        if value is _BAD:
            return default
        if is_blank(value):
            if required:
                self.problem(column, f"the cell is empty; {required}.", value)
            return default
        try:
            result = parser(value, **options)
        except ParseError as error:
            self.problem(column, f"{error}.", value)
            return default
        return default if result is None else result

    def text(self, column: str, *, required: str = "") -> str:
        return self.read(column, parse_text, required=required, default="")

    def names(self, column: str, *, required: str = "") -> list[str]:
        names = _unique(self.read(column, parse_list, required=required, default=[]))
        value = self.cells.get(column)
        if required and not names and value is not _BAD and not is_blank(value):
            self.problem(column, f"the cell lists no names; {required}.", value)  # e.g. ";;"
        return names

    def optional_text(self, column: str) -> str | None:
        return self.text(column) or None


# --- the sheets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSpec:
    """What one sheet holds: its columns and how one row becomes a domain object."""

    name: str
    columns: tuple[str, ...]  # every column, in the order the template shows them
    required: tuple[str, ...]
    parse_row: Callable[[Row], Any]
    unique: str | None = None  # column whose values must differ between rows
    what: str = ""  # "group": names one row in messages
    needed: bool = True  # False: the sheet may be left out

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.required)


def _slot_row(row: Row) -> Slot | None:
    day = row.read("Day", parse_day, required="enter the day, e.g. Mon")
    start = row.read("Start", parse_time, required="enter the start time, e.g. 9:00")
    end = row.read("End", parse_time, required="enter the end time, e.g. 10:30")
    label = row.text("Label")
    if day is None or start is None or end is None:
        return None
    if end <= start:
        row.problem(
            "End",
            f"the slot ends at {hhmm(end)}, which is not after its start {hhmm(start)}; "
            "End must be later than Start.",
            row.cells.get("End"),
        )
        return None
    return Slot(index=-1, day=day, start=start, end=end, label=label, row=row.number)


def _program_row(row: Row) -> Program | None:
    name = row.text("Program", required="every program needs a name, e.g. IOP")
    min_hours = row.read("Min hours", parse_number, minimum=0, default=0.0)
    max_per_day = row.read("Max per day", parse_int, minimum=1)
    attends = row.read("Attends", parse_time_expr, default=TimeExpr())
    if not name:
        return None
    return Program(name, round(min_hours * 60), max_per_day, attends, row.number)


def _group_row(row: Row) -> Group | None:
    name = row.text("Group", required="every group needs a name")
    kind = row.read(
        "Kind", parse_choice, choices=KINDS, what="a kind of group",
        required="enter peer (peer support) or therapy",
    )
    number = "enter a whole number, e.g. "
    sessions = row.read("Sessions per week", parse_int, minimum=1, required=number + "2")
    min_size = row.read("Min size", parse_int, minimum=1, required=number + "3")
    max_size = row.read("Max size", parse_int, minimum=1, required=number + "10")
    skill = row.text("Skill", required="enter the skill its facilitator must have, e.g. CBT")
    programs = row.names("Programs")
    required = row.read("Required", parse_bool, default=False)
    gender, track = row.optional_text("Gender"), row.optional_text("Track")
    room_needs = frozenset(key(n) for n in row.names("Room needs"))
    if min_size is not None and max_size is not None and min_size > max_size:
        row.problem(
            "Min size",
            f"Min size {min_size} is more than Max size {max_size}; "
            "Min size must not be more than Max size.",
            row.cells.get("Min size"),
        )
    if not name:
        return None
    return Group(
        name, kind or KINDS[0], sessions or 1, min_size or 1, max_size or 1, key(skill),
        frozenset(programs), required, gender, track, room_needs, row.number,
    )


def _staff_row(row: Row) -> Staff | None:
    staff_id = row.text("ID", required="every staff member needs an ID, e.g. S01")
    name = row.text("Name")
    skills = row.names("Skills", required="list the groups' skills this person can lead, e.g. CBT")
    available = row.read("Available", parse_time_expr, default=TimeExpr())
    max_per_day = row.read("Max per day", parse_int, minimum=0)
    max_per_week = row.read("Max per week", parse_int, minimum=0)
    if not staff_id:
        return None
    skill_keys = frozenset(key(s) for s in skills)
    return Staff(staff_id, name, skill_keys, available, max_per_day, max_per_week, row.number)


def _room_row(row: Row) -> Room | None:
    name = row.text("Room", required="every room needs a name")
    capacity = row.read("Capacity", parse_int, minimum=1, required="enter how many people fit")
    features = frozenset(key(f) for f in row.names("Features"))
    unavailable = row.read("Unavailable", parse_time_expr, default=TimeExpr())
    if not name:
        return None
    return Room(name, capacity or 1, features, unavailable, row.number)


def _patient_row(row: Row) -> Patient | None:
    patient_id = row.text("ID", required="every patient needs an ID")
    name = row.text("Name")
    program = row.text("Program", required="enter the patient's program, e.g. IOP")
    gender, track = row.optional_text("Gender"), row.optional_text("Track")
    admitted = row.read("Admitted", parse_date)
    therapist = row.optional_text("Primary therapist")
    extra_groups = tuple(row.names("Extra groups"))
    unavailable = row.read("Unavailable", parse_time_expr, default=TimeExpr())
    keep_apart = tuple(row.names("Keep apart"))
    needs = frozenset(key(n) for n in row.names("Needs"))
    role_model = row.read("Role model", parse_optional_bool)
    if not patient_id:
        return None
    return Patient(
        patient_id, program, name, gender, admitted, track, therapist,
        extra_groups, unavailable, keep_apart, needs, role_model, row.number,
    )


@dataclass(frozen=True)
class SettingRow:
    name: str
    value: Any
    row: int


def _setting_row(row: Row) -> SettingRow | None:
    name = row.text("Setting")
    value = row.cells.get("Value")
    if not name:
        if value is not _BAD and not is_blank(value):
            row.report.warn(
                "has a value but no setting name, so it was ignored.", row.sheet, row.number,
                "Setting",
            )
        return None
    return SettingRow(name, value, row.number)


@dataclass(frozen=True)
class WeightRow:
    rule: str
    weight: float | None
    row: int


def _weight_row(row: Row) -> WeightRow | None:
    rule = row.text("Rule", required="enter a rule name, e.g. Own therapist")
    weight = row.read("Weight", parse_number, required="enter a weight, e.g. 20 (0 turns the "
                      "rule off)", minimum=0)
    return WeightRow(rule, weight, row.number) if rule else None


@dataclass(frozen=True)
class FixedRow:
    pin: Pin  # names as written
    damaged: bool  # a cell could not be read: names are still checked, the pin is not


def _fixed_row(row: Row) -> FixedRow | None:
    """One pin with names as written; they are resolved once every sheet is read."""
    before = len(row.report.problems)
    group = row.text("Group", required="enter the group this row pins, e.g. Family Program")
    section = row.read("Section", parse_section, default="A")
    day = row.read("Day", parse_day)
    start = row.read("Start", parse_time)
    room, facilitator = row.optional_text("Room"), row.optional_text("Facilitator")
    if start is not None and is_blank(row.cells.get("Day")):
        row.problem("Day", f"the cell is empty; a pinned Start needs its day, e.g. Mon "
                    f"{hhmm(start)} (a Day alone means any slot of that day).")
    if not group:
        return None
    pin = Pin(group, section, day, start, room, facilitator, row.number)
    return FixedRow(pin, damaged=len(row.report.problems) > before)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Settings", ("Setting", "Value"), ("Setting", "Value"), _setting_row, needed=False),
    SheetSpec("Slots", ("Day", "Start", "End", "Label"), ("Day", "Start", "End"), _slot_row,
              what="slot"),
    SheetSpec(
        "Programs", ("Program", "Min hours", "Max per day", "Attends"), ("Program",),
        _program_row, unique="Program", what="program",
    ),
    SheetSpec(
        "Groups",
        ("Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill", "Programs",
         "Required", "Gender", "Track", "Room needs"),
        ("Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill"),
        _group_row, unique="Group", what="group",
    ),
    SheetSpec(
        "Staff", ("ID", "Name", "Skills", "Available", "Max per day", "Max per week"),
        ("ID", "Skills"), _staff_row, unique="ID", what="staff member",
    ),
    SheetSpec(
        "Rooms", ("Room", "Capacity", "Features", "Unavailable"), ("Room", "Capacity"),
        _room_row, unique="Room", what="room",
    ),
    SheetSpec(
        "Patients",
        ("ID", "Name", "Program", "Gender", "Admitted", "Track", "Primary therapist",
         "Extra groups", "Unavailable", "Keep apart", "Needs", "Role model"),
        ("ID", "Program"),
        _patient_row, unique="ID", what="patient",
    ),
    SheetSpec("Weights", ("Rule", "Weight"), ("Rule", "Weight"), _weight_row, needed=False,
              what="weight"),
    SheetSpec("Fixed", ("Group", "Section", "Day", "Start", "Room", "Facilitator"), ("Group",),
              _fixed_row, needed=False, what="pin"),
)
SHEET_BY_NAME = {spec.name: spec for spec in SHEETS}


# --- reading one sheet ----------------------------------------------------------------------


@dataclass
class Table:
    """What one sheet gave: its objects, and whether its header row was found."""

    spec: SheetSpec
    items: list[Any] = field(default_factory=list)
    found: bool = False  # the sheet exists and has all required columns


def _header_key(value: Any) -> str:
    # A trailing '*' or ':' on a header (a common way to mark it) does not matter.
    return key(parse_text(value)).rstrip("*: ")


def _read_table(book: _Book, spec: SheetSpec, report: Report) -> Table:
    table = Table(spec)
    sheet = book.sheet(spec, report)
    if sheet is None:
        return table
    rows = list(sheet.values.iter_rows())
    header = _find_header(rows, spec, report)
    if header is None:
        return table
    header_row, columns = header
    table.found = True
    first_seen: dict[str, int] = {}
    filled = 0
    for cells in rows[header_row:]:
        number = cells[0].row if cells else header_row + 1
        values = {name: _cell_value(cells, i, sheet, spec.name, name, report)
                  for i, name in columns.items()}
        if all(v is not _BAD and is_blank(v) for v in values.values()):
            continue
        filled += 1
        row = Row(spec.name, number, values, report)
        duplicate = spec.unique is not None and _is_duplicate(row, spec, first_seen)
        item = spec.parse_row(row)  # still read, so every problem of the row is reported
        if item is not None and not duplicate:
            table.items.append(item)
    if not filled and spec.needed:
        _report_empty(spec, header_row, report)
    return table


def _report_empty(spec: SheetSpec, header_row: int, report: Report) -> None:
    if spec.name == "Slots":
        message = (
            "there are no slots; add one row per bookable period of the week "
            "(Day, Start, End, e.g. Mon 9:00 10:30)."
        )
    else:
        message = (
            f"the sheet has no {spec.what}s yet; add one row per {spec.what} below the header row."
        )
    report.problem(message, spec.name, header_row + 1)


def _is_duplicate(row: Row, spec: SheetSpec, first_seen: dict[str, int]) -> bool:
    value = row.cells.get(spec.unique)
    if value is _BAD or is_blank(value):
        return False
    name = key(parse_text(value))
    if name not in first_seen:
        first_seen[name] = row.number
        return False
    label = "ID" if spec.unique == "ID" else "name"
    row.problem(
        spec.unique,
        f"{show(parse_text(value))} is already used on row {first_seen[name]}; "
        f"each {spec.what} needs a different {label}.",
        value,
    )
    return True


def _find_header(rows: list, spec: SheetSpec, report: Report) -> tuple[int, dict[int, str]] | None:
    """The header row (1-based) and {column index: column name}, or None (reported)."""
    wanted = {key(c): c for c in spec.columns}
    best: tuple[int, int] | None = None  # (required headers found, row number)
    for index, cells in enumerate(rows):
        found = {_header_key(c.value) for c in cells if not is_blank(c.value)}
        hits = sum(1 for c in spec.required if key(c) in found)
        if hits == len(spec.required):
            return index + 1, _map_columns(cells, index + 1, spec, wanted, report)
        if hits and (best is None or hits > best[0]):
            best = (hits, index + 1)
    _report_missing_columns(rows, spec, best, report)
    return None


def _map_columns(cells, row_number: int, spec: SheetSpec, wanted: dict, report: Report):
    columns: dict[int, str] = {}
    letters: dict[str, str] = {}
    for i, cell in enumerate(cells):
        if is_blank(cell.value):
            continue
        name = wanted.get(_header_key(cell.value))
        if name is None:
            hint = _did_you_mean(parse_text(cell.value), spec.columns)
            report.warn(
                f"this column is not used by the scheduler and was ignored{hint}.",
                spec.name, row_number, parse_text(cell.value),
            )
        elif name in letters:
            report.problem(
                f"there are two {name!r} columns ({letters[name]} and {cell.column_letter}); "
                "delete or rename one of them.",
                spec.name, row_number, name,
            )
        else:
            letters[name] = cell.column_letter
            columns[i] = name
    return columns


def _report_missing_columns(rows, spec: SheetSpec, best, report: Report) -> None:
    needs = ", ".join(spec.required)
    if best is None:
        report.problem(
            f"no header row found; the sheet needs a row with the column headers {needs}"
            f"{_optional_note(spec)}.",
            spec.name,
        )
        return
    row_number = best[1]
    present = [parse_text(c.value) for c in rows[row_number - 1] if not is_blank(c.value)]
    present_keys = {_header_key(p) for p in present}
    for column in spec.required:
        if key(column) not in present_keys:
            hint = _did_you_mean(column, [p for p in present if _header_key(p) not in
                                          {key(c) for c in spec.columns}], verb="is")
            report.problem(
                f"the header row has no {column!r} column{hint}; "
                f"the required columns are {needs}.",
                spec.name, row_number, column,
            )


def _optional_note(spec: SheetSpec) -> str:
    return f" (optional: {', '.join(spec.optional)})" if spec.optional else ""


def _cell_value(cells, index: int, sheet: _Sheet, sheet_name: str, column: str, report: Report):
    if index >= len(cells):
        return None
    cell = cells[index]
    value = cell.value
    if cell.data_type == "e":
        report.problem(
            f"holds the error value {value}, usually from a formula that points at something "
            "deleted or missing; fix the formula or type the value in.",
            sheet_name, cell.row, column, value,
        )
        return _BAD
    if value is None and (cell.row, cell.column) in sheet.formulas:
        if cell.data_type in ("s", "str"):
            return None  # a formula whose result is empty text
        report.problem(
            f"has a formula ({sheet.formulas[cell.row, cell.column]}) with no saved result; "
            "open and save the file in Excel or LibreOffice so the result is stored.",
            sheet_name, cell.row, column, sheet.formulas[cell.row, cell.column],
        )
        return _BAD
    return value


# --- opening the file ------------------------------------------------------------------------


@dataclass
class _Sheet:
    values: Any  # worksheet of cached values
    formulas: dict[tuple[int, int], str]  # (row, column) -> formula text


@dataclass
class _Book:
    values: Any
    formulas: Any

    def sheet(self, spec: SheetSpec, report: Report) -> _Sheet | None:
        titles = [t for t in self.values.sheetnames if key(t) == key(spec.name)]
        if not titles:
            if spec.needed:
                others = ", ".join(repr(t) for t in self.values.sheetnames)
                report.problem(
                    f"the workbook has no {spec.name!r} sheet; add one with the columns "
                    f"{', '.join(spec.required)}{_optional_note(spec)} "
                    f"(sheets in the file: {others}).",
                    spec.name,
                )
            return None
        if len(titles) > 1:
            report.problem(
                f"there are {len(titles)} sheets named like {spec.name!r} "
                f"({', '.join(repr(t) for t in titles)}); keep only one.",
                spec.name,
            )
            return None
        title = titles[0]
        if not hasattr(self.values[title], "iter_rows"):
            report.problem(f"the {title!r} sheet is a chart, not a table of rows.", spec.name)
            return None
        return _Sheet(self.values[title], _formulas(self.formulas[title]))


def _formulas(worksheet) -> dict[tuple[int, int], str]:
    found = {}
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                text = cell.value  # array formulas are objects holding their text
                text = text if isinstance(text, str) else getattr(text, "text", "")
                found[cell.row, cell.column] = str(text or "formula")
    return found


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), b"EncryptionInfo")
_SAVE_AS = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"


def _open(path: Path) -> _Book:
    data = _read_bytes(path)
    _check_kind(path, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features it drops; irrelevant here
        try:
            values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
            formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        except Exception as error:  # openpyxl raises many kinds on damaged files
            raise WorkbookUnreadable(
                f"'{path}' could not be read as an Excel workbook; it may be damaged: "
                f"{_SAVE_AS} again, or use a backup copy."
            ) from error
    return _Book(values, formulas)


def _fingerprint(book: Any) -> str:
    """A fingerprint of every sheet's name and cell values, in workbook order. Blank cells at
    the end of a row and blank rows are left out: spreadsheet programs vary in how far
    they save a sheet's used range."""
    digest = hashlib.sha256()
    for sheet in book.worksheets:
        digest.update(repr(sheet.title).encode())
        for row in sheet.iter_rows(values_only=True):
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                digest.update(repr(cells).encode())
    return digest.hexdigest()[:16]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise WorkbookUnreadable(f"The file '{path}' does not exist.") from None
    except IsADirectoryError:
        raise WorkbookUnreadable(f"'{path}' is a folder, not a workbook file.") from None
    except PermissionError:
        raise WorkbookUnreadable(
            f"'{path}' cannot be opened: permission denied (close it in other programs, "
            "or check that you may read it)."
        ) from None
    except OSError as error:
        raise WorkbookUnreadable(f"'{path}' cannot be read: {error.strerror or error}.") from None


def _check_kind(path: Path, data: bytes) -> None:
    """One sentence for files that are not an .xlsx workbook."""
    if not data:
        raise WorkbookUnreadable(f"'{path}' is empty (0 bytes), so it is not a workbook.")
    if data.startswith(_OLE2):
        if any(marker in data for marker in _ENCRYPTION_MARKERS):
            raise WorkbookUnreadable(
                f"'{path}' is password-protected; open it in Excel, remove the password "
                "and save it without one."
            )
        raise WorkbookUnreadable(
            f"'{path}' is in the old Excel 97-2003 format (.xls); {_SAVE_AS}."
        )
    if data.startswith(b"%PDF"):
        raise WorkbookUnreadable(f"'{path}' is a PDF document, not an Excel workbook (.xlsx).")
    if data.startswith(b"PK"):
        _check_zip(path, data)
        return
    if b"\x00" not in data[:4096]:
        raise WorkbookUnreadable(
            f"'{path}' is a text file (for example CSV), not an Excel workbook; {_SAVE_AS}."
        )
    raise WorkbookUnreadable(f"'{path}' is not an Excel workbook (.xlsx); {_SAVE_AS}.")


def _check_zip(path: Path, data: bytes) -> None:
    damaged = (
        f"'{path}' is damaged (the file looks cut off or corrupted); {_SAVE_AS} again, "
        "or use a backup copy."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if archive.testzip() is not None:
                raise WorkbookUnreadable(damaged)
            workbook = archive.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except WorkbookUnreadable:
        raise
    except Exception:  # BadZipFile, zlib.error, EOFError...: all mean a broken archive
        raise WorkbookUnreadable(damaged) from None
    if workbook:
        if b"purl.oclc.org/ooxml/spreadsheetml" in workbook:
            raise WorkbookUnreadable(
                f"'{path}' is saved as 'Strict Open XML Spreadsheet', which cannot be read; "
                f"{_SAVE_AS} (not Strict)."
            )
        return
    if "xl/workbook.bin" in names:
        kind = "in Excel Binary format (.xlsb)"
    elif b"opendocument.spreadsheet" in mimetype:
        kind = "an OpenDocument spreadsheet (.ods)"
    elif "word/document.xml" in names:
        kind = "a Word document"
    elif "ppt/presentation.xml" in names:
        kind = "a PowerPoint presentation"
    else:
        kind = "a zip archive"
    raise WorkbookUnreadable(f"'{path}' is {kind}, not an Excel workbook; {_SAVE_AS}.")


# --- references between sheets -----------------------------------------------------------


@dataclass
class Names:
    """The names one sheet defines, to resolve what other sheets write."""

    sheet: str
    what: str  # "program"
    canonical: dict[str, str]  # key() -> spelling on the defining sheet
    known: bool  # False when the sheet is missing: then nothing is checked
    list_them: bool = True

    @classmethod
    def of(cls, table: Table, name: Callable[[Any], str], what: str, list_them=True) -> Names:
        canonical: dict[str, str] = {}
        for item in table.items:
            canonical.setdefault(key(name(item)), name(item))
        return cls(table.spec.name, what, canonical, table.found, list_them)

    def resolve(self, written: str) -> str | None:
        """The defining sheet's spelling; None when unknown (unchanged when unchecked)."""
        found = self.canonical.get(key(written))
        if found is not None or not self.known:
            return found or written
        return None

    def unknown(self, written: str) -> str:
        hint = _did_you_mean(written, list(self.canonical.values()))
        listing = ""
        if self.list_them:
            names = sorted(self.canonical.values(), key=key)
            listing = f" ({self.what}s: {_listing(names)})" if names else " (it lists none)"
        return f"{written!r} is not a {self.what} on the {self.sheet} sheet{listing}.{hint}"


def _resolve_names(
    row_of: Row, column: str, written: Iterable[str], names: Names
) -> list[str]:
    resolved = []
    for name in written:
        found = names.resolve(name)
        if found is None:
            row_of.problem(column, names.unknown(name), name)
        else:
            resolved.append(found)
    return _unique(resolved)


def _listing(names: list[str], limit: int = 15) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _did_you_mean(written: str, choices: Iterable[str], verb: str = "did you mean") -> str:
    by_key = {key(c): c for c in choices}
    close = difflib.get_close_matches(key(written), list(by_key), n=1, cutoff=0.75)
    if not close:
        return ""
    if verb == "is":
        return f" (is {by_key[close[0]]!r} meant to be it?)"
    return f" Did you mean {by_key[close[0]]!r}?"


def _unique(names: Iterable[str]) -> list[str]:
    seen, result = set(), []
    for name in names:
        if key(name) not in seen:
            seen.add(key(name))
            result.append(name)
    return result


# --- assembling the roster --------------------------------------------------------------------


def read_roster(path: str | Path) -> Roster:
    """Read and check the whole workbook; raise RosterError listing every problem."""
    path = Path(path)
    book = _open(path)
    report = Report()
    tables = {spec.name: _read_table(book, spec, report) for spec in SHEETS}
    roster = _assemble(tables, report)
    roster.source = str(path)
    roster.fingerprint = _fingerprint(book.values)
    roster.warnings = [str(w) for w in report.warnings]
    if report.problems:
        raise RosterError(_in_sheet_order(report.problems))
    return roster


def _in_sheet_order(problems: list[Problem]) -> list[Problem]:
    order = {spec.name: i for i, spec in enumerate(SHEETS)}

    def position(p: Problem):
        spec = SHEET_BY_NAME.get(p.sheet or "")
        column = spec.columns.index(p.column) if spec and p.column in spec.columns else -1
        return (order.get(p.sheet or "", -1), p.row or 0, column)

    return sorted(problems, key=position)


def _assemble(tables: dict[str, Table], report: Report) -> Roster:
    settings = _settings(tables["Settings"], report)
    slots = _index_slots(tables["Slots"], report)
    slots_clean = tables["Slots"].found and report.count("Slots") == 0
    refs = References.of(tables)
    slot_count = len(slots) if slots_clean else None
    groups = [_check_group(g, refs, report, slot_count) for g in tables["Groups"].items]
    by_name = {g.name: g for g in groups}
    patients = [_check_patient(p, refs, by_name, report) for p in tables["Patients"].items]
    programs, staff = tables["Programs"].items, tables["Staff"].items
    if slots_clean:
        _warn_unreachable(programs, staff, slots, report)
    pins = _pins(tables, refs, slots if slots_clean else None, groups, report)
    return Roster(settings, slots, programs, groups, staff, tables["Rooms"].items, patients,
                  weights=_weights(tables["Weights"], report), pins=pins)


@dataclass
class References:
    """What the sheets define, to check what other sheets refer to (built once)."""

    programs: Names
    groups: Names
    patients: Names
    staff_ids: Names
    rooms: Names
    staff_names: dict[str, list[str]]  # key(name) -> staff IDs with that name
    staff_spelling: list[str]  # the names as written, for suggestions
    skills: set[str] | None  # None: no Staff sheet to check against
    features: set[str] | None  # None: no Rooms sheet to check against

    @classmethod
    def of(cls, tables: dict[str, Table]) -> References:
        staff, rooms = tables["Staff"], tables["Rooms"]
        staff_names: dict[str, list[str]] = {}
        for member in staff.items:
            if member.name:
                staff_names.setdefault(key(member.name), []).append(member.id)
        return cls(
            programs=Names.of(tables["Programs"], lambda p: p.name, "program"),
            groups=Names.of(tables["Groups"], lambda g: g.name, "group"),
            patients=Names.of(tables["Patients"], lambda p: p.id, "patient ID", list_them=False),
            staff_ids=Names.of(staff, lambda s: s.id, "staff ID"),
            rooms=Names.of(rooms, lambda r: r.name, "room"),
            staff_names=staff_names,
            staff_spelling=[m.name for m in staff.items if m.name],
            skills={s for m in staff.items for s in m.skills} if staff.found else None,
            features={f for r in rooms.items for f in r.features} if rooms.found else None,
        )


def _row(sheet: str, number: int | None, report: Report, cells=None) -> Row:
    return Row(sheet, number or 0, cells or {}, report)


def _index_slots(table: Table, report: Report) -> list[Slot]:
    slots = sorted(table.items, key=lambda s: (s.day, s.start, s.end))
    for i, later in enumerate(slots):
        for earlier in slots[:i]:
            if earlier.day == later.day and earlier.end > later.start:
                report.problem(
                    f"{later} overlaps {earlier} on row {earlier.row}; "
                    "periods of one day must not overlap.",
                    "Slots", later.row, "Start", later.start_text,
                )
    return [dataclasses.replace(s, index=i) for i, s in enumerate(slots)]


def _check_group(group: Group, refs: References, report: Report, slot_count: int | None) -> Group:
    row = _row("Groups", group.row, report)
    programs = _resolve_names(row, "Programs", sorted(group.programs, key=key), refs.programs)
    if slot_count is not None and group.sessions > slot_count:
        row.problem(
            "Sessions per week",
            f"{group.sessions} sessions a week, but the Slots sheet has only {slot_count} "
            f"slot{'s' if slot_count != 1 else ''}; a section meets at most once per slot.",
            group.sessions,
        )
    if refs.skills is not None and group.skill and group.skill not in refs.skills:
        row.problem(
            "Skill",
            f"no staff member on the Staff sheet has the skill {group.skill!r} "
            f"(skills: {_listing(sorted(refs.skills)) or 'none'})."
            f"{_did_you_mean(group.skill, refs.skills)}",
            group.skill,
        )
    _check_features(row, "Room needs", group.room_needs, refs.features)
    return dataclasses.replace(group, programs=frozenset(programs))


def _check_features(row: Row, column: str, wanted: Iterable[str], features: set[str] | None):
    if features is None:
        return
    for feature in sorted(wanted):
        if feature not in features:
            listing = (
                f"features: {_listing(sorted(features))}" if features
                else "no room lists any Features"
            )
            row.problem(
                column,
                f"{feature!r} is not a feature of any room on the Rooms sheet ({listing})."
                f"{_did_you_mean(feature, features)}",
                feature,
            )


def _check_patient(patient: Patient, refs: References, groups: dict[str, Group], report) -> Patient:
    row = _row("Patients", patient.row, report)
    program = refs.programs.resolve(patient.program) if patient.program else None
    if patient.program and program is None:
        row.problem("Program", refs.programs.unknown(patient.program), patient.program)
    extra = _resolve_names(row, "Extra groups", patient.extra_groups, refs.groups)
    _check_features(row, "Needs", patient.needs, refs.features)
    resolved = dataclasses.replace(
        patient,
        program=program or patient.program,
        primary_therapist=_resolve_staff(row, "Primary therapist", patient.primary_therapist,
                                         refs),
        extra_groups=tuple(extra),
        keep_apart=tuple(_keep_apart(row, patient, refs.patients)),
    )
    if program is not None and refs.programs.known:
        for name in extra:
            reason = why_not_eligible(resolved, groups[name]) if name in groups else None
            if reason:
                message = f"{name!r} is not open to this patient: {reason}."
                row.problem("Extra groups", message, name)
    return resolved


def _resolve_staff(row: Row, column: str, written: str | None, refs: References) -> str | None:
    if not written:
        return None
    found = refs.staff_ids.resolve(written)
    if found is not None:
        return found
    # A name is accepted too, when it names one staff member only.
    by_name = refs.staff_names.get(key(written), [])
    if len(by_name) == 1:
        return by_name[0]
    hint = _did_you_mean(written, list(refs.staff_ids.canonical.values()) + refs.staff_spelling)
    ids = sorted(refs.staff_ids.canonical.values(), key=key)
    row.problem(
        column,
        f"{written!r} is not a staff ID on the Staff sheet (IDs: {_listing(ids) or 'none'}).{hint}",
        written,
    )
    return None


def _keep_apart(row: Row, patient: Patient, ids: Names) -> list[str]:
    result = []
    for other in patient.keep_apart:
        if key(other) == key(patient.id):
            row.problem(
                "Keep apart",
                f"lists the patient's own ID {other!r}; Keep apart lists the other patients "
                "this one must not share a group with.",
                other,
            )
            continue
        found = ids.resolve(other)
        if found is None:
            row.problem(
                "Keep apart", f"no patient on the Patients sheet has the ID {other!r}.", other
            )
        else:
            result.append(found)
    return _unique(result)


def why_not_eligible(patient: Patient, group: Group) -> str | None:
    """Why the patient may not join the group, in words; None when they may.

    Mirrors Roster.eligible: the group's Programs, Gender and Track.
    """
    if group.programs and patient.program not in group.programs:
        names = ", ".join(sorted(group.programs, key=key))
        return (
            f"the group is only for the program{'s' if len(group.programs) > 1 else ''} "
            f"{names} and this patient is in {patient.program}"
        )
    for what, needed, has in (
        ("Gender", group.gender, patient.gender), ("Track", group.track, patient.track)
    ):
        if needed and key(needed) != key(has or ""):
            mine = repr(has) if has else "empty"
            return f"the group is only for {what} {needed!r} and this patient's {what} is {mine}"
    return None


def _warn_unreachable(programs: list[Program], staff: list[Staff], slots: list[Slot], report):
    if not slots:
        return
    for program in programs:
        if not any(program.attends.covers(s) for s in slots):
            report.warn(
                f"{program.attends.text!r} covers none of the slots on the Slots sheet, so "
                "patients of this program cannot attend any group.",
                "Programs", program.row, "Attends", program.attends.text,
            )
    for member in staff:
        if not any(member.available.covers(s) for s in slots):
            report.warn(
                f"{member.available.text!r} covers none of the slots on the Slots sheet, so "
                "this staff member cannot lead any group.",
                "Staff", member.row, "Available", member.available.text,
            )


# --- the Fixed sheet ---------------------------------------------------------------------------


def _pins(tables: dict[str, Table], refs: References, slots: list[Slot] | None,
          groups: list[Group], report: Report) -> list[Pin]:
    """The pins with names resolved, checked against the other sheets and each other."""
    pins, judged = [], []
    for item in tables["Fixed"].items:
        pin = item.pin
        row = _row("Fixed", pin.row, report)
        group = refs.groups.resolve(pin.group)
        if group is None:
            row.problem("Group", refs.groups.unknown(pin.group), pin.group)
        room = refs.rooms.resolve(pin.room) if pin.room else None
        if pin.room and room is None:
            row.problem("Room", refs.rooms.unknown(pin.room), pin.room)
        facilitator = _resolve_staff(row, "Facilitator", pin.facilitator, refs)
        if group is not None:
            pins.append(dataclasses.replace(pin, group=group, room=room, facilitator=facilitator))
            if not item.damaged:
                judged.append(pins[-1])
    # Judge pins only against rows that read cleanly: a bad cell there is reported already.
    bad = {(p.sheet, p.row) for p in report.problems}

    def clean(sheet: str, items, name) -> dict:
        return {name(i): i for i in items if (sheet, i.row) not in bad}

    report.problems.extend(check_pins(
        judged, slots,
        clean("Groups", groups, lambda g: g.name),
        clean("Staff", tables["Staff"].items, lambda s: s.id),
        clean("Rooms", tables["Rooms"].items, lambda r: r.name),
        clean("Programs", tables["Programs"].items, lambda p: p.name),
    ))
    return pins


# --- weights of the soft rules -----------------------------------------------------------------


def _weights(table: Table, report: Report) -> dict[str, float]:
    weights = default_weights()
    first_row: dict[str, int] = {}
    for item in table.items:
        rule = rule_named(item.rule)
        if rule is None:
            titles = [r.title for r in SOFT_RULES]
            report.problem(
                f"{item.rule!r} is not a rule the scheduler knows (rules: {', '.join(titles)})."
                f"{_did_you_mean(item.rule, titles)}",
                "Weights", item.row, "Rule", item.rule,
            )
            continue
        if rule.key in first_row:
            report.problem(
                f"{rule.title!r} already has a weight on row {first_row[rule.key]}; give each "
                "rule once.", "Weights", item.row, "Rule", item.rule,
            )
            continue
        first_row[rule.key] = item.row
        if item.weight is not None:
            weights[rule.key] = item.weight
    return weights


# --- settings ----------------------------------------------------------------------------------


def _setting_key(name: str) -> str:
    # "Time limit (seconds):" reads as "time limit".
    text = key(name).rstrip(": ")
    if "(" in text:
        text = text.split("(", 1)[0].strip()
    return text


_SETTINGS: dict[str, tuple[str, Callable, dict]] = {
    "center": ("center", parse_text, {}),
    "centre": ("center", parse_text, {}),
    "week of": ("week_of", parse_date, {}),
    "role model days": ("role_model_days", parse_int, {"minimum": 0}),
    "time limit": ("time_limit", parse_number, {"above": 0}),
    "paper": ("paper", parse_choice, {"choices": PAPER_SIZES, "what": "a paper size"}),
}


def _settings(table: Table, report: Report) -> Settings:
    values: dict[str, Any] = {}
    first_row: dict[str, int] = {}
    week_of_row = None
    for item in table.items:
        name = _setting_key(item.name)
        row = _row("Settings", item.row, report, {"Value": item.value})
        if name not in _SETTINGS:
            hint = _did_you_mean(item.name, ["Center", "Week of", "Role model days",
                                             "Time limit", "Paper"])
            report.warn(
                f"{item.name!r} is not a setting the scheduler knows and was ignored.{hint}",
                "Settings", item.row, "Setting", item.name,
            )
            continue
        field_name, parser, options = _SETTINGS[name]
        if field_name in first_row:
            row.problem(
                "Setting",
                f"{item.name!r} is already set on row {first_row[field_name]}; give each "
                "setting once.",
                item.name,
            )
            continue
        first_row[field_name] = item.row
        if field_name == "week_of":
            week_of_row = item.row
        value = row.read("Value", parser, **options)
        if value is not None:
            values[field_name] = value
    if "week_of" not in values:
        report.warn(
            f"'Week of' is not given, so role models are counted from today "
            f"({dt.date.today().isoformat()}); enter the date of the week's first day.",
            "Settings", week_of_row, "Value" if week_of_row else None,
        )
    return Settings(**values)

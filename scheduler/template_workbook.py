"""The blank roster workbook written by `scheduler init FILE.xlsx`.

Column names and order come from reader.SHEETS, so the template always matches
what the reader expects; the words here explain each column to an administrator.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .domain import DAY_NAMES, KINDS
from .files import write_atomically
from .reader import PAPER_SIZES, SHEET_BY_NAME
from .rules import SOFT_RULES

HEADER_ROW = 2  # row 1 holds a short note; the reader skips rows above the headers
LAST_ROW = 1000  # how far down dropdowns and formats reach

REQUIRED_FILL = PatternFill("solid", fgColor="1F4E78")
OPTIONAL_FILL = PatternFill("solid", fgColor="BDD7EE")
NOTE_FONT = Font(italic=True, color="595959")
TIME_EXAMPLES = (
    ("Mon-Fri", "all day Monday to Friday"),
    ("Mon-Thu 17:30-21:00", "Monday to Thursday evenings, 5:30 PM to 9 PM"),
    ("Tue 9:00-12:00; Thu 13:00-16:00", "two separate windows"),
    ("Fri-Mon", "Friday, Saturday, Sunday and Monday (ranges may wrap round the weekend)"),
    ("9:00-12:00", "every day, 9 AM to noon"),
    ("Wed 1pm-5pm", "AM/PM works too"),
)

# sheet -> (what the sheet is for, {column: (explanation, example)})
SHEET_HELP: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "Settings": (
        "A few settings for the whole week. Fill in the Value column; "
        "leave the Setting names as they are.",
        {
            "Setting": ("The name of the setting: Center, Week of, Role model days, "
                        "Time limit, Paper.", "Week of"),
            "Value": ("The value of the setting on this row.", "2024-03-04"),
        },
    ),
    "Slots": (
        "One row per bookable period of the week (the times groups can meet). "
        "Periods of one day must not overlap.",
        {
            "Day": ("The day of the week.", "Mon"),
            "Start": ("When the period starts.", "9:00"),
            "End": ("When the period ends; must be after Start.", "10:30"),
            "Label": ("Optional name shown on the timetables.", "Morning 1"),
        },
    ),
    "Programs": (
        "One row per level of care (for example Residential, PHP, IOP).",
        {
            "Program": ("The program's name; patients refer to it.", "IOP"),
            "Min hours": ("Group hours each patient of the program must have per week "
                          "(blank = 0).", "9"),
            "Max per day": ("Most group sessions a patient of the program has in one day "
                            "(blank = no limit).", "3"),
            "Attends": ("When patients of the program can attend (blank = any slot). "
                        "See Times of the week on the Instructions sheet.", "Mon-Thu 17:30-21:00"),
        },
    ),
    "Groups": (
        "One row per group of the curriculum. A group may run as several sections (cohorts).",
        {
            "Group": ("The group's name; must be different on every row.", "Relapse Prevention"),
            "Kind": ("peer (peer support: every section needs a role model) or therapy.",
                     "therapy"),
            "Sessions per week": ("How many times each section meets per week.", "2"),
            "Min size": ("Fewest patients in one section (at least 1).", "4"),
            "Max size": ("Most patients in one section.", "12"),
            "Skill": ("The skill the facilitator must have; matches the Staff sheet's Skills.",
                      "CBT"),
            "Programs": ("Programs whose patients may join, separated by commas "
                         "(blank = all programs).", "PHP, Residential"),
            "Required": ("yes = every patient who may join must attend; no = elective.", "yes"),
            "Gender": ("Only patients of this gender (blank = everyone).", "F"),
            "Track": ("Only patients on this substance track (blank = everyone).", "opioids"),
            "Room needs": ("Room features the group needs, separated by commas.", "projector"),
        },
    ),
    "Staff": (
        "One row per therapist or peer recovery specialist who can lead groups.",
        {
            "ID": ("A short code, different for everyone; patients refer to it.", "S01"),
            "Name": ("The name printed on timetables.", "Dana Reyes"),
            "Skills": ("Skills this person can lead groups with, separated by commas.",
                       "CBT, peer support"),
            "Available": ("When this person can lead groups (blank = any slot). "
                          "See Times of the week on the Instructions sheet.", "Mon-Fri 8:00-16:30"),
            "Max per day": ("Most groups this person leads in one day (blank = no limit).", "3"),
            "Max per week": ("Most groups this person leads in the week (blank = no limit).",
                             "12"),
        },
    ),
    "Rooms": (
        "One row per room groups can meet in.",
        {
            "Room": ("The room's name, as on its door.", "Room 101"),
            "Capacity": ("How many people fit (at least 1).", "12"),
            "Features": ("What the room offers, separated by commas.", "accessible, projector"),
            "Unavailable": ("When the room cannot be used (blank = always free). "
                            "See Times of the week on the Instructions sheet.", "Fri 13:00-17:00"),
        },
    ),
    "Patients": (
        "One row per patient to schedule this week.",
        {
            "ID": ("A code, different for every patient (e.g. the chart number).", "1042"),
            "Name": ("The name printed on the patient's card and staff lists.", "Jordan M."),
            "Program": ("The patient's program; must be on the Programs sheet.", "IOP"),
            "Gender": ("Used for gender-specific groups.", "F"),
            "Admitted": ("Admission date; decides who is a role model.", "2024-02-12"),
            "Track": ("Substance track, used for track-specific groups.", "opioids"),
            "Primary therapist": ("The staff ID of the patient's primary therapist.", "S02"),
            "Extra groups": ("Groups prescribed to this patient on top of the required ones, "
                             "separated by commas.", "Trauma Recovery"),
            "Unavailable": ("When the patient cannot attend (appointments, work). "
                            "See Times of the week on the Instructions sheet.", "Wed 13:00-15:00"),
            "Keep apart": ("IDs of patients this patient must never share a group with.",
                           "1017, 1023"),
            "Needs": ("Room features this patient needs.", "accessible"),
            "Role model": ("yes or no to override the admission-date rule; "
                           "blank = decided by Admitted.", ""),
        },
    ),
    "Weights": (
        "Optional: how much each quality rule counts when the scheduler chooses between valid "
        "weeks. The defaults are filled in; change a weight, or set 0 to turn a rule off. "
        "See docs/quality for what each rule means.",
        {
            "Rule": ("The name of a quality rule, as listed below the header.", "Own therapist"),
            "Weight": ("Points per unit, 0 or more (0 turns the rule off).", "20"),
        },
    ),
    "Fixed": (
        "Optional: what is already decided, one row per pinned meeting or section. Blank cells "
        "are left to the scheduler. A row with a Day is one meeting of the section; a row "
        "without a Day gives the room or facilitator of every meeting of the section.",
        {
            "Group": ("A group of the Groups sheet.", "Family Program"),
            "Section": ("The section (cohort) this row is about: A, B, ... (blank = A). Rows "
                        "with the same group and section describe the same cohort.", "A"),
            "Day": ("The day of the pinned meeting (blank = no time pinned). A Day without "
                    "Start means any slot of that day.", "Sat"),
            "Start": ("The start of one of that day's slots on the Slots sheet (needs Day).",
                      "9:00"),
            "Room": ("A room of the Rooms sheet (blank = any room that fits).", "Family Room"),
            "Facilitator": ("The staff ID who leads this section all week (blank = any "
                            "qualified staff member).", "S02"),
        },
    ),
}
FIXED_EXAMPLES = (  # (Group | Section | Day | Start | Room | Facilitator, what it means)
    ("Family Program | | Sat | 9:00 | Family Room |",
     "the family program always meets Saturday at 9:00 in the family room"),
    ("Relapse Prevention | B | | | | S02",
     "section B of Relapse Prevention is led by S02 all week (its times are left free)"),
    ("Trauma Recovery | | Wed | | |", "one meeting of Trauma Recovery is on Wednesday, any slot"),
)

SETTINGS_ROWS = (  # (setting, default value, explanation)
    ("Center", None, "The center's name, printed at the top of every timetable."),
    ("Week of", None, "The date of the week's first day (e.g. 2024-03-04); "
                      "role models are counted from it."),
    ("Role model days", 30, "A patient admitted at least this many days before Week of "
                            "is a role model."),
    ("Time limit", 60, "How many seconds the scheduler may search for the best timetable."),
    ("Paper", "Letter", "Page size of the printouts: Letter or A4."),
)

COLUMN_WIDTHS = {
    "Label": 16, "Attends": 26, "Available": 26, "Unavailable": 24, "Skills": 26,
    "Features": 24, "Extra groups": 24, "Programs": 22, "Group": 24, "Value": 24,
    "Setting": 18, "Name": 20,
}
# Text format keeps IDs like 0042 as typed; time/date formats show what was typed.
FORMATS = {
    ("Slots", "Start"): "h:mm", ("Slots", "End"): "h:mm", ("Patients", "Admitted"): "yyyy-mm-dd",
    ("Staff", "ID"): "@", ("Patients", "ID"): "@", ("Patients", "Primary therapist"): "@",
    ("Patients", "Keep apart"): "@", ("Fixed", "Start"): "h:mm", ("Fixed", "Facilitator"): "@",
}


def write_template(path: str | Path) -> Path:
    """Write the blank roster workbook to `path` atomically; returns the path."""
    path = Path(path)
    book = build_template()
    _save_atomically(book, path)
    return path


def build_template() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    _instructions(book.create_sheet("Instructions"))
    for name in SHEET_HELP:
        sheet = book.create_sheet(name)
        _data_sheet(sheet, name)
    _settings_rows(book["Settings"])
    _weight_rows(book["Weights"])
    _dropdowns(book)
    return book


def _data_sheet(sheet, name: str) -> None:
    spec = SHEET_BY_NAME[name]
    purpose, columns = SHEET_HELP[name]
    required = ", ".join(spec.required)
    sheet["A1"] = f"{purpose} Dark headers are required ({required}). Hover a header for help."
    sheet["A1"].font = NOTE_FONT
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, column)
        is_required = column in spec.required
        cell.font = Font(bold=True, color="FFFFFF" if is_required else "000000")
        cell.fill = REQUIRED_FILL if is_required else OPTIONAL_FILL
        explanation, example = columns[column]
        text = f"{column}{' (required)' if is_required else ''}: {explanation}"
        if example:
            text += f"\nExample: {example}"
        cell.comment = Comment(text, "scheduler", width=300, height=110)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(COLUMN_WIDTHS.get(column, 12), len(column) + 4)
        if (name, column) in FORMATS:
            sheet.column_dimensions[letter].number_format = FORMATS[name, column]
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)


def _settings_rows(sheet) -> None:
    for offset, (setting, value, explanation) in enumerate(SETTINGS_ROWS, start=1):
        row = HEADER_ROW + offset
        note = Comment(explanation, "scheduler", width=260, height=70)
        sheet.cell(row, 1, setting).comment = note
        sheet.cell(row, 2, value)
        if setting == "Week of":
            sheet.cell(row, 2).number_format = "yyyy-mm-dd"


def _weight_rows(sheet) -> None:
    for offset, rule in enumerate(SOFT_RULES, start=1):
        row = HEADER_ROW + offset
        sheet.cell(row, 1, rule.title).comment = Comment(
            f"One unit: {rule.unit}.", "scheduler", width=260, height=70)
        sheet.cell(row, 2, rule.weight)


def _column_range(sheet: str, column: str) -> str:
    letter = get_column_letter(SHEET_BY_NAME[sheet].columns.index(column) + 1)
    return f"{letter}{HEADER_ROW + 1}:{letter}{LAST_ROW}"


def _dropdowns(book: Workbook) -> None:
    yes_no = '"yes,no"'
    days = f'"{",".join(DAY_NAMES)}"'
    rules = (
        ("Slots", "Day", days, "Choose a day: Mon, Tue, ... Sun."),
        ("Groups", "Kind", f'"{",".join(KINDS)}"', "Choose peer or therapy."),
        ("Groups", "Required", yes_no, "Choose yes or no."),
        ("Patients", "Program", _list_of("Programs", "Program"),
         "Choose a program listed on the Programs sheet."),
        ("Patients", "Role model", yes_no, "Choose yes, no, or leave blank."),
        ("Fixed", "Group", _list_of("Groups", "Group"), "Choose a group of the Groups sheet."),
        ("Fixed", "Day", days, "Choose a day: Mon, Tue, ... Sun, or leave blank."),
        ("Fixed", "Room", _list_of("Rooms", "Room"), "Choose a room of the Rooms sheet."),
        ("Fixed", "Facilitator", _list_of("Staff", "ID"), "Choose a staff ID of the Staff sheet."),
    )
    for sheet, column, formula, message in rules:
        _add_list(book[sheet], _column_range(sheet, column), formula, message)
    paper_row = HEADER_ROW + 1 + [s for s, _, _ in SETTINGS_ROWS].index("Paper")
    paper = f'"{",".join(PAPER_SIZES)}"'
    _add_list(book["Settings"], f"B{paper_row}", paper, "Choose Letter or A4.")


def _list_of(sheet: str, column: str) -> str:
    """A dropdown source: the filled part of a column of another sheet."""
    letter = get_column_letter(SHEET_BY_NAME[sheet].columns.index(column) + 1)
    return f"{sheet}!${letter}${HEADER_ROW + 1}:${letter}${LAST_ROW}"


def _add_list(sheet, cells: str, formula: str, message: str) -> None:
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.error, rule.errorTitle = message, "Not in the list"
    rule.showErrorMessage = True
    sheet.add_data_validation(rule)
    rule.add(cells)


GENERAL_RULES = (  # (style, column A, column B) rows of the Instructions sheet
    ("title", "Weekly group schedule: roster workbook", ""),
    ("", "What this file is",
     "The center's week for the scheduler: the bookable periods (Slots), the levels of care "
     "(Programs), the curriculum (Groups), who can lead groups (Staff), the rooms, and the "
     "patients; optionally, what is already decided (Fixed). Fill in one sheet per tab; this "
     "Instructions sheet is ignored."),
    ("", "Checking and solving",
     "Run  scheduler validate ROSTER.xlsx  to check the file; every problem is listed with its "
     "sheet, row and column. Then run  scheduler solve ROSTER.xlsx --out FOLDER."),
    ("heading", "General rules", ""),
    ("", "Headers",
     "Keep the header row (the colored row). Dark headers are required columns; light ones are "
     "optional and may be left blank or deleted. Rows above the headers are ignored, so you may "
     "add a title. Extra columns of your own are ignored (with a warning)."),
    ("", "Blank rows", "Empty rows are skipped."),
    ("", "Names",
     "Names of programs, groups, skills, features, genders and tracks match whatever their "
     "capitals and extra spaces: 'iop' and 'IOP' are the same program."),
    ("", "Lists", "Several names in one cell are separated by commas or semicolons: CBT, DBT"),
    ("", "Yes / no", "yes or no (also y/n, true/false, 1/0, or x for yes). Blank means no."),
    ("", "Times", "A time cell, or text like 9:00, 09:00, 9:00 AM, 5:30 PM, 17:30."),
    ("", "Dates", "A date cell, or text written year-month-day: 2024-03-04."),
    ("", "Days", "Mon, Tue, Wed, Thu, Fri, Sat, Sun, or the full names (Monday...)."),
    ("heading", "Times of the week",
     "Used by Attends, Available and Unavailable. Several items are separated by ; or ,"),
)
HOW_TIMES_APPLY = (
    ("", "How they apply",
     "Attends and Available: a slot counts only if it lies entirely inside one of the windows; "
     "blank means every slot. Unavailable: a slot is blocked if it touches any window at all; "
     "blank means never blocked."),
    ("", "Careful",
     "'Mon, Wed 9:00-12:00' means all of Monday plus Wednesday morning. For both mornings "
     "write 'Mon 9:00-12:00; Wed 9:00-12:00'."),
    ("heading", "Who joins which group", ""),
    ("", "May join",
     "A patient may join a group when the group's Programs is blank or lists the patient's "
     "program, and its Gender and Track are blank or equal the patient's."),
    ("", "Attends",
     "Every Required group the patient may join, plus the patient's Extra groups, plus "
     "electives the scheduler adds to reach the program's Min hours."),
    ("", "Role models",
     "A patient admitted at least 'Role model days' days before 'Week of' is a role model; "
     "the Role model column overrides this. Every section of a peer group needs one."),
)


def _instructions(sheet) -> None:
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 100
    lines = list(GENERAL_RULES)
    lines += [("example", example, meaning) for example, meaning in TIME_EXAMPLES]
    lines += HOW_TIMES_APPLY
    for name, (purpose, columns) in SHEET_HELP.items():
        spec = SHEET_BY_NAME[name]
        optional = "" if spec.needed else " (optional sheet)"
        lines.append(("heading", f"{name} sheet{optional}", purpose))
        for column in spec.columns:
            explanation, example = columns[column]
            mark = " (required)" if column in spec.required else ""
            example_text = f"  Example: {example}" if example else ""
            lines.append(("", f"{column}{mark}", f"{explanation}{example_text}"))
        if name == "Fixed":
            lines += [("example", example, meaning) for example, meaning in FIXED_EXAMPLES]
    _write_lines(sheet, lines)


def _write_lines(sheet, lines) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, (style, first, second) in enumerate(lines, start=1):
        a, b = sheet.cell(row, 1, first), sheet.cell(row, 2, second or None)
        a.alignment = b.alignment = wrap
        if style == "title":
            a.font = Font(bold=True, size=14)
            a.alignment = Alignment(vertical="top")  # let the title run across
        elif style == "heading":
            a.font = Font(bold=True, size=12, color="1F4E78")
        elif style == "example":
            a.font = Font(name="Consolas")
        else:
            a.font = Font(bold=True)
        if second and len(second) > 100:
            sheet.row_dimensions[row].height = 15 * (len(second) // 95 + 1)


def _save_atomically(book: Workbook, path: Path) -> None:
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomically(path, buffer.getvalue())

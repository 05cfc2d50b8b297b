"""Printable timetables: one HTML document per audience, rendered from Jinja2 templates.

The functions here turn a roster and a schedule into plain rows (view models), so
the templates only lay things out. Privacy is decided here, not in the templates:
the master grid and the door sheets are built from `Entry` objects, which carry no
patient data at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from ..domain import DAY_NAMES, Roster, Slot, clock, key, natural_key
from ..errors import OutputError
from ..solution import Meeting, Schedule, Section

AUDIENCES = ("master", "staff", "patients", "rooms")

# Paper as WeasyPrint names it, with its portrait width x height in mm.
PAPERS = {"letter": ("letter", 215.9, 279.4), "a4": ("A4", 210.0, 297.0)}
MARGIN_V_MM = 14.0  # top = bottom, so a page folded or cut in half splits evenly
MARGIN_H_MM = 12.0

# Attendance sheets with at most this many meetings are narrow enough to go two abreast.
HALF_WIDTH_MAX_MEETINGS = 3
CUT_LINE_MM = 8.0  # the dashed strip between two patient cards


# --- templates ---------------------------------------------------------------------


def template_dirs() -> list[Path]:
    """Where the templates live: inside the package (wheel), then the repo's top level (dev)."""
    package = Path(__file__).resolve().parent.parent
    candidates = [package / "templates", package.parent / "templates"]
    return [d for d in candidates if (d / "base.html").is_file()]


def environment() -> Environment:
    dirs = template_dirs()
    if not dirs:
        raise OutputError(
            "The printout templates are missing (looked for scheduler/templates and "
            "templates/ next to the package); reinstall the scheduler."
        )
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["keep_tail"] = keep_tail
    return env


def keep_tail(label: str) -> str:
    """Glue a short last word to the one before, so 'Relapse Prevention B' never strands the B."""
    head, sep, tail = label.rpartition(" ")
    return f"{head}\u00a0{tail}" if sep and len(tail) <= 2 else label


# For PDFs, long printouts are laid out in parts (context list, items per part), so the parts
# can be laid out on several cores and a staff member's pages number "1 of 2" on their own.
# Patient cards are cut apart, so they carry no page numbers at all.
PRINT_PARTS = {"staff": ("staff_pages", 1), "rooms": ("room_pages", 1), "patients": ("card_pages", 10)}


@dataclass(frozen=True)
class Printout:
    """One audience's printout: its template and view, rendered whole or in parts."""

    audience: str
    template: object  # jinja2.Template
    context: dict

    def html(self) -> str:
        return self.template.render(self.context)

    def parts(self) -> list[str]:
        """The printout as consecutive HTML documents, each laid out on its own for the PDF."""
        if self.audience not in PRINT_PARTS:
            return [self.html()]
        name, size = PRINT_PARTS[self.audience]
        items = self.context[name]
        chunks = [items[i:i + size] for i in range(0, len(items), size)] or [items]
        return [self.template.render({**self.context, name: chunk}) for chunk in chunks]


def printouts(
    roster: Roster, schedule: Schedule, *, printed_on: dt.date | None = None
) -> dict[str, Printout]:
    """The four printouts, keyed 'master', 'staff', 'patients', 'rooms'."""
    env = environment()
    printed_on = printed_on or dt.date.today()
    views = {
        "master": master_view,
        "staff": staff_view,
        "patients": patients_view,
        "rooms": rooms_view,
    }
    out = {}
    for audience in AUDIENCES:
        page = page_view(roster, schedule, audience, printed_on)
        context = views[audience](roster, schedule, page)
        context["page"] = page
        context["days"] = day_heads(roster, schedule)
        out[audience] = Printout(audience, env.get_template(f"{audience}.html"), context)
    return out


def render_html(
    roster: Roster, schedule: Schedule, *, printed_on: dt.date | None = None
) -> dict[str, str]:
    """The four printouts as HTML text, keyed 'master', 'staff', 'patients', 'rooms'."""
    return {a: p.html() for a, p in printouts(roster, schedule, printed_on=printed_on).items()}


# --- formatting ----------------------------------------------------------------------



def time_range(start: int, end: int) -> str:
    return f"{clock(start)}\u2013{clock(end)}"


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


# English month names whatever the machine's locale (strftime's %b follows it).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_month(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def date_text(day: dt.date) -> str:
    """3 Mar 2025: unambiguous on both sides of the Atlantic."""
    return f"{day_month(day)} {day.year}"


def day_date(week_of: dt.date | None, day: int) -> dt.date | None:
    """The calendar date of a weekday in the week starting on week_of (any weekday)."""
    if week_of is None:
        return None
    return week_of + dt.timedelta(days=(day - week_of.weekday()) % 7)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- shared view models --------------------------------------------------------------


@dataclass(frozen=True)
class PageInfo:
    title: str
    center: str
    week: str  # Week of Mon 3 Mar 2025
    week_span: str  # 3 Mar – 7 Mar 2025, or "" when the week is not known
    printed_on: str
    size: str  # CSS @page size, e.g. "letter landscape"
    content_width_mm: float
    content_height_mm: float
    margin_v_mm: float
    margin_h_mm: float
    # Best effort: every unmet requirement, printed on the first page (IDs only, no names).
    unmet: tuple[str, ...] = ()
    # A hand-edited week printed with `render --force`: the hard rules it breaks (IDs only).
    broken: tuple[str, ...] = ()


def week_of(roster: Roster, schedule: Schedule) -> dt.date | None:
    return roster.settings.week_of or schedule.week_of


def page_view(roster: Roster, schedule: Schedule, audience: str, printed_on: dt.date) -> PageInfo:
    titles = {
        "master": "Master timetable",
        "staff": "Staff timetables",
        "patients": "Patient schedules",
        "rooms": "Room door sheets",
        "report": "Schedule quality report",
        "changes": "What changed since last week",
    }
    name, width, height = PAPERS.get(key(roster.settings.paper), PAPERS["letter"])
    landscape = audience == "master"
    if landscape:
        width, height = height, width
    return PageInfo(
        title=titles[audience],
        center=roster.settings.center or schedule.center,
        week=week_text(roster, schedule),
        week_span=week_span(roster, schedule),
        printed_on=date_text(printed_on),
        size=f"{name} {'landscape' if landscape else 'portrait'}",
        content_width_mm=round(width - 2 * MARGIN_H_MM, 1),
        content_height_mm=round(height - 2 * MARGIN_V_MM, 1),
        margin_v_mm=MARGIN_V_MM,
        margin_h_mm=MARGIN_H_MM,
        unmet=tuple(u.message for u in schedule.unmet),
        broken=broken_rules(roster, schedule),
    )


def broken_rules(roster: Roster, schedule: Schedule) -> tuple[str, ...]:
    """Hard rules a hand-edited week breaks; solved weeks are sound by construction."""
    if schedule.status != "edited":
        return ()
    from ..check import check_schedule

    return tuple(v.text for v in check_schedule(roster, schedule))


def week_text(roster: Roster, schedule: Schedule) -> str:
    first = week_of(roster, schedule)
    if first is None:
        return "Weekly schedule"
    return f"Week of {DAY_NAMES[first.weekday()]} {date_text(first)}"


def week_span(roster: Roster, schedule: Schedule) -> str:
    """First to last scheduled day, e.g. 3 Mar \u2013 7 Mar 2025."""
    first = week_of(roster, schedule)
    days = week_days(roster, schedule)
    if first is None or not days:
        return ""
    start, end = day_date(first, days[0]), day_date(first, days[-1])
    return f"{day_month(start)} \u2013 {date_text(end)}"


@dataclass(frozen=True)
class DayHead:
    index: int
    name: str  # Mon
    date: str  # 3 Mar, or "" when the week is not known


@dataclass(frozen=True)
class Band:
    """One row of a weekly grid: a start-end time that at least one day has."""

    start: int
    end: int
    label: str = ""

    @property
    def time(self) -> str:
        return time_range(self.start, self.end)


@dataclass(frozen=True)
class Entry:
    """One meeting as public printouts show it: no patient data by construction."""

    label: str
    peer: bool
    time: str
    room: str
    facilitator: str


@dataclass(frozen=True)
class Cell:
    state: str  # busy | free | blocked (person/room unavailable) | off (no such slot that day)
    entries: tuple[Entry, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class GridRow:
    band: Band
    cells: tuple[Cell, ...]


def week_days(roster: Roster, schedule: Schedule) -> list[int]:
    """Every day that has slots or meetings, in week order from the Week of day (dates ascend)."""
    first = week_of(roster, schedule)
    offset = first.weekday() if first else 0
    days = set(roster.days) | {m.day for m in schedule.meetings}
    return sorted(days, key=lambda d: (d - offset) % 7)


def day_heads(roster: Roster, schedule: Schedule) -> list[DayHead]:
    first = week_of(roster, schedule)
    heads = []
    for d in week_days(roster, schedule):
        date = day_date(first, d)
        heads.append(DayHead(d, DAY_NAMES[d], day_month(date) if date else ""))
    return heads


def time_bands(roster: Roster, schedule: Schedule) -> list[Band]:
    """Distinct slot times of the week (plus any off-slot meeting), earliest first.

    A band keeps the slots' label only when every slot at that time shares it.
    """
    labels: dict[tuple[int, int], set[str]] = defaultdict(set)
    for s in roster.slots:
        labels[(s.start, s.end)].add(s.label.strip())
    for m in schedule.meetings:
        labels.setdefault((m.start, m.end), set())
    bands = []
    for (start, end), names in sorted(labels.items()):
        label = next(iter(names)) if len(names) == 1 else ""
        bands.append(Band(start, end, label))
    return bands


def staff_name(roster: Roster, staff_id: str) -> str:
    staff = roster.staff_by_id.get(staff_id)
    return staff.display if staff else staff_id


def patient_name(roster: Roster, patient_id: str) -> str:
    patient = roster.patient_by_id.get(patient_id)
    return patient.display if patient else patient_id


def entry(roster: Roster, schedule: Schedule, meeting: Meeting) -> Entry:
    group = roster.group_by_name.get(meeting.group)
    return Entry(
        label=schedule.label(meeting.group, meeting.section),
        peer=bool(group and group.is_peer),
        time=time_range(meeting.start, meeting.end),
        room=meeting.room,
        facilitator=staff_name(roster, meeting.facilitator),
    )


def by_room(meeting: Meeting) -> tuple:
    """Meetings of one slot in room order, so a grid cell reads the same every day."""
    return (natural_key(meeting.room), meeting.group, meeting.section)


def grid_rows(
    roster: Roster,
    schedule: Schedule,
    meetings: Iterable[Meeting],
    blocked: Callable[[Slot], bool] | None = None,
    blocked_note: str = "",
) -> list[GridRow]:
    """A days x time-bands grid of the given meetings; empty cells say why they are empty."""
    slot_at = {(s.day, s.start, s.end): s for s in roster.slots}
    by_cell: dict[tuple[int, int, int], list[Meeting]] = defaultdict(list)
    for m in sorted(meetings, key=by_room):
        by_cell[(m.day, m.start, m.end)].append(m)
    days = day_heads(roster, schedule)
    rows = []
    for band in time_bands(roster, schedule):
        cells = []
        for day in days:
            where = (day.index, band.start, band.end)
            slot = slot_at.get(where)
            if by_cell.get(where):
                entries = tuple(entry(roster, schedule, m) for m in by_cell[where])
                cells.append(Cell("busy", entries))
            elif slot is None:
                cells.append(Cell("off", note="\u2014"))
            elif blocked is not None and blocked(slot):
                cells.append(Cell("blocked", note=blocked_note))
            else:
                cells.append(Cell("free", note="free"))
        rows.append(GridRow(band, tuple(cells)))
    return rows


def total_minutes(meetings: Iterable[Meeting]) -> int:
    return sum(m.minutes for m in meetings)


# --- master --------------------------------------------------------------------------

PT_MM = 25.4 / 72
LINE_HEIGHT = 1.2
# Advance widths (em) of DejaVu Sans by kind of character, measured from the font files.
# The fit-to-page estimates wrap text with them instead of asking the PDF engine.
DIGIT_EM, UPPER_EM, LOWER_EM, SPACE_EM, OTHER_EM = 0.636, 0.673, 0.563, 0.318, 0.5
# Width of each face the printouts use, relative to DejaVu Sans.
SANS, SANS_BOLD = 1.0, 1.13
CONDENSED, CONDENSED_BOLD = 0.9, 0.9 * 1.13  # DejaVu Sans Condensed: the same design at 90 %
# Fixed parts of the master page, in mm; the template's CSS uses the same numbers.
MASTER_TIME_COL_MM = 21.0
MASTER_CHROME_MM = 18.0  # title line and the day header row
MASTER_CELL_PAD_MM = 1.6  # cell padding, both sides together
MASTER_CHIP_PAD_MM = 1.4  # chip padding and borders, both sides together
MASTER_CHIP_GAP_MM = 0.7
MASTER_MAX_ROW_MM = 45.0  # stretching a sparse week further only looks empty
MASTER_FILL = 0.97  # the estimate runs ~3 % high; keep a little headroom on top of that
# Tried in order until the week fits one page: larger type first, and room and
# facilitator on lines of their own while there is space for it.
MASTER_STYLES = (
    (9.0, True), (8.5, True), (8.0, True), (8.0, False), (7.5, False), (7.0, False), (6.5, False),
)


@dataclass(frozen=True)
class MasterLayout:
    font_pt: float
    stacked: bool  # room and facilitator each on their own line
    row_heights_mm: tuple[float, ...]  # minimum row heights; 0 = natural height


def char_em(c: str) -> float:
    if c.isdigit():
        return DIGIT_EM
    if c.isupper():
        return UPPER_EM
    if c.islower():
        return LOWER_EM
    return SPACE_EM if c.isspace() else OTHER_EM


def text_mm(text: str, font_pt: float, face: float = SANS) -> float:
    return sum(char_em(c) for c in text) * face * font_pt * PT_MM


def wrapped_lines(text: str, width_mm: float, font_pt: float, face: float = SANS) -> int:
    """How many lines greedy word wrapping needs for text in a box this wide."""
    space = text_mm(" ", font_pt, face)
    lines, used = 1, 0.0
    for word in text.split(" "):  # words glued with a no-break space stay whole
        if not word:
            continue
        need = text_mm(word, font_pt, face)
        if used and used + space + need > width_mm:
            lines, used = lines + 1, 0.0
        used += (space if used else 0.0) + need
        while used > width_mm:  # too long for any line: CSS overflow-wrap breaks it anywhere
            lines, used = lines + 1, used - width_mm
    return lines


def chip_lines(e: Entry, width_mm: float, font_pt: float, stacked: bool) -> int:
    def lines(text: str, face: float = CONDENSED) -> int:
        return wrapped_lines(text, width_mm, font_pt, face)

    label = lines(keep_tail(e.label), CONDENSED_BOLD)
    if stacked:
        return label + lines(e.room) + lines(e.facilitator)
    return label + lines(f"{e.room} \u00b7 {e.facilitator}")


def master_row_height(row: GridRow, width_mm: float, font_pt: float, stacked: bool) -> float:
    line = font_pt * LINE_HEIGHT * PT_MM
    band = 2 * 8 * LINE_HEIGHT * PT_MM + MASTER_CELL_PAD_MM  # time and slot label
    tallest = band
    for cell in row.cells:
        chips = [
            chip_lines(e, width_mm, font_pt, stacked) * line + MASTER_CHIP_PAD_MM
            for e in cell.entries
        ]
        height = sum(chips) + MASTER_CHIP_GAP_MM * max(len(chips) - 1, 0) if chips else line
        tallest = max(tallest, height + MASTER_CELL_PAD_MM)
    return tallest


def master_layout(rows: list[GridRow], page: PageInfo, day_count: int) -> MasterLayout:
    """Pick the largest type that fits the week on one page, then stretch rows to fill it.

    A week too big even in the smallest type keeps natural row heights and flows
    on to further pages (rows never split; the day header repeats).
    """
    if not rows:
        return MasterLayout(MASTER_STYLES[0][0], True, ())
    available = (page.content_height_mm - MASTER_CHROME_MM) * MASTER_FILL
    column = (page.content_width_mm - MASTER_TIME_COL_MM) / max(day_count, 1)
    width = column - MASTER_CELL_PAD_MM - MASTER_CHIP_PAD_MM
    for font_pt, stacked in MASTER_STYLES:
        heights = [master_row_height(r, width, font_pt, stacked) for r in rows]
        if sum(heights) <= available:
            break
    else:
        return MasterLayout(font_pt, stacked, tuple(0.0 for _ in rows))
    return MasterLayout(font_pt, stacked, fill_rows(heights, available, MASTER_MAX_ROW_MM))


def fill_rows(heights: list[float], available: float, max_row: float) -> tuple[float, ...]:
    """Row heights that fill the space: all equal when the content allows, else share the spare."""
    even = min(available / len(heights), max_row)
    if max(heights) <= even:
        return tuple(round(even, 1) for _ in heights)
    spare = (available - sum(heights)) / len(heights)
    return tuple(round(h + spare, 1) for h in heights)


def master_view(roster: Roster, schedule: Schedule, page: PageInfo) -> dict:
    rows = grid_rows(roster, schedule, schedule.meetings)
    rooms = {m.room for m in schedule.meetings}
    staff = {m.facilitator for m in schedule.meetings}
    summary = " \u00b7 ".join(
        [
            plural(len(schedule.meetings), "meeting"),
            plural(len(schedule.sections), "section"),
            plural(len(rooms), "room"),
            plural(len(staff), "facilitator"),
        ]
    )
    layout = master_layout(rows, page, len(day_heads(roster, schedule)))
    return {
        "rows": list(zip(rows, layout.row_heights_mm)),
        "layout": layout,
        "summary": summary,
        "time_col_mm": MASTER_TIME_COL_MM,
    }


# --- staff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    number: int
    name: str
    id: str
    program: str


@dataclass(frozen=True)
class MeetingHead:
    day: str  # Mon
    start: str  # 9:00


@dataclass(frozen=True)
class AttendanceSheet:
    """One section's member list with a tick box per meeting."""

    label: str
    peer: bool
    rooms: str
    meetings: tuple[MeetingHead, ...]
    members: tuple[Member, ...]

    @property
    def half_width(self) -> bool:
        return len(self.meetings) <= HALF_WIDTH_MAX_MEETINGS


@dataclass(frozen=True)
class StaffPage:
    id: str
    name: str
    summary: str
    rows: tuple[GridRow, ...]
    # Attendance sheets in print order, two abreast when both are narrow.
    sheet_rows: tuple[tuple[AttendanceSheet, ...], ...]


def members(roster: Roster, patient_ids: Iterable[str]) -> tuple[Member, ...]:
    def sort_key(pid: str) -> tuple:
        return (natural_key(patient_name(roster, pid)), natural_key(pid))

    out = []
    for n, pid in enumerate(sorted(patient_ids, key=sort_key), start=1):
        patient = roster.patient_by_id.get(pid)
        out.append(Member(n, patient_name(roster, pid), pid, patient.program if patient else ""))
    return tuple(out)


def attendance_sheet(roster: Roster, schedule: Schedule, section: Section) -> AttendanceSheet:
    group = roster.group_by_name.get(section.group)
    return AttendanceSheet(
        label=schedule.label(section.group, section.name),
        peer=bool(group and group.is_peer),
        rooms=", ".join(sorted(section.rooms, key=natural_key)),
        meetings=tuple(MeetingHead(m.day_name, clock(m.start)) for m in section.meetings),
        members=members(roster, section.patients),
    )


def pair_sheets(sheets: list[AttendanceSheet]) -> tuple[tuple[AttendanceSheet, ...], ...]:
    """Consecutive narrow sheets share a row; a wide one (many meetings) gets a row alone."""
    rows: list[list[AttendanceSheet]] = []
    for sheet in sheets:
        if sheet.half_width and rows and len(rows[-1]) == 1 and rows[-1][0].half_width:
            rows[-1].append(sheet)
        else:
            rows.append([sheet])
    return tuple(tuple(r) for r in rows)


def staff_page(roster: Roster, schedule: Schedule, staff_id: str) -> StaffPage:
    meetings = schedule.for_staff(staff_id)
    sections = sorted(
        (s for s in schedule.sections if s.facilitator == staff_id),
        key=lambda s: natural_key(schedule.label(s.group, s.name)),
    )
    staff = roster.staff_by_id.get(staff_id)
    summary = " \u00b7 ".join(
        [
            plural(len(meetings), "meeting"),
            duration_text(total_minutes(meetings)),
            plural(len(sections), "section"),
        ]
    )
    return StaffPage(
        id=staff_id,
        name=staff_name(roster, staff_id),
        summary=summary,
        rows=tuple(
            grid_rows(
                roster,
                schedule,
                meetings,
                blocked=(lambda s: not staff.available.covers(s)) if staff else None,
                blocked_note="not available",
            )
        ),
        sheet_rows=pair_sheets([attendance_sheet(roster, schedule, s) for s in sections]),
    )


def staff_view(roster: Roster, schedule: Schedule, page: PageInfo) -> dict:
    """A page for every staff member, even without groups, plus any facilitator the roster lacks."""
    ids = {s.id for s in roster.staff} | {m.facilitator for m in schedule.meetings}
    ordered = sorted(ids, key=lambda i: (natural_key(staff_name(roster, i)), natural_key(i)))
    return {"staff_pages": [staff_page(roster, schedule, i) for i in ordered]}


# --- patients ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRow:
    day: str  # shown on the first row of each day only
    time: str
    label: str
    room: str
    facilitator: str
    new_day: bool


@dataclass(frozen=True)
class PatientCard:
    id: str
    name: str
    program: str
    rows: tuple[CardRow, ...]
    total: str
    full_page: bool = False  # too long for half a page


# Card table geometry, shared with patients.html: font size and column shares.
CARD_FONT_PT = 9.5
CARD_COLUMNS = {"day": 14, "time": 14, "group": 30, "room": 18, "facilitator": 24}  # % of width
CARD_CHROME_MM = 30.0  # center/week line, name line, table head, total line, padding
CARD_ROW_PAD_MM = 1.6
CARD_CELL_PAD_MM = 2.4


def card_height_mm(card: PatientCard, width_mm: float) -> float:
    """Estimated printed height, counting the lines long names wrap onto."""
    line = CARD_FONT_PT * LINE_HEIGHT * PT_MM

    def lines(text: str, column: str, face: float = SANS) -> int:
        box = width_mm * CARD_COLUMNS[column] / 100 - CARD_CELL_PAD_MM
        return wrapped_lines(text, box, CARD_FONT_PT, face)

    total = CARD_CHROME_MM
    for row in card.rows:
        tallest = max(
            lines(keep_tail(row.label), "group", SANS_BOLD),
            lines(row.room, "room"),
            lines(row.facilitator, "facilitator"),
        )
        total += tallest * line + CARD_ROW_PAD_MM
    return total


def card_rows(roster: Roster, schedule: Schedule, patient_id: str) -> tuple[CardRow, ...]:
    """The patient's week in time order; a day without groups gets a row saying so."""
    by_day: dict[int, list[Meeting]] = defaultdict(list)
    for m in schedule.for_patient(patient_id):
        by_day[m.day].append(m)
    rows = []
    for day in day_heads(roster, schedule):
        name = f"{day.name} {day.date}".strip()
        meetings = sorted(by_day.get(day.index, []), key=lambda m: m.sort_key)
        if not meetings:
            rows.append(CardRow(name, "", "no groups", "", "", True))
        for i, m in enumerate(meetings):
            rows.append(
                CardRow(
                    day=name if i == 0 else "",
                    time=time_range(m.start, m.end),
                    label=schedule.label(m.group, m.section),
                    room=m.room,
                    facilitator=staff_name(roster, m.facilitator),
                    new_day=i == 0,
                )
            )
    return tuple(rows)


def patient_card(roster: Roster, schedule: Schedule, patient_id: str) -> PatientCard:
    patient = roster.patient_by_id.get(patient_id)
    meetings = schedule.for_patient(patient_id)
    return PatientCard(
        id=patient_id,
        name=patient_name(roster, patient_id),
        program=patient.program if patient else "",
        rows=card_rows(roster, schedule, patient_id),
        total=(
            f"{plural(len(meetings), 'group session')}, "
            f"{duration_text(total_minutes(meetings))} a week"
        ),
    )


def card_pages(cards: list[PatientCard]) -> list[list[PatientCard]]:
    """Two cards per page (cut in half), except a card too long for half a page."""
    pages: list[list[PatientCard]] = []
    for card in cards:
        if not card.full_page and pages and len(pages[-1]) == 1 and not pages[-1][0].full_page:
            pages[-1].append(card)
        else:
            pages.append([card])
    return pages


def patients_view(roster: Roster, schedule: Schedule, page: PageInfo) -> dict:
    """Cards sorted by program (roster order) then name, so each unit's stack comes out together."""
    program_rank = {p.name: i for i, p in enumerate(roster.programs)}
    ids = {p.id for p in roster.patients} | {pid for m in schedule.meetings for pid in m.patients}

    def sort_key(pid: str) -> tuple:
        patient = roster.patient_by_id.get(pid)
        last = len(program_rank)  # patients of unknown programs go at the end
        rank = program_rank.get(patient.program, last) if patient else last
        return (rank, natural_key(patient_name(roster, pid)), natural_key(pid))

    half = round((page.content_height_mm - CUT_LINE_MM) / 2, 1)
    cards = []
    for pid in sorted(ids, key=sort_key):
        card = patient_card(roster, schedule, pid)
        if card_height_mm(card, page.content_width_mm) > half:
            card = dataclasses.replace(card, full_page=True)
        cards.append(card)
    return {
        "card_pages": card_pages(cards),
        "half_card_mm": half,
        "cut_mm": CUT_LINE_MM,
        "font_pt": CARD_FONT_PT,
        "columns": CARD_COLUMNS,
    }


# --- rooms ---------------------------------------------------------------------------

# Door sheet geometry, shared with rooms.html.
DOOR_TIME_COL_MM = 25.0
DOOR_CHROME_MM = 36.0  # room name header and the day header row
DOOR_CELL_PAD_V_MM = 2.4
DOOR_CELL_PAD_H_MM = 2.8
DOOR_ENTRY_GAP_MM = 1.2
DOOR_MAX_ROW_MM = 60.0
# Detail type sizes tried in order (the group label is 1 pt larger): as big as still fits.
DOOR_STYLES = (10.5, 9.5, 8.5, 7.5)


@dataclass(frozen=True)
class RoomPage:
    name: str
    rows: tuple[GridRow, ...]
    empty: bool


@dataclass(frozen=True)
class DoorLayout:
    font_pt: float  # time and facilitator; the group label is 1 pt larger
    row_heights_mm: tuple[float, ...]  # one per time band, the same on every door sheet


def door_cell_height(cell: Cell, width_mm: float, font_pt: float) -> float:
    label_pt = font_pt + 1
    if not cell.entries:
        return DOOR_CELL_PAD_V_MM + font_pt * LINE_HEIGHT * PT_MM  # the "free" note
    height = DOOR_CELL_PAD_V_MM
    for e in cell.entries:
        label = wrapped_lines(keep_tail(e.label), width_mm, label_pt, SANS_BOLD)
        time = wrapped_lines(e.time, width_mm, font_pt)
        who = wrapped_lines(e.facilitator, width_mm, font_pt)
        height += label * label_pt * 1.15 * PT_MM + (time + who) * font_pt * 1.25 * PT_MM
        height += DOOR_ENTRY_GAP_MM
    return height


def door_layout(pages: list[RoomPage], page: PageInfo, day_count: int) -> DoorLayout:
    """The largest type with which every room's week fits one page; rows then fill the page.

    Rows are sized across all rooms at once, so every door sheet has the same grid.
    """
    bands = len(pages[0].rows) if pages else 0
    if not bands:
        return DoorLayout(DOOR_STYLES[0], ())
    available = page.content_height_mm - DOOR_CHROME_MM
    column = (page.content_width_mm - DOOR_TIME_COL_MM) / max(day_count, 1)
    width = column - DOOR_CELL_PAD_H_MM
    band_head = 2 * 9 * LINE_HEIGHT * PT_MM + DOOR_CELL_PAD_V_MM  # time and slot label
    for font_pt in DOOR_STYLES:
        heights = []
        for i in range(bands):
            cells = [c for p in pages for c in p.rows[i].cells]
            heights.append(max([band_head] + [door_cell_height(c, width, font_pt) for c in cells]))
        if sum(heights) <= available:
            return DoorLayout(font_pt, fill_rows(heights, available, DOOR_MAX_ROW_MM))
    return DoorLayout(DOOR_STYLES[-1], tuple(0.0 for _ in range(bands)))


def rooms_view(roster: Roster, schedule: Schedule, page: PageInfo) -> dict:
    """A door sheet per room: group, time and facilitator only (it is posted in public)."""
    names = {r.name for r in roster.rooms} | {m.room for m in schedule.meetings}
    pages = []
    for name in sorted(names, key=natural_key):
        room = roster.room_by_name.get(name)
        meetings = schedule.for_room(name)
        rows = grid_rows(
            roster,
            schedule,
            meetings,
            blocked=room.unavailable.blocks if room else None,
            blocked_note="closed",
        )
        pages.append(RoomPage(name, tuple(rows), not meetings))
    return {
        "room_pages": pages,
        "layout": door_layout(pages, page, len(week_days(roster, schedule))),
        "time_col_mm": DOOR_TIME_COL_MM,
    }

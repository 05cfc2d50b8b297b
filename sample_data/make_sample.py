"""Write sample_data/roster.xlsx: the roster of Willowmere Recovery Center.

Willowmere is a small, entirely fictional addiction treatment center; every
name below is invented. The file follows docs/roster-format.md and is meant to
look like something an administrator typed: a title row above the header on
some sheets, real Excel date and time cells where natural, text elsewhere.

Run from anywhere:   python sample_data/make_sample.py
The output is byte-for-byte reproducible (no randomness, fixed timestamps), so
regenerating it does not churn version control.

Capacity reasoning (why this roster is schedulable, with slack)
================================================================
All slots are 90 minutes. Day slots Mon-Fri 09:00, 10:45, 13:30, 15:15 (20);
evening slots Mon-Thu 17:30, 19:15 (8). Sections below are the fewest the
size limits allow; the solver may use more.

Patients: 16 Residential, 12 PHP, 12 IOP (40).

Sessions each patient must attend (Min hours / 1.5 h):
  Residential  12 h = 8 sessions. Required: Recovery Circle 3 + CBT Skills 2
               + Relapse Prevention 2 = 7; every woman also has Women's Circle,
               every stimulant-track patient Stimulant Recovery, and most of the
               rest an Extra group, so 14 of 16 reach 8 on their own. R02 and
               R13 need one elective added by the solver; open seats remain in
               Alumni Recovery Stories (4/12), DBT (4/10), Mindfulness (3/10),
               Seeking Safety (4/8). The most any Residential patient carries is
               10 of the 15 their week allows (4 slots/day, max 3/day).
               R13 (medical appointment Thu 9:00-12:00) still has 18 slots.
  PHP          9 h = 6 sessions. Required groups give 7 (10.5 h) already; the
               busiest (P06) has 11 of the 15 daytime slots (09:00-15:00, max 3/day).
  IOP          6 h = 4 sessions. Required: Evening Peer Support 2 + Relapse
               Prevention 2 + IOP Coping Skills 1 = 5 (7.5 h); +1 for the four
               in the Family Program. Evenings Mon-Thu give 8 slots, max 2/day.
               I03 (works Tuesdays) keeps 6 slots for 5 sessions (2+2+1).

Meetings to facilitate (fewest sections x sessions per week):
  skill               day                          evening        total
  peer support        Recovery Circle 3x3=9,       Evening Peer   15
                      Women's Circle 2x1=2,        1x2=2
                      Stimulant Recovery 1, Alumni 1
  CBT                 CBT Skills 3x2=6             Coping 1        7
  relapse prevention  Res+PHP 3x2=6                IOP 1x2=2       8
  DBT                 2                            -               2
  trauma              Seeking Safety 2             -               2
  family              Family Program 1             1               2
  mindfulness         2                            -               2
  (Recovery Circle: 28 patients, max 12 -> 3 sections; Women's Circle: 13
   women in Residential+PHP, max 10 -> 2 sections; Relapse Prevention: 28
   day patients, max 12 -> 3 sections; IOP patients can only meet in the
   evening, so they form their own section of it.)

Facilitator capacity (min of Max per week, Max per day x days, available slots):
  peer support  S07 Delgado 12 (day) + S08 Bell 9 (afternoons+evenings) = 21;
                need 15 -> 71 %. Evening: S08 has 8 evening slots, need 2.
  day therapy   S01 8 + S02 7 + S03 5 (Mon/Wed/Fri, 2/day) + S04 6
                + S06 5 (09:00-15:00, 2/day) = 31; need 19 -> 61 %.
                CBT+RP by S01/S02/S04 (21): need 12 -> 57 %;
                DBT/trauma/mindfulness by S02/S03/S06: need 6.
  evening       S05 Holloway 6 (Mon-Thu 16:00-21:00 covers the 8 evening
  therapy       slots, 2/day); need RP 2 + CBT 1 + family 1 = 4 -> 67 %.
  Overall 38 of 58 facilitator-meetings (66 %).

Rooms: 6 rooms x 28 slots = 168 room-slots for ~38 meetings (23 %). Even if
all 32 day meetings fell in the 15 PHP slots (09:00-15:00), that is about 2
per slot against 6 rooms. Sections of 11-12 fit Serenity (14), Harbor
(12) and the Family Room (16). R09 and P05 need an accessible room: Serenity,
Family Room, Maple (Maple is out Wed 13:00-17:00 for deep cleaning). The
Family Program needs the Family Room, Mindfulness the mats in the Wellness
Studio; nobody needing access is prescribed Mindfulness.

Peer groups need a role model in every section (admitted on or before
2026-10-31 for Week of 2026-11-30 with 30 days): 12 of 28 day patients
for 3 Recovery Circle sections, 5 of 13 Residential/PHP women for 2 Women's
Circle sections, 3 of 7 day stimulant patients (R03, P02, P06), 6 of 12 IOP
patients (I05 by override), and R04 + P12 among the Alumni Recovery Stories
prescriptions. Six patients are newcomers of under a week. Each keep-apart
pair (R02/R07, R03/P04) shares only groups that need two or more sections
anyway (R03/P04 are both in the two-section Women's Circle).

Cross-check: a stand-alone CP-SAT model of the eight hard rules (one room per
section, so stricter than needed) found schedules with the fewest sections
(21). It also found schedules when every section's meetings fall on different
days, when every Max per week is lowered by 1, and when S03 is absent.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

D = dt.date
T = dt.time

# --------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------

CENTER = "Willowmere Recovery Center"
WEEK_OF = D(2026, 11, 30)  # a Monday

SETTINGS = [
    # Setting, Value
    ("Center", CENTER),
    ("Week of", WEEK_OF),
    ("Role model days", 30),
    ("Time limit", 60),
]

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]
DAY_PERIODS = [  # Start, End, Label
    (T(9, 0), T(10, 30), "Morning 1"),
    (T(10, 45), T(12, 15), "Morning 2"),
    (T(13, 30), T(15, 0), "Afternoon 1"),
    (T(15, 15), T(16, 45), "Afternoon 2"),
]
EVENING_DAYS = ["Mon", "Tue", "Wed", "Thu"]
EVENING_PERIODS = [
    (T(17, 30), T(19, 0), "Evening 1"),
    (T(19, 15), T(20, 45), "Evening 2"),
]

PROGRAMS = [
    # Program, Min hours, Max per day, Attends
    ("Residential", 12, 3, "Mon-Fri 9:00-17:00"),
    ("PHP", 9, 3, "Mon-Fri 9:00-15:00"),
    ("IOP", 6, 2, "Mon-Thu 17:30-21:00"),
]

GROUPS = [
    # Group, Kind, Sessions per week, Min size, Max size, Skill, Programs, Required,
    # Gender, Track, Room needs
    ("Recovery Circle", "peer", 3, 4, 12, "peer support", "Residential, PHP", "yes", "", "", ""),
    ("Evening Peer Support", "peer", 2, 4, 12, "peer support", "IOP", "yes", "", "", ""),
    ("Women's Circle", "peer", 1, 3, 10, "peer support", "Residential, PHP", "yes", "F", "", ""),
    ("Stimulant Recovery", "peer", 1, 3, 10, "peer support", "Residential, PHP", "yes", "", "stimulants", ""),
    ("Alumni Recovery Stories", "peer", 1, 3, 12, "peer support", "Residential, PHP", "no", "", "", ""),
    ("CBT Skills", "therapy", 2, 4, 10, "CBT", "Residential, PHP", "yes", "", "", ""),
    ("Relapse Prevention", "therapy", 2, 4, 12, "relapse prevention", "", "yes", "", "", ""),
    ("IOP Coping Skills", "therapy", 1, 4, 12, "CBT", "IOP", "yes", "", "", ""),
    ("DBT Emotion Regulation", "therapy", 2, 3, 10, "DBT", "Residential, PHP", "no", "", "", ""),
    ("Seeking Safety", "therapy", 2, 3, 8, "trauma", "Residential, PHP", "no", "", "", ""),
    ("Family Program", "therapy", 1, 3, 10, "family", "Residential, PHP, IOP", "no", "", "", "family room"),
    ("Mindfulness & Yoga", "therapy", 2, 3, 10, "mindfulness", "Residential, PHP", "no", "", "", "mats"),
]

STAFF = [
    # ID, Name, Skills, Available, Max per day, Max per week
    ("S01", "Dana Whitlock, LCSW", "CBT, relapse prevention", "Mon-Fri 8:30-17:00", 3, 8),
    ("S02", "Marcus Ellery, LPC", "CBT; DBT", "Mon-Fri 8:30-17:00", 3, 7),
    ("S03", "Priya Natarajan, PsyD", "trauma, DBT", "Mon, Wed, Fri", 2, 5),  # part-time
    ("S04", "Tomas Reyes, LMFT", "family, relapse prevention", "Mon-Fri 8:30-17:00", 3, 6),
    ("S05", "Grace Holloway, LADC", "relapse prevention, CBT, family", "Mon-Thu 16:00-21:00", 2, 6),  # IOP evenings
    ("S06", "Jonah Abernathy, LPC", "mindfulness, trauma", "Mon-Fri 9:00-15:00", 2, 5),
    ("S07", "Rosa Delgado, CPRS", "peer support", "Mon-Fri 8:30-17:00", 3, 12),  # peer recovery specialist
    ("S08", "Curtis Bell, CPRS", "peer support", "Mon-Fri 13:00-21:00", 3, 9),  # peer recovery specialist
]

ROOMS = [
    # Room, Capacity, Features, Unavailable
    ("Serenity Room", 14, "accessible", ""),
    ("Harbor Room", 12, "", ""),
    ("Family Room", 16, "family room, accessible", ""),
    ("Wellness Studio", 10, "mats", ""),
    ("Cedar Room", 8, "", ""),
    ("Maple Room", 10, "accessible", "Wed 13:00-17:00"),  # deep cleaning
]

PATIENTS = [
    # ID, Name, Program, Gender, Admitted, Track, Primary therapist, Extra groups,
    # Unavailable, Keep apart, Needs, Role model
    # --- Residential (16) ---
    ("R01", "Alma V.", "Residential", "F", D(2026, 10, 5), "alcohol", "S01", "", "", "", "", ""),
    ("R02", "Bennett K.", "Residential", "M", D(2026, 10, 12), "opioids", "S04", "", "", "R07", "", ""),
    ("R03", "Carmen D.", "Residential", "F", D(2026, 10, 20), "stimulants", "S02", "", "", "P04", "", ""),
    ("R04", "Dmitri L.", "Residential", "M", D(2026, 10, 28), "alcohol", "S01", "Alumni Recovery Stories", "", "", "", ""),
    ("R05", "Elena S.", "Residential", "F", D(2026, 11, 2), "opioids", "S03", "Seeking Safety", "", "", "", ""),
    ("R06", "Felix O.", "Residential", "M", D(2026, 11, 5), "stimulants", "S02", "Mindfulness & Yoga", "", "", "", ""),
    ("R07", "Gideon T.", "Residential", "M", D(2026, 11, 9), "alcohol", "S04", "Family Program", "", "", "", ""),
    ("R08", "Hana M.", "Residential", "F", D(2026, 11, 12), "cannabis", "S02", "DBT Emotion Regulation", "", "", "", ""),
    ("R09", "Isaac B.", "Residential", "M", D(2026, 10, 8), "opioids", "S01", "Family Program", "", "", "accessible", ""),
    ("R10", "Jolene P.", "Residential", "F", D(2026, 11, 16), "opioids", "S03", "Seeking Safety", "", "", "", ""),
    ("R11", "Kwame A.", "Residential", "M", D(2026, 11, 19), "stimulants", "S04", "DBT Emotion Regulation", "", "", "", ""),
    ("R12", "Lucia F.", "Residential", "F", D(2026, 11, 24), "alcohol", "S01", "", "", "", "", ""),
    ("R13", "Mateo R.", "Residential", "M", D(2026, 11, 25), "opioids", "S02", "", "Thu 9:00-12:00", "", "", ""),
    ("R14", "Nadia H.", "Residential", "F", D(2026, 11, 26), "stimulants", "", "Alumni Recovery Stories", "", "", "", ""),
    ("R15", "Owen C.", "Residential", "M", D(2026, 11, 27), "cannabis", "S04", "Alumni Recovery Stories", "", "", "", ""),
    ("R16", "Sam W.", "Residential", "", D(2026, 10, 15), "alcohol", "S01", "Mindfulness & Yoga", "", "", "", ""),
    # --- PHP (12) ---
    ("P01", "Quinn A.", "PHP", "F", D(2026, 10, 2), "alcohol", "S02", "DBT Emotion Regulation", "", "", "", ""),
    ("P02", "Rafael G.", "PHP", "M", D(2026, 10, 9), "stimulants", "S01", "", "", "", "", ""),
    ("P03", "Simone T.", "PHP", "F", D(2026, 10, 19), "opioids", "S03", "Seeking Safety", "", "", "", ""),
    ("P04", "Talia N.", "PHP", "F", D(2026, 11, 3), "alcohol", "S02", "", "", "R03", "", ""),
    ("P05", "Victor E.", "PHP", "M", D(2026, 10, 26), "alcohol", "S04", "", "", "", "accessible", ""),
    ("P06", "Wren J.", "PHP", "F", D(2026, 10, 23), "stimulants", "S01", "Seeking Safety", "", "", "", ""),
    ("P07", "Xavier M.", "PHP", "M", D(2026, 11, 10), "opioids", "S04", "Family Program", "", "", "", ""),
    ("P08", "Yusuf D.", "PHP", "M", D(2026, 11, 13), "cannabis", "S02", "DBT Emotion Regulation", "", "", "", ""),
    ("P09", "Zoe K.", "PHP", "F", D(2026, 11, 17), "alcohol", "S03", "Mindfulness & Yoga", "", "", "", ""),
    ("P10", "Abel F.", "PHP", "M", D(2026, 11, 20), "stimulants", "S01", "", "", "", "", ""),
    ("P11", "Bianca R.", "PHP", "F", D(2026, 11, 25), "opioids", "", "", "", "", "", ""),
    ("P12", "Caleb S.", "PHP", "M", D(2026, 10, 30), "cannabis", "S04", "Alumni Recovery Stories", "", "", "", ""),
    # --- IOP (12) ---
    ("I01", "Dante L.", "IOP", "M", D(2026, 10, 1), "alcohol", "S05", "", "", "", "", ""),
    ("I02", "Eva P.", "IOP", "F", D(2026, 10, 14), "opioids", "S05", "Family Program", "", "", "", ""),
    ("I03", "Frank O.", "IOP", "M", D(2026, 10, 22), "alcohol", "S05", "", "Tue", "", "", ""),  # works Tuesdays
    ("I04", "Gloria S.", "IOP", "F", D(2026, 11, 4), "stimulants", "S05", "", "", "", "", ""),
    # I05 stepped down from residential care elsewhere: new to IOP, long in recovery.
    ("I05", "Hector V.", "IOP", "M", D(2026, 11, 18), "opioids", "S05", "Family Program", "", "", "", "yes"),
    ("I06", "Ivy N.", "IOP", "F", D(2026, 11, 7), "alcohol", "S05", "Family Program", "", "", "", ""),
    ("I07", "Jamal W.", "IOP", "M", D(2026, 10, 17), "cannabis", "S05", "", "", "", "", ""),
    ("I08", "Kira B.", "IOP", "F", D(2026, 11, 14), "alcohol", "S05", "Family Program", "", "", "", ""),
    ("I09", "Leo H.", "IOP", "M", D(2026, 11, 21), "stimulants", "S05", "", "", "", "", ""),
    ("I10", "Mira C.", "IOP", "F", D(2026, 11, 23), "cannabis", "S05", "", "", "", "", ""),
    ("I11", "Noel B.", "IOP", "", D(2026, 11, 26), "opioids", "", "", "", "", "", ""),
    ("I12", "Oscar T.", "IOP", "M", D(2026, 10, 27), "alcohol", "S05", "", "", "", "", ""),
]

# --------------------------------------------------------------------------------------
# Writing the workbook
# --------------------------------------------------------------------------------------

OUT = Path(__file__).resolve().with_name("roster.xlsx")
FIXED_TIMESTAMP = dt.datetime(2026, 11, 23, 9, 0, 0)

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def slot_rows() -> list[tuple]:
    rows = [(day, start, end, label) for day in DAYS for start, end, label in DAY_PERIODS]
    rows += [(day, start, end, label) for day in EVENING_DAYS for start, end, label in EVENING_PERIODS]
    return rows


def add_sheet(wb: Workbook, name: str, headers: list[str], rows: list[tuple],
              title: str | None = None, widths: dict[str, int] | None = None):
    ws = wb.create_sheet(name)
    if title:
        ws.append([title])
        ws["A1"].font = TITLE
        ws.append([])
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for row in rows:
        ws.append([None if value == "" else value for value in row])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = (widths or {}).get(header, max(12, len(header) + 4))
        for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
            if isinstance(cell.value, dt.datetime | dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, dt.time):
                cell.number_format = "h:mm"
            cell.alignment = Alignment(vertical="top")
    return ws


def build() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)

    settings = add_sheet(wb, "Settings", ["Setting", "Value"], SETTINGS,
                         widths={"Setting": 18, "Value": 30})
    settings["B3"].number_format = "yyyy-mm-dd"  # Week of
    settings["B3"].alignment = Alignment(horizontal="left")

    add_sheet(wb, "Slots", ["Day", "Start", "End", "Label"], slot_rows())
    add_sheet(wb, "Programs", ["Program", "Min hours", "Max per day", "Attends"], PROGRAMS,
              widths={"Attends": 24})
    add_sheet(
        wb, "Groups",
        ["Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill", "Programs",
         "Required", "Gender", "Track", "Room needs"],
        GROUPS,
        title=f"{CENTER} - group curriculum",
        widths={"Group": 26, "Skill": 20, "Programs": 24, "Room needs": 14},
    )
    add_sheet(wb, "Staff", ["ID", "Name", "Skills", "Available", "Max per day", "Max per week"],
              STAFF, widths={"ID": 8, "Name": 26, "Skills": 34, "Available": 22})
    add_sheet(wb, "Rooms", ["Room", "Capacity", "Features", "Unavailable"], ROOMS,
              widths={"Room": 18, "Features": 26, "Unavailable": 20})
    add_sheet(
        wb, "Patients",
        ["ID", "Name", "Program", "Gender", "Admitted", "Track", "Primary therapist",
         "Extra groups", "Unavailable", "Keep apart", "Needs", "Role model"],
        PATIENTS,
        title=f"{CENTER} - patient roster, week of {WEEK_OF:%B} {WEEK_OF.day}, {WEEK_OF.year}",
        widths={"ID": 8, "Name": 14, "Extra groups": 26, "Unavailable": 18},
    )

    wb.properties.creator = CENTER
    wb.properties.title = f"{CENTER} roster"
    wb.properties.created = FIXED_TIMESTAMP
    return wb


def reproducible_bytes(wb: Workbook) -> bytes:
    """Save, then pin the timestamps openpyxl and zipfile stamp with 'now'."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            pinned = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = info.external_attr
            dst.writestr(pinned, data)
    return out.getvalue()


def main() -> None:
    OUT.write_bytes(reproducible_bytes(build()))
    print(f"wrote {OUT} ({len(PATIENTS)} patients, {len(GROUPS)} groups, "
          f"{len(STAFF)} staff, {len(ROOMS)} rooms, {len(slot_rows())} slots)")


if __name__ == "__main__":
    main()

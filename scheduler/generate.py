"""Realistic, fictional rosters that are feasible by construction.

`generate(patients, staff, rooms, days, seed)` invents a treatment center and
returns its roster workbook (as sheet rows) together with one valid week for it
(the *planted* week, shaped like schedule.json). `write_generated` saves the
workbook; the same arguments always give the same bytes.

How a roster is built
=====================
The week is planted first and the roster is derived from it, so the planted week
is always one schedule that obeys the 8 hard rules of docs/rules.md.

1. People and places. Patients get a program (40 % Residential, 30 % PHP, 30 %
   IOP), gender, substance track and sometimes a need for an accessible room.
   Rooms get capacities and features (accessible, family room, mats, art
   supplies, projector). The grid has 7 periods a day, five by day and two in the
   evening (IOP evenings), Monday to Friday, plus Saturday with days=6, when IOP
   and PHP also come on Saturday morning and the Family Program prefers it.
2. Teams and units. Each program's patients form teams of at most 12, and units
   (houses, tracks) of up to three teams; a small center has one day unit mixing
   Residential and PHP. Core groups (Recovery Circle, CBT Skills, Relapse
   Prevention, Evening Peer Support, ...) meet by team, so teammates share their
   week. Gender and track groups and electives cut across the teams of a unit;
   only the Family Program brings units together. A required gender/track group
   is offered to a program only where every unit has none or at least three such
   patients; electives are handed out so every open option has three or more.
3. Blocks. Sections that may meet at the same time (all teams' sections of a core
   group; the women's and men's groups; the options of one elective block) form a
   block that meets at the same slots. A patient is in at most one section of a
   block, so blocks never make a patient clash; a block only takes slots where all
   its patients are free, within their programs' Attends and Max per day. A block
   that rooms or facilitators cannot host at once is split in two and each half
   placed on its own (teams then meet at different times).
4. Staff. Everyone exists from the start as a profile: peer recovery specialists
   and therapists in proportion to their meetings; a work class (day, evening,
   afternoon-to-evening "swing", or long days when the staff is tiny) chosen so
   both halves of the week have enough hours and the busiest evening enough
   people; and for therapists 1-3 skills planned from their hours, so each skill
   gets about 120 % of its meetings' worth. A profile is "hired" when placing
   first gives it a group: it then gets the working pattern of its class that
   covers those slots (full-time, part-time Mon/Wed/Fri, mornings only, Tue-Sat,
   Mon-Thu evenings...), and keeps to it, to its day cap and to its week cap.
5. Placing. Blocks are placed cross-team ones first, then the team blocks,
   largest first. A block's slots are chosen one at a time, keeping a matching
   of its sections to distinct free rooms and free qualified facilitators
   (bipartite matching over bitmasks); quiet slots, different days and daytime
   for day programs are preferred. Facilitators are whoever still has planned
   hours for the skill, else a new hire, else anyone below their target load. A
   single section that still does not fit may take a little overtime, or a
   therapist with fewer than three skills may take it on.
6. Deriving the rest from the planted week. Min hours of a program are at or
   below what every one of its patients got; Min/Max size bracket the planted
   sections; each staff member's Available is their working pattern and Max per
   day/week at least their planted load; Unavailable times of patients and rooms
   (appointments, work, cleaning) are cut only from times they are free in the
   planted week; keep-apart pairs (about one per 40 patients) share no planted
   section; admission dates are drawn after the sections exist, and every peer
   section gets a role model; Extra groups are electives a patient is planted in
   (some are left for the solver to add to reach Min hours).

An attempt that gets stuck is reshuffled; after three, a leaner curriculum is
tried (fewer electives, then no track groups, ...). When even the core curriculum
cannot be planted, ValueError names the resource that is short.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .domain import DAY_NAMES, hhmm
from .files import write_atomically
from .machine import time_limit_for
from .parsing import parse_time, parse_time_expr

RES, PHP, IOP = "Residential", "PHP", "IOP"
PROGRAM_ORDER = (RES, PHP, IOP)
PEER_SKILL = "peer support"
ROLE_MODEL_DAYS = 30




FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 9, 0, 0)  # pinned workbook timestamps

HEADERS = {
    "Settings": ["Setting", "Value"],
    "Slots": ["Day", "Start", "End", "Label"],
    "Programs": ["Program", "Min hours", "Max per day", "Attends"],
    "Groups": ["Group", "Kind", "Sessions per week", "Min size", "Max size", "Skill", "Programs",
               "Required", "Gender", "Track", "Room needs"],
    "Staff": ["ID", "Name", "Skills", "Available", "Max per day", "Max per week"],
    "Rooms": ["Room", "Capacity", "Features", "Unavailable"],
    "Patients": ["ID", "Name", "Program", "Gender", "Admitted", "Track", "Primary therapist",
                 "Extra groups", "Unavailable", "Keep apart", "Needs", "Role model"],
}

# Seven periods a day: five day periods, two evening periods (IOP runs evenings).
PERIODS = [
    ("9:00", "10:00", "Morning 1"),
    ("10:15", "11:15", "Morning 2"),
    ("11:30", "12:30", "Late morning"),
    ("13:30", "14:30", "Afternoon 1"),
    ("14:45", "15:45", "Afternoon 2"),
    ("17:30", "19:00", "Evening 1"),
    ("19:15", "20:45", "Evening 2"),
]
EVENING_FROM = 17 * 60
TEAM_SIZE = 12
# Meetings a week one person of each work class typically leads (planning, not caps).
HOURS = {"day": 15.0, "evening": 7.0, "swing": 13.0, "long": 18.0}
CORE_BLOCKS = ("rc", "cbt", "rp", "eps", "coping", "erm", "life")  # run by team
SATURDAY = 5


@dataclass(frozen=True)
class GroupSpec:
    """A curriculum entry, with what planting needs beyond the Groups sheet."""

    name: str
    kind: str
    sessions: int
    min_size: int
    max_size: int
    target: int  # planted sections have at most this many members
    skill: str
    programs: tuple[str, ...]  # empty: every program
    required: bool
    gender: str | None = None
    track: str | None = None
    room_needs: tuple[str, ...] = ()
    level: int = 0  # 0 = core; richer curricula add levels 1-3
    block: str = ""  # groups of one block meet at the same slots (a patient is in one at most)
    prefer: str = ""  # "evening" or "saturday": when planting likes to put it


def _catalog(days: int) -> list[GroupSpec]:
    family_programs = (RES, PHP, IOP) if days >= 6 else (RES, IOP)
    family_prefer = "saturday" if days >= 6 else "evening"
    g = GroupSpec
    return [
        g("Recovery Circle", "peer", 3, 4, 12, 10, PEER_SKILL, (RES, PHP), True, block="rc"),
        g("CBT Skills", "therapy", 2, 4, 12, 10, "CBT", (RES, PHP), True, block="cbt"),
        g("Relapse Prevention", "therapy", 2, 4, 12, 10, "relapse prevention", (), True,
          block="rp"),
        g("Evening Peer Support", "peer", 2, 4, 12, 10, PEER_SKILL, (IOP,), True, block="eps"),
        g("IOP Coping Skills", "therapy", 1, 4, 12, 10, "CBT", (IOP,), True, block="coping"),
        g("Evening Recovery Meeting", "peer", 1, 4, 12, 10, PEER_SKILL, (RES,), True, level=1,
          block="erm", prefer="evening"),
        g("Women's Circle", "peer", 1, 3, 12, 10, PEER_SKILL, (RES, PHP), True, gender="F",
          level=1, block="gender"),
        g("Men's Group", "peer", 1, 3, 12, 10, PEER_SKILL, (RES, PHP), True, gender="M",
          level=1, block="gender"),
        g("DBT Emotion Regulation", "therapy", 2, 3, 12, 10, "DBT", (RES, PHP), False, level=1,
          block="e1"),
        g("Seeking Safety", "therapy", 2, 3, 10, 9, "trauma", (RES, PHP), False, level=1,
          block="e1"),
        g("Mindfulness & Yoga", "therapy", 2, 3, 12, 10, "mindfulness", (RES, PHP), False,
          room_needs=("mats",), level=1, block="e1"),
        g("Life Skills", "therapy", 1, 4, 12, 10, "psychoeducation", (RES,), True, level=2,
          block="life"),
        g("Opioid Recovery & MAT", "therapy", 1, 3, 12, 10, "MAT education", (RES, PHP), True,
          track="opioids", room_needs=("projector",), level=2, block="track"),
        g("Stimulant Recovery", "peer", 1, 3, 12, 10, PEER_SKILL, (RES, PHP), True,
          track="stimulants", level=2, block="track"),
        g("Family Program", "therapy", 1, 3, 12, 10, "family", family_programs, False,
          room_needs=("family room",), level=2, block="family", prefer=family_prefer),
        g("Alumni Recovery Stories", "peer", 1, 3, 12, 10, PEER_SKILL, (RES, PHP), False, level=3,
          block="e2"),
        g("Anger Management", "therapy", 1, 3, 12, 10, "CBT", (RES, PHP), False, level=3,
          block="e2"),
        g("Grief & Loss", "therapy", 1, 3, 8, 8, "trauma", (RES, PHP), False, level=3, block="e2"),
        g("Art Therapy", "therapy", 1, 3, 8, 8, "art therapy", (RES, PHP), False,
          room_needs=("art supplies",), level=3, block="e2"),
    ]


# Therapy skills in the order a growing center adds them (small staffs keep the first).
SKILL_PRIORITY = ["relapse prevention", "CBT", "DBT", "trauma", "family", "mindfulness",
                  "psychoeducation", "MAT education", "art therapy"]

# Working patterns: written Available, planting filter, Max per day, Max per week, weight.
# The planting filter narrows the written times (a part-timer written as "Mon, Wed, Fri"
# leads day groups only), so the written Available always covers the planted week.
_PATTERNS = {
    "full": ("Mon-Fri 8:30-17:00", None, 4, 18, 50),
    "full_wed": ("Mon-Tue 8:30-17:00; Wed 8:30-12:30; Thu-Fri 8:30-17:00", None, 4, 17, 12),
    "full_sat": ("Tue-Sat 8:30-17:00", None, 4, 18, 20),
    "pt_mwf": ("Mon, Wed, Fri", "day", 3, 9, 8),
    "pt_tth": ("Tue-Thu 8:30-17:00", None, 3, 9, 8),
    "pt_am": ("Mon-Fri 8:30-12:30", None, 3, 10, 6),
    "evening": ("Mon-Thu 16:00-21:00", None, 2, 8, 40),
    "evening_sat": ("Mon-Thu 16:00-21:00; Sat 8:30-13:00", None, 2, 10, 40),
    "swing": ("Mon-Fri 12:00-21:00", None, 3, 15, 25),
    "long": ("Mon-Fri 8:30-21:00", None, 5, 22, 2),
    "long_sat": ("Mon-Sat 8:30-21:00", None, 5, 22, 2),
}


# --- fictional names ----------------------------------------------------------------------

FEMALE_NAMES = (
    "Abigail Adele Aisha Alma Amara Anika Astrid Beatrix Bianca Brielle Camila Carmen Celeste "
    "Chandra Dahlia Delia Dina Edith Elise Esme Farah Fiona Flora Gemma Greta Hana Hazel Helena "
    "Ines Ingrid Isla Jada Joelle Juno Kamala Kira Lana Leona Lila Lucia Mabel Marisol Maxine "
    "Mira Nadia Nina Noor Odette Opal Paloma Petra Ramona Rhea Rosalind Sabine Selma Soraya "
    "Talia Tamsin Thea Ursula Valerie Vera Willa Wren Yara Zadie Zora"
).split()
MALE_NAMES = (
    "Aaron Adrian Alan Andre Ansel Arlo Bennett Boris Bram Caleb Cedric Cyrus Damon Dante "
    "Desmond Dorian Elias Emeka Enzo Ezra Felix Gabe Gideon Harlan Hector Idris Ira Ivan Jasper "
    "Jonas Keegan Kofi Levi Lionel Luther Malik Mateo Milo Nico Omar Orion Perrin Quentin Rafael "
    "Reuben Rocco Rufus Saul Silas Stellan Teodor Tobias Vance Wade Xavier Yusuf Zane"
).split()
NEUTRAL_NAMES = "Arden Blair Kai Larkin Quinn Sage Rowan Emery Ellis Reese".split()
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES + NEUTRAL_NAMES
LAST_NAMES = (
    "Abernathy Ashcombe Bellweather Blackwood Brightwater Calloway Carrow Castellan Dunmore "
    "Ellery Everhart Fairbanks Fenwick Galloway Greaves Halvorsen Hawthorne Holloway Ingram "
    "Jessup Kestrel Lachance Larkspur Lindqvist Marchetti Merriweather Nakamura Northcott "
    "Okonkwo Oyelaran Pemberton Quillon Radcliffe Rasmussen Redfern Rowntree Salcedo Santangelo "
    "Sherwood Soderberg Stanwick Tallis Thornbury Underhill Valdivia Vasquez-Lyle Wendell "
    "Whitlock Winslow Yardley Zellweger Achebe Brennan Delacroix Esposito Farrow Gutierrez "
    "Haddad Ivers Jankowski Kowalczyk Lindgren Mbeki Nakashima Ortega Petrakis Rosales Szabo "
    "Takahashi Umarov Varga Wojcik"
).split()
THERAPIST_TITLES = ["LCSW", "LPC", "LMFT", "LADC", "PsyD", "LCADC", "LMHC", "LPC, LADC"]
CENTER_FIRST = ["Cedar Ridge", "Harbor Light", "Stonebridge", "Blue Heron", "Maple Grove",
                "Northfield", "Silver Lake", "Pine Hollow", "Riverbend", "Juniper Hill",
                "Clearwater", "Lantern Bay"]
CENTER_LAST = ["Recovery Center", "Treatment Center", "Behavioral Health", "Recovery Campus"]
ROOM_NAMES = ["Serenity Room", "Harbor Room", "Cedar Room", "Maple Room", "Aspen Room",
              "Birch Room", "Willow Room", "Juniper Room", "Sage Room", "Horizon Room",
              "Summit Room", "Lakeview Room", "Meadow Room", "Brook Room", "Garden Room",
              "Oak Room", "Spruce Room", "Laurel Room", "Hawthorn Room", "Compass Room"]


# --- the result -----------------------------------------------------------------------------


@dataclass
class Generated:
    """A generated roster (sheet name -> rows, headers first) and its planted week."""

    sheets: dict[str, list[list]]
    planted: dict
    patients: int
    staff: int
    rooms: int
    days: int
    seed: int
    slots: int
    groups: int
    sections: int
    meetings: int
    staff_leading: int  # staff members who lead a planted section
    keep_apart_pairs: int
    role_models: int
    newcomers: int
    by_program: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        programs = ", ".join(f"{n} {p}" for p, n in self.by_program.items())
        return (f"{self.patients} patients ({programs}), {self.staff} staff "
                f"({self.staff_leading} lead planted groups), {self.rooms} rooms, "
                f"{self.slots} slots over {self.days} days, {self.groups} groups; planted week: "
                f"{self.sections} sections, {self.meetings} meetings; "
                f"{self.role_models} role models, {self.newcomers} newcomers, "
                f"{self.keep_apart_pairs} keep-apart pairs")


class _PlantFailed(Exception):
    """This attempt could not place a block; `resource` names what was short. `certain`:
    no shuffle can help at this curriculum level (the counts alone rule it out)."""

    def __init__(self, resource: str, certain: bool = False):
        super().__init__(resource)
        self.resource = resource
        self.certain = certain


# --- planting state -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    index: int
    day: int
    start: int
    end: int
    label: str

    @property
    def evening(self) -> bool:
        return self.start >= EVENING_FROM


@dataclass
class _Patient:
    id: str
    name: str
    program: str
    gender: str | None
    track: str
    needs: tuple[str, ...]
    unit: int = -1
    team: int = -1  # core groups meet by team: teammates share their week
    busy: int = 0  # bitmask of slot indexes
    day_count: list[int] = field(default_factory=lambda: [0] * 7)
    minutes: int = 0
    sections: list = field(default_factory=list)


@dataclass
class _Staff:
    index: int
    role: str  # "therapist", "peer" or "dual" (a one-person center's counselor)
    pattern: str
    skills: list[str]
    mask: int  # slots planting may use
    day_cap: int
    week_cap: int
    target: float  # load beyond which hiring someone else is preferred
    work: str = "day"  # work class: day, evening, swing or long (a tiny staff covers all)
    share: dict = field(default_factory=dict)  # skill -> meetings planned for it
    used: dict = field(default_factory=dict)  # skill -> meetings placed
    load: int = 0
    day_load: list[int] = field(default_factory=lambda: [0] * 7)
    busy: int = 0
    id: str = ""
    name: str = ""


@dataclass
class _Room:
    index: int
    name: str
    capacity: int
    features: tuple[str, ...]
    busy: int = 0


@dataclass
class _Section:
    group: GroupSpec
    members: list[_Patient]
    slots: list[int] = field(default_factory=list)
    rooms: list[int] = field(default_factory=list)
    facilitator: int = -1
    name: str = ""

    @property
    def needs(self) -> set[str]:
        needs = set(self.group.room_needs)
        for p in self.members:
            needs.update(p.needs)
        return needs


@dataclass
class _Block:
    sections: list[_Section]
    prefer: str
    day_program: bool  # Residential/PHP patients: daytime preferred

    @property
    def sessions(self) -> int:
        return self.sections[0].group.sessions


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _match(options: list[list[int]]) -> tuple[int, list[int | None]]:
    """Maximum matching of rows to distinct columns, trying each row's options in order."""
    owner: dict[int, int] = {}

    def augment(row: int, seen: set[int]) -> bool:
        for col in options[row]:
            if col in seen:
                continue
            seen.add(col)
            if col not in owner or augment(owner[col], seen):
                owner[col] = row
                return True
        return False

    matched = sum(1 for row in range(len(options)) if augment(row, set()))
    result: list[int | None] = [None] * len(options)
    for col, row in owner.items():
        result[row] = col
    return matched, result


def _enough(masks: list[int]) -> bool:
    """Can every mask get a distinct bit (sections to distinct rooms or facilitators)?"""
    k = len(masks)
    if all(m.bit_count() >= k for m in masks):
        return True  # Hall's condition holds trivially
    matched, _ = _match([list(_bits(m)) for m in masks])
    return matched == k


def _text_time(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _section_letters(i: int) -> str:
    """A, B, ..., Z, AA, AB, ... as the solver names sections."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


# --- the builder ------------------------------------------------------------------------------


class _Builder:
    """One attempt at planting a week and deriving its roster."""

    def __init__(self, n_patients: int, n_staff: int, n_rooms: int, days: int, seed: int,
                 level: int, attempt: int):
        self.n_patients, self.n_staff, self.n_rooms, self.days = n_patients, n_staff, n_rooms, days
        self.seed, self.level = seed, level
        # People, rooms and names come from the seed alone, so a leaner retry keeps them.
        self.people_rng = random.Random(f"people:{seed}")
        self.rng = random.Random(f"plant:{seed}:{level}:{attempt}")
        self.week_of = dt.date(2026, 1, 5) + dt.timedelta(weeks=self.people_rng.randrange(52))
        self.center = (f"{self.people_rng.choice(CENTER_FIRST)} "
                       f"{self.people_rng.choice(CENTER_LAST)}")

    # ----- the grid and programs ------------------------------------------------------------

    def make_slots(self) -> None:
        slots = []
        for day in range(self.days):
            for start, end, label in PERIODS:
                slots.append((day, parse_time(start), parse_time(end), label))
        self.slots = [_Slot(i, d, s, e, label) for i, (d, s, e, label) in enumerate(slots)]
        self.all_mask = (1 << len(self.slots)) - 1
        self.day_mask = [0] * 7
        for s in self.slots:
            self.day_mask[s.day] |= 1 << s.index
        sat = self.days >= 6
        self.programs = {
            RES: ("Mon-Sat 9:00-21:00" if sat else "Mon-Fri 9:00-21:00", 4),
            PHP: ("Mon-Fri 9:00-15:45; Sat 9:00-12:30" if sat else "Mon-Fri 9:00-15:45", 4),
            IOP: ("Mon-Thu 17:30-21:00; Sat 9:00-12:30" if sat else "Mon-Thu 17:30-21:00", 2),
        }
        self.program_mask = {name: self.covered(text) for name, (text, _) in self.programs.items()}
        self.program_cap = {name: cap for name, (_, cap) in self.programs.items()}

    def covered(self, text: str) -> int:
        """Slots an Attends/Available text covers, read with the reader's own parser."""
        expr = parse_time_expr(text)
        mask = 0
        for s in self.slots:
            if expr.covers(s):
                mask |= 1 << s.index
        return mask

    # ----- patients and units ---------------------------------------------------------------

    def make_patients(self) -> None:
        rng, n = self.people_rng, self.n_patients
        n_res, n_php = round(n * 0.4), round(n * 0.3)
        counts = {RES: n_res, PHP: n_php, IOP: n - n_res - n_php}
        width = max(2, len(str(max(counts.values()))))
        initials = "ABCDEFGHIJKLMNOPRSTVWY"
        pools = {}  # first name + initial, never twice in a center while a pool lasts
        for gender, firsts in (("F", FEMALE_NAMES), ("M", MALE_NAMES), (None, NEUTRAL_NAMES)):
            pools[gender] = [f"{first} {last}." for first in firsts for last in initials]
            rng.shuffle(pools[gender])
        used: dict = {g: 0 for g in pools}
        self.patients: list[_Patient] = []
        for program in PROGRAM_ORDER:
            for i in range(1, counts[program] + 1):
                gender = rng.choices(["F", "M", None], weights=[43, 55, 2])[0]
                track = rng.choices(["alcohol", "opioids", "stimulants", "cannabis"],
                                    weights=[34, 30, 22, 14])[0]
                needs = ("accessible",) if rng.random() < 0.04 else ()
                pid = f"{program[0]}{i:0{width}d}"
                pool = pools[gender]
                name = pool[used[gender] % len(pool)]
                used[gender] += 1
                self.patients.append(_Patient(pid, name, program, gender, track, needs))

    def make_units(self) -> None:
        """Teams of at most 12; units (houses, tracks) of up to three teams. A small
        center has one day unit mixing Residential and PHP."""
        rng = self.rng
        by_program = {p: [x for x in self.patients if x.program == p] for p in PROGRAM_ORDER}
        day = by_program[RES] + by_program[PHP]
        lists = [day] if len(day) <= 30 else [by_program[RES], by_program[PHP]]
        lists.append(by_program[IOP])
        self.units = []
        team = 0
        for members in lists:
            if not members:
                continue
            # Residential and PHP apart within a mixed unit's teams, as far as sizes allow.
            members = sorted(members, key=lambda p: (PROGRAM_ORDER.index(p.program), rng.random()))
            teams = self._chunks(members, TEAM_SIZE)
            for unit_teams in self._chunks(teams, 3):
                unit = len(self.units)
                for chunk in unit_teams:
                    for p in chunk:
                        p.unit, p.team = unit, team
                    team += 1
                self.units.append([p for chunk in unit_teams for p in chunk])

    @staticmethod
    def _chunks(items: list, size: int) -> list[list]:
        """Consecutive, balanced chunks of at most `size`."""
        k = max(1, math.ceil(len(items) / size))
        small, extra = divmod(len(items), k)
        out, start = [], 0
        for i in range(k):
            n = small + (1 if i < extra else 0)
            out.append(items[start:start + n])
            start += n
        return out

    # ----- rooms ----------------------------------------------------------------------------

    def make_rooms(self) -> None:
        rng, n = self.people_rng, self.n_rooms
        specs: list[tuple[str, int, list[str]]] = []
        if n == 1:
            specs.append(("Group Room", 14, ["accessible", "projector"]))
        else:
            specs.append((ROOM_NAMES[0], 14, ["accessible", "projector"]))
            special = []
            for i in range(0 if n < 3 else 1 + (n - 1) // 10):
                special.append((f"Family Room{'' if i == 0 else f' {i + 1}'}", 16,
                                ["family room", "accessible"]))
            for i in range(0 if n < 4 else 1 + (n - 1) // 14):
                features = ["mats"] + (["accessible"] if rng.random() < 0.5 else [])
                special.append((f"Wellness Studio{'' if i == 0 else f' {i + 1}'}", 12, features))
            for i in range(0 if n < 6 else 1 + (n - 1) // 20):
                special.append((f"Art Room{'' if i == 0 else f' {i + 1}'}", 10, ["art supplies"]))
            special = special[: n - 1]
            general = []
            for i in range(n - 1 - len(special)):
                if i + 1 < len(ROOM_NAMES):
                    name = ROOM_NAMES[i + 1]
                else:
                    j = i + 1 - len(ROOM_NAMES)
                    name = f"Room {1 + j // 12}{j % 12 + 1:02d}"
                features = []
                if rng.random() < 0.4:
                    features.append("accessible")
                if rng.random() < 0.25:
                    features.append("projector")
                general.append((name, rng.choice([8, 10, 10, 12, 12, 12, 14, 16]), features))
            # Special rooms sit among the ordinary ones, as on a real room list.
            for item in special:
                general.insert(rng.randrange(len(general) + 1), item)
            specs.extend(general)
        self.rooms = [_Room(i, name, cap, tuple(f)) for i, (name, cap, f) in enumerate(specs)]
        self.features = {f for r in self.rooms for f in r.features}

    def suitable_rooms(self, size: int, needs: set[str]) -> int:
        mask = 0
        for r in self.rooms:
            if r.capacity >= size and needs <= set(r.features):
                mask |= 1 << r.index
        return mask

    # ----- curriculum -------------------------------------------------------------------------

    def choose_curriculum(self) -> None:
        """Groups of this level whose skills the staff can cover and whose rooms exist."""
        s = self.n_staff
        if s <= 5:
            therapists = 1 if s <= 2 else s - max(1, round(s * 0.4))
            allowed = set(SKILL_PRIORITY[: 3 * therapists])
        else:
            allowed = set(SKILL_PRIORITY)
        self.small_staff = s <= 4
        catalog = []
        for g in _catalog(self.days):
            if g.level > self.level:
                continue
            if g.kind == "therapy" and g.skill not in allowed:
                continue
            if not set(g.room_needs) <= self.features:
                if g.room_needs == ("projector",):
                    g = GroupSpec(**{**g.__dict__, "room_needs": ()})
                else:
                    continue
            catalog.append(g)
        self.curriculum = self._settle_required(catalog)

    def _eligible(self, p: _Patient, g: GroupSpec, programs: tuple[str, ...] | None = None) -> bool:
        programs = g.programs if programs is None else programs
        if programs and p.program not in programs:
            return False
        if g.gender and p.gender != g.gender:
            return False
        if g.track and p.track != g.track:
            return False
        return True

    def _settle_required(self, catalog: list[GroupSpec]) -> list[GroupSpec]:
        """A required group is only offered to programs where every unit has none or enough
        eligible patients for a section; a track group left with no program turns elective."""
        out = []
        for g in catalog:
            if not g.required:
                out.append(g)
                continue
            programs = tuple(g.programs or PROGRAM_ORDER)
            changed = True
            while changed and programs:
                changed = False
                for unit in self.units:
                    members = [p for p in unit if self._eligible(p, g, programs)]
                    if 0 < len(members) < 3:
                        drop = {p.program for p in members}
                        programs = tuple(x for x in programs if x not in drop)
                        changed = True
            if programs:
                written = () if not g.programs and set(programs) == set(PROGRAM_ORDER) else programs
                out.append(GroupSpec(**{**g.__dict__, "programs": written}))
            elif g.track:
                out.append(GroupSpec(**{**g.__dict__, "required": False}))
        return out

    # ----- sections and blocks ----------------------------------------------------------------

    def make_blocks(self) -> None:
        rng = self.rng
        by_block: dict[str, list[GroupSpec]] = {}
        for g in self.curriculum:
            by_block.setdefault(g.block, []).append(g)
        self.blocks: list[_Block] = []
        self.sections: list[_Section] = []
        self.offered: dict[str, int] = {}  # units offering each elective
        for unit in self.units:
            unit_blocks: dict[str, list[_Section]] = {}
            for name, groups in by_block.items():
                if name == "family":
                    continue
                if name in ("e1", "e2"):
                    share = 1.0 if name == "e1" else 0.5
                    chosen = self._hand_out(unit, groups, share)
                else:
                    chosen = {}
                    for g in groups:
                        members = [p for p in unit if self._eligible(p, g)]
                        if not g.required and len(members) < 3:
                            members = []  # an elective track group runs where it can fill
                        if members:
                            chosen[g.name] = members
                for g in groups:
                    if g.name in chosen:
                        unit_blocks.setdefault(name, []).extend(self._cut(g, chosen[g.name]))
            day_program = any(p.program != IOP for p in unit)
            for name, secs in unit_blocks.items():
                prefer = next(g.prefer for g in by_block[name])
                self.blocks.append(_Block(secs, prefer, day_program))
                self.sections.extend(secs)
        # The Family Program brings families of every unit together.
        for g in by_block.get("family", []):
            eligible = [p for p in self.patients if self._eligible(p, g)
                        and self.suitable_rooms(1, set(g.room_needs) | set(p.needs))]
            takers = [p for p in eligible if rng.random() < 0.16]
            # Families meet by program: each program's patients share their attendance times.
            secs = []
            for program in PROGRAM_ORDER:
                mine = [p for p in takers if p.program == program]
                if len(mine) >= 3:
                    secs.extend(self._cut(g, mine))
            if secs:
                self.blocks.insert(0, _Block(secs, g.prefer, True))
                self.sections.extend(secs)
        # The Family Program first (it joins units), then the blocks that cut across teams
        # while the units are still free, then the team blocks; largest first within each.
        order = {id(b): rng.random() for b in self.blocks}

        def rank(b: _Block):
            kind = b.sections[0].group.block
            tier = 0 if kind == "family" else (2 if kind in CORE_BLOCKS else 1)
            return (tier, -b.sessions * len(b.sections), order[id(b)])

        self.blocks.sort(key=rank)

    def _hand_out(self, unit: list[_Patient], options: list[GroupSpec], share: float):
        """Elective options of one block: each taker gets the least-filled option their
        needs allow; options left with fewer than 3 takers are closed again."""
        rng = self.rng
        takers = [p for p in unit if any(self._eligible(p, g) for g in options)]
        if share < 1:
            takers = [p for p in takers if rng.random() < share]
        m = max(1, min(len(options), round(len(takers) / 10)))
        # Options rotate across units; one needing a special room (art, mats) is offered
        # less often, as only those rooms can host it.
        def score(g: GroupSpec) -> tuple:
            rooms = bin(self.suitable_rooms(1, set(g.room_needs))).count("1")
            return ((self.offered.get(g.name, 0) + 1) / min(rooms, 6), rng.random())

        open_options = sorted(options, key=score)[:m]
        for g in open_options:
            self.offered[g.name] = self.offered.get(g.name, 0) + 1
        while True:
            chosen: dict[str, list[_Patient]] = {g.name: [] for g in open_options}
            for p in sorted(takers, key=lambda _: rng.random()):
                fits = [g for g in open_options if self._eligible(p, g)
                        and self.suitable_rooms(1, set(g.room_needs) | set(p.needs))]
                if fits:
                    least = min(len(chosen[g.name]) for g in fits)
                    pick = rng.choice([g for g in fits if len(chosen[g.name]) == least])
                    chosen[pick.name].append(p)
            thin = [g for g in open_options if len(chosen[g.name]) < 3]
            if not thin:
                break
            open_options = [g for g in open_options if g not in thin[:1]]
            if not open_options:
                return {}
        # Keep the unit's team order inside each option, so teams stay together.
        position = {id(p): i for i, p in enumerate(unit)}
        return {name: sorted(ps, key=lambda p: position[id(p)])
                for name, ps in chosen.items() if ps}

    def _cut(self, g: GroupSpec, members: list[_Patient]) -> list[_Section]:
        """Sections of a group: one per team for core groups, else balanced chunks."""
        if g.block not in CORE_BLOCKS:
            return [_Section(g, chunk) for chunk in self._chunks(members, g.target)]
        teams: list[list[_Patient]] = []
        for p in members:
            if teams and teams[-1][0].team == p.team:
                teams[-1].append(p)
            else:
                teams.append([p])
        # A team with only one or two of the group's patients joins its neighbour.
        merged: list[list[_Patient]] = []
        for chunk in teams:
            if merged and (len(chunk) < 3 or len(merged[-1]) < 3) \
                    and len(merged[-1]) + len(chunk) <= g.max_size:
                merged[-1].extend(chunk)
            else:
                merged.append(chunk)
        if len(merged) > 1 and len(merged[-1]) < 3:
            if len(merged[-2]) + len(merged[-1]) <= g.max_size:
                merged[-2].extend(merged.pop())
        return [_Section(g, chunk) for chunk in merged]

    # ----- staff: profiles planned up front, hired while placing ---------------------------------

    def plan_staff(self) -> None:
        """Every staff member exists from the start as a profile: role, work class, skills.

        Peer recovery specialists and therapists split the staff by their share of the
        meetings. Each role's evening work (IOP) gets enough evening clinicians and
        afternoon-to-evening ("swing") staff for its meetings and its busiest evening;
        the rest work days (full- or part-time). Therapists' 1-3 skills are spread so
        every skill needed at a time of day has someone working then, and busy skills
        have several people. A profile gets its exact working pattern when placing
        first gives it a group (it is "hired"), so patterns follow where the work is."""
        weekday_day = sum(1 << s.index for s in self.slots if s.day < 5 and not s.evening)
        demand = {role: {"day": {}, "evening": {}} for role in ("peer", "therapist")}
        for sec in self.sections:
            allowed = self.all_mask
            for p in sec.members:
                allowed &= self.program_mask[p.program]
            evening = not allowed & weekday_day or sec.group.prefer == "evening"
            when = "evening" if evening else "day"
            role = "peer" if sec.group.skill == PEER_SKILL else "therapist"
            bucket = demand[role][when]
            bucket[sec.group.skill] = bucket.get(sec.group.skill, 0) + sec.group.sessions
        totals = {role: sum(sum(b.values()) for b in demand[role].values()) for role in demand}
        meetings = sum(totals.values())
        self.target_load = max(4.0, meetings / self.n_staff * 1.1)
        sat = self.days >= 6
        self.class_patterns = {
            "day": ["full", "full_wed", "pt_mwf", "pt_tth", "pt_am"]
            + (["full_sat"] if sat else []),
            "evening": ["evening_sat" if sat else "evening"],
            "swing": ["swing"],
            "long": ["long_sat" if sat else "long"],
        }
        self.pattern_mask = {n: self._pattern_mask(n) for ns in self.class_patterns.values()
                             for n in ns}
        evening_slots = max(1, self.program_mask[IOP].bit_count())

        def classes(role: str, n: int) -> list[str]:
            """Evening-only, swing and day staff so both halves of the week have hours."""
            if self.small_staff or n == 0:
                return ["long"] * n
            evening = sum(demand[role]["evening"].values())
            day = sum(demand[role]["day"].values())
            if not evening:
                return ["day"] * n
            if n == 1:
                return ["long"] if day else ["evening"]
            peak = math.ceil(1.5 * evening / evening_slots)  # busiest evening slot
            best = None
            for ev in range(n + 1):
                for sw in range(n - ev + 1):
                    dy = n - ev - sw
                    if ev + sw == 0 or (day and dy + sw == 0):
                        continue
                    # Swing staff only cover afternoons by day: count them modestly.
                    cover = min((HOURS["evening"] * ev + 5 * sw) / evening,
                                (HOURS["day"] * dy + 5 * sw) / day if day else 9)
                    key = (ev + sw >= min(peak, n), round(cover, 1), -sw)
                    if best is None or key > best[0]:
                        best = (key, ev, sw)
            _, ev, sw = best
            return ["swing"] * sw + ["evening"] * ev + ["day"] * (n - ev - sw)

        if self.n_staff == 1:
            skills = sorted({k for role in demand for b in demand[role].values() for k in b})
            skills = [k for k in skills if k != PEER_SKILL]
            if len(skills) > 3:
                raise _PlantFailed("staff")
            profiles = [("dual", "long", [PEER_SKILL] + skills)]
            shares = [{}]
        else:
            peer = totals["peer"]
            n_peer = min(self.n_staff - 1, max(1, round(self.n_staff * peer / max(1, meetings))))
            n_peer = n_peer if peer else 0
            n_therapist = self.n_staff - n_peer
            profiles = [("peer", c, [PEER_SKILL]) for c in classes("peer", n_peer)]
            therapist_classes = classes("therapist", n_therapist)
            held = self._plan_skills(therapist_classes, demand["therapist"])
            profiles = [("therapist", c, h) for c, h in zip(therapist_classes, held)] + profiles
            shares = self.share + [{} for _ in range(n_peer)]
        self.staff: list[_Staff] = []
        self.unhired = {c: 0 for c in self.class_patterns}
        for (role, work, skill_list), planned in zip(profiles, shares):
            mask = 0
            for n in self.class_patterns[work]:
                mask |= self.pattern_mask[n]
            member = _Staff(len(self.staff), role, "", list(skill_list), mask, 5, 22,
                            target=self.target_load)
            member.work = work
            member.share = dict(planned)
            self.unhired[work] |= 1 << member.index
            self.staff.append(member)
        self.staff_free = [0] * len(self.slots)
        for m in self.staff:
            for t in _bits(m.mask):
                self.staff_free[t] |= 1 << m.index
        self.qualified: dict[str, int] = {}
        for m in self.staff:
            for k in m.skills:
                self.qualified[k] = self.qualified.get(k, 0) | (1 << m.index)

    def _plan_skills(self, work: list[str], demand: dict[str, dict[str, int]]) -> list[list[str]]:
        """1-3 skills per therapist, from their hours: each therapist's week is shared out
        over the skills needed when they work, busiest skills first, until every skill
        has about 120 % of its meetings covered. Remembers the shares in self.share."""
        rng, n = self.rng, len(work)
        most = 4 if self.n_staff == 1 else 3
        works_at = {"day": ("day", "swing", "long"), "evening": ("evening", "swing", "long")}
        typical = HOURS
        total = sum(sum(d.values()) for d in demand.values())
        supply = sum(typical[w] for w in work) or 1.0
        scale = min(1.0, 1.25 * total / supply)  # spread the work, leave the rest as slack
        left = [typical[w] * scale for w in work]
        held: list[list[str]] = [[] for _ in range(n)]
        share: list[dict[str, float]] = [{} for _ in range(n)]
        for when in ("evening", "day"):  # evening first: fewer people work then
            able = [i for i in range(n) if work[i] in works_at[when]]
            need = sorted(demand[when], key=lambda k: (-demand[when][k], SKILL_PRIORITY.index(k)))
            for k in need:
                todo = 1.2 * demand[when][k]
                while todo > 1e-9:
                    options = [i for i in able if k in held[i] or len(held[i]) < most]
                    if not options:
                        raise _PlantFailed("staff")
                    roomy = [i for i in options if left[i] > 0.5]
                    if roomy:
                        # Holders first (skills stay few), then whoever has the most hours.
                        i = max(roomy, key=lambda i: (k in held[i], left[i], rng.random()))
                        part = min(left[i], todo)
                    else:  # everyone is spoken for: lean on a holder (or broaden someone)
                        i = max(options, key=lambda i: (k in held[i], -len(held[i]), rng.random()))
                        part = todo
                    if k not in held[i]:
                        held[i].append(k)
                    share[i][k] = share[i].get(k, 0.0) + part
                    left[i] -= part
                    todo -= part
        skills = sorted({k for d in demand.values() for k in d}, key=SKILL_PRIORITY.index)
        for i in range(n):
            if not held[i]:  # nothing needed at their times: a generalist
                held[i].append(rng.choice(skills or ["CBT"]))
            # Many therapists hold a skill the week does not need from them.
            if len(held[i]) < most and rng.random() < 0.3:
                other = [k for k in skills if k not in held[i]]
                if other:
                    held[i].append(rng.choice(other))
        self.share = share
        return held

    def _pattern_mask(self, pattern: str) -> int:
        text, only, *_ = _PATTERNS[pattern]
        mask = self.covered(text)
        if only == "day":
            mask &= ~sum(1 << s.index for s in self.slots if s.evening)
        return mask

    def _covering(self, work: str, need: int) -> list[str]:
        """Patterns of a work class covering every slot in `need`."""
        return [n for n in self.class_patterns[work] if self.pattern_mask[n] & need == need]

    def hire(self, member: _Staff, slots: list[int]) -> None:
        """Give a profile the working pattern of its first planted groups."""
        need = sum(1 << t for t in slots)
        per_day = max(sum(1 for t in slots if self.slots[t].day == d) for d in range(7))
        patterns = [n for n in self._covering(member.work, need) if _PATTERNS[n][2] >= per_day]
        if not patterns:
            raise _PlantFailed("staff")
        pattern = self.rng.choices(patterns, weights=[_PATTERNS[p][4] for p in patterns])[0]
        _, _, day_cap, week_cap, _ = _PATTERNS[pattern]
        if member.role == "dual":
            day_cap, week_cap = 5, 26
        member.pattern, member.mask = pattern, self.pattern_mask[pattern]
        member.day_cap, member.week_cap = day_cap, week_cap
        member.target = max(3.0, min(week_cap, self.target_load * week_cap / 16))
        self.unhired[member.work] &= ~(1 << member.index)
        for t in range(len(self.slots)):
            if not (member.mask >> t) & 1:
                self.staff_free[t] &= ~(1 << member.index)

    # ----- placing blocks -------------------------------------------------------------------------

    def place_all(self) -> None:
        queue = list(self.blocks)
        while queue:
            block = queue.pop(0)
            if self._try(block):
                continue
            if len(block.sections) == 1:
                # Last resort for one section: a little overtime, or a therapist with a
                # free skill slot takes the group on (the roster is derived from this).
                if self._try(block, relaxed=True):
                    continue
                raise _PlantFailed(self._shortage(block))
            half = len(block.sections) // 2
            queue[:0] = [_Block(block.sections[:half], block.prefer, block.day_program),
                         _Block(block.sections[half:], block.prefer, block.day_program)]

    def _shortage(self, block: _Block) -> str:
        """Which resource stopped a single section: patients' time, rooms or staff."""
        sec = block.sections[0]
        allowed = self._allowed(sec.members)[0]
        if allowed.bit_count() < block.sessions:
            return "time"
        suit = self.suitable_rooms(len(sec.members), sec.needs)
        if sum(1 for t in _bits(allowed) if suit & ~self.room_busy[t]) < block.sessions:
            return "rooms"
        return "staff"

    def _allowed(self, members: list[_Patient]) -> tuple[int, list[int]]:
        mask, busy = self.all_mask, 0
        headroom = [99] * 7
        for p in members:
            mask &= self.program_mask[p.program]
            busy |= p.busy
            cap = self.program_cap[p.program]
            for d in range(self.days):
                headroom[d] = min(headroom[d], cap - p.day_count[d])
        return mask & ~busy, headroom

    def _slot_cost(self, block: _Block, t: int) -> float:
        slot = self.slots[t]
        cost = 0.0
        if block.prefer == "evening":
            cost += 0 if slot.evening else 2.5
        elif block.prefer == "saturday":
            cost += 0 if slot.day == SATURDAY and not slot.evening else 2.5
        elif block.day_program:
            cost += (2.0 if slot.evening else 0) + (2.5 if slot.day == SATURDAY else 0)
        elif slot.day == SATURDAY:
            cost += 1.0
        return cost

    def _try(self, block: _Block, relaxed: bool = False) -> bool:
        """Choose the block's slots one by one, keeping rooms and facilitators matchable."""
        rng, sections, s = self.rng, block.sections, block.sessions
        members = [p for sec in sections for p in sec.members]
        allowed, headroom = self._allowed(members)
        day_avg = [sum(p.day_count[d] for p in members) / max(1, len(members)) for d in range(7)]
        suit = [self.suitable_rooms(len(sec.members), sec.needs) for sec in sections]
        if not all(suit):
            return False
        under_cap = good = learners = 0
        overtime = 3 if relaxed else 0
        most = 4 if self.n_staff == 1 else 3
        for m in self.staff:
            if m.load + s <= m.week_cap + overtime:
                under_cap |= 1 << m.index
            if not m.pattern or m.load + s <= m.target:
                good |= 1 << m.index  # someone with room in their week, or not yet hired
            if relaxed and m.role != "peer" and len(m.skills) < most:
                learners |= 1 << m.index
        can = []
        for sec in sections:
            mask = self.qualified.get(sec.group.skill, 0)
            if sec.group.skill != PEER_SKILL:
                mask |= learners
            can.append(mask & under_cap)
        chosen: list[int] = []
        n_rooms, n_staff = len(self.rooms), len(self.staff)
        for _ in range(s):
            # Unhired staff are free where one pattern of their class covers this slot
            # together with the slots already chosen.
            need = sum(1 << c for c in chosen)
            cover = {w: 0 for w in self.class_patterns}
            for w in cover:
                for n in self._covering(w, need):
                    cover[w] |= self.pattern_mask[n]
            best, best_cost, best_free = None, None, 0
            for t in _bits(allowed):
                if t in chosen:
                    continue
                d = self.slots[t].day
                same_day = sum(1 for c in chosen if self.slots[c].day == d)
                if headroom[d] - same_day < 1:
                    continue
                busy_rooms = self.room_busy[t]
                if not _enough([m & ~busy_rooms for m in suit]):
                    continue
                free = self.staff_free[t]
                for w, mask in cover.items():
                    if not (mask >> t) & 1:
                        free &= ~self.unhired[w]
                if same_day:
                    free &= self._day_headroom_mask(d, 1 + same_day)
                staff_masks = [c & free for c in can]
                if not _enough(staff_masks):
                    continue
                short = sum(1 for m in staff_masks if not m & good)
                cost = (self._slot_cost(block, t) + 4.0 * same_day + 0.6 * day_avg[d]
                        + 2.0 * busy_rooms.bit_count() / n_rooms
                        + 1.0 * (n_staff - free.bit_count()) / n_staff
                        + 1.5 * short + 0.5 * rng.random())
                if best_cost is None or cost < best_cost:
                    best, best_cost, best_free = t, cost, free
            if best is None:
                return False
            chosen.append(best)
            can = [c & best_free for c in can]
        return self._commit(block, sorted(chosen), can, suit)

    def _day_headroom_mask(self, day: int, needed: int) -> int:
        mask = 0
        for m in self.staff:
            if m.day_load[day] + needed <= m.day_cap:
                mask |= 1 << m.index
        return mask

    def _facilitator_cost(self, m: _Staff, skill: str, sessions: int) -> float:
        """Staff whose planned hours for this skill are not used up, then a new hire, then
        anyone up to their target load, then beyond it."""
        over_share = m.used.get(skill, 0) + sessions > m.share.get(skill, 0) + 0.5
        if not m.pattern:
            return 1.2 + (0.6 if over_share else 0)
        cost = (m.load + sessions) / max(1.0, m.target)
        if m.role == "therapist" and over_share:
            cost += 0.6
        if skill not in m.skills:
            cost += 1.0
        if m.load + sessions > m.target:
            cost += 5.0
        if m.load + sessions > m.week_cap:
            cost += 10.0
        return cost

    def _commit(self, block: _Block, chosen: list[int], can: list[int], suit: list[int]) -> bool:
        sections, s = block.sections, block.sessions
        # Facilitators: greedily by cost for the most constrained section first; a plain
        # matching when the greedy choice paints itself into a corner.
        order = sorted(range(len(sections)), key=lambda j: can[j].bit_count())
        taken, lead = 0, {}
        for j in order:
            skill = sections[j].group.skill
            options = sorted(_bits(can[j] & ~taken),
                             key=lambda i: (self._facilitator_cost(self.staff[i], skill, s), i))
            if not options:
                ranked = [sorted(_bits(c), key=lambda i: (
                    self._facilitator_cost(self.staff[i], sections[jj].group.skill, s), i))
                    for jj, c in enumerate(can)]
                matched, result = _match(ranked)
                if matched < len(sections):
                    return False
                lead = dict(enumerate(result))
                break
            lead[j] = options[0]
            taken |= 1 << options[0]
        # Rooms: the same room for every meeting when possible, else room by room.
        together = list(suit)
        for t in chosen:
            together = [m & ~self.room_busy[t] for m in together]
        pick = self._room_choice(together)
        if pick is not None:
            rooms_at = [[pick[j]] * s for j in range(len(sections))]
        else:
            rooms_at = [[] for _ in sections]
            for t in chosen:
                per = self._room_choice([m & ~self.room_busy[t] for m in suit])
                if per is None:
                    return False
                for j in range(len(sections)):
                    rooms_at[j].append(per[j])
        for j, sec in enumerate(sections):
            member = self.staff[lead[j]]
            if not member.pattern:
                self.hire(member, chosen)
            skill = sec.group.skill
            if skill not in member.skills:  # a relaxed retry taught them a new skill
                member.skills.append(skill)
                self.qualified[skill] = self.qualified.get(skill, 0) | (1 << member.index)
            member.used[skill] = member.used.get(skill, 0) + s
            sec.facilitator = member.index
            sec.slots = list(chosen)
            sec.rooms = rooms_at[j]
            for t, r in zip(chosen, rooms_at[j]):
                d = self.slots[t].day
                self.rooms[r].busy |= 1 << t
                self.room_busy[t] |= 1 << r
                member.busy |= 1 << t
                member.load += 1
                member.day_load[d] += 1
                self.staff_free[t] &= ~(1 << member.index)
                if member.day_load[d] >= member.day_cap:
                    for u in _bits(self.day_mask[d]):
                        self.staff_free[u] &= ~(1 << member.index)
                for p in sec.members:
                    p.busy |= 1 << t
                    p.day_count[d] += 1
                    p.minutes += self.slots[t].end - self.slots[t].start
            for p in sec.members:
                p.sections.append(sec)
        return True

    def _room_choice(self, masks: list[int]) -> list[int] | None:
        """Distinct rooms, smallest and plainest first (keep the special rooms free)."""
        options = [sorted(_bits(m), key=lambda i: (len(self.rooms[i].features),
                                                    self.rooms[i].capacity, i)) for m in masks]
        matched, result = _match(options)
        if matched < len(masks):
            return None
        return result

    # ----- deriving the roster ------------------------------------------------------------------

    def finish_staff(self) -> None:
        """Profiles the planted week did not need still work here; then name everyone."""
        rng = self.rng
        for m in self.staff:
            if not m.pattern:
                patterns = self.class_patterns[m.work]
                m.pattern = rng.choices(patterns, weights=[_PATTERNS[p][4] for p in patterns])[0]
                _, _, m.day_cap, m.week_cap, _ = _PATTERNS[m.pattern]
                if m.role == "dual":
                    m.day_cap, m.week_cap = 5, 26
        # Therapists first, then peer recovery specialists, as a staff list usually reads.
        order = sorted(self.staff, key=lambda m: (m.role == "peer", rng.random()))
        width = max(2, len(str(len(order))))
        names = [f"{f} {l}" for f in FIRST_NAMES for l in LAST_NAMES]
        rng.shuffle(names)
        for i, m in enumerate(order, start=1):
            m.id = f"S{i:0{width}d}"
            if m.role == "peer":
                title = "CPRS"
            elif m.role == "dual":
                title = "LADC, CPRS"
            else:
                title = rng.choice(THERAPIST_TITLES)
            m.name = f"{names[i - 1]}, {title}"
        self.staff_order = order

    def name_sections(self) -> None:
        by_group: dict[str, list[_Section]] = {}
        for sec in self.sections:
            by_group.setdefault(sec.group.name, []).append(sec)
        for secs in by_group.values():
            secs.sort(key=lambda sec: (min(sec.slots), sorted(p.id for p in sec.members)))
            for i, sec in enumerate(secs):
                sec.name = _section_letters(i)

    def set_admissions(self) -> None:
        """Admission dates after the sections exist, so every peer section has a role model."""
        rng = self.rng
        rm_share = {RES: 0.42, PHP: 0.48, IOP: 0.58}
        longest = {RES: 75, PHP: 60, IOP: 120}
        self.days_in: dict[str, int] = {}
        for p in self.patients:
            if rng.random() < rm_share[p.program]:
                self.days_in[p.id] = rng.randint(ROLE_MODEL_DAYS, longest[p.program])
            elif rng.random() < 0.3:
                self.days_in[p.id] = rng.randint(0, 6)  # newcomer
            else:
                self.days_in[p.id] = rng.randint(7, ROLE_MODEL_DAYS - 1)
        self.override: dict[str, str] = {}
        # A few stepped down from another level of care: new here, long in recovery.
        for p in self.patients:
            if self.days_in[p.id] < ROLE_MODEL_DAYS and rng.random() < 0.01:
                self.override[p.id] = "yes"
        for sec in self.sections:
            if sec.group.kind == "peer" and not any(self.is_role_model(p) for p in sec.members):
                pick = max(sec.members, key=lambda p: (self.days_in[p.id], p.id))
                self.days_in[pick.id] = rng.randint(ROLE_MODEL_DAYS, ROLE_MODEL_DAYS + 15)
        # ... and a few long-stayers who are not role models (a recent relapse), where a
        # peer section has another role model anyway.
        for p in self.patients:
            if self.days_in[p.id] >= ROLE_MODEL_DAYS and p.id not in self.override \
                    and rng.random() < 0.01:
                self.override[p.id] = "no"
                if any(sec.group.kind == "peer"
                       and not any(self.is_role_model(q) for q in sec.members)
                       for sec in p.sections):
                    del self.override[p.id]

    def is_role_model(self, p: _Patient) -> bool:
        if p.id in self.override:
            return self.override[p.id] == "yes"
        return self.days_in[p.id] >= ROLE_MODEL_DAYS

    def keep_apart(self) -> list[tuple[_Patient, _Patient]]:
        rng = self.rng
        n = self.n_patients
        want = int(n / 40 + 0.5) if n < 20 else max(1, int(n / 40 + 0.5))
        pairs: list[tuple[_Patient, _Patient]] = []
        used: set[str] = set()
        sections_of = {p.id: {id(s) for s in p.sections} for p in self.patients}
        pool = list(self.patients)
        rng.shuffle(pool)
        for a in pool:
            if len(pairs) >= want:
                break
            if a.id in used:
                continue
            # Conflicts happen where people live and meet: same unit first, then same program.
            for scope in (lambda b: b.unit == a.unit, lambda b: b.program == a.program):
                options = [b for b in self.patients if b.id != a.id and b.id not in used
                           and scope(b) and not sections_of[a.id] & sections_of[b.id]]
                if options:
                    b = rng.choice(options)
                    pairs.append((a, b))
                    used.update((a.id, b.id))
                    break
        return pairs

    def free_runs(self, busy: int, within: int, day: int) -> list[list[_Slot]]:
        """Runs of consecutive slots of a day inside `within` and outside `busy`."""
        runs, run = [], []
        for s in self.slots:
            if s.day != day:
                continue
            if (within >> s.index) & 1 and not (busy >> s.index) & 1:
                run.append(s)
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
        return runs

    def patient_unavailable(self, p: _Patient) -> str | None:
        rng = self.rng
        share = 0.25 if p.program == IOP else 0.12
        if rng.random() >= share:
            return None
        within = self.program_mask[p.program]
        days = [d for d in range(self.days) if within & self.day_mask[d]]
        # Working patients (IOP) lose a whole evening; others have appointments.
        free_days = [d for d in days if not p.busy & self.day_mask[d]]
        if p.program == IOP and free_days and rng.random() < 0.6:
            return DAY_NAMES[rng.choice(free_days)]
        runs = [run for d in days for run in self.free_runs(p.busy, within, d)]
        if not runs:
            return None
        run = rng.choice(runs)
        n = min(len(run), rng.choice([1, 1, 2]))
        i = rng.randrange(len(run) - n + 1)
        first, last = run[i], run[i + n - 1]
        return f"{DAY_NAMES[first.day]} {_text_time(first.start)}-{_text_time(last.end)}"

    def room_unavailable(self, r: _Room) -> str | None:
        rng = self.rng
        if self.n_rooms < 2 or rng.random() >= 0.25:
            return None
        if self.days >= 6 and not r.busy & self.day_mask[SATURDAY] and rng.random() < 0.3:
            return "Sat"  # closed at weekends
        day_slots = sum(1 << s.index for s in self.slots if not s.evening)
        runs = [run for d in range(min(self.days, 5))
                for run in self.free_runs(r.busy, day_slots, d) if len(run) >= 2]
        if not runs:
            return None
        run = rng.choice(runs)
        first, last = run[0], run[min(len(run), 2) - 1]  # deep cleaning takes a morning or so
        return f"{DAY_NAMES[first.day]} {_text_time(first.start)}-{_text_time(last.end)}"

    # ----- the sheets ---------------------------------------------------------------------------

    def sheets(self) -> dict[str, list[list]]:
        rng = self.rng
        sheets: dict[str, list[list]] = {name: [list(h)] for name, h in HEADERS.items()}
        sheets["Settings"] += [["Center", self.center], ["Week of", self.week_of],
                               ["Role model days", ROLE_MODEL_DAYS],
                               ["Time limit", time_limit_for(self.n_patients)]]
        for s in self.slots:
            sheets["Slots"].append([DAY_NAMES[s.day], _text_time(s.start), _text_time(s.end),
                                    s.label])
        for name in PROGRAM_ORDER:
            minutes = [p.minutes for p in self.patients if p.program == name]
            if not minutes:
                continue
            least = min(minutes)
            hours = (least // 30) / 2  # whole or half hours, at or below every patient's week
            text, cap = self.programs[name]
            hours = int(hours) if hours == int(hours) else hours
            sheets["Programs"].append([name, hours, cap, text])
        planted_groups = {sec.group.name for sec in self.sections}
        for g in self.curriculum:
            if g.name not in planted_groups:
                continue
            sizes = [len(sec.members) for sec in self.sections if sec.group.name == g.name]
            sheets["Groups"].append([
                g.name, g.kind, g.sessions,
                min(g.min_size, min(sizes)), max(g.max_size, max(sizes)),
                g.skill, ", ".join(g.programs) or None, "yes" if g.required else "no",
                g.gender, g.track, ", ".join(g.room_needs) or None,
            ])
        for m in self.staff_order:
            week = m.week_cap
            if m.load and m.load + 2 > week:
                week = m.load + 2
            day = max(m.day_cap, max(m.day_load))
            sheets["Staff"].append([m.id, m.name, ", ".join(m.skills), _PATTERNS[m.pattern][0],
                                    day, week])
        for r in self.rooms:
            sheets["Rooms"].append([r.name, r.capacity, ", ".join(r.features) or None,
                                    self.room_unavailable(r)])
        pairs = self.keep_apart()
        self.pairs = pairs
        apart: dict[str, list[str]] = {}
        for a, b in pairs:
            apart.setdefault(a.id, []).append(b.id)
            if rng.random() < 0.3:
                apart.setdefault(b.id, []).append(a.id)  # some intake notes list both sides
        staff_by_index = {m.index: m for m in self.staff}
        therapists = [m for m in self.staff_order if m.role != "peer"]
        for p in self.patients:
            extra = []
            for sec in sorted(p.sections, key=lambda s: s.group.name):
                g = sec.group
                if g.required:
                    continue
                chance = {"e1": 0.5, "e2": 0.7, "family": 0.8}.get(g.block, 1.0)
                if rng.random() < chance:
                    extra.append(g.name)
            primary = None
            if therapists and rng.random() < 0.9:
                mine = sorted({staff_by_index[sec.facilitator].id for sec in p.sections
                               if staff_by_index[sec.facilitator].role != "peer"})
                primary = rng.choice(mine) if mine else rng.choice(therapists).id
            sheets["Patients"].append([
                p.id, p.name, p.program, p.gender,
                self.week_of - dt.timedelta(days=self.days_in[p.id]), p.track, primary,
                ", ".join(extra) or None, self.patient_unavailable(p),
                ", ".join(apart.get(p.id, [])) or None, ", ".join(p.needs) or None,
                self.override.get(p.id),
            ])
        return sheets

    def planted(self) -> dict:
        staff_by_index = {m.index: m for m in self.staff}
        meetings = []
        for sec in self.sections:
            patients = sorted(p.id for p in sec.members)
            for t, r in zip(sec.slots, sec.rooms):
                s = self.slots[t]
                meetings.append({
                    "group": sec.group.name, "section": sec.name, "day": DAY_NAMES[s.day],
                    "start": hhmm(s.start), "end": hhmm(s.end), "room": self.rooms[r].name,
                    "facilitator": staff_by_index[sec.facilitator].id, "patients": patients,
                })
        meetings.sort(key=lambda m: (DAY_NAMES.index(m["day"]), m["start"], m["group"],
                                     m["section"]))
        sections = []
        for sec in sorted(self.sections, key=lambda x: (x.group.name, len(x.name), x.name)):
            sections.append({
                "group": sec.group.name, "section": sec.name,
                "facilitator": staff_by_index[sec.facilitator].id,
                "patients": sorted(p.id for p in sec.members), "meetings": len(sec.slots),
                "rooms": sorted({self.rooms[r].name for r in sec.rooms}),
            })
        return {
            "schema_version": 1,
            "status": "feasible",
            "center": self.center,
            "week_of": self.week_of.isoformat(),
            "meetings": meetings,
            "sections": sections,
            "objective": None,
            "best_bound": None,
            "penalties": {},
            "stats": {"planted": True, "seed": self.seed, "curriculum_level": self.level},
            "warnings": [],
        }

    # ----- everything -----------------------------------------------------------------------------

    def build(self) -> Generated:
        self.make_slots()
        self.make_patients()
        self.make_rooms()
        self.make_units()
        self.choose_curriculum()
        self.make_blocks()
        self._check_capacity()
        self.plan_staff()
        self.room_busy = [0] * len(self.slots)
        self.place_all()
        self.finish_staff()
        self.name_sections()
        self.set_admissions()
        sheets = self.sheets()
        planted = self.planted()
        by_program = {p: sum(1 for x in self.patients if x.program == p) for p in PROGRAM_ORDER}
        return Generated(
            sheets=sheets, planted=planted, patients=self.n_patients, staff=len(self.staff),
            rooms=len(self.rooms), days=self.days, seed=self.seed, slots=len(self.slots),
            groups=len(sheets["Groups"]) - 1, sections=len(self.sections),
            meetings=len(planted["meetings"]),
            staff_leading=len({sec.facilitator for sec in self.sections}),
            keep_apart_pairs=len(self.pairs),
            role_models=sum(1 for p in self.patients if self.is_role_model(p)),
            newcomers=sum(1 for p in self.patients if self.days_in[p.id] < 7),
            by_program=by_program,
        )

    def _check_capacity(self) -> None:
        """Cheap checks before placing: rooms and staff hours for every meeting."""
        meetings = sum(sec.group.sessions for sec in self.sections)
        if meetings > 0.9 * self.n_rooms * len(self.slots):
            raise _PlantFailed("rooms", certain=True)
        most = 26 if self.n_staff == 1 else 17
        if meetings > most * self.n_staff:
            raise _PlantFailed("staff", certain=True)


# --- public API -----------------------------------------------------------------------------------


def generate(patients: int, staff: int, rooms: int, days: int = 5, seed: int = 0) -> Generated:
    """A fictional center's roster with a planted valid week (see the module docstring)."""
    for name, value, least in (("patients", patients, 10), ("staff", staff, 1),
                               ("rooms", rooms, 1)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, not {value!r}.")
        if value < least:
            raise ValueError(f"{name} must be at least {least}, not {value}"
                             + (" (three programs need at least 3 patients each)."
                                if name == "patients" else "."))
    if days not in (5, 6):
        raise ValueError(f"days must be 5 (Mon-Fri) or 6 (Mon-Sat), not {days!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, not {seed!r}.")
    if patients > 5000:
        raise ValueError(f"patients must be at most 5000, not {patients}.")
    shortages: list[str] = []
    # The full curriculum first, reshuffled a few times; then leaner ones.
    for level in (3, 2, 1, 0):
        for attempt in range(3):
            try:
                return _Builder(patients, staff, rooms, days, seed, level, attempt).build()
            except _PlantFailed as failed:
                shortages.append(failed.resource)
                if failed.certain:
                    break
    # The most frequent shortage; ties in a fixed order (no set order: hash seeds vary).
    short = min(("staff", "rooms", "time"), key=lambda r: -shortages.count(r))
    advice = {
        "rooms": f"too few rooms (try more than {rooms}; about one room per 15 patients "
                 f"usually works, e.g. {math.ceil(patients / 15)})",
        "staff": f"too few staff (try more than {staff}; about one staff member per 10 "
                 f"patients usually works, e.g. {math.ceil(patients / 10)})",
        "time": "the patients' groups do not fit in the week's slots",
    }[short]
    raise ValueError(f"cannot plant a valid week for {patients} patients with {staff} staff and "
                     f"{rooms} room{'s' if rooms != 1 else ''} over {days} days: {advice}.")


def write_generated(generated: Generated, path: str | os.PathLike) -> Path:
    """Write the workbook atomically; the same Generated always gives the same bytes."""
    return write_atomically(path, _workbook_bytes(generated))


_WIDTHS = {"Setting": 18, "Value": 30, "Group": 26, "Skill": 20, "Programs": 24, "Room needs": 14,
           "Name": 28, "Skills": 36, "Available": 30, "Room": 18, "Features": 26,
           "Unavailable": 20, "Extra groups": 30, "Attends": 34, "Keep apart": 12}


def _workbook_bytes(generated: Generated) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name, rows in generated.sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        ws.freeze_panes = "A2"
        for index, header in enumerate(rows[0], start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = _WIDTHS.get(header, max(12, len(header) + 4))
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    center = generated.planted.get("center") or "Generated center"
    wb.properties.creator = "scheduler generate"
    wb.properties.title = f"{center} roster (fictional)"
    wb.properties.description = (f"Generated roster: {generated.patients} patients, "
                                 f"{generated.staff} staff, {generated.rooms} rooms, "
                                 f"{generated.days} days, seed {generated.seed}. All names are "
                                 "invented.")
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps 'modified' and zip entries with the current time: pin both.
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            pinned = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = info.external_attr
            dst.writestr(pinned, data)
    return out.getvalue()

"""The center's week as plain data: slots, programs, groups, staff, rooms, patients.

Nothing here knows about spreadsheets or the solver. References between
entities are already resolved by the reader to canonical names/IDs, and every
entity remembers the spreadsheet row it came from so messages can point at it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from .rules import default_weights

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PEER = "peer"
THERAPY = "therapy"
KINDS = (PEER, THERAPY)


def key(name: str) -> str:
    """How names are compared: case-insensitive, surrounding/multiple spaces ignored."""
    return " ".join(str(name).split()).casefold()


def natural_key(text: str) -> tuple:
    """Sort 'Room 2' before 'Room 10', ignoring case."""
    parts = re.split(r"(\d+)", key(text))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def clock(minutes: int) -> str:
    """9:00, 17:30 (no leading zero: it reads faster on paper)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class WeekTime:
    """Readable forms of anything with a day and start/end minutes (slots, meetings)."""

    day: int  # 0 = Monday
    start: int  # minutes after midnight
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def day_name(self) -> str:
        return DAY_NAMES[self.day]

    @property
    def start_text(self) -> str:
        return hhmm(self.start)

    @property
    def end_text(self) -> str:
        return hhmm(self.end)

    @property
    def when(self) -> str:
        return f"{self.day_name} {self.start_text}-{self.end_text}"


@dataclass(frozen=True)
class Slot(WeekTime):
    """A bookable period of the week."""

    index: int
    day: int  # 0 = Monday
    start: int  # minutes after midnight
    end: int
    label: str = ""
    row: int | None = None

    def __str__(self) -> str:
        return self.when


@dataclass(frozen=True)
class Window:
    """One item of a time expression: some days, optionally limited to a time of day."""

    days: frozenset[int]
    start: int | None = None  # None: the whole day
    end: int | None = None

    def contains(self, slot: Slot) -> bool:
        if slot.day not in self.days:
            return False
        return self.start is None or (self.start <= slot.start and slot.end <= self.end)

    def overlaps(self, slot: Slot) -> bool:
        if slot.day not in self.days:
            return False
        return self.start is None or (slot.start < self.end and self.start < slot.end)


@dataclass(frozen=True)
class TimeExpr:
    """A parsed Attends / Available / Unavailable cell."""

    windows: tuple[Window, ...] = ()
    text: str = ""

    @property
    def blank(self) -> bool:
        return not self.windows

    def covers(self, slot: Slot) -> bool:
        """Attends/Available: blank means every slot; else the slot lies inside a window."""
        return self.blank or any(w.contains(slot) for w in self.windows)

    def blocks(self, slot: Slot) -> bool:
        """Unavailable: blank blocks nothing; else any overlap blocks the slot."""
        return any(w.overlaps(slot) for w in self.windows)


@dataclass(frozen=True)
class Program:
    """A level of care (Residential, PHP, IOP...)."""

    name: str
    min_minutes: int = 0
    max_per_day: int | None = None
    attends: TimeExpr = TimeExpr()
    row: int | None = None

    @property
    def min_hours(self) -> float:
        return self.min_minutes / 60


@dataclass(frozen=True)
class Group:
    """A group of the curriculum; it runs as one or more sections."""

    name: str
    kind: str  # PEER or THERAPY
    sessions: int
    min_size: int
    max_size: int
    skill: str  # key() of the skill the facilitator needs
    programs: frozenset[str] = frozenset()  # canonical program names; empty = all
    required: bool = False
    gender: str | None = None
    track: str | None = None
    room_needs: frozenset[str] = frozenset()  # key()s of room features
    row: int | None = None

    @property
    def is_peer(self) -> bool:
        return self.kind == PEER


@dataclass(frozen=True)
class Staff:
    """A therapist or peer recovery specialist who can facilitate groups."""

    id: str
    name: str
    skills: frozenset[str]  # key()s
    available: TimeExpr = TimeExpr()
    max_per_day: int | None = None
    max_per_week: int | None = None
    row: int | None = None

    @property
    def display(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Room:
    name: str
    capacity: int
    features: frozenset[str] = frozenset()  # key()s
    unavailable: TimeExpr = TimeExpr()
    row: int | None = None


@dataclass(frozen=True)
class Patient:
    id: str
    program: str  # canonical program name
    name: str = ""
    gender: str | None = None
    admitted: dt.date | None = None
    track: str | None = None
    primary_therapist: str | None = None  # staff ID
    extra_groups: tuple[str, ...] = ()  # canonical group names
    unavailable: TimeExpr = TimeExpr()
    keep_apart: tuple[str, ...] = ()  # patient IDs, as written on this row
    needs: frozenset[str] = frozenset()  # key()s of room features
    role_model: bool | None = None  # explicit override; None = decided by admission date
    row: int | None = None

    @property
    def display(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Settings:
    center: str = ""
    week_of: dt.date | None = None
    role_model_days: int = 30
    time_limit: float = 60.0
    paper: str = "Letter"  # page size of the printouts: Letter or A4


@dataclass(frozen=True)
class Pin:
    """One row of the Fixed sheet: what the administrator decided for a section.

    Day without Start means some slot of that day. A pin with a Day is one meeting of
    the section; without a Day, its room and facilitator hold for every meeting.
    """

    group: str  # canonical group name
    section: str = "A"  # section letter; pins with the same group and letter are one cohort
    day: int | None = None  # 0 = Monday
    start: int | None = None  # minutes after midnight; the start of one of that day's slots
    room: str | None = None  # canonical room name
    facilitator: str | None = None  # staff ID
    row: int | None = None


@dataclass
class Roster:
    """Everything read from one workbook, with the lookups the rest of the tool needs."""

    settings: Settings
    slots: list[Slot]
    programs: list[Program]
    groups: list[Group]
    staff: list[Staff]
    rooms: list[Room]
    patients: list[Patient]
    warnings: list[str] = field(default_factory=list)
    source: str = ""
    weights: dict[str, float] = field(default_factory=default_weights)  # soft rule key -> weight
    pins: list[Pin] = field(default_factory=list)  # the Fixed sheet, in row order
    # A fingerprint of every cell value: a week re-printed for an unchanged roster keeps the
    # solver's status (saving the workbook again without changes keeps it too).
    fingerprint: str = ""

    # --- lookups -----------------------------------------------------------------

    @cached_property
    def program_by_name(self) -> dict[str, Program]:
        return {p.name: p for p in self.programs}

    @cached_property
    def group_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    @cached_property
    def staff_by_id(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}

    @cached_property
    def room_by_name(self) -> dict[str, Room]:
        return {r.name: r for r in self.rooms}

    @cached_property
    def patient_by_id(self) -> dict[str, Patient]:
        return {p.id: p for p in self.patients}

    @cached_property
    def days(self) -> list[int]:
        """The days that have slots, in week order."""
        return sorted({s.day for s in self.slots})

    @property
    def reference_date(self) -> dt.date:
        """The date role-model status is counted from: Week of, else today."""
        return self.settings.week_of or dt.date.today()

    # --- derived facts -------------------------------------------------------------

    def eligible(self, patient: Patient, group: Group) -> bool:
        """Program listed (or none listed) and gender/track blank or equal."""
        if group.programs and patient.program not in group.programs:
            return False
        if group.gender and key(group.gender) != key(patient.gender or ""):
            return False
        if group.track and key(group.track) != key(patient.track or ""):
            return False
        return True

    def is_role_model(self, patient: Patient) -> bool:
        """Explicit Role model cell wins; else admitted at least Role model days ago."""
        if patient.role_model is not None:
            return patient.role_model
        if patient.admitted is None:
            return False
        days_in = (self.reference_date - patient.admitted).days
        return days_in >= self.settings.role_model_days

    def is_newcomer(self, patient: Patient, days: int = 7) -> bool:
        if patient.admitted is None:
            return False
        return (self.reference_date - patient.admitted).days < days

    def assigned_groups(self, patient: Patient) -> list[Group]:
        """Groups the patient must attend: eligible Required groups plus Extra groups."""
        extra = set(patient.extra_groups)
        return [
            g
            for g in self.groups
            if (g.required and self.eligible(patient, g)) or g.name in extra
        ]

    def patient_slots(self, patient: Patient) -> list[Slot]:
        """Slots the patient's program attends and the patient is not unavailable."""
        attends = self.program_by_name[patient.program].attends
        return [
            s for s in self.slots if attends.covers(s) and not patient.unavailable.blocks(s)
        ]

    def staff_slots(self, staff: Staff) -> list[Slot]:
        return [s for s in self.slots if staff.available.covers(s)]

    def staff_capacity(self, staff: Staff) -> int:
        """Most meetings this person could lead: free slots within Max per day and week."""
        per_day: dict[int, int] = {}
        for slot in self.staff_slots(staff):
            per_day[slot.day] = per_day.get(slot.day, 0) + 1
        cap = sum(n if staff.max_per_day is None else min(n, staff.max_per_day)
                  for n in per_day.values())
        return cap if staff.max_per_week is None else min(cap, staff.max_per_week)

    def room_slots(self, room: Room) -> list[Slot]:
        return [s for s in self.slots if not room.unavailable.blocks(s)]

    def qualified_staff(self, group: Group) -> list[Staff]:
        return [s for s in self.staff if group.skill in s.skills]

    def keep_apart_pairs(self) -> list[tuple[str, str]]:
        """Symmetric, de-duplicated pairs of patient IDs, sorted."""
        pairs = set()
        for p in self.patients:
            for other in p.keep_apart:
                if other != p.id:
                    pairs.add(tuple(sorted((p.id, other))))
        return sorted(pairs)

    def kept_apart_from(self) -> dict[str, set[str]]:
        """Patient ID -> the IDs they are kept apart from (either way round)."""
        out: dict[str, set[str]] = defaultdict(set)
        for a, b in self.keep_apart_pairs():
            out[a].add(b)
            out[b].add(a)
        return out

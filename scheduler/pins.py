"""Checks of the Fixed sheet: pins that cannot hold, alone or together.

The reader resolves the names on each row first; this module only judges pins
against the other sheets and each other, so a week with these pins can exist at
all. Problems name the Fixed row to fix and, when two rows clash, the other row.
Semantics (docs/roster-format.md, Fixed): a pin with a Day is one meeting of its
section (Day alone: some slot of that day); a pin without a Day puts every meeting
of the section in its room; a section has one facilitator all week, so a
facilitator on any row leads the whole section.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .domain import DAY_NAMES, Group, Pin, Program, Room, Slot, Staff, hhmm
from .errors import Problem

SHEET = "Fixed"


def check_pins(
    pins: list[Pin],
    slots: list[Slot] | None,
    groups: dict[str, Group],
    staff: dict[str, Staff],
    rooms: dict[str, Room],
    programs: dict[str, Program],
) -> list[Problem]:
    """Every problem of the pins, in row order of discovery.

    `slots` is None when the Slots sheet has problems (times are then not judged);
    the dicts hold only what read cleanly, and pins referring to anything else
    are judged on the rest.
    """
    check = _Check(slots, groups, staff, rooms, programs)
    entries = [_Entry(pin, check.pinned_slots(pin)) for pin in pins]
    for entry in entries:
        check.alone(entry)
    sections: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for entry in entries:
        sections[entry.pin.group, entry.pin.section].append(entry)
    for rows in sections.values():
        check.section(rows)
    check.clashes(entries)
    check.loads(sections)
    return check.problems


@dataclass
class _Entry:
    pin: Pin
    slots: list[Slot] | None  # the pinned slot, or every slot of the pinned day; None: no time
    meeting: bool = False  # counted as one of its section's meetings
    clash: bool = False  # already reported as clashing with another section


@dataclass
class _Lead:
    """What holds for a whole section: its facilitator and its room, with their rows."""

    facilitator: tuple[str, int] | None = None
    room: tuple[str, int] | None = None
    meetings: list[_Entry] = field(default_factory=list)


class _Check:
    def __init__(self, slots, groups, staff, rooms, programs):
        self.slots = slots
        self.groups, self.staff, self.rooms, self.programs = groups, staff, rooms, programs
        self.problems: list[Problem] = []
        self.leads: dict[tuple[str, str], _Lead] = {}

    def problem(self, pin: Pin | int, column: str, message: str, value) -> None:
        row = pin if isinstance(pin, int) else pin.row
        self.problems.append(Problem(message, SHEET, row, column, value))

    # --- one row ---------------------------------------------------------------------

    def pinned_slots(self, pin: Pin) -> list[Slot] | None:
        """The slots the pin may mean; None (reported when wrong) when it pins no time."""
        if pin.day is None or self.slots is None:
            return None
        day = DAY_NAMES[pin.day]
        same_day = [s for s in self.slots if s.day == pin.day]
        if not same_day:
            days = sorted({s.day for s in self.slots})
            listing = ", ".join(DAY_NAMES[d] for d in days) or "none"
            self.problem(pin, "Day", f"the Slots sheet has no slots on {day} "
                         f"(days with slots: {listing}).", day)
            return None
        if pin.start is None:
            return same_day
        match = [s for s in same_day if s.start == pin.start]
        if not match:
            starts = ", ".join(s.start_text for s in same_day)
            self.problem(pin, "Start", f"no slot on the Slots sheet starts at {hhmm(pin.start)} "
                         f"on {day}; slots on {day} start at {starts}.", hhmm(pin.start))
            return None
        return match

    def alone(self, entry: _Entry) -> None:
        pin, group = entry.pin, self.groups.get(entry.pin.group)
        if group is None:
            return
        if entry.slots:
            self._attendable(pin, group, entry.slots)
        member = self.staff.get(pin.facilitator or "")
        if member is not None:
            self._can_lead(pin, group, member)
        room = self.rooms.get(pin.room or "")
        if room is not None:
            self._fits(pin, group, room)

    def _attendable(self, pin: Pin, group: Group, slots: list[Slot]) -> None:
        if group.programs:
            open_to = [self.programs[n] for n in sorted(group.programs) if n in self.programs]
        else:
            open_to = list(self.programs.values())
        if not open_to or any(p.attends.covers(s) for p in open_to for s in slots):
            return
        attends = "; ".join(f"{p.name}: {p.attends.text!r}" for p in open_to)
        self.problem(
            pin, _time_column(pin),
            f"no patient could attend {group.name} {_when(pin)}: it is outside the Attends of "
            f"every program the group is open to ({attends}).",
            _time_value(pin),
        )

    def _can_lead(self, pin: Pin, group: Group, member: Staff) -> None:
        who = _person(member)
        if group.skill not in member.skills:
            skills = ", ".join(sorted(member.skills)) or "none"
            self.problem(
                pin, "Facilitator",
                f"{who} cannot lead {group.name}: it needs the skill {group.skill!r}, and their "
                f"Skills on Staff row {member.row} are {skills}.",
                member.id,
            )
            return
        meets = (f"{group.name} meets {_times(group.sessions)} a week and a section keeps its "
                 "facilitator all week")
        if member.max_per_week is not None and member.max_per_week < group.sessions:
            self.problem(
                pin, "Facilitator",
                f"{who} may lead at most {_count(member.max_per_week, 'meeting')} a week "
                f"(Max per week on Staff row {member.row}), but {meets}.",
                member.id,
            )
            return
        capacity = self._capacity(member)
        if capacity is not None and capacity < group.sessions:
            self.problem(
                pin, "Facilitator",
                f"{who} can lead at most {_count(capacity, 'meeting')} a week (Available "
                f"{member.available.text or 'blank'!r} and Max per day on Staff row {member.row}), "
                f"but {meets}.",
                member.id,
            )

    def _capacity(self, member: Staff) -> int | None:
        if self.slots is None:
            return None
        per_day: dict[int, int] = defaultdict(int)
        for slot in self.slots:
            if member.available.covers(slot):
                per_day[slot.day] += 1
        limit = member.max_per_day
        return sum(n if limit is None else min(n, limit) for n in per_day.values())

    def _fits(self, pin: Pin, group: Group, room: Room) -> None:
        missing = sorted(group.room_needs - room.features)
        if missing:
            features = ", ".join(sorted(room.features)) or "none"
            self.problem(
                pin, "Room",
                f"{room.name} lacks what {group.name} needs: {', '.join(missing)} (Room needs "
                f"on Groups row {group.row}; Features on Rooms row {room.row}: {features}).",
                room.name,
            )
        elif room.capacity < group.min_size:
            self.problem(
                pin, "Room",
                f"{room.name} seats {room.capacity} (Capacity on Rooms row {room.row}), fewer "
                f"than the Min size of {group.name}, {group.min_size}.",
                room.name,
            )
        elif pin.day is None and self.slots is not None:
            free = sum(1 for s in self.slots if not room.unavailable.blocks(s))
            if free < group.sessions:
                self.problem(
                    pin, "Room",
                    f"{room.name} is free at only {_count(free, 'slot')} a week (Unavailable "
                    f"{room.unavailable.text!r} on Rooms row {room.row}), but {group.name} meets "
                    f"{_times(group.sessions)} a week and this row puts every meeting of "
                    f"{_section(pin)} there.",
                    room.name,
                )

    # --- the rows of one section -----------------------------------------------------

    def section(self, entries: list[_Entry]) -> None:
        first = entries[0].pin
        lead = self.leads.setdefault((first.group, first.section), _Lead())
        group = self.groups.get(first.group)
        timed_rooms: list[tuple[str, int]] = []
        at: dict[tuple[int, int], int] = {}  # (day, start) -> row
        for entry in entries:
            pin = entry.pin
            self._one_facilitator(pin, lead)
            self._one_room(pin, lead, timed_rooms)
            if not entry.slots:
                continue
            if pin.start is not None:
                if (pin.day, pin.start) in at:
                    self.problem(
                        pin, "Start",
                        f"{_section(pin)} is already pinned {_when(pin)} on Fixed row "
                        f"{at[pin.day, pin.start]}; a section meets once per slot.",
                        hhmm(pin.start),
                    )
                    continue
                at[pin.day, pin.start] = pin.row
            if group is not None and len(lead.meetings) >= group.sessions:
                self.problem(
                    pin, "Day",
                    f"{group.name} meets {_times(group.sessions)} a week (Sessions per week on "
                    f"Groups row {group.row}), and {_rows(e.pin.row for e in lead.meetings)} "
                    f"already {_pin(len(lead.meetings))} "
                    f"{'it' if len(lead.meetings) == 1 else 'them all'} for {_section(pin)}; "
                    "each row with a Day is one meeting.",
                    DAY_NAMES[pin.day],
                )
                continue
            same_day = [e for e in lead.meetings if e.pin.day == pin.day]
            day_slots = sum(1 for s in self.slots if s.day == pin.day)
            if len(same_day) >= day_slots:
                day = DAY_NAMES[pin.day]
                self.problem(
                    pin, "Day",
                    f"{day} has only {_count(day_slots, 'slot')}, and "
                    f"{_rows(e.pin.row for e in same_day)} already {_pin(len(same_day))} "
                    f"{_section(pin)} to "
                    f"{'it' if day_slots == 1 else 'them all'}; each row with a Day is "
                    "one meeting.",
                    day,
                )
                continue
            entry.meeting = True
            lead.meetings.append(entry)
        for entry in lead.meetings:
            self._available(entry, lead)

    def _one_facilitator(self, pin: Pin, lead: _Lead) -> None:
        if pin.facilitator is None:
            return
        if lead.facilitator is None:
            lead.facilitator = (pin.facilitator, pin.row)
        elif lead.facilitator[0] != pin.facilitator:
            other, row = lead.facilitator
            self.problem(
                pin, "Facilitator",
                f"{_section(pin)} is already led by {self._who(other)} on Fixed row {row}; "
                "a section has one facilitator all week.",
                pin.facilitator,
            )

    def _one_room(self, pin: Pin, lead: _Lead, timed_rooms: list[tuple[str, int]]) -> None:
        if pin.room is None:
            return
        if lead.room is not None and lead.room[0] != pin.room:
            room, row = lead.room
            self.problem(
                pin, "Room",
                f"Fixed row {row} puts every meeting of {_section(pin)} in {room}; a row without "
                "a Day pins the room of the whole section.",
                pin.room,
            )
            return
        if pin.day is not None:
            timed_rooms.append((pin.room, pin.row))
            return
        other = next(((r, n) for r, n in timed_rooms if r != pin.room), None)
        if other is not None:
            self.problem(
                pin, "Room",
                f"this row puts every meeting of {_section(pin)} in {pin.room}, but Fixed row "
                f"{other[1]} pins one of its meetings in {other[0]}.",
                pin.room,
            )
            return
        lead.room = lead.room or (pin.room, pin.row)

    def _available(self, entry: _Entry, lead: _Lead) -> None:
        """The section's facilitator and room can be there at the pinned time."""
        pin = entry.pin
        staff_id, row = _effective(pin.facilitator, pin.row, lead.facilitator)
        member = self.staff.get(staff_id or "")
        if member is not None and not any(member.available.covers(s) for s in entry.slots):
            by = "" if row == pin.row else f", who leads {_section(pin)} by Fixed row {row},"
            self.problem(
                pin, "Facilitator" if row == pin.row else _time_column(pin),
                f"{_person(member)}{by} is not available {_when(pin, any_slot=True)} (Available "
                f"{member.available.text!r} on Staff row {member.row}).",
                member.id if row == pin.row else _time_value(pin),
            )
        name, row = _effective(pin.room, pin.row, lead.room)
        room = self.rooms.get(name or "")
        if room is not None and all(room.unavailable.blocks(s) for s in entry.slots):
            by = "" if row == pin.row else f", where {_section(pin)} meets by Fixed row {row},"
            self.problem(
                pin, "Room" if row == pin.row else _time_column(pin),
                f"{room.name}{by} is unavailable {_when(pin, any_slot=True)} (Unavailable "
                f"{room.unavailable.text!r} on Rooms row {room.row}).",
                room.name if row == pin.row else _time_value(pin),
            )

    # --- between sections ------------------------------------------------------------

    def clashes(self, entries: list[_Entry]) -> None:
        """Different sections pinned at the same slot in one room, or with one facilitator."""
        room_at: dict[tuple[int, str], _Entry] = {}
        lead_at: dict[tuple[int, str], _Entry] = {}
        for entry in entries:
            pin = entry.pin
            if not entry.meeting or pin.start is None:
                continue
            slot = entry.slots[0].index
            lead = self.leads[pin.group, pin.section]
            room, row = _effective(pin.room, pin.row, lead.room)
            if room is not None:
                other = room_at.setdefault((slot, room), entry).pin
                if other is not pin:
                    entry.clash = True
                    by = "" if row == pin.row else (
                        f"{_section(pin)} meets in {room} by Fixed row {row}, but ")
                    self.problem(
                        pin, "Room" if row == pin.row else "Start",
                        f"{by}{room} is already pinned for {_section(other)} {_when(other)} on "
                        f"Fixed row {other.row}; a room holds one section at a time.",
                        room if row == pin.row else hhmm(pin.start),
                    )
            staff_id, row = _effective(pin.facilitator, pin.row, lead.facilitator)
            if staff_id is not None:
                other = lead_at.setdefault((slot, staff_id), entry).pin
                if other is not pin:
                    entry.clash = True
                    by = "" if row == pin.row else (
                        f"{_section(pin)} is led by {self._who(staff_id)} by Fixed row {row}, but ")
                    self.problem(
                        pin, "Facilitator" if row == pin.row else "Start",
                        f"{by}{self._who(staff_id)} is already pinned to lead {_section(other)} "
                        f"{_when(other)} on Fixed row {other.row}; one person leads one section "
                        "at a time.",
                        staff_id if row == pin.row else hhmm(pin.start),
                    )

    def loads(self, sections: dict[tuple[str, str], list[_Entry]]) -> None:
        """A facilitator's pinned sections fit their Max per week and Max per day."""
        led: dict[str, list[tuple[int, str, str]]] = defaultdict(list)  # id -> (row, group, letter)
        for (group, letter), lead in self.leads.items():
            if lead.facilitator is not None:
                led[lead.facilitator[0]].append((lead.facilitator[1], group, letter))
        for staff_id, sections_led in led.items():
            member = self.staff.get(staff_id)
            if member is None:
                continue
            self._week_load(member, sorted(sections_led))
            self._day_load(member, sorted(sections_led))

    def _week_load(self, member: Staff, sections_led: list[tuple[int, str, str]]) -> None:
        if member.max_per_week is None:
            return
        total, listing = 0, []
        for row, name, letter in sections_led:
            group = self.groups.get(name)
            if group is None or group.sessions > member.max_per_week:
                continue  # too many alone: reported on its own row
            total += group.sessions
            listing.append(f"{name} section {letter} ({group.sessions}, Fixed row {row})")
            if total > member.max_per_week:
                self.problem(
                    row, "Facilitator",
                    f"{_person(member)} may lead at most "
                    f"{_count(member.max_per_week, 'meeting')} a week (Max per week on Staff row "
                    f"{member.row}), but the sections pinned to them meet {total} times: "
                    f"{', '.join(listing)}.",
                    member.id,
                )
                return

    def _day_load(self, member: Staff, sections_led: list[tuple[int, str, str]]) -> None:
        if member.max_per_day is None:
            return
        by_day: dict[int, list[_Entry]] = defaultdict(list)
        meetings = [e for _, name, letter in sections_led
                    for e in self.leads[name, letter].meetings]
        for entry in sorted(meetings, key=lambda e: e.pin.row):
            if entry.clash:
                continue
            same_day = by_day[entry.pin.day]
            if len(same_day) >= member.max_per_day:
                day = DAY_NAMES[entry.pin.day]
                self.problem(
                    entry.pin, "Day",
                    f"{_person(member)} may lead at most {_count(member.max_per_day, 'group')} a "
                    f"day (Max per day on Staff row {member.row}), and "
                    f"{_rows(e.pin.row for e in same_day)} already {_pin(len(same_day))} "
                    "them to lead "
                    f"{len(same_day)} on {day}; this row would be one more.",
                    day,
                )
                continue
            same_day.append(entry)

    def _who(self, staff_id: str) -> str:
        member = self.staff.get(staff_id)
        return _person(member) if member else staff_id


# --- words -------------------------------------------------------------------------------


def _effective(own: str | None, row: int, whole: tuple[str, int] | None):
    """What holds for this pin, and the row that said so: its own cell, else the section's."""
    if own is not None:
        return own, row
    return whole if whole is not None else (None, None)


def _person(member: Staff) -> str:
    return f"{member.id} ({member.name})" if member.name else member.id


def _section(pin: Pin) -> str:
    return f"{pin.group} section {pin.section}"


def _when(pin: Pin, any_slot: bool = False) -> str:
    day = DAY_NAMES[pin.day]
    if pin.start is not None:
        return f"at {day} {hhmm(pin.start)}"
    return f"at any slot on {day}" if any_slot else f"on {day}"


def _time_column(pin: Pin) -> str:
    return "Start" if pin.start is not None else "Day"


def _time_value(pin: Pin) -> str:
    return hhmm(pin.start) if pin.start is not None else DAY_NAMES[pin.day]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _pin(rows: int) -> str:
    return "pins" if rows == 1 else "pin"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _rows(rows: Iterable[int]) -> str:
    rows = list(rows)
    if len(rows) == 1:
        return f"Fixed row {rows[0]}"
    return "Fixed rows " + ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"

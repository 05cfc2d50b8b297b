"""Fast pre-checks: conflicts every week would hit, found by counting before solving.

Every check is sound: it compares a lower bound on what the roster asks for (the
fewest sections, meetings, seats or hours any valid week needs) with an upper
bound on what it offers (the most that staff, rooms, slots or patients could
give), so it only reports what truly makes every schedule impossible. Each
conflict is one sentence naming the sheet, row and value to change.

Checks run in a fixed order; once a group or a patient's place in a group has a
conflict, later checks leave it alone, so one cause is reported once.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

from .conflicts import Conflict, RowRef, row_of, where
from .domain import Group, Patient, Program, Room, Roster, Slot, Staff

MAX_NAMED = 6  # patient IDs named in one sentence before "and N more"


def precheck(roster: Roster) -> list[Conflict]:
    """Conflicts that make every week impossible; [] when the counts find none."""
    facts = Facts(roster)
    conflicts: list[Conflict] = []
    for check in CHECKS:
        conflicts.extend(check(facts))
    return conflicts


# --- what every check looks up -------------------------------------------------------------


@dataclass
class Facts:
    """The roster's derived sets, computed once, and what has already been reported."""

    roster: Roster
    done_groups: set[str] = field(default_factory=set)  # groups with a group-wide conflict
    done_pairs: set[tuple[str, str]] = field(default_factory=set)  # (patient ID, group name)

    @cached_property
    def slot(self) -> dict[int, Slot]:
        return {s.index: s for s in self.roster.slots}

    @cached_property
    def all_slots(self) -> frozenset[int]:
        return frozenset(self.slot)

    @cached_property
    def free(self) -> dict[str, frozenset[int]]:
        """Patient ID -> slots their program attends and they are not unavailable."""
        return {p.id: frozenset(s.index for s in self.roster.patient_slots(p))
                for p in self.roster.patients}

    @cached_property
    def window(self) -> dict[str, frozenset[int]]:
        """Program name -> slots its Attends covers."""
        return {p.name: frozenset(s.index for s in self.roster.slots if p.attends.covers(s))
                for p in self.roster.programs}

    @cached_property
    def must(self) -> dict[str, list[Patient]]:
        """Group name -> patients who have to attend it, in sheet order."""
        out: dict[str, list[Patient]] = {g.name: [] for g in self.roster.groups}
        for p in self.roster.patients:
            for g in self.roster.assigned_groups(p):
                out[g.name].append(p)
        return out

    @cached_property
    def eligible(self) -> dict[str, list[Patient]]:
        return {g.name: [p for p in self.roster.patients if self.roster.eligible(p, g)]
                for g in self.roster.groups}

    @cached_property
    def role_models(self) -> set[str]:
        return {p.id for p in self.roster.patients if self.roster.is_role_model(p)}

    def program(self, patient: Patient) -> Program:
        return self.roster.program_by_name[patient.program]

    def groups_to_check(self) -> list[Group]:
        """Groups someone has to attend and that have no conflict yet."""
        return [g for g in self.roster.groups
                if self.must[g.name] and g.name not in self.done_groups]

    def sections_needed(self, group: Group) -> int:
        """The fewest sections that seat everyone who must attend."""
        return math.ceil(len(self.must[group.name]) / group.max_size)

    def programs_of(self, patients: Iterable[Patient]) -> list[Program]:
        names = {p.program for p in patients}
        return [p for p in self.roster.programs if p.name in names]

    def union_window(self, programs: list[Program]) -> frozenset[int]:
        return frozenset().union(*(self.window[p.name] for p in programs))

    def rooms_for(self, needs: frozenset[str], min_size: int = 1) -> list[Room]:
        return [r for r in self.roster.rooms if needs <= r.features and r.capacity >= min_size]

    def room_free(self, room: Room, slots: Iterable[int]) -> list[int]:
        return [t for t in slots if not room.unavailable.blocks(self.slot[t])]


def capped(facts: Facts, slots: Iterable[int], day_cap: int | None) -> int:
    """How many of these slots one person can use with at most day_cap a day."""
    per_day = Counter(facts.slot[t].day for t in slots)
    return sum(n if day_cap is None else min(n, day_cap) for n in per_day.values())


@dataclass(frozen=True)
class StaffLimit:
    """How many meetings one staff member could lead among some slots, and what limits it."""

    staff: Staff
    count: int
    available: int  # of those slots, the ones they are Available
    limit: str  # "week", "day", "patient_day", "available" or "window"
    cap: int | None = None

    def ref(self) -> RowRef:
        s = self.staff
        column, value = {
            "week": ("Max per week", s.max_per_week),
            "day": ("Max per day", s.max_per_day),
        }.get(self.limit, ("Available", s.available.text))
        return row_of("Staff", s, column, value)

    def text(self, times: str = "those times", has_skill: bool = False) -> str:
        who = f"{self.staff.id} ({where('Staff', self.staff)})"
        if has_skill:
            who += " has that skill and"
        if self.limit == "week":
            return f"{who} may lead at most {self.count} a week (Max per week {self.cap})"
        if self.limit in ("day", "patient_day"):
            why = (f"Max per day {self.cap}" if self.limit == "day"
                   else "the patients' Max per day")
            return (f"{who} is available for {self.available} of {times} but may lead at most "
                    f"{self.cap} a day ({why}), so {self.count}")
        if self.limit == "available":
            return (f"{who} is available for {self.count} of {times} "
                    f"(Available {self.staff.available.text!r})")
        return f"{who} is free at all {self.count} of {times}"


def staff_limit(facts: Facts, staff: Staff, slots: Iterable[int],
                patient_cap: int | None = None) -> StaffLimit:
    """Meetings staff could lead among slots, within their caps and the patients' Max per day."""
    avail = [t for t in slots if staff.available.covers(facts.slot[t])]
    caps = [c for c in (staff.max_per_day, patient_cap) if c is not None]
    day_cap = min(caps) if caps else None
    by_day = capped(facts, avail, day_cap)
    if staff.max_per_week is not None and staff.max_per_week < by_day:
        return StaffLimit(staff, staff.max_per_week, len(avail), "week", staff.max_per_week)
    if by_day < len(avail):
        own = staff.max_per_day is not None and staff.max_per_day == day_cap
        return StaffLimit(staff, by_day, len(avail), "day" if own else "patient_day", day_cap)
    return StaffLimit(staff, by_day, len(avail),
                      "window" if staff.available.blank else "available")


# --- words -----------------------------------------------------------------------------------


def _and(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ids(patients: list[Patient]) -> str:
    names = [p.id for p in patients[:MAX_NAMED]]
    if len(patients) > MAX_NAMED:
        names.append(f"{len(patients) - MAX_NAMED} more")
    return _and(names)


def _rows(sheet: str, items: list) -> str:
    """'Patients rows 2, 3 and 4' (or 'Patients row 2')."""
    numbers = [str(getattr(i, "row", None)) for i in items]
    return f"{sheet} row{'s' if len(numbers) > 1 else ''} {_and(numbers)}"


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _group(group: Group) -> str:
    return f"{group.name} ({where('Groups', group)})"


def _patient(patient: Patient) -> str:
    return f"{patient.id} ({where('Patients', patient)})"


def _features(names: Iterable[str]) -> str:
    return _and(sorted(names))


def _times(programs: list[Program], facts: Facts) -> str:
    """'the times Residential attends (Programs row 2, Attends ...)', or 'the week's slots'."""
    limited = [p for p in programs if facts.window[p.name] != facts.all_slots]
    if not limited:
        return "the week's slots"
    names = _and([p.name for p in programs])
    if len(limited) == 1:
        attends = f"Attends {limited[0].attends.text!r}"
    else:
        attends = "Attends: " + "; ".join(f"{p.name} {p.attends.text!r}" for p in limited)
    verb = "attends" if len(programs) == 1 else "attend"
    return f"the times {names} {verb} ({_rows('Programs', limited)}, {attends})"


def _attends_refs(programs: list[Program], facts: Facts) -> list[RowRef]:
    return [row_of("Programs", p, "Attends", p.attends.text) for p in programs
            if facts.window[p.name] != facts.all_slots]


def _meetings_list(groups: list[Group]) -> str:
    return "; ".join(f"{_group(g)}: {g.sessions}" for g in groups)


def _sessions_refs(groups: list[Group]) -> list[RowRef]:
    return [row_of("Groups", g, "Sessions per week", g.sessions) for g in groups]


def _why_sections(facts: Facts, group: Group) -> str:
    """'12 patients must attend, at most 8 per section by Max size'."""
    return (f"{_n(len(facts.must[group.name]), 'patient')} must attend, at most "
            f"{group.max_size} per section by Max size")


def _demand(facts: Facts, group: Group) -> str:
    """'2 sections × 3: 12 patients must attend, at most 8 per section by Max size'."""
    return (f"{_n(facts.sections_needed(group), 'section')} × {group.sessions}: "
            f"{_why_sections(facts, group)}")


def _room_names(rooms: list[Room]) -> str:
    return _and([f"{r.name} ({where('Rooms', r)})" for r in rooms])


def _room_list(rooms: list[Room], show) -> str:
    return "; ".join(f"{r.name} ({where('Rooms', r)}) {show(r)}" for r in rooms)


def _seats(rooms: list[Room]) -> str:
    return _room_list(rooms, lambda r: f"seats {r.capacity}")


def _partly(facts: Facts, needs: frozenset[str]) -> tuple[list[Room], str]:
    """Rooms with some of these features, and 'Room A (Rooms row 2) has projector; ...'."""
    rooms = [r for r in facts.roster.rooms if r.features & needs]
    return rooms, _room_list(rooms, lambda r: "has " + _features(r.features & needs))


# --- rooms: features and size ----------------------------------------------------------------


def group_room_features(facts: Facts) -> list[Conflict]:
    """A group's Room needs that no single room has all of."""
    out = []
    for g in facts.groups_to_check():
        if len(g.room_needs) < 2 or facts.rooms_for(g.room_needs):
            continue  # a single unknown feature is already a reader problem
        partial, have = _partly(facts, g.room_needs)
        out.append(Conflict(
            f"{_group(g)} needs a room with {_features(g.room_needs)} (Room needs), but no room "
            f"has all of them: {have}. "
            f"Add the missing features to one room's Features, or change the group's Room needs.",
            (row_of("Groups", g, "Room needs", _features(g.room_needs)),
             *(row_of("Rooms", r, "Features", _features(r.features)) for r in partial)),
            kind="room_feature"))
        facts.done_groups.add(g.name)
    return out


def patient_room_features(facts: Facts) -> list[Conflict]:
    """A patient's Needs, with a group's Room needs, that no single room has."""
    out = []
    for p in facts.roster.patients:
        if not p.needs:
            continue
        if not facts.rooms_for(p.needs) and (facts.roster.assigned_groups(p)
                                             or facts.program(p).min_minutes > 0):
            partial, have = _partly(facts, p.needs)
            out.append(Conflict(
                f"{_patient(p)} needs a room with {_features(p.needs)} (Needs), but no room has "
                f"all of them: {have}. "
                f"Add the missing features to one room's Features, or change the patient's Needs.",
                (row_of("Patients", p, "Needs", _features(p.needs)),
                 *(row_of("Rooms", r, "Features", _features(r.features)) for r in partial)),
                kind="room_feature"))
            facts.done_pairs.update((p.id, g.name) for g in facts.roster.assigned_groups(p))
            continue
        for g in facts.roster.assigned_groups(p):
            needs = g.room_needs | p.needs
            if g.name in facts.done_groups or facts.rooms_for(needs):
                continue
            partial, have = _partly(facts, needs)
            out.append(Conflict(
                f"{_patient(p)} needs a room with {_features(p.needs)} (Needs) and must attend "
                f"{_group(g)}, which needs {_features(g.room_needs)} (Room needs), but no room "
                f"has all of these: {have}. "
                f"Add the missing features to one room's Features.",
                (row_of("Patients", p, "Needs", _features(p.needs)),
                 row_of("Groups", g, "Room needs", _features(g.room_needs)),
                 *(row_of("Rooms", r, "Features", _features(r.features)) for r in partial)),
                kind="room_feature"))
            facts.done_pairs.add((p.id, g.name))
    return out


def group_room_size(facts: Facts) -> list[Conflict]:
    """A group whose Min size is more than every room with its Room needs seats."""
    out = []
    for g in facts.groups_to_check():
        rooms = facts.rooms_for(g.room_needs)
        if not rooms or max(r.capacity for r in rooms) >= g.min_size:
            continue
        which = f"the rooms with {_features(g.room_needs)}" if g.room_needs else "the rooms"
        out.append(Conflict(
            f"{_group(g)} needs at least {g.min_size} members per section (Min size), but "
            f"{which} seat at most {max(r.capacity for r in rooms)}: "
            f"{_seats(rooms)}. Lower the Min size or raise "
            f"a room's Capacity.",
            (row_of("Groups", g, "Min size", g.min_size),
             *(row_of("Rooms", r, "Capacity", r.capacity) for r in rooms)),
            kind="room_capacity"))
        facts.done_groups.add(g.name)
    return out


def patient_room_size(facts: Facts) -> list[Conflict]:
    """A patient whose Needs leave only rooms smaller than a group's Min size."""
    out = []
    for p in facts.roster.patients:
        if not p.needs:
            continue
        for g in facts.roster.assigned_groups(p):
            if g.name in facts.done_groups or (p.id, g.name) in facts.done_pairs:
                continue
            rooms = facts.rooms_for(g.room_needs | p.needs)
            if not rooms or max(r.capacity for r in rooms) >= g.min_size:
                continue
            out.append(Conflict(
                f"{_patient(p)} needs a room with {_features(p.needs)} (Needs) and must attend "
                f"{_group(g)}, whose sections have at least {g.min_size} members (Min size), but "
                f"the rooms with {_features(g.room_needs | p.needs)} seat at most "
                f"{max(r.capacity for r in rooms)}: {_seats(rooms)}.",
                (row_of("Patients", p, "Needs", _features(p.needs)),
                 row_of("Groups", g, "Min size", g.min_size),
                 *(row_of("Rooms", r, "Capacity", r.capacity) for r in rooms)),
                kind="room_capacity"))
            facts.done_pairs.add((p.id, g.name))
    return out


# --- patients: meetings and hours ------------------------------------------------------------


def _program_cohorts(facts: Facts, groups_of) -> dict[tuple[str, tuple[str, ...]], list[Patient]]:
    """Patients by (program, the groups groups_of(patient) gives), in sheet order."""
    cohorts: dict[tuple[str, tuple[str, ...]], list[Patient]] = defaultdict(list)
    for p in facts.roster.patients:
        cohorts[(p.program, tuple(g.name for g in groups_of(p)))].append(p)
    return cohorts


def _required(roster: Roster, p: Patient) -> list[Group]:
    return [g for g in roster.groups if g.required and roster.eligible(p, g)]


def patient_meetings(facts: Facts) -> list[Conflict]:
    """Required meetings must fit into the patient's free slots and program's Max per day."""
    out = []
    roster = facts.roster
    covered: set[str] = set()
    # Whole cohorts first: the program's hours cannot hold its required groups.
    cohorts = _program_cohorts(facts, lambda p: _required(roster, p))
    for (program_name, names), members in cohorts.items():
        program = roster.program_by_name[program_name]
        groups = [roster.group_by_name[n] for n in names]
        who = f"{_n(len(members), program.name + ' patient')} ({_ids(members)})"
        conflict = _meetings_conflict(facts, program, groups, facts.window[program_name], who, None)
        if conflict:
            out.append(conflict)
            covered.update(p.id for p in members)
    for p in roster.patients:
        if p.id not in covered:
            conflict = _meetings_conflict(facts, facts.program(p), roster.assigned_groups(p),
                                          facts.free[p.id], _patient(p), p)
            if conflict:
                out.append(conflict)
    return out


def _meetings_conflict(facts: Facts, program: Program, groups: list[Group], free: frozenset[int],
                       who: str, patient: Patient | None) -> Conflict | None:
    need = sum(g.sessions for g in groups)
    most = capped(facts, free, program.max_per_day)
    if need <= len(free) and need <= most:
        return None
    refs, busy = [], ""
    if patient is not None:
        if len(free) < len(facts.window[program.name]):
            refs.append(row_of("Patients", patient, "Unavailable", patient.unavailable.text))
            busy = f" (Unavailable {patient.unavailable.text!r})"
        if patient.extra_groups:
            extra = ", ".join(patient.extra_groups)
            refs.append(row_of("Patients", patient, "Extra groups", extra))
    they = "they are" if patient is None else "this patient is"
    demand = (f"{who} must {'each ' if patient is None else ''}attend {_n(need, 'meeting')} a week "
              f"({_meetings_list(groups)})")
    if need > len(free):
        if facts.window[program.name] == facts.all_slots and not busy:
            room = f"the Slots sheet has only {_n(len(free), 'slot')}"
        else:
            room = f"{they} free for only {len(free)} of {_times([program], facts)}{busy}"
        return Conflict(
            f"{demand}, but {room}. Lower a group's Sessions per week"
            f"{', shorten the Unavailable times' if busy else ''} or widen the Attends times.",
            tuple(refs + _attends_refs([program], facts) + _sessions_refs(groups)),
            kind="patient_time")
    days = len({facts.slot[t].day for t in free})
    return Conflict(
        f"{demand}, but {program.name} patients may have at most {program.max_per_day} a day "
        f"({where('Programs', program)}, Max per day) and {they} free on {_n(days, 'day')}{busy}, "
        f"so at most {most}. Raise the Max per day, or lower a group's Sessions per week.",
        tuple(refs + [row_of("Programs", program, "Max per day", program.max_per_day)]
              + _sessions_refs(groups)),
        kind="day_cap")


def most_minutes(facts: Facts, free: Iterable[int], day_cap: int | None, meetings: int) -> int:
    """The most group minutes in these slots with day_cap a day and at most `meetings` meetings."""
    # Longest slots first, skipping full days: optimal for this (matroid) choice.
    per_day: Counter = Counter()
    total = taken = 0
    for t in sorted(free, key=lambda t: (-facts.slot[t].minutes, t)):
        if taken == meetings:
            break
        day = facts.slot[t].day
        if day_cap is not None and per_day[day] >= day_cap:
            continue
        per_day[day] += 1
        taken += 1
        total += facts.slot[t].minutes
    return total


def min_hours(facts: Facts) -> list[Conflict]:
    """A program's Min hours must fit into its patients' free slots under Max per day."""
    out = []
    roster = facts.roster
    covered: set[str] = set()
    for program in roster.programs:
        members = [p for p in roster.patients if p.program == program.name]
        if program.min_minutes <= 0 or not members:
            continue
        # The program's hours alone, whatever groups its patients join.
        conflict = _hours_conflict(facts, program, None, facts.window[program.name],
                                   f"{program.name} patients", None)
        if conflict:
            out.append(conflict)
            covered.update(p.id for p in members)
    # Then the groups each kind of patient may join: they cannot meet more often than those.
    cohorts = _program_cohorts(facts, lambda p: [g for g in roster.groups if roster.eligible(p, g)])
    for (program_name, names), members in cohorts.items():
        program = roster.program_by_name[program_name]
        members = [p for p in members if p.id not in covered]
        if program.min_minutes <= 0 or not members:
            continue
        whole = len(members) == sum(p.program == program_name for p in roster.patients)
        who = (f"{program.name} patients" if whole
               else f"{_n(len(members), program.name + ' patient')} ({_ids(members)})")
        groups = [roster.group_by_name[n] for n in names]
        conflict = _hours_conflict(facts, program, groups, facts.window[program_name], who, None)
        if conflict:
            out.append(conflict)
            covered.update(p.id for p in members)
    for p in roster.patients:
        program = facts.program(p)
        if p.id in covered or program.min_minutes <= 0:
            continue
        groups = [g for g in roster.groups if roster.eligible(p, g)]
        conflict = _hours_conflict(facts, program, groups, facts.free[p.id], _patient(p), p)
        if conflict:
            out.append(conflict)
    return out


def _hours_conflict(facts: Facts, program: Program, groups: list[Group] | None,
                    free: frozenset[int], who: str, patient: Patient | None) -> Conflict | None:
    """groups None: count time only; else also at most their Sessions per week meetings."""
    meetings = len(free) if groups is None else sum(g.sessions for g in groups)
    most = most_minutes(facts, free, program.max_per_day, meetings)
    if most >= program.min_minutes:
        return None
    cap = (f", at most {program.max_per_day} a day (Max per day)"
           if program.max_per_day is not None else "")
    refs = [row_of("Programs", program, "Min hours", program.min_hours)]
    reasons = []
    if patient is not None:
        reasons.append(f"being unavailable {patient.unavailable.text!r} (Unavailable) leaves "
                       f"{len(free)} of {_times([program], facts)}{cap}")
        refs.insert(0, row_of("Patients", patient, "Unavailable", patient.unavailable.text))
    if groups is not None and most_minutes(facts, free, program.max_per_day,
                                           len(free)) >= program.min_minutes:
        # Enough time, too few groups: the groups open to them are the limit.
        reasons.append(f"the groups {'this patient' if patient else 'they'} may join meet only "
                       f"{_n(meetings, 'time')} a week"
                       + (f" ({_meetings_list(groups)})" if groups else ""))
        refs += _sessions_refs(groups)
    elif patient is None:
        reasons.append(f"{_times([program], facts)} hold only {_n(len(free), 'slot')}{cap}")
        refs += _attends_refs([program], facts)
    verb = "needs" if patient is not None else "need"
    return Conflict(
        f"{who} {verb} at least {program.min_hours:g} hours of groups a week "
        f"({where('Programs', program)}, Min hours), but can have at most {most / 60:g}: "
        f"{', and '.join(reasons)}. Lower the Min hours, or widen the times they can attend.",
        tuple(refs), kind="min_hours")


# --- facilitators and rooms at the patients' times -------------------------------------------


def facilitator_times(facts: Facts) -> list[Conflict]:
    """Someone qualified, and a suitable room, must be free for all of a section's meetings."""
    out = []
    roster = facts.roster
    for g in facts.groups_to_check():
        by_program: dict[str, list[Patient]] = defaultdict(list)
        for p in facts.must[g.name]:
            if (p.id, g.name) not in facts.done_pairs:
                by_program[p.program].append(p)
        for program_name, members in by_program.items():
            program = roster.program_by_name[program_name]
            conflict = _times_conflict(facts, g, program, facts.window[program_name], None, members)
            if conflict:
                out.append(conflict)
                facts.done_pairs.update((p.id, g.name) for p in members)
                facts.done_groups.add(g.name)
                continue
            for p in members:
                if not p.unavailable.windows:
                    continue
                conflict = _times_conflict(facts, g, program, facts.free[p.id], p, [p])
                if conflict:
                    out.append(conflict)
                    facts.done_pairs.add((p.id, g.name))
    return out


def _times_conflict(facts: Facts, g: Group, program: Program, free: frozenset[int],
                    patient: Patient | None, members: list[Patient]) -> Conflict | None:
    n = g.sessions
    cap = program.max_per_day
    if len(free) < n or capped(facts, free, cap) < n:
        return None  # patient_meetings reports it
    staff = facts.roster.qualified_staff(g)
    limits = [staff_limit(facts, s, free, cap) for s in staff]
    if patient is None:
        who = f"{program.name} patients ({_ids(members)})"
        when = _times([program], facts)
        whose = _attends_refs([program], facts)
    else:
        who = _patient(patient)
        when = f"the times this patient is free (Unavailable {patient.unavailable.text!r})"
        whose = [row_of("Patients", patient, "Unavailable", patient.unavailable.text)]
    if max((lim.count for lim in limits), default=0) < n:
        return Conflict(
            f"{who} must attend {_group(g)}, whose sections meet {_n(n, 'time')} a week"
            f"{' with one facilitator for all meetings' if n > 1 else ''}, but no staff member "
            f"with skill {g.skill!r} can lead {_n(n, 'meeting')} in {when}: "
            f"{'; '.join(lim.text() for lim in limits)}. Widen someone's Available "
            f"times or Max per day/week, or add the skill to another staff member's Skills.",
            tuple(whose + [row_of("Groups", g, "Skill", g.skill)] + [lim.ref() for lim in limits]),
            kind="staff_time")
    needs = g.room_needs | (patient.needs if patient is not None else frozenset())
    rooms = facts.rooms_for(needs, g.min_size)
    if not rooms:
        return None  # the room checks report it
    open_ = frozenset(t for t in free if any(facts.room_free(r, [t]) for r in rooms))
    with_rooms = [staff_limit(facts, s, open_, cap) for s in staff]
    if max(lim.count for lim in with_rooms) >= n:
        return None
    which = f"the rooms with {_features(needs)}" if needs else "the rooms"
    rooms_text = _room_list(rooms, lambda r: f"unavailable {r.unavailable.text!r}"
                            if r.unavailable.windows else "always free")
    refs = whose + [row_of("Groups", g, "Min size", g.min_size)]
    refs += [row_of("Rooms", r, "Unavailable", r.unavailable.text) for r in rooms]
    if capped(facts, open_, cap) >= n:
        # Rooms and facilitators are each free often enough, but not at the same times.
        because = (f"{which} seating {g.min_size} (Min size) are free at too few of the times a "
                   f"facilitator with skill {g.skill!r} is: {rooms_text}; "
                   + "; ".join(lim.text() for lim in limits))
        refs += [lim.ref() for lim in limits]
        remedy = "Shorten a room's Unavailable times, or widen the facilitators' Available times."
    else:
        because = (f"{which} seating {g.min_size} (Min size) are free at only "
                   f"{capped(facts, open_, cap)} of {when}: {rooms_text}")
        remedy = "Shorten a room's Unavailable times."
    return Conflict(
        f"{who} must attend {_group(g)}, which meets {_n(n, 'time')} a week, but {because}. "
        f"{remedy}",
        tuple(refs), kind="room_time")


def skill_coverage(facts: Facts) -> list[Conflict]:
    """Each group's sections need facilitator-meetings that its qualified staff can give."""
    out = []
    for g in facts.groups_to_check():
        programs = facts.programs_of(facts.must[g.name])
        sections, n = facts.sections_needed(g), g.sessions

        def enough(slots: frozenset[int]) -> tuple[bool, list[StaffLimit]]:
            limits = [staff_limit(facts, s, slots) for s in facts.roster.qualified_staff(g)]
            return sum(lim.count // n for lim in limits) >= sections, limits

        ok, limits = enough(facts.union_window(programs))
        if ok:
            continue
        window_matters = enough(facts.all_slots)[0]
        when = _times(programs if window_matters else [], facts)
        can = sum(lim.count // n for lim in limits) * n
        if len(limits) == 1:
            offer = f"only {limits[0].text(when, has_skill=True)}"
        else:
            offer = (f"the staff with that skill can lead only {can} of them in {when}: "
                     + "; ".join(lim.text() for lim in limits))
        rounding = (" (a section keeps one facilitator for all its meetings)"
                    if sum(lim.count for lim in limits) >= sections * n else "")
        out.append(Conflict(
            f"{_group(g)} needs a facilitator with skill {g.skill!r} for "
            f"{sections * n} meetings a week ({_demand(facts, g)}), but {offer}{rounding}. "
            f"Add the skill to another staff member's Skills, widen their Available times or "
            f"Max per day/week, or raise the group's Max size.",
            tuple([row_of("Groups", g, "Skill", g.skill)] + [lim.ref() for lim in limits]
                  + (_attends_refs(programs, facts) if window_matters else [])),
            kind="skill_coverage"))
        facts.done_groups.add(g.name)
    return out


def skill_totals(facts: Facts) -> list[Conflict]:
    """All groups needing one skill together must fit what the staff with that skill can lead."""
    out = []
    by_skill: dict[str, list[Group]] = defaultdict(list)
    for g in facts.groups_to_check():
        by_skill[g.skill].append(g)
    for skill, groups in sorted(by_skill.items()):
        if len(groups) < 2:
            continue  # one group: skill_coverage already compared it
        need = sum(facts.sections_needed(g) * g.sessions for g in groups)
        programs = facts.programs_of(p for g in groups for p in facts.must[g.name])
        staff = [s for s in facts.roster.staff if skill in s.skills]

        def supply(slots: frozenset[int]) -> list[StaffLimit]:
            return [staff_limit(facts, s, slots) for s in staff]

        limits = supply(facts.union_window(programs))
        can = sum(lim.count for lim in limits)
        if can >= need:
            continue
        window_matters = sum(lim.count for lim in supply(facts.all_slots)) >= need
        when = _times(programs if window_matters else [], facts)
        parts = "; ".join(f"{_group(g)}: {_n(facts.sections_needed(g), 'section')} × {g.sessions}"
                          for g in groups)
        out.append(Conflict(
            f"The groups needing skill {skill!r} need a facilitator for {need} meetings a week "
            f"({parts}; sections from how many must attend and Max size), but the "
            f"staff with that skill can lead only {can} in {when}: "
            f"{'; '.join(lim.text() for lim in limits)}. Add the skill to another staff member's "
            f"Skills, or widen their Available times or Max per day/week.",
            tuple([row_of("Groups", g, "Skill", g.skill) for g in groups]
                  + [lim.ref() for lim in limits]
                  + (_attends_refs(programs, facts) if window_matters else [])),
            kind="skill_coverage"))
    return out


def room_times(facts: Facts) -> list[Conflict]:
    """A group's meetings need as many free room-times with its needs and Min size seats."""
    out = []
    for g in facts.groups_to_check():
        rooms = facts.rooms_for(g.room_needs, g.min_size)
        programs = facts.programs_of(facts.must[g.name])
        need = facts.sections_needed(g) * g.sessions
        slots = facts.union_window(programs)
        have = sum(len(facts.room_free(r, slots)) for r in rooms)
        if not rooms or have >= need:
            continue
        window_matters = sum(len(facts.room_free(r, facts.all_slots)) for r in rooms) >= need

        def free_times(room: Room) -> str:
            return f"free {_n(len(facts.room_free(room, slots)), 'time')}"

        when = _times(programs if window_matters else [], facts)
        which = f"rooms with {_features(g.room_needs)}" if g.room_needs else "rooms"
        out.append(Conflict(
            f"{_group(g)} needs {need} room bookings a week ({_demand(facts, g)}), but the "
            f"{which} seating {g.min_size} (Min size) are free only {have} times in {when}: "
            f"{_room_list(rooms, free_times)}. "
            f"Shorten a room's Unavailable times or add a room.",
            tuple([row_of("Groups", g, "Room needs" if g.room_needs else "Min size",
                          _features(g.room_needs) if g.room_needs else g.min_size)]
                  + [row_of("Rooms", r, "Unavailable", r.unavailable.text) for r in rooms]
                  + (_attends_refs(programs, facts) if window_matters else [])),
            kind="room_time"))
        facts.done_groups.add(g.name)
    return out


def seats(facts: Facts) -> list[Conflict]:
    """In every program's hours, the seats the patients need must fit the rooms' seats."""
    out = []
    roster = facts.roster
    windows = {facts.window[p.program] for p in roster.patients} | {facts.all_slots}
    failed: list[frozenset[int]] = []
    for window in sorted(windows, key=lambda w: (len(w), sorted(w))):
        if any(f <= window for f in failed):
            continue  # a smaller window already explains it
        inside = [p for p in roster.patients if facts.free[p.id] <= window]
        need = sum(g.sessions for p in inside for g in roster.assigned_groups(p))
        have = sum(r.capacity * len(facts.room_free(r, window)) for r in roster.rooms)
        if need <= have:
            continue
        failed.append(window)

        def seat_times(room: Room) -> str:
            return f"seats {room.capacity} × {_n(len(facts.room_free(room, window)), 'time')}"

        programs = [p for p in facts.programs_of(inside) if facts.window[p.name] == window]
        if window == facts.all_slots:
            who = (f"The {_n(len(inside), 'patient')} need {need} seats a week (one per patient "
                   f"per meeting), but the rooms seat at most {have} over the week's "
                   f"{_n(len(window), 'slot')}")
        else:
            who = (f"{_n(len(inside), 'patient')} can only meet in {_times(programs, facts)} and "
                   f"together need {need} seats a week there (one per patient per meeting), but "
                   f"the rooms seat at most {have} in those times")
        out.append(Conflict(
            f"{who}: {_room_list(roster.rooms, seat_times)}. "
            f"Raise a room's Capacity, add a room, or widen the Attends times.",
            tuple(_attends_refs(programs if window != facts.all_slots else [], facts)
                  + [row_of("Rooms", r, "Capacity", r.capacity) for r in roster.rooms]),
            kind="room_capacity"))
    return out


# --- who can fill a section ------------------------------------------------------------------


def too_few_patients(facts: Facts) -> list[Conflict]:
    """Enough patients may join (and share the times) to fill sections to Min size."""
    out = []
    for g in facts.groups_to_check():
        pool = facts.eligible[g.name]
        if len(pool) < g.min_size:
            out.append(Conflict(
                f"{_group(g)} needs at least {g.min_size} members per section (Min size), but "
                f"only {_n(len(pool), 'patient')} may join it ({_ids(pool)}; by its Programs, "
                f"Gender and Track). Lower the Min size, or open the group to more patients.",
                (row_of("Groups", g, "Min size", g.min_size),), kind="min_size"))
            facts.done_groups.add(g.name)
            continue
        sections = facts.sections_needed(g)
        if sections > len(pool) // g.min_size:
            out.append(Conflict(
                f"{_group(g)} needs {_n(sections, 'section')} ({_why_sections(facts, g)}), each "
                f"with at least {g.min_size} members (Min size), but only "
                f"{_n(len(pool), 'patient')} may join it. Raise the Max size or lower the Min "
                f"size.",
                (row_of("Groups", g, "Min size", g.min_size),), kind="min_size"))
            facts.done_groups.add(g.name)
            continue
        out.extend(_lonely(facts, g, pool, g.min_size - 1, "min_size"))
    return out


def role_models(facts: Facts) -> list[Conflict]:
    """Every section of a peer group needs a role model who may join and shares its times."""
    out = []
    for g in facts.groups_to_check():
        if not g.is_peer:
            continue
        models = [p for p in facts.eligible[g.name] if p.id in facts.role_models]
        sections = facts.sections_needed(g)
        if not models:
            out.append(Conflict(
                f"{_group(g)} is a peer group (Kind), so every section needs a role model, but "
                f"none of the {_n(len(facts.eligible[g.name]), 'patient')} who may join is one. "
                f"A role model was admitted at least {facts.roster.settings.role_model_days} days "
                f"before Week of (Settings, Role model days) or has yes in Role model; mark "
                f"one, or make the group 'therapy'.",
                (row_of("Groups", g, "Kind", g.kind),), kind="role_model"))
            facts.done_groups.add(g.name)
        elif len(models) < sections:
            out.append(Conflict(
                f"{_group(g)} needs {_n(sections, 'section')} ({_why_sections(facts, g)}) and, as "
                f"a peer group, a different role model in each, but only "
                f"{_n(len(models), 'patient')} who may join "
                f"{'is a role model' if len(models) == 1 else 'are role models'}: "
                f"{_ids(models)} ({_rows('Patients', models)}). Raise the Max size or mark "
                f"another role model (Role model column).",
                (row_of("Groups", g, "Max size", g.max_size),
                 *(row_of("Patients", p, "Role model", "yes") for p in models)),
                kind="role_model"))
            facts.done_groups.add(g.name)
        else:
            out.extend(_lonely(facts, g, models, 1, "role_model"))
    return out


def _lonely(facts: Facts, g: Group, others: list[Patient], wanted: int,
            kind: str) -> list[Conflict]:
    """Patients who must attend g but share n free slots with fewer than `wanted` of `others`."""
    n = g.sessions
    cache: dict[frozenset[int], list[Patient]] = {}

    def partners(free: frozenset[int], me: Patient | None = None) -> list[Patient]:
        # Patients with the same free slots have the same partners: look once per week shape.
        if free not in cache:
            cache[free] = [q for q in others if len(free & facts.free[q.id]) >= n]
        return [q for q in cache[free] if q is not me]

    by_program: dict[str, list[Patient]] = defaultdict(list)
    for p in facts.must[g.name]:
        if (p.id, g.name) in facts.done_pairs or len(facts.free[p.id]) < n:
            continue  # already reported, or patient_meetings reports it
        if kind == "role_model" and p.id in facts.role_models:
            continue  # is their own section's role model
        by_program[p.program].append(p)
    out = []
    for program_name, members in by_program.items():
        program = facts.roster.program_by_name[program_name]
        found = partners(facts.window[program_name])
        # With the program's whole window (a superset of each member's free slots), a member
        # who may join is their own partner when counting others to fill the section.
        if len(found) - (kind == "min_size") < wanted:
            # The program's hours alone are the cause: one sentence for all of its patients.
            who = f"{program.name} patients ({_ids(members)})"
            out.append(_lonely_conflict(facts, g, who, _times([program], facts), found, kind,
                                        _attends_refs([program], facts), cohort=True))
            facts.done_pairs.update((p.id, g.name) for p in members)
            continue
        for p in members:
            mine = partners(facts.free[p.id], p)
            if len(mine) >= wanted:
                continue
            when = f"the times {p.id} is free (Unavailable {p.unavailable.text!r})"
            refs = [row_of("Patients", p, "Unavailable", p.unavailable.text)]
            out.append(_lonely_conflict(facts, g, _patient(p), when, mine, kind, refs))
            facts.done_pairs.add((p.id, g.name))
    return out


def _lonely_conflict(facts: Facts, g: Group, who: str, when: str, found: list[Patient],
                     kind: str, refs: list[RowRef], cohort: bool = False) -> Conflict:
    n = g.sessions
    if kind == "role_model":
        text = (f"{who} must attend {_group(g)}, a peer group whose sections each need a role "
                f"model, but no role model who may join is free at {n} of {when}. Mark a role "
                f"model who attends then (Role model column), or widen the times they can attend.")
        rows = [row_of("Groups", g, "Kind", g.kind)]
    else:
        other = "patient" if cohort else "other patient"
        verb = "is" if len(found) == 1 else "are"
        named = f": {_ids(found)}" if found else ""
        text = (f"{who} must attend {_group(g)}, whose sections meet {_n(n, 'time')} a week with "
                f"at least {g.min_size} members (Min size), but only {_n(len(found), other)} who "
                f"may join {verb} free at {n} of {when}{named}. Lower the Min size, or widen the "
                f"times they can attend.")
        rows = [row_of("Groups", g, "Min size", g.min_size)]
    return Conflict(text, tuple(refs + rows), kind=kind)


# --- keep-apart ------------------------------------------------------------------------------


def keep_apart(facts: Facts) -> list[Conflict]:
    """Mutually kept-apart patients of one group need more sections than it can ever run."""
    out = []
    pairs = facts.roster.keep_apart_pairs()
    if not pairs:
        return out
    by_id = facts.roster.patient_by_id
    for g in facts.groups_to_check():
        must = {p.id for p in facts.must[g.name]}
        adjacent: dict[str, set[str]] = defaultdict(set)
        for a, b in pairs:
            if a in must and b in must:
                adjacent[a].add(b)
                adjacent[b].add(a)
        clique = largest_clique(adjacent)
        if len(clique) < 2:
            continue
        bound, because, refs = _most_sections(facts, g)
        if len(clique) <= bound or facts.sections_needed(g) > bound:
            continue  # fits, or the count checks already explain the shortage
        members = [by_id[pid] for pid in clique]
        out.append(Conflict(
            f"{_and([p.id for p in members])} ({_rows('Patients', members)}, Keep apart) must "
            f"{'both' if len(members) == 2 else 'all'} attend {_group(g)} and be kept apart from "
            f"each other, so it needs "
            f"{len(clique)} sections, but it can run at most {bound}: {because}. Change a Keep "
            f"apart entry, or {'; '.join(_REMEDY[k] for k in _remedy_keys(refs))}.",
            tuple([row_of("Patients", p, "Keep apart", ", ".join(p.keep_apart)) for p in members]
                  + [row_of("Groups", g, "Min size", g.min_size)] + refs),
            kind="keep_apart"))
    return out


_REMEDY = {"Staff": "give more staff the skill or more available times",
           "Rooms": "free up rooms with its needs",
           "Patients": "mark another role model",
           "Groups": "lower the Min size"}


def _remedy_keys(refs: list[RowRef]) -> list[str]:
    return list(dict.fromkeys([r.sheet for r in refs] or ["Groups"]))


def _most_sections(facts: Facts, g: Group) -> tuple[int, str, list[RowRef]]:
    """An upper bound on g's sections, why, and the rows behind it (besides the group's)."""
    n = g.sessions
    pool = facts.eligible[g.name]
    programs = facts.programs_of(facts.must[g.name])
    slots = facts.union_window(programs)
    bounds: list[tuple[int, str, list[RowRef]]] = []
    bounds.append((len(pool) // g.min_size,
                   f"only {_n(len(pool), 'patient')} may join and each section needs {g.min_size} "
                   f"(Min size)", []))
    limits = [staff_limit(facts, s, slots) for s in facts.roster.qualified_staff(g)]
    when = _times(programs, facts)
    offer = (limits[0].text(when, has_skill=True) if len(limits) == 1 else
             f"the staff with that skill can lead {sum(lim.count for lim in limits)} meetings in "
             f"{when}: " + "; ".join(lim.text() for lim in limits))
    by_staff = sum(lim.count // n for lim in limits)
    bounds.append((by_staff,
                   f"each section needs one facilitator with skill {g.skill!r} for all {n} of its "
                   f"meetings, and {'only ' if len(limits) == 1 else ''}{offer} (enough for "
                   f"{_n(by_staff, 'section')})",
                   [lim.ref() for lim in limits]))
    rooms = facts.rooms_for(g.room_needs, g.min_size)
    free = sum(len(facts.room_free(r, slots)) for r in rooms)
    bounds.append((free // n, f"the rooms it can use are free only {free} times in "
                   f"{_times(programs, facts)} ({_room_names(rooms)})",
                   [row_of("Rooms", r, "Unavailable", r.unavailable.text) for r in rooms]))
    if g.is_peer:
        models = [p for p in pool if p.id in facts.role_models]
        bounds.append((len(models), f"each peer section needs its own role model and only "
                       f"{_ids(models) or 'nobody'} may join as one",
                       [row_of("Patients", p, "Role model", "yes") for p in models]))
    return min(bounds, key=lambda b: b[0])


def largest_clique(adjacent: dict[str, set[str]], budget: int = 20000) -> list[str]:
    """The largest set of mutually adjacent IDs found (exact unless the graph is huge)."""
    best: list[str] = []
    calls = 0

    def expand(chosen: list[str], candidates: set[str], excluded: set[str]) -> None:
        nonlocal best, calls
        calls += 1
        if len(chosen) > len(best):
            best = chosen
        if calls > budget or len(chosen) + len(candidates) <= len(best) or not candidates:
            return
        pivot = max(candidates | excluded, key=lambda v: len(adjacent[v] & candidates))
        for v in sorted(candidates - adjacent[pivot]):
            expand(chosen + [v], candidates & adjacent[v], excluded & adjacent[v])
            candidates = candidates - {v}
            excluded = excluded | {v}

    expand([], set(adjacent), set())
    return sorted(best)


CHECKS = (
    group_room_features, patient_room_features, group_room_size, patient_room_size,
    patient_meetings, min_hours, facilitator_times, skill_coverage, skill_totals, room_times,
    seats, too_few_patients, role_models, keep_apart,
)

"""Check a (possibly hand-edited) week against the hard rules of docs/rules.md.

`scheduler solve` never breaks these rules, but administrators adjust the week by
hand (schedule.xlsx, Sessions sheet). This module says, in plain sentences naming
the meeting and the person, every rule such an edit breaks, so the week is only
printed once it is sound. Patients are named by ID only, as in schedule.json.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .domain import DAY_NAMES, Roster, clock, natural_key
from .solution import Meeting, Schedule

# Short labels of the rules, as numbered in docs/rules.md; 0 is not a rule of that
# page: the schedule names a group, person or room the roster does not have.
RULE_LABELS = {
    0: "names must match the roster",
    1: "sessions per week, same members and facilitator",
    2: "the right groups and section sizes",
    3: "nobody in two places at once",
    4: "patients' times and hours",
    5: "facilitators qualified and available",
    6: "rooms that fit",
    7: "keep apart",
    8: "a role model in every peer group",
    9: "sessions as pinned on the Fixed sheet",
}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: the sentence, and the meeting and people it concerns."""

    rule: int  # 1..8 as in docs/rules.md; 0 = a name the roster does not have
    label: str  # short rule label (RULE_LABELS)
    text: str  # the whole sentence, ready to print
    meeting: Meeting | None = None  # None: about a patient's whole week
    group: str | None = None
    patient: str | None = None  # patient ID (the first, when the sentence names several)
    patients: tuple[str, ...] = ()  # every patient ID the sentence names, when several
    staff: str | None = None  # staff ID
    room: str | None = None

    def __str__(self) -> str:
        return self.text

    @property
    def sort_key(self) -> tuple:
        """Week order (day, time, group); whole-week findings about patients come last."""
        if self.meeting is not None:
            m = self.meeting
            return (0, m.day, m.start, m.group, m.section, self.rule, self.text)
        return (1, 0, 0, self.group or "", "", self.rule, natural_key(self.patient or ""),
                self.text)


def check_schedule(roster: Roster, schedule: Schedule) -> list[Violation]:
    """Every hard rule the week breaks, in week order; empty when it can be printed."""
    checker = _Checker(roster, schedule)
    checker.run()
    return sorted(set(checker.found), key=lambda v: v.sort_key)


# --- wording ----------------------------------------------------------------------------


def _ids(ids) -> str:
    return ", ".join(sorted(ids, key=natural_key))


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hours(minutes: int) -> str:
    return f"{round(minutes / 60, 2):g} h"


# --- the checks -------------------------------------------------------------------------


class _Checker:
    """Walks the week once per rule family and collects Violations."""

    def __init__(self, roster: Roster, schedule: Schedule):
        self.roster = roster
        self.schedule = schedule
        self.found: list[Violation] = []
        self.by_section: dict[tuple[str, str], list[Meeting]] = defaultdict(list)
        for m in schedule.meetings:
            self.by_section[(m.group, m.section)].append(m)

    def run(self) -> None:
        self.names()
        self.sections()
        self.membership()
        self.double_booking()
        self.patient_times()
        self.facilitators()
        self.rooms()
        self.keep_apart()
        self.role_models()
        self.pins()

    # helpers

    def add(self, rule: int, subject: str, what: str, meeting: Meeting | None = None,
            **who) -> None:
        label = RULE_LABELS[rule]
        why = f"rule {rule}: {label}" if rule else label
        group = who.pop("group", None) or (meeting.group if meeting else None)
        sep = ": " if meeting is not None else " "  # "Patient P04 has ..." reads on
        self.found.append(Violation(rule, label, f"{subject}{sep}{what} ({why}).", meeting,
                                    group=group, **who))

    def at(self, m: Meeting) -> str:
        """'Tue 10:00 CBT Skills B': how a meeting is named in every sentence."""
        return f"{m.day_name} {clock(m.start)} {self.label(m)}"

    def label(self, m: Meeting) -> str:
        return self.schedule.label(m.group, m.section)

    def staff_text(self, sid: str) -> str:
        s = self.roster.staff_by_id.get(sid)
        return f"{sid} ({s.name})" if s and s.name else sid

    def members(self, section: tuple[str, str]) -> tuple[str, ...]:
        """The section's members: the list most of its meetings agree on (ties: the first)."""
        lists = Counter(m.patients for m in self.by_section[section])
        return max(lists, key=lambda ps: (lists[ps], -self._first_with(section, ps)))

    def _first_with(self, section, patients) -> int:
        return next(i for i, m in enumerate(self.by_section[section]) if m.patients == patients)

    def everyone(self, section: tuple[str, str]) -> set[str]:
        """Everyone listed at any meeting of the section (for keep-apart, which is strict)."""
        return {pid for m in self.by_section[section] for pid in m.patients}

    # 0: names the roster does not have

    def names(self) -> None:
        r = self.roster
        for (group, _), meetings in self.by_section.items():
            first = meetings[0]
            if group not in r.group_by_name:
                self.add(0, self.at(first),
                         f"there is no group {group!r} on the Groups sheet", first)
            said = set()
            for m in meetings:
                if m.facilitator not in r.staff_by_id and ("s", m.facilitator) not in said:
                    said.add(("s", m.facilitator))
                    self.add(0, self.at(m), f"facilitator {m.facilitator!r} is not on the "
                             "Staff sheet", m, staff=m.facilitator)
                if m.room not in r.room_by_name and ("r", m.room) not in said:
                    said.add(("r", m.room))
                    self.add(0, self.at(m), f"there is no room {m.room!r} on the Rooms sheet",
                             m, room=m.room)
                for pid in m.patients:
                    if pid not in r.patient_by_id and ("p", pid) not in said:
                        said.add(("p", pid))
                        self.add(0, self.at(m), f"patient {pid!r} is not on the Patients sheet",
                                 m, patient=pid)

    # 1: sessions per week, at slots, same members and facilitator

    def sections(self) -> None:
        slots = {(s.day, s.start, s.end) for s in self.roster.slots}
        for section, meetings in self.by_section.items():
            first = meetings[0]
            group = self.roster.group_by_name.get(section[0])
            if group and len(meetings) != group.sessions:
                self.add(1, self.at(first),
                         f"the section meets {_times(len(meetings))} this week, but its "
                         f"Sessions per week is {group.sessions}", first)
            seen: dict[tuple[int, int], Meeting] = {}
            for m in meetings:
                if (m.day, m.start, m.end) not in slots:
                    self.add(1, self.at(m), f"{m.day_name} {clock(m.start)}-{clock(m.end)} is "
                             "not one of the week's slots on the Slots sheet", m)
                if (m.day, m.start) in seen:
                    self.add(1, self.at(m), "the section meets twice at this time", m)
                seen[(m.day, m.start)] = m
            members = self.members(section)
            for m in meetings:
                if m.patients != members:
                    added = set(m.patients) - set(members)
                    missing = set(members) - set(m.patients)
                    parts = ([f"{_ids(added)} added"] if added else []) + \
                            ([f"{_ids(missing)} missing"] if missing else [])
                    self.add(1, self.at(m), "its members differ from the section's other "
                             f"meetings: {'; '.join(parts)}", m)
            leads = Counter(m.facilitator for m in meetings)
            lead = max(leads, key=lambda s: (leads[s], -next(
                i for i, m in enumerate(meetings) if m.facilitator == s)))
            for m in meetings:
                if m.facilitator != lead:
                    self.add(1, self.at(m), f"led by {self.staff_text(m.facilitator)}, but the "
                             f"section's other meetings by {self.staff_text(lead)}", m,
                             staff=m.facilitator)

    # 2: the right groups, eligibility, sizes

    def membership(self) -> None:
        from .reader import why_not_eligible

        r = self.roster
        in_group: dict[tuple[str, str], list[str]] = defaultdict(list)  # (pid, group) -> sections
        for section in sorted(self.by_section, key=lambda s: self.by_section[s][0].sort_key):
            first = self.by_section[section][0]
            group = r.group_by_name.get(section[0])
            for pid in sorted(self.everyone(section), key=natural_key):
                in_group[(pid, section[0])].append(section[1])
                patient = r.patient_by_id.get(pid)
                if group is None or patient is None:
                    continue
                if not r.eligible(patient, group):
                    self.add(2, self.at(first), f"patient {pid} may not join: "
                             f"{why_not_eligible(patient, group)}", first, patient=pid)
                earlier = in_group[(pid, section[0])][:-1]
                if earlier:
                    others = " and ".join(self.schedule.label(section[0], s) for s in earlier)
                    self.add(2, self.at(first), f"patient {pid} is also in {others}; a patient "
                             "belongs to one section of each group", first, patient=pid)
            if group is not None:
                size = len(self.members(section))
                if size < group.min_size:
                    self.add(2, self.at(first), f"{size} member{'s' if size != 1 else ''}, "
                             f"fewer than the group's Min size of {group.min_size}", first)
                elif size > group.max_size:
                    self.add(2, self.at(first), f"{size} members, more than the group's "
                             f"Max size of {group.max_size}", first)
        for patient in r.patients:
            extra = set(patient.extra_groups)
            for group in r.assigned_groups(patient):
                if (patient.id, group.name) not in in_group:
                    why = "one of their Extra groups" if group.name in extra else \
                        "Required for them"
                    self.add(2, f"Patient {patient.id}",
                             f"is in no section of {group.name}, which is {why}",
                             group=group.name, patient=patient.id)

    # 3: nobody in two places at once

    def double_booking(self) -> None:
        people: dict[tuple[str, str], list[Meeting]] = defaultdict(list)
        for m in self.schedule.meetings:
            people[("staff", m.facilitator)].append(m)
            people[("room", m.room)].append(m)
            for pid in m.patients:
                people[("patient", pid)].append(m)
        # Patients are reported together per pair of meetings: one line, not one per person.
        patients: dict[tuple[Meeting, Meeting], list[str]] = defaultdict(list)
        for (kind, who), meetings in people.items():
            for i, later in enumerate(meetings):
                for earlier in meetings[:i]:
                    if not self.clash(earlier, later):
                        continue
                    if kind == "staff":
                        self.add(3, self.at(later), f"facilitator {self.staff_text(who)} also "
                                 f"leads {self.label(earlier)} {self.same_time(earlier, later)}",
                                 later, staff=who)
                    elif kind == "room":
                        self.add(3, self.at(later), f"{who} is also booked for "
                                 f"{self.label(earlier)} {self.same_time(earlier, later)}",
                                 later, room=who)
                    else:
                        patients[(earlier, later)].append(who)
        for (earlier, later), ids in patients.items():
            ids = sorted(ids, key=natural_key)
            whom = f"patient {ids[0]} is" if len(ids) == 1 else f"patients {_ids(ids)} are"
            self.add(3, self.at(later), f"{whom} also in {self.label(earlier)} "
                     f"{self.same_time(earlier, later)}", later, patient=ids[0],
                     patients=tuple(ids))

    @staticmethod
    def clash(earlier: Meeting, later: Meeting) -> bool:
        """Two meetings of different sections whose times overlap."""
        if (earlier.group, earlier.section) == (later.group, later.section):
            return False  # a section meeting twice at once is reported under rule 1
        return earlier.day == later.day and earlier.start < later.end and later.start < earlier.end

    @staticmethod
    def same_time(earlier: Meeting, later: Meeting) -> str:
        if earlier.start == later.start:
            return "at that time"
        return f"at the same time ({clock(earlier.start)}-{clock(earlier.end)})"

    # 4: patients' Attends, Unavailable, Max per day, Min hours

    def patient_times(self) -> None:
        r = self.roster
        per_day: Counter = Counter()
        minutes: Counter = Counter()
        for m in self.schedule.meetings:
            over: dict[tuple[str, int], list[str]] = defaultdict(list)  # (program, cap) -> IDs
            for pid in m.patients:
                patient = r.patient_by_id.get(pid)
                if patient is None:
                    continue
                program = r.program_by_name[patient.program]
                minutes[pid] += m.minutes
                if not program.attends.covers(m):
                    self.add(4, self.at(m), f"patient {pid} is in the {program.name} program, "
                             f"which attends only {program.attends.text!r}", m, patient=pid)
                if patient.unavailable.blocks(m):
                    self.add(4, self.at(m), f"patient {pid} is marked Unavailable "
                             f"{patient.unavailable.text!r}", m, patient=pid)
                per_day[(pid, m.day)] += 1
                cap = program.max_per_day
                if cap is not None and per_day[(pid, m.day)] == cap + 1:
                    over[(program.name, cap)].append(pid)
            for (name, cap), ids in sorted(over.items()):
                whom = f"patient {ids[0]}" if len(ids) == 1 else f"patients {_ids(ids)}"
                self.add(4, self.at(m), f"this is the {_ordinal(cap + 1)} group on "
                         f"{m.day_name} for {whom}, but the {name} program's Max per day is "
                         f"{cap}", m, patient=ids[0], patients=tuple(ids))
        for patient in r.patients:
            need = r.program_by_name[patient.program].min_minutes
            if minutes[patient.id] < need:
                self.add(4, f"Patient {patient.id}", f"has {_hours(minutes[patient.id])} of "
                         f"groups this week, but the {patient.program} program's Min hours "
                         f"is {_hours(need)}", patient=patient.id)

    # 5: facilitators' Skill, Available, Max per day, Max per week

    def facilitators(self) -> None:
        r = self.roster
        per_day: Counter = Counter()
        per_week: Counter = Counter()
        for m in self.schedule.meetings:
            staff = r.staff_by_id.get(m.facilitator)
            if staff is None:
                continue
            who = f"facilitator {self.staff_text(staff.id)}"
            group = r.group_by_name.get(m.group)
            if group is not None and group.skill not in staff.skills:
                self.add(5, self.at(m), f"{who} does not have the skill {group.skill!r} "
                         "this group needs", m, staff=staff.id)
            if not staff.available.covers(m):
                self.add(5, self.at(m), f"{who} is available only "
                         f"{staff.available.text!r}", m, staff=staff.id)
            per_day[(staff.id, m.day)] += 1
            per_week[staff.id] += 1
            if staff.max_per_day is not None and per_day[(staff.id, m.day)] == \
                    staff.max_per_day + 1:
                self.add(5, self.at(m), f"this is the {_ordinal(staff.max_per_day + 1)} "
                         f"meeting on {m.day_name} led by {who}, whose Max per day is "
                         f"{staff.max_per_day}", m, staff=staff.id)
            if staff.max_per_week is not None and per_week[staff.id] == staff.max_per_week + 1:
                self.add(5, self.at(m), f"this is the {_ordinal(staff.max_per_week + 1)} "
                         f"meeting this week led by {who}, whose Max per week is "
                         f"{staff.max_per_week}", m, staff=staff.id)

    # 6: room Capacity, Room needs, patients' Needs, room Unavailable

    def rooms(self) -> None:
        r = self.roster
        for m in self.schedule.meetings:
            room = r.room_by_name.get(m.room)
            if room is None:
                continue
            if len(m.patients) > room.capacity:
                self.add(6, self.at(m), f"{len(m.patients)} patients in {room.name}, which "
                         f"seats {room.capacity}", m, room=room.name)
            group = r.group_by_name.get(m.group)
            lacking = sorted(group.room_needs - room.features) if group else []
            if lacking:
                self.add(6, self.at(m), f"the group's Room needs include "
                         f"{', '.join(lacking)}, which {room.name} does not have", m,
                         room=room.name)
            for pid in m.patients:
                patient = r.patient_by_id.get(pid)
                lacking = sorted(patient.needs - room.features) if patient else []
                if lacking:
                    self.add(6, self.at(m), f"patient {pid} needs {', '.join(lacking)}, "
                             f"which {room.name} does not have", m, patient=pid, room=room.name)
            if room.unavailable.blocks(m):
                self.add(6, self.at(m), f"{room.name} is marked Unavailable "
                         f"{room.unavailable.text!r}", m, room=room.name)

    # 7: keep-apart pairs

    def keep_apart(self) -> None:
        pairs = self.roster.keep_apart_pairs()
        for section in self.by_section:
            first = self.by_section[section][0]
            together = self.everyone(section)
            for a, b in pairs:
                if a in together and b in together:
                    self.add(7, self.at(first), f"patients {a} and {b} are in this section "
                             "together, but are listed as Keep apart", first, patient=a,
                             patients=(a, b))

    # 8: a role model in every peer section

    def role_models(self) -> None:
        r = self.roster
        for section, meetings in self.by_section.items():
            group = r.group_by_name.get(section[0])
            if group is None or not group.is_peer:
                continue
            members = [r.patient_by_id[p] for p in self.members(section)
                       if p in r.patient_by_id]
            if not any(r.is_role_model(p) for p in members):
                listed = _ids(p.id for p in members) or "nobody"
                self.add(8, self.at(meetings[0]), "no role model among its members "
                         f"({listed})", meetings[0])

    # 9: the Fixed sheet

    def pins(self) -> None:
        """A row with a Day is one meeting of its section on that day (at its Start and in its
        Room when given); a row without one puts every meeting in its Room; a Facilitator on
        any row leads the whole section."""
        rows: dict[tuple[str, str], list] = defaultdict(list)
        for pin in getattr(self.roster, "pins", ()):
            rows[(pin.group, pin.section)].append(pin)
        for (group, section), pins in rows.items():
            meetings = self.by_section.get((group, section), [])
            name = f"{group} {section}"
            if not meetings:
                where = ", ".join(str(p.row) for p in pins)
                self.add(9, f"{name} (Fixed row {where})", "is pinned but does not run",
                         group=group)
                continue
            used: set[int] = set()
            for pin in pins:
                if pin.facilitator is not None:
                    for m in meetings:
                        if m.facilitator != pin.facilitator:
                            self.add(9, self.at(m), f"led by {m.facilitator}, but Fixed row "
                                     f"{pin.row} pins {self.staff_text(pin.facilitator)}", m,
                                     staff=m.facilitator)
                if pin.day is None:
                    for m in meetings:
                        if pin.room is not None and m.room != pin.room:
                            self.add(9, self.at(m), f"in {m.room}, but Fixed row {pin.row} pins "
                                     f"every meeting of {name} to {pin.room}", m, room=m.room)
                    continue
                match = next((i for i, m in enumerate(meetings) if i not in used
                              and m.day == pin.day and pin.start in (None, m.start)
                              and pin.room in (None, m.room)), None)
                if match is None:
                    when = DAY_NAMES[pin.day] + (f" at {clock(pin.start)}" if pin.start is not None else "")
                    room = f" in {pin.room}" if pin.room else ""
                    self.add(9, f"{name} (Fixed row {pin.row})",
                             f"is pinned to meet {when}{room}, but no meeting of it does",
                             group=group)
                else:
                    used.add(match)

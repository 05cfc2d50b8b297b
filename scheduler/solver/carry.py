"""Last week's sections, carried into this week by the stepwise solver.

The exact model keeps continuing patients together through its continuity term
(objective.py). The stepwise solver (the whole answer on large rosters, the exact
model's starting week on the others) starts instead from last week itself: every section of last week that still obeys the hard rules this
week is kept as it was (same letter, members, facilitator, times and rooms),
minus the patients who left it. What no longer fits is dropped at the smallest
scale possible: one patient (discharged, program changed, no longer free then),
or one section's times (facilitator gone, room closed, too few members left),
whose members are then re-seated together elsewhere (`Cohort`).

Sections are taken in a fixed order (group, letter), so the same two weeks
always carry over the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..domain import natural_key
from ..solution import Schedule, Section
from .plan import Plan
from .split import SectionDraft


@dataclass(frozen=True)
class Cohort:
    """Members of a section of last week that cannot meet as it did; seated together anew."""

    part: int
    name: str
    members: tuple[str, ...]
    why: str


@dataclass
class Carried:
    week: dict[int, list[SectionDraft]] = field(default_factory=dict)  # part -> sections
    cohorts: list[Cohort] = field(default_factory=list)


def carry_over(plan: Plan, previous: Schedule) -> Carried:
    """The part of last week that still holds this week (see the module docstring)."""
    return _Carry(plan).run(previous)


class _Carry:
    def __init__(self, plan: Plan):
        self.plan = plan
        roster = plan.roster
        self.slot_at = {(s.day, s.start, s.end): s.index for s in plan.slots}
        self.day_of = {s.index: s.day for s in plan.slots}
        self.parts_of: dict[str, list[int]] = {}
        for i, gp in enumerate(plan.groups):
            self.parts_of.setdefault(gp.group.name, []).append(i)
        self.patient_free = {pid: set(ts) for pid, ts in plan.patient_slots.items()}
        self.staff_free = {sid: set(ts) for sid, ts in plan.staff_slots.items()}
        self.room_free = {name: set(ts) for name, ts in plan.room_slots.items()}
        self.pools = {i: {p.id for p in gp.pool} for i, gp in enumerate(plan.groups)}
        # Keys start with "patient", "staff" or "room": IDs and room names may coincide.
        self.busy: set[tuple[str, str, int]] = set()  # (kind, who, slot) taken
        self.per_day: Counter = Counter()  # (kind, who, day) -> meetings
        self.per_week: Counter = Counter()  # staff -> meetings
        self.patient_cap = {p.id: roster.program_by_name[p.program].max_per_day
                            for p in plan.patients}
        self.apart = roster.kept_apart_from()

    def run(self, previous: Schedule) -> Carried:
        out = Carried()
        sections = [s for s in previous.sections if s.group in self.parts_of]
        for s in sorted(sections, key=lambda s: (s.group, len(s.name), s.name)):
            part = self._part(s)
            if part is None:
                continue  # nobody of this section may join the group any more
            members = [pid for pid in s.patients if pid in self.pools[part]]
            slots = self._slots(s)
            why = self._why_not(part, s, slots)
            kept = [] if why else self._seatable(members, slots)
            if not why:
                why = self._section_fails(part, s, kept)
            if why:
                if members:
                    out.cohorts.append(Cohort(part, s.name, tuple(members), why))
                continue
            self._take(s, slots, kept)
            rooms = tuple(m.room for m in sorted(s.meetings, key=lambda m: (m.day, m.start)))
            out.week.setdefault(part, []).append(SectionDraft(
                s.group, tuple(slots), rooms, s.facilitator, tuple(sorted(kept)), s.name))
        return out

    def _part(self, s: Section) -> int | None:
        """The group part holding most of the section's members."""
        best = max(self.parts_of[s.group], key=lambda i: (len(self.pools[i] & set(s.patients)), -i))
        return best if self.pools[best] & set(s.patients) else None

    def _slots(self, s: Section) -> list[int] | None:
        meetings = sorted(s.meetings, key=lambda m: (m.day, m.start))
        slots = [self.slot_at.get((m.day, m.start, m.end)) for m in meetings]
        return None if None in slots else slots

    def _why_not(self, part: int, s: Section, slots) -> str | None:
        """Why the section's times, facilitator or rooms no longer hold (None: they do)."""
        gp = self.plan.groups[part]
        if slots is None or not set(slots) <= set(gp.slots):
            return "its times are no longer open to it"
        if len(slots) != gp.group.sessions:
            return "the group's sessions per week changed"
        sid = s.facilitator
        staff = self.plan.roster.staff_by_id.get(sid)
        if sid not in {x.id for x in gp.staff} or not set(slots) <= self.staff_free[sid]:
            return f"{sid} can no longer lead it then"
        if any(("staff", sid, t) in self.busy for t in slots):
            return f"{sid} leads another group then"
        days = Counter(self.day_of[t] for t in slots)
        if staff.max_per_day is not None and any(
                self.per_day[("staff", sid, d)] + n > staff.max_per_day for d, n in days.items()):
            return f"{sid} would exceed Max per day"
        if staff.max_per_week is not None and self.per_week[sid] + len(slots) > staff.max_per_week:
            return f"{sid} would exceed Max per week"
        suitable = {r.name for r in gp.rooms}
        for m, t in zip(sorted(s.meetings, key=lambda m: (m.day, m.start)), slots):
            if m.room not in suitable or t not in self.room_free.get(m.room, ()) \
                    or ("room", m.room, t) in self.busy:
                return f"{m.room} is not free or suitable then"
        return None

    def _seatable(self, members: list[str], slots: list[int]) -> list[str]:
        """The members who can still come at every one of these times (keep-apart kept)."""
        days = Counter(self.day_of[t] for t in slots)
        kept: list[str] = []
        for pid in sorted(members, key=natural_key):
            cap = self.patient_cap[pid]
            if not set(slots) <= self.patient_free[pid] \
                    or any(("patient", pid, t) in self.busy for t in slots):
                continue
            if cap is not None and any(self.per_day[("patient", pid, d)] + n > cap
                                       for d, n in days.items()):
                continue
            if self.apart[pid] & set(kept):
                continue
            kept.append(pid)
        return kept

    def _section_fails(self, part: int, s: Section, members: list[str]) -> str | None:
        """Why these members cannot make up the section (size, room fit, role model)."""
        roster = self.plan.roster
        g = self.plan.groups[part].group
        rooms = [roster.room_by_name[m.room] for m in s.meetings]
        if len(members) < g.min_size:
            return f"only {len(members)} of its members can still come (Min size {g.min_size})"
        if len(members) > min([g.max_size] + [r.capacity for r in rooms]):
            return "it has more members than the group or room now allows"
        patients = roster.patient_by_id
        if any(not patients[pid].needs - g.room_needs <= r.features
               for pid in members for r in rooms):
            return "a member needs a room feature its room lacks"
        if g.is_peer and not set(members) & self.plan.role_models:
            return "no role model is left in it"
        return None

    def _take(self, s: Section, slots: list[int], members: list[str]) -> None:
        for m, t in zip(sorted(s.meetings, key=lambda m: (m.day, m.start)), slots):
            day = self.day_of[t]
            self.busy.add(("staff", s.facilitator, t))
            self.busy.add(("room", m.room, t))
            self.per_day[("staff", s.facilitator, day)] += 1
            self.per_week[s.facilitator] += 1
            for pid in members:
                self.busy.add(("patient", pid, t))
                self.per_day[("patient", pid, day)] += 1

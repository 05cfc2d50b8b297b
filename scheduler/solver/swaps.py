"""Own therapist by exchange: one of the exchange passes over a complete stepwise week.

Placing and polish decide one group part at a time within a fixed amount of solver work,
and on large parts they often stop before every patient is seated with their primary
therapist. Many of those patients sit in a section of a therapy group that their own
therapist also leads, at another time. Here each such patient moves to that section,
or changes places with a member of it who does not need that therapist, whenever every
hard rule still holds for everyone involved. Nobody who sees their therapist stops
seeing them, and the group, its sections and their times stay as they are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..domain import THERAPY
from .split import SectionDraft, seats, therapy_pairs


def therapist_swaps(steps, out_of_time) -> int:
    """Moves and exchanges made (see the module docstring); steps.week is updated in place."""
    plan = steps.plan
    therapist = {p.id: p.primary_therapist for p in plan.patients if p.primary_therapist}
    check = _Check(steps, plan.roster.kept_apart_from())
    made = 0
    for part in sorted(steps.week):
        if plan.groups[part].group.kind != THERAPY or len(steps.week[part]) < 2:
            continue
        # Each change seats one more patient with their therapist, so this ends.
        while not out_of_time() and _one_change(steps, check, part, therapist):
            made += 1
    return made


def _one_change(steps, check, part: int, therapist) -> bool:
    """The first move or exchange that holds in this part; False when there is none."""
    sections = steps.week[part]
    for x in sections:
        for pid in x.members:
            own = therapist.get(pid)
            if own is None or own == x.facilitator or check.sees(pid, own):
                continue
            if any(_try(steps, check, part, pid, x, y, therapist)
                   for y in sections if y.facilitator == own):
                return True
    return False


def _try(steps, check, part, pid, x, y, therapist) -> bool:
    """Move pid from x to y, or exchange pid with a member of y who does not need y."""
    moved_x = replace(x, members=tuple(m for m in x.members if m != pid))
    moved_y = replace(y, members=tuple(sorted(y.members + (pid,))))
    if check.holds(part, {x: moved_x, y: moved_y}, [pid]):
        return True
    # Someone whose own therapist leads x first: then both see theirs.
    for other in sorted(y.members, key=lambda m: (therapist.get(m) != x.facilitator, m)):
        if therapist.get(other) == y.facilitator and not check.sees(other, y.facilitator,
                                                                      besides=y):
            continue  # they would stop seeing their own therapist
        swapped_x = replace(x, members=tuple(sorted(moved_x.members + (other,))))
        swapped_y = replace(y, members=tuple(sorted(m for m in moved_y.members if m != other)))
        if check.holds(part, {x: swapped_x, y: swapped_y}, [pid, other]):
            return True
    return False


class _Check:
    """The hard rules for a changed pair of sections and the patients who moved."""

    def __init__(self, steps, apart):
        self.steps = steps
        self.apart = apart
        roster = steps.plan.roster
        self.roster = roster
        programs = {p.id: roster.program_by_name[p.program] for p in steps.plan.patients}
        self.caps = {pid: program.max_per_day for pid, program in programs.items()}
        self.need = {pid: program.min_minutes for pid, program in programs.items()}
        self._seen: Counter | None = None  # (patient, therapist) -> therapy sections
        self.parts_of: dict[str, set[int]] = defaultdict(set)  # the parts a patient is in
        for (_group, pid), part in steps.part_of.items():
            self.parts_of[pid].add(part)

    def sees(self, pid: str, sid: str, besides: SectionDraft | None = None) -> bool:
        """Whether pid is in a therapy section led by sid (other than besides)."""
        if self._seen is None:  # counted once per change of the week, not once per question
            self._seen = therapy_pairs(self.roster, self.steps.week)
        there = besides is not None and besides.facilitator == sid and pid in besides.members \
            and self.roster.group_by_name[besides.group].kind == THERAPY
        return self._seen[(pid, sid)] > there

    def holds(self, part: int, changes: dict[SectionDraft, SectionDraft], movers) -> bool:
        """Apply the changes if the sections and the movers' weeks obey every hard rule."""
        steps, roster = self.steps, self.roster
        g = steps.plan.groups[part].group
        for new in changes.values():
            if not g.min_size <= len(new.members) <= seats(roster, new):
                return False
            members = set(new.members)
            if any(self.apart[m] & members for m in new.members):
                return False
        # Only this part changes; by identity, as hashing every section was most of the time.
        by_id = {id(old): new for old, new in changes.items()}
        if sum(id(d) in by_id for d in steps.week[part]) != len(by_id):
            return False  # a section not in the week (a copy?): apply none of it
        week = dict(steps.week)
        week[part] = [by_id.get(id(d), d) for d in steps.week[part]]
        for pid in movers:
            if not self._patient_ok(pid, week):
                return False
        steps.week[part] = week[part]
        self._seen = None
        return True

    def _patient_ok(self, pid: str, week) -> bool:
        steps, roster = self.steps, self.roster
        p = roster.patient_by_id[pid]
        free = set(steps.plan.patient_slots[pid])
        taken: Counter = Counter()
        per_day: Counter = Counter()
        minutes = 0
        for part in self.parts_of[pid]:
            for d in week.get(part, ()):
                if pid not in d.members:
                    continue
                g = roster.group_by_name[d.group]
                if not all(p.needs - g.room_needs <= roster.room_by_name[r].features
                           for r in d.rooms):
                    return False
                for t in d.slots:
                    if t not in free:
                        return False
                    taken[t] += 1
                    per_day[steps.day_of[t]] += 1
                    minutes += steps.minutes_of[t]
        cap = self.caps[pid]
        return (all(n == 1 for n in taken.values())
                and (cap is None or all(n <= cap for n in per_day.values()))
                and minutes >= self.need[pid])

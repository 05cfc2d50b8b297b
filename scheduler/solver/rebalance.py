"""Fair load by handing sections over: one of the exchange passes over a complete
stepwise week.

The stepwise solver decides one group part at a time, so the staff who are free early take
the first parts, and fair load weighs little beside seating patients: on a generated
600-patient center some staff ended at 100 % of what they can lead while colleagues with the
same skill stood at 0 to 40 %. Here a section passes from its facilitator to a qualified
colleague who is free at all its times and within their caps, whenever that lowers the
week's penalty (fair load, and own therapist, which this can also gain). Members, rooms and
times stay as they are, so no patient's week changes; nobody stops seeing their therapist.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

from ..domain import THERAPY
from ..quality import week_score
from ..rules import weight_of
from .split import SectionDraft


def rebalance_facilitators(steps, out_of_time) -> int:
    """Sections handed over; steps.week is updated in place."""
    if steps.last:  # with last week, staying with the same facilitator ranks higher
        return 0
    return only_if_better(steps, lambda: _Loads(steps).run(out_of_time))


def only_if_better(steps, change, judge=None) -> int:
    """Run change() (it returns how many changes it made to steps.week) and keep what it did
    only if the report's measure of the week agrees that it got better (or judge(), lower is
    better, when given), and never when it is cut short by an exception (Ctrl-C)."""
    judge = judge or (lambda: week_score(steps.plan.roster, steps.schedule()))
    before_week = {part: list(ds) for part, ds in steps.week.items()}
    before = judge()
    try:
        made = change()
    except BaseException:  # Ctrl-C between two moves of one change: none of it is kept
        steps.week = before_week
        raise
    if made and judge() >= before:
        steps.week = before_week
        return 0
    return made


class _Loads:
    """Who leads what, when, and how full each person's week is, kept up to date."""

    def __init__(self, steps):
        self.steps = steps
        plan = steps.plan
        roster = plan.roster
        self.roster = roster
        self.day_of = steps.day_of
        self.staff = {s.id: s for s in roster.staff}
        self.capacity = {s.id: roster.staff_capacity(s) for s in roster.staff}
        self.free = {sid: set(ts) for sid, ts in plan.staff_slots.items()}
        self.teams = defaultdict(list)  # skill -> staff who can lead anything (as measured)
        for s in sorted(roster.staff, key=lambda s: s.id):
            if self.capacity[s.id]:
                for skill in s.skills:
                    self.teams[skill].append(s.id)
        self.therapist = {p.id: p.primary_therapist for p in plan.patients
                          if p.primary_therapist}
        self.pinned = {(pin.group, pin.letter) for pin in steps.pins if pin.facilitator}
        self.w_fair = weight_of(roster.weights, "fair_load")
        self.w_own = weight_of(roster.weights, "own_therapist")
        self.led = Counter()
        self.busy = defaultdict(set)  # staff -> slots they lead
        self.per_day = Counter()  # (staff, day) -> meetings
        self.sees = Counter()  # (patient, staff) -> therapy sections together
        for ds in steps.week.values():
            for d in ds:
                self._count(d, +1)

    def _count(self, d: SectionDraft, sign: int) -> None:
        sid = d.facilitator
        self.led[sid] += sign * len(d.slots)
        for t in d.slots:
            (self.busy[sid].add if sign > 0 else self.busy[sid].discard)(t)
            self.per_day[sid, self.day_of[t]] += sign
        if self.roster.group_by_name[d.group].kind == THERAPY:
            for pid in d.members:
                self.sees[pid, sid] += sign

    def use(self, sid: str, extra: int = 0) -> int:
        """Percent of capacity, rounded down, as the report counts it."""
        cap = self.capacity[sid]
        return 100 * (self.led[sid] + extra) // cap if cap else 0

    def _fair_units(self, skills, moved: dict[str, int]) -> int:
        units = 0
        for skill in skills:
            members = self.teams.get(skill, [])
            if len(members) >= 2:
                uses = [self.use(sid, moved.get(sid, 0)) for sid in members]
                units += max(uses) - min(uses)
        return units

    def can_lead(self, sid: str, d: SectionDraft) -> bool:
        s = self.staff[sid]
        g = self.roster.group_by_name[d.group]
        if g.skill not in s.skills or not set(d.slots) <= self.free[sid]:
            return False
        if self.busy[sid] & set(d.slots):
            return False
        n = len(d.slots)
        if s.max_per_week is not None and self.led[sid] + n > s.max_per_week:
            return False
        if s.max_per_day is not None:
            days = Counter(self.day_of[t] for t in d.slots)
            if any(self.per_day[sid, day] + k > s.max_per_day for day, k in days.items()):
                return False
        return True

    def gain(self, d: SectionDraft, new: str) -> float:
        """How much the week's penalty falls if new leads d instead (negative: it rises)."""
        old = d.facilitator
        n = len(d.slots)
        skills = self.staff[old].skills | self.staff[new].skills
        fair = (self._fair_units(skills, {})
                - self._fair_units(skills, {old: -n, new: n}))
        own = 0
        if self.roster.group_by_name[d.group].kind == THERAPY:
            for pid in d.members:
                mine = self.therapist.get(pid)
                if mine == old and self.sees[pid, old] == 1:
                    own -= 1  # would stop seeing their therapist
                elif mine == new and self.sees[pid, new] == 0:
                    own += 1
        if own < 0:
            return -1.0  # never, whatever it does for the load
        return self.w_own * own + self.w_fair * fair

    def run(self, out_of_time) -> int:
        made = 0
        changed = True
        while changed and not out_of_time():
            changed = False
            # Each section to whoever gains the week most; again while anything moved.
            for _part, ds in sorted(self.steps.week.items()):
                for i, d in enumerate(ds):
                    if (d.group, d.name) in self.pinned or out_of_time():
                        continue
                    best, best_gain = None, 0.0
                    for sid in sorted(self.staff):
                        if sid != d.facilitator and self.can_lead(sid, d):
                            g = self.gain(d, sid)
                            if g > best_gain + 1e-9:
                                best, best_gain = sid, g
                    if best is not None:
                        self._count(d, -1)
                        ds[i] = d = replace(d, facilitator=best)
                        self._count(d, +1)
                        made += 1
                        changed = True
        return made

"""Own therapist by opening a section: one of the exchange passes over a complete stepwise
week.

When every section a therapist leads in a group is full, or they lead none, their patients
in that group cannot join them by moving into what is there (swaps.py, reseat.py). Opening
another section of the group, led by that therapist, can: Own therapist weighs 20 a patient
and a section costs 10 (docs/quality/few-sections.md). Here a new section opens at times
the therapist and one room are free, within the therapist's day and week caps, and those of
the therapist's patients who miss them and are free then (their own section of the group
aside), within their day caps and Min hours, leave their sections of the group for it. It
opens only when at least the group's Min size can come; the sections left keep theirs.
A second run, after every other exchange, lets members who lose nothing by moving make up
that Min size when too few of the therapist's patients can come (open_with_others): on a
generated 600-patient center, two DBT-only therapists had two patients each who could see
them in no other way.

A therapist with no free time may first give up a section that none of their own patients
are in, when every member can move to another section of its group (reseat.close_section):
on a generated 600-patient center one therapist's evenings were full of such sections while
14 of their patients missed them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import islice

from ..domain import THERAPY
from .patterns import day_combinations, spread_units
from .rebalance import only_if_better
from .reseat import close_section
from .split import SectionDraft, therapy_pairs

# A therapist free at many times has many patterns of meetings: of the first MOST_SEEN
# (one meeting a day where the days allow), the MOST_PATTERNS best spread are tried.
MOST_SEEN = 20_000
MOST_PATTERNS = 400


def open_for_therapists(steps, out_of_time) -> int:
    """Sections opened; kept only if the week's measure agrees it got better."""
    if steps.last:  # with last week, continuing sections outrank a new one
        return 0
    return only_if_better(steps, lambda: _Opener(steps).run(out_of_time))


def open_with_others(steps, out_of_time) -> int:
    """As open_for_therapists, where too few of a therapist's patients can come to reach
    the group's Min size: members who lose nothing by moving make it up. Run after every
    other exchange (regroup.py among them), which would seat those patients without
    another section."""
    if steps.last:
        return 0
    return only_if_better(steps, lambda: _Opener(steps, fill=True).run(out_of_time))


def missing_therapists(steps) -> list[tuple[tuple[str, int], list[str]]]:
    """(therapist, part) -> their patients in that therapy group part who see them in no
    therapy group though they could lead it; most such patients first."""
    roster, plan = steps.plan.roster, steps.plan
    therapist = {p.id: p.primary_therapist for p in plan.patients}
    seen = set(therapy_pairs(roster, steps.week))
    missing = defaultdict(list)
    for (_group, pid), part in sorted(steps.part_of.items(), key=lambda kv: kv[1]):
        gp = plan.groups[part]
        own = therapist.get(pid)
        if own and (pid, own) not in seen and gp.group.kind == THERAPY \
                and any(s.id == own for s in gp.staff):
            missing[(own, part)].append(pid)
    return sorted(missing.items(), key=lambda kv: (-len(kv[1]), kv[0]))


class _Opener:
    """Who is busy when, and who misses their therapist, over the whole week."""

    def __init__(self, steps, fill: bool = False):
        self.steps = steps
        self.fill = fill
        self.plan = steps.plan
        self.roster = steps.plan.roster
        self.day_of = steps.day_of
        self.busy: set[tuple[str, str, int]] = set()  # ("p"/"s"/"r", who, slot)
        self.per_day: Counter = Counter()  # ("p"/"s", who, day) -> meetings
        self.led: Counter = Counter()  # staff -> meetings in the week
        self.minutes: Counter = Counter()  # patient -> minutes in the week
        self.therapist = {p.id: p.primary_therapist for p in self.plan.patients}
        self._recount()

    def _recount(self) -> None:
        for counter in (self.busy, self.per_day, self.led, self.minutes):
            counter.clear()
        for ds in self.steps.week.values():
            for d in ds:
                self._count(d, +1)

    def _count(self, d: SectionDraft, sign: int) -> None:
        people = [("p", pid) for pid in d.members] + [("s", d.facilitator)]
        self.led[d.facilitator] += sign * len(d.slots)
        for pid in d.members:
            self.minutes[pid] += sign * sum(self.steps.minutes_of[t] for t in d.slots)
        for t, room in zip(d.slots, d.rooms):
            for tag, who in people:
                self.per_day[(tag, who, self.day_of[t])] += sign
            for tag, who in people + [("r", room)]:
                (self.busy.add if sign > 0 else self.busy.discard)((tag, who, t))

    def run(self, out_of_time) -> int:
        seen = set(therapy_pairs(self.roster, self.steps.week))
        opened = 0
        for (sid, part), pids in missing_therapists(self.steps):
            if out_of_time():
                break
            pids = [pid for pid in pids if (pid, sid) not in seen]  # an earlier one seated them
            if self._open(sid, part, pids) or self._give_up_then_open(sid, part, pids,
                                                                      out_of_time):
                opened += 1
                seen = set(therapy_pairs(self.roster, self.steps.week))
        return opened

    def _open(self, sid: str, part: int, pids: list[str]) -> bool:
        """Open the best section of this part that sid leads for these patients."""
        gp = self.plan.groups[part]
        g = gp.group
        staff = self.roster.staff_by_id[sid]
        if staff.max_per_week is not None and self.led[sid] + g.sessions > staff.max_per_week:
            return False
        free = set(self.plan.staff_slots[sid])
        times = [t for t in gp.slots if t in free and ("s", sid, t) not in self.busy]
        seen = islice(day_combinations(times, g.sessions, self.day_of), MOST_SEEN)
        patterns = sorted((tuple(sorted(c)) for c in seen
                           if self._within_cap(("s", sid), staff.max_per_day, c)),
                          key=lambda c: (spread_units(c, self.day_of), c))[:MOST_PATTERNS]
        fillers = self._fillers(sid, part, pids) if self.fill else []
        current = {pid: next((d for d in self.steps.week.get(part, ()) if pid in d.members),
                             None) for pid in pids + fillers}
        best, best_key = None, None
        for slots in patterns:
            room = next((r for r in gp.rooms
                         if all(t in self.plan.room_slots[r.name] and ("r", r.name, t)
                                not in self.busy for t in slots)), None)
            if room is None:
                continue
            come = self._who_can_come(part, slots, pids, current, room)
            seated = len(come)
            if 0 < seated < g.min_size and fillers:
                # Too few to open alone: members who lose nothing by moving make up Min size
                # (the ones who come first keep their places in the list).
                come = self._who_can_come(part, slots, come + fillers, current, room)
                come = come[:g.min_size]
            key = (seated, -(len(come) - seated))
            if seated and len(come) >= g.min_size and (best is None or key > best_key):
                best, best_key = (slots, room, come), key
        if best is None:
            return False
        slots, room, come = best
        new = SectionDraft(g.name, tuple(slots), tuple(room.name for _ in slots), sid,
                           tuple(sorted(come)))
        week = self.steps.week.setdefault(part, [])
        for i, d in enumerate(week):
            leaving = set(d.members) & set(come)
            if leaving:
                self._count(d, -1)
                week[i] = SectionDraft(d.group, d.slots, d.rooms, d.facilitator,
                                       tuple(m for m in d.members if m not in leaving), d.name)
                self._count(week[i], +1)
        week.append(new)
        self._count(new, +1)
        return True

    def _fillers(self, sid: str, part: int, pids: list[str]) -> list[str]:
        """Members of this part's sections who could move to a new section of sid's without
        losing their own therapist in group: sid's own patients first, then those whose
        therapist does not lead the section they are in."""
        missing = set(pids)
        out = []
        for d in self.steps.week.get(part, ()):
            for m in d.members:
                own = self.therapist.get(m)
                if m not in missing and (own == sid or own != d.facilitator):
                    out.append(m)
        return sorted(out, key=lambda m: (self.therapist.get(m) != sid, m))

    def _give_up_then_open(self, sid: str, part: int, pids: list[str], out_of_time) -> bool:
        """Open after sid gives up a section that none of their own patients are in and the
        Fixed sheet does not pin, its members moving to other sections of its group
        (reseat.close_section), when that frees the time; the week stays as it was when no
        section of theirs does."""
        if len(pids) < self.plan.groups[part].group.min_size:
            return False
        pinned = {(pin.group, pin.letter) for pin in self.steps.pins}
        theirs = sorted(((q, d) for q, ds in self.steps.week.items() for d in ds
                         if d.facilitator == sid and (d.group, d.name) not in pinned
                         and not any(self.therapist.get(m) == sid for m in d.members)),
                        key=lambda qd: (len(qd[1].members), qd[0], qd[1].slots))
        for q, d in theirs:
            if out_of_time():
                break
            before = {k: list(ds) for k, ds in self.steps.week.items()}
            if close_section(self.steps, q, d):
                self._recount()
                if self._open(sid, part, pids):
                    return True
                self.steps.week = before
                self._recount()
        return False

    def _within_cap(self, who: tuple[str, str], cap: int | None, slots, leaving=()) -> bool:
        """Whether these meetings (and leaving those slots) keep who within cap a day."""
        if cap is None:
            return True
        extra = Counter(self.day_of[t] for t in slots)
        extra.subtract(self.day_of[t] for t in leaving)
        return all(self.per_day[(*who, day)] + n <= cap for day, n in extra.items() if n > 0)

    def _who_can_come(self, part, slots, pids, current, room) -> list[str]:
        """The patients free at all these slots (apart from their section of this part, which
        they leave), within day caps and Min hours, with what they need in the room, none
        kept apart from another, and whose sections left behind keep their Min size."""
        roster, plan, steps = self.roster, self.plan, self.steps
        g = plan.groups[part].group
        apart = roster.kept_apart_from()
        come: list[str] = []
        leaving: Counter = Counter()
        for pid in pids:
            p = roster.patient_by_id[pid]
            cur = current[pid]
            own = set(cur.slots) if cur else set()
            program = roster.program_by_name[p.program]
            minutes = sum(steps.minutes_of[t] for t in slots) \
                - sum(steps.minutes_of[t] for t in own)
            if (not all(t in plan.patient_slots[pid] and (("p", pid, t) not in self.busy
                                                          or t in own) for t in slots)
                    or not self._within_cap(("p", pid), program.max_per_day, slots, own)
                    or self.minutes[pid] + minutes < program.min_minutes
                    or not p.needs - g.room_needs <= room.features
                    or apart[pid] & set(come)
                    or (cur is not None
                        and len(cur.members) - leaving[cur] - 1 < g.min_size)
                    or len(come) >= min(g.max_size, room.capacity)):
                continue
            come.append(pid)
            if cur is not None:
                leaving[cur] += 1
        return come

"""Stage 1 of the large-roster solver: sections as counts of *time patterns*.

A time pattern is the set of slots a section of a group meets in (e.g. Mon,
Wed and Fri at 9:00). Here each group part chooses how many sections run each
of a few candidate patterns, and patients, facilitators and rooms are assigned
to patterns rather than to individual sections. Every conflict (a patient, a
facilitator or a room at two meetings at once) becomes a plain sum over
patterns, so the model stays small and linear at hundreds of patients.
Which section of a pattern each patient joins is decided in stage 2
(split.py). Every section keeps one room by construction.

The candidate patterns are a chosen subset of all possible ones, so this
model can miss a week that exists; the exact model (constraints.py) is used to
prove that none does.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python.cp_model import CpModel, IntVar, LinearExpr

from ..domain import THERAPY
from ..rules import SAME_DAY_UNITS, scaled
from .constraints import LOST_WEIGHTS
from .objective import CONTINUITY_WEIGHT
from .plan import Plan
from .variables import both

if TYPE_CHECKING:
    from .pinned import PinnedSection
    from .split import SectionDraft

PATTERNS_PER_PART = 24  # best patterns kept for each group part
PATTERNS_PER_KIND = 3  # best patterns kept within each patient's and facilitator's free times


@dataclass(frozen=True)
class Pattern:
    part: int  # index into plan.groups
    slots: tuple[int, ...]
    spread_units: int  # the Spread rule's units for one section meeting at these slots


@dataclass
class Bucket:
    """One pattern of one group part: its section count and who is assigned to it."""

    pattern: Pattern
    sections: IntVar
    members: dict[str, IntVar] = field(default_factory=dict)  # patient ID -> in this pattern
    leads: dict[str, IntVar] = field(default_factory=dict)  # staff ID -> leads a section here
    rooms: dict[str, IntVar] = field(default_factory=dict)  # room -> hosts a section here


@dataclass
class Fixed:
    """What the rest of the week already holds (sections of other group parts), as constants.

    The stepwise solver (stepwise.py) decides a few group parts at a time; this is
    everything the other parts already take: busy slots, meetings per day and week,
    minutes, and who already sees their primary therapist.
    """

    patient_busy: set[tuple[str, int]] = field(default_factory=set)
    staff_busy: set[tuple[str, int]] = field(default_factory=set)
    room_busy: set[tuple[str, int]] = field(default_factory=set)
    patient_day: Counter = field(default_factory=Counter)  # (patient, day) -> meetings
    staff_day: Counter = field(default_factory=Counter)  # (staff, day) -> meetings
    staff_week: Counter = field(default_factory=Counter)  # staff -> meetings
    patient_minutes: Counter = field(default_factory=Counter)
    sees_therapist: set[str] = field(default_factory=set)


def spread_units(slots: tuple[int, ...], day_of: dict[int, int]) -> int:
    """SAME_DAY_UNITS per extra meeting on one day, 1 per pair of neighbouring days (as the
    Spread rule)."""
    days = [day_of[t] for t in slots]
    distinct = set(days)
    return SAME_DAY_UNITS * (len(days) - len(distinct)) \
        + sum(1 for d in distinct if d + 1 in distinct)


def candidate_patterns(plan: Plan, part: int, free: dict[str, set[int]] | None = None,
                       staff_free: dict[str, set[int]] | None = None,
                       include: tuple[tuple[int, ...], ...] = (),
                       pool=None) -> list[Pattern]:
    """The best-spread patterns of a group part, making sure every patient and facilitator
    kind has patterns within their own free times.

    free / staff_free: who is still free when (default: the plan's free times);
    include: patterns to keep whatever their score (the ones the part uses now);
    pool: the patients to serve (default: the part's whole pool).
    """
    gp = plan.groups[part]
    pool = gp.pool if pool is None else pool
    day_of = {s.index: s.day for s in plan.slots}
    start_of = {s.index: s.start for s in plan.slots}
    n = gp.group.sessions
    if free is None:
        free = {p.id: set(plan.patient_slots[p.id]) for p in pool}
    if staff_free is None:
        staff_free = {s.id: set(plan.staff_slots[s.id]) for s in gp.staff}

    def score(slots: tuple[int, ...]) -> tuple:
        starts = {start_of[t] for t in slots}
        return (spread_units(slots, day_of), len(starts), slots)

    def best_within(allowed: set[int], how_many: int) -> list[tuple[int, ...]]:
        pool = sorted(t for t in gp.slots if t in allowed)
        if len(pool) < n:
            return []
        return sorted(day_combinations(pool, n, day_of), key=score)[:how_many]

    chosen: dict[tuple[int, ...], None] = dict.fromkeys(include)
    for slots in best_within(set(gp.slots), PATTERNS_PER_PART):
        chosen[slots] = None
    staff_sets = [staff_free[s.id] for s in gp.staff]
    kinds = {frozenset(free[p.id]) for p in pool}
    for kind in sorted(kinds, key=sorted):
        for staff_set in staff_sets:
            allowed = kind & staff_set
            # A kind already served by enough chosen patterns needs no more of its own.
            if sum(1 for c in chosen if allowed.issuperset(c)) >= PATTERNS_PER_KIND:
                continue
            for slots in best_within(allowed, PATTERNS_PER_KIND):
                chosen[slots] = None
    return [Pattern(part, slots, spread_units(slots, day_of)) for slots in chosen]


def day_combinations(pool: list[int], n: int, day_of: dict[int, int]):
    """n-slot combinations, one slot per day when the days allow it (with a size cap)."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for t in pool:
        by_day[day_of[t]].append(t)
    if len(by_day) >= n:
        for days in itertools.combinations(sorted(by_day), n):
            yield from itertools.product(*(by_day[d] for d in days))
    else:
        yield from itertools.islice(itertools.combinations(pool, n), 5000)


class PatternModel:
    """Stage 1: sections per pattern, and patients, facilitators and rooms per pattern."""

    def __init__(self, plan: Plan, parts: set[int] | None = None, fixed: Fixed | None = None,
                 relax: bool = False, include: dict[int, list[tuple[int, ...]]] | None = None,
                 lean: bool = False, reserve: dict[tuple[str, str], int] | None = None,
                 pools: dict[int, set[str]] | None = None, caps: dict[int, int] | None = None,
                 keep: list[tuple[int, "SectionDraft"]] = (),
                 pins: list["PinnedSection"] = (), later: tuple[int, ...] = ()):
        """parts: only these group parts (default: all); fixed: what the other parts hold;
        relax: a missed group or minutes below Min hours are priced (LOST_WEIGHTS), not forbidden;
        include: patterns each part must be able to use (its current ones);
        lean: only the cheap soft rules (few sections, spread, right amount), for a fast step;
        reserve: hundredths of a point per meeting led by a staff member ("staff", ID) or held
        in a room ("room", name) that parts still to come need more;
        pools / caps: for some parts, only these patients and at most this many sections
        (the rest of the part's sections are in fixed);
        keep: (part, section) of last week's sections being re-decided: moving away from
        them costs continuity points (stepwise with --previous);
        pins: pinned sections (pinned.py) these parts must hold (Fixed sheet);
        later: parts still to be placed after these (stepwise): taking the staff or rooms
        they cannot do without is priced as the places it would cost them (_left_for_later).
        """
        self.keep = list(keep)
        self.pins = list(pins)
        self.pin_homes: list[tuple["PinnedSection", list[tuple[Bucket, IntVar]]]] = []
        self.pools = pools or {}
        self.caps = caps or {}
        self.include = include or {}
        self.lean = lean
        self.reserve = reserve or {}
        self.later = tuple(later)
        self.plan = plan
        self.model = CpModel()
        self.parts = set(range(len(plan.groups))) if parts is None else set(parts)
        self.everyone = len(self.parts) == len(plan.groups)  # else the rest is in fixed
        self.fixed = fixed or Fixed()
        self.relax = relax
        self.lost: list[tuple[int, LinearExpr]] = []  # (weight, units) when relaxed
        self.missed: dict[tuple[int, str], IntVar] = {}  # (part, patient) -> not placed
        self.buckets: list[Bucket] = []
        self.objective_terms: list[tuple[int, LinearExpr]] = []
        self.slot_day = {s.index: s.day for s in plan.slots}
        self.slot_minutes = {s.index: s.minutes for s in plan.slots}
        self._variables()
        self._patients()
        self._facilitators()
        self._rooms()
        self._sections()
        self._pins()
        self._objective()

    # --- variables ----------------------------------------------------------------------------

    def _still_free(self, who: str, slots, busy: set, day_count: Counter, cap: int | None,
                    week_left: int | None = None) -> set[int]:
        """Slots not taken by the fixed part of the week, on days below the day cap."""
        if week_left is not None and week_left <= 0:
            return set()
        return {t for t in slots if (who, t) not in busy
                and (cap is None or day_count[(who, self.slot_day[t])] < cap)}

    def _variables(self) -> None:
        plan, m, fixed = self.plan, self.model, self.fixed
        programs = plan.roster.program_by_name
        staff_by_id = plan.roster.staff_by_id
        free = {p.id: self._still_free(p.id, plan.patient_slots[p.id], fixed.patient_busy,
                                       fixed.patient_day, programs[p.program].max_per_day)
                for p in plan.patients}
        staff_free = {}
        for sid, ts in plan.staff_slots.items():
            s = staff_by_id[sid]
            left = None if s.max_per_week is None else s.max_per_week - fixed.staff_week[sid]
            staff_free[sid] = self._still_free(sid, ts, fixed.staff_busy, fixed.staff_day,
                                               s.max_per_day, left)
        room_free = {name: {t for t in ts if (name, t) not in fixed.room_busy}
                     for name, ts in plan.room_slots.items()}
        for part, gp in enumerate(plan.groups):
            if gp.sections == 0 or part not in self.parts:
                continue
            include = tuple(self.include.get(part, ()))
            for pin in self.pins:
                if pin.part == part:
                    include += self._pin_patterns(part, pin, staff_free, room_free)
            pool = self.pool(part)
            for pattern in candidate_patterns(plan, part, free, staff_free, include, pool):
                slots = set(pattern.slots)
                leads = [s for s in gp.staff if slots <= staff_free[s.id]]
                rooms = [r for r in gp.rooms if slots <= room_free[r.name]]
                most = min(len(leads), len(rooms), self.caps.get(part, gp.sections))
                if most == 0:
                    continue
                bucket = Bucket(pattern, m.new_int_var(0, most, ""))
                for p in pool:
                    if slots <= free[p.id]:
                        bucket.members[p.id] = m.new_bool_var("")
                for s in leads:
                    bucket.leads[s.id] = m.new_bool_var("")
                for r in rooms:
                    bucket.rooms[r.name] = m.new_bool_var("")
                self.buckets.append(bucket)

    def _pin_patterns(self, part: int, pin, staff_free, room_free) -> tuple[tuple[int, ...], ...]:
        """The best-spread patterns that hold a pinned section's meetings, at times its
        facilitator and room are still free."""
        gp = self.plan.groups[part]
        allowed = set(gp.slots)
        if pin.facilitator is not None:
            allowed &= staff_free.get(pin.facilitator, set())
        if pin.room is not None:
            allowed &= room_free.get(pin.room, set())
        slots = sorted(allowed)
        if len(slots) < gp.group.sessions:
            return ()
        fitting = (c for c in day_combinations(slots, gp.group.sessions, self.slot_day)
                   if pin.allows(c))
        return tuple(sorted(fitting, key=lambda c: (spread_units(c, self.slot_day), c))
                     [:PATTERNS_PER_KIND])

    def forbid(self, bucket: Bucket, members: list[str], count: int) -> None:
        """No more these members in this bucket with this many sections: they could not be
        divided into sections (split.py)."""
        m = self.model
        same_count = m.new_bool_var("")
        m.add(bucket.sections == count).only_enforce_if(same_count)
        m.add(bucket.sections != count).only_enforce_if(~same_count)
        m.add_bool_or([~bucket.members[pid] for pid in members] + [~same_count])

    def pool(self, part: int):
        """The part's patients this model places."""
        pool = self.plan.groups[part].pool
        if part in self.pools:
            return tuple(p for p in pool if p.id in self.pools[part])
        return pool

    def _by_part(self) -> dict[int, list[Bucket]]:
        out: dict[int, list[Bucket]] = defaultdict(list)
        for b in self.buckets:
            out[b.pattern.part].append(b)
        return out

    # --- hard rules -----------------------------------------------------------------------------

    def _patients(self) -> None:
        """Rules 2, 3, 4: one pattern per assigned group, one meeting at a time, day caps, hours."""
        plan, m, fixed = self.plan, self.model, self.fixed
        by_part = self._by_part()
        if plan.unplaceable and not self.relax:
            m.add_bool_or([])
        at: dict[tuple[str, int], list[IntVar]] = defaultdict(list)
        minutes: dict[str, list] = defaultdict(list)
        for part in sorted(self.parts):
            gp = plan.groups[part]
            for p in self.pool(part):
                choices = [b.members[p.id] for b in by_part.get(part, []) if p.id in b.members]
                if p.id in gp.must and self.relax:
                    missed = m.new_bool_var("")
                    m.add_exactly_one(choices + [missed])
                    self.missed[(part, p.id)] = missed
                    self.lost.append((LOST_WEIGHTS["missed_group"], missed))
                elif p.id in gp.must:
                    m.add_exactly_one(choices)
                elif choices:
                    m.add_at_most_one(choices)
        for b in self.buckets:
            for pid, var in b.members.items():
                for t in b.pattern.slots:
                    at[(pid, t)].append(var)
                minutes[pid].append(sum(self.slot_minutes[t] for t in b.pattern.slots) * var)
        for vars_ in at.values():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)
        programs = plan.roster.program_by_name
        to_come = self._minutes_to_come()
        for p in plan.patients:
            if not self.everyone and not minutes[p.id]:
                continue  # nothing of this patient's week is decided here
            program = programs[p.program]
            need = program.min_minutes - fixed.patient_minutes[p.id] - to_come[p.id]
            if program.min_minutes > 0 and self.relax:
                short = m.new_int_var(0, max(0, need), "")
                m.add(LinearExpr.sum(minutes[p.id]) + short >= need)
                self.lost.append((LOST_WEIGHTS["short_minutes"], short))
            elif program.min_minutes > 0:
                m.add(LinearExpr.sum(minutes[p.id]) >= need)
            self._day_cap(at, p.id, plan.patient_slots[p.id], program.max_per_day,
                          fixed.patient_day)
        self.patient_at = at

    def _minutes_to_come(self) -> Counter:
        """Stepwise placing only: the most minutes each patient can still get from groups they
        must attend among the parts still to come, so that only a patient whose week cannot
        reach Min hours without this step's long slots makes them worth their price (an IOP
        patient who can come only in the evening, not a Residential one with a full week)."""
        to_come: Counter = Counter()
        for q in self.later:
            gp = self.plan.groups[q]
            slots = set(gp.slots)
            for pid in gp.must:
                usable = [self.slot_minutes[t]
                          for t in slots.intersection(self.plan.patient_slots[pid])]
                to_come[pid] += gp.group.sessions * max(usable, default=0)
        return to_come

    def _facilitators(self) -> None:
        """Rules 3, 5: one facilitator per section, one meeting at a time, day and week caps."""
        m = self.model
        at: dict[tuple[str, int], list[IntVar]] = defaultdict(list)
        week: dict[str, list] = defaultdict(list)
        for b in self.buckets:
            m.add(LinearExpr.sum(list(b.leads.values())) == b.sections)
            for sid, var in b.leads.items():
                for t in b.pattern.slots:
                    at[(sid, t)].append(var)
                week[sid].append(len(b.pattern.slots) * var)
        for vars_ in at.values():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)
        fixed = self.fixed
        for s in self.plan.roster.staff:
            if s.max_per_week is not None and week[s.id]:
                m.add(LinearExpr.sum(week[s.id]) <= s.max_per_week - fixed.staff_week[s.id])
            self._day_cap(at, s.id, self.plan.staff_slots[s.id], s.max_per_day, fixed.staff_day)
        self.staff_at = at
        self.staff_week = week

    def _day_cap(self, at, who: str, slots: list[int], cap: int | None,
                 taken: Counter) -> None:
        """At most cap meetings a day, counting those the fixed part of the week holds."""
        if cap is None:
            return
        per_day: dict[int, list[IntVar]] = defaultdict(list)
        for t in slots:
            per_day[self.slot_day[t]].extend(at.get((who, t), []))
        for day, vars_ in per_day.items():
            left = cap - taken[(who, day)]
            if len(vars_) > left:
                self.model.add(LinearExpr.sum(vars_) <= left)

    def _rooms(self) -> None:
        """Rules 3, 6: one room per section for all its meetings; one meeting per room and slot."""
        m = self.model
        at: dict[tuple[str, int], list[IntVar]] = defaultdict(list)
        for b in self.buckets:
            m.add(LinearExpr.sum(list(b.rooms.values())) == b.sections)
            for name, var in b.rooms.items():
                for t in b.pattern.slots:
                    at[(name, t)].append(var)
        for vars_ in at.values():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)
        self.room_at = at

    def _sections(self) -> None:
        """Rules 2, 6, 7, 8 in aggregate: sizes and seats, role models, keep-apart, needs."""
        plan, m = self.plan, self.model
        rooms = plan.roster.room_by_name
        patients = plan.roster.patient_by_id
        pairs = plan.roster.keep_apart_pairs()
        for b in self.buckets:
            g = plan.groups[b.pattern.part].group
            size = LinearExpr.sum(list(b.members.values()))
            seats = LinearExpr.sum([min(rooms[name].capacity, g.max_size) * var
                                    for name, var in b.rooms.items()])
            m.add(size >= g.min_size * b.sections)
            m.add(size <= seats)
            if g.is_peer:
                models = [v for pid, v in b.members.items() if pid in plan.role_models]
                m.add(LinearExpr.sum(models) >= b.sections)
            for a, c in pairs:
                if a in b.members and c in b.members:
                    m.add(b.members[a] + b.members[c] <= b.sections)
            for pid, var in b.members.items():
                for need in sorted(patients[pid].needs - g.room_needs):
                    fitting = [v for name, v in b.rooms.items() if need in rooms[name].features]
                    m.add(LinearExpr.sum(fitting) >= var)

    def _pins(self) -> None:
        """Fixed sheet (hard): each pinned section is one section of a bucket whose times hold
        its pinned meetings, led by its facilitator, in its room."""
        m = self.model
        per_bucket: dict[int, list[IntVar]] = defaultdict(list)
        per_lead: dict[tuple[int, str], list[IntVar]] = defaultdict(list)
        per_room: dict[tuple[int, str], list[IntVar]] = defaultdict(list)
        position = {id(b): i for i, b in enumerate(self.buckets)}
        for pin in self.pins:
            homes = []
            for b in self.buckets:
                if b.pattern.part != pin.part or not pin.allows(b.pattern.slots) \
                        or (pin.facilitator is not None and pin.facilitator not in b.leads) \
                        or (pin.room is not None and pin.room not in b.rooms):
                    continue
                home = m.new_bool_var("")
                i = position[id(b)]
                per_bucket[i].append(home)
                if pin.facilitator is not None:
                    m.add_implication(home, b.leads[pin.facilitator])
                    per_lead[(i, pin.facilitator)].append(home)
                if pin.room is not None:
                    m.add_implication(home, b.rooms[pin.room])
                    per_room[(i, pin.room)].append(home)
                homes.append((b, home))
            if homes:
                m.add_exactly_one(home for _b, home in homes)
            else:
                m.add_bool_or([])  # nothing this step can hold the pin
            self.pin_homes.append((pin, homes))
        for i, homes in per_bucket.items():
            m.add(LinearExpr.sum(homes) <= self.buckets[i].sections)
        for homes in list(per_lead.values()) + list(per_room.values()):
            if len(homes) > 1:
                m.add_at_most_one(homes)

    # --- soft rules (the same units as objective.py where they can be told here) ---------------

    def _objective(self) -> None:
        weights = self.plan.roster.weights
        terms: list[tuple[str, LinearExpr]] = []
        sections = LinearExpr.sum([b.sections for b in self.buckets])
        terms.append(("few_sections", sections))
        terms.append(("spread", LinearExpr.sum([b.pattern.spread_units * b.sections
                                                for b in self.buckets])))
        terms.append(("right_amount", self._unprescribed()))
        if not self.lean:
            terms.append(("own_therapist", self._own_therapist()))
            terms.append(("compact_days", self._gaps()))
            terms.append(("fair_load", self._load_spread()))
        weighted = [scaled(weights[name]) * expr for name, expr in terms if weights[name] > 0]
        weighted += [w * expr for w, expr in self.lost]
        weighted += self._reserved()
        weighted += self._left_for_later()
        if self.keep:
            weighted.append(scaled(CONTINUITY_WEIGHT) * self._continuity())
        if weighted:
            self.model.minimize(LinearExpr.sum(weighted))

    def _continuity(self) -> LinearExpr:
        """Soft, above every quality rule (as Objective.continuity): each section in keep
        picks at most one bucket as its home (one section of it there); 5 units per member
        not in that bucket, 3 when its facilitator leads none of its sections, 2 per meeting
        at another time, 1 per meeting when none of its rooms is the section's."""
        m = self.model
        by_part = self._by_part()
        homes_in: dict[int, list[IntVar]] = defaultdict(list)  # bucket position -> homes
        position = {id(b): i for i, b in enumerate(self.buckets)}
        out: list = []
        for part, d in self.keep:
            n = len(d.slots)
            out.append(5 * len(d.members) + 3 + 3 * n)  # everything lost without a home
            homes = []
            for b in by_part.get(part, []):
                home = m.new_bool_var("")
                homes.append(home)
                homes_in[position[id(b)]].append(home)
                out.append(-2 * len(set(d.slots) & set(b.pattern.slots)) * home)
                room = b.rooms.get(d.rooms[0]) if d.rooms else None
                for units, var in ([(5, b.members.get(pid)) for pid in d.members]
                                   + [(3, b.leads.get(d.facilitator)), (n, room)]):
                    if var is None:
                        continue
                    out.append(-units * both(m, home, var))
            if len(homes) > 1:
                m.add_at_most_one(homes)
        for i, homes in homes_in.items():
            m.add(LinearExpr.sum(homes) <= self.buckets[i].sections)
        return LinearExpr.sum(out)

    def _reserved(self) -> list:
        """The price of taking staff and rooms that later parts need more (stepwise only)."""
        if not self.reserve:
            return []
        out = []
        for b in self.buckets:
            n = len(b.pattern.slots)
            for kind, options in (("staff", b.leads), ("room", b.rooms)):
                out += [self.reserve[(kind, k)] * n * v for k, v in options.items()
                        if self.reserve.get((kind, k))]
        return out

    def _left_for_later(self) -> list:
        """Stepwise placing only: each part still to come keeps enough meetings of its
        qualified staff (and of its rooms, if it needs special ones) at its times for the
        sections its patients need; each meeting short costs half as many missed places as
        one of its meetings seats on average."""
        if not self.later:
            return []
        plan, fixed = self.plan, self.fixed
        out = []
        for q in self.later:
            gp = plan.groups[q]
            meetings = math.ceil(len(gp.must) / gp.group.max_size) * gp.group.sessions
            if not meetings:
                continue
            slots = set(gp.slots)
            # Half the places a meeting seats on average: the shortfall is an upper estimate.
            price = LOST_WEIGHTS["missed_group"] * max(1, len(gp.must) // (2 * meetings))
            staff = [self._still_left(slots, s.id, plan.staff_slots[s.id], fixed.staff_busy,
                                      self.staff_at, self.staff_week[s.id],
                                      plan.roster.staff_capacity(s) - fixed.staff_week[s.id])
                     for s in gp.staff]
            out.append(price * self._short_of(meetings, staff))
            if gp.group.room_needs:
                rooms = [self._still_left(slots, r.name, plan.room_slots[r.name],
                                          fixed.room_busy, self.room_at) for r in gp.rooms]
                out.append(price * self._short_of(meetings, rooms))
        return out

    def _short_of(self, meetings: int, supply: list) -> IntVar:
        """Meetings the supply falls short of these."""
        short = self.model.new_int_var(0, meetings, "")
        self.model.add(short >= meetings - LinearExpr.sum(supply))
        return short

    def _still_left(self, slots: set[int], name: str, own_slots, busy: set,
                    at: dict[tuple[str, int], list[IntVar]], week: list | None = None,
                    week_left: int | None = None):
        """Meetings a staff member or room can still give at these slots once this step's
        sections are decided (a constant when this step cannot take any of them); at: this
        step's meetings per (name, slot), week: its meetings of the week (staff)."""
        free = sum(1 for t in own_slots if t in slots and (name, t) not in busy)
        most = free if week_left is None else max(0, min(week_left, free))
        here = [v for t in sorted(slots) for v in at.get((name, t), [])]
        if not most or not (here or week):
            return most
        left = self.model.new_int_var(0, most, "")
        self.model.add(left <= free - LinearExpr.sum(here))
        if week_left is not None:
            self.model.add(left <= week_left - LinearExpr.sum(week))
        return left

    def _unprescribed(self) -> LinearExpr:
        out = []
        for b in self.buckets:
            gp = self.plan.groups[b.pattern.part]
            unit = 1 if gp.group.track else 2
            out += [unit * var for pid, var in b.members.items() if pid not in gp.must]
        return LinearExpr.sum(out)

    def _own_therapist(self) -> LinearExpr:
        m = self.model
        therapist = {p.id: p.primary_therapist for p in self.plan.patients
                     if p.primary_therapist and p.id not in self.fixed.sees_therapist}
        sees: dict[str, list[IntVar]] = defaultdict(list)
        with_therapist: dict[tuple[int, str], list[IntVar]] = defaultdict(list)
        for i, b in enumerate(self.buckets):
            g = self.plan.groups[b.pattern.part].group
            if g.kind != THERAPY:
                continue
            for pid, member in b.members.items():
                leads = b.leads.get(therapist.get(pid, ""))
                if leads is None:
                    continue
                pair = both(m, member, leads)
                sees[pid].append(pair)
                with_therapist[(i, therapist[pid])].append(pair)
        for (i, _), vars_ in with_therapist.items():
            # They all join that therapist's one section of the pattern.
            m.add(LinearExpr.sum(vars_) <= self.plan.groups[self.buckets[i].pattern.part].group.max_size)
        misses = []
        for pid in sorted(therapist):
            if not self.everyone and not sees[pid]:
                continue  # decided elsewhere: a constant here
            miss = m.new_bool_var("")
            m.add_bool_or(sees[pid] + [miss])
            misses.append(miss)
        return LinearExpr.sum(misses)

    def _gaps(self) -> LinearExpr:
        """Compact days: per patient and day, the blocks of sessions beyond the first (a block
        starts at a session right after a free slot)."""
        m = self.model
        gaps = []
        fixed = self.fixed.patient_busy
        # Only days on which this step decides something: on the others the count is a constant.
        deciding: dict[str, set[int]] = defaultdict(set)
        for (pid, t), vars_ in self.patient_at.items():
            if vars_:
                deciding[pid].add(self.slot_day[t])
        patient_days = self.plan.patient_days
        for p in self.plan.patients:
            if p.id not in deciding:
                continue
            days = patient_days[p.id]
            for day_slots in (days[d] for d in sorted(deciding[p.id])):
                busy = [self.patient_at.get((p.id, t), []) for t in day_slots]
                taken = [(p.id, t) in fixed for t in day_slots]
                # (every day here has a choice: deciding holds only such days)
                if len(day_slots) < 3 or sum(1 for b, f in zip(busy, taken) if b or f) < 2:
                    continue
                starts, known, before, before_vars = [], 0, 0, []
                for vars_, f in zip(busy, taken):
                    if not vars_ and (not before_vars or not f):
                        # No choice here: a block starts, or cannot, whatever the step decides.
                        known += max(0, int(f) - before) if not before_vars else 0
                    else:
                        # start >= now - before, as one weighted sum (built hundreds of
                        # thousands of times per run)
                        start = m.new_bool_var("")
                        m.add_linear_constraint(LinearExpr.weighted_sum(
                            vars_ + before_vars + [start],
                            [1] * len(vars_) + [-1] * len(before_vars) + [-1]),
                            -len(vars_) - len(before_vars), before - int(f))
                        starts.append(start)
                    before, before_vars = int(f), vars_
                excess = m.new_int_var(0, len(starts) + known, "")
                m.add(excess >= LinearExpr.sum(starts) + known - 1)
                gaps.append(excess)
        return LinearExpr.sum(gaps)

    def _load_spread(self) -> LinearExpr:
        m = self.model
        roster = self.plan.roster
        use = {}
        for s in roster.staff:
            cap = roster.staff_capacity(s)
            if cap == 0:
                continue
            led = LinearExpr.sum(self.staff_week.get(s.id, [])) + self.fixed.staff_week[s.id]
            u = m.new_int_var(0, 100, "")
            m.add(cap * u <= 100 * led)
            m.add(100 * led <= cap * u + cap - 1)
            use[s.id] = u
        spreads = []
        teams: dict[str, list[str]] = defaultdict(list)
        for s in sorted(roster.staff, key=lambda s: s.id):
            if s.id in use:
                for skill in s.skills:
                    teams[skill].append(s.id)
        for members in teams.values():
            if len(members) < 2:
                continue
            hi, lo = m.new_int_var(0, 100, ""), m.new_int_var(0, 100, "")
            for sid in members:
                m.add(hi >= use[sid])
                m.add(lo <= use[sid])
            spreads.append(hi - lo)
        return LinearExpr.sum(spreads)

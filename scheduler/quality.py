"""How clinically good a finished week is, measured from the week itself.

One function per soft rule (see scheduler/rules.py, docs/quality/). Each counts
the rule's units exactly as the solver's objective does, but from the Schedule
alone, so the report never trusts solver internals. Each also lists who misses
the rule and, where it can be told from the roster, why that was unavoidable.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from .check import check_schedule
from .domain import DAY_NAMES, THERAPY, Roster, clock, key
from .parsing import or_list
from .rules import MEMBERS_PER_ROLE_MODEL, RULE_BY_KEY, SAME_DAY_UNITS, SOFT_RULES, weight_of
from .solution import Meeting, Schedule, Section

BALANCED_SPREAD = 30  # percentage points within a skill team still called balanced


@dataclass
class Miss:
    """One patient, section or staff member who misses a rule."""

    kind: str  # patient, section, staff, skill
    id: str  # patient ID, "Group|A", staff ID, skill
    text: str  # what is missed, in words
    unavoidable: str | None = None  # why it could not be helped, when known
    # What stands in the way of one that another week might meet, when it can be told,
    # and that obstacle's kind (one of the rule's CAUSES), so the report can count them.
    detail: str | None = None
    cause: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "text": self.text,
                "unavoidable": self.unavoidable, "detail": self.detail, "cause": self.cause}


@dataclass
class RuleResult:
    key: str
    title: str
    weight: float
    units: int
    satisfied: int | None
    possible: int | None
    summary: str = ""
    misses: list[Miss] = field(default_factory=list)

    @property
    def penalty(self) -> float:
        return round(self.weight * self.units, 2)

    def to_dict(self) -> dict:
        return {
            "rule": self.key, "title": self.title, "weight": self.weight, "units": self.units,
            "penalty": self.penalty, "satisfied": self.satisfied, "possible": self.possible,
            "summary": self.summary, "misses": [m.to_dict() for m in self.misses],
        }


@dataclass
class StaffLoad:
    id: str
    name: str
    meetings: int
    capacity: int  # meetings they could lead (availability, Max per day/week)
    max_per_week: int | None

    @property
    def use(self) -> int:
        """Percent of capacity, rounded down (as the solver counts it)."""
        return 100 * self.meetings // self.capacity if self.capacity else 0


@dataclass
class Quality:
    rules: list[RuleResult]
    objective: float  # sum of penalties, in points
    bound: float | None  # solver's proven lower bound, in points
    staff_load: list[StaffLoad]

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        if self.objective <= 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)

    @property
    def stale_bound(self) -> bool:
        """A week scoring below the proven bound was solved under other weights: the bound
        says nothing about it."""
        return self.bound is not None and self.objective < self.bound - 0.05

    def rule(self, key_: str) -> RuleResult | None:
        return next((r for r in self.rules if r.key == key_), None)

    def to_dict(self) -> dict:
        return {
            "objective": self.objective,
            "bound": self.bound,
            "gap": None if self.gap is None else round(self.gap, 4),
            "rules": [r.to_dict() for r in self.rules],
            "staff_load": [
                {"staff": s.id, "meetings": s.meetings, "capacity": s.capacity, "use": s.use}
                for s in self.staff_load
            ],
        }


def measure(roster: Roster, schedule: Schedule, explain: bool = True) -> Quality:
    """Every soft rule's figures for this week, with the solver's bound for the gap.
    explain=False leaves out what trying other members would do (the solver, scoring many
    weeks, needs only the figures)."""
    week = _Week(roster, schedule, explain)
    results = []
    for rule in SOFT_RULES:
        result = MEASURES[rule.key](week)
        result.weight = weight_of(roster.weights, rule.key)
        results.append(result)
    objective = round(sum(r.penalty for r in results), 2)
    return Quality(results, objective, schedule.best_bound, week.staff_load())


def week_score(roster: Roster, schedule: Schedule) -> float:
    """The week's penalty in points, as the report counts it (for the solver's comparisons)."""
    return measure(roster, schedule, explain=False).objective


class _Week:
    """The week with the lookups every measure needs."""

    def __init__(self, roster: Roster, schedule: Schedule, explain: bool = True):
        self.roster = roster
        self.explain = explain
        self.schedule = schedule
        self.sections = schedule.sections
        self.patients = {p.id: p for p in roster.patients}
        self.groups = roster.group_by_name
        self.slot_at = {(s.day, s.start): s for s in roster.slots}
        self.free = {p.id: {s.index for s in roster.patient_slots(p)} for p in roster.patients}
        self.staff_free = {s.id: {t.index for t in roster.staff_slots(s)} for s in roster.staff}

    def label(self, section: Section) -> str:
        return self.schedule.label(section.group, section.name)

    @cached_property
    def sections_of(self) -> dict[str, list[Section]]:
        out: dict[str, list[Section]] = defaultdict(list)
        for sec in self.sections:
            for pid in sec.patients:
                out[pid].append(sec)
        return out

    def away_for(self, pid: str, to: Section) -> bool:
        """Whether a meeting of section to is at a time pid cannot attend."""
        return any(self.slot_at.get((m.day, m.start)) is None
                   or self.slot_at[m.day, m.start].index not in self.free[pid]
                   for m in to.meetings)

    def clashes(self, pid: str, to: Section) -> list[Section]:
        """pid's sections of other groups that meet at the same time as section to (their own
        section of its group does not count: they would leave it)."""
        return [o for o in self.sections_of[pid] if o.group != to.group
                and any(m.day == n.day and m.start < n.end and n.start < m.end
                        for m in o.meetings for n in to.meetings)]

    @cached_property
    def meeting_index(self) -> dict:
        """Positions in the week's meetings: by patient ID, ("staff", ID) and ("at", (day,
        start)), so a change looks at the meetings near it rather than at all."""
        index: dict = defaultdict(set)
        for i, m in enumerate(self.schedule.meetings):
            for pid in m.patients:
                index[pid].add(i)
            index["staff", m.facilitator].add(i)
            index["at", (m.day, m.start)].add(i)
        return index

    @cached_property
    def free_by_day(self) -> dict[str, list[list[int]]]:
        """Each patient's free slot indexes, day by day in week order."""
        out = {}
        for pid, free in self.free.items():
            by_day = defaultdict(list)
            for t in sorted(free):
                by_day[self.roster.slots[t].day].append(t)
            out[pid] = list(by_day.values())
        return out

    def change_members(self, members: dict[Section, tuple[str, ...]]) -> _Change:
        """Giving these sections these members (see _Change)."""
        return _Change(self, {sec: [replace(m, patients=tuple(sorted(new)))
                                    for m in sec.meetings] for sec, new in members.items()})

    def what_if(self, changes: dict[Section, list[Meeting]]
                ) -> tuple[list[str], dict[str, float]]:
        """The hard rules holding these sections' meetings like this instead would break
        (their labels), and the points it would change, by rule (see _Change)."""
        change = _Change(self, changes)
        return change.labels, change.cost

    def _mix_units(self, members) -> int:
        return role_model_units(len(members),
                                sum(self.roster.is_role_model(self.patients[m]) for m in members),
                                sum(self.roster.is_newcomer(self.patients[m]) for m in members))

    def _track_units(self, members) -> int:
        return max(0, len({key(self.patients[m].track) for m in members
                           if self.patients[m].track}) - 1)

    def attended_slots(self, meetings) -> dict[str, set[int]]:
        """Each patient's attended slot indexes."""
        attended = defaultdict(set)
        for m in meetings:
            slot = self.slot_at.get((m.day, m.start))
            if slot is not None:
                for pid in m.patients:
                    attended[pid].add(slot.index)
        return attended

    def gaps_of(self, pid: str, attended: set[int]) -> int:
        """Compact days units of one patient's week."""
        return sum(idle_gaps([t in attended for t in slots]) for slots in self.free_by_day[pid])

    def can_switch(self, pid: str, to: Section) -> bool:
        """Whether pid could attend section to instead of their section of its group, as far
        as times go."""
        return not self.away_for(pid, to) and not self.clashes(pid, to)

    def patient_text(self, pid: str) -> str:
        # IDs only: these texts go into schedule.json; the staff report adds names.
        return f"patient {pid}"

    def staff_text(self, sid: str) -> str:
        s = self.roster.staff_by_id.get(sid)
        return f"{s.display} ({sid})" if s and s.name else sid

    def staff_load(self) -> list[StaffLoad]:
        led = defaultdict(int)
        for m in self.schedule.meetings:
            led[m.facilitator] += 1
        return [StaffLoad(s.id, s.display, led[s.id], self.roster.staff_capacity(s),
                          s.max_per_week)
                for s in self.roster.staff]


class _Change:
    """Holding some sections' meetings otherwise, the rest of the week as it is. Checked on the
    changed sections, the weeks of everyone whose times change, the facilitators' weeks and
    whatever meets at the new times; nothing else changes. The points are cheap to count,
    the hard rules (labels) are checked only when asked for."""

    def __init__(self, week: _Week, changes: dict[Section, list[Meeting]]):
        def times(meetings, pid):
            return {(m.day, m.start) for m in meetings if pid in m.patients}
        self.week, self.changes = week, changes
        self.movers = {pid for sec, new in changes.items()
                       for pid in set(sec.patients) | {p for m in new for p in m.patients}
                       if times(sec.meetings, pid) != times(new, pid)}
        at, leaders = set(), set()  # new times, and who leads at new times or anew
        for sec, new in changes.items():
            fresh = {(m.day, m.start) for m in new} - {(m.day, m.start) for m in sec.meetings}
            at |= fresh
            if fresh or {m.facilitator for m in new} != {sec.facilitator}:
                leaders |= {sec.facilitator} | {m.facilitator for m in new}
        # The checker sees only the changed sections' members, and what it finds before the
        # change (their groups elsewhere are not in view) is not the change's doing.
        self.involved = {pid for sec, new in changes.items()
                         for pid in set(sec.patients) | {p for m in new for p in m.patients}}
        changed = {(s.group, s.name) for s in changes}
        index = week.meeting_index
        near = set().union(*(index[pid] for pid in self.movers),
                           *(index["staff", sid] for sid in leaders),
                           *(index["at", t] for t in at))
        meetings = week.schedule.meetings
        around = [replace(m, patients=tuple(p for p in m.patients if p in self.involved))
                  for m in (meetings[i] for i in sorted(near))
                  if (m.group, m.section) not in changed]
        self.before = around + [m for sec in changes for m in sec.meetings]
        self.after = around + [m for ms in changes.values() for m in ms]

    @cached_property
    def labels(self) -> list[str]:
        """The hard rules the change breaks, as `scheduler check` labels them."""
        week = self.week
        # Pins of other sections concern meetings out of view.
        roster = replace(week.roster,
                         patients=[p for p in week.roster.patients if p.id in self.involved],
                         pins=[pin for pin in week.roster.pins if any(
                             (pin.group, pin.section) == (s.group, s.name) for s in self.changes)])
        # Counted, not just seen: one more of the same kind is the change's doing.
        found = Counter(_identity(v) for v in check_schedule(roster, replace(week.schedule,
                                                                             meetings=self.before)))
        labels = []
        for v in check_schedule(roster, replace(week.schedule, meetings=self.after)):
            if found[_identity(v)]:
                found[_identity(v)] -= 1
            else:
                labels.append(v.label)
        return labels

    @cached_property
    def cost(self) -> dict[str, float]:
        """The points the change moves, by rule (only rules that move)."""
        week = self.week
        cost: dict[str, float] = defaultdict(float)
        weight = lambda rule: weight_of(week.roster.weights, rule)  # noqa: E731
        for sec, new in self.changes.items():
            members = new[0].patients if new else ()
            if week.groups[sec.group].is_peer:
                for rule, units in (("role_model_mix", week._mix_units),
                                    ("shared_experience", week._track_units)):
                    cost[rule] += weight(rule) * (units(members) - units(sec.patients))
            cost["spread"] += weight("spread") * (spread_units([m.day for m in new])
                                                  - spread_units([m.day for m in sec.meetings]))
            cost["same_room"] += weight("same_room") * (len({m.room for m in new})
                                                        - len(sec.rooms))
        was, now = week.attended_slots(self.before), week.attended_slots(self.after)
        cost["compact_days"] = weight("compact_days") * sum(
            week.gaps_of(pid, now[pid]) - week.gaps_of(pid, was[pid]) for pid in self.movers)
        return {k: round(v, 2) for k, v in cost.items() if abs(v) > 1e-9}

    @property
    def total(self) -> float:
        return round(sum(self.cost.values()), 2)


def _identity(v) -> tuple:
    """What a broken rule is about, not its wording: a change that only rewords one the week
    already breaks (a patient with 1.5 of their 3 hours rather than 2) is not its doing."""
    m = v.meeting
    return (v.rule, v.group, v.patients or (v.patient,), v.staff, v.room) + (
        (m.section, m.day, m.start) if m is not None else ())


def _result(key_: str, units: int, satisfied, possible, summary: str, misses) -> RuleResult:
    rule = RULE_BY_KEY[key_]
    return RuleResult(key_, rule.title, rule.weight, units, satisfied, possible, summary, misses)


# --- one measure per soft rule -------------------------------------------------------------


def own_therapist(week: _Week) -> RuleResult:
    """Patients with a primary therapist who lead none of their therapy sections."""
    led_by = defaultdict(set)  # patient -> therapists leading their therapy sections
    for sec in week.sections:
        if week.groups[sec.group].kind == THERAPY:
            for pid in sec.patients:
                led_by[pid].add(sec.facilitator)
    missing = [p for p in week.roster.patients
               if p.primary_therapist and p.primary_therapist not in led_by[p.id]]
    why = {p.id: _why_not_own_therapist(week, p) for p in missing}
    _only_twice_a_day(week, [p for p in missing if why[p.id] is None], why)
    misses = []
    for p in missing:
        cause, detail = (None, None) if why[p.id] else _own_therapist_detail(week, p)
        misses.append(Miss(
            "patient", p.id,
            f"{week.patient_text(p.id)} is in no therapy group led by "
            f"{week.staff_text(p.primary_therapist)}",
            why[p.id], detail, cause))
    possible = sum(1 for p in week.roster.patients if p.primary_therapist)
    return _result("own_therapist", len(misses), possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} patients see their primary therapist "
                   "in a therapy group", misses)


def _why_not_own_therapist(week: _Week, patient) -> str | None:
    roster = week.roster
    therapist = roster.staff_by_id.get(patient.primary_therapist)
    if therapist is None:
        return None
    qualified = _qualified_groups(week, patient, therapist)
    if not qualified:
        return f"{therapist.display} has none of the skills of the therapy groups open to this patient"
    if not week.free[patient.id] & week.staff_free[therapist.id]:
        return f"{therapist.display} is never available when this patient can attend"
    return None


def _qualified_groups(week: _Week, patient, therapist) -> list:
    """The therapy groups open to the patient that the therapist has the skill for."""
    roster = week.roster
    return [g for g in roster.groups if g.kind == THERAPY and roster.eligible(patient, g)
            and g.skill in therapist.skills]


def _only_twice_a_day(week: _Week, patients, why: dict[str, str | None]) -> None:
    """Give why[...] a reason for the patients who could see their therapist only in a new
    section meeting twice on one day: the two are free together on fewer days than every
    group the therapist can lead for them meets, no section of theirs fits those times, and a
    second meeting on a day costs more (by the weights) than all of them seeing the therapist."""
    roster = week.roster
    found: dict[str, list[tuple[str, list[int], int]]] = defaultdict(list)
    for p in patients:
        therapist = roster.staff_by_id.get(p.primary_therapist)
        if therapist is None:
            continue
        common = week.free[p.id] & week.staff_free[therapist.id]
        days = sorted({roster.slots[t].day for t in common})
        qualified = _qualified_groups(week, p, therapist)
        names = {g.name for g in qualified}
        fits = any(sec.facilitator == therapist.id and sec.group in names
                   and all(week.slot_at.get((m.day, m.start)) is not None
                           and week.slot_at[m.day, m.start].index in common
                           for m in sec.meetings)
                   for sec in week.sections)
        if qualified and not fits and all(g.sessions > len(days) for g in qualified):
            found[therapist.id].append((p.id, days, min(g.sessions for g in qualified)))
    same_day = weight_of(roster.weights, "spread") * SAME_DAY_UNITS
    own = weight_of(roster.weights, "own_therapist")
    for sid, those in found.items():
        if own * len(those) >= same_day:
            continue  # by the weights, a section meeting twice on a day would have been better
        name = roster.staff_by_id[sid].display
        for pid, days, sessions in those:
            why[pid] = (f"{name} and this patient are both free only on "
                        f"{', '.join(DAY_NAMES[d] for d in days)}, and the groups the "
                        f"therapist can lead for them meet at least {_times(sessions)} a week: "
                        "seeing the therapist would take a section meeting twice on one day")


def _times(n: int) -> str:
    return {2: "twice"}.get(n, f"{n} times")


# Own therapist misses another week might meet, by what stands in the way (Miss.cause).
OWN_THERAPIST_CAUSES = {
    "seat": "a section their therapist leads has a seat at times they are free",
    "leads_none": "their therapist leads no section of the therapy groups open to them",
    "times": "their therapist's sections with a seat meet when they are busy or away, "
             "or hold someone they are kept apart from, or lack a room feature they need",
    "full": "every section their therapist leads in groups open to them is full",
}


# Per rule, the kinds of obstacle its misses name (Miss.cause), in the order to report them.
CAUSES = {"own_therapist": OWN_THERAPIST_CAUSES}


def _own_therapist_detail(week: _Week, patient) -> tuple[str | None, str | None]:
    """What keeps the patient out of each therapy section their therapist leads this week:
    (cause, detail)."""
    roster = week.roster
    therapist = roster.staff_by_id.get(patient.primary_therapist)
    if therapist is None:
        return None, None
    led = [sec for sec in week.sections if sec.facilitator == therapist.id
           and week.groups[sec.group].kind == THERAPY
           and roster.eligible(patient, week.groups[sec.group])]
    if not led:
        text = f"{therapist.display} leads no section of the therapy groups open to this patient"
        sessions = sum(len(sec.meetings) for sec in week.sections
                       if sec.facilitator == therapist.id)
        if therapist.max_per_week and sessions >= therapist.max_per_week:
            text += (f", and already leads as many sessions as their weekly maximum "
                     f"({therapist.max_per_week})")
        return "leads_none", " ".join([text + "."] + _days_full(week, patient, therapist))
    apart = roster.kept_apart_from().get(patient.id, set())
    by_reason: dict[str, list[Section]] = defaultdict(list)
    for sec in led:
        by_reason[_kept_out_by(week, patient, sec, apart)].append(sec)
    # The sections someone could be moved into first; full ones last.
    order = sorted(by_reason, key=lambda r: (r.startswith(FULL), r))
    cause = ("seat" if SEAT in by_reason else
             "full" if all(r.startswith(FULL) for r in order) else "times")
    return cause, " ".join([f"{reason}: {_sections_text(week, by_reason[reason])}."
                            for reason in order]
                           + ([] if cause == "seat" else _days_full(week, patient, therapist)))


def _days_full(week: _Week, patient, therapist) -> list[str]:
    """A sentence when, on every day the patient and their therapist are both free, the
    therapist already leads as many meetings as their Max per day: no new section of theirs
    fits before one of those meetings goes to a colleague."""
    cap = therapist.max_per_day
    common = week.free[patient.id] & week.staff_free[therapist.id]
    if cap is None or not common:
        return []
    days = sorted({week.roster.slots[t].day for t in common})
    led = Counter(m.day for m in week.schedule.meetings if m.facilitator == therapist.id)
    if any(led[d] < cap for d in days):
        return []
    return [f"They are both free only on {', '.join(DAY_NAMES[d] for d in days)}, when "
            f"{therapist.display} already leads {_meetings(cap)}, their Max per day."]


def _meetings(n: int) -> str:
    return "1 meeting" if n == 1 else f"{n} meetings"


FULL = "Full"
SEAT = "Has a seat at times this patient is free"


def _kept_out_by(week: _Week, patient, sec: Section, apart: set[str]) -> str:
    group = week.groups[sec.group]
    rooms = [week.roster.room_by_name[r] for r in sec.rooms if r in week.roster.room_by_name]
    # What no move of other patients changes comes first: a full section the patient
    # cannot attend anyway is not kept from them by being full.
    if week.away_for(patient.id, sec):
        return "Meets when this patient is not available"
    if any(not patient.needs - group.room_needs <= r.features for r in rooms):
        return "Meets in a room without the features this patient needs"
    if apart & set(sec.patients):
        return "Has someone this patient is kept apart from"
    clashes = sorted(week.label(o) for o in week.clashes(patient.id, sec))
    if len(sec.patients) >= min([group.max_size] + [r.capacity for r in rooms]):
        # Both named: a seat made there would not be enough without moving their other group.
        return FULL + (", and meets at the same time as their " + ", ".join(clashes)
                       if clashes else "")
    if clashes:
        return "Meets at the same time as their " + ", ".join(clashes)
    return SEAT


def _sections_text(week: _Week, sections: list[Section]) -> str:
    """'CBT Skills; Relapse Prevention AL, C' (letters only where a group has several)."""
    by_group: dict[str, list[Section]] = defaultdict(list)
    for sec in sections:
        by_group[sec.group].append(sec)
    return "; ".join(group if week.label(secs[0]) == group  # the group's only section
                     else f"{group} {', '.join(sec.name for sec in secs)}"
                     for group, secs in sorted(by_group.items()))


def spread_units(days: list[int]) -> int:
    """Spread units of a section meeting on these days (one entry per meeting)."""
    distinct = set(days)
    return (SAME_DAY_UNITS * (len(days) - len(distinct))
            + sum(1 for d in distinct if d + 1 in distinct))


def spread(week: _Week) -> RuleResult:
    """Sections meeting twice on a day, or on neighbouring days when spacing was possible."""
    units, satisfied, possible, misses = 0, 0, 0, []
    for sec in week.sections:
        n = len(sec.meetings)
        if n < 2:
            continue
        possible += 1
        cost = spread_units([m.day for m in sec.meetings])
        units += cost
        best = _best_spread(_shared_days(week, sec), n)
        if cost <= best:
            satisfied += 1
        if cost > 0:
            on = ", ".join(DAY_NAMES[d] for d in sorted(m.day for m in sec.meetings))
            why = detail = None
            free_on = ", ".join(DAY_NAMES[d] for d in sorted(_shared_days(week, sec)))
            if cost <= best:
                why = "its members and facilitator are only all free on " + free_on
            else:
                detail = f"Its members and facilitator have free time in common on {free_on}."
                if week.explain:
                    detail += " " + _what_moving_a_meeting_does(week, sec)
            misses.append(Miss("section", f"{sec.group}|{sec.name}",
                               f"{week.label(sec)} meets {on}", why, detail))
    return _result("spread", units, satisfied, possible,
                   f"{satisfied} of {possible} sections are spread as well as the week allows",
                   misses)


def _what_moving_a_meeting_does(week: _Week, sec: Section) -> str:
    """For a section spread worse than the week allows: what moving one of its meetings to a
    time that spaces it better would do, the rest of the week as it is."""
    now = spread_units([m.day for m in sec.meetings])
    group = week.groups[sec.group]
    mine = {(m.day, m.start) for m in sec.meetings}
    others = [m for m in week.schedule.meetings if (m.group, m.section) != (sec.group, sec.name)
              and (m.facilitator == sec.facilitator or set(m.patients) & set(sec.patients))]
    rooms_taken = defaultdict(set)
    for m in week.schedule.meetings:
        rooms_taken[m.day, m.start].add(m.room)
    moves = clash = no_room = breaking = 0
    broken: Counter[str] = Counter()  # rule labels, over the moves that break one
    best = None
    for m in sec.meetings:
        for slot in week.roster.slots:
            if (slot.day, slot.start) in mine or spread_units(
                    [x.day for x in sec.meetings if x is not m] + [slot.day]) >= now:
                continue
            if slot.index not in week.staff_free.get(sec.facilitator, set()) or any(
                    slot.index not in week.free[pid] for pid in sec.patients):
                continue  # someone is away then: not a move to weigh
            moves += 1
            if any(o.day == slot.day and o.start < slot.end and slot.start < o.end
                   for o in others):
                clash += 1
                continue
            room = next((r for r in sorted(week.roster.rooms, key=lambda r: r.name != m.room)
                         if r.name not in rooms_taken[slot.day, slot.start]
                         and not r.unavailable.blocks(slot)
                         and r.capacity >= len(sec.patients) and group.room_needs <= r.features),
                        None)
            if room is None:
                no_room += 1
                continue
            moved = replace(m, day=slot.day, start=slot.start, end=slot.end, room=room.name)
            labels, cost = week.what_if({sec: [moved if x is m else x for x in sec.meetings]})
            if labels:
                breaking += 1
                broken.update(labels)
                continue
            total = round(sum(cost.values()), 2)
            how = f"{m.day_name} {clock(m.start)} to {slot.day_name} {clock(slot.start)}"
            if room.name != m.room:
                how += f" in {room.name}"
            if best is None or (total, how) < best[:2]:
                best = (total, how, cost)
    if not moves:
        return "No one of its meetings can move to a better-spaced time everyone is free at."
    rules = or_list([label for label, _ in broken.most_common(3)]) if broken else ""
    if best is not None:
        total, how, cost = best
        verdict = ("costs more than it gains" if total > 0 else
                   "costs as much as it gains" if total == 0 else "lowers the week's penalty")
        best_text = f"{how}, {verdict} ({_points(cost)})"
    if moves == 1:
        said = "Only one meeting could move to space it better"
        if best is not None:
            return f"{said}: {how}, which {verdict} ({_points(cost)})."
        return said + (", and it would clash with another group of a member or the facilitator."
                       if clash else ", and no suitable room is free then." if no_room
                       else f", and that would break a rule ({rules}).")
    parts = []
    if clash:
        parts.append(f"{clash} {'clashes' if clash == 1 else 'clash'} with a member's or the "
                     "facilitator's other groups")
    if no_room:
        parts.append(f"for {no_room} no suitable room is free")
    if breaking:
        parts.append(f"{breaking} {'breaks' if breaking == 1 else 'break'} a rule ({rules})")
    if best is not None:
        parts.append(f"{'the best of the others' if parts else 'the best'}, {best_text}")
    return f"Of the {moves} moves of one meeting that would space it better, {'; '.join(parts)}."


def _shared_days(week: _Week, sec: Section) -> set[int]:
    """Days on which every member and the facilitator have a free slot in common."""
    common = set(week.staff_free.get(sec.facilitator, set()))
    for pid in sec.patients:
        common &= week.free.get(pid, set())
    return {week.roster.slots[t].day for t in common}


def _best_spread(days: set[int], n: int) -> int:
    """The lowest spread cost of n meetings on these days (as spread() counts them)."""
    if not days:
        return 0
    best = None
    for k in range(1, min(n, len(days)) + 1):
        for chosen in itertools.combinations(sorted(days), k):
            cost = SAME_DAY_UNITS * (n - k) + sum(1 for d in chosen if d + 1 in chosen)
            best = cost if best is None else min(best, cost)
    return best or 0


def same_room(week: _Week) -> RuleResult:
    """Sections whose meetings move between rooms."""
    taken = {(m.day, m.start, m.room) for m in week.schedule.meetings}
    units, possible, misses = 0, 0, []
    for sec in week.sections:
        if len(sec.meetings) < 2:
            continue
        possible += 1
        extra = len(sec.rooms) - 1
        if extra:
            units += extra
            misses.append(Miss("section", f"{sec.group}|{sec.name}",
                               f"{week.label(sec)} uses {', '.join(sec.rooms)}",
                               _why_rooms_move(week, sec, taken)))
    return _result("same_room", units, possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} sections keep one room", misses)


def _why_rooms_move(week: _Week, sec: Section, taken) -> str | None:
    group = week.groups[sec.group]
    needs = set(group.room_needs)
    for pid in sec.patients:
        needs |= week.patients[pid].needs
    for room in week.roster.rooms:
        if room.capacity < len(sec.patients) or not needs <= room.features:
            continue
        ok = True
        for m in sec.meetings:
            slot = week.slot_at.get((m.day, m.start))
            if slot is None or room.unavailable.blocks(slot):
                ok = False
            elif (m.day, m.start, room.name) in taken and m.room != room.name:
                ok = False
        if ok:
            return None
    return "no suitable room is free at all of its times this week"


def shared_experience(week: _Week) -> RuleResult:
    """Peer sections mixing substance tracks."""
    units, possible, misses = 0, 0, []
    by_group: dict[str, list[Section]] = defaultdict(list)
    for sec in week.sections:
        if week.groups[sec.group].is_peer:
            by_group[sec.group].append(sec)
    tracks_of = {(sec.group, sec.name): _track_counts(week, sec)
                 for secs in by_group.values() for sec in secs}
    for group, secs in by_group.items():
        for sec in secs:
            tracks = sorted(tracks_of[sec.group, sec.name])
            possible += 1
            if len(tracks) > 1:
                units += len(tracks) - 1
                why = detail = None
                if len(secs) == 1:
                    why = "the group runs a single section for all its members"
                else:
                    detail = _why_tracks_mix(week, sec, secs, tracks_of)
                misses.append(Miss("section", f"{sec.group}|{sec.name}",
                                   f"{week.label(sec)} mixes {', '.join(tracks)}", why, detail))
    return _result("shared_experience", units, possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} peer sections share one substance track",
                   misses)


def _track_counts(week: _Week, sec: Section) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for pid in sec.patients:
        if week.patients[pid].track:
            counts[key(week.patients[pid].track)] += 1
    return counts


def _why_tracks_mix(week: _Week, sec: Section, group_sections: list[Section],
                    tracks_of: dict[tuple[str, str], dict[str, int]]) -> str:
    """The group's tracks, and whether this section's odd ones out could go elsewhere."""
    def main_track(s: Section) -> str | None:
        counts = tracks_of[s.group, s.name]
        return min(counts, key=lambda t: (-counts[t], t)) if counts else None

    in_group: dict[str, int] = defaultdict(int)
    for s in group_sections:
        for t, n in tracks_of[s.group, s.name].items():
            in_group[t] += n
    tracks = ", ".join(f"{t} {n}" for t, n in sorted(in_group.items(), key=lambda kv: -kv[1]))
    main = main_track(sec)
    homes: dict[str, list[Section]] = defaultdict(list)  # track -> sections it leads
    for s in group_sections:
        if s is not sec:
            homes[main_track(s)].append(s)
    others = [pid for pid in sec.patients
              if week.patients[pid].track and key(week.patients[pid].track) != main]
    free = sum(any(week.can_switch(pid, s) for s in homes[key(week.patients[pid].track)])
               for pid in others)
    return (f"The group's {len(group_sections)} sections hold {len(in_group)} tracks ({tracks}). "
            f"Of the {len(others)} member{'' if len(others) == 1 else 's'} here outside its "
            f"main track ({main}), "
            f"{_how_many(free)} free at the times of a section where theirs is the main one.")


def models_wanted(size: int) -> int:
    """Role models a peer section of this many members wants."""
    return -(-size // MEMBERS_PER_ROLE_MODEL)


def role_model_units(size: int, models: int, newcomers: int) -> int:
    """Role-model mix units of one peer section: 2 per missing role model, 1 per pair of
    newcomers."""
    return 2 * max(0, models_wanted(size) - models) + newcomers * (newcomers - 1) // 2


def role_model_mix(week: _Week) -> RuleResult:
    """Peer sections short of role models (one per six) or holding clustered newcomers."""
    roster = week.roster
    units, satisfied, possible, misses = 0, 0, 0, []
    by_group = defaultdict(list)
    for sec in week.sections:
        if week.groups[sec.group].is_peer:
            by_group[sec.group].append(sec)
    for group, secs in by_group.items():
        newcomers_in_group = sum(roster.is_newcomer(week.patients[pid])
                                 for sec in secs for pid in sec.patients)
        even = math.ceil(newcomers_in_group / len(secs))
        models_in_group = sum(roster.is_role_model(week.patients[pid])
                              for sec in secs for pid in sec.patients)
        needed_in_group = sum(models_wanted(len(sec.patients)) for sec in secs)
        for sec in secs:
            possible += 1
            members = [week.patients[pid] for pid in sec.patients]
            models = sum(roster.is_role_model(p) for p in members)
            new = sum(roster.is_newcomer(p) for p in members)
            short = max(0, models_wanted(len(members)) - models)
            units += role_model_units(len(members), models, new)
            problems = []
            why = None
            if short:
                problems.append(f"{models} role model(s) for {len(members)} members")
                if models_in_group < needed_in_group:
                    why = f"the group has only {models_in_group} role models in all"
            if new > even:
                problems.append(f"{new} newcomers (an even spread is {even})")
            if problems:
                detail = None if why else _why_not_mixed(week, sec, secs, short, new > even)
                misses.append(Miss("section", f"{sec.group}|{sec.name}",
                                   f"{week.label(sec)}: " + "; ".join(problems), why, detail))
            else:
                satisfied += 1
    return _result("role_model_mix", units, satisfied, possible,
                   f"{satisfied} of {possible} peer sections have one role model per six members "
                   "and an even share of newcomers", misses)


def _why_not_mixed(week: _Week, sec: Section, secs: list[Section], short: int,
                   clustered: bool) -> str | None:
    """Who could come or go between this peer section and its group's others, by times."""
    roster = week.roster
    others = [o for o in secs if o is not sec]
    if not others:
        return "the group runs a single section for all its members"
    parts = []
    if short:
        spare = free = 0
        for o in others:
            models = [pid for pid in o.patients if roster.is_role_model(week.patients[pid])]
            extra = max(0, len(models) - max(1, models_wanted(len(o.patients))))
            spare += extra
            free += min(extra, sum(week.can_switch(pid, sec) for pid in models))
        if not spare:
            parts.append("no other section of the group has a role model to spare")
        else:
            parts.append(f"of the {spare} role model(s) other sections could spare, "
                         f"{_how_many(free)} free at its times")
    if clustered:
        new_here = [pid for pid in sec.patients if roster.is_newcomer(week.patients[pid])]
        fewer = [o for o in others if sum(roster.is_newcomer(week.patients[m])
                                          for m in o.patients) < len(new_here) - 1]
        if not fewer:
            parts.append("no other section has room for one more newcomer in an even spread")
        else:
            free = [pid for pid in new_here if any(week.can_switch(pid, o) for o in fewer)]
            names = ", ".join(o.name for o in fewer[:6])
            if len(fewer) > 6:
                names += f" and {len(fewer) - 6} more"
            said = (f"of its {len(new_here)} newcomers, {_how_many(len(free))} free at the "
                    f"times of a section with fewer newcomers ({names})")
            if free and week.explain:
                said += ": " + _what_moving_does(
                    week, {pid: (sec, fewer) for pid in free},
                    lambda b: not roster.is_newcomer(week.patients[b]))
            parts.append(said)
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _what_moving_does(week: _Week, movers: dict[str, tuple[Section, list[Section]]],
                      partner: Callable[[str], bool]) -> str:
    """For members free at other sections' times (pid -> their section, those sections):
    whether moving there, or changing places with a member of it that partner allows, would
    break a hard rule, and if not, what it would cost. Times, rooms and everyone else stay."""
    blocked = 0  # movers every move of breaks a rule
    broken: Counter[str] = Counter()  # rule labels, over those movers' moves
    best: dict[str, tuple[float, str, dict[str, float]]] = {}
    for pid, (sec, targets) in movers.items():
        options = []  # (change, how it reads)
        for o in targets:
            if not week.can_switch(pid, o):
                continue
            for b in [None] + [b for b in o.patients if partner(b) and week.can_switch(b, sec)]:
                how = f"{week.patient_text(pid)} to {o.name}"
                if b:
                    how += f" in place of {week.patient_text(b)}"
                options.append((week.change_members(
                    {sec: tuple(m for m in sec.patients if m != pid) + ((b,) if b else ()),
                     o: tuple(m for m in o.patients if m != b) + (pid,)}), how))
        # Cheapest first: the first that breaks no rule is the best, and on a week of many
        # clustered sections the checker then runs once or twice per mover, not per option.
        options.sort(key=lambda option: option[0].total)
        theirs: Counter[str] = Counter()
        for change, how in options:
            if change.labels:
                theirs.update(change.labels)
                continue
            best[pid] = (change.total, how, change.cost)
            break
        if pid not in best:
            blocked += 1
            broken.update(theirs)
    parts = []
    if blocked:
        labels = or_list([label for label, _ in broken.most_common(3)])
        parts.append(f"for {_all(blocked, len(movers))}, every move there, or exchange with a "
                     f"member who could take their place, breaks a rule ({labels})")
    for label, chosen in (("costs more than it gains", [v for v in best.values() if v[0] > 0]),
                          ("costs as much as it gains", [v for v in best.values() if v[0] == 0]),
                          ("lowers the week's penalty", [v for v in best.values() if v[0] < 0])):
        if chosen:
            total, how, cost = min(chosen)
            example = "the cheapest" if total > 0 else "for example"
            parts.append(f"for {_all(len(chosen), len(movers))}, the best move there {label} "
                         f"({example}, {how}: {_points(cost)})")
    return "; ".join(parts)


def _all(n: int, of: int) -> str:
    return f"all {n}" if n == of and n > 1 else str(n)


def _points(cost: dict[str, float]) -> str:
    """'compact days +8, role-model mix -4': what a change does to each rule it touches."""
    return ", ".join(f"{RULE_BY_KEY[k].title.lower()} {v:+g}"
                     for k, v in sorted(cost.items(), key=lambda kv: (-kv[1], kv[0]))
                     ) or "no points either way"


def _how_many(n: int) -> str:
    return "none is" if n == 0 else "1 is" if n == 1 else f"{n} are"


def fair_load(week: _Week) -> RuleResult:
    """Skill teams whose members' use of their capacity differs a lot."""
    loads = {s.id: s for s in week.staff_load()}
    teams = defaultdict(list)
    for s in sorted(week.roster.staff, key=lambda s: s.id):
        if loads[s.id].capacity:
            for skill in s.skills:
                teams[skill].append(loads[s.id])
    units, possible, misses = 0, 0, []
    for skill, members in sorted(teams.items()):
        if len(members) < 2:
            continue
        possible += 1
        lo = min(members, key=lambda s: s.use)
        # Of several at the top, the one with most sections the least used could take over:
        # the one the report can say something useful about.
        hi = max(members, key=lambda s: (s.use, len(_could_take(week, s.id, lo.id))))
        spread_ = hi.use - lo.use
        units += spread_
        if spread_ > BALANCED_SPREAD:
            misses.append(Miss("skill", skill,
                               f"{skill}: {hi.name} at {hi.use}% of capacity, "
                               f"{lo.name} at {lo.use}%", None,
                               _why_not_handed_over(week, hi.id, lo.id, teams)))
    return _result("fair_load", units, possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} skill teams (of two or more "
                   f"staff) have their members' use within {BALANCED_SPREAD} percentage "
                   "points of each other", misses)


def _could_take(week: _Week, busy_id: str, idle_id: str) -> list[Section]:
    """The sections busy_id leads of groups idle_id has the skill for."""
    skills = week.roster.staff_by_id[idle_id].skills
    return [sec for sec in week.sections if sec.facilitator == busy_id
            and week.groups[sec.group].skill in skills]


def _why_not_handed_over(week: _Week, busy_id: str, idle_id: str,
                         teams: dict[str, list[StaffLoad]]) -> str:
    """Why the least used member leads none of the busiest one's sections they could lead."""
    roster = week.roster
    busy, idle = roster.staff_by_id[busy_id], roster.staff_by_id[idle_id]
    b, i = busy.name or busy_id, idle.name or idle_id
    sections = _could_take(week, busy_id, idle_id)
    if not sections:
        needs = sorted({week.groups[sec.group].skill for sec in week.sections
                        if sec.facilitator == busy_id})
        return f"{i} has the skill for none of the groups {b} leads (they need {or_list(needs)})."
    leads = [m for m in week.schedule.meetings if m.facilitator == idle_id]
    with_busy: dict[str, int] = defaultdict(int)  # patient -> therapy sections busy leads
    for sec in week.sections:
        if sec.facilitator == busy_id and week.groups[sec.group].kind == THERAPY:
            for pid in sec.patients:
                with_busy[pid] += 1
    counts: dict[str, int] = defaultdict(int)
    for sec in sections:
        times = [week.slot_at.get((m.day, m.start)) for m in sec.meetings]
        if any(t is None or t.index not in week.staff_free[idle_id] for t in times):
            # Their hours as the Staff sheet gives them: the administrator sees the mismatch.
            hours = f" (available {idle.available.text})" if idle.available.text else ""
            counts[f"{i} is not available at all its times{hours}"] += 1
        elif any(o.day == m.day and o.start < m.end and m.start < o.end
                 for m in sec.meetings for o in leads):
            counts[f"{i} leads another group at one of its times"] += 1
        elif idle.max_per_week is not None and len(leads) + len(sec.meetings) > idle.max_per_week:
            counts[f"{i} would go over their Max per week"] += 1
        elif idle.max_per_day is not None and any(
                sum(o.day == m.day for o in leads) + 1 > idle.max_per_day for m in sec.meetings):
            counts[f"{i} would go over their Max per day"] += 1
        elif week.groups[sec.group].kind == THERAPY and any(
                week.patients[pid].primary_therapist == busy_id and with_busy[pid] == 1
                for pid in sec.patients):
            counts[f"a patient in it would lose {b} as their therapist in group"] += 1
        else:
            counts[_what_handing_over_does(week, sec, busy_id, idle_id, teams)] += 1
    led = sum(sec.facilitator == busy_id for sec in week.sections)
    which = ("the one section" if led == 1 else "both sections" if len(sections) == led == 2
             else f"all {led} sections" if len(sections) == led
             else f"{len(sections)} of the {led} sections")
    if len(counts) == 1:  # one reason for every one of them
        (why, n), = counts.items()
        whys = why if n == 1 else f"for each, {why}"
    else:
        whys = "; ".join(f"for {n}, {why}" for why, n in
                         sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{i} has the skill for {which} {b} leads. {whys[0].upper()}{whys[1:]}."


def _what_handing_over_does(week: _Week, sec: Section, busy_id: str, idle_id: str,
                            teams: dict[str, list[StaffLoad]]) -> str:
    """A hand-over nothing forbids may still put a team apart: one where the idle member
    becomes the busiest, one where the busy member becomes the least used, or the same team
    the other way; that is why the solver kept it."""
    i = week.roster.staff_by_id[idle_id].display
    moved = {busy_id: -len(sec.meetings), idle_id: len(sec.meetings)}
    before_units = after_units = 0
    apart = []  # (gap after, skill, busiest after, least used after)
    for skill, members in sorted(teams.items()):
        if len(members) < 2 or not moved.keys() & {s.id for s in members}:
            continue
        now = [replace(s, meetings=s.meetings + moved.get(s.id, 0)) for s in members]
        gap_was = max(s.use for s in members) - min(s.use for s in members)
        hi, lo = max(now, key=lambda s: s.use), min(now, key=lambda s: s.use)
        before_units, after_units = before_units + gap_was, after_units + hi.use - lo.use
        if hi.use - lo.use > BALANCED_SPREAD and hi.use - lo.use >= gap_was:
            apart.append((hi.use - lo.use, skill, hi, lo))
    if after_units < before_units:
        return f"nothing in the week stops {i} taking it over"
    if apart:
        gap, skill, hi, lo = max(apart, key=lambda a: a[:2])
        return (f"taking it over would leave the {skill} team {gap} points apart ({hi.name} at "
                f"{hi.use}%, {lo.name} at {lo.use}%)")
    how = "widen" if after_units > before_units else "not narrow"
    return (f"taking it over would {how} the gaps of their skill teams ({before_units} "
            f"points in all before, {after_units} after)")


def idle_gaps(pattern: list[bool]) -> int:
    """Compact days units of one day, from whether each slot the patient can come to is
    attended: the blocks of sessions beyond the first."""
    blocks = sum(1 for i, on in enumerate(pattern) if on and (i == 0 or not pattern[i - 1]))
    return max(0, blocks - 1)


def compact_days(week: _Week) -> RuleResult:
    """Idle gaps between a patient's sessions on one day."""
    attended = week.attended_slots(week.schedule.meetings)
    units, possible, misses = 0, 0, []
    for p in week.roster.patients:
        days = Counter(week.roster.slots[t].day for t in attended[p.id] & week.free[p.id])
        if not days or max(days.values()) < 2:
            continue
        possible += 1
        gaps = week.gaps_of(p.id, attended[p.id])
        if gaps:
            units += gaps
            misses.append(Miss("patient", p.id,
                               f"{week.patient_text(p.id)} has {gaps} idle gap(s) between sessions"))
    return _result("compact_days", units, possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} patients have no idle gaps between "
                   "sessions on a day", misses)


def right_amount(week: _Week) -> RuleResult:
    """Elective places nobody prescribed, and whether each was needed for Min hours."""
    roster = week.roster
    minutes = defaultdict(int)
    added = defaultdict(list)  # patient -> [(group, minutes)]
    for sec in week.sections:
        group = week.groups[sec.group]
        for pid in sec.patients:
            minutes[pid] += sum(m.minutes for m in sec.meetings)
            p = week.patients[pid]
            prescribed = group.name in p.extra_groups or (group.required and roster.eligible(p, group))
            if not prescribed:
                added[pid].append((group, sum(m.minutes for m in sec.meetings)))
    units, misses = 0, []
    for p in roster.patients:
        need = roster.program_by_name[p.program].min_minutes
        units += sum(1 if g.track else 2 for g, _ in added[p.id])
        spare = [g.name for g, mins in added[p.id] if minutes[p.id] - mins >= need]
        if spare:
            misses.append(Miss("patient", p.id,
                               f"{week.patient_text(p.id)} has {', '.join(spare)} added although "
                               "they reach their program's minimum hours without it"))
    places = sum(len(v) for v in added.values())
    possible = len(roster.patients)
    return _result("right_amount", units, possible - len(misses), possible,
                   f"{possible - len(misses)} of {possible} patients have no elective beyond "
                   f"what their minimum hours need ({places} elective "
                   f"place{'s' if places != 1 else ''} added in all)", misses)


def few_sections(week: _Week) -> RuleResult:
    """Sections opened, against the fewest this week's memberships need."""
    members = defaultdict(int)
    for sec in week.sections:
        members[sec.group] += len(sec.patients)
    fewest = sum(math.ceil(n / week.groups[g].max_size) for g, n in members.items())
    opened = len(week.sections)
    return _result("few_sections", opened, None, None,
                   f"{opened} sections opened; their members fit in no fewer than {fewest}", [])


MEASURES = {
    "own_therapist": own_therapist,
    "spread": spread,
    "same_room": same_room,
    "shared_experience": shared_experience,
    "role_model_mix": role_model_mix,
    "fair_load": fair_load,
    "compact_days": compact_days,
    "right_amount": right_amount,
    "few_sections": few_sections,
}

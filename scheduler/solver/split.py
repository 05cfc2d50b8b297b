"""Stage 2 of the large-roster solver: divide each pattern's patients into its sections.

Stage 1 (patterns.py) decided, for each group part and time pattern, how many
sections run it, who leads them, which rooms they use and which patients
attend. Here each such bucket becomes concrete sections with a small exact
model: every section gets a facilitator and a room, sizes fit the room and
the group, peer sections get a role model, keep-apart pairs are separated and
members' room needs met; own therapist, shared track and newcomer spread decide
between the ways to do that.
"""

from __future__ import annotations

import math
from collections import Counter
import string
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from ..domain import THERAPY, Roster, key
from ..rules import MEMBERS_PER_ROLE_MODEL, scaled
from ..solution import Meeting
from .objective import CONTINUITY_WEIGHT
from .patterns import Bucket, PatternModel
from .plan import Plan
from .variables import both


@dataclass(frozen=True)
class SectionDraft:
    """A section before it is lettered: its group, slots, rooms, facilitator, members."""

    group: str
    slots: tuple[int, ...]
    rooms: tuple[str, ...]  # one per slot
    facilitator: str
    members: tuple[str, ...]
    name: str | None = None  # a letter fixed before solving (last week's, or pinned)


def seats(roster, d: SectionDraft) -> int:
    """How many members the section can hold: its group's Max size and its rooms' seats."""
    return min([roster.group_by_name[d.group].max_size]
               + [roster.room_by_name[r].capacity for r in d.rooms])


def therapy_pairs(roster, week: dict[int, list[SectionDraft]]) -> Counter:
    """(patient, facilitator) -> how many therapy sections of the week they share: a patient
    sees their primary therapist in group when their pair counts at least one."""
    return Counter((pid, d.facilitator) for ds in week.values() for d in ds
                   if roster.group_by_name[d.group].kind == THERAPY for pid in d.members)


def section_name(i: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = string.ascii_uppercase[r] + name
    return name


def meetings_from(roster: Roster, drafts: list[SectionDraft]) -> list[Meeting]:
    """Letter each group's sections by first meeting and list their meetings.

    Sections named in advance keep their letter; the others take the free ones.
    """
    slots = roster.slots
    meetings = []
    by_group: dict[str, list[SectionDraft]] = {}
    for d in drafts:
        by_group.setdefault(d.group, []).append(d)
    for group, sections in by_group.items():
        sections.sort(key=lambda d: (min(d.slots), d.facilitator, d.members))
        taken = {d.name for d in sections if d.name}
        free = (section_name(i) for i in range(len(sections) + len(taken)))
        free = (name for name in free if name not in taken)
        for d in sections:
            name = d.name or next(free)
            for t, room in zip(d.slots, d.rooms):
                s = slots[t]
                meetings.append(Meeting(group, name, s.day, s.start, s.end, room,
                                        d.facilitator, tuple(sorted(d.members))))
    return meetings


# Deterministic-time budget of one split search (a fraction of a second of work).
SPLIT_WORK = 0.3


@dataclass
class BucketValue:
    bucket: Bucket
    members: list[str]
    leads: list[str]
    rooms: list[str]
    pins: list = field(default_factory=list)  # pinned sections (pinned.py) this bucket holds


def bucket_values(stage1: PatternModel, solver: cp_model.CpSolver) -> list[BucketValue]:
    out = []
    for b in stage1.buckets:
        if solver.value(b.sections) == 0:
            continue
        out.append(BucketValue(
            b,
            [pid for pid, v in b.members.items() if solver.boolean_value(v)],
            [sid for sid, v in b.leads.items() if solver.boolean_value(v)],
            [name for name, v in b.rooms.items() if solver.boolean_value(v)],
            [pin for pin, homes in stage1.pin_homes
             if any(home_b is b and solver.boolean_value(h) for home_b, h in homes)],
        ))
    return out


def split_bucket(plan: Plan, value: BucketValue, time_limit: float = 5.0,
                 cohorts: list[SectionDraft] = ()) -> list[SectionDraft] | None:
    """Sections of one bucket, or None when its members cannot be divided validly.

    cohorts: last week's sections being re-decided (--previous): their members staying
    together, with their facilitator, outweighs every quality rule.
    """
    roster = plan.roster
    gp = plan.groups[value.bucket.pattern.part]
    g = gp.group
    patients = roster.patient_by_id
    rooms = roster.room_by_name
    n = len(value.leads)
    if n == 1:
        return _named(_one_section(plan, value), value.pins)
    m = cp_model.CpModel()
    x = {(pid, k): m.new_bool_var("") for pid in value.members for k in range(n)}
    room_of = {(k, j): m.new_bool_var("") for k in range(n) for j in range(n)}
    for pid in value.members:
        m.add_exactly_one(x[pid, k] for k in range(n))
    for k in range(n):
        m.add_exactly_one(room_of[k, j] for j in range(n))
    for j in range(n):
        m.add_exactly_one(room_of[k, j] for k in range(n))
    for pin in value.pins:
        if pin.facilitator is not None and pin.room is not None:
            m.add(room_of[value.leads.index(pin.facilitator), value.rooms.index(pin.room)] == 1)
    soft: list = []
    newcomers = {pid for pid in value.members if roster.is_newcomer(patients[pid])}
    for k in range(n):
        members = [x[pid, k] for pid in value.members]
        size = LinearExpr.sum(members)
        m.add(size >= g.min_size)
        m.add(size <= g.max_size)
        for j, name in enumerate(value.rooms):
            m.add(size <= rooms[name].capacity).only_enforce_if(room_of[k, j])
            for pid in value.members:
                if not (patients[pid].needs - g.room_needs) <= rooms[name].features:
                    m.add_bool_or([~x[pid, k], ~room_of[k, j]])
        if g.is_peer:
            models = [x[pid, k] for pid in value.members if pid in plan.role_models]
            m.add(LinearExpr.sum(models) >= 1)
            soft += _peer_mix(m, roster, plan, value, x, k, newcomers, size, models)
    for a, b in roster.keep_apart_pairs():
        if a in value.members and b in value.members:
            for k in range(n):
                m.add_bool_or([~x[a, k], ~x[b, k]])
    if g.kind == THERAPY and roster.weights["own_therapist"] > 0:
        for pid in value.members:
            therapist = patients[pid].primary_therapist
            if therapist in value.leads:
                k = value.leads.index(therapist)
                soft.append((scaled(roster.weights["own_therapist"]), ~x[pid, k]))
    soft += _together(m, value, x, room_of, n, cohorts)
    if soft:
        m.minimize(LinearExpr.sum([w * v for w, v in soft]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    # Work, not seconds, ends a search that is not proven: the same roster splits the same way.
    solver.parameters.max_deterministic_time = SPLIT_WORK
    solver.parameters.num_workers = 1
    # Ctrl-C must reach Python (and keep the best week), not CP-SAT's own handler.
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    drafts = []
    slots = value.bucket.pattern.slots
    for k, sid in enumerate(value.leads):
        room = next(value.rooms[j] for j in range(n) if solver.boolean_value(room_of[k, j]))
        members = tuple(sorted(pid for pid in value.members if solver.boolean_value(x[pid, k])))
        drafts.append(SectionDraft(g.name, slots, (room,) * len(slots), sid, members))
    return _named(drafts, value.pins)


def _named(drafts: list[SectionDraft] | None, pins) -> list[SectionDraft] | None:
    """Pinned sections take their letters (the bucket was chosen to hold them)."""
    if not drafts or not pins:
        return drafts
    out = list(drafts)
    # Most demanding pins first, so a pin naming only a room does not take the section
    # another pin needs for its facilitator and room.
    for pin in sorted(pins, key=lambda p: (p.facilitator is None) + (p.room is None)):
        j = next((j for j, d in enumerate(out) if d.name is None and pin.holds(d)), None)
        if j is None:
            return None  # this division cannot hold the pins: divide again
        out[j] = replace(out[j], name=pin.letter)
    return out


def _together(m, value: BucketValue, x, room_of, n: int, cohorts: list[SectionDraft]) -> list:
    """Continuity (as Objective.continuity): each cohort picks at most one section as its
    home; 5 units per member elsewhere, 3 when the home has another facilitator, 1 per
    meeting when it is in another room."""
    out = []
    weight = scaled(CONTINUITY_WEIGHT)
    homes_at: list[list] = [[] for _ in range(n)]
    members = set(value.members)
    for cohort in cohorts:
        here = [pid for pid in cohort.members if pid in members]
        if not here:
            continue
        home = [m.new_bool_var("") for _ in range(n)]
        m.add_at_most_one(home)
        for k in range(n):
            homes_at[k].append(home[k])
        for pid in here:
            stays = [both(m, home[k], x[pid, k]) for k in range(n)]
            out.append((5 * weight, 1 - LinearExpr.sum(stays)))
        if cohort.facilitator in value.leads:
            out.append((3 * weight, ~home[value.leads.index(cohort.facilitator)]))
        if cohort.rooms and cohort.rooms[0] in value.rooms:
            j = value.rooms.index(cohort.rooms[0])
            same = [both(m, home[k], room_of[k, j]) for k in range(n)]
            out.append((len(cohort.slots) * weight, 1 - LinearExpr.sum(same)))
    for homes in homes_at:
        if len(homes) > 1:
            m.add_at_most_one(homes)
    return out


def _one_section(plan: Plan, value: BucketValue) -> list[SectionDraft] | None:
    """The bucket's members as its only section, when that obeys the section rules."""
    roster = plan.roster
    g = plan.groups[value.bucket.pattern.part].group
    room = roster.room_by_name[value.rooms[0]]
    members = set(value.members)
    patients = roster.patient_by_id
    fits = (
        g.min_size <= len(members) <= min(g.max_size, room.capacity)
        and all(patients[pid].needs - g.room_needs <= room.features for pid in members)
        and (not g.is_peer or bool(members & plan.role_models))
        and not any(a in members and b in members for a, b in roster.keep_apart_pairs())
    )
    if not fits:
        return None
    slots = value.bucket.pattern.slots
    return [SectionDraft(g.name, slots, (room.name,) * len(slots), value.leads[0],
                         tuple(sorted(members)))]


def _peer_mix(m, roster, plan, value, x, k, newcomers, size, models) -> list:
    """Shared experience and role-model mix for one peer section, as (weight, var) terms."""
    out = []
    weights = roster.weights
    if weights["shared_experience"] > 0:
        by_track: dict[str, list] = {}
        for pid in value.members:
            track = roster.patient_by_id[pid].track
            if track:
                by_track.setdefault(key(track), []).append(x[pid, k])
        if len(by_track) > 1:
            has = []
            for vars_ in by_track.values():
                h = m.new_bool_var("")
                for v in vars_:
                    m.add_implication(v, h)
                has.append(h)
            extra = m.new_int_var(0, len(has), "")
            m.add(extra >= LinearExpr.sum(has) - 1)
            out.append((scaled(weights["shared_experience"]), extra))
    if weights["role_model_mix"] > 0:
        w = scaled(weights["role_model_mix"])
        per = MEMBERS_PER_ROLE_MODEL
        if len(value.members) > per:
            short = m.new_int_var(0, math.ceil(len(value.members) / per), "")
            m.add(per * (LinearExpr.sum(models) + short) >= size)
            out.append((2 * w, short))
        new = [x[pid, k] for pid in newcomers]
        for t in range(1, len(new)):
            excess = m.new_int_var(0, len(new), "")
            m.add(excess >= LinearExpr.sum(new) - t)
            out.append((w, excess))
    return out

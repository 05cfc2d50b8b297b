"""What could possibly happen, computed before any variable exists.

For every group: who may join it, who may lead it, where and when it could
meet, and how many sections to consider. Filtering here keeps the CP-SAT
model small; every filter only removes options no valid schedule could use.

Patients who can never sit in one section together (fewer common free slots
than the group's sessions, e.g. daytime Residential and evening IOP) fall into
different *parts* of the group; a section only ever draws from one part.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

from ..domain import Group, Patient, Room, Roster, Slot, Staff


@dataclass(frozen=True)
class GroupPlan:
    """Candidate sections of one group drawn from one part of its patients."""

    group: Group
    part: int  # 0, 1, ... within the group
    slots: tuple[int, ...]  # slot indices a section could use
    pool: tuple[Patient, ...]  # patients who could join, sorted by ID
    must: frozenset[str]  # IDs of pool patients who have to be in the group
    staff: tuple[Staff, ...]  # qualified facilitators free often enough, sorted by ID
    rooms: tuple[Room, ...]  # rooms with the group's features, sorted by name
    sections: int  # how many sections the model considers
    max_sections: int  # a bound no valid schedule can exceed


@dataclass
class Plan:
    roster: Roster
    groups: list[GroupPlan]
    patients: list[Patient]  # sorted by ID
    patient_slots: dict[str, list[int]]
    staff_slots: dict[str, list[int]]
    room_slots: dict[str, list[int]]
    role_models: set[str]
    relax: bool = False  # best effort: Min size and role models do not bound sections
    # Sections named before solving (last week's, pinned); see anchors.py.
    anchors: list = field(default_factory=list)
    # (group, patient ID) pairs that are required but can never be placed.
    unplaceable: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why something cannot be placed

    @property
    def slots(self) -> list[Slot]:
        return self.roster.slots

    @functools.cached_property
    def patient_days(self) -> dict[str, dict[int, list[int]]]:
        """Per patient, per day, the slots they can come to in time order."""
        day = {s.index: s.day for s in self.roster.slots}
        out: dict[str, dict[int, list[int]]] = {}
        for pid, ts in self.patient_slots.items():
            by_day: dict[int, list[int]] = {}
            for t in sorted(ts):
                by_day.setdefault(day[t], []).append(t)
            out[pid] = by_day
        return out

    def with_all_sections(self) -> "Plan":
        """The same plan considering every section a valid schedule could use."""
        groups = [replace(gp, sections=gp.max_sections) for gp in self.groups]
        return replace(self, groups=groups)

    @property
    def anchored_parts(self) -> set[int]:
        return {a.part for a in self.anchors}

    @property
    def complete(self) -> bool:
        """True when no part's section count was cut below its proven bound."""
        return all(gp.sections == gp.max_sections for gp in self.groups)


def make_plan(roster: Roster, extra_sections: int | None = None, relax: bool = False) -> Plan:
    """Candidate slots, members, facilitators, rooms and section counts per group part.

    extra_sections: sections considered beyond the fewest that could seat a
    part's patients (None: every section a valid schedule could use).
    relax: best effort, where Min size and the role-model rule may give way, so
    they do not limit the candidates.
    """
    patients = sorted(roster.patients, key=lambda p: p.id)
    plan = Plan(
        roster=roster,
        relax=relax,
        groups=[],
        patients=patients,
        patient_slots={p.id: [s.index for s in roster.patient_slots(p)] for p in patients},
        staff_slots={s.id: [t.index for t in roster.staff_slots(s)] for s in roster.staff},
        room_slots={r.name: [t.index for t in roster.room_slots(r)] for r in roster.rooms},
        role_models={p.id for p in patients if roster.is_role_model(p)},
    )
    for group in sorted(roster.groups, key=lambda g: g.name):
        plan.groups.extend(_group_plans(plan, group, extra_sections))
    return plan


def _group_plans(plan: Plan, group: Group, extra_sections: int | None) -> list[GroupPlan]:
    roster = plan.roster
    n = group.sessions
    eligible = [p for p in plan.patients if roster.eligible(p, group)]
    must = {
        p.id for p in plan.patients
        if group.name in p.extra_groups or (group.required and roster.eligible(p, group))
    }
    staff = [s for s in sorted(roster.qualified_staff(group), key=lambda s: s.id)
             if roster.staff_capacity(s) >= n]
    min_size = 1 if plan.relax else group.min_size
    rooms = [r for r in sorted(roster.rooms, key=lambda r: r.name)
             if group.room_needs <= r.features and r.capacity >= min_size]
    usable = (
        {t for s in staff for t in plan.staff_slots[s.id]}
        & {t for r in rooms for t in plan.room_slots[r.name]}
    )
    free = {p.id: usable.intersection(plan.patient_slots[p.id]) for p in eligible}
    # A member must be free for every meeting of the section.
    pool = [p for p in eligible if len(free[p.id]) >= n]
    for pid in sorted(must - {p.id for p in pool}):
        plan.unplaceable.append((group.name, pid))
        plan.notes.append(
            f"{group.name}: patient {pid} has to attend it but is not free for {n} of its "
            f"meetings at times a qualified facilitator and a suitable room are free."
        )

    plans = []
    for part, members in enumerate(_parts(pool, free, n)):
        slots = set().union(*(free[p.id] for p in members))
        part_staff = [s for s in staff if len(slots.intersection(plan.staff_slots[s.id])) >= n]
        part_rooms = [r for r in rooms if slots.intersection(plan.room_slots[r.name])]
        max_sections = _max_sections(group, members, part_staff, part_rooms, slots, plan)
        part_must = must & {p.id for p in members}
        if max_sections == 0 and part_must:
            plan.notes.append(_why_no_section(group, members, part_staff, part_rooms, plan))
        sections = max_sections
        if extra_sections is not None:
            sections = min(max_sections, math.ceil(len(members) / group.max_size) + extra_sections)
        plans.append(GroupPlan(
            group, part, tuple(sorted(slots)), tuple(members), frozenset(part_must),
            tuple(part_staff), tuple(part_rooms), sections, max_sections,
        ))
    if not pool and must:
        plan.notes.append(_why_no_section(group, [], staff, rooms, plan))
    return plans


def _parts(pool: list[Patient], free: dict[str, set[int]], n: int) -> list[list[Patient]]:
    """Connected components of 'could share a section' (at least n common free slots)."""
    parent = list(range(len(pool)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Patients with identical free slots are trivially connected; compare one per kind.
    first_of: dict[frozenset[int], int] = {}
    for i, p in enumerate(pool):
        kind = frozenset(free[p.id])
        if kind in first_of:
            parent[find(i)] = find(first_of[kind])
        else:
            first_of[kind] = i
    kinds = list(first_of.items())
    for a in range(len(kinds)):
        for b in range(a + 1, len(kinds)):
            if len(kinds[a][0] & kinds[b][0]) >= n:
                parent[find(kinds[a][1])] = find(kinds[b][1])
    parts: dict[int, list[Patient]] = {}
    for i, p in enumerate(pool):
        parts.setdefault(find(i), []).append(p)
    return sorted(parts.values(), key=lambda ps: ps[0].id)


def _max_sections(group, members, staff, rooms, slots, plan: Plan) -> int:
    """An upper bound on this part's sections in any valid schedule."""
    min_size = 1 if plan.relax else group.min_size
    if len(members) < min_size or not staff or not rooms:
        return 0
    by_members = len(members) // min_size
    by_staff = sum(
        min(plan.roster.staff_capacity(s), len(slots.intersection(plan.staff_slots[s.id])))
        // group.sessions
        for s in staff
    )
    by_rooms = sum(len(slots.intersection(plan.room_slots[r.name])) for r in rooms) // group.sessions
    bound = min(by_members, by_staff, by_rooms)
    if group.is_peer and not plan.relax:
        # Every peer section needs a role model of its own.
        bound = min(bound, sum(p.id in plan.role_models for p in members))
    return bound


def _why_no_section(group, members, staff, rooms, plan: Plan) -> str:
    if not members:
        return f"{group.name}: no eligible patient is free at times a facilitator and room are."
    if not staff:
        return f"{group.name}: no available facilitator has the skill '{group.skill}'."
    if not rooms:
        return f"{group.name}: no room has its features and seats at least {group.min_size}."
    if len(members) < group.min_size:
        return (
            f"{group.name}: only {len(members)} eligible patient(s) can meet together "
            f"{group.sessions} time(s) a week; Min size is {group.min_size}."
        )
    if group.is_peer and not any(p.id in plan.role_models for p in members):
        return f"{group.name}: it is a peer group but none of its possible members is a role model."
    return f"{group.name}: no section fits the facilitators' and rooms' free times."

"""What a best-effort week does not provide, worked out from the week itself.

Independent of the solver: the same list results for any schedule, so a
hand-edited week is described the same way. Only the relaxable rules appear
here; safety rules (double booking, skills, capacity, keep apart) are never
relaxed.
"""

from __future__ import annotations

from collections import defaultdict

from .domain import Roster
from .solution import Schedule, Unmet


def find_unmet(roster: Roster, schedule: Schedule) -> list[Unmet]:
    """Missed groups, sections below Min size, peer sections without a role model, short hours."""
    return (
        _missed_groups(roster, schedule)
        + _small_sections(roster, schedule)
        + _peer_sections_without_role_model(roster, schedule)
        + _short_hours(roster, schedule)
    )


def _missed_groups(roster: Roster, schedule: Schedule) -> list[Unmet]:
    placed = {(pid, m.group) for m in schedule.meetings for pid in m.patients}
    out = []
    for p in sorted(roster.patients, key=lambda p: p.id):
        for g in sorted(roster.assigned_groups(p), key=lambda g: g.name):
            if (p.id, g.name) in placed:
                continue
            why = "an Extra group on their row" if g.name in p.extra_groups else \
                f"Required, Groups row {g.row}"
            out.append(Unmet(
                "missed_group",
                f"Patient {p.id} (Patients row {p.row}) is not in {g.name} ({why}).",
                patient=p.id, group=g.name, sheet="Patients", row=p.row,
            ))
    return out


def _small_sections(roster: Roster, schedule: Schedule) -> list[Unmet]:
    out = []
    for s in schedule.sections:
        g = roster.group_by_name.get(s.group)
        if g and len(s.patients) < g.min_size:
            out.append(Unmet(
                "short_members",
                f"{schedule.label(s.group, s.name)} has {len(s.patients)} member(s), "
                f"below its Min size {g.min_size} (Groups row {g.row}).",
                group=s.group, section=s.name, sheet="Groups", row=g.row,
            ))
    return out


def _peer_sections_without_role_model(roster: Roster, schedule: Schedule) -> list[Unmet]:
    out = []
    patients = roster.patient_by_id
    for s in schedule.sections:
        g = roster.group_by_name.get(s.group)
        if not g or not g.is_peer:
            continue
        if not any(pid in patients and roster.is_role_model(patients[pid]) for pid in s.patients):
            out.append(Unmet(
                "no_role_model",
                f"{schedule.label(s.group, s.name)} is a peer group without a role model "
                f"(Groups row {g.row}).",
                group=s.group, section=s.name, sheet="Groups", row=g.row,
            ))
    return out


def _short_hours(roster: Roster, schedule: Schedule) -> list[Unmet]:
    minutes: dict[str, int] = defaultdict(int)
    for m in schedule.meetings:
        for pid in m.patients:
            minutes[pid] += m.minutes
    out = []
    for p in sorted(roster.patients, key=lambda p: p.id):
        program = roster.program_by_name[p.program]
        if minutes[p.id] < program.min_minutes:
            out.append(Unmet(
                "short_hours",
                f"Patient {p.id} (Patients row {p.row}) has {minutes[p.id] / 60:g} of the "
                f"{program.min_hours:g} hours a week {program.name} requires "
                f"(Programs row {program.row}).",
                patient=p.id, sheet="Patients", row=p.row,
            ))
    return out

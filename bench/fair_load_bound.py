"""How close each skill team of a solved week could come to fair load, by staff hours alone.

    python bench/fair_load_bound.py ROSTER.xlsx OUT/schedule.json

For each skill team, a lower bound on the spread of use (docs/quality/fair-load.md) over
every week with the same sections and members, whatever their times and facilitators:

- a set U of the team must lead at least what the rest of the staff cannot take: every
  meeting of the week, less the most the others could lead between them (a max flow from
  sections to whoever has the skill and is free on enough of the slots all the section's
  members are free, each up to their capacity); so its busiest member is at least at that
  share of U's capacity;
- a set V of the team leads at most the max flow to V alone, so its least used member is at
  most at that share of V's capacity.

Rooms, patients' other groups, one meeting per slot and the soft rules are left out, so the
bound is loose: a team whose bound is at most 30 points is not ruled out by staff hours, and
one above 30 could not be balanced with these sections. U and V run over unions of the
team's members with the same free slots and skills. Measured on the generated 600-patient
roster of seed 0: every team's bound was at most 0, against spreads of 14 to 78 points.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from ortools.graph.python import max_flow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scheduler.quality import measure  # noqa: E402
from scheduler.reader import read_roster  # noqa: E402
from scheduler.schedule_reader import read_schedule  # noqa: E402

MOST_KINDS = 8  # kinds of member in a team up to which every union is tried (else 1 or 2)


def bounds(roster_path: str, schedule_path: str) -> list[tuple[str, int, int, int]]:
    """(skill, spread of use in the week, lowest busiest use, highest least use) per team."""
    roster = read_roster(roster_path)
    schedule = read_schedule(schedule_path, roster)
    use = {load.id: load.use for load in measure(roster, schedule).staff_load}
    staff = sorted(roster.staff, key=lambda s: s.id)
    node = {s.id: i for i, s in enumerate(staff)}
    cap = {s.id: roster.staff_capacity(s) for s in staff}
    free = {s.id: {t.index for t in roster.staff_slots(s)} for s in staff}
    patient_free = {p.id: {t.index for t in roster.patient_slots(p)} for p in roster.patients}
    sections = []  # (meetings, who could lead it)
    for sec in schedule.sections:
        group = roster.group_by_name[sec.group]
        common = set.intersection(*(patient_free[p] for p in sec.patients))
        n = len(sec.meetings)
        sections.append((n, {s.id for s in staff
                             if group.skill in s.skills and len(free[s.id] & common) >= n}))
    total = sum(n for n, _ in sections)

    def most(members: set[str]) -> int:
        """The most meetings these staff could lead between them."""
        flow = max_flow.SimpleMaxFlow()
        source, sink, first = 0, 1, 2
        first_staff = first + len(sections)
        for i, (n, could) in enumerate(sections):
            if could & members:
                flow.add_arc_with_capacity(source, first + i, n)
                for sid in could & members:
                    flow.add_arc_with_capacity(first + i, first_staff + node[sid], n)
        for sid in members:
            flow.add_arc_with_capacity(first_staff + node[sid], sink, cap[sid])
        flow.solve(source, sink)
        return flow.optimal_flow()

    everyone = set(cap)
    out = []
    for skill in sorted({k for s in staff for k in s.skills}):
        team = [s for s in staff if skill in s.skills and cap[s.id]]
        if len(team) < 2:
            continue
        kinds = defaultdict(set)
        for s in team:
            kinds[frozenset(free[s.id]), s.skills].add(s.id)
        kinds_ = list(kinds.values())
        sizes = range(1, len(kinds_) + 1) if len(kinds_) <= MOST_KINDS else (1, 2)
        busiest, least = 0, 100
        for k in sizes:
            for union in combinations(kinds_, k):
                members = set().union(*union)
                capacity = sum(cap[sid] for sid in members)
                busiest = max(busiest, 100 * (total - most(everyone - members)) // capacity)
                least = min(least, 100 * most(members) // capacity)
        spread = max(use[s.id] for s in team) - min(use[s.id] for s in team)
        out.append((skill, spread, busiest, least))
    return out


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    print(f"{'Skill team':20} {'spread':>6} {'bound':>6}  (busiest at least, least used at most)")
    for skill, spread, busiest, least in bounds(sys.argv[1], sys.argv[2]):
        print(f"{skill:20} {spread:6} {busiest - least:6}  ({busiest} %, {least} %)")


if __name__ == "__main__":
    main()

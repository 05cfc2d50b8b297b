"""What moving one section, times and all, to the least used member of an unbalanced skill
team would cost the week's other rules.

    python bench/fair_load_moves.py ROSTER.xlsx OUT/schedule.json

The exchange pass (scheduler/solver/rebalance.py) only hands a section over at its own
times. Here, for every skill team the report finds more than 30 points apart, every section
the busiest member leads that the least used one has the skill for is moved whole to the
least used one, at any slots (one per meeting, on different days, of the same length) where
they and every member are free, each meeting in the first room free then that seats everyone
and has the group's and the members' room needs (the section's own rooms first). A move is
kept only if `scheduler check`'s rules find nothing broken in the whole week; the best one
per section is printed with the change of the week's penalty, per rule. Positive: the week
gets worse. At most MOST_TRIED slot choices are tried per section.

Measured on the generated rosters of 300 (seeds 0, 1) and 600 patients (seeds 0, 2), weeks
of 120 s: of 78 sections, 47 have no such move that obeys the rules. Of the other 31, the
29 that narrow fair load each cost 13 to 84 points in other rules (own therapist, patients'
idle gaps, spread) for 0.25 to 0.55 points of fair load (5 to 11 points of gap); two leave
fair load as it is (one of them saves 2 points of idle gaps).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import replace
from itertools import combinations, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scheduler.check import check_schedule  # noqa: E402
from scheduler.quality import measure  # noqa: E402
from scheduler.reader import read_roster  # noqa: E402
from scheduler.schedule_reader import read_schedule  # noqa: E402
from scheduler.solution import Schedule  # noqa: E402
from scheduler.solver.plan import make_plan  # noqa: E402

MOST_TRIED = 300
MISS = re.compile(r"^.*?: (.*?) at \d+% of capacity, (.*) at \d+%$")


def penalties(quality) -> dict[str, float]:
    return {r.key: r.penalty for r in quality.rules}


def moves(roster_path: str, schedule_path: str):
    """(skill, section, candidate slots, best (change, per-rule changes) or None) per section."""
    roster = read_roster(roster_path)
    week = read_schedule(schedule_path, roster)
    plan = make_plan(roster)
    slots = roster.slots
    index = {(s.day, s.start): s.index for s in slots}
    free = {**{k: set(v) for k, v in plan.patient_slots.items()},
            **{k: set(v) for k, v in plan.staff_slots.items()}}
    room_free = {k: set(v) for k, v in plan.room_slots.items()}
    busy, room_busy = defaultdict(set), defaultdict(set)
    for m in week.meetings:
        t = index[m.day, m.start]
        for who in (*m.patients, m.facilitator):
            busy[who].add(t)
        room_busy[m.room].add(t)
    before = measure(roster, week)
    was = penalties(before)
    staff = {s.id: s for s in roster.staff}
    needs = {p.id: p.needs for p in roster.patients}

    for miss in before.rule("fair_load").misses:
        names = MISS.match(miss.text)
        busiest, idle = (next(s.id for s in roster.staff if text.startswith(s.name))
                         for text in names.groups())
        for sec in week.sections:
            group = roster.group_by_name[sec.group]
            if sec.facilitator != busiest or group.skill not in staff[idle].skills:
                continue
            own = {index[m.day, m.start] for m in sec.meetings}
            open_ = free[idle] - busy[idle]
            for pid in sec.patients:
                open_ &= free[pid] - (busy[pid] - own)
            wanted = group.room_needs.union(*(needs[p] for p in sec.patients))
            rooms = sorted((r for r in roster.rooms if r.capacity >= len(sec.patients)
                            and wanted <= r.features),
                           key=lambda r: (r.name not in sec.rooms, r.name))
            length = sec.meetings[0].end - sec.meetings[0].start
            choices = (ts for ts in combinations(sorted(open_), len(sec.meetings))
                       if len({slots[t].day for t in ts}) == len(ts)
                       and all(slots[t].end - slots[t].start == length for t in ts))
            best = None
            for ts in islice(choices, MOST_TRIED):
                moved = []
                for m, t in zip(sec.meetings, ts):
                    room = next((r.name for r in rooms if t in room_free[r.name] and (
                        t not in room_busy[r.name] or (t in own and r.name in sec.rooms))), None)
                    if room is None:
                        break
                    s = slots[t]
                    moved.append(replace(m, day=s.day, start=s.start, end=s.end, room=room,
                                         facilitator=idle))
                else:
                    after = Schedule("edited", [m for m in week.meetings
                                                if m not in sec.meetings] + moved)
                    if check_schedule(roster, after):
                        continue
                    quality = measure(roster, after)
                    change = round(quality.objective - before.objective, 2)
                    if best is None or change < best[0]:
                        rules = {k: round(v - was[k], 2)
                                 for k, v in penalties(quality).items() if v != was[k]}
                        best = (change, rules)
            yield miss.id, f"{sec.group} {sec.name}", len(open_), best


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tried = better = 0
    for skill, section, candidates, best in moves(sys.argv[1], sys.argv[2]):
        tried += 1
        better += best is not None and best[0] < 0
        what = "no move obeys the rules" if best is None else \
            f"{best[0]:+.2f} ({', '.join(f'{k} {v:+g}' for k, v in best[1].items())})"
        print(f"{skill:20} {section:32} {candidates:3} free slots  {what}")
    print(f"{tried} sections tried, {better} with a move that lowers the week's penalty")


if __name__ == "__main__":
    main()

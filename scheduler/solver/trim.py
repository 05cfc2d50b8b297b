"""Right amount by leaving an elective: one of the exchange passes over a complete stepwise
week.

Placing seats a patient in an elective while their hours are still short, and a later step may
add a required group that covers those hours anyway; the patient then keeps an elective nobody
prescribed although Min hours no longer need it (the Right amount rule). Here such a patient
leaves it, when their minutes stay at Min hours, the section keeps its Min size and, in a peer
group, a role model, and the patient keeps a section of their own therapist. Nobody joins
anything, and times, rooms and facilitators stay as they are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..domain import THERAPY
from .rebalance import only_if_better
from .split import therapy_pairs


def drop_unneeded_electives(steps, out_of_time) -> int:
    """Elective places given up; kept only if the week's measure agrees it got better."""
    return only_if_better(steps, lambda: _drop(steps, out_of_time))


def _drop(steps, out_of_time) -> int:
    plan = steps.plan
    roster = plan.roster
    minutes: Counter = Counter()
    for ds in steps.week.values():
        for d in ds:
            for pid in d.members:
                minutes[pid] += sum(steps.minutes_of[t] for t in d.slots)
    sees = therapy_pairs(roster, steps.week)
    need = {p.id: roster.program_by_name[p.program].min_minutes for p in plan.patients}
    therapist = {p.id: p.primary_therapist for p in plan.patients}
    dropped = 0
    # A general elective costs twice a track-specific one (quality.right_amount): those first.
    for part in sorted(steps.week, key=lambda q: (bool(plan.groups[q].group.track), q)):
        gp = plan.groups[part]
        g = gp.group
        for i in range(len(steps.week[part])):
            d = steps.week[part][i]
            length = sum(steps.minutes_of[t] for t in d.slots)
            for pid in d.members:
                if out_of_time():
                    return dropped
                if pid in gp.must or minutes[pid] - length < need[pid]:
                    continue  # prescribed, or their hours need it
                if g.kind == THERAPY and therapist[pid] == d.facilitator \
                        and sees[(pid, d.facilitator)] == 1:
                    continue  # the one section where they see their own therapist
                rest = tuple(m for m in d.members if m != pid)
                if len(rest) < g.min_size or (g.is_peer and not set(rest) & plan.role_models):
                    continue
                d = replace(d, members=rest)
                minutes[pid] -= length
                sees[(pid, d.facilitator)] -= g.kind == THERAPY
                dropped += 1
            steps.week[part][i] = d
    return dropped

"""Own therapist by re-deciding a therapist's sections together with the sections of their
patients who miss them: one of the exchange passes over a complete stepwise week.

The passes before it move patients among the sections there are (swaps.py, reseat.py) or
open a section beside them (opening.py); none of them moves the therapist's other sections
out of the way. On a generated 600-patient center (seed 2) one therapist's evenings were
eight Life Skills sections while 12 of her IOP patients missed her in Relapse Prevention,
and her free Saturday slots were too short for their Min hours. Re-deciding her sections
and those patients' Relapse Prevention sections in one step, with the rest of the week
fixed (Stepwise.decide), found a week where she leads one of theirs: that one step, tried
on the finished week, took it from 523 to 535 of 538 patients with their therapist and 228
points lower, in 2.4 s.
"""

from __future__ import annotations

from collections import defaultdict

from ..quality import measure
from ..rules import weight_of
from .opening import missing_therapists
from .stepwise import POLISH_MIN_GAIN

# Work of one such step: like respread's, a few sections of two or three parts.
REGROUP_WORK = 2.0


def regroup_for_therapists(steps, out_of_time) -> int:
    """Steps kept; steps.week is updated in place.

    Per therapist and therapy group part, most missing patients first: the therapist's
    sections in every part, and the part's sections those patients are in, are re-decided
    together under every hard rule. A step is kept only if more patients see their therapist
    and the report's measure of the week gains POLISH_MIN_GAIN points (docs/rules.md):
    steps kept for smaller gains take time that polish would put to better use. The same
    sections with the same patients missing are not tried again in later exchange rounds,
    even when the rest of the week changed: each try costs polish time."""
    if steps.last:  # with last week, continuing sections keep their times and members
        return 0
    if not weight_of(steps.plan.roster.weights, "own_therapist"):
        return 0
    score = misses = None
    kept = 0

    def fewer_missing() -> bool:
        nonlocal score, misses
        now, missed = _measure(steps)
        if missed >= misses or now > score - POLISH_MIN_GAIN:
            return False
        score, misses = now, missed
        return True
    while not out_of_time() and not steps.interrupted:
        # Anew after every step: one that is kept can seat patients of the next entries.
        todo = None
        for (sid, part), pids in missing_therapists(steps):
            # Only those in a section of the part: the step re-decides sections, it does not
            # add anyone to an elective.
            enrolled = {pid for d in steps.week.get(part, ()) for pid in d.members}
            pids = [pid for pid in pids if pid in enrolled]
            if not pids:
                continue
            theirs = set(pids)
            freed = defaultdict(list)
            for q, ds in sorted(steps.week.items()):
                for d in ds:
                    if d.facilitator == sid or (q == part and not theirs.isdisjoint(d.members)):
                        freed[q].append(d)
            tried = (sid, part, tuple(pids), frozenset(d for ds in freed.values() for d in ds))
            if tried not in steps.regroups_tried:
                todo = tried, dict(freed)
                break
        if todo is None:
            break
        tried, freed = todo
        steps.regroups_tried.add(tried)
        if score is None:
            score, misses = _measure(steps)
        if steps.decide_if(fewer_missing, set(freed), relax=False, work=REGROUP_WORK,
                           freed=freed):
            kept += 1
    return kept


def _measure(steps) -> tuple[float, int]:
    """The week's penalty and how many patients miss their therapist, as the report counts."""
    quality = measure(steps.plan.roster, steps.schedule(), explain=False)
    return quality.objective, next(r.units for r in quality.rules if r.key == "own_therapist")
